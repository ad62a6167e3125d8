"""`keras.ops.image`: grayscale conversion, padding and cropping to a box, and resizing
(bilinear and nearest, with Keras' crop/pad to the target aspect ratio)."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from .. import backend
from ._base import cast, keras_op, to_tensor
from ._dtypes import result_type


def _channels_last(data_format):
    data_format = backend.image_data_format() if data_format is None else data_format
    return data_format == "channels_last"


@keras_op
def rgb_to_grayscale(images, data_format=None):
    """The luma of RGB `images` (ITU-R 601 weights), keeping a channel axis of size 1."""
    images = to_tensor(images)
    dtype = images.dtype.name
    compute = dtype if images.dtype.is_floating else result_type(dtype, float)
    axis = -1 if _channels_last(data_format) else (-3)
    weights = tf.constant([0.2989, 0.5870, 0.1140], dtype=compute)
    shape = [1] * images.ndim
    shape[axis] = 3
    gray = tf.reduce_sum(cast(images, compute) * tf.reshape(weights, shape), axis=axis,
                         keepdims=True)  # fmt: skip
    return cast(gray, dtype)


def _box_args(images, data_format):
    images = to_tensor(images)
    batched = images.ndim == 4
    if not batched:
        images = tf.expand_dims(images, 0)
    if not _channels_last(data_format):
        images = tf.transpose(images, [0, 2, 3, 1])
    return images, batched


def _box_result(images, batched, data_format):
    if not _channels_last(data_format):
        images = tf.transpose(images, [0, 3, 1, 2])
    return images if batched else tf.squeeze(images, 0)


def _box(height, top, bottom, target):
    if target is None:
        return top, bottom
    if top is None and bottom is None:
        raise ValueError("Give two of the offsets and the target size along each axis.")
    return (height - target - bottom, bottom) if top is None else (top, height - target - top)


@keras_op
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None,
               data_format=None):  # fmt: skip
    """`images` padded with zeros to `target_height` x `target_width` (or by the given
    paddings)."""
    images, batched = _box_args(images, data_format)
    _, h, w, _ = images.shape.as_list()
    if target_height is not None:
        top_padding, bottom_padding = _box(target_height, top_padding, bottom_padding, h)
    if target_width is not None:
        left_padding, right_padding = _box(target_width, left_padding, right_padding, w)
    paddings = [[0, 0], [top_padding or 0, bottom_padding or 0],
                [left_padding or 0, right_padding or 0], [0, 0]]  # fmt: skip
    return _box_result(tf.pad(images, paddings), batched, data_format)


@keras_op
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None,
                data_format=None):  # fmt: skip
    """The `target_height` x `target_width` box of `images` at the given offsets."""
    images, batched = _box_args(images, data_format)
    _, h, w, _ = images.shape.as_list()
    top_cropping, bottom_cropping = _box(h, top_cropping, bottom_cropping, target_height)
    left_cropping, right_cropping = _box(w, left_cropping, right_cropping, target_width)
    top, left = top_cropping or 0, left_cropping or 0
    out = images[:, top : h - (bottom_cropping or 0), left : w - (right_cropping or 0), :]
    return _box_result(out, batched, data_format)


_RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


@keras_op
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
           data_format=None):  # fmt: skip
    """`images` (rank 3 or 4) resized to `size` = (height, width), optionally first cropped
    or padded (with `fill_value`) to the target's aspect ratio. tapeflow resizes by
    "bilinear" and "nearest" interpolation."""
    if interpolation not in _RESIZE_INTERPOLATIONS:
        raise ValueError(
            "Invalid value for argument `interpolation`. Expected of one "
            f"{_RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}"
        )
    if fill_mode != "constant":
        raise ValueError(
            "Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
            f"Received: fill_mode={fill_mode}"
        )
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError(
            "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."
        )
    if len(size) != 2:
        raise ValueError(
            "Argument `size` must be a tuple of two elements (height, width). "
            f"Received: size={size}"
        )
    if interpolation not in ("bilinear", "nearest"):
        raise NotImplementedError(
            f"keras.ops.image.resize(interpolation={interpolation!r}): tapeflow resizes by "
            "'bilinear' and 'nearest' interpolation"
        )
    images = to_tensor(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={images.shape}"
        )
    channels_first = not _channels_last(data_format)
    if channels_first:
        images = tf.transpose(images, (0, 2, 3, 1) if images.ndim == 4 else (1, 2, 0))
    height, width = images.shape.as_list()[-3:-1]
    target_h, target_w = (int(s) for s in size)
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(np.float32(width * target_h) / target_w)), 1)
        crop_w = max(min(width, int(np.float32(height * target_w) / target_h)), 1)
        top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
        images = images[..., top : top + crop_h, left : left + crop_w, :]
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(np.float32(width * target_h) / target_w))
        pad_w = max(width, int(np.float32(height * target_w) / target_h))
        top, left = int((pad_h - height) / 2), int((pad_w - width) / 2)
        rows = [[top, top], [left, left], [0, 0]]
        images = tf.pad(images, ([[0, 0]] if images.ndim == 4 else []) + rows,
                        constant_values=tf.cast(tf.convert_to_tensor(fill_value),
                                                images.dtype))  # fmt: skip
    out = tf.image.resize(images, (target_h, target_w), method=interpolation,
                          antialias=antialias)  # fmt: skip
    if channels_first:
        out = tf.transpose(out, (0, 3, 1, 2) if out.ndim == 4 else (2, 0, 1))
    return out
