"""`tf.TensorSpec` and `tf.data.DatasetSpec`: the static type (shape, dtype) of a value."""

from __future__ import annotations

from . import dtypes
from .shape import TensorShape


class TensorSpec:
    """Describes a tensor: its shape (dimensions may be None) and dtype.

    Args:
        shape: a TensorShape, or a list/tuple of ints and None; None means unknown rank.
        dtype: the element type (default float32).
        name: an optional name, kept for TF compatibility.
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def name(self):
        return self._name

    @classmethod
    def from_tensor(cls, tensor, name=None) -> TensorSpec:
        """The spec of a Tensor, Variable or array."""
        return cls(tensor.shape, dtypes.as_dtype(tensor.dtype), name)

    @classmethod
    def from_spec(cls, spec, name=None) -> TensorSpec:
        return cls(spec.shape, spec.dtype, name if name is not None else spec.name)

    def is_compatible_with(self, spec_or_value) -> bool:
        """True if `spec_or_value` (a spec, Tensor or array) has this dtype and a compatible
        shape."""
        other_dtype = getattr(spec_or_value, "dtype", None)
        other_shape = getattr(spec_or_value, "shape", None)
        if other_dtype is None or other_shape is None:
            return False
        try:
            same_dtype = dtypes.as_dtype(other_dtype) == self._dtype
        except TypeError:
            return False
        return same_dtype and self._shape.is_compatible_with(other_shape)

    def _example(self):
        """A Tensor of ones fitting this spec, for tracing: unknown dimensions are 2 (the
        smallest size a trace can serve other sizes from), an unknown rank is a scalar."""
        from ..backend import xp
        from .tensor import Tensor

        dims = () if self._shape.rank is None else self._shape.as_list()
        shape = tuple(2 if d is None else d for d in dims)
        if self._dtype == dtypes.string:
            from .string_values import empty

            return Tensor(empty(shape))
        # The backend's array (a CuPy array on the GPU), like every other tensor's.
        return Tensor(xp.ones(shape, dtype=self._dtype._np))

    def most_specific_compatible_type(self, other: TensorSpec) -> TensorSpec:
        """The narrowest spec both `self` and `other` satisfy (TypeError on a dtype clash)."""
        if other.dtype != self._dtype:
            raise TypeError(f"No TypeSpec is compatible with both {self!r} and {other!r}")
        return TensorSpec(most_specific_shape(self._shape, other.shape), self._dtype)

    def __eq__(self, other):
        return (
            type(other) is type(self)
            and self._shape == other._shape
            and self._dtype == other._dtype
            and self._name == other._name
        )

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self._shape, self._dtype, self._name))

    def __repr__(self):
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"

    def __reduce__(self):
        return TensorSpec, (self._shape, self._dtype, self._name)


class DatasetSpec:
    """The type of a value that is itself a Dataset (as `window` produces)."""

    __slots__ = ("element_spec", "_dataset_shape")

    def __init__(self, element_spec, dataset_shape=()):
        self.element_spec = element_spec
        self._dataset_shape = TensorShape(dataset_shape)

    @property
    def shape(self) -> TensorShape:
        return self._dataset_shape

    def __eq__(self, other):
        return (
            type(other) is type(self)
            and self.element_spec == other.element_spec
            and self._dataset_shape == other._dataset_shape
        )

    def __hash__(self):
        return hash(repr(self))

    def __repr__(self):
        return f"DatasetSpec({self.element_spec!r}, {self._dataset_shape!r})"


def most_specific_shape(a: TensorShape, b: TensorShape) -> TensorShape:
    """The most specific shape compatible with both: equal dims kept, others None."""
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.dims, b.dims)])
