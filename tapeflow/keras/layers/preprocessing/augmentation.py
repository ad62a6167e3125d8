"""Random image augmentation, Keras 3's layers: RandomFlip, RandomRotation, RandomZoom,
RandomTranslation and RandomContrast.

As in Keras 3, they transform only when training: `fit` passes training=True and `predict`
/ `evaluate` training=False; a direct call (or a `Dataset.map`) without `training` augments,
since Keras' `call(..., training=True)` defaults to it. Every draw comes from the layer's own
generator: `seed=` makes a layer's sequence of transformations reproducible, and without a seed
the layer's generator is seeded from `tf.random`'s global seed when it is created. The numbers
follow Keras' transformations (the same matrices and TF's ImageProjectiveTransformV3 sampling),
not TensorFlow's random bit streams. Outputs are float32. Inside a tf.function the draws are
host callbacks: every call of the function draws anew, as TF's random ops do.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from ....core.tensor import convert_to_tensor
from ....ops import image_transform
from ....ops.array_join import reverse
from ....ops.clip import clip_by_value
from ....ops.indexing import where
from ....ops.math import cast
from ....ops.reduce import reduce_mean
from ..layer import Layer
from . import _common
from .image import data_format_of, from_channels_last, image_rank, to_channels_last

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


class SeedGenerator:
    """A layer's stream of random numbers (Keras' SeedGenerator): seeded by `seed`, or by
    `tf.random`'s global seed (`tf.random.set_seed`, `keras.utils.set_random_seed`)."""

    def __init__(self, seed=None):
        if seed is None:
            from ....ops.random import next_rng

            seed = int(next_rng().integers(0, 2**31 - 1))
        self._rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0x5EED])
        self._lock = threading.Lock()  # a Dataset.map may call the layer from several threads

    def uniform(self, shape, minval=0.0, maxval=1.0) -> np.ndarray:
        with self._lock:
            draw = self._rng.random(shape, dtype=np.float32)
        return (np.float32(minval) + draw * np.float32(maxval - minval)).astype(np.float32)


class _RandomImageLayer(Layer):
    """Shared by the augmentation layers: the `training` rule, ranks, data formats, seeds."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.data_format = data_format_of(type(self).__name__, data_format)

    def call(self, inputs, training=True):
        images = convert_to_tensor(inputs)
        image_rank(f"{type(self).__name__} {self.name}", images)
        if images.dtype.name != self._dtype:
            images = cast(images, self._dtype)
        if training is False:
            return images
        channels_last = to_channels_last(images, self.data_format)
        batched = channels_last.shape.rank == 4
        if not batched:
            channels_last = channels_last[None]
        out = self._augment(channels_last)
        if not batched:
            out = out[0]
        return from_channels_last(out, self.data_format)

    def _augment(self, images):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "seed": self.seed}


def _check_fill(layer, fill_mode, interpolation):
    if fill_mode not in _FILL_MODES:
        raise NotImplementedError(
            f"{layer}: Unknown `fill_mode` {fill_mode}. Expected of one {_FILL_MODES}."
        )
    if interpolation not in _INTERPOLATIONS:
        raise NotImplementedError(
            f"{layer}: Unknown `interpolation` {interpolation}. Expected of one {_INTERPOLATIONS}."
        )


def _symmetric_factor(layer, factor, low, high, message):
    """(lower, upper) of a factor given as a number (+-) or a pair, checked against bounds."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"{layer}: {message} Received: factor={factor}")
        lower, upper = sorted(float(f) for f in factor)
        if not (low(lower) and high(upper)):
            raise ValueError(f"{layer}: {message} Received: factor={factor}")
        return lower, upper
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if not (low(factor) and high(factor)):
            raise ValueError(f"{layer}: {message} Received: factor={factor}")
        return -abs(float(factor)), abs(float(factor))
    raise ValueError(f"{layer}: {message} Received: factor={factor}")


