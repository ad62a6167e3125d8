"""`keras.ops.image`: the image operations that are pure tensor manipulation
(grayscale conversion, padding and cropping to a box)."""

from __future__ import annotations

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
