"""RaggedTensor given to dense structure ops: concat, tile, reverse, gather, stack,
expand_dims, squeeze, softmax, shape/rank/size (TF's ragged dispatchers for them).

Row positions are host index arithmetic on the splits; values move through registered ops
(GatherV2, ConcatV2...), so gradients reach the flat values.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_backend
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.ragged import RaggedTensor
from ..core.ragged_index import _ranges, gather_rows
from ..core.registry import get_op
from ..core.tensor import convert_to_tensor, wrap
from .ragged_dispatch import _aligned_ragged, _expand


def _as_ragged(x, ragged_rank=1):
    if isinstance(x, RaggedTensor):
        return x
    t = convert_to_tensor(x)
    return RaggedTensor.from_tensor(t, ragged_rank=ragged_rank)


def _concat(op, inputs, attrs):
    axis = attrs.get("axis", 0)
    return concat_ragged(list(inputs), axis)


def concat_ragged(values, axis):
    rank = next(v for v in values if isinstance(v, RaggedTensor)).shape.rank
    if not -rank <= axis < rank:
        raise InvalidArgumentError(f"ConcatV2: axis {axis} is out of range for rank {rank}")
    axis %= rank
    rts = [_as_ragged(v) for v in values]
    if axis == 0:
        return _concat_rows(rts)
    if axis == 1:
        if any(r.ragged_rank != 1 for r in rts):
            raise ValueError(
                "ConcatV2: tapeflow concatenates ragged rows (axis 1) for ragged_rank 1"
            )
        nrows = {r.nrows_static() for r in rts}
        if len(nrows) != 1:
            raise InvalidArgumentError(
                f"ConcatV2: inputs to concatenate along axis 1 must have the same number of "
                f"rows, got {sorted(nrows)}"
            )
        values = _concat_values([r.values for r in rts])
        offsets = np.cumsum([0] + [int(r.values.shape[0]) for r in rts])
        splits = [np.asarray(r.row_splits.numpy()) for r in rts]
        starts = np.stack([s[:-1] + o for s, o in zip(splits, offsets)], axis=1).reshape(-1)
        lengths = np.stack([np.diff(s) for s in splits], axis=1).reshape(-1)
        order = _ranges(starts, lengths)
        row_lengths = np.sum(np.stack([np.diff(s) for s in splits], axis=1), axis=1)
        return RaggedTensor.from_row_lengths(gather_rows(values, order), row_lengths)
    return _map_inner(lambda vs: get_op("ConcatV2")(*vs, axis=axis - rts[0].ragged_rank), rts)


def _concat_values(values):
    if len(values) == 1:
        return values[0]
    if any(isinstance(v, RaggedTensor) for v in values):
        return _concat_rows(values)
    if values[0].dtype == dtypes.string:
        return wrap(np.concatenate([v._value for v in values], axis=0))
    return get_op("ConcatV2")(*values, axis=0)


def _concat_rows(rts):
    values = _concat_values([r.values for r in rts])
    lengths = np.concatenate([np.diff(np.asarray(r.row_splits.numpy())) for r in rts])
    return RaggedTensor.from_row_lengths(values, lengths)


def _map_inner(fn, rts):
    for r in rts[1:]:
        _aligned_ragged(r, rts[0])
    return rts[0].with_flat_values(fn([r.flat_values for r in rts]))


def _tile(op, inputs, attrs):
    rt, multiples = inputs[0], list(attrs["multiples"])
    if rt.ragged_rank != 1 or len(multiples) != rt.shape.rank:
        raise ValueError("Tile: tapeflow tiles a RaggedTensor of ragged_rank 1 only")
    splits = np.asarray(rt.row_splits.numpy())
    lengths = np.diff(splits)
    m0, m1 = multiples[0], multiples[1]
    # Each row repeats its own values m1 times, then the rows repeat m0 times.
    row_idx = [np.tile(np.arange(a, b), m1) for a, b in zip(splits[:-1], splits[1:])]
    row_idx = row_idx * m0
    order = np.concatenate(row_idx) if row_idx else np.zeros(0, np.int64)
    values = gather_rows(rt.values, order)
    if len(multiples) > 2:
        values = get_op("Tile")(values, multiples=(1,) + tuple(multiples[2:]))
    return RaggedTensor.from_row_lengths(values, np.tile(lengths * m1, m0))


def _reverse(op, inputs, attrs):
    rt = inputs[0]
    for axis in attrs["axis"]:
        if axis == 0:
            rt = gather_rows(rt, np.arange(rt.nrows_static())[::-1].copy())
        elif axis == 1:
            splits = np.asarray(rt.row_splits.numpy())
            order = np.concatenate(
                [np.arange(a, b)[::-1] for a, b in zip(splits[:-1], splits[1:])] or [[]]
            ).astype(np.int64)
            rt = RaggedTensor(gather_rows(rt.values, order), rt.row_splits, internal=True)
        elif axis > rt.ragged_rank:
            rt = rt.with_flat_values(
                get_op("ReverseV2")(rt.flat_values, axis=(axis - rt.ragged_rank,))
            )
        else:
            raise ValueError(
                f"ReverseV2: tapeflow reverses axes 0, 1 and uniform axes; got {axis}"
            )
    return rt


def _gather(op, inputs, attrs):
    params, indices = inputs
    axis, batch_dims = attrs.get("axis", 0), attrs.get("batch_dims", 0)
    if isinstance(indices, RaggedTensor) and not isinstance(params, RaggedTensor):
        return indices.with_flat_values(op(params, indices.flat_values, **attrs))
    if isinstance(params, RaggedTensor) and not isinstance(indices, RaggedTensor):
        if axis != 0 or batch_dims != 0:
            raise ValueError("GatherV2: tapeflow gathers rows (axis 0) of a RaggedTensor only")
        idx = np.asarray(convert_to_tensor(indices).numpy()).astype(np.int64)
        n = params.nrows_static()
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise InvalidArgumentError(f"GatherV2: indices {idx.tolist()} out of range [0, {n})")
        rows = gather_rows(params, idx.reshape(-1) % max(n, 1))
        if idx.ndim == 1:
            return rows
        if idx.ndim == 0:
            return rows[0]
        lengths = np.full(int(np.prod(idx.shape[:-1])), idx.shape[-1])
        out = RaggedTensor.from_row_lengths(rows, lengths)
        out._uniform_row_length = idx.shape[-1]
        return out
    raise ValueError("GatherV2: tapeflow cannot gather a RaggedTensor with ragged indices")


def _pack(op, inputs, attrs):
    if attrs.get("axis", 0) != 0:
        raise ValueError("Pack: tapeflow stacks RaggedTensors along axis 0 only (tf.stack)")
    from .ragged import stack

    return stack(list(inputs))


def _expand_dims(op, inputs, attrs):
    rt, axis = inputs[0], attrs["axis"]
    axis = axis[0] if isinstance(axis, (tuple, list)) else axis
    rank = rt.shape.rank
    if not -rank - 1 <= axis <= rank:
        raise InvalidArgumentError(f"ExpandDims: axis {axis} is out of range for rank {rank}")
    axis %= rank + 1
    if axis == 0:  # one row holding every row
        n = rt.nrows_static()
        out = RaggedTensor.from_row_splits(rt, wrap(np.asarray([0, n], np.int64)), validate=False)
        out._uniform_row_length = n
        return out
    if axis > rt.ragged_rank:
        return _expand(rt, axis, "ExpandDims")
    raise ValueError(
        f"ExpandDims: tapeflow inserts axis 0 or a uniform axis of a RaggedTensor, got {axis}"
    )


def _squeeze(op, inputs, attrs):
    rt = inputs[0]
    axes = attrs.get("axis") or ()
    axes = tuple(a % rt.shape.rank for a in (axes if isinstance(axes, (tuple, list)) else (axes,)))
    if not axes or any(a <= rt.ragged_rank for a in axes):
        raise ValueError(
            "Squeeze: tapeflow squeezes named uniform axes of a RaggedTensor only; got "
            f"axis={attrs.get('axis')!r} for ragged_rank {rt.ragged_rank}"
        )
    inner = tuple(a - rt.ragged_rank for a in axes)
    return rt.with_flat_values(op(rt.flat_values, axis=inner))


def _softmax(op, inputs, attrs):
    """Softmax over the innermost ragged dimension: each row of values on its own."""
    rt = inputs[0]
    axis = attrs.get("axis", -1)
    if rt.flat_values.shape.rank != 1 or axis not in (-1, rt.shape.rank - 1):
        raise ValueError(f"{op.name}: tapeflow applies softmax to the last (ragged) axis only")
    inner = rt
    for _ in range(rt.ragged_rank - 1):
        inner = inner.values
    ids = wrap(to_backend(np.asarray(inner.value_rowids().numpy())))
    n = inner.nrows_static()
    x = rt.flat_values
    shift = get_op("GatherV2")(
        get_op("UnsortedSegmentMax")(get_op("StopGradient")(x), ids, num_segments=n),
        ids, axis=0, batch_dims=0,
    )  # fmt: skip
    z = get_op("Sub")(x, shift)
    total = get_op("UnsortedSegmentSum")(get_op("Exp")(z), ids, num_segments=n)
    total = get_op("GatherV2")(total, ids, axis=0, batch_dims=0)
    return rt.with_flat_values(get_op("RealDiv")(get_op("Exp")(z), total))


def _shape(op, inputs, attrs):
    from .ragged_shape import DynamicRaggedShape

    return DynamicRaggedShape.from_tensor(inputs[0], dtype=attrs.get("out_type", "int32"))


def _rank(op, inputs, attrs):
    return wrap(np.asarray(inputs[0].shape.rank, np.int32))


def _size(op, inputs, attrs):
    rt = inputs[0]
    return get_op("Size")(rt.flat_values, **attrs)


HANDLERS = {
    "ConcatV2": _concat,
    "Tile": _tile,
    "ReverseV2": _reverse,
    "GatherV2": _gather,
    "Shape": _shape,
    "Pack": _pack,
    "Squeeze": _squeeze,
    "ExpandDims": _expand_dims,
    "Softmax": _softmax,
    "Rank": _rank,
    "Size": _size,
}
