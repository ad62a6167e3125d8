"""Reductions over axes: sum, mean, max, min, prod, variance, logsumexp, any, all."""

from ..backend import xp
from ..core.registry import Sample, op
from ._common import batch_ndim, normalize_axis

REDUCE = [
    Sample((3, 4), axis=None, keepdims=False),
    Sample((3, 4), axis=1, keepdims=False),
    Sample((2, 3, 4), axis=(0, 2), keepdims=True),
    Sample((3, 4), axis=-2, keepdims=False),
]


@op("Sum", samples=REDUCE, batchable=True)
def _sum(x, axis=None, keepdims=False):
    return xp.sum(x, axis=normalize_axis(axis, x.ndim), keepdims=keepdims)


@_sum.vjp
def _sum_vjp(g, ans, x, axis=None, keepdims=False):
    return (_broadcast_back(g, ans, x, axis, keepdims),)


def _broadcast_back(g, ans, x, axis, keepdims):
    """`g` (shaped like a reduction of x) broadcast back to x's shape (plus batch dims)."""
    from .array import broadcast_to, reshape

    nb = batch_ndim(g, ans)
    lead = tuple(g.shape[:nb])
    axes = normalize_axis(axis, x.ndim)
    if not keepdims:
        kept = tuple(1 if axes is None or i in axes else d for i, d in enumerate(x.shape))
        g = reshape(g, lead + kept)
    return broadcast_to(g, lead + tuple(x.shape))


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum of elements across `axis` (all axes when None)."""
    return _sum(input_tensor, axis=_static_axis(axis), keepdims=keepdims)


def _static_axis(axis):
    """Axis arguments may be Tensors; the forward wants Python ints."""
    if axis is None or isinstance(axis, int):
        return axis
    if hasattr(axis, "_value"):
        v = axis.numpy()
        return int(v) if v.ndim == 0 else tuple(int(a) for a in v)
    return tuple(int(a) for a in axis)


API = {
    "tf": ["reduce_sum"],
    "math": ["reduce_sum"],
}
