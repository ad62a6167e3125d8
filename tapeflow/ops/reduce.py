"""Reductions and scans over axes: sum, mean, max, prod, logsumexp, any, all, cumsum.

argmax, argmin and top_k are in `sorting.py`.
"""

import math

import numpy as np

from ..backend import fused, xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor, wrap
from . import _args
from ._common import batch_ndim, normalize_axis
from .logic import equal, is_finite, not_equal
from .math import _cast, _div_no_nan, _real_div, add, cast
from .math_unary import exp, log, sqrt, square
from .shape_generic import _broadcast_like, _expand_dims, _reduced_count

REDUCE = [
    Sample((3, 4), axis=None, keepdims=False),
    Sample((3, 4), axis=1, keepdims=False),
    Sample((2, 3, 4), axis=(0, 2), keepdims=True),
    Sample((3, 4), axis=-2, keepdims=False),
]


def _numeric(name, x):
    if x.dtype.kind == "b":
        raise InvalidArgumentError(f"{name}: expected a number tensor, got bool")


def _kept(g, ans, x, axis, keepdims):
    """`g` (shaped like the reduction `ans`, plus batch dims) with the reduced axes as 1s.

    Axes are inserted (not a reshape to x's shape), so no shape of x is baked into a trace.
    """
    if keepdims:
        return g
    ndim = x._value.ndim
    nb = g._value.ndim - ans._value.ndim
    axes = normalize_axis(axis, ndim)
    if not nb and (axes is None or axes == tuple(range(len(axes)))):
        return g  # only leading axes were reduced: g already broadcasts against x
    for a in range(ndim) if axes is None else axes:  # ascending: each lands in its place
        g = _expand_dims(g, axis=nb + a)
    return g


def _broadcast_back(g, ans, x, axis, keepdims):
    """`g` (shaped like a reduction of x) broadcast back to x's shape (plus batch dims)."""
    return _broadcast_like(_kept(g, ans, x, axis, keepdims), x)


# Up to this many elements, the array vjps fill a new array rather than build a broadcast view
# (np.broadcast_to's Python wrapper costs more than writing them): the same values either way.
_SMALL_BROADCAST = 1 << 16


def _broadcast_back_array(g, ans, x, axis, keepdims):
    """`_broadcast_back` on arrays (the array vjps: no batch dims), by the same ops' forwards."""
    if not keepdims:
        axes = normalize_axis(axis, x.ndim)
        if not (axes is None or axes == tuple(range(len(axes)))):
            shape = list(g.shape)
            for a in axes:  # ExpandDims' forward at each axis, as one reshape (a view too)
                shape.insert(a, 1)
            g = xp.reshape(g, tuple(shape))
    if x.size > _SMALL_BROADCAST or g.ndim > x.ndim:
        return _broadcast_like.forward(g, x)
    out = xp.empty(x.shape, dtype=g.dtype)
    out[...] = g
    return out


def _count(x, axis) -> int:
    """How many elements of x each output element of a reduction over `axis` combines."""
    shape = x._value.shape if hasattr(x, "_value") else x.shape
    axes = normalize_axis(axis, len(shape))
    return math.prod(shape) if axes is None else math.prod(shape[a] for a in axes)


# ---- sum, mean, product --------------------------------------------------------------------


@op("Sum", samples=REDUCE, batchable=True)
def _sum(x, axis=None, keepdims=False):
    _numeric("Sum", x)
    # dtype: NumPy would sum int32 into int64; TF keeps the dtype (and wraps around).
    # add.reduce is what np.sum calls, minus its Python-level wrapper (a microsecond).
    axes = normalize_axis(axis, x.ndim)
    k = leading_axes(axes)
    if k and not keepdims:  # a bias gradient: one native pass where Numba runs, same bits
        return fused.sum_leading(x, k)
    return xp.add.reduce(x, axes, x.dtype, None, keepdims)


def leading_axes(axes) -> int:
    """k when `axes` are exactly the first k axes (0, ..., k - 1), else 0."""
    if not axes or axes != tuple(range(len(axes))):
        return 0
    return len(axes)


@_sum.vjp
def _sum_vjp(g, ans, x, axis=None, keepdims=False):
    return (_broadcast_back(g, ans, x, axis, keepdims),)


