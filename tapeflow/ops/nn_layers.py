"""The nn ops behind the common layers: dropout, bias_add, moments and batch_normalization,
embedding_lookup.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor, wrap
from . import _args
from ._common import batch_ndim
from .array import stop_gradient
from .indexing import gather
from .random import _random_uniform, next_rng
from .reduce import _sum
from .shape_generic import _random_uniform_like, _reduced_count, _squeeze

# ---- dropout, bias, normalisation, embeddings --------------------------------------------------


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeroes elements with probability `rate` and scales the kept ones by 1 / (1 - rate).

    The mask comes from the op seed stream of `seed` (TF's seeding model).
    """
    if isinstance(rate, Operand):
        rate = float(rate)
    if not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(
            f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}"
        )
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise ValueError(
            f"`x.dtype` must be a floating point tensor as `x` will be scaled. "
            f"Received: x_dtype={x.dtype!r}"
        )
    if rate == 0:
        return x
    dtype = x.dtype.as_numpy_dtype
    draw_dtype = np.dtype(dtype if dtype in (np.float32, np.float64) else np.float32).name
    # Drawn by registered ops, so a tf.function trace draws a new mask on every call; in
    # x's shape when it runs (one trace serves every batch size).
    if noise_shape is None:
        uniform = _random_uniform_like(x, dtype=draw_dtype, rng=next_rng(seed))
    else:
        shape = _noise_shape(x, noise_shape)
        uniform = _random_uniform(shape=shape, dtype=draw_dtype, rng=next_rng(seed))
    return x * _dropout_scale(uniform, rate=float(rate), dtype=np.dtype(dtype).name)


@op("DropoutScale", differentiable=False, samples=[Sample((3, 4), rate=0.5, dtype="float32")])
def _dropout_scale(uniform, rate, dtype):
    """1 / (1 - rate) where `uniform` >= rate, else 0: the kept-and-scaled mask of dropout."""
    dt = np.dtype(dtype)
    return xp.where(uniform >= rate, dt.type(1 / (1 - rate)), dt.type(0)).astype(dt)


def _noise_shape(x, noise_shape):
    shape = tuple(x.shape)
    if noise_shape is None:
        return shape
    if isinstance(noise_shape, Operand):
        noise_shape = noise_shape.numpy().tolist()
    noise_shape = list(noise_shape)
    if len(noise_shape) == len(shape):
        noise_shape = [d if n is None else int(n) for n, d in zip(noise_shape, shape, strict=True)]
    try:
        if np.broadcast_shapes(tuple(noise_shape), shape) != shape:
            raise ValueError
    except ValueError:
        raise InvalidArgumentError(
            f"dropout: noise_shape {tuple(noise_shape)} does not broadcast to x's shape {shape}"
        ) from None
    return tuple(noise_shape)


@op(
    "BiasAdd",
    numbers=True,
    batchable=True,
    samples=[
        Sample((2, 3), (3,), data_format="NHWC"),
        Sample((2, 3, 4, 5), (5,), data_format="NHWC"),
        Sample((2, 3, 4, 5), (3,), data_format="NCHW"),
    ],
)
def _bias_add(value, bias, data_format="NHWC"):
    if bias.ndim != 1:
        raise InvalidArgumentError(f"BiasAdd: bias must be 1-D, got shape {tuple(bias.shape)}")
    if value.ndim < 2:
        raise InvalidArgumentError(
            f"BiasAdd: input must be at least 2-D, got shape {tuple(value.shape)}"
        )
    channels_first = data_format.startswith("NC")
    c = value.shape[1] if channels_first else value.shape[-1]
    if bias.shape[0] != c:
        raise InvalidArgumentError(
            f"BiasAdd: must provide as many biases as the channel dimension of the input "
            f"({data_format}): bias is {tuple(bias.shape)}, input is {tuple(value.shape)}"
        )
    if channels_first:
        bias = bias.reshape((c,) + (1,) * (value.ndim - 2))
    return value + bias


