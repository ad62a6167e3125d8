"""`keras.ops.nn`: activations, softmax, convolution and pooling, one-hot encodings,
cross-entropies, moments and normalizations, dot-product attention (Keras 3 signatures).

Convolutions and pooling take 1-D and 2-D inputs (3-D ones are not supported by tapeflow's
op library); kernels are laid out as Keras lays them out (spatial..., in, out)."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from .. import activations as _act
from .. import backend
from ._base import canonical_axis, cast, check_kernel_dtype, keras_op, to_tensor
from ._dtypes import result_type, standardize_dtype

# ---- activations ---------------------------------------------------------------------------


def _activation(body, name, doc, allowed="float"):
    @keras_op
    def fn(x):
        x = to_tensor(x)
        check_kernel_dtype(name, x.dtype.name, allowed)
        return body(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


relu = _activation(tf.nn.relu, "relu", "max(x, 0).", allowed="numeric")
relu6 = _activation(tf.nn.relu6, "relu6", "min(max(x, 0), 6).", allowed="numeric")
sigmoid = _activation(_act.sigmoid, "sigmoid", "1 / (1 + exp(-x)) (remembers its logits).")
softplus = _activation(tf.math.softplus, "softplus", "log(1 + exp(x)).")
softsign = _activation(tf.nn.softsign, "softsign", "x / (1 + |x|).")
silu = _activation(tf.nn.silu, "silu", "x * sigmoid(x).")
swish = silu
selu = _activation(tf.nn.selu, "selu", "Scaled exponential linear unit.")
log_sigmoid = _activation(_act.log_sigmoid, "log_sigmoid", "log(sigmoid(x)).")
hard_sigmoid = _activation(_act.hard_sigmoid, "hard_sigmoid", "relu6(x + 3) / 6.")
hard_silu = _activation(_act.hard_silu, "hard_silu", "x * hard_sigmoid(x).")
hard_swish = hard_silu
hard_tanh = _activation(_act.hard_tanh, "hard_tanh", "x clipped to [-1, 1].")
tanh_shrink = _activation(_act.tanh_shrink, "tanh_shrink", "x - tanh(x).")
sparse_plus = _activation(_act.sparse_plus, "sparse_plus", "Piecewise-smooth softplus.")
sparse_sigmoid = _activation(_act.sparse_sigmoid, "sparse_sigmoid", "Piecewise-linear sigmoid.")


@keras_op
def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope * x otherwise."""
    return tf.nn.leaky_relu(to_tensor(x), alpha=negative_slope)


@keras_op
def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    x = to_tensor(x)
    out = tf.nn.elu(x)
    return out if alpha == 1 else tf.where(x > 0, out, alpha * out)


@keras_op
def gelu(x, approximate=True):
    """Gaussian error linear unit (by default its tanh approximation, as Keras 3)."""
    return tf.nn.gelu(to_tensor(x), approximate=approximate)


@keras_op
def celu(x, alpha=1.0):
    """max(x, 0) + alpha * expm1(min(x, 0) / alpha)."""
    x = to_tensor(x)
    return tf.maximum(x, 0.0) + alpha * tf.math.expm1(tf.minimum(x, 0.0) / alpha)


@keras_op
def glu(x, axis=-1):
    """a * sigmoid(b), a and b the halves of x along `axis`."""
    x = to_tensor(x)
    if x.shape[axis] % 2:
        raise ValueError(
            f"axis size must be divisible by 2. Received: x.shape={x.shape} with axis={axis}"
        )
    a, b = tf.split(x, 2, axis=axis)
    return a * tf.sigmoid(b)


@keras_op
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = to_tensor(x)
    return tf.where(tf.abs(x) > threshold, x, tf.zeros_like(x))


@keras_op
def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0."""
    x = to_tensor(x)
    return tf.where(
        x > threshold, x - threshold, tf.where(x < -threshold, x + threshold, tf.zeros_like(x))
    )


@keras_op
def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    x = to_tensor(x)
    return tf.where(x > threshold, x, tf.cast(tf.convert_to_tensor(default_value), x.dtype))


@keras_op
def squareplus(x, b=4):
    """(x + sqrt(x ** 2 + b)) / 2."""
    x = to_tensor(x)
    return (x + tf.sqrt(tf.square(x) + tf.cast(tf.convert_to_tensor(b), x.dtype))) / 2


@keras_op
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (every axis if None); remembers its logits."""
    x = to_tensor(x)
    check_kernel_dtype("softmax", x.dtype.name, "float")
    if axis is None:
        out = tf.reshape(tf.nn.softmax(tf.reshape(x, [-1])), x.shape.as_list())
        return _act._with_logits(out, x)
    return _act.softmax(x, axis=axis)


