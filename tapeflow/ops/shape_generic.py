"""Ops whose output shape follows their inputs' shapes when they run, not a shape in an attribute.

Gradients and shape helpers use them instead of reading a shape in Python and baking it into
an attribute (`Reshape(shape=...)`, `BroadcastTo(shape=...)`) or a constant (a mean's count).
Eagerly the two are the same NumPy calls; in tf.function the difference is that a trace built
from these serves every size of an input_signature's None dimensions (see
tapeflow/function/polymorphic.py).
"""

import math

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ._common import batch_ndim, normalize_axis


def _axes(axis, ndim: int, op_name: str) -> tuple:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise InvalidArgumentError(
                f"{op_name}: axis {a} is out of range for a tensor of rank {ndim}"
            )
    return tuple(sorted(a % ndim for a in axes))


@op("ExpandDims", batchable=True, samples=[Sample((3, 4), axis=1), Sample((3,), axis=-1)])
def _expand_dims(x, axis):
    """`x` with a new axis of size 1 at `axis` (of the result: -1 appends one)."""
    return xp.expand_dims(x, _axes(axis, x.ndim + 1, "ExpandDims"))


@_expand_dims.vjp
def _expand_dims_vjp(g, ans, x, axis):
    nb = batch_ndim(g, ans)
    return (_squeeze(g, axis=tuple(nb + a for a in _axes(axis, ans.ndim, "ExpandDims"))),)


@op(
    "Squeeze",
    batchable=True,
    samples=[Sample((3, 1, 4), axis=(1,)), Sample((1, 3, 1), axis=(0, 2))],
)
def _squeeze(x, axis):
    """`x` without the size-1 axes `axis` (a tuple of ints)."""
    axes = _axes(axis, x.ndim, "Squeeze")
    for a in axes:
        if x.shape[a] != 1:
            raise InvalidArgumentError(
                f"Squeeze: can not squeeze dim[{a}], expected a dimension of 1, got {x.shape[a]}"
            )
    return xp.squeeze(x, axes)


@_squeeze.vjp
def _squeeze_vjp(g, ans, x, axis):
    return (_reshape_like(g, x, lead=batch_ndim(g, ans)),)


@op(
    "ReshapeLike",
    batchable=True,
    samples=[Sample((3, 4), (2, 6), lead=0, wrt=[0]), Sample((2, 3, 4), (12,), lead=1, wrt=[0])],
)
def _reshape_like(x, like, lead):
    """`x` reshaped to its first `lead` dimensions followed by `like`'s shape."""
    shape = x.shape[:lead] + like.shape
    if math.prod(shape) != x.size:
        raise InvalidArgumentError(
            f"ReshapeLike: cannot reshape a tensor of shape {tuple(x.shape)} to {tuple(shape)}"
        )
    return xp.reshape(x, shape)


@_reshape_like.vjp
def _reshape_like_vjp(g, ans, x, like, lead):
    return _reshape_like(g, x, lead=batch_ndim(g, ans)), None


@op(
    "BroadcastLike",
    batchable=True,
    samples=[Sample((3, 1), (2, 3, 4), wrt=[0]), Sample((), (2, 2), wrt=[0])],
)
def _broadcast_like(x, like):
    """`x` broadcast to `like`'s shape; dimensions of `x` beyond `like`'s rank lead."""
    lead = x.shape[: max(x.ndim - like.ndim, 0)]
    return xp.broadcast_to(x, lead + like.shape)


@_broadcast_like.vjp
def _broadcast_like_vjp(g, ans, x, like):
    return g, None  # the engine sums the gradient back to x's shape


@op(
    "ReducedCount",
    differentiable=False,
    samples=[Sample((3, 4), axis=(1,), dtype="float32"), Sample((2, 3), axis=None, dtype="int32")],
)
def _reduced_count(x, axis, dtype):
    """How many elements of `x` each result of a reduction over `axis` combines (0-d)."""
    axes = normalize_axis(axis, x.ndim)
    count = x.size if axes is None else math.prod(x.shape[a] for a in axes)
    return xp.asarray(count, dtype=dtype)


@op(
    "RandomUniformLike",
    stateful=True,
    differentiable=False,
    samples=[Sample((3, 4), dtype="float32", rng=np.random.default_rng(0))],
)
def _random_uniform_like(x, dtype, rng):
    """Uniform [0, 1) draws of `dtype` in x's shape (dropout's mask, drawn for each call)."""
    from .random import _uniform_array

    return _uniform_array(rng, x.shape, dtype)


def _sizes(like, dims) -> tuple:
    return tuple(like.shape[d[1]] if isinstance(d, tuple) else d for d in dims)


@op(
    "ReshapeFrom",
    batchable=True,
    samples=[Sample((6, 4), (3, 5), dims=(("like", 0), 2, 4), wrt=[0])],
)
def _reshape_from(x, like, dims):
    """`x` reshaped to `dims`: each an int, or ("like", axis) for that size of `like`."""
    shape = _sizes(like, dims)
    if math.prod(shape) != x.size:
        raise InvalidArgumentError(
            f"ReshapeFrom: cannot reshape a tensor of shape {tuple(x.shape)} to {shape}"
        )
    return xp.reshape(x, shape)


@_reshape_from.vjp
def _reshape_from_vjp(g, ans, x, like, dims):
    return _reshape_like(g, x, lead=batch_ndim(g, ans)), None


@op(
    "ZerosFrom",
    differentiable=False,
    samples=[Sample((3, 4), dims=(("like", 0), 5), dtype="float32")],
)
def _zeros_from(like, dims, dtype):
    """Zeros of `dtype` shaped `dims`: each an int, or ("like", axis) for that size of `like`
    (an RNN's initial state: batch size of the sequences, units)."""
    return xp.zeros(_sizes(like, dims), dtype=dtype)
