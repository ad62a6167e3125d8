"""RaggedTensor components in tf.data: a ragged value that slices, gathers and stacks by rows.

As `sparse_rows.SparseArray` does for SparseTensors, a `RaggedArray` (host NumPy flat values
and row splits) answers the array operations the pipeline uses (`shape`, `ndim`, `dtype`,
`take`, slicing, `a[i]`), so slicing, shuffling, batching and unbatching work unchanged.
As in TF, a row of a 2-D ragged component is a plain Tensor whose spec stays a
`RaggedTensorSpec` of ragged_rank 0, so batching such rows gives a RaggedTensor again.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_backend, to_numpy
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.ragged import RaggedTensor
from ..core.ragged_spec import RaggedTensorSpec
from ..core.tensor import wrap


class RaggedArray:
    """Flat values cut by `splits` (outermost first); no splits: ragged_rank 0 (one row)."""

    __slots__ = ("flat", "splits")

    def __init__(self, flat, splits):
        self.flat = flat
        self.splits = [np.asarray(s, np.int64) for s in splits]

    @classmethod
    def from_ragged(cls, rt: RaggedTensor) -> RaggedArray:
        return cls(
            to_numpy(rt.flat_values._value), [to_numpy(s._value) for s in rt.nested_row_splits]
        )

    @classmethod
    def from_dense(cls, array, ragged_rank: int) -> RaggedArray:
        """A dense array whose first `ragged_rank` + 1 dimensions become rows (uniform)."""
        array = to_numpy(array)
        splits, count = [], 1
        for d in array.shape[:ragged_rank]:
            count *= d
        rows = array.shape[0] if array.ndim else 1
        for level in range(ragged_rank):
            width = array.shape[level + 1]
            splits.append(np.arange(rows + 1, dtype=np.int64) * width)
            rows *= width
        flat = array.reshape((-1,) + array.shape[ragged_rank + 1 :]) if ragged_rank else array
        return cls(flat, splits)

    def to_user(self):
        """The RaggedTensor (ragged_rank 0: the Tensor) this component stands for."""
        flat = wrap(to_backend(self.flat))
        if not self.splits:
            return flat
        return RaggedTensor.from_nested_row_splits(
            flat, [wrap(to_backend(s)) for s in self.splits], validate=False
        )

    def to_dense_numpy(self):
        """What `as_numpy_iterator` gives: TF's ragged numpy (nested object arrays)."""
        out = self.to_user()
        return out.numpy()

    @property
    def ragged_rank(self) -> int:
        return len(self.splits)

    @property
    def shape(self) -> tuple:
        if not self.splits:
            return tuple(self.flat.shape)
        return (self.splits[0].size - 1,) + (None,) * len(self.splits) + self.flat.shape[1:]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self):
        return self.flat.dtype

    def spec(self) -> RaggedTensorSpec:
        shape = list(self.shape)
        if not self.splits:
            shape[0] = None  # rows of a ragged component differ in length
        return RaggedTensorSpec(shape, dtypes.from_numpy(self.flat.dtype), len(self.splits))

    def copy(self) -> RaggedArray:
        return self  # immutable: nothing writes into its arrays

    def _row_range(self, rows):
        """(flat values, inner splits) of the rows `rows`, as a new outer dimension."""
        rows = np.asarray(rows, np.int64)
        new_splits = []
        for s in self.splits:
            starts, lengths = s[rows], s[rows + 1] - s[rows]
            new_splits.append(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
            total = int(lengths.sum())
            offsets = np.repeat(starts - new_splits[-1][:-1], lengths)
            rows = np.arange(total, dtype=np.int64) + offsets
        return self.flat[rows], new_splits

    def take(self, rows, axis=0) -> RaggedArray:
        rows = np.asarray(to_numpy(rows), np.int64).reshape(-1)
        if not self.splits:
            return RaggedArray(self.flat[rows], [])
        flat, splits = self._row_range(rows)
        return RaggedArray(flat, splits)

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) == 2 and key[1] is Ellipsis:
            key = key[0]
        if isinstance(key, slice):
            n = self.shape[0]
            return self.take(np.arange(*key.indices(n)))
        if isinstance(key, np.ndarray) and key.ndim == 1:
            return self.take(key)
        if isinstance(key, (int, np.integer)):
            if not self.splits:
                return self.flat[int(key)]
            i = int(key)
            s = self.splits[0]
            sub = RaggedArray(self.flat, self.splits[1:])
            if not sub.splits:
                return RaggedArray(self.flat[s[i] : s[i + 1]], [])
            return sub.take(np.arange(s[i], s[i + 1]))
        raise TypeError(f"RaggedArray rows: unsupported index {key!r}")


