"""RaggedTensor given to dense ops: TF's ragged dispatch.

`execute` hands an op with a RaggedTensor input to `_ragged_inputs`: elementwise ops run on
the flat values (dense operands broadcast into the ragged structure, as TF's ragged
broadcasting: a dense dimension is 1 or matches every row), reductions become segment
reductions over the rows, and concat/tile/reverse/gather/shape have ragged versions. Row
positions are host index arithmetic on the splits; values move through registered ops, so
gradients flow to the flat values. Anything else is TF's ValueError for a composite given
where a dense tensor is needed.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_backend
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.ragged import RaggedTensor, value_positions
from ..core.registry import get_op, register_composite_handler
from ..core.tensor import Operand, convert_to_tensor, wrap

# Ops that apply value by value (TF registers ragged dispatchers for the same set).
ELEMENTWISE = frozenset(
    "Abs Acos Acosh Asin Asinh Atan Atanh Cast Ceil CheckNumerics Cos Cosh Elu Erf Exp Expm1 "
    "Floor Identity IsFinite IsInf IsNan LeakyRelu Log Log1p LogicalNot Neg OnesLike "
    "PreventGradient Reciprocal Relu Relu6 Round Rsqrt Selu Sigmoid Sign Sin Sinh Softplus "
    "Softsign Sqrt Square StopGradient Tan Tanh ZerosLike AsString StringLength StringLower "
    "StringUpper StringStrip StringToHashBucketFast StringToHashBucketStrong StringToNumber "
    "StaticRegexFullMatch StaticRegexReplace AddV2 Sub Mul RealDiv DivNoNan FloorDiv FloorMod "
    "Maximum Minimum Pow SquaredDifference Atan2 Equal NotEqual Less LessEqual Greater "
    "GreaterEqual LogicalAnd LogicalOr SelectV2 StringJoin AddN".split()
)
REDUCTIONS = frozenset("Sum Mean Max Min Prod All Any".split())
# Concat, tile, reverse, gather, stack, shape... are in ragged_structure.py (HANDLERS).


def _ragged_inputs(op, inputs, attrs):
    name = op.name
    if name in ELEMENTWISE:
        return elementwise(op, inputs, attrs)
    if name in REDUCTIONS:
        return _reduce(op, inputs[0], **attrs)
    handler = ragged_structure.HANDLERS.get(name)
    if handler is not None:
        return handler(op, inputs, attrs)
    rt = next(x for x in inputs if isinstance(x, RaggedTensor))
    raise ValueError(
        f"{op.name}: tapeflow has no ragged version of this op; got {rt!r}. Convert with "
        f".to_tensor() or apply it to .flat_values (tf.ragged.map_flat_values)"
    )


# ---- elementwise ----------------------------------------------------------------------------


def elementwise(op, inputs, attrs):
    raggeds = [x for x in inputs if isinstance(x, RaggedTensor)]
    ref = max(raggeds, key=lambda r: (r.ragged_rank, r.shape.rank))
    like = ref.dtype
    flats = []
    for x in inputs:
        if isinstance(x, RaggedTensor):
            flats.append(_aligned_ragged(x, ref))
        else:
            if not isinstance(x, Operand):
                x = _python_operand(x, like)
            flats.append(_aligned_dense(x, ref))
    return ref.with_flat_values(op(*flats, **attrs))


def _python_operand(value, like):
    if like == dtypes.string or like == dtypes.bool:
        return convert_to_tensor(value, dtype=like) if like == dtypes.string else (
            convert_to_tensor(value))  # fmt: skip
    try:
        return convert_to_tensor(value, dtype=like)
    except (TypeError, ValueError):
        return convert_to_tensor(value)


def _splits_mismatch(x: np.ndarray, y: np.ndarray) -> InvalidArgumentError:
    """TF's message when two row partitions differ (an assert_equal on the splits)."""
    n = min(x.size, y.size)
    if x.size != y.size:
        return InvalidArgumentError(
            f"Condition x == y did not hold: row partitions differ in number of rows "
            f"({x.size - 1} vs {y.size - 1})"
        )
    differ = np.flatnonzero(x[:n] != y[:n])[:3]
    return InvalidArgumentError(
        "Condition x == y did not hold.\n"
        f"Indices of first {differ.size} different values:\n{differ[:, None]}\n"
        f"Corresponding x values:\n{x[differ]}\nCorresponding y values:\n{y[differ]}\n"
        f"First 3 elements of x:\n{x[:3]}\nFirst 3 elements of y:\n{y[:3]}"
    )


def _aligned_ragged(x: RaggedTensor, ref: RaggedTensor):
    if x is ref:
        return x.flat_values
    if x.ragged_rank != ref.ragged_rank:
        raise InvalidArgumentError(
            f"ragged broadcasting: tapeflow broadcasts ragged operands with the same ragged "
            f"rank only; got ragged ranks {x.ragged_rank} and {ref.ragged_rank}"
        )
    for a, b in zip(x.nested_row_splits, ref.nested_row_splits):
        sa, sb = np.asarray(a.numpy()), np.asarray(b.numpy())
        if sa.shape != sb.shape or np.any(sa != sb):
            raise _splits_mismatch(sb, sa)  # TF names the first operand x
    return x.flat_values


