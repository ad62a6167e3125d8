"""The cases of image.json: tf.image resize (every method, antialias, gradients), geometry,
patches (this module) and colour, conversions and measures (image_color_cases.py), written
once for TensorFlow and for tapeflow.

Each case is a function of the `tf` module returning tensors (in dicts, lists or tuples);
make_image.py runs them with TensorFlow 2.21 and stores the encoded results, or the error type
a case raised; tests/ops/test_image_golden.py runs them again under tapeflow and compares.
Inputs are formulas (image_helpers.image), small, so the JSON stays small.
"""

import image_color_cases  # noqa: F401  (registers its cases)
import numpy as np
from image_helpers import (
    CASES,
    EAGER_ONLY,
    case,
    encode,
    gradient_error,
    image,
    run,
    uint8_image,
    with_grads,
)

__all__ = ["CASES", "EAGER_ONLY", "encode", "run"]

METHODS = ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
           "mitchellcubic"]  # fmt: skip
IMG = image((1, 5, 6, 1))

# ---- resize ----------------------------------------------------------------------------------

_SIZES = {"down": (3, 4), "up": (7, 9), "mixed": (2, 11)}
# antialias=True changes nothing for nearest and area, nor when only upsampling with the
# scale-and-translate kernels: one case each shows it.
_AA_LABELS = {m: ("down",) if m in ("nearest", "area") else ("down", "mixed") for m in METHODS}
_AA_LABELS["bilinear"] = _AA_LABELS["bicubic"] = tuple(_SIZES)

for _method in METHODS:
    for _aa in (False, True):
        for _label, _size in _SIZES.items():
            if _aa and _label not in _AA_LABELS[_method]:
                continue
            _name = f"resize_{_method}_{'aa_' if _aa else ''}{_label}"

            @case(_name, eager_only=_method == "area")
            def _resize(tf, _method=_method, _aa=_aa, _size=_size):
                def fn(x):
                    return tf.image.resize(x, _size, method=_method, antialias=_aa)

                if _method == "area":  # TF: no gradient for ResizeArea
                    return {"out": fn(tf.constant(IMG)), **gradient_error(tf, fn, IMG)}
                return with_grads(tf, fn, IMG)


@case("resize_rank3_uint8_bicubic")
def _(tf):
    return tf.image.resize(uint8_image((4, 5, 3)), (6, 3), method="bicubic")


@case("resize_uint8_nearest_keeps_dtype")
def _(tf):
    return tf.image.resize(uint8_image((4, 5, 1)), (7, 3), method="nearest")


@case("resize_int32_lanczos3_aa")
def _(tf):
    x = tf.constant(uint8_image((1, 6, 7, 1)).astype(np.int32))
    return tf.image.resize(x, (3, 2), method="lanczos3", antialias=True)


@case("resize_float64_area")
def _(tf):
    return tf.image.resize(tf.constant(image((5, 7, 1), 1, np.float64)), (2, 3), method="area")


@case("resize_preserve_aspect_ratio")
def _(tf):
    x = tf.constant(image((4, 6, 1)))
    return [tf.image.resize(x, (10, 20), preserve_aspect_ratio=True, method=m)
            for m in ("bilinear", "bicubic")]  # fmt: skip


@case("resize_batch_of_one_pixel")
def _(tf):
    return tf.image.resize(tf.constant(image((2, 1, 1, 3))), (3, 2), method="bicubic")


for _label, _call in {
    "rank2": lambda tf: tf.image.resize(image((4, 6)), (3, 3)),
    "size_of_three": lambda tf: tf.image.resize(IMG, (3, 3, 1)),
    "size_zero": lambda tf: tf.image.resize(IMG, (0, 3), method="bicubic"),
    "size_negative_lanczos": lambda tf: tf.image.resize(IMG, (-1, 3), method="lanczos3"),
    "unknown_method": lambda tf: tf.image.resize(IMG, (3, 3), method="cubic"),
    "upper_case_method": lambda tf: tf.image.resize(IMG, (3, 3), method="BICUBIC"),
    "empty_image": lambda tf: tf.image.resize(np.zeros((1, 0, 3, 1), np.float32), (3, 3)),
    "no_channels": lambda tf: tf.image.resize(
        np.zeros((1, 2, 3, 0), np.float32), (3, 3), method="gaussian"
    ),
}.items():
    case(f"resize_error_{_label}")(_call)


@case("resize_with_pad")
def _(tf):
    fn = lambda x: tf.image.resize_with_pad(x, 7, 5)  # noqa: E731
    return with_grads(tf, fn, image((2, 4, 6, 1)))


@case("resize_with_pad_methods")
def _(tf):
    x = uint8_image((3, 5, 2))
    return [tf.image.resize_with_pad(x, 6, 4, method=m, antialias=a)
            for m, a in (("nearest", False), ("bicubic", False), ("lanczos3", True))]  # fmt: skip


@case("resize_with_pad_error_target")
def _(tf):
    return tf.image.resize_with_pad(image((3, 5, 2)), 0, 4)


# ---- geometry --------------------------------------------------------------------------------


@case("flips_and_transpose")
def _(tf):
    x3, x4 = image((3, 4, 2)), image((2, 3, 4, 1), 1)
    return [f(x) for f in (tf.image.flip_left_right, tf.image.flip_up_down, tf.image.transpose)
            for x in (x3, x4)]  # fmt: skip