def is_ragged_array(x) -> bool:
    return isinstance(x, RaggedArray)


def stack(parts) -> RaggedArray:
    """The elements `parts` (RaggedArrays or dense arrays) as rows of one RaggedArray."""
    parts = [p if isinstance(p, RaggedArray) else RaggedArray(to_numpy(p), []) for p in parts]
    ranks = {p.ragged_rank for p in parts}
    if len(ranks) > 1:
        raise InvalidArgumentError(
            f"Cannot batch RaggedTensors of different ragged ranks: got {sorted(ranks)}"
        )
    inner = {p.flat.shape[1:] for p in parts}
    if len(inner) > 1:
        raise InvalidArgumentError(
            f"Cannot batch ragged elements whose uniform inner shapes differ: {sorted(inner)}"
        )
    outer = np.concatenate([[0], np.cumsum([p.shape[0] for p in parts])]).astype(np.int64)
    splits = [outer]
    for level in range(ranks.pop()):
        offsets = np.cumsum([0] + [int(p.splits[level][-1]) for p in parts[:-1]])
        pieces = [p.splits[level][:-1] + o for p, o in zip(parts, offsets)]
        last = offsets[-1] + int(parts[-1].splits[level][-1]) if parts else 0
        splits.append(np.concatenate(pieces + [[last]]).astype(np.int64))
    flat = np.concatenate([p.flat for p in parts]) if parts else np.zeros(0)
    return RaggedArray(flat, splits)


def concatenate(parts) -> RaggedArray:
    """RaggedArrays joined along their rows."""
    if not parts[0].splits:
        return RaggedArray(np.concatenate([p.flat for p in parts]), [])
    rows = [p[i] for p in parts for i in range(p.shape[0])]
    return stack(rows)


def empty_like_spec(spec: RaggedTensorSpec) -> RaggedArray:
    """A RaggedArray fitting `spec` (unknown dimensions 1), for a placeholder element."""
    return RaggedArray.from_ragged(spec._example())


def ragged_batch_spec(spec, batch_size, drop_remainder):
    """The spec of a `ragged_batch`: unknown dimensions of a dense component become ragged."""
    from ..core.spec import TensorSpec

    lead = [batch_size if drop_remainder else None]
    if isinstance(spec, RaggedTensorSpec):
        return RaggedTensorSpec(lead + spec.shape.as_list(), spec.dtype, spec.ragged_rank + 1)
    dims = spec.shape.as_list() if spec.shape.rank is not None else None
    if dims is None:
        raise ValueError("ragged_batch: cannot batch a component of unknown rank")
    if not dims:
        return TensorSpec(lead, spec.dtype)
    # TF makes the dimensions unknown in the element spec ragged. tapeflow learns a map's
    # output spec from a real element, so its dimensions look known where TF's trace has
    # None: the outermost dimension is made ragged in any case (rows of equal length are a
    # valid RaggedTensor), so the result is ragged as in TF.
    unknown = [i for i, d in enumerate(dims) if d is None]
    ragged_rank = (max(unknown) if unknown else 0) + 1
    return RaggedTensorSpec(lead + [None] * ragged_rank + dims[ragged_rank:], spec.dtype,
                            ragged_rank)  # fmt: skip


def ragged_stack(arrays, spec):
    """One `ragged_batch` component from its elements, as `ragged_batch_spec` says."""
    from ..backend import xp
    from ..core.spec import TensorSpec

    out_spec = ragged_batch_spec(spec, None, False)
    if isinstance(out_spec, TensorSpec):
        return xp.stack(arrays)
    inner_rank = out_spec.ragged_rank - 1
    parts = [a if isinstance(a, RaggedArray) else RaggedArray.from_dense(a, inner_rank)
             for a in arrays]  # fmt: skip
    return stack(parts)
