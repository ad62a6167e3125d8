"""`tf.experimental.DynamicRaggedShape` and `RowPartition`: the shape of a RaggedTensor.

`tf.shape(rt)` gives a DynamicRaggedShape: the number of rows, the row lengths of each
ragged dimension, and the uniform inner dimensions. Indexing a uniform dimension gives its
size; a ragged one is TF's ValueError. `tf.zeros/ones/fill/reshape` accept it and build a
RaggedTensor of that shape.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_backend
from ..core import dtypes
from ..core.ragged import RaggedTensor
from ..core.tensor import convert_to_tensor, wrap


class RowPartition:
    """How a dimension is cut into rows: the row splits (as TF's RowPartition)."""

    __slots__ = ("_splits",)

    def __init__(self, splits):
        self._splits = np.asarray(splits, np.int64)

    @classmethod
    def from_row_lengths(cls, row_lengths, validate=True, dtype=None, dtype_hint=None):
        lengths = np.asarray(np.asarray(convert_to_tensor(row_lengths).numpy()), np.int64)
        if validate and np.any(lengths < 0):
            raise ValueError(f"RowPartition: row lengths must be >= 0, got {lengths.tolist()}")
        return cls(np.concatenate([[0], np.cumsum(lengths)]))

    @classmethod
    def from_row_splits(cls, row_splits, validate=True, dtype=None, dtype_hint=None):
        splits = np.asarray(np.asarray(convert_to_tensor(row_splits).numpy()), np.int64)
        if validate and (splits.size == 0 or splits[0] != 0 or np.any(np.diff(splits) < 0)):
            raise ValueError(f"RowPartition: invalid row splits {splits.tolist()}")
        return cls(splits)

    def row_splits(self):
        return wrap(to_backend(self._splits))

    def row_lengths(self):
        return wrap(to_backend(np.diff(self._splits)))

    def nrows(self):
        return wrap(np.int64(self._splits.size - 1))

    def nvals(self):
        return wrap(np.int64(self._splits[-1]))

    def __repr__(self):
        return f"tf.RowPartition(row_splits={self._splits})"


class DynamicRaggedShape:
    """The shape of a RaggedTensor or Tensor: row partitions, then the inner shape."""

    __slots__ = ("_partitions", "_inner", "_dtype")
    _is_ragged_shape = True  # what tf.zeros/ones/fill/reshape look for

    def __init__(
        self, row_partitions, inner_shape, dtype=None, validate=True, static_inner_shape=None
    ):
        self._partitions = list(row_partitions)
        inner = np.asarray(convert_to_tensor(inner_shape).numpy()).reshape(-1)
        self._inner = [int(d) for d in inner]
        self._dtype = dtypes.as_dtype(dtype or dtypes.int64)
        if validate and self._partitions:
            if self._inner and self._inner[0] != int(self._partitions[-1]._splits[-1]):
                raise ValueError(
                    f"DynamicRaggedShape: inner_shape[0] ({self._inner[0]}) must equal the "
                    f"number of values of the last row partition "
                    f"({int(self._partitions[-1]._splits[-1])})"
                )

    @classmethod
    def from_tensor(cls, t, dtype="int32"):
        if isinstance(t, RaggedTensor):
            parts = [RowPartition(np.asarray(s.numpy())) for s in t.nested_row_splits]
            return cls(parts, list(t.flat_values.shape), dtype=dtype, validate=False)
        return cls([], list(convert_to_tensor(t).shape), dtype=dtype, validate=False)

    @classmethod
    def from_lengths(cls, lengths, num_row_partitions=None, dtype=dtypes.int64):
        """[nrows, (row lengths...), uniform dims...]: a tuple marks a ragged dimension;
        every dimension up to the last ragged one becomes a row partition."""
        lengths = list(lengths)
        if not lengths:
            return cls([], [], dtype=dtype)
        ragged = [i for i, d in enumerate(lengths) if isinstance(d, (tuple, list))]
        last = max(ragged) if ragged else 0
        parts, count = [], int(lengths[0])
        for i, d in enumerate(lengths[1 : last + 1], start=1):
            row_lengths = list(d) if isinstance(d, (tuple, list)) else [int(d)] * count
            if len(row_lengths) != count:
                raise ValueError(
                    f"DynamicRaggedShape.from_lengths: dimension {i} has {len(row_lengths)} "
                    f"row lengths for {count} rows"
                )
            parts.append(RowPartition.from_row_lengths(np.asarray(row_lengths, np.int64)))
            count = int(sum(row_lengths))
        inner = [count] + [int(d) for d in lengths[last + 1 :]]
        return cls(parts, inner, dtype=dtype)

    @property
    def num_row_partitions(self) -> int:
        return len(self._partitions)

    @property
    def row_partitions(self) -> list:
        return list(self._partitions)

    @property
    def inner_shape(self):
        return wrap(np.asarray(self._inner, self._dtype._np))

    @property
    def rank(self) -> int:
        return len(self._partitions) + len(self._inner)

    @property
    def dtype(self):
        return self._dtype

    def _lengths(self) -> list:
        if not self._partitions:
            return list(self._inner)
        out = [int(self._partitions[0]._splits.size - 1)]
        for p in self._partitions:
            lengths = np.diff(p._splits)
            if lengths.size and np.all(lengths == lengths[0]):
                out.append(int(lengths[0]))
            else:
                out.append(tuple(int(v) for v in lengths))
        return out + list(self._inner[1:])

    def __getitem__(self, key):
        lengths = self._lengths()
        if isinstance(key, slice):
            start, stop, step = key.indices(len(lengths))
            if start != 0 or step != 1:
                raise ValueError("DynamicRaggedShape: only prefix slices [:n] are supported")
            if stop <= 1:
                return DynamicRaggedShape([], lengths[:stop], dtype=self._dtype, validate=False)
            parts = self._partitions[: stop - 1]
            nvals = int(parts[-1]._splits[-1])
            inner = [nvals] + [int(d) for d in lengths[len(parts) + 1 : stop]]
            return DynamicRaggedShape(parts, inner, dtype=self._dtype, validate=False)
        index = int(key)
        if not -len(lengths) <= index < len(lengths):
            raise IndexError(f"Index {index} out of range for a shape of rank {len(lengths)}")
        value = lengths[index]
        if isinstance(value, tuple):
            raise ValueError(f"Index {index} is not uniform")
        return wrap(np.asarray(value, self._dtype._np))

    def __len__(self):
        return self.rank

    def _build(self, flat):
        """A RaggedTensor of this shape over `flat` (one value per inner element)."""
        result = flat
        for p in reversed(self._partitions):
            result = RaggedTensor.from_row_splits(result, wrap(p._splits), validate=False)
        return result

    def _num_values(self) -> int:
        return int(np.prod(self._inner)) if self._inner else 1

    def __repr__(self):
        text = ", ".join(
            "(" + ", ".join(map(str, d)) + ")" if isinstance(d, tuple) else str(d)
            for d in self._lengths()
        )
        return (
            f"<DynamicRaggedShape lengths=[{text}] num_row_partitions={self.num_row_partitions}>"
        )


def is_ragged_shape(x) -> bool:
    return isinstance(x, DynamicRaggedShape)


def ragged_fill(shape: DynamicRaggedShape, value):
    """tf.fill / zeros / ones for a DynamicRaggedShape: a RaggedTensor of that shape."""
    from .array import fill

    return shape._build(fill(shape._inner, value))


def ragged_reshape(tensor, shape: DynamicRaggedShape):
    """tf.reshape to a DynamicRaggedShape: the values in order, cut into its rows."""
    from .array import reshape

    t = tensor.flat_values if isinstance(tensor, RaggedTensor) else convert_to_tensor(tensor)
    return shape._build(reshape(t, shape._inner))
