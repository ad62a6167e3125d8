"""`tf.SparseTensor` and `tf.SparseTensorSpec`: a sparse tensor as a composite of dense ones.

A SparseTensor is three dense tensors, as in TensorFlow: `indices` (int64 [N, rank], one
coordinate row per stored value), `values` ([N]) and `dense_shape` (int64 [rank]). The tape
and the tracer only ever see those three, so gradients flow to `values` through ordinary ops.
Its methods run registered ops looked up by name (core does not import ops), so they trace
like any op; `tf.sparse` (tapeflow/ops/sparse.py) holds the rest.

The static shape is read from `dense_shape` with a guard (`numpy()`): inside tf.function a
later call with another dense shape fails the guard and traces again, so Python code may use
`sp.shape` freely.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy, xp
from . import dtypes
from .errors import InvalidArgumentError
from .registry import get_op
from .shape import TensorShape
from .tensor import Operand, Tensor, convert_to_tensor, wrap


class SparseTensor:
    """A sparse tensor: `values[i]` sits at coordinates `indices[i]` of a `dense_shape` tensor
    whose other entries are zero.

    Args:
        indices: int64 [N, rank] coordinates (anything convertible to one).
        values: [N] values, of any dtype.
        dense_shape: int64 [rank], the shape of the dense tensor this stands for (a list,
            TensorShape or Tensor).
    """

    __slots__ = ("_indices", "_values", "_dense_shape", "__weakref__")
    _is_composite_tensor = True  # tf.is_tensor is True for it

    def __init__(self, indices, values, dense_shape):
        if isinstance(dense_shape, TensorShape):
            dense_shape = dense_shape.as_list()
        self._indices = _as_int64(indices)
        self._values = values if isinstance(values, Operand) else convert_to_tensor(values)
        if getattr(self._values, "_is_variable", False):
            self._values = convert_to_tensor(self._values)  # a recorded read
        self._dense_shape = _as_int64(dense_shape)
        _check_component_shapes(self._indices, self._values, self._dense_shape)

    @classmethod
    def from_value(cls, sparse_tensor_value) -> SparseTensor:
        """`value` itself when it is a SparseTensor (TF's `SparseTensor.from_value`)."""
        if isinstance(sparse_tensor_value, SparseTensor):
            return sparse_tensor_value
        return cls(
            sparse_tensor_value.indices,
            sparse_tensor_value.values,
            sparse_tensor_value.dense_shape,
        )

    # ---- components ---------------------------------------------------------------------------

    @property
    def indices(self) -> Tensor:
        """The coordinates of the stored values: int64 [N, rank]."""
        return self._indices

    @property
    def values(self) -> Tensor:
        """The stored values: [N]."""
        return self._values

    @property
    def dense_shape(self) -> Tensor:
        """The shape of the dense tensor: int64 [rank]."""
        return self._dense_shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        """The dense shape as a TensorShape (a guarded read of `dense_shape`)."""
        return TensorShape([int(d) for d in self._dense_shape.numpy().reshape(-1)])

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def _type_spec(self) -> SparseTensorSpec:
        return SparseTensorSpec(self.shape, self.dtype)

    def with_values(self, new_values) -> SparseTensor:
        """The same coordinates holding `new_values` (one per stored value, any dtype)."""
        return SparseTensor(self._indices, new_values, self._dense_shape)

    def _components(self) -> tuple:
        """The dense tensors this is made of (the composite-tensor protocol)."""
        return (self._indices, self._values, self._dense_shape)

    @classmethod
    def _from_components(cls, components) -> SparseTensor:
        out = cls.__new__(cls)
        out._indices, out._values, out._dense_shape = components
        return out

    def _tapeflow_tensor_conversion(self):
        raise ValueError(unsupported_conversion_message(self))

    # ---- operators (TF defines only these three on SparseTensor) ----------------------------

    def __mul__(self, other):
        return _cwise(self, other, "Mul")

    def __truediv__(self, other):
        return _cwise(self, other, "Div")

    __div__ = __truediv__

    def __repr__(self):
        return (
            f"SparseTensor(indices={self._indices!s}, values={self._values!s}, "
            f"dense_shape={self._dense_shape!s})"
        )

    __str__ = __repr__


class SparseTensorSpec:
    """The type of a SparseTensor: its dense shape (dimensions may be None) and dtype."""

    __slots__ = ("_shape", "_dtype")

    def __init__(self, shape=None, dtype=dtypes.float32):
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def value_type(self):
        return SparseTensor

    @classmethod
    def from_value(cls, value) -> SparseTensorSpec:
        return cls(value.shape, value.dtype)

    def is_compatible_with(self, spec_or_value) -> bool:
        if not isinstance(spec_or_value, (SparseTensor, SparseTensorSpec)):
            return False
        return spec_or_value.dtype == self._dtype and self._shape.is_compatible_with(
            spec_or_value.shape
        )

    def most_specific_compatible_type(self, other) -> SparseTensorSpec:
        if not isinstance(other, SparseTensorSpec) or other.dtype != self._dtype:
            raise TypeError(f"No TypeSpec is compatible with both {self!r} and {other!r}")
        from .spec import most_specific_shape

        return SparseTensorSpec(most_specific_shape(self._shape, other.shape), self._dtype)

    @classmethod
    def _from_component_specs(cls, specs, shape=None) -> SparseTensorSpec:
        """The spec of SparseTensors whose components (indices, values, dense shape) fit
        TensorSpecs `specs`; `shape`, a list, gives the dense shape's known sizes."""
        rank = specs[0].shape[1] if specs[0].shape.rank == 2 else None
        if not (isinstance(shape, list) and len(shape) == rank):
            shape = None if rank is None else [None] * rank
        return cls(shape, specs[1].dtype)

    def _example(self, size=0) -> SparseTensor:
        """A SparseTensor fitting this spec (unknown dimensions `size`, or 1 when 0) holding
        `size` ones (as many as fit), the first positions in row-major order, for tracing."""
        if self._shape.rank is None:
            raise ValueError(f"cannot trace for {self!r}: its rank is unknown")
        dims = [max(size, 1) if d is None else d for d in self._shape.as_list()]
        count = min(size, int(np.prod(dims)))
        indices = np.stack(np.unravel_index(np.arange(count), dims), axis=-1)
        if self._dtype == dtypes.string:
            values = np.full((count,), b"", dtype=object)
        else:
            values = np.ones((count,), self._dtype._np)
        return SparseTensor(indices.reshape(count, len(dims)).astype(np.int64), values, dims)

    def __eq__(self, other):
        return (
            type(other) is type(self)
            and self._shape == other._shape
            and self._dtype == other._dtype
        )

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((SparseTensorSpec, self._shape, self._dtype))

    def __repr__(self):
        return f"SparseTensorSpec({self._shape!r}, {self._dtype!r})"

    def __reduce__(self):
        return SparseTensorSpec, (self._shape, self._dtype)


def unsupported_conversion_message(value) -> str:
    """TF's ValueError text when a composite is given where a dense tensor is needed."""
    return (
        f"Attempt to convert a value ({value!r}) with an unsupported type "
        f"({type(value)}) to a Tensor."
    )


def is_sparse(x) -> bool:
    return isinstance(x, SparseTensor)


def _as_int64(x) -> Tensor:
    if isinstance(x, Operand):
        t = convert_to_tensor(x)
        if t.dtype != dtypes.int64:
            if not t.dtype.is_integer:
                raise TypeError(f"Cannot convert {x!r} to EagerTensor of dtype int64")
            t = get_op("Cast")(t, dtype="int64")
        return t
    return convert_to_tensor(x, dtype=dtypes.int64)


def _check_component_shapes(indices, values, dense_shape):
    """TF's static checks: indices [N, rank], values [N], dense_shape [rank]."""
    ishape, vshape, sshape = indices.shape, values.shape, dense_shape.shape
    for shape, rank in ((ishape, 2), (vshape, 1), (sshape, 1)):
        if shape.rank != rank:
            raise ValueError(f"Shape {shape} must have rank {rank}")
    if ishape[0] != vshape[0]:
        raise ValueError(f"Dimensions {ishape[0]} and {vshape[0]} are not compatible")
    if ishape[1] != sshape[0]:
        raise ValueError(f"Dimensions {ishape[1]} and {sshape[0]} are not compatible")
    negative = [int(d) for d in to_numpy(dense_shape._value).reshape(-1) if d < 0]
    if negative:
        raise ValueError(f"Dimension {negative[0]} must be >= 0 (dense_shape of a SparseTensor)")


def _cwise(sp: SparseTensor, other, kind: str) -> SparseTensor:
    """`sp * dense` or `sp / dense`: the dense side broadcasts to the sparse side only."""
    if isinstance(other, SparseTensor):
        raise ValueError(unsupported_conversion_message(other))
    dense = convert_to_tensor(other, dtype=sp.dtype)
    values = sp.values
    if dense.ndim:
        shape = sp.shape.as_list()
        dshape = list(dense.shape)
        if len(dshape) > len(shape) or any(
            d not in (1, s) for d, s in zip(dshape[::-1], shape[::-1])
        ):
            raise InvalidArgumentError(
                f"SparseDenseCwise{kind}: SparseDenseBinaryOpShared broadcasts dense to "
                f"sparse only; got incompatible shapes: [{','.join(map(str, shape))}] vs. "
                f"[{','.join(map(str, dshape))}]"
            )
        # The coordinates in the dense operand: its own trailing dimensions, 0 where it
        # broadcasts (a size-1 dimension).
        lead = len(shape) - len(dshape)
        keep = wrap(xp.asarray([0 if d == 1 else 1 for d in dshape], np.int64))
        coords = get_op("StridedSlice")(sp.indices, key=(slice(None), slice(lead, None)))
        dense = get_op("GatherNd")(dense, get_op("Mul")(coords, keep))
    if kind == "Mul":
        out = get_op("Mul")(values, dense)
    else:
        if sp.dtype.is_integer:  # TF's truediv: small integers to float32, others to float64
            to = "float32" if sp.dtype._np.itemsize <= 2 else "float64"
            values, dense = get_op("Cast")(values, dtype=to), get_op("Cast")(dense, dtype=to)
        out = get_op("RealDiv")(values, dense)
    return SparseTensor._from_components((sp.indices, out, sp.dense_shape))
