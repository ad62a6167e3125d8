"""`Tensor`: an immutable wrapper of one backend array with a process-unique id.

Operators (`+`, `@`, `[]`, ...) are installed on `Operand` by `tapeflow.ops.operators`,
the way TensorFlow's `_override_operator` does, so this module needs no op.
"""

from __future__ import annotations

import builtins
import itertools
import numbers

import numpy as np

from ..backend import to_numpy, xp
from . import dtypes, string_values
from .context import observed, state
from .device import current_device_name
from .pandas_values import is_pandas, pandas_array
from .shape import TensorShape

_next_id = itertools.count(1).__next__

# Where every array lives: the CPU with NumPy, GPU 0 with CuPy (see core/device.py).
_DEVICE = current_device_name()


class Operand:
    """What Tensor and Variable share: operators and the read-only array protocol."""

    __slots__ = ()
    # NumPy defers to our reflected operators (np_array + tensor -> Tensor.__radd__).
    __array_priority__ = 100

    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_numpy(self._value.dtype)

    @property
    def shape(self) -> TensorShape:
        if state.tracer is not None:
            return state.tracer.watched_shape(self)
        return TensorShape(self._value.shape)

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def device(self) -> str:
        return _DEVICE

    def get_shape(self) -> TensorShape:
        return self.shape

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        if state.tracer is not None:
            return state.tracer.watched_shape(self)[0]
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if state.tracer is not None:
            state.tracer.watched_shape(self)[0]
        for i in range(self._value.shape[0]):
            yield self[i]

    # Each conversion to a Python value is `observed`: inside tf.function it becomes a guard.
    def __bool__(self):
        return observed(self, "bool", builtins.bool(self._value))

    def __float__(self):
        return observed(self, "float", float(self._value))

    def __int__(self):
        return observed(self, "int", int(self._value))

    def __index__(self):
        if not self.dtype.is_integer:
            raise TypeError(f"Only integer tensors can be used as an index, got {self.dtype.name}")
        return observed(self, "int", int(self._value))

    def __format__(self, format_spec):
        return format(self.numpy(), format_spec)  # f"{loss:.4f}" works on scalars, as in TF

    def __complex__(self):
        return observed(self, "complex", complex(self._value))

    def __array__(self, dtype=None, copy=None):
        a = observed(self, "array", to_numpy(self._value))
        a = np.asarray(a) if dtype is None else np.asarray(a, dtype=dtype)
        return a.copy() if copy else a

    def __hash__(self):
        raise TypeError(
            f"{type(self).__name__} is unhashable. Instead, use tensor.ref() as the key."
        )

    def ref(self) -> Reference:
        """A hashable reference to this object (TF's `Tensor.ref()`)."""
        return Reference(self)

    experimental_ref = ref


class Reference:
    """Hashable handle of a Tensor or Variable, compared by identity; `deref()` returns it."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return self._obj._id

    def __eq__(self, other):
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self):
        return f"<Reference wrapping {self._obj!r}>"


class Tensor(Operand):
    """An immutable multi-dimensional array; operators and ops return new Tensors."""

    __slots__ = ("_value", "_id")
    _is_variable = False

    def __init__(self, value):
        self._value = value
        self._id = _next_id()

    def numpy(self):
        """The values as a NumPy array (a NumPy scalar for rank 0, as in TF)."""
        v = observed(self, "array", to_numpy(self._value))
        return v[()] if v.ndim == 0 else v

    @property
    def name(self):
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    def __str__(self):
        return (
            f"tf.Tensor({_format_values(self._value)}, shape={self.shape}, "
            f"dtype={self.dtype.name})"
        )

    def __repr__(self):
        return (
            f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
            f"numpy={_repr_values(self._value)}>"
        )

    def __reduce__(self):
        return Tensor, (to_numpy(self._value),)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return Tensor(self._value.copy())


def wrap(value) -> Tensor:
    """A Tensor around `value` (a backend array or scalar) with no checks or copies."""
    t = Tensor.__new__(Tensor)
    t._value = value
    t._id = _next_id()
    return t


def _format_values(v):
    v = to_numpy(v)
    if v.ndim == 0:
        return str(v[()])
    return _own_line(np.array2string(np.asarray(v), separator=" ", threshold=1000))


def _repr_values(v):
    v = to_numpy(v)
    if v.ndim == 0:
        return str(v[()])
    return _own_line(repr(np.asarray(v)))


def _own_line(text: str) -> str:
    # As TF's numpy_text: an array printed on several lines starts on a line of its own.
    return "\n" + text if "\n" in text else text


# ---- conversion ------------------------------------------------------------------------------


def _unsupported(value) -> ValueError:
    return ValueError(
        f"Attempt to convert a value ({value!r}) with an unsupported type ({type(value)}) "
        f"to a Tensor."
    )


def _python_array(value) -> np.ndarray:
    """A Python number or nested list as a NumPy array, with TF's errors for the rest."""
    try:
        arr = np.asarray(value)
    except ValueError:
        raise ValueError(
            f"Can't convert non-rectangular Python sequence to Tensor: {value!r}"
        ) from None
    if arr.dtype.kind == "O":  # None or another object among the numbers, or a huge int
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"Can't convert Python sequence with out-of-range integer {value}")
        if any(v is None for v in _leaves(value)):
            raise _unsupported(None)
        raise ValueError(f"Can't convert Python sequence with mixed types to Tensor: {value!r}")
    return arr