@case("rot90_all_k")
def _(tf):
    x3, x4 = uint8_image((3, 4, 1)), image((2, 3, 4, 1), 1)
    return [tf.image.rot90(x, k) for k in (0, 1, 2, 3, -1, 5) for x in (x3, x4)]


@case("rot90_gradient")
def _(tf):
    return with_grads(tf, lambda x: tf.image.rot90(x, 3), image((2, 3, 4, 2)))


@case("central_crop")
def _(tf):
    x3, x4 = image((7, 6, 1)), image((1, 5, 9, 1), 1)
    return [tf.image.central_crop(x, f) for f in (0.5, 0.33, 0.9, 1.0) for x in (x3, x4)]


@case("crop_and_pad_to_bounding_box")
def _(tf):
    x = image((2, 5, 6, 2))
    return with_grads(
        tf, lambda t: tf.image.pad_to_bounding_box(
            tf.image.crop_to_bounding_box(t, 1, 2, 3, 3), 2, 1, 6, 5),
        x,
    )  # fmt: skip


@case("resize_with_crop_or_pad")
def _(tf):
    x3, x4 = uint8_image((5, 4, 1)), image((2, 5, 4, 1))
    return [tf.image.resize_with_crop_or_pad(x, h, w)
            for h, w in ((3, 7), (8, 2), (5, 4), (2, 2)) for x in (x3, x4)]  # fmt: skip


for _label, _call in {
    "flip_rank2": lambda tf: tf.image.flip_left_right(image((4, 6))),
    "flip_rank5": lambda tf: tf.image.flip_up_down(image((1, 1, 4, 6, 3))),
    "flip_zero_size": lambda tf: tf.image.flip_left_right(np.zeros((0, 3, 1), np.float32)),
    "rot90_rank5": lambda tf: tf.image.rot90(image((1, 1, 4, 6, 3))),
    "rot90_vector_k": lambda tf: tf.image.rot90(image((4, 6, 3)), [1, 2]),
    "transpose_rank2": lambda tf: tf.image.transpose(image((4, 6))),
    "central_crop_zero": lambda tf: tf.image.central_crop(image((4, 6, 3)), 0.0),
    "central_crop_above_one": lambda tf: tf.image.central_crop(image((4, 6, 3)), 1.5),
    "central_crop_rank5": lambda tf: tf.image.central_crop(image((1, 1, 4, 6, 3)), 0.5),
    "crop_too_large": lambda tf: tf.image.crop_to_bounding_box(image((4, 6, 3)), 1, 1, 4, 4),
    "crop_negative_offset": lambda tf: tf.image.crop_to_bounding_box(
        image((4, 6, 3)), -1, 1, 2, 2
    ),
    "crop_zero_target": lambda tf: tf.image.crop_to_bounding_box(image((4, 6, 3)), 0, 0, 0, 2),
    "pad_too_small": lambda tf: tf.image.pad_to_bounding_box(image((4, 6, 3)), 1, 1, 4, 4),
    "pad_negative_offset": lambda tf: tf.image.pad_to_bounding_box(image((4, 6, 3)), -1, 1, 8, 8),
    "crop_or_pad_zero_target": lambda tf: tf.image.resize_with_crop_or_pad(image((4, 6, 3)), 0, 3),
    "crop_or_pad_rank2": lambda tf: tf.image.resize_with_crop_or_pad(image((4, 6)), 2, 3),
    "random_crop_too_large": lambda tf: tf.image.random_crop(image((4, 6, 1)), (5, 2, 1)),
    "random_crop_size_rank": lambda tf: tf.image.random_crop(image((4, 6, 1)), (2, 2)),
    "stateless_random_crop_too_large": lambda tf: tf.image.stateless_random_crop(
        image((4, 6, 1)), (4, 7, 1), seed=(1, 2)
    ),
}.items():
    case(f"geometry_error_{_label}")(_call)

# ---- extract_patches -------------------------------------------------------------------------

for _label, (_sizes, _strides, _rates, _padding) in {
    "valid": ((1, 2, 3, 1), (1, 1, 1, 1), (1, 1, 1, 1), "VALID"),
    "valid_strided_dilated": ((1, 2, 2, 1), (1, 2, 3, 1), (1, 2, 1, 1), "VALID"),
    "same": ((1, 3, 2, 1), (1, 2, 2, 1), (1, 1, 1, 1), "SAME"),
    "same_dilated": ((1, 2, 3, 1), (1, 3, 1, 1), (1, 2, 2, 1), "SAME"),
}.items():

    @case(f"extract_patches_{_label}")
    def _patches(tf, _a=(_sizes, _strides, _rates, _padding)):
        return with_grads(tf, lambda x: tf.image.extract_patches(x, *_a), image((1, 5, 6, 2)))


@case("extract_patches_int32")
def _(tf):
    x = uint8_image((1, 4, 5, 1)).astype(np.int32)
    return tf.image.extract_patches(x, [1, 2, 2, 1], [1, 1, 2, 1], [1, 1, 1, 1], "SAME")


for _label, _args in {
    "rank3": (image((4, 6, 3)), [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
    "batch_ksize": (image((1, 4, 6, 3)), [2, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
    "window_too_large": (image((1, 4, 6, 3)), [1, 9, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
    "unknown_padding": (image((1, 4, 6, 3)), [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "FULL"),
}.items():
    case(f"extract_patches_error_{_label}")(
        lambda tf, _args=_args: tf.image.extract_patches(*_args)
    )
