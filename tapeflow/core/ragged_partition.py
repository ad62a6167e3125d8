"""Row partitions of a RaggedTensor: row ids <-> row splits, each value's position, the
SparseTensor and dense conversions, merge_dims (host index arithmetic on the splits; values
move through ops, so gradients reach them)."""

from __future__ import annotations

import numpy as np

from . import dtypes
from .errors import ArgumentTypeError, InvalidArgumentError
from .registry import get_op
from .tensor import Tensor, convert_to_tensor


def _as_index_vector(x, what) -> Tensor:
    t = convert_to_tensor(x, dtype_hint=dtypes.int64)
    if not t.dtype.is_integer or t.ndim != 1:
        raise ValueError(f"RaggedTensor: {what} must be a vector of integers, got {t!r}")
    return t if t.dtype == dtypes.int64 else get_op("Cast")(t, dtype="int64")


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """Row splits from sorted row ids: `[0, 0, 2] -> [0, 2, 2, 3]` (`tf.ragged`)."""
    ids = _as_index_vector(segment_ids, "segment_ids")
    n = -1 if num_segments is None else _num_segments(num_segments)
    return get_op("SegmentIdsToRowSplits")(ids, num_segments=n)


def _num_segments(value) -> int:
    t = convert_to_tensor(value)
    if not t.dtype.is_integer or t.ndim != 0:
        raise ArgumentTypeError(
            f"segment_ids_to_row_splits: num_segments must be a scalar int, got {value!r}"
        )
    n = int(t)
    if n < 0:
        raise InvalidArgumentError(
            f"segment_ids_to_row_splits: num_segments must be non-negative, got {n}"
        )
    return n


def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """The row of each value: `[0, 2, 2, 3] -> [0, 0, 2]` (`tf.ragged`)."""
    splits = _as_index_vector(splits, "splits")
    if splits.shape[0] == 0:
        raise ValueError("row_splits_to_segment_ids: Invalid row_splits: [] (needs at least 0)")
    return get_op("RowSplitsToSegmentIds")(splits)


def value_positions(rt) -> np.ndarray:
    """[nvals, ragged_rank + 1] host int64: each flat value's (row, position, ...) index."""
    splits = [np.asarray(s.numpy()) for s in rt.nested_row_splits]
    return positions_from_splits(splits, int(splits[-1][-1]) if splits[-1].size else 0)


def positions_from_splits(splits, nvals: int) -> np.ndarray:
    """`value_positions` from host row splits (outermost first) and the flat values' count."""
    idx = np.arange(nvals)
    columns = []
    for s in reversed(splits):
        rows = np.repeat(np.arange(s.size - 1), np.diff(s))[idx]
        columns.append(idx - s[rows])
        idx = rows
    columns.append(idx)
    return np.stack(columns[::-1], axis=1).astype(np.int64)


def to_sparse(rt):
    """A SparseTensor holding every value of `rt` at its (row, column, ...) position."""
    from .ragged import _dense_shape
    from .sparse import SparseTensor

    positions = value_positions(rt)
    flat = rt.flat_values
    inner = tuple(flat.shape[1:])
    if inner:  # each inner (uniform) element gets its own coordinates
        grid = np.indices(inner).reshape(len(inner), -1).T
        positions = np.concatenate(
            [np.repeat(positions, len(grid), axis=0), np.tile(grid, (len(positions), 1))],
            axis=1,
        )
        flat = get_op("Reshape")(flat, shape=(-1,))
    shape = _dense_shape(rt)
    return SparseTensor(positions.astype(np.int64), flat, np.asarray(shape, np.int64))


def from_sparse(cls, st_input):
    """The rows of a 2-D SparseTensor, each row's values in order (indices sorted)."""
    indices = np.asarray(st_input.indices.numpy())
    if indices.ndim != 2 or indices.shape[1] != 2:
        raise ValueError(
            f"RaggedTensor.from_sparse: the SparseTensor must have rank 2, got indices of "
            f"shape {list(indices.shape)}"
        )
    nrows = int(np.asarray(st_input.dense_shape.numpy())[0])
    order = indices[:, 0] * (indices[:, 1].max(initial=0) + 1) + indices[:, 1]
    if indices.size and np.any(np.diff(order) < 0):
        raise InvalidArgumentError(
            "RaggedTensor.from_sparse: the SparseTensor's indices must be sorted in "
            "row-major order (use tf.sparse.reorder)"
        )
    return cls.from_value_rowids(st_input.values, indices[:, 0], nrows=nrows)