def _python_dtype(arr: np.ndarray) -> dtypes.DType:
    """TF's default dtype for Python values: float32 for floats, int32 for ints that fit."""
    kind = arr.dtype.kind
    if kind == "f":
        return dtypes.float32
    if kind in "iu":
        info = np.iinfo(np.int32)
        if arr.size == 0 or (arr.min() >= info.min and arr.max() <= info.max):
            return dtypes.int32
        return dtypes.int64
    if kind == "b":
        return dtypes.bool
    if kind == "c":
        return dtypes.complex128
    if kind in "US":  # text after a number: text first takes the string path
        raise ValueError(string_values.MIXED_TYPES)
    raise _unsupported(arr)


def _check_python_to_dtype(value, arr: np.ndarray, dtype: dtypes.DType):
    """TF's rules for Python values: no float (even 2.0) becomes an integer or bool tensor,
    no int becomes a bool, no complex becomes a real number."""
    kind = arr.dtype.kind
    if arr.size == 0:  # [] is float64 to NumPy, and holds no value of the wrong kind
        return
    if (
        (kind == "f" and (dtype.is_integer or dtype.is_bool))
        or (kind in "iu" and dtype.is_bool)
        or (kind == "c" and not dtype.is_complex)
    ):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None) -> Tensor:
    """Converts Tensors, Variables, NumPy arrays and Python values to a Tensor.

    Python values default to float32/int32 (or `dtype_hint`); NumPy arrays keep their
    dtype (float64 stays float64); a Tensor of another dtype than `dtype` is an error.
    As in TF, a NumPy array converts to any numeric `dtype` (floats truncated), while a
    Python float never becomes an integer (TypeError, even for 2.0).
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if type(value) is float and dtype._np.kind == "f":
            return wrap(xp.asarray(value, dtype=dtype._np))  # `lr * grad`: the hot case
    if isinstance(value, Operand):
        if hasattr(value, "_as_tensor"):
            value = value._as_tensor()  # a Variable: a recorded read
        if dtype is not None and value.dtype != dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                f"{value.dtype.name}: {value!r}"
            )
        return value
    if isinstance(value, TensorShape):
        return _shape_tensor(value, dtype)
    if is_pandas(value):  # a DataFrame or Series: its array, as TF converts it
        value = pandas_array(value)
    conversion = getattr(value, "_tapeflow_tensor_conversion", None)
    if conversion is not None:  # IndexedSlices and friends
        return convert_to_tensor(conversion(), dtype=dtype)
    if isinstance(value, (np.ndarray, np.generic)) or (
        xp is not np and isinstance(value, xp.ndarray)
    ):
        return _numpy_tensor(value, dtype)
    if isinstance(value, (list, tuple)) and any(isinstance(v, Operand) for v in _leaves(value)):
        return _pack_nested(value, dtype)
    if value is None:
        raise _unsupported(value)
    if dtype is dtypes.string or string_values.leads_with_text(value):
        return _string_tensor(value, dtype, string_values.from_python)
    if not isinstance(value, (numbers.Number, list, tuple)):
        raise _unsupported(value)
    arr = _python_array(value)
    if dtype is None:
        if dtype_hint is not None:
            hint = dtypes.as_dtype(dtype_hint)
            inferred = _python_dtype(arr)
            # The hint wins when it can hold the value (an int list hinted float32, ...).
            dtype = hint if _hint_applies(inferred, hint) else inferred
        else:
            dtype = _python_dtype(arr)
    else:
        if arr.dtype.kind in "US":
            raise ValueError(string_values.MIXED_TYPES)
        _check_python_to_dtype(value, arr, dtype)
    return wrap(xp.asarray(arr.astype(dtype._np, copy=False)))


def _numpy_tensor(value, dtype) -> Tensor:
    """A NumPy array or scalar as a Tensor: any numeric dtype by NumPy's cast, as in TF."""
    kind = value.dtype.kind
    if kind in "USO":
        if dtype is None or dtype is dtypes.string:
            return _string_tensor(value, dtype, string_values.from_numpy)
        try:
            return wrap(xp.asarray(np.asarray(value).astype(dtype._np)))  # "1.5" parses
        except (ValueError, TypeError) as e:
            raise ValueError(f"Cannot convert {value!r} to a {dtype.name} tensor: {e}") from None
    if dtype is not None and value.dtype != dtype._np:
        if dtype == dtypes.string:
            raise ValueError(
                f"Failed to convert a NumPy array to a Tensor (Unsupported object type "
                f"{value.dtype.name}): a number is not a string"
            )
        with np.errstate(invalid="ignore", over="ignore"):  # nan -> int: TF's value too
            return wrap(xp.asarray(value).astype(dtype._np))
    return wrap(xp.asarray(value))