@_bias_add.vjp
def _bias_add_vjp(g, ans, value, bias, data_format="NHWC"):
    nb = batch_ndim(g, ans)
    channel = nb + 1 if data_format.startswith("NC") else g.ndim - 1
    axes = tuple(i for i in range(nb, g.ndim) if i != channel)
    return g, _sum(g, axis=axes, keepdims=False)


def bias_add(value, bias, data_format=None, name=None):
    """Adds the 1-D `bias` along the channel axis (last, or second with 'NC...' formats)."""
    if data_format is None:
        data_format = "NHWC"
    elif not (
        data_format.startswith("NC") or (data_format.startswith("N") and data_format.endswith("C"))
    ):
        raise ValueError(
            f"`data_format` must be of the form `N...C` or `NC...`. Received: "
            f"data_format={data_format}"
        )
    return _bias_add(value, bias, data_format="NCHW" if data_format.startswith("NC") else "NHWC")


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of `x` over `axes`; the variance's gradient skips the mean's path."""
    x = convert_to_tensor(x)
    axes = _args.axes(axes, x.ndim, "moments", "axes", nested=False)
    if axes is None:
        raise ValueError("moments: axes must be given (a list of axes to reduce)")
    if not x.dtype.is_floating:
        return _integer_moments(x, axes, keepdims)
    upcast = x.dtype == np.float16  # as TF: float16 statistics are computed in float32
    if upcast:
        from .math import cast

        x = cast(x, dtypes.float32)
    # The count and the kept shape come from ops, not from x's shape read in Python, so a
    # tf.function trace serves every batch size.
    count = _reduced_count(x, axis=axes, dtype=x.dtype.name)
    mean = _sum(x, axis=axes, keepdims=True) / count
    centred = x - stop_gradient(mean)
    variance = _sum(centred * centred, axis=axes, keepdims=True) / count
    if not keepdims:
        mean, variance = _squeeze(mean, axis=axes), _squeeze(variance, axis=axes)
    if upcast:
        mean, variance = cast(mean, dtypes.float16), cast(variance, dtypes.float16)
    return mean, variance


def _integer_moments(x, axes, keepdims):
    # TF's integer mean truncates toward zero; integer tensors carry no gradient anyway.
    v = x._value
    count = int(np.prod([v.shape[a] for a in axes]))
    mean = xp.trunc(xp.sum(v, axis=axes, keepdims=True) / count).astype(v.dtype)
    sq = (v - mean) * (v - mean)
    variance = xp.trunc(xp.sum(sq, axis=axes, keepdims=True) / count).astype(v.dtype)
    if not keepdims:
        mean, variance = xp.squeeze(mean, axes), xp.squeeze(variance, axes)
    return wrap(mean), wrap(variance)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + variance_epsilon) + offset, as TF computes it."""
    from .math_unary import rsqrt

    x = convert_to_tensor(x)
    inv = rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    return x * inv + (offset - mean * inv if offset is not None else -mean * inv)


def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of `params` at `ids` (a gather, so a Variable gets an IndexedSlices gradient).

    `params` may be a list of shards split with TF's "div" strategy.
    """
    if max_norm is not None:
        raise NotImplementedError(
            "tf.nn.embedding_lookup: max_norm is not supported; clip "
            "the looked-up rows with tf.clip_by_norm instead"
        )
    if isinstance(params, (list, tuple)):
        params = _join_shards(list(params))
    return gather(params, ids)


def _join_shards(shards):
    from .array_join import concat

    if len(shards) == 1:
        return shards[0]
    sizes = [int(s.shape[0]) for s in shards]
    q, r = divmod(sum(sizes), len(sizes))
    expected = [q + 1] * r + [q] * (len(sizes) - r)
    if sizes != expected:
        raise InvalidArgumentError(
            f"embedding_lookup: shards of sizes {sizes} are not a 'div' "
            f"partition of {sum(sizes)} ids (expected {expected})"
        )
    return concat(shards, axis=0)


API = {
    "nn": ["dropout", "bias_add", "moments", "batch_normalization", "embedding_lookup"],
}