def _aligned_dense(d, ref: RaggedTensor):
    """The dense operand `d` as one row per flat value of `ref` (its inner dims kept)."""
    inner = ref.flat_values.shape.rank - 1
    if d.shape.rank <= inner:
        return d  # it broadcasts against the inner (uniform) dimensions of every value
    rank = ref.ragged_rank + 1 + inner
    if d.shape.rank > rank:
        raise InvalidArgumentError(
            f"ragged broadcasting: a dense operand of rank {d.shape.rank} cannot broadcast "
            f"to a ragged tensor of rank {rank}"
        )
    dims = [1] * (rank - d.shape.rank) + list(d.shape)
    outer = dims[: ref.ragged_rank + 1]
    positions = value_positions(ref)
    nrows = ref.nrows_static()
    if outer[0] not in (1, nrows):
        raise InvalidArgumentError(
            f"ragged broadcasting: dimension 0 of the dense operand is {outer[0]}, the "
            f"ragged tensor has {nrows} rows"
        )
    for level, splits in enumerate(ref.nested_row_splits):
        width = outer[level + 1]
        if width == 1:
            continue
        s = np.asarray(splits.numpy())
        lengths = np.diff(s)
        if np.any(lengths != width):
            uniform = np.arange(s.size) * width
            raise _splits_mismatch(uniform, s)
    index = np.where(np.asarray(outer) == 1, 0, positions)
    d = get_op("Reshape")(d, shape=tuple(dims))
    return get_op("GatherNd")(d, wrap(to_backend(index)))


# ---- reductions -----------------------------------------------------------------------------

_SEGMENT = {
    "Sum": "UnsortedSegmentSum",
    "Max": "UnsortedSegmentMax",
    "Min": "UnsortedSegmentMin",
    "Prod": "UnsortedSegmentProd",
}


def _reduce(op, rt: RaggedTensor, axis=None, keepdims=False):
    name = op.name
    if axis is None:
        flat = rt.flat_values
        if name == "Mean" and not flat.dtype.is_floating:  # TF: sum / count in float64
            flat = get_op("Cast")(flat, dtype="float64")
        return op(flat, axis=None, keepdims=False)
    axes = axis if isinstance(axis, tuple) else (axis,)
    rank = rt.shape.rank
    axes = sorted({a % rank for a in axes if -rank <= a < rank} | set())
    if len(axes) != len(axis if isinstance(axis, tuple) else (axis,)):
        raise InvalidArgumentError(f"{name}: axis {axis} is out of range for rank {rank}")
    if name == "Mean" and len(axes) > 1:  # the mean of all the values, not of the means
        flat = rt.flat_values
        dtype = flat.dtype if flat.dtype.is_floating else dtypes.float64
        values = rt if flat.dtype == dtype else rt.with_flat_values(
            get_op("Cast")(flat, dtype=dtype.name))  # fmt: skip
        ones = rt.with_flat_values(wrap(to_backend(np.ones(tuple(flat.shape), dtype._np))))
        total = _reduce(get_op("Sum"), values, tuple(axes), keepdims)
        count = _reduce(get_op("Sum"), ones, tuple(axes), keepdims)
        return elementwise(get_op("RealDiv"), (total, count), {}) if isinstance(
            total, RaggedTensor) else get_op("RealDiv")(total, count)  # fmt: skip
    result = rt
    for a in reversed(axes):  # innermost first, so the outer axis numbers stay valid
        result = _reduce_axis(op, result, a)
        if keepdims:
            result = _expand(result, a, name)
    return result


def _expand(x, axis, name):
    """`x` with a dimension of 1 back at `axis` (reduce_*'s keepdims)."""
    if not isinstance(x, RaggedTensor):
        return get_op("ExpandDims")(x, axis=axis)
    if axis > x.ragged_rank:  # inside the uniform values
        return x.with_flat_values(get_op("ExpandDims")(x.flat_values, axis=axis - x.ragged_rank))
    raise ValueError(
        f"{name}: tapeflow keeps a reduced dimension (keepdims=True) of a RaggedTensor only "
        f"where the result is dense or the axis is uniform"
    )


def _reduce_axis(op, rt, axis):
    if not isinstance(rt, RaggedTensor):
        return op(rt, axis=axis, keepdims=False)
    k = rt.ragged_rank
    if axis > k:  # a uniform inner dimension: reduce the flat values
        return rt.with_flat_values(op(rt.flat_values, axis=axis - k, keepdims=False))
    if axis < k and (axis != 0 or k != 1):
        return _reduce_outer(op, rt, axis)
    if axis == 0:
        # Column j of the result reduces the values at position j of every row.
        positions = value_positions(rt)[:, 1]
        width = int(positions.max()) + 1 if positions.size else 0
        return _segment_reduce(op, rt.flat_values, positions, width)
    inner = rt
    for _ in range(k - 1):
        inner = inner.values
    rowids = np.asarray(inner.value_rowids().numpy())
    reduced = _segment_reduce(op, rt.flat_values, rowids, inner.nrows_static())
    if k == 1:
        return reduced
    outer = rt.nested_row_splits[: k - 1]
    return RaggedTensor.from_nested_row_splits(reduced, outer, validate=False)