def _shape_tensor(shape: TensorShape, dtype) -> Tensor:
    """A fully known TensorShape as a 1-D int32 Tensor (int64 when a dimension needs it)."""
    if not shape.is_fully_defined():
        raise ValueError(f"Cannot convert a partially known TensorShape {shape} to a Tensor.")
    dims = shape.as_list()
    if dtype is None:
        fits = all(d <= np.iinfo(np.int32).max for d in dims)
        dtype = dtypes.int32 if fits else dtypes.int64
    elif dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(
            f"Cannot convert TensorShape {shape} to dtype {dtype!r}. Allowed dtypes are "
            f"tf.int32 and tf.int64."
        )
    return wrap(xp.asarray(np.asarray(dims, dtype=dtype._np)))


def _string_tensor(value, dtype, to_array) -> Tensor:
    """A string Tensor from text (TypeError, as TF, when text and `dtype` disagree)."""
    is_text = (
        value.dtype.kind in "USO"
        if isinstance(value, (np.ndarray, np.generic))
        else string_values.leads_with_text(value)
    )
    if dtype is not None and (dtype is not dtypes.string or not is_text):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    return wrap(to_array(value))


def _hint_applies(inferred: dtypes.DType, hint: dtypes.DType) -> bool:
    if inferred == hint:
        return True
    if inferred.is_integer:
        return hint.is_integer or hint.is_floating
    if inferred.is_floating:
        return hint.is_floating
    return False


def _leaves(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _leaves(v)
        else:
            yield v


def _pack_nested(value, dtype):
    """A list holding Tensors becomes one stacked Tensor (`tf.constant([t1, t2])`)."""
    from .registry import get_op  # the registry is core; ops register "Pack" there

    items = [_pack_nested(v, dtype) if isinstance(v, (list, tuple)) else v for v in value]
    ref = next((x for x in items if isinstance(x, Operand)), None)
    dt = dtype or (ref.dtype if ref is not None else None)
    items = [convert_to_tensor(x, dtype=dt) for x in items]
    return get_op("Pack")(*items, axis=0)


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """`tf.constant`: a new Tensor holding a copy of `value`, optionally reshaped/broadcast."""
    if isinstance(value, Operand):
        t = convert_to_tensor(value)
        if dtype is not None and t.dtype != dtypes.as_dtype(dtype):
            if dtypes.string in (t.dtype, dtypes.as_dtype(dtype)):
                raise TypeError(
                    f"Cannot convert {t!r} to EagerTensor of dtype {dtypes.as_dtype(dtype).name}"
                )
            t = wrap(t._value.astype(dtypes.as_dtype(dtype)._np))
    else:
        t = convert_to_tensor(value, dtype=dtype)
        if isinstance(value, (np.ndarray, np.generic)) and t._value is value:
            t = wrap(xp.array(value, copy=True))
    if shape is not None:
        shape = tuple(TensorShape(shape).as_list())
        v = t._value
        if v.size == int(np.prod(shape)):
            t = wrap(xp.reshape(v, shape))
        elif v.size == 1:
            t = wrap(np.full(shape, v.reshape(())[()], dtype=v.dtype) if v.dtype == object
                     else xp.full(shape, v.reshape(()), dtype=v.dtype))  # fmt: skip
        else:
            raise TypeError(
                f"Eager execution of tf.constant with unsupported shape. Tensor "
                f"{t} (converted from {value!r}) has {v.size} elements, but got "
                f"`shape` {TensorShape(shape)} with {int(np.prod(shape))} elements)."
            )
    return t


def is_tensor(x) -> builtins.bool:
    """True for Tensors, Variables and composite tensors such as SparseTensor (TF's
    `tf.is_tensor`)."""
    return isinstance(x, Operand) or getattr(type(x), "_is_composite_tensor", False)