@keras_op
def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis` (every axis if None), computed stably."""
    x = to_tensor(x)
    check_kernel_dtype("log_softmax", x.dtype.name, "float")
    if axis is None:
        return tf.reshape(tf.nn.log_softmax(tf.reshape(x, [-1])), x.shape.as_list())
    return tf.nn.log_softmax(x, axis=axis)


@keras_op
def sparsemax(x, axis=-1):
    """The Euclidean projection of x onto the probability simplex, along `axis`."""
    x = to_tensor(x)
    axis = canonical_axis(axis, x.ndim)
    ordered = tf.sort(x, axis=axis, direction="DESCENDING")
    cumulative = tf.math.cumsum(ordered, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    r = tf.reshape(tf.range(1, x.shape[axis] + 1, dtype=x.dtype.name), shape)
    support = ordered - (cumulative - 1) / r > 0
    k = tf.reduce_sum(cast(support, x.dtype.name), axis=axis, keepdims=True)
    total = tf.reduce_sum(tf.where(support, cumulative, tf.zeros_like(cumulative)), axis=axis,
                          keepdims=True)  # fmt: skip
    tau = (total - 1) / k
    return tf.maximum(x - tau, tf.zeros((), x.dtype))


# ---- encodings --------------------------------------------------------------------------------


@keras_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """A one-hot encoding of the int `x` with `num_classes` classes along `axis` (float32
    by default; out-of-range and negative indices give all zeros)."""
    if sparse:
        raise NotImplementedError("keras.ops.one_hot(sparse=True) is not supported by tapeflow")
    x = to_tensor(x, "int64")
    dtype = "float32" if dtype is None else standardize_dtype(dtype)
    if dtype == "bool":
        return tf.one_hot(x, num_classes, on_value=True, off_value=False, axis=axis)
    return tf.one_hot(x, num_classes, axis=axis, dtype=dtype)


@keras_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """The union of the one-hot encodings of each row of int `inputs`."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    inputs = to_tensor(inputs)
    reduce_axis = 1 if inputs.ndim > 1 else 0
    if standardize_dtype(dtype) == "bool":
        return tf.reduce_any(
            one_hot(inputs, num_classes, axis=axis, dtype=dtype), axis=reduce_axis
        )
    return tf.reduce_max(one_hot(inputs, num_classes, axis=axis, dtype=dtype), axis=reduce_axis)


# ---- statistics and normalization -----------------------------------------------------------


@keras_op
def moments(x, axes, keepdims=False, synchronized=False):
    """The mean and variance of `x` over `axes` (float16 computed in float32)."""
    x = to_tensor(x)
    original = x.dtype.name
    if original == "float16":
        x = cast(x, "float32")
    mean, variance = tf.nn.moments(x, axes=list(axes) if isinstance(axes, (list, tuple))
                                   else [axes], keepdims=keepdims)  # fmt: skip
    if original == "float16":
        limit = float(np.finfo(np.float16).max)
        mean = cast(tf.clip_by_value(mean, -limit, limit), original)
        variance = cast(tf.clip_by_value(variance, -limit, limit), original)
    return mean, variance


@keras_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics along `axis`."""
    x = to_tensor(x)
    mean, variance = to_tensor(mean), to_tensor(variance)
    if axis != -1:
        shape = [1] * x.ndim
        shape[axis] = mean.shape[0]
        mean, variance = tf.reshape(mean, shape), tf.reshape(variance, shape)
        offset = None if offset is None else tf.reshape(to_tensor(offset), shape)
        scale = None if scale is None else tf.reshape(to_tensor(scale), shape)
    return tf.nn.batch_normalization(x, mean, variance, offset, scale, epsilon)


@keras_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its `order`-norm along `axis` (at most 1 / epsilon times x)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = to_tensor(x)
    if x.ndim == 0:
        x = tf.expand_dims(x, 0)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    if order == 2:
        inv_norm = tf.math.rsqrt(tf.reduce_sum(tf.square(x), axis=axis, keepdims=True))
        return x * tf.minimum(inv_norm, 1.0 / epsilon)
    norm = tf.norm(x, ord=order, axis=axis, keepdims=True)
    return x / tf.maximum(norm, epsilon)


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Layer normalization over `axis`, computed in at least float32."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    x = to_tensor(x)
    original = x.dtype.name
    x = cast(x, result_type(x.dtype, "float32"))
    axes = sorted(canonical_axis(a, x.ndim) for a in ([axis] if isinstance(axis, int) else axis))
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]

    def broadcast(v):
        if v is None:
            return None
        v = to_tensor(v, x.dtype.name)
        if v.ndim != x.ndim and axes != [x.ndim - 1]:
            v = tf.reshape(v, shape)
        return v

    gamma, beta = broadcast(gamma), broadcast(beta)
    if rms_scaling:
        out = x * tf.math.rsqrt(tf.math.reduce_variance(x, axis=axes, keepdims=True) + epsilon)
        out = out if gamma is None else out * gamma
    else:
        mean, variance = tf.nn.moments(x, axes=axes, keepdims=True)
        inv = tf.math.rsqrt(variance + epsilon)
        if gamma is not None:
            inv = inv * gamma
        shift = -mean * inv
        if beta is not None:
            shift = shift + beta
        out = x * inv + shift
    return cast(out, original)


@keras_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x ** 2) + epsilon) * scale over `axis`, computed in at least float32."""
    epsilon = backend.epsilon() if epsilon is None else epsilon
    x = to_tensor(x)
    original = x.dtype.name
    x = cast(x, result_type(x.dtype, "float32"))
    if x.ndim == 0:
        x = tf.expand_dims(x, 0)
    axis = sorted(axis) if isinstance(axis, (list, tuple)) else axis
    out = x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=axis, keepdims=True) + epsilon)
    if scale is not None:
        out = out * to_tensor(scale, x.dtype.name)
    return cast(out, original)


@keras_op
def psnr(x1, x2, max_val):
    """The peak signal-to-noise ratio between x1 and x2, in dB."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    if x1.shape != x2.shape:
        raise ValueError(
            f"Input shapes {x1.shape} and {x2.shape} must match for PSNR calculation. "
        )
    max_val = to_tensor(max_val, x2.dtype.name)
    mse = tf.reduce_mean(tf.square(x1 - x2))
    ln10 = tf.math.log(tf.constant(10.0, mse.dtype))
    return 20 * tf.math.log(max_val) / ln10 - 10 * tf.math.log(mse) / ln10


@keras_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):  # fmt: skip
    """softmax(q k^T * scale + bias, masked) v for (batch, seq, heads, dim) inputs."""
    if flash_attention:
        raise ValueError("Flash attention is not supported in tensorflow backend.")
    query, key, value = to_tensor(query), to_tensor(key), to_tensor(value)
    if query.ndim != 4:
        raise ValueError(
            "`dot_product_attention` only supports 4D inputs. Received: "
            f"query.shape={query.shape}, key.shape={key.shape}, value.shape={value.shape}."
        )
    dtype = result_type(query.dtype, key.dtype, value.dtype)
    query, key, value = cast(query, dtype), cast(key, dtype), cast(value, dtype)
    heads, kv_heads = query.shape[2], key.shape[2]
    if heads > kv_heads > 1:
        key = tf.repeat(key, heads // kv_heads, axis=2)
        value = tf.repeat(value, heads // kv_heads, axis=2)
    if scale is None:
        scale = 1.0 / np.sqrt(np.float32(key.shape[-1]))
    logits_dtype = result_type(dtype, "float32")
    logits = cast(tf.einsum("BTNH,BSNH->BNTS", query, key), logits_dtype)
    logits = logits * tf.cast(tf.convert_to_tensor(scale), logits_dtype)
    if bias is not None:
        logits = logits + cast(to_tensor(bias, dtype), logits_dtype)
    if attn_logits_soft_cap is not None:
        logits = tf.tanh(logits / attn_logits_soft_cap) * attn_logits_soft_cap
    if mask is not None or is_causal:
        keep = tf.ones(logits.shape.as_list(), dtype="bool")
        if mask is not None:
            keep = tf.logical_and(keep, cast(mask, "bool"))
        if is_causal:
            t, s = logits.shape[2], logits.shape[3]
            keep = tf.logical_and(keep, tf.constant(np.tril(np.ones((t, s), bool))))
        big = 65500.0 if logits_dtype == "float16" else 3.38953e38
        logits = tf.where(keep, logits, tf.constant(big * -0.7, logits_dtype))
    probs = cast(tf.nn.softmax(cast(logits, result_type(logits_dtype, "float32")), axis=-1),
                 key.dtype.name)  # fmt: skip
    return tf.einsum("BNTS,BSNH->BTNH", probs, value)


@keras_op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves channel blocks into spatial blocks of `block_size` (a 4-D input)."""
    x = to_tensor(x)
    if data_format == "channels_first":
        x = tf.transpose(x, [0, 2, 3, 1])
    n, h, w, c = x.shape.as_list()
    b = block_size
    out = tf.reshape(x, [n, h, w, b, b, c // (b * b)])
    out = tf.reshape(tf.transpose(out, [0, 1, 3, 2, 4, 5]), [n, h * b, w * b, c // (b * b)])
    return tf.transpose(out, [0, 3, 1, 2]) if data_format == "channels_first" else out


@keras_op
def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves spatial blocks of `block_size` into channels (a 4-D input)."""
    x = to_tensor(x)
    if data_format == "channels_first":
        x = tf.transpose(x, [0, 2, 3, 1])
    n, h, w, c = x.shape.as_list()
    b = block_size
    out = tf.reshape(x, [n, h // b, b, w // b, b, c])
    out = tf.reshape(tf.transpose(out, [0, 1, 3, 2, 4, 5]), [n, h // b, w // b, b * b * c])
    return tf.transpose(out, [0, 3, 1, 2]) if data_format == "channels_first" else out