def _identity(name, dtype):
    """The value that does not change reduction `name`: what padding holds."""
    if name in ("Sum", "Mean"):
        return 0
    if name == "Prod":
        return 1
    if name in ("All", "Any"):
        return name == "All"
    info = np.finfo(dtype._np) if dtype.is_floating else np.iinfo(dtype._np)
    if dtype.is_floating:
        return -np.inf if name == "Max" else np.inf
    return info.min if name == "Max" else info.max


def _reduce_outer(op, rt, axis):
    """Reduces a ragged dimension that has ragged dimensions below it: on the padded dense
    tensor (padding = the reduction's identity), then cut back into rows (a result row is as
    long as the longest of the rows it reduces, as in TF)."""
    name, k = op.name, rt.ragged_rank
    flat = rt.flat_values
    dense = rt.to_tensor(default_value=_identity(name, flat.dtype))
    if name == "Mean":
        dtype = flat.dtype if flat.dtype.is_floating else dtypes.float64
        ones = wrap(to_backend(np.ones(int(flat.shape[0]), dtype._np)))
        count = get_op("Sum")(rt.with_flat_values(ones).to_tensor(), axis=axis, keepdims=False)
        for _ in range(flat.shape.rank - 1):
            count = get_op("ExpandDims")(count, axis=-1)
        dense = dense if dense.dtype == dtype else get_op("Cast")(dense, dtype=dtype.name)
        out = get_op("RealDiv")(get_op("Sum")(dense, axis=axis, keepdims=False), count)
    else:
        out = op(dense, axis=axis, keepdims=False)
    # Row lengths of the result, level by level: a level above `axis` keeps its lengths, a
    # level below takes the longest of the rows reduced together.
    level_lengths = [np.asarray(rt.row_lengths().numpy())]
    for level in range(2, k + 1):
        level_lengths.append(np.asarray(rt.row_lengths(axis=level).to_tensor().numpy()))
    result_lengths = []
    for r in range(1, k):
        if r < axis:
            result_lengths.append(level_lengths[r - 1])
        else:
            result_lengths.append(np.max(level_lengths[r], axis=axis, initial=0))
    nrows = rt.nrows_static() if axis > 0 else int(np.max(level_lengths[0], initial=0))
    prefixes = np.arange(nrows, dtype=np.int64)[:, None]
    nested = []
    for lengths in result_lengths:
        row_lengths = lengths[tuple(prefixes.T)].astype(np.int64)
        nested.append(row_lengths)
        within = [np.arange(n) for n in row_lengths] or [np.zeros(0, np.int64)]
        prefixes = np.concatenate(
            [np.repeat(prefixes, row_lengths, axis=0), np.concatenate(within)[:, None]], axis=1
        ).astype(np.int64)
    values = get_op("GatherNd")(out, wrap(to_backend(prefixes)))
    for row_lengths in reversed(nested):
        values = RaggedTensor.from_row_lengths(values, row_lengths, validate=False)
    return values


def _segment_reduce(op, values, segment_ids, num_segments):
    ids = wrap(to_backend(np.asarray(segment_ids, np.int64)))
    n = int(num_segments)
    name = op.name
    if name in ("All", "Any"):
        as_int = get_op("Cast")(values, dtype="int32")
        seg = _SEGMENT["Min" if name == "All" else "Max"]
        if name == "All":  # an empty row is all-true: min over nothing is the int max
            out = get_op(seg)(as_int, ids, num_segments=n)
            return get_op("Greater")(out, wrap(np.int32(0)))
        return get_op("Greater")(get_op(seg)(as_int, ids, num_segments=n), wrap(np.int32(0)))
    if name == "Mean":
        # TF: sum / count in floating point (an int tensor gives float64; an empty row nan).
        dtype = values.dtype if values.dtype.is_floating else dtypes.float64
        v = values if values.dtype == dtype else get_op("Cast")(values, dtype=dtype.name)
        total = get_op("UnsortedSegmentSum")(v, ids, num_segments=n)
        counts = np.bincount(np.asarray(segment_ids, np.int64), minlength=num_segments)
        shape = (num_segments,) + (1,) * (values.shape.rank - 1)
        count = wrap(to_backend(counts.astype(dtype._np).reshape(shape)))
        return get_op("RealDiv")(total, count)
    return get_op(_SEGMENT[name])(values, ids, num_segments=n)


register_composite_handler(RaggedTensor, _ragged_inputs)

from . import ragged_structure  # noqa: E402  (its handlers use the helpers above)
