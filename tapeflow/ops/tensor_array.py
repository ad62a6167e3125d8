"""`tf.TensorArray`: a list of same-dtype tensors written and read by index.

This is TensorFlow's eager TensorArray (a Python list of Tensors), which is also what a
tf.function trace records, since tapeflow traces by running the function eagerly: writes
store Tensors, `read` returns the stored Tensor itself, and `stack`/`concat`/`gather` are
Pack/ConcatV2 ops. So a GradientTape sees gradients flow from `stack()` or `read()` back to
what was written, inside tf.function as outside. A TensorArray created inside a function
(the usual way, returning `ta.stack()`) works on every call; one created outside and
written inside only sees the writes of the trace, as any Python state does.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError, OutOfRangeError
from ..core.registry import get_op
from ..core.shape import TensorShape
from ..core.tensor import Operand, convert_to_tensor, wrap
from . import _args


def _index(i) -> int:
    return _args.scalar(i, "TensorArray", "index", cast_floats=False)


class TensorArray:
    """A list of Tensors of one dtype (and compatible shapes), written and read by index.

    Args:
        dtype: the dtype of every element.
        size: the initial number of elements (required, may be 0 with `dynamic_size`).
        dynamic_size: writes past the end grow the array (else OutOfRangeError).
        clear_after_read: reading an element clears it (default True), so a second read
            of it is an InvalidArgumentError.
        element_shape: the shape every element must be compatible with.
        infer_shape: the first write fixes the element shape (default True).
    """

    def __init__(
        self,
        dtype,
        size=None,
        dynamic_size=None,
        clear_after_read=None,
        tensor_array_name=None,
        handle=None,
        flow=None,
        infer_shape=True,
        element_shape=None,
        colocate_with_first_write_call=True,
        name=None,
    ):
        if handle is not None:
            raise ValueError(
                "TensorArray handles are not supported when eager execution is enabled."
            )
        if size is None:
            raise ValueError(
                "Size must be declared for TensorArrays when eager execution is enabled."
            )
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        self._element_shape = TensorShape(element_shape)
        self._previously_read = set()
        self._elements = [None] * _index(size)

    # ---- properties ---------------------------------------------------------------------------

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def flow(self):
        """For compatibility: a scalar (flows mean nothing when executing eagerly)."""
        return wrap(xp.asarray(0, np.int32))

    @property
    def handle(self):
        return None

    def size(self, name=None):
        """The number of elements, an int32 scalar Tensor."""
        return wrap(xp.asarray(len(self._elements), np.int32))

    def identity(self) -> TensorArray:
        return self

    def grad(self, source, flow=None, name=None):
        raise NotImplementedError(
            "TensorArray.grad is not supported when executing eagerly; eager's gradient "
            "implementation does not use/need this function to compute gradients of "
            "operations that use TensorArrays."
        )

    # ---- elements -----------------------------------------------------------------------------

    def _zeros(self, i: int):
        if not self._element_shape.is_fully_defined():  # TF: zeros of an unknown shape
            raise ValueError(
                f"Cannot convert a partially known TensorShape {self._element_shape} to a Tensor."
            )
        value = wrap(xp.zeros(self._element_shape.as_list(), self._dtype._np))
        self._elements[i] = value
        return value

    def _maybe_zero(self, i: int):
        value = self._elements[i]
        return self._zeros(i) if value is None else value

    def read(self, index, name=None):
        """The element at `index` (zeros of the element shape if never written)."""
        i = _index(index)
        if i < 0:
            raise OutOfRangeError(f"Reading from negative indices (index {i}) is not allowed.")
        if i >= len(self._elements):
            raise OutOfRangeError(
                f"Tried to read from index {i} but array size is: {len(self._elements)} "
            )
        value = self._elements[i]
        if value is None:
            if i in self._previously_read:
                raise InvalidArgumentError(
                    f"Could not read index {i} twice because it was cleared after a previous "
                    f"read (perhaps try setting clear_after_read = false?)"
                )
            value = self._zeros(i)
        if self._clear_after_read:
            self._elements[i] = None
            self._previously_read.add(i)
        return value

    def _write(self, index, value):
        i = _index(index)
        if i < 0:
            raise OutOfRangeError(f"Writing to negative indices (index {i}) is not allowed.")
        size = len(self._elements)
        if i >= size:
            if not self._dynamic_size:
                raise OutOfRangeError(
                    f"Tried to write to index {i} but array is not resizeable and size is: {size} "
                )
            self._elements.extend([None] * (i - size + 1))
        if not isinstance(value, Operand):
            value = convert_to_tensor(value, dtype_hint=self._dtype)
        value = convert_to_tensor(value)  # a Variable: a recorded read
        if value.dtype != self._dtype:
            raise InvalidArgumentError(
                f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype "
                f"{value.dtype.name} "
            )
        if not self._element_shape.is_compatible_with(value.shape):
            raise ValueError(
                f"Incompatible shape for value ({value.shape}), expected ({self._element_shape})"
            )
        if self._infer_shape:
            self._element_shape = self._element_shape.merge_with(value.shape)
        self._elements[i] = value

    def write(self, index, value, name=None) -> TensorArray:
        """Stores `value` at `index`; returns the TensorArray (use `ta = ta.write(...)`)."""
        self._write(index, value)
        return self

    def stack(self, name=None):
        """Every element stacked along a new first axis (unwritten ones are zeros)."""
        for i in range(len(self._elements)):
            self._maybe_zero(i)
        if not self._elements:
            shape = self._element_shape.as_list() if self._element_shape.is_fully_defined() else []
            return wrap(xp.zeros([0] + shape, self._dtype._np))
        return get_op("Pack")(*self._elements, axis=0)

    def gather(self, indices, name=None):
        """The elements at `indices`, stacked."""
        ids = np.asarray(indices.numpy() if isinstance(indices, Operand) else indices)
        return get_op("Pack")(*[self._maybe_zero(int(i)) for i in ids.reshape(-1)], axis=0)

    def concat(self, name=None):
        """Every element joined along its first axis."""
        parts = [self._maybe_zero(i) for i in range(len(self._elements))]
        for i, p in enumerate(parts):
            if p.ndim == 0:
                raise InvalidArgumentError(
                    f"Concat saw a scalar shape at index {i} but requires at least vectors."
                )
        return get_op("ConcatV2")(*parts, axis=0)

    def unstack(self, value, name=None) -> TensorArray:
        """The rows of `value` become the elements."""
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        if value.ndim == 0:
            raise ValueError("Cannot unstack a scalar into a TensorArray")
        n = int(value.shape[0])
        if n > len(self._elements) and not self._dynamic_size:
            raise ValueError(
                f"Cannot unstack {n} tensors into a TensorArray of static size "
                f"{len(self._elements)} "
            )
        rows = get_op("Unpack")(value, num=n, axis=0) if n else ()
        self._elements = [None] * len(rows)
        for i, row in enumerate(rows):
            self._write(i, row)
        return self

    def scatter(self, indices, value, name=None) -> TensorArray:
        """Writes row k of `value` at `indices[k]`."""
        ids = np.asarray(indices.numpy() if isinstance(indices, Operand) else indices)
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        rows = get_op("Unpack")(value, num=int(value.shape[0]), axis=0)
        for i, row in zip(ids.reshape(-1), rows):
            self._write(int(i), row)
        return self

    def split(self, value, lengths, name=None) -> TensorArray:
        """Cuts `value` along its first axis into pieces of `lengths`: the new elements."""
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        if value.dtype != self._dtype:
            raise InvalidArgumentError(
                f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype "
                f"{value.dtype.name} "
            )
        lengths = np.asarray(lengths.numpy() if isinstance(lengths, Operand) else lengths)
        if lengths.ndim != 1:
            raise InvalidArgumentError(
                f"Expected lengths to be a vector, received shape: {list(lengths.shape)} "
            )
        if value.ndim == 0:
            raise InvalidArgumentError(
                f"Expected value to be at least a vector, but received shape: {list(value.shape)} "
            )
        if int(lengths.sum()) != value.shape[0]:
            raise InvalidArgumentError(
                f"Expected sum of lengths to be equal to values.shape[0], but sum of lengths "
                f"is {int(lengths.sum())} and value's shape is: {list(value.shape)} "
            )
        if not self._dynamic_size and len(lengths) != len(self._elements):
            raise InvalidArgumentError(
                f"TensorArray's size is not equal to the size of lengths "
                f"({len(self._elements)} vs. {len(lengths)}), and the TensorArray is not "
                f"marked as dynamically resizeable."
            )
        pieces = get_op("SplitV")(value, size_splits=tuple(int(n) for n in lengths), axis=0)
        self._elements = list(pieces)
        return self

    def close(self, name=None):
        self._elements.clear()

    def __repr__(self):
        return f"<TensorArray dtype={self._dtype.name} size={len(self._elements)}>"


API = {"tf": ["TensorArray"]}
