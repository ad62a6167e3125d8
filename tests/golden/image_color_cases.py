"""image.json cases for tf.image colour spaces, adjustments, dtype conversion and the image
measures (see image_cases.py)."""

import numpy as np
from image_helpers import case, gradient_error, image, uint8_image, with_grads


def rgb(shape, seed=0):
    """An RGB image with a grey pixel, two-way ties and black, the kernels' special cases."""
    x = image(shape, seed)
    flat = x.reshape(-1, 3)
    flat[:4] = [[0.5, 0.5, 0.5], [0.2, 0.7, 0.7], [0.9, 0.9, 0.1], [0.0, 0.0, 0.0]]
    return x


RGB = rgb((1, 3, 4, 3))

# ---- colour spaces -------------------------------------------------------------------------


@case("rgb_to_hsv_and_back")
def _(tf):
    hsv = tf.image.rgb_to_hsv(tf.constant(RGB))
    return [hsv, tf.image.hsv_to_rgb(hsv), tf.image.hsv_to_rgb(tf.constant(image((5, 3), 2)))]


@case("rgb_to_hsv_gradient")
def _(tf):
    # Distinct, positive channels: TF's gradient formula (its tie rules aside).
    return with_grads(tf, tf.image.rgb_to_hsv, image((2, 4, 3), 3) * 0.9 + 0.05)


@case("rgb_to_hsv_float64_rank1")
def _(tf):
    return tf.image.rgb_to_hsv(tf.constant(np.array([0.3, 0.1, 0.8])))


@case("hsv_to_rgb_has_no_gradient", eager_only=True)
def _(tf):
    return gradient_error(tf, tf.image.hsv_to_rgb, image((2, 3, 3)))


@case("rgb_to_hsv_error_two_channels")
def _(tf):
    return tf.image.rgb_to_hsv(tf.constant(image((2, 2))))


@case("adjust_hue")
def _(tf):
    x = tf.constant(RGB)
    return [tf.image.adjust_hue(x, d) for d in (-1.0, -0.7, -0.2, 0.0, 0.3, 0.9)]


@case("adjust_hue_uint8_and_float64")
def _(tf):
    return [
        tf.image.adjust_hue(uint8_image((3, 4, 3)), 0.3),
        tf.image.adjust_hue(tf.constant(RGB[0].astype(np.float64)), -0.4),
    ]


@case("adjust_saturation")
def _(tf):
    x = tf.constant(RGB)
    return [tf.image.adjust_saturation(x, f) for f in (0.0, 0.5, 1.7, 5.0)] + [
        tf.image.adjust_saturation(uint8_image((3, 4, 3)), 1.7)
    ]


@case("adjust_contrast")
def _(tf):
    x = tf.constant(RGB)
    return [tf.image.adjust_contrast(x, f) for f in (0.0, 0.5, 1.7)] + [
        tf.image.adjust_contrast(uint8_image((3, 4, 3)), 1.7),
        tf.image.adjust_contrast(tf.constant(RGB.astype(np.float64)), 2.5),
        tf.image.adjust_contrast(tf.constant(image((1, 1, 3, 2, 2))), 1.5),
    ]


for _name, _fn in {
    "adjust_contrast": lambda tf: lambda x, d: tf.image.adjust_contrast(x, d),
    "adjust_hue": lambda tf: lambda x, d: tf.image.adjust_hue(x, d),
    "adjust_saturation": lambda tf: lambda x, d: tf.image.adjust_saturation(x, d),
}.items():
    case(f"{_name}_has_no_gradient", eager_only=True)(
        lambda tf, _fn=_fn: gradient_error(
            tf, _fn(tf), np.array([[[0.5, 0.0, 0.0]]], np.float32), np.float32(0.1)
        )
    )

for _label, _call in {
    "hue_two_channels": lambda tf: tf.image.adjust_hue(tf.constant(image((2, 2, 2))), 0.1),
    "hue_rank2": lambda tf: tf.image.adjust_hue(tf.constant(image((4, 3))), 0.1),
    "hue_delta_out_of_range": lambda tf: tf.image.adjust_hue(RGB, 2.0),
    "saturation_two_channels": lambda tf: tf.image.adjust_saturation(image((2, 2, 2)), 0.1),
    "contrast_rank2": lambda tf: tf.image.adjust_contrast(tf.constant(image((4, 3))), 0.1),
    "gamma_negative": lambda tf: tf.image.adjust_gamma(RGB, -1.0),
    "standardization_rank2": lambda tf: tf.image.per_image_standardization(image((4, 3))),
    "grayscale_two_channels": lambda tf: tf.image.rgb_to_grayscale(tf.constant(image((2, 2, 2)))),
    "convert_from_bool": lambda tf: tf.image.convert_image_dtype(RGB > 0.5, tf.float32),
    "convert_to_bool": lambda tf: tf.image.convert_image_dtype(RGB, tf.bool),
}.items():
    case(f"color_error_{_label}")(_call)

# ---- per-pixel arithmetic ------------------------------------------------------------------


@case("adjust_brightness_gradient")
def _(tf):
    return with_grads(tf, tf.image.adjust_brightness, RGB, np.float32(0.2))


@case("adjust_brightness_saturates_uint8")
def _(tf):
    x = uint8_image((3, 4, 3))
    return [tf.image.adjust_brightness(x, d) for d in (0.3, -0.5)] + [
        tf.image.adjust_brightness(tf.constant(RGB.astype(np.float64)), 0.25)
    ]


@case("adjust_gamma_gradient")
def _(tf):
    return with_grads(tf, lambda x: tf.image.adjust_gamma(x, 0.7, 1.3), RGB * 0.9 + 0.05)


