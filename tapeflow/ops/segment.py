"""Segment reductions (tf.math.segment_* and unsorted_segment_*): rows of `data` reduced into
buckets named by `segment_ids`.

The sorted family (segment_sum, ...) takes increasing ids and makes `ids[-1] + 1` segments;
the unsorted family takes any ids and `num_segments`, and drops rows with a negative id.
unsorted_segment_sum itself lives in math.py (other ops' gradients use it).
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor
from .array import _ones_like, _reshape, _zeros_like
from .indexing import _gather, _select
from .logic import equal, greater, greater_equal, logical_and
from .math import _cast, _real_div, _unsorted_segment_sum, maximum, truediv
from .math_unary import sqrt
from .reduce import _numeric

# ---- checks and the shared kernel ------------------------------------------------------------


def _check_ids(name, data, ids):
    if ids.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{name}: segment_ids must be int32 or int64, got {ids.dtype}")
    _numeric(name, data)
    if data.dtype == object:
        raise InvalidArgumentError(f"{name}: expected a number tensor, got string")


def _sorted_segments(name, data, ids) -> int:
    """The number of segments of sorted ids (ids[-1] + 1), after TF's checks."""
    _check_ids(name, data, ids)
    if ids.ndim != 1:
        raise InvalidArgumentError(
            f"{name}: segment_ids should be a vector, got shape {list(ids.shape)}"
        )
    if data.ndim == 0 or data.shape[0] != ids.shape[0]:
        raise InvalidArgumentError(
            f"{name}: segment_ids should be the same size as dimension 0 of input: "
            f"segment_ids has {ids.shape[0]} entries, data has shape {list(data.shape)}"
        )
    if ids.size == 0:
        return 0
    num = int(ids[-1]) + 1
    if int(ids[0]) < 0:
        raise InvalidArgumentError(
            f"{name}: Segment id {int(ids[0])} out of range [0, {num}), possibly because "
            f"'segment_ids' input is not sorted."
        )
    step = xp.diff(ids)
    if (step < 0).any():
        at = int(xp.argmax(step < 0)) + 1
        raise InvalidArgumentError(
            f"{name}: segment ids are not increasing: segment_ids[{at - 1}] = "
            f"{int(ids[at - 1])}, segment_ids[{at}] = {int(ids[at])}"
        )
    return num


def _check_unsorted(name, data, ids, num_segments):
    _check_ids(name, data, ids)
    if num_segments < 0:
        raise InvalidArgumentError(
            f"{name}: Input num_segments == {num_segments} must not be negative."
        )
    if tuple(data.shape[: ids.ndim]) != tuple(ids.shape):
        raise InvalidArgumentError(
            f"{name}: data.shape = {list(data.shape)} does not start with "
            f"segment_ids.shape = {list(ids.shape)}"
        )
    bad = ids >= num_segments
    if bad.any():
        pos = tuple(int(i) for i in xp.argwhere(bad)[0])
        raise InvalidArgumentError(
            f"{name}: segment_ids{list(pos)} = {int(ids[pos])} is out of range [0, {num_segments})"
        )


def _reduce_into(data, ids, num, ufunc, empty):
    """`num` segments of `data` reduced with `ufunc` (negative ids dropped), `empty` where a
    segment has no rows."""
    rows = data.reshape((-1,) + data.shape[ids.ndim :])
    ids = ids.reshape(-1).astype(xp.intp)
    keep = ids >= 0
    if not keep.all():
        rows, ids = rows[keep], ids[keep]
    out = xp.full((num,) + rows.shape[1:], empty, dtype=data.dtype)
    ufunc.at(out, ids, rows)
    return out


def _lowest(dtype):
    return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.finfo(dtype).max if dtype.kind == "f" else np.iinfo(dtype).max


def _fmax(dtype):  # TF's max and min skip NaN rows as long as a number is there
    return xp.fmax if dtype.kind == "f" else xp.maximum


def _fmin(dtype):
    return xp.fmin if dtype.kind == "f" else xp.minimum