def from_tensor(cls, tensor, lengths, padding, ragged_rank):
    """The rows of a dense `tensor` (cut to `lengths`, or before trailing `padding`)."""
    tensor = convert_to_tensor(tensor)
    if not isinstance(ragged_rank, int) or not 0 < ragged_rank < tensor.ndim:
        raise ValueError(
            f"RaggedTensor.from_tensor: ragged_rank must be in [1, rank) = [1, "
            f"{tensor.ndim}), got {ragged_rank!r}"
        )
    if ragged_rank > 1:
        # The outer dimensions are uniform rows of the innermost ragged dimension.
        if lengths is not None:
            raise NotImplementedError(
                "RaggedTensor.from_tensor: tapeflow takes `lengths` with ragged_rank=1 "
                "only (use padding=, or build with from_nested_row_lengths)"
            )
        outer = [int(d) for d in tensor.shape[:ragged_rank]]
        rows = get_op("Reshape")(tensor, shape=(-1,) + tuple(tensor.shape[ragged_rank:]))
        out = cls.from_tensor(rows, padding=padding)
        for width in reversed(outer[1:]):
            out = cls.from_uniform_row_length(out, width, nrows=None)
        return out
    dense = tensor.numpy()
    nrows, ncols = dense.shape[:2]
    if lengths is not None:
        row_lengths = np.asarray(convert_to_tensor(lengths).numpy(), np.int64)
    elif padding is not None:
        pad = convert_to_tensor(padding, dtype=tensor.dtype).numpy()
        is_pad = dense == pad
        is_pad = is_pad.reshape(nrows, ncols, -1).all(axis=2)
        keep = ~np.flip(np.logical_and.accumulate(np.flip(is_pad, 1), axis=1), 1)
        row_lengths = keep.sum(axis=1).astype(np.int64)
    else:
        row_lengths = np.full(nrows, ncols, np.int64)
    mask = np.arange(ncols)[None, :] < row_lengths[:, None]
    from .ragged_index import gather_rows  # values gathered by an op: gradients flow

    flat = get_op("Reshape")(tensor, shape=(-1,) + tuple(tensor.shape[2:]))
    kept = gather_rows(flat, np.flatnonzero(mask.reshape(-1)))
    out = cls.from_row_lengths(kept, row_lengths)
    if lengths is None and padding is None:
        out._uniform_row_length = ncols  # every row is full: TF keeps the width
    return out


def merge_dims(self, outer_axis, inner_axis):
    """Dimensions outer_axis..inner_axis merged into one (row-major), as TF's."""
    rank = self.shape.rank
    a, b = outer_axis % rank, inner_axis % rank
    if a > b:
        raise ValueError(
            f"RaggedTensor.merge_dims: outer_axis ({outer_axis}) must be <= inner_axis "
            f"({inner_axis})"
        )
    if a == b:
        return self
    if a > 0:
        if a == 1:
            splits, values = self._row_splits, self._values
            for _ in range(b - 1):  # compose the partitions being merged into ours
                if isinstance(values, type(self)):
                    splits = get_op("GatherV2")(values._row_splits, splits, axis=0,
                                                batch_dims=0)  # fmt: skip
                    values = values._values
                else:
                    width = int(values.shape[1])
                    splits = splits * width
                    shape = (-1,) + tuple(values.shape[2:])
                    values = get_op("Reshape")(values, shape=shape)
            return type(self)(values, splits, internal=True)
        return self.with_values(_merge(self._values, a - 1, b - 1))
    values = self
    for _ in range(b):
        if not isinstance(values, type(self)):
            return get_op("Reshape")(values, shape=(-1,) + tuple(values.shape[2:]))
        values = values._values
    return values


def _merge(values, a, b):
    if hasattr(values, "ragged_rank"):
        return values.merge_dims(a, b)
    shape = list(values.shape)
    merged = int(np.prod(shape[a : b + 1]))
    return get_op("Reshape")(values, shape=tuple(shape[:a] + [merged] + shape[b + 1 :]))
