"""`keras.ops.nn` convolution and pooling (1-D and 2-D; kernels laid out as Keras lays them
out: spatial..., in, out)."""

from __future__ import annotations

import tapeflow as tf

from .. import backend
from ._base import keras_op, to_tensor

# ---- convolution and pooling ---------------------------------------------------------------


def _data_format(data_format):
    data_format = backend.image_data_format() if data_format is None else data_format.lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


def _spatial(inputs, what):
    n = inputs.ndim - 2
    if n not in (1, 2):
        raise NotImplementedError(
            f"keras.ops.{what}: tapeflow supports 1-D and 2-D inputs (rank 3 or 4), got rank "
            f"{inputs.ndim}"
        )
    return n


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def _tf_format(n, data_format):
    channels_first = data_format == "channels_first"
    return (
        ("NCW" if channels_first else "NWC") if n == 1 else ("NCHW" if channels_first else "NHWC")
    )


@keras_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1-D or 2-D here) of `inputs` with `kernel` (spatial..., in, out)."""
    inputs, kernel = to_tensor(inputs), to_tensor(kernel)
    n, data_format = _spatial(inputs, "conv"), _data_format(data_format)
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    if channels != kernel.shape[-2]:
        raise NotImplementedError(
            "keras.ops.conv: grouped convolutions (input channels "
            f"{channels} != kernel in-channels {kernel.shape[-2]}) are not supported by tapeflow"
        )
    fmt = _tf_format(n, data_format)
    strides, dilations = _tuple(strides, n), _tuple(dilation_rate, n)
    if n == 1:
        return tf.nn.conv1d(inputs, kernel, strides[0], padding.upper(), fmt, dilations[0])
    return tf.nn.conv2d(inputs, kernel, strides, padding.upper(), fmt, dilations)


@keras_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):  # fmt: skip
    """Each input channel convolved with its own filters; kernel (spatial..., in, mult)."""
    inputs, kernel = to_tensor(inputs), to_tensor(kernel)
    n, data_format = _spatial(inputs, "depthwise_conv"), _data_format(data_format)
    strides, dilations = _tuple(strides, n), _tuple(dilation_rate, n)
    fmt = _tf_format(2, data_format)
    if n == 1:
        axis = 2 if data_format == "channels_first" else 1
        out = tf.nn.depthwise_conv2d(
            tf.expand_dims(inputs, axis),
            tf.expand_dims(kernel, 0),
            (1,) + strides,
            padding.upper(),
            fmt,
            (1,) + dilations,
        )
        return tf.squeeze(out, axis=axis)
    return tf.nn.depthwise_conv2d(inputs, kernel, strides, padding.upper(), fmt, dilations)


@keras_op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):  # fmt: skip
    """A depthwise convolution followed by a 1x1 (pointwise) convolution."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                               dilation_rate)  # fmt: skip
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1)


def _transpose_size(size, k, stride, padding, output_padding, dilation):
    k = (k - 1) * dilation + 1
    if padding.lower() == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return (size - 1) * stride + k + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + k % 2 + output_padding


@keras_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):  # fmt: skip
    """The transpose of `conv` (1-D or 2-D); kernel (spatial..., out, in)."""
    inputs, kernel = to_tensor(inputs), to_tensor(kernel)
    n, data_format = _spatial(inputs, "conv_transpose"), _data_format(data_format)
    strides, dilations = _tuple(strides, n), _tuple(dilation_rate, n)
    pads = (None,) * n if output_padding is None else _tuple(output_padding, n)
    shape = inputs.shape.as_list()
    spatial = shape[1:-1] if data_format == "channels_last" else shape[2:]
    sizes = [_transpose_size(s, k, st, padding, p, d) for s, k, st, p, d in
             zip(spatial, kernel.shape.as_list()[:n], strides, pads, dilations)]  # fmt: skip
    filters = kernel.shape[-2]
    if n == 1:
        axis = 2 if data_format == "channels_first" else 1
        inputs, kernel = tf.expand_dims(inputs, axis), tf.expand_dims(kernel, 0)
        sizes, strides, dilations = [1] + sizes, (1,) + strides, (1,) + dilations
    out_shape = ([shape[0]] + sizes + [filters] if data_format == "channels_last"
                 else [shape[0], filters] + sizes)  # fmt: skip
    out = tf.nn.conv2d_transpose(inputs, kernel, out_shape, strides, padding.upper(),
                                 _tf_format(2, data_format), dilations)  # fmt: skip
    return tf.squeeze(out, axis=axis) if n == 1 else out


def _pool(tf_pool, what, inputs, pool_size, strides, padding, data_format):
    inputs = to_tensor(inputs)
    n, data_format = _spatial(inputs, what), _data_format(data_format)
    pool_size = _tuple(pool_size, n)
    strides = pool_size if strides is None else _tuple(strides, n)
    return tf_pool(inputs, pool_size, strides, padding.upper(), _tf_format(n, data_format))


@keras_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The maximum over each window of `pool_size` (1-D or 2-D)."""
    return _pool(tf.nn.max_pool, "max_pool", inputs, pool_size, strides, padding, data_format)


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean over each window of `pool_size` (1-D or 2-D; "same" padding averages only
    the cells inside the input)."""
    return _pool(tf.nn.avg_pool, "average_pool", inputs, pool_size, strides, padding,
                 data_format)  # fmt: skip
