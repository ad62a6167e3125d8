"""SparseTensor components in tf.data: a sparse value that slices, gathers and stacks by rows.

Datasets move flat tuples of backend arrays. A SparseTensor component travels as a
`SparseArray` (NumPy indices, values and dense shape) that answers the few array operations
the pipeline uses (`shape`, `ndim`, `dtype`, `take`, slicing, `a[i]`), so slicing, shuffling
and batching work unchanged; `stack` and `concatenate` batch and re-cut them. As in TF, a
batch of SparseTensors has the largest dense shape of its elements.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_backend, to_numpy
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.sparse import SparseTensor, SparseTensorSpec
from ..core.tensor import wrap


class SparseArray:
    """A SparseTensor's components as NumPy arrays, indexable by rows (see the docstring)."""

    __slots__ = ("indices", "values", "dense_shape")

    def __init__(self, indices, values, dense_shape):
        self.indices = indices
        self.values = values
        self.dense_shape = tuple(int(d) for d in dense_shape)

    @classmethod
    def from_sparse(cls, sp: SparseTensor) -> SparseArray:
        return cls(
            np.asarray(to_numpy(sp.indices._value), np.int64),
            to_numpy(sp.values._value),
            to_numpy(sp.dense_shape._value),
        )

    def to_sparse(self) -> SparseTensor:
        shape = np.asarray(self.dense_shape, np.int64)
        parts = (self.indices, self.values, shape)  # host arrays; text values stay there
        return SparseTensor._from_components(tuple(wrap(to_backend(a)) for a in parts))

    def to_dense_numpy(self):
        """The dense NumPy array (what TF's `as_numpy_iterator` gives for a SparseTensor)."""
        zero = b"" if self.values.dtype == object else 0
        out = np.full(self.dense_shape, zero, dtype=self.values.dtype)
        out[tuple(self.indices.T)] = self.values
        return out

    @property
    def shape(self) -> tuple:
        return self.dense_shape

    @property
    def ndim(self) -> int:
        return len(self.dense_shape)

    @property
    def dtype(self):
        return self.values.dtype

    def spec(self) -> SparseTensorSpec:
        return SparseTensorSpec(self.dense_shape, dtypes.from_numpy(self.values.dtype))

    def copy(self) -> SparseArray:
        return self  # immutable: nothing writes into its arrays

    def take(self, rows, axis=0) -> SparseArray:
        """The rows `rows` (in that order, repeats allowed) as a new leading dimension."""
        rows = np.asarray(to_numpy(rows), np.int64).reshape(-1)
        order = np.argsort(self.indices[:, 0], kind="stable")
        first = self.indices[order, 0]
        starts = np.searchsorted(first, rows, side="left")
        stops = np.searchsorted(first, rows, side="right")
        picked = [order[a:b] for a, b in zip(starts, stops)]
        pos = np.concatenate(picked) if picked else np.zeros(0, np.int64)
        new_row = np.repeat(np.arange(len(rows), dtype=np.int64), [len(p) for p in picked])
        indices = self.indices[pos].copy()
        indices[:, 0] = new_row
        return SparseArray(indices, self.values[pos], (len(rows),) + self.dense_shape[1:])

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) == 2 and key[1] is Ellipsis:
            key = key[0]
        if isinstance(key, slice):
            return self.take(np.arange(*key.indices(self.dense_shape[0])))
        if isinstance(key, np.ndarray) and key.ndim == 1:
            return self.take(key)
        if isinstance(key, (int, np.integer)):
            i = int(key)
            mine = self.indices[:, 0] == i
            return SparseArray(self.indices[mine, 1:], self.values[mine], self.dense_shape[1:])
        raise TypeError(f"SparseArray rows: unsupported index {key!r}")


def is_sparse_array(x) -> bool:
    return isinstance(x, SparseArray)


def stack(parts) -> SparseArray:
    """The elements `parts` as one SparseArray with a new leading (batch) dimension."""
    ranks = {p.ndim for p in parts}
    if len(ranks) > 1:
        raise InvalidArgumentError(
            f"Cannot batch SparseTensors of different ranks: got ranks {sorted(ranks)}"
        )
    shape = tuple(np.max([p.dense_shape for p in parts], axis=0).tolist()) if ranks != {0} else ()
    indices = [
        np.concatenate([np.full((len(p.values), 1), i, np.int64), p.indices], axis=1)
        for i, p in enumerate(parts)
    ]
    return SparseArray(
        np.concatenate(indices).astype(np.int64),
        np.concatenate([p.values for p in parts]),
        (len(parts),) + shape,
    )


def concatenate(parts) -> SparseArray:
    """SparseArrays joined along their leading dimension (other dimensions: the largest)."""
    inner = np.max([p.dense_shape[1:] for p in parts], axis=0).tolist() if parts else []
    offsets = np.cumsum([0] + [p.dense_shape[0] for p in parts])
    indices = []
    for p, offset in zip(parts, offsets):
        shifted = p.indices.copy()
        shifted[:, 0] += offset
        indices.append(shifted)
    return SparseArray(
        np.concatenate(indices).astype(np.int64),
        np.concatenate([p.values for p in parts]),
        (int(offsets[-1]),) + tuple(inner),
    )


def empty_like_spec(spec: SparseTensorSpec) -> SparseArray:
    """An empty SparseArray fitting `spec` (unknown dimensions 1), for a placeholder element."""
    dims = [1] if spec.shape.rank is None else [1 if d is None else d for d in spec.shape]
    return SparseArray(np.zeros((0, len(dims)), np.int64), np.zeros(0, spec.dtype._np), dims)