@_sum.array_vjp
def _sum_array_vjp(g, ans, x, axis=None, keepdims=False):
    return (_broadcast_back_array(g, ans, x, axis, keepdims),)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum of elements across `axis` (all axes when None)."""
    return _sum(input_tensor, axis=_static_axis(axis, "Sum"), keepdims=bool(keepdims))


@op("Mean", samples=REDUCE, batchable=True)
def _mean(x, axis=None, keepdims=False):
    _numeric("Mean", x)
    axes = normalize_axis(axis, x.ndim)
    if x.dtype.kind == "f":
        if x.size and x.dtype.itemsize >= 4:
            # np.mean's own arithmetic (sum in the dtype, true division by the count) without
            # its Python-level wrapper, which costs more than the sum on small tensors.
            count = x.size if axes is None else math.prod([x.shape[a] for a in axes])
            return xp.add.reduce(x, axes, None, None, keepdims) / count
        if x.size:
            return xp.mean(x, axis=axes, keepdims=keepdims)  # float16: accumulates in float32
        with np.errstate(invalid="ignore"):  # nan, as TF (NumPy warns)
            return xp.sum(x, axis=axes, keepdims=keepdims) / 0
    # Integers: a wide sum, divided truncating toward zero, as TF's kernel does.
    wide = xp.uint64 if x.dtype.kind == "u" else xp.int64
    total = xp.sum(x, axis=axes, keepdims=keepdims, dtype=wide)
    n = _count(x, axis)
    if n == 0:
        return xp.zeros_like(total, dtype=x.dtype)
    q = xp.abs(total) // n
    return xp.where(total < 0, -q, q).astype(x.dtype)


@_mean.vjp
def _mean_vjp(g, ans, x, axis=None, keepdims=False):
    # Divide the small reduced gradient, then broadcast: the same values, fewer divisions.
    count = _reduced_count(x, axis=axis, dtype=g._value.dtype.name)  # an op: no baked size
    return (_broadcast_back(_real_div(g, count), ans, x, axis, keepdims),)


@_mean.array_vjp
def _mean_array_vjp(g, ans, x, axis=None, keepdims=False):
    n = _count(x, axis)  # ReducedCount's forward, as a Python int
    count = xp.asarray(n, dtype=g.dtype)
    if n:  # RealDiv's forward, without its error-state context (nothing to silence)
        g = xp.true_divide(g, count)
    else:
        g = _real_div.forward(g, count)
    return (_broadcast_back_array(g, ans, x, axis, keepdims),)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean across `axis`; integer tensors get an integer mean (truncated), as in TF."""
    return _mean(input_tensor, axis=_static_axis(axis, "Mean"), keepdims=bool(keepdims))


@op("Prod", samples=REDUCE + [Sample((3,), axis=0, keepdims=False)], batchable=True)
def _prod(x, axis=None, keepdims=False):
    _numeric("Prod", x)
    return xp.prod(x, axis=normalize_axis(axis, x.ndim), keepdims=keepdims, dtype=x.dtype)


