"""`tf.RaggedTensor`: rows of different lengths, as a composite of dense tensors.

A RaggedTensor is `values` (a Tensor, or another RaggedTensor for more ragged dimensions)
cut into rows by `row_splits` (int64: row i is `values[row_splits[i]:row_splits[i + 1]]`),
as in TensorFlow; the tape and the tracer only ever see those dense tensors. Its methods run
registered ops (looked up by name: core does not import ops), so they trace like any op.
Here: construction, shape, rows, `to_tensor`, `to_list`/`numpy`, the composite-tensor
protocol; indexing is in ragged_index.py, partition helpers in ragged_partition.py, and
dense ops given a RaggedTensor (math, reductions, concat...) in ops/ragged_dispatch.py.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from . import dtypes
from .ragged_partition import (
    _as_index_vector,
    row_splits_to_segment_ids,
    segment_ids_to_row_splits,
    value_positions,
)
from .registry import get_op
from .shape import TensorShape, WatchedShape
from .tensor import Tensor, convert_to_tensor, wrap


class RaggedTensor:
    """Rows of different lengths: `values` cut by `row_splits` (see the module docstring)."""

    __slots__ = ("_values", "_row_splits", "_uniform_row_length")

    def __init__(self, values, row_partition, internal=False, uniform_row_length=None):
        if not internal:
            raise ValueError(
                "RaggedTensor constructor is private; please use one of the factory methods "
                "instead (e.g., RaggedTensor.from_row_lengths())"
            )
        self._values = values
        self._row_splits = row_partition  # the row splits (TF keeps a RowPartition here)
        # Every row has this many values (a dense dimension kept as ragged, as TF's
        # `uniform_row_length`): the shape shows it instead of None.
        self._uniform_row_length = uniform_row_length

    # ---- factories ----------------------------------------------------------------------------

    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True) -> RaggedTensor:
        """Row i is `values[row_splits[i]:row_splits[i + 1]]`."""
        values = _as_values(values)
        splits = _as_index_vector(row_splits, "row_splits")
        if validate:
            s = splits.numpy()
            nvals = _nrows_of(values)
            if s.size == 0 or s[0] != 0 or np.any(np.diff(s) < 0) or s[-1] != nvals:
                from .errors import InvalidArgumentError

                raise InvalidArgumentError(
                    f"RaggedTensor.from_row_splits: row_splits must start at 0, never "
                    f"decrease and end at the number of values ({nvals}); got {s.tolist()}"
                )
        return cls(values, splits, internal=True)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True) -> RaggedTensor:
        """Row i holds the next `row_lengths[i]` values."""
        lengths = _as_index_vector(row_lengths, "row_lengths")
        zero = wrap(xp.zeros(1, np.int64))
        splits = get_op("ConcatV2")(zero, get_op("Cumsum")(lengths, axis=0), axis=0)
        return cls.from_row_splits(values, splits, validate=validate)

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate=True) -> RaggedTensor:
        """Row i starts at `row_starts[i]` and ends where the next starts (or at the end)."""
        values = _as_values(values)
        starts = _as_index_vector(row_starts, "row_starts")
        end = wrap(xp.asarray([_nrows_of(values)], np.int64))
        return cls.from_row_splits(values, get_op("ConcatV2")(starts, end, axis=0),
                                   validate=validate)  # fmt: skip

    @classmethod
    def from_row_limits(cls, values, row_limits, name=None, validate=True) -> RaggedTensor:
        """Row i ends at `row_limits[i]` and starts where the previous ends (or at 0)."""
        limits = _as_index_vector(row_limits, "row_limits")
        zero = wrap(xp.zeros(1, np.int64))
        return cls.from_row_splits(values, get_op("ConcatV2")(zero, limits, axis=0),
                                   validate=validate)  # fmt: skip

    @classmethod
    def from_value_rowids(
        cls, values, value_rowids, nrows=None, name=None, validate=True
    ) -> RaggedTensor:
        """values[i] goes to row `value_rowids[i]` (sorted ascending); `nrows` rows."""
        values = _as_values(values)
        rowids = _as_index_vector(value_rowids, "value_rowids")
        splits = segment_ids_to_row_splits(rowids, nrows)
        return cls.from_row_splits(values, splits, validate=validate)

    @classmethod
    def from_uniform_row_length(cls, values, uniform_row_length, nrows=None, validate=True,
                                name=None) -> RaggedTensor:  # fmt: skip
        """Rows of `uniform_row_length` values each (a dense dimension, kept ragged)."""
        values = _as_values(values)
        width = int(uniform_row_length)
        nvals = _nrows_of(values)
        if width < 0 or (width and nvals % width) or (not width and nvals):
            raise ValueError(
                f"RaggedTensor.from_uniform_row_length: {nvals} values do not split into rows "
                f"of {width}"
            )
        n = nvals // width if width else int(nrows or 0)
        splits = wrap(xp.arange(n + 1, dtype=np.int64) * width)
        out = cls.from_row_splits(values, splits, validate=validate)
        out._uniform_row_length = width
        return out

    @classmethod
    def from_nested_row_splits(
        cls, flat_values, nested_row_splits, name=None, validate=True
    ) -> RaggedTensor:
        """Several ragged dimensions: the innermost splits apply to `flat_values` first."""
        result = flat_values
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(
        cls, flat_values, nested_row_lengths, name=None, validate=True
    ) -> RaggedTensor:
        """Several ragged dimensions given by row lengths, outermost first."""
        result = flat_values
        for lengths in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, lengths, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None):
        """The rows of a dense `tensor` (cut to `lengths`, or before trailing `padding`);
        with ragged_rank > 1 the outer dimensions are uniform rows."""
        from .ragged_partition import from_tensor

        return from_tensor(cls, tensor, lengths, padding, ragged_rank)

    # ---- structure ----------------------------------------------------------------------------

    @property
    def values(self):
        """The concatenated rows (a Tensor, or a RaggedTensor for nested raggedness)."""
        return self._values

    @property
    def row_splits(self) -> Tensor:
        return self._row_splits

    @property
    def flat_values(self) -> Tensor:
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def nested_row_splits(self) -> tuple:
        out, rt = [], self
        while isinstance(rt, RaggedTensor):
            out.append(rt._row_splits)
            rt = rt._values
        return tuple(out)

    @property
    def ragged_rank(self) -> int:
        return len(self.nested_row_splits)

    @property
    def dtype(self) -> dtypes.DType:
        return self.flat_values.dtype

    @property
    def row_splits_dtype(self) -> dtypes.DType:
        return dtypes.int64

    @property
    def shape(self) -> TensorShape:
        """[nrows, None (each ragged dimension), then the inner dimensions of the values]."""
        splits_shape, inner_shape = self._row_splits.shape, self.flat_values.shape[1:]
        ragged, rt = [], self
        while isinstance(rt, RaggedTensor):
            ragged.append(rt._uniform_row_length)
            rt = rt._values
        watched = [s for s in (splits_shape, inner_shape) if isinstance(s, WatchedShape)]
        if not watched:
            return TensorShape([int(splits_shape[0]) - 1] + ragged + list(inner_shape))
        # Traced with None dimensions (function/polymorphic.py): reading the row count or an
        # inner size ties the trace to it, as reading the components' sizes would.
        outer = splits_shape._sizes if isinstance(splits_shape, WatchedShape) else splits_shape
        inner = inner_shape._sizes if isinstance(inner_shape, WatchedShape) else inner_shape
        sizes = [int(outer[0]) - 1] + ragged + [int(d) for d in inner]
        varying = [0] if isinstance(splits_shape, WatchedShape) else []
        if isinstance(inner_shape, WatchedShape):
            varying += [1 + len(ragged) + i for i in inner_shape._varying]
        return WatchedShape(sizes, varying, lambda: [s._read() for s in watched])

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return self.shape.rank

    def nrows_static(self) -> int:
        return int(self._row_splits.shape[0]) - 1

    def nrows(self, out_type=dtypes.int64, name=None) -> Tensor:
        return wrap(xp.asarray(self.nrows_static(), dtypes.as_dtype(out_type)._np))

    def row_starts(self, name=None) -> Tensor:
        return self._row_splits[:-1]

    def row_limits(self, name=None) -> Tensor:
        return self._row_splits[1:]

    def row_lengths(self, axis=1, name=None):
        """The length of each row (axis 1), or of each row of the values (axis 2, ...)."""
        if axis == 1:
            return self._row_splits[1:] - self._row_splits[:-1]
        if axis > 1 and isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.row_lengths(axis - 1))
        raise ValueError(f"RaggedTensor.row_lengths: axis {axis} is not a ragged dimension")

    def value_rowids(self, name=None) -> Tensor:
        """The row of each value (`row_splits_to_segment_ids`)."""
        return row_splits_to_segment_ids(self._row_splits)

    def bounding_shape(self, axis=None, name=None, out_type=dtypes.int64) -> Tensor:
        """The shape of the smallest dense tensor holding every row."""
        shape = _dense_shape(self)
        out = wrap(xp.asarray(shape, dtypes.as_dtype(out_type)._np))
        return out if axis is None else out[axis]

    def with_values(self, new_values) -> RaggedTensor:
        """The same rows over other values (one value per value)."""
        return RaggedTensor(
            _as_values(new_values),
            self._row_splits,
            internal=True,
            uniform_row_length=self._uniform_row_length,
        )

    def with_flat_values(self, new_values) -> RaggedTensor:
        """The same ragged structure over other flat values (one per flat value)."""
        if isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.with_flat_values(new_values))
        return self.with_values(new_values)

    def merge_dims(self, outer_axis, inner_axis):
        """Dimensions outer_axis..inner_axis merged into one (row-major), as TF's."""
        from .ragged_partition import merge_dims

        return merge_dims(self, outer_axis, inner_axis)

    # ---- conversion ---------------------------------------------------------------------------

    def to_tensor(self, default_value=None, name=None, shape=None) -> Tensor:
        """A dense Tensor: rows padded with `default_value` (0, or b"" for strings) to the
        longest row, or cut/padded to `shape`."""
        flat = self.flat_values
        if default_value is None:
            default = wrap(_zero_of(flat))
        else:
            default = convert_to_tensor(default_value, dtype=flat.dtype)
        if shape is not None:
            shape = tuple(None if d is None else int(d) for d in TensorShape(shape).as_list())
        return get_op("RaggedTensorToTensor")(flat, default, *self.nested_row_splits, shape=shape)

    def to_list(self) -> list:
        """The rows as nested Python lists (bytes for strings)."""
        splits = self._row_splits.numpy().tolist()
        if isinstance(self._values, RaggedTensor):
            inner = self._values.to_list()
        else:
            inner = self._values.numpy().tolist()
        return [inner[splits[i] : splits[i + 1]] for i in range(len(splits) - 1)]

    def numpy(self):
        """As TF: uniform rows stack into one array; ragged rows give an object array of
        row arrays."""
        values = self._values.numpy()
        splits = self._row_splits.numpy()
        rows = [values[splits[i] : splits[i + 1]] for i in range(len(splits) - 1)]
        if not rows:
            return np.zeros((0, 0) + values.shape[1:], dtype=values.dtype)
        if any(len(r) != len(rows[0]) for r in rows):
            out = np.empty(len(rows), dtype=object)
            out[:] = rows
            return out
        return np.array(rows)

    # ---- rows ---------------------------------------------------------------------------------

    def __getitem__(self, key):
        from .ragged_index import getitem

        return getitem(self, key)

    def __iter__(self):
        for i in range(self.nrows_static()):
            yield self[i]

    def __len__(self):
        return self.nrows_static()

    def __repr__(self):
        with np.printoptions(formatter={"all": _format_rows}):
            text = _format_rows(self.numpy())
        return f"<tf.RaggedTensor {text}>"

    __str__ = __repr__

    __hash__ = None

    # ---- the composite-tensor protocol (tf.function arguments and results) --------------------

    def _components(self) -> tuple:
        """The dense tensors this is made of: the flat values, then the row splits."""
        return (self.flat_values,) + self.nested_row_splits

    @classmethod
    def _from_components(cls, components) -> RaggedTensor:
        flat, *splits = components
        return cls.from_nested_row_splits(flat, splits, validate=False)

    @property
    def _type_spec(self):
        from .ragged_spec import RaggedTensorSpec

        return RaggedTensorSpec.from_value(self)

    def _tapeflow_tensor_conversion(self):
        raise ValueError(
            f"Attempt to convert a value ({self!r}) with an unsupported type "
            f"({type(self)}) to a Tensor."
        )

    # ---- SparseTensor -------------------------------------------------------------------------

    def to_sparse(self, name=None):
        """A SparseTensor holding every value at its (row, column, ...) position."""
        from .ragged_partition import to_sparse

        return to_sparse(self)

    @classmethod
    def from_sparse(cls, st_input, name=None, row_splits_dtype=dtypes.int64) -> RaggedTensor:
        """The rows of a 2-D SparseTensor, each row's values in order (indices sorted)."""
        from .ragged_partition import from_sparse

        return from_sparse(cls, st_input)


def _format_rows(x) -> str:
    # As TF prints ragged values: numpy's layout with ", " between elements, recursively.
    if isinstance(x, np.ndarray):
        if x.size:
            return np.array2string(x, separator=", ")
        return repr(x.tolist())
    return str(x)


def _as_values(values):
    return values if isinstance(values, RaggedTensor) else convert_to_tensor(values)


def _nrows_of(values) -> int:
    if isinstance(values, RaggedTensor):
        return values.nrows_static()
    return int(values.shape[0])


def _zero_of(t: Tensor):
    if t.dtype == dtypes.string:
        return np.asarray(b"", dtype=object)
    return xp.zeros((), t.dtype._np)


def _dense_shape(rt) -> list:
    if not isinstance(rt, RaggedTensor):
        return list(rt.shape)
    lengths = np.diff(rt._row_splits.numpy())
    inner = _dense_shape(rt._values)
    return [len(lengths), int(lengths.max()) if lengths.size else 0] + inner[1:]


__all__ = ["RaggedTensor", "is_ragged", "row_splits_to_segment_ids",
           "segment_ids_to_row_splits", "value_positions"]  # fmt: skip


def is_ragged(x) -> bool:
    return isinstance(x, RaggedTensor)