# ---- sorted segments -------------------------------------------------------------------------


def _sorted_ids(rng):  # always 4 segments (ids 0 and 3 present): one output shape
    return np.sort(np.r_[0, 3, rng.integers(0, 4, size=4)]).astype("int32")


def _sorted_ids_with_gap(rng):
    return np.array([0, 0, 2, 2, 2, 3], dtype="int32")


SORTED = [
    Sample((6, 3), _sorted_ids, wrt=(0,)),
    Sample((6,), _sorted_ids_with_gap, wrt=(0,)),
]


@op("SegmentSum", same_dtype=(), samples=SORTED)
def _segment_sum(data, segment_ids):
    num = _sorted_segments("SegmentSum", data, segment_ids)
    return _reduce_into(data, segment_ids, num, xp.add, 0)


@_segment_sum.vjp
def _segment_sum_vjp(g, ans, data, segment_ids):
    return _gather(g, segment_ids), None


@op("SegmentMean", same_dtype=(), samples=SORTED)
def _segment_mean(data, segment_ids):
    num = _sorted_segments("SegmentMean", data, segment_ids)
    total = _reduce_into(data, segment_ids, num, xp.add, 0)
    count = xp.bincount(segment_ids.astype(xp.intp), minlength=num)
    count = count.reshape((num,) + (1,) * (data.ndim - 1))
    if data.dtype.kind in "iu":  # integer mean rounds toward zero (C++ division), as TF
        quotient = xp.abs(total) // xp.maximum(count, 1)
        return (xp.sign(total) * quotient).astype(data.dtype)
    return (total / xp.maximum(count, 1)).astype(data.dtype)


@_segment_mean.vjp
def _segment_mean_vjp(g, ans, data, segment_ids):
    ones = _ones_like(_row_shaped(segment_ids, data), dtype=g.dtype.name)
    count = maximum(_segment_sum(ones, segment_ids), 1.0)  # an empty segment is never gathered
    return _gather(_real_div(g, count), segment_ids), None


def _row_shaped(ids, data):
    """`ids` reshaped to broadcast against data (ones for the trailing axes)."""
    return _reshape(ids, shape=tuple(ids.shape) + (1,) * (data.ndim - ids.ndim))


@op("SegmentMax", same_dtype=(), samples=SORTED)
def _segment_max(data, segment_ids):
    num = _sorted_segments("SegmentMax", data, segment_ids)
    out = _reduce_into(data, segment_ids, num, _fmax(data.dtype), _lowest(data.dtype))
    return _empty_to(out, segment_ids, num, 0)


@op("SegmentMin", same_dtype=(), samples=SORTED)
def _segment_min(data, segment_ids):
    num = _sorted_segments("SegmentMin", data, segment_ids)
    out = _reduce_into(data, segment_ids, num, _fmin(data.dtype), _highest(data.dtype))
    return _empty_to(out, segment_ids, num, 0)


def _empty_to(out, ids, num, value):
    """`out` with the segments no id names set to `value` (sorted segment ops give 0)."""
    named = xp.zeros(num, dtype=bool)
    named[ids] = True
    out[~named] = value
    return out


@_segment_max.vjp
def _segment_max_vjp(g, ans, data, segment_ids):
    return _min_or_max_grad(g, ans, data, segment_ids, _segment_sum), None


_segment_min.vjp(_segment_max_vjp)


def _min_or_max_grad(g, ans, data, ids, summed, num_segments=None):
    """TF's gradient of a segment max or min: each segment's gradient split evenly among the
    entries that equal the extremum (ties share it)."""
    gathered, clipped, valid = _gather_drop_negatives(ans, ids)
    is_selected = logical_and(equal(data, gathered), valid)
    weights = _cast(is_selected, dtype=g.dtype.name)
    if num_segments is None:
        count = summed(weights, ids)
    else:
        count = summed(weights, ids, num_segments=num_segments)
    share, _, _ = _gather_drop_negatives(_real_div(g, maximum(count, 1.0)), ids, clipped, valid)
    return _select(is_selected, share, _zeros_like(share))