@_prod.vjp
def _prod_vjp(g, ans, x, axis=None, keepdims=False):
    from .array import reshape, transpose

    # The product of the other entries of each reduced group, from two exclusive cumprods
    # (not ans / x, which fails at zeros), as TF's _ProdGrad.
    axes = normalize_axis(axis, x.ndim)
    reduced = tuple(range(x.ndim)) if axes is None else tuple(sorted(axes))
    if not reduced:
        return (g,)
    other = tuple(i for i in range(x.ndim) if i not in reduced)
    perm = reduced + other
    permuted = transpose(x, perm)
    flat = reshape(permuted, (_count(x, axis), int(np.prod([x.shape[i] for i in other]))))
    left = _cumprod(flat, axis=0, exclusive=True, reverse=False)
    right = _cumprod(flat, axis=0, exclusive=True, reverse=True)
    others = transpose(
        reshape(left * right, tuple(permuted.shape)), tuple(int(i) for i in np.argsort(perm))
    )
    return (_broadcast_back(g, ans, x, axis, keepdims) * others,)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Product of elements across `axis`."""
    return _prod(input_tensor, axis=_static_axis(axis, "Prod"), keepdims=bool(keepdims))


# ---- max and min ---------------------------------------------------------------------------


def _extremum(name, fn, x, axis, keepdims, sign):
    _numeric(name, x)
    axes = normalize_axis(axis, x.ndim)
    if x.size == 0:  # TF gives the identity of the reduction: -inf for max, +inf for min
        if x.dtype.kind == "f":
            initial = sign * xp.inf
        else:
            info = xp.iinfo(x.dtype)
            initial = info.min if sign < 0 else info.max
        return fn(x, axis=axes, keepdims=keepdims, initial=initial)
    return fn(x, axis=axes, keepdims=keepdims)


@op("Max", samples=REDUCE, batchable=True)
def _max(x, axis=None, keepdims=False):
    return _extremum("Max", xp.max, x, axis, keepdims, -1)


@op("Min", samples=REDUCE, batchable=True)
def _min(x, axis=None, keepdims=False):
    return _extremum("Min", xp.min, x, axis, keepdims, 1)


@_max.vjp
@_min.vjp
def _extremum_vjp(g, ans, x, axis=None, keepdims=False):
    # The gradient is split evenly among the entries equal to the extremum (TF's rule).
    y = _kept(ans, ans, x, axis, keepdims)
    indicators = _cast(equal(y, x), dtype=g.dtype.name)
    num_selected = _sum(indicators, axis=axis, keepdims=True)
    return (_real_div(indicators, num_selected) * _kept(g, ans, x, axis, keepdims),)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Maximum across `axis`; the gradient is shared evenly among tied maxima."""
    return _max(input_tensor, axis=_static_axis(axis, "Max"), keepdims=bool(keepdims))


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Minimum across `axis`; the gradient is shared evenly among tied minima."""
    return _min(input_tensor, axis=_static_axis(axis, "Min"), keepdims=bool(keepdims))


# ---- norms and statistics ------------------------------------------------------------------


@op("EuclideanNorm", samples=REDUCE, batchable=True)
def _euclidean_norm(x, axis=None, keepdims=False):
    _numeric("EuclideanNorm", x)
    axes = normalize_axis(axis, x.ndim)
    if x.dtype.kind != "f":
        total = xp.sum(x.astype(xp.float64) ** 2, axis=axes, keepdims=keepdims)
        return xp.floor(xp.sqrt(total)).astype(x.dtype)
    return xp.sqrt(xp.sum(x * x, axis=axes, keepdims=keepdims))


@_euclidean_norm.vjp
def _euclidean_norm_vjp(g, ans, x, axis=None, keepdims=False):
    norm = _kept(ans, ans, x, axis, keepdims)
    return (_real_div(x, _real_div(norm, _kept(g, ans, x, axis, keepdims))),)  # TF: x / (norm / g)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x ** 2)) across `axis`."""
    return _euclidean_norm(
        input_tensor, axis=_static_axis(axis, "EuclideanNorm"), keepdims=bool(keepdims)
    )


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance across `axis` (floating tensors only)."""
    x = input_tensor if hasattr(input_tensor, "ragged_rank") else convert_to_tensor(input_tensor)
    axis = _static_axis(axis)
    means = reduce_mean(x, axis, keepdims=True)
    if means.dtype.is_integer:
        raise TypeError(
            f"Input must be either real or complex. Received integer type {means.dtype!r}."
        )
    return reduce_mean(square(x - means), axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation across `axis` (floating tensors only)."""
    return sqrt(reduce_variance(input_tensor, axis, keepdims=keepdims))


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) across `axis`, shifted by the maximum so it cannot overflow.

    All -inf gives -inf; an inf gives inf; the gradient is softmax(x).
    """
    from .array import reshape, stop_gradient

    x = convert_to_tensor(input_tensor)
    axis = _static_axis(axis)
    raw_max = reduce_max(x, axis, keepdims=True)
    # where(is_finite(raw_max), raw_max, 0): div_no_nan by a 0/1 mask selects exactly.
    my_max = stop_gradient(
        _div_no_nan(raw_max, _cast(is_finite(raw_max), dtype=raw_max.dtype.name))
    )
    result = log(reduce_sum(exp(x - my_max), axis, keepdims=keepdims))
    if not keepdims:
        my_max = reshape(my_max, tuple(result.shape))
    return add(result, my_max)


def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None):  # noqa: A002
    """Number of nonzero (or True) entries across `axis`, as `dtype` (int64 by default)."""
    x = convert_to_tensor(input)
    zero = wrap(xp.zeros((), dtype=x.dtype.as_numpy_dtype))
    counts = reduce_sum(cast(not_equal(x, zero), "int64"), axis, keepdims=bool(keepdims))
    return cast(counts, dtype)


# ---- any and all ---------------------------------------------------------------------------

BOOL_REDUCE = [
    Sample(lambda rng: rng.uniform(size=(3, 4)) > 0.7, axis=1, keepdims=False),
    Sample(lambda rng: rng.uniform(size=(3, 4)) > 0.3, axis=None, keepdims=True),
]


def _logical(name, fn, x, axis, keepdims):
    if x.dtype.kind != "b":
        raise InvalidArgumentError(f"{name}: expected a bool tensor, got {x.dtype.name}")
    return fn(x, axis=normalize_axis(axis, x.ndim), keepdims=keepdims)


@op("Any", differentiable=False, samples=BOOL_REDUCE)
def _any(x, axis=None, keepdims=False):
    return _logical("Any", xp.any, x, axis, keepdims)


@op("All", differentiable=False, samples=BOOL_REDUCE)
def _all(x, axis=None, keepdims=False):
    return _logical("All", xp.all, x, axis, keepdims)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """Logical OR across `axis` (bool tensors)."""
    return _any(input_tensor, axis=_static_axis(axis, "Any"), keepdims=bool(keepdims))


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """Logical AND across `axis` (bool tensors)."""
    return _all(input_tensor, axis=_static_axis(axis, "All"), keepdims=bool(keepdims))


# ---- cumulative sums and products ----------------------------------------------------------

SCAN = [
    Sample((3, 4), axis=1, exclusive=False, reverse=False),
    Sample((3, 4), axis=0, exclusive=True, reverse=True),
    Sample((5,), axis=0, exclusive=True, reverse=False),
    Sample((2, 3), axis=1, exclusive=False, reverse=True),
]


def _scan(name, fn, identity, x, axis, exclusive, reverse):
    _numeric(name, x)
    if reverse:
        x = xp.flip(x, axis)
    if exclusive and x.shape[axis]:
        # Shift right by one along the axis, the identity entering at the front.
        head = list(x.shape)
        head[axis] = 1
        body = x[(slice(None),) * axis + (slice(0, -1),)]
        x = xp.concatenate([xp.full(head, identity, dtype=x.dtype), body], axis=axis)
    out = fn(x, axis=axis, dtype=x.dtype)
    return xp.flip(out, axis) if reverse else out


@op("Cumsum", numbers=True, samples=SCAN, batchable=True)
def _cumsum(x, axis=0, exclusive=False, reverse=False):
    return _scan("Cumsum", xp.cumsum, 0, x, axis, exclusive, reverse)


@_cumsum.vjp
def _cumsum_vjp(g, ans, x, axis=0, exclusive=False, reverse=False):
    a = axis + batch_ndim(g, ans)
    return (_cumsum(g, axis=a, exclusive=exclusive, reverse=not reverse),)


@op("Cumprod", numbers=True, samples=SCAN, domain=(0.5, 2.0), batchable=True)
def _cumprod(x, axis=0, exclusive=False, reverse=False):
    return _scan("Cumprod", xp.cumprod, 1, x, axis, exclusive, reverse)


@_cumprod.vjp
def _cumprod_vjp(g, ans, x, axis=0, exclusive=False, reverse=False):
    # TF's formula; like TF it gives 0 (not the true value) where x is 0.
    a = axis + batch_ndim(g, ans)
    out = _cumsum(ans * g, axis=a, exclusive=exclusive, reverse=not reverse)
    return (_div_no_nan(out, x),)


def _scan_attrs(op, x, axis, exclusive, reverse):
    axis, ndim = _args.scalar(axis, op, "axis"), x.ndim
    if not -ndim <= axis < ndim:
        raise InvalidArgumentError(
            f"{op}: expected scan axis in the range [{-ndim}, {ndim}), but got {axis}"
        )
    axis %= ndim
    return {"axis": axis, "exclusive": bool(exclusive), "reverse": bool(reverse)}


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sum along `axis`; `exclusive` leaves out the current entry, `reverse` runs
    from the end."""
    x = convert_to_tensor(x)
    return _cumsum(x, **_scan_attrs("Cumsum", x, axis, exclusive, reverse))


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running product along `axis` (see `cumsum` for `exclusive` and `reverse`)."""
    x = convert_to_tensor(x)
    return _cumprod(x, **_scan_attrs("Cumprod", x, axis, exclusive, reverse))


# ---- axis arguments ------------------------------------------------------------------------


def _static_axis(axis, op: str = "reduction"):
    """An axis argument (int, list, NumPy or int Tensor) as Python ints for the forward,
    which checks the range; other kinds are TF's errors (see `_args.int_array`)."""
    if axis is None or type(axis) is int:
        return axis
    v = _args.int_array(axis, op, "axis")
    return int(v) if v.ndim == 0 else tuple(int(a) for a in v.reshape(-1))


_BOTH = (
    "reduce_sum reduce_mean reduce_max reduce_min reduce_prod reduce_logsumexp reduce_any "
    "reduce_all cumsum"
).split()
API = {
    "tf": _BOTH,
    "math": _BOTH
    + "reduce_std reduce_variance reduce_euclidean_norm count_nonzero cumprod".split(),
}
