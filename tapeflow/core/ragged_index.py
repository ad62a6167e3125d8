"""Indexing a `tf.RaggedTensor`: rows, row slices, and slices/indices inside every row.

As TF: `rt[i]` is row i (a Tensor, or a RaggedTensor for nested raggedness); `rt[a:b]`
keeps rows a..b; `rt[:, a:b]` slices every row (Python's rules per row); an int index into
a ragged dimension other than the first is TF's ValueError. Positions are computed on the host
from the row splits; the values are gathered with `GatherV2`, so gradients reach them.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_backend
from . import dtypes
from .registry import get_op
from .tensor import Operand, wrap


def _ragged_cls():
    from .ragged import RaggedTensor

    return RaggedTensor


def gather_rows(values, rows: np.ndarray):
    """The rows `rows` (host int64) of `values`, a Tensor or a RaggedTensor."""
    RaggedTensor = _ragged_cls()
    rows = np.asarray(rows, np.int64)
    if not isinstance(values, RaggedTensor):
        if values.dtype == dtypes.string:  # text lives on the host; no gradient to keep
            return wrap(values._value[rows])
        return get_op("GatherV2")(values, wrap(to_backend(rows)), axis=0, batch_dims=0)
    splits = np.asarray(values.row_splits.numpy())
    starts, lengths = splits[rows], splits[rows + 1] - splits[rows]
    inner = _ranges(starts, lengths)
    new_splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return RaggedTensor(
        gather_rows(values.values, inner), wrap(to_backend(new_splits)), internal=True
    )


def _ranges(starts, lengths) -> np.ndarray:
    """concat(range(s, s + n) for s, n in zip(starts, lengths)), vectorised."""
    total = int(np.sum(lengths))
    offsets = np.repeat(np.asarray(starts) - np.concatenate([[0], np.cumsum(lengths)[:-1]]),
                        lengths)  # fmt: skip
    return (np.arange(total) + offsets).astype(np.int64)


def _index(key, what: str) -> int:
    if isinstance(key, (bool, np.bool_)):
        raise TypeError(f"RaggedTensor {what} must be an int or a slice, got {key!r}")
    if isinstance(key, Operand):
        if not key.dtype.is_integer or key.shape.rank != 0:
            raise TypeError(f"RaggedTensor {what} must be a scalar int, got {key!r}")
    return int(key)


def getitem(rt, key):
    if not isinstance(key, tuple):
        key = (key,)
    if not key:
        return rt
    for k in key:
        if k is Ellipsis or k is None:
            raise ValueError(
                "RaggedTensor indexing: tapeflow does not support Ellipsis or tf.newaxis in a "
                "ragged index; index rows and values explicitly"
            )
    head, rest = key[0], key[1:]
    if isinstance(head, slice):
        rows = _slice_rows(rt, head)
        return _within_rows(rows, rest) if rest else rows
    i = _index(head, "row index")
    n = rt.nrows_static()
    if not -n <= i < n:
        raise IndexError(f"RaggedTensor: row index {i} is out of range for {n} rows")
    i %= n
    splits = rt.row_splits
    row = rt.values[int(splits[i]) : int(splits[i + 1])]
    if not rest:
        return row
    return row[rest if len(rest) > 1 else rest[0]]


def _slice_rows(rt, key: slice):
    start, stop, step = key.indices(rt.nrows_static())
    if step == 1:
        stop = max(stop, start)
        splits = rt.row_splits[start : stop + 1]
        lo, hi = int(rt.row_splits[start]), int(rt.row_splits[stop])
        return type(rt)(rt.values[lo:hi], splits - lo, internal=True)
    return gather_rows(rt, np.arange(start, stop, step))


def _within_rows(rt, key: tuple):
    """Applies `key[0]` inside every row of `rt` (its dimension 1), `key[1:]` below."""
    RaggedTensor = _ragged_cls()
    head, rest = key[0], key[1:]
    splits = np.asarray(rt.row_splits.numpy())
    lengths = np.diff(splits)
    if isinstance(head, slice):
        picked, new_lengths = [], []
        for start, length in zip(splits[:-1], lengths):
            positions = np.arange(*head.indices(int(length)))
            picked.append(start + positions)
            new_lengths.append(positions.size)
        idx = np.concatenate(picked) if picked else np.zeros(0, np.int64)
        new_splits = np.concatenate([[0], np.cumsum(new_lengths)]).astype(np.int64)
        values = gather_rows(rt.values, idx)
        if rest:
            values = values[(slice(None),) + rest]
        return RaggedTensor(values, wrap(new_splits), internal=True)
    raise ValueError("Cannot index into an inner ragged dimension.")