class _AffineLayer(_RandomImageLayer):
    def __init__(self, fill_mode, interpolation, fill_value, seed, data_format, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        _check_fill(type(self).__name__, fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _apply(self, images, transforms):
        return image_transform.projective_transform(
            images, transforms, None, self.interpolation, self.fill_mode, self.fill_value
        )

    def get_config(self):
        return {
            **super().get_config(),
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
        }


class RandomFlip(_RandomImageLayer):
    """Flips each image with probability 1/2: "horizontal", "vertical", or
    "horizontal_and_vertical" (both axes at once, with one draw per image, as Keras)."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(
                f"RandomFlip: RandomFlip layer {self.name} received an unknown mode argument "
                f"{mode}"
            )
        self.mode = mode

    def _augment(self, images):
        shape = (images.shape[0], 1, 1, 1)
        flips = _common.on_host(lambda: self.generator.uniform(shape) <= 0.5)
        out = images
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            out = where(flips, reverse(out, [2]), out)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            out = where(flips, reverse(out, [1]), out)
        return out

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle in [factor[0], factor[1]] turns (a number f
    means [-f, f]) about its centre; `fill_mode` reflect / wrap / constant / nearest."""

    def __init__(
        self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
        data_format=None, **kwargs,
    ):  # fmt: skip
        super().__init__(fill_mode, interpolation, fill_value, seed, data_format, **kwargs)
        self.factor = _symmetric_factor(
            "RandomRotation",
            factor,
            lambda v: v <= 1,
            lambda v: v >= -1,
            "The `factor` argument should be a number (or a list of two numbers) in the range "
            "[-1, 1].",
        )
        if not isinstance(factor, (tuple, list)):
            self.factor = (max(self.factor[0], -1.0), self.factor[1])

    def _augment(self, images):
        batch, height, width = images.shape.as_list()[:3]
        lower, upper = self.factor[0] * 360.0, self.factor[1] * 360.0

        def draw():
            return rotation_matrix(self.generator.uniform((batch,), lower, upper), height, width)

        return self._apply(images, _common.on_host(draw))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def rotation_matrix(angle_degrees, height, width) -> np.ndarray:
    """Keras' `_compute_affine_matrix` for a rotation about the image centre (float32)."""
    angle = np.asarray(angle_degrees, np.float32) * np.float32(math.pi / 180.0)
    cx = np.float32(0.5) * np.float32(width - 1)
    cy = np.float32(0.5) * np.float32(height - 1)
    cos, sin = np.cos(angle), np.sin(angle)
    a0, a1 = cos, -sin
    b0, b1 = sin, cos
    a2 = cx - cx * a0 - cy * a1
    b2 = cy - cx * b0 - cy * b1
    zeros = np.zeros_like(a0)
    return np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1).astype(np.float32)


def _zoom_or_shift_factor(layer, factor, name, low_ok):
    message = (
        f"The `{name}` argument should be a number (or a list of two numbers) in the range "
        + ("(-1.0, 1.0]." if low_ok is None else "[-1.0, 1.0].")
    )
    low = (lambda v: v > -1.0) if low_ok is None else (lambda v: v >= -1.0)
    return _symmetric_factor(
        layer, factor, lambda v: low(v) and v <= 1.0, lambda v: low(v) and v <= 1.0, message
    )


class RandomZoom(_AffineLayer):
    """Zooms each image by a random factor: `height_factor` f in (-1, 1] draws a zoom in
    [1 + f_low, 1 + f_high] (positive zooms out, negative in); `width_factor` None keeps the
    aspect ratio."""

    def __init__(
        self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
        seed=None, fill_value=0.0, data_format=None, **kwargs,
    ):  # fmt: skip
        super().__init__(fill_mode, interpolation, fill_value, seed, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = _zoom_or_shift_factor(
            "RandomZoom", height_factor, "height_factor", None
        )
        if width_factor is not None:
            self.width_lower, self.width_upper = _zoom_or_shift_factor(
                "RandomZoom", width_factor, "width_factor", None
            )

    def _augment(self, images):
        batch, height, width = images.shape.as_list()[:3]
        return self._apply(images, _common.on_host(lambda: self._matrix(batch, height, width)))

    def _matrix(self, batch, height, width) -> np.ndarray:
        zy = self.generator.uniform((batch, 1), 1.0 + self.height_lower, 1.0 + self.height_upper)
        zx = zy
        if self.width_factor is not None:
            zx = self.generator.uniform((batch, 1), 1.0 + self.width_lower, 1.0 + self.width_upper)
        x_offset = (np.float32(width) - np.float32(1)) / np.float32(2) * (np.float32(1) - zx)
        y_offset = (np.float32(height) - np.float32(1)) / np.float32(2) * (np.float32(1) - zy)
        zeros = np.zeros((batch, 1), np.float32)
        return np.concatenate([zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros], axis=1)

    def get_config(self):
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }


class RandomTranslation(_AffineLayer):
    """Shifts each image by random fractions of its height and width: a factor f draws in
    [-f, f], a pair (low, high) in [low, high]."""

    def __init__(
        self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear",
        seed=None, fill_value=0.0, data_format=None, **kwargs,
    ):  # fmt: skip
        super().__init__(fill_mode, interpolation, fill_value, seed, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = _zoom_or_shift_factor(
            "RandomTranslation", height_factor, "factor", True
        )
        self.width_lower, self.width_upper = _zoom_or_shift_factor(
            "RandomTranslation", width_factor, "factor", True
        )

    def _augment(self, images):
        batch, height, width = images.shape.as_list()[:3]
        return self._apply(images, _common.on_host(lambda: self._matrix(batch, height, width)))

    def _matrix(self, batch, height, width) -> np.ndarray:
        ty = self.generator.uniform((batch, 1), self.height_lower, self.height_upper)
        ty = ty * np.float32(height)
        tx = self.generator.uniform((batch, 1), self.width_lower, self.width_upper)
        tx = tx * np.float32(width)
        ones, zeros = np.ones((batch, 1), np.float32), np.zeros((batch, 1), np.float32)
        return np.concatenate([ones, zeros, -tx, zeros, ones, -ty, zeros, zeros], axis=1)

    def get_config(self):
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }


class RandomContrast(_RandomImageLayer):
    """Scales each image's deviation from its per-channel mean by a random factor in
    [1 - factor[0], 1 + factor[1]] (Keras 3: a number f gives [1, 1 + f]), then clips to
    `value_range`."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        lower, upper = _symmetric_factor(
            "RandomContrast",
            factor,
            lambda v: v <= 1,
            lambda v: v >= 0,
            "The `factor` argument should be a number (or a list of two numbers) in the range "
            "[0, 1].",
        )
        if not isinstance(factor, (tuple, list)):
            lower = max(lower, 0.0)  # Keras clips the lower bound to its range, [0, 1]
        self.factor = (lower, upper)
        self.value_range = value_range

    def _augment(self, images):
        batch = images.shape[0]
        low, high = 1.0 - self.factor[0], 1.0 + self.factor[1]
        factor = _common.on_host(lambda: self.generator.uniform((batch, 1, 1, 1), low, high))
        mean = reduce_mean(reduce_mean(images, axis=1, keepdims=True), axis=2, keepdims=True)
        out = (images - mean) * factor + mean
        return clip_by_value(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        config = super().get_config()
        return {**config, "factor": self.factor, "value_range": self.value_range}


__all__ = ["RandomContrast", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom"]
