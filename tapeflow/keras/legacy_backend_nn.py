"""The legacy `keras.backend` functions of neural networks and random sampling (see
legacy_backend.py): activations, cross-entropies, convolution, pooling, padding."""

from __future__ import annotations

import tapeflow as tf

from . import backend
from .legacy_backend import _floatx, _seed, ndim

# ---- nn ---------------------------------------------------------------------------------------


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras 2's relu: a leak `alpha` below `threshold`, saturation at `max_value`."""
    from .activations import relu as _relu

    return _relu(tf.convert_to_tensor(x), negative_slope=alpha, max_value=max_value,
                 threshold=threshold)  # fmt: skip


def elu(x, alpha=1.0):
    out = tf.nn.elu(x)
    return out if alpha == 1 else tf.where(x > 0, out, alpha * out)


def softmax(x, axis=-1):
    """softmax along `axis` (a tuple of axes allowed); remembers its logits."""
    from .activations import _with_logits

    if x.shape.rank <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    if isinstance(axis, int):
        return _with_logits(tf.nn.softmax(x, axis=axis), x)
    numerator = tf.exp(x - tf.reduce_max(x, axis=axis, keepdims=True))
    return _with_logits(numerator / tf.reduce_sum(numerator, axis=axis, keepdims=True), x)


def dropout(x, level, noise_shape=None, seed=None):
    return tf.nn.dropout(x, rate=level, noise_shape=noise_shape, seed=_seed(seed))


def bias_add(x, bias, data_format=None):
    """x + bias along the channel axis of `data_format`."""
    data_format = backend.image_data_format() if data_format is None else data_format
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(f"Unknown data_format: {data_format}")
    bias_shape = bias.shape.as_list()
    if len(bias_shape) != 1 and len(bias_shape) != ndim(x) - 1:
        raise ValueError(
            f"Unexpected bias dimensions {len(bias_shape)}. Expected it to be 1 or "
            f"{ndim(x) - 1} dimensions"
        )
    if len(bias_shape) == 1:
        return tf.nn.bias_add(x, bias, data_format="NCHW" if data_format == "channels_first"
                              else "NHWC")  # fmt: skip
    if data_format == "channels_first":
        return x + tf.reshape(bias, [1, bias_shape[-1]] + bias_shape[:-1])
    return x + tf.reshape(bias, [1] + bias_shape)


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    return tf.nn.batch_normalization(x, mean, var, beta, gamma, epsilon)


def binary_crossentropy(target, output, from_logits=False):
    """Keras 2's elementwise binary cross-entropy (epsilon inside the logs too)."""
    target, output = tf.convert_to_tensor(target), tf.convert_to_tensor(output)
    if from_logits:
        return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = backend.epsilon()
    output = tf.clip_by_value(output, eps, 1.0 - eps)
    bce = target * tf.math.log(output + eps)
    return -(bce + (1 - target) * tf.math.log(1 - output + eps))


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False):  # fmt: skip
    probs = tf.sigmoid(output) if from_logits else output
    p_t = target * probs + (1 - target) * (1 - probs)
    focal = tf.pow(1.0 - p_t, gamma) * binary_crossentropy(target, output, from_logits)
    if apply_class_balancing:
        focal = (target * alpha + (1 - target) * (1 - alpha)) * focal
    return focal


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Keras 2's cross-entropy of one-hot `target` and `output` along `axis`."""
    target, output = tf.convert_to_tensor(target), tf.convert_to_tensor(output)
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=output, axis=axis)
    output = output / tf.reduce_sum(output, axis, True)
    eps = backend.epsilon()
    output = tf.clip_by_value(output, eps, 1.0 - eps)
    return -tf.reduce_sum(target * tf.math.log(output), axis)


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False,
                                   axis=-1):  # fmt: skip
    target, output = tf.convert_to_tensor(target), tf.convert_to_tensor(output)
    if from_logits:
        output = tf.nn.softmax(output, axis=axis)
    output = output / tf.reduce_sum(output, axis=axis, keepdims=True)
    eps = backend.epsilon()
    output = tf.clip_by_value(output, eps, 1.0 - eps)
    focal = alpha * tf.pow(1.0 - output, gamma) * (-target * tf.math.log(output))
    return tf.reduce_sum(focal, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1,
                                    ignore_class=None):  # fmt: skip
    """Keras 2's cross-entropy of int `target` and `output` along `axis`."""
    target = tf.cast(tf.convert_to_tensor(target), "int64")
    output = tf.convert_to_tensor(output)
    if not from_logits:
        eps = backend.epsilon()
        output = tf.math.log(tf.clip_by_value(output, eps, 1 - eps))
    if axis != -1 and axis != output.ndim - 1:
        perm = [i for i in range(output.ndim) if i != axis % output.ndim] + [axis % output.ndim]
        output = tf.transpose(output, perm)
    if target.ndim == output.ndim:
        target = tf.squeeze(target, -1)
    valid = None
    if ignore_class is not None:
        valid = tf.not_equal(target, ignore_class)
        target = tf.where(valid, target, tf.zeros_like(target))
    out = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    if valid is not None:
        out = tf.where(valid, out, tf.zeros_like(out))
    return out