@op("SegmentProd", same_dtype=(), samples=SORTED)
def _segment_prod(data, segment_ids):
    num = _sorted_segments("SegmentProd", data, segment_ids)
    return _reduce_into(data, segment_ids, num, xp.multiply, 1)


@_segment_prod.vjp
def _segment_prod_vjp(g, ans, data, segment_ids):
    return _prod_grad(g, ans, data, segment_ids, _segment_prod, _segment_sum), None


def _prod_grad(g, ans, data, ids, prod, summed, num_segments=None):
    """TF's gradient of a segment product, exact with zeros: a segment with one zero sends the
    product of its other entries to that zero (and 0 elsewhere); two zeros send 0 everywhere."""
    extra = {} if num_segments is None else {"num_segments": num_segments}
    is_zero = equal(data, 0.0)
    num_zeros = summed(_cast(is_zero, dtype="int32"), ids, **extra)
    g = _select(greater(num_zeros, 1), _zeros_like(g), g)
    non_zero = _select(is_zero, _ones_like(data), data)
    non_zero_prod = prod(non_zero, ids, **extra)
    gathered_prod, clipped, valid = _gather_drop_negatives(ans, ids)
    gathered_non_zero_prod, _, _ = _gather_drop_negatives(non_zero_prod, ids, clipped, valid)
    partial = _select(is_zero, gathered_non_zero_prod, _real_div(gathered_prod, non_zero))
    gathered_g, _, _ = _gather_drop_negatives(g, ids, clipped, valid)
    return gathered_g * partial


def _gather_drop_negatives(params, ids, clipped=None, valid=None):
    """(params gathered at ids with 0 where an id is negative, the clipped ids, the mask):
    TF's _GatherDropNegatives. Only ops on `ids`, no NumPy reads, so a traced function
    stays valid for other ids."""
    if clipped is None:
        clipped = maximum(ids, _zeros_like(ids))
        valid = greater_equal(ids, _zeros_like(ids))
        valid = _reshape(valid, shape=tuple(ids.shape) + (1,) * (params.ndim - 1))
    gathered = _gather(params, clipped)
    return _select(valid, gathered, _zeros_like(gathered)), clipped, valid


# ---- unsorted segments -----------------------------------------------------------------------


def _any_ids(rng):  # every segment named (an empty max is the dtype's lowest value)
    return rng.permutation([0, 0, 1, 2, 3, -1]).astype("int32")


def _any_ids_2d(rng):
    return rng.permutation([0, 1, 2, 0, 1, 2]).reshape(2, 3).astype("int32")


UNSORTED = [
    Sample((6, 2), _any_ids, num_segments=4, wrt=(0,)),
    Sample((2, 3), _any_ids_2d, num_segments=3, wrt=(0,)),
]


@op("UnsortedSegmentMax", same_dtype=(), samples=UNSORTED)
def _unsorted_segment_max(data, segment_ids, num_segments):
    _check_unsorted("UnsortedSegmentMax", data, segment_ids, num_segments)
    ufunc = _fmax(data.dtype)
    return _reduce_into(data, segment_ids, num_segments, ufunc, _lowest(data.dtype))


@op("UnsortedSegmentMin", same_dtype=(), samples=UNSORTED)
def _unsorted_segment_min(data, segment_ids, num_segments):
    _check_unsorted("UnsortedSegmentMin", data, segment_ids, num_segments)
    ufunc = _fmin(data.dtype)
    return _reduce_into(data, segment_ids, num_segments, ufunc, _highest(data.dtype))


@_unsorted_segment_max.vjp
def _unsorted_segment_max_vjp(g, ans, data, segment_ids, num_segments):
    grad = _min_or_max_grad(g, ans, data, segment_ids, _unsorted_segment_sum, num_segments)
    return grad, None


_unsorted_segment_min.vjp(_unsorted_segment_max_vjp)


