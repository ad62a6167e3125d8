"""The tf.image callables of the bad-input cases (fuzz_cases.py builds a Spec of each row):
(path, positional arguments, keyword arguments), with argument roles from fuzz_roles.py."""

from __future__ import annotations

import numpy as np
from fuzz_roles import IMAGE, Built, Count, DType, Number, Shape, Tensor

RGB = (np.arange(48, dtype=np.float32).reshape(1, 4, 4, 3) / 48).astype(np.float32)
RGB2 = RGB[:, ::-1].copy()
WIDE = (np.arange(64, dtype=np.float32).reshape(1, 8, 8, 1) / 64).astype(np.float32)
SEED = Shape([1, 2])


def _rgb():
    return Tensor(RGB)


def _constant(array):
    return Built(lambda tf: tf.constant(array)).value


class Constant(Tensor):
    """A tensor argument that TF's Python reads with `.get_shape()` (so NumPy arrays are not
    valid there): the valid value and the bad arrays are given as tf.constant."""

    def __init__(self, value):
        super().__init__(value)
        self.array = value
        self.value = _constant(value)

    def bad(self):
        saved, self.value = self.value, self.array
        try:
            variants = super().bad()
        finally:
            self.value = saved
        return [(k, _constant(v) if isinstance(v, np.ndarray) else v) for k, v in variants]


COLOUR = ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "rgb_to_yiq", "yiq_to_rgb",
          "rgb_to_yuv", "yuv_to_rgb", "per_image_standardization", "flip_left_right",
          "flip_up_down", "transpose"]  # fmt: skip

SPECS = [(f"image.{name}", (_rgb(),), {}) for name in COLOUR] + [
    ("image.adjust_brightness", (_rgb(), Number(0.1)), {}),
    ("image.adjust_contrast", (_rgb(), Number(1.5)), {}),
    ("image.adjust_gamma", (_rgb(), Number(0.5)), {}),
    ("image.adjust_hue", (_rgb(), Number(0.1)), {}),
    ("image.adjust_saturation", (_rgb(), Number(1.5)), {}),
    ("image.central_crop", (_rgb(), Number(0.5)), {}),
    ("image.convert_image_dtype", (_rgb(), DType("uint8")), {}),
    ("image.rot90", (_rgb(), Count(1)), {}),
    ("image.crop_to_bounding_box", (_rgb(), Count(1), Count(1), Count(2), Count(2)), {}),
    ("image.pad_to_bounding_box", (_rgb(), Count(1), Count(1), Count(6), Count(6)), {}),
    ("image.resize_with_crop_or_pad", (_rgb(), Count(3), Count(5)), {}),
    ("image.resize_with_pad", (_rgb(), Count(3), Count(5)), {}),
    ("image.grayscale_to_rgb", (Constant(IMAGE),), {}),
    ("image.total_variation", (Constant(IMAGE),), {}),
    ("image.image_gradients", (Constant(IMAGE),), {}),
    ("image.sobel_edges", (Constant(IMAGE),), {}),
    (
        "image.extract_patches",
        (Tensor(IMAGE),),
        {
            "sizes": Shape([1, 2, 2, 1]),
            "strides": Shape([1, 1, 1, 1]),
            "rates": Shape([1, 1, 1, 1]),
            "padding": "VALID",
        },
    ),  # fmt: skip
    ("image.psnr", (_rgb(), Tensor(RGB2), Number(1.0)), {}),
    (
        "image.ssim",
        (Tensor(IMAGE), Tensor(IMAGE[:, ::-1].copy()), Number(1.0)),
        {"filter_size": Count(3)},
    ),  # fmt: skip
    (
        "image.ssim_multiscale",
        (Tensor(WIDE), Tensor(WIDE[:, ::-1].copy()), Number(1.0)),
        {"power_factors": (0.5, 0.5), "filter_size": Count(3)},
    ),
    ("image.random_brightness", (_rgb(), Number(0.1)), {"seed": 1}),
    ("image.random_contrast", (_rgb(), Number(0.5), Number(1.5)), {"seed": 1}),
    ("image.random_saturation", (_rgb(), Number(0.5), Number(1.5)), {"seed": 1}),
    ("image.random_hue", (_rgb(), Number(0.1)), {"seed": 1}),
    ("image.random_flip_left_right", (_rgb(),), {"seed": 1}),
    ("image.random_flip_up_down", (_rgb(),), {"seed": 1}),
    ("image.random_crop", (_rgb(), Shape([1, 2, 2, 3])), {"seed": 1}),
    ("image.stateless_random_brightness", (_rgb(), Number(0.1)), {"seed": SEED}),
    ("image.stateless_random_contrast", (_rgb(), Number(0.5), Number(1.5)), {"seed": SEED}),
    (
        "image.stateless_random_saturation",
        (_rgb(), Number(0.5), Number(1.5)),
        {"seed": SEED},
    ),  # fmt: skip
    ("image.stateless_random_hue", (_rgb(), Number(0.1)), {"seed": SEED}),
    ("image.stateless_random_flip_left_right", (_rgb(),), {"seed": SEED}),
    ("image.stateless_random_flip_up_down", (_rgb(),), {"seed": SEED}),
    ("image.stateless_random_crop", (_rgb(), Shape([1, 2, 2, 3])), {"seed": SEED}),
]
