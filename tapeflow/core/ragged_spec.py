"""`tf.RaggedTensorSpec`: the type of a RaggedTensor (shape with None dims, dtype, ragged rank).

Used in `tf.function(input_signature=...)` and by `tf.data` element specs.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_backend
from . import dtypes
from .shape import TensorShape
from .tensor import wrap


class RaggedTensorSpec:
    """The type of a RaggedTensor: shape (dims may be None), dtype, ragged_rank."""

    __slots__ = ("_shape", "_dtype", "_ragged_rank", "_row_splits_dtype")

    def __init__(
        self,
        shape=None,
        dtype=dtypes.float32,
        ragged_rank=None,
        row_splits_dtype=dtypes.int64,
        flat_values_spec=None,
    ):
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._row_splits_dtype = dtypes.as_dtype(row_splits_dtype)
        rank = self._shape.rank
        if ragged_rank is None:
            if rank is None:
                raise ValueError("RaggedTensorSpec: must specify ragged_rank or a shape's rank")
            ragged_rank = rank - 1
        if not isinstance(ragged_rank, int) or ragged_rank < 0:
            raise TypeError(
                f"RaggedTensorSpec: ragged_rank must be an int >= 0, got {ragged_rank!r}"
            )
        if rank is not None and ragged_rank >= rank:
            raise ValueError(
                f"RaggedTensorSpec: ragged_rank must be less than rank, got ragged_rank="
                f"{ragged_rank} for rank {rank}"
            )
        self._ragged_rank = ragged_rank

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def ragged_rank(self) -> int:
        return self._ragged_rank

    @property
    def row_splits_dtype(self) -> dtypes.DType:
        return self._row_splits_dtype

    @property
    def value_type(self):
        from .ragged import RaggedTensor

        return RaggedTensor

    @classmethod
    def from_value(cls, value) -> RaggedTensorSpec:
        return cls(value.shape, value.dtype, value.ragged_rank, value.row_splits_dtype)

    def is_compatible_with(self, spec_or_value) -> bool:
        from .ragged import RaggedTensor

        if isinstance(spec_or_value, RaggedTensor):
            other = RaggedTensorSpec.from_value(spec_or_value)
        elif isinstance(spec_or_value, RaggedTensorSpec):
            other = spec_or_value
        else:
            return False
        return (
            other.dtype == self._dtype
            and other.ragged_rank == self._ragged_rank
            and self._shape.is_compatible_with(other.shape)
        )

    def most_specific_compatible_type(self, other) -> RaggedTensorSpec:
        if (
            not isinstance(other, RaggedTensorSpec)
            or other.dtype != self._dtype
            or other.ragged_rank != self._ragged_rank
        ):
            raise TypeError(f"No TypeSpec is compatible with both {self!r} and {other!r}")
        from .spec import most_specific_shape

        return RaggedTensorSpec(
            most_specific_shape(self._shape, other.shape), self._dtype, self._ragged_rank
        )

    @classmethod
    def _from_component_specs(cls, specs, shape=None) -> RaggedTensorSpec:
        """The spec of RaggedTensors whose components (flat values, then row splits) fit
        TensorSpecs `specs`; `shape`, a list, gives sizes these leave unknown."""
        flat, splits = specs[0], specs[1:]
        nrows = None if splits[0].shape[0] is None else splits[0].shape[0] - 1
        inner = flat.shape.as_list()[1:] if flat.shape.rank is not None else []
        dims = [nrows] + [None] * len(splits) + inner
        if isinstance(shape, list) and len(shape) == len(dims):
            dims = [b if b is not None else a for a, b in zip(shape, dims)]
        return cls(dims, flat.dtype, len(splits), splits[0].dtype)

    def _example(self, size=1):
        """A RaggedTensor fitting this spec (unknown dimensions are `size`), for tracing."""
        from .ragged import RaggedTensor

        if self._shape.rank is None:
            raise ValueError(f"cannot trace for {self!r}: its rank is unknown")
        dims = [size if d is None else d for d in self._shape.as_list()]
        outer = dims[: self._ragged_rank + 1]
        count = int(np.prod(outer))
        if self._dtype == dtypes.string:
            flat = np.full([count] + dims[self._ragged_rank + 1 :], b"", dtype=object)
        else:
            flat = np.ones([count] + dims[self._ragged_rank + 1 :], self._dtype._np)
        result = wrap(to_backend(flat))  # numbers on the device, as every tensor's
        for width in reversed(outer[1:]):
            result = RaggedTensor.from_uniform_row_length(result, width)
            result._uniform_row_length = None  # a ragged dimension of the spec stays None
        return result

    def __eq__(self, other):
        return (
            type(other) is type(self)
            and self._shape == other._shape
            and self._dtype == other._dtype
            and self._ragged_rank == other._ragged_rank
        )

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((RaggedTensorSpec, self._shape, self._dtype, self._ragged_rank))

    def __repr__(self):
        return (
            f"RaggedTensorSpec({self._shape!r}, {self._dtype!r}, {self._ragged_rank}, "
            f"{self._row_splits_dtype!r})"
        )

    def __reduce__(self):
        return RaggedTensorSpec, (self._shape, self._dtype, self._ragged_rank)