@op("UnsortedSegmentProd", same_dtype=(), samples=UNSORTED)
def _unsorted_segment_prod(data, segment_ids, num_segments):
    _check_unsorted("UnsortedSegmentProd", data, segment_ids, num_segments)
    return _reduce_into(data, segment_ids, num_segments, xp.multiply, 1)


@_unsorted_segment_prod.vjp
def _unsorted_segment_prod_vjp(g, ans, data, segment_ids, num_segments):
    grad = _prod_grad(
        g, ans, data, segment_ids, _unsorted_segment_prod, _unsorted_segment_sum, num_segments
    )
    return grad, None


# ---- public functions ------------------------------------------------------------------------


def _num_segments(num_segments) -> int:
    if isinstance(num_segments, Operand):
        if not num_segments.dtype.is_integer:
            raise TypeError(
                f"num_segments must be an int32 or int64 tensor, got {num_segments.dtype.name}"
            )
        return int(num_segments.numpy())
    if isinstance(num_segments, float) or not isinstance(num_segments, (int, np.integer)):
        raise TypeError(f"num_segments must be an integer, got {num_segments!r}")
    return int(num_segments)


def segment_sum(data, segment_ids, name=None):
    """Sums of the rows of `data` per segment; `segment_ids` sorted, one id per row."""
    return _segment_sum(data, segment_ids)


def segment_mean(data, segment_ids, name=None):
    """Means of the rows of `data` per segment (0 for a segment without rows)."""
    return _segment_mean(data, segment_ids)


def segment_max(data, segment_ids, name=None):
    """Maxima of the rows of `data` per segment (0 for a segment without rows)."""
    return _segment_max(data, segment_ids)


def segment_min(data, segment_ids, name=None):
    """Minima of the rows of `data` per segment (0 for a segment without rows)."""
    return _segment_min(data, segment_ids)


def segment_prod(data, segment_ids, name=None):
    """Products of the rows of `data` per segment (1 for a segment without rows)."""
    return _segment_prod(data, segment_ids)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """Maxima per segment for ids in any order; the dtype's lowest value for an empty one."""
    return _unsorted_segment_max(data, segment_ids, num_segments=_num_segments(num_segments))


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """Minima per segment for ids in any order; the dtype's largest value for an empty one."""
    return _unsorted_segment_min(data, segment_ids, num_segments=_num_segments(num_segments))


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """Products per segment for ids in any order; 1 for an empty segment."""
    return _unsorted_segment_prod(data, segment_ids, num_segments=_num_segments(num_segments))


def _segment_counts(data, segment_ids, num_segments):
    """How many rows each segment has (at least 1), in data's dtype and shaped to divide the
    segment sums (TF's _unsorted_segment_N)."""
    ids = convert_to_tensor(segment_ids)
    count = _unsorted_segment_sum(
        _ones_like(ids, dtype=data.dtype.name), ids, num_segments=num_segments
    )
    count = maximum(count, _ones_like(count))
    return _reshape(count, shape=(num_segments,) + (1,) * (data.ndim - ids.ndim))


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Means per segment for ids in any order; 0 for an empty segment (integer data divides
    as `/` does: int32 gives float64)."""
    n = _num_segments(num_segments)
    data = convert_to_tensor(data)
    total = _unsorted_segment_sum(data, segment_ids, num_segments=n)
    return truediv(total, _segment_counts(data, segment_ids, n))


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Sums per segment divided by the square root of the segment's row count (floats only)."""
    n = _num_segments(num_segments)
    data = convert_to_tensor(data)
    total = _unsorted_segment_sum(data, segment_ids, num_segments=n)
    return truediv(total, sqrt(_segment_counts(data, segment_ids, n)))


_NAMES = (
    "segment_sum segment_mean segment_max segment_min segment_prod unsorted_segment_max "
    "unsorted_segment_min unsorted_segment_prod unsorted_segment_mean unsorted_segment_sqrt_n"
).split()
API = {"math": _NAMES}