def _data_format(data_format):
    data_format = backend.image_data_format() if data_format is None else data_format
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(f"Unknown data_format: {data_format}")
    return data_format


def _padding(padding):
    if padding not in ("same", "valid"):
        raise ValueError(f"Invalid padding: {padding}")
    return padding.upper()


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution (also "causal" padding)."""
    data_format = _data_format(data_format)
    if padding == "causal":
        x = temporal_padding(x, (dilation_rate * (kernel.shape[0] - 1), 0))
        padding = "valid"
    fmt = "NCW" if data_format == "channels_first" else "NWC"
    return tf.nn.conv1d(x, kernel, strides, _padding(padding), fmt, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """2-D convolution."""
    fmt = "NCHW" if _data_format(data_format) == "channels_first" else "NHWC"
    return tf.nn.conv2d(x, kernel, strides, _padding(padding), fmt, dilation_rate)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):  # fmt: skip
    """The transpose of conv2d to `output_shape`."""
    fmt = "NCHW" if _data_format(data_format) == "channels_first" else "NHWC"
    return tf.nn.conv2d_transpose(x, kernel, output_shape, strides, _padding(padding), fmt,
                                  dilation_rate)  # fmt: skip


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):  # fmt: skip
    fmt = "NCHW" if _data_format(data_format) == "channels_first" else "NHWC"
    return tf.nn.depthwise_conv2d(x, depthwise_kernel, strides, _padding(padding), fmt,
                                  dilation_rate)  # fmt: skip


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):  # fmt: skip
    out = depthwise_conv2d(x, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv2d(out, pointwise_kernel, (1, 1), "valid", data_format)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2-D max or average pooling."""
    fmt = "NCHW" if _data_format(data_format) == "channels_first" else "NHWC"
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"Invalid pool_mode: {pool_mode}")
    pool = tf.nn.max_pool2d if pool_mode == "max" else tf.nn.avg_pool2d
    return pool(x, pool_size, strides, _padding(padding), fmt)


def temporal_padding(x, padding=(1, 1)):
    if len(padding) != 2:
        raise ValueError(
            f"Expected `padding` to be a tuple of 2 integers. Received: padding={padding}"
        )
    return tf.pad(x, [[0, 0], list(padding), [0, 0]])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    if len(padding) != 2 or len(padding[0]) != 2 or len(padding[1]) != 2:
        raise ValueError(
            "Expected `padding` to be a tuple of 2 tuples of 2 integers. "
            f"Received: padding={padding}"
        )
    if _data_format(data_format) == "channels_first":
        return tf.pad(x, [[0, 0], [0, 0], list(padding[0]), list(padding[1])])
    return tf.pad(x, [[0, 0], list(padding[0]), list(padding[1]), [0, 0]])


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Images enlarged by integer factors (nearest neighbour)."""
    if interpolation != "nearest":
        raise NotImplementedError(
            f"K.resize_images(interpolation={interpolation!r}): tapeflow resizes by nearest "
            "neighbour only"
        )
    rows, cols = (2, 3) if data_format == "channels_first" else (1, 2)
    return tf.repeat(tf.repeat(x, height_factor, axis=rows), width_factor, axis=cols)


# ---- random -------------------------------------------------------------------------------------


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev) (a NumPy-drawn seed when none is given)."""
    return tf.random.normal(shape, mean=mean, stddev=stddev, dtype=_floatx(dtype),
                            seed=_seed(seed))  # fmt: skip


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U(minval, maxval)."""
    return tf.random.uniform(shape, minval=minval, maxval=maxval, dtype=_floatx(dtype),
                             seed=_seed(seed))  # fmt: skip


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev) redrawn beyond two standard deviations."""
    return tf.random.truncated_normal(shape, mean, stddev, dtype=_floatx(dtype),
                                      seed=_seed(seed))  # fmt: skip


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """1 with probability p, else 0."""
    dtype = _floatx(dtype)
    draw = tf.random.uniform(shape, dtype=dtype, seed=_seed(seed))
    return tf.where(draw <= p, tf.ones(shape, dtype=dtype), tf.zeros(shape, dtype=dtype))


__all__ = sorted(
    n for n, v in list(globals().items())
    if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == __name__
)  # fmt: skip