@case("adjust_gamma_uint8")
def _(tf):
    x = uint8_image((3, 4, 3))
    return [tf.image.adjust_gamma(x, g, k) for g, k in ((0.5, 1.0), (2.0, 1.5))]


@case("per_image_standardization")
def _(tf):
    return [
        with_grads(tf, tf.image.per_image_standardization, RGB),
        tf.image.per_image_standardization(uint8_image((3, 4, 3))),
        tf.image.per_image_standardization(np.full((2, 2, 1), 7, np.int32)),  # stddev 0
    ]


@case("grayscale_and_back")
def _(tf):
    return [
        with_grads(tf, tf.image.rgb_to_grayscale, RGB),
        tf.image.rgb_to_grayscale(uint8_image((3, 4, 3))),
        tf.image.grayscale_to_rgb(tf.constant(image((3, 4, 1)))),
    ]


@case("yuv_and_yiq")
def _(tf):
    x = tf.constant(RGB)
    return [tf.image.rgb_to_yuv(x), tf.image.yuv_to_rgb(x), tf.image.rgb_to_yiq(x),
            tf.image.yiq_to_rgb(x), with_grads(tf, tf.image.rgb_to_yuv, RGB)]  # fmt: skip


# ---- convert_image_dtype: TF's scaling and saturation ------------------------------------

_INTS = {
    "uint8": np.array([0, 1, 127, 128, 254, 255], np.uint8),
    "int8": np.array([-128, -1, 0, 1, 64, 127], np.int8),
    "uint16": np.array([0, 1, 255, 256, 40000, 65535], np.uint16),
    "int32": np.array([-(2**31), -1, 0, 1, 2**23, 2**31 - 1], np.int32),
    "int64": np.array([-(2**63), -1, 0, 2**40, 2**56, 2**63 - 1], np.int64),
}
_FLOATS = np.array([-0.5, 0.0, 0.25, 0.999, 1.0, 1.5], np.float32)

for _src, _values in _INTS.items():
    for _dst in ("float16", "float32", "float64", "uint8", "int8", "uint16", "int32", "int64"):
        if _dst == _src:
            continue
        case(f"convert_{_src}_to_{_dst}")(
            lambda tf, _v=_values, _d=_dst: [
                tf.image.convert_image_dtype(_v, getattr(tf, _d), saturate=s)
                for s in (False, True)
            ]
        )

for _dst in ("uint8", "int8", "uint16", "int32", "int64"):
    case(f"convert_float32_to_{_dst}_saturated")(
        lambda tf, _d=_dst: tf.image.convert_image_dtype(_FLOATS, getattr(tf, _d), saturate=True)
    )
    case(f"convert_float32_to_{_dst}_in_range")(
        lambda tf, _d=_dst: tf.image.convert_image_dtype(_FLOATS[1:5], getattr(tf, _d))
    )


@case("convert_float_to_float_gradient")
def _(tf):
    return with_grads(tf, lambda x: tf.image.convert_image_dtype(x, tf.float64), _FLOATS)


# ---- measures --------------------------------------------------------------------------------

A = image((2, 7, 6, 2), 4)
B = np.clip(A + 0.2 * (image((2, 7, 6, 2), 5) - 0.5), 0, 1).astype(np.float32)
SMALL = image((1, 4, 5, 2), 8)


@case("psnr")
def _(tf):
    return [
        with_grads(tf, lambda a, b: tf.image.psnr(a, b, 1.0), A, B),
        tf.image.psnr(uint8_image((4, 5, 3), 1), uint8_image((4, 5, 3), 2), 255),
        tf.image.psnr(tf.constant(A[0].astype(np.float64)), B[0].astype(np.float64), 1.0),
    ]


@case("ssim")
def _(tf):
    return [
        with_grads(tf, lambda a, b: tf.image.ssim(a, b, 1.0, filter_size=5), A, B),
        tf.image.ssim(A, B, 1.0, filter_size=3, filter_sigma=0.8, k1=0.02, k2=0.05),
        tf.image.ssim(A[0, :4, :5], B[0, :4, :5], 1.0, filter_size=3, return_index_map=True),
        tf.image.ssim(uint8_image((8, 8, 1), 1), uint8_image((8, 8, 1), 2), 255, filter_size=7),
    ]


@case("ssim_multiscale", rtol=1e-4, atol=1e-5)  # float32 gradients through pow
def _(tf):
    a, b = image((1, 13, 12, 1), 6), image((1, 13, 12, 1), 7)
    fn = lambda x, y: tf.image.ssim_multiscale(  # noqa: E731
        x, y, 1.0, power_factors=(0.3, 0.3, 0.4), filter_size=3
    )
    return with_grads(tf, fn, a, b)


@case("ssim_error_image_smaller_than_filter")
def _(tf):
    return tf.image.ssim(A, B, 1.0)


@case("ssim_error_shapes_differ")
def _(tf):
    return tf.image.ssim(A, B[:, :5], 1.0, filter_size=3)


@case("total_variation")
def _(tf):
    return [with_grads(tf, tf.image.total_variation, SMALL),
            tf.image.total_variation(tf.constant(SMALL[0]))]  # fmt: skip


@case("image_gradients")
def _(tf):
    return with_grads(tf, tf.image.image_gradients, SMALL)


@case("sobel_edges")
def _(tf):
    return with_grads(tf, tf.image.sobel_edges, SMALL)


@case("measures_error_bad_rank", eager_only=True)
def _(tf):
    out = []
    for fn in (tf.image.total_variation, tf.image.image_gradients):
        try:
            fn(tf.constant(A[0, 0]))
            out.append("no error")
        except ValueError as e:
            out.append(type(e).__name__)
    return out
