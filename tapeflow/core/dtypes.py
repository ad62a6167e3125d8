"""Data types with TensorFlow's names and rules (`tf.float32`, `tf.as_dtype`)."""

from __future__ import annotations

import builtins

import numpy as np


class DType:
    """A tensor element type; compares equal to its name and to the matching NumPy dtype."""

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name: str, np_dtype):
        self.name = name
        self._np = np.dtype(np_dtype)
        self.as_numpy_dtype = self._np.type

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_complex(self) -> bool:
        return self._np.kind == "c"

    @property
    def is_numeric(self) -> bool:
        return self._np.kind in "iufc"

    @property
    def size(self) -> int:
        return 0 if self is string else self._np.itemsize

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        return self

    @property
    def min(self):
        if self is string:
            raise TypeError(f"Cannot find minimum value of {self!r} with type {self!r}.")
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        if self is string:
            raise TypeError(f"Cannot find maximum value of {self!r} with type {self!r}.")
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def is_compatible_with(self, other) -> bool:
        return self == other

    def __eq__(self, other):
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        # TensorFlow's: print(x.dtype) shows <dtype: 'float32'>, repr() shows tf.float32.
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16)
half = float16
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
double = float64
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TF's public name
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
# A string tensor holds a NumPy object array of `bytes` (DESIGN.md, "Strings").
string = DType("string", object)
string.as_numpy_dtype = object  # as TF: `tf.string.as_numpy_dtype is object`


class _BFloat16(DType):
    """bfloat16: its NumPy dtype comes from the optional `ml_dtypes` package, imported the
    first time the dtype is used for data (importing it costs more than tapeflow's import).
    NumPy gives it kind "V"; tapeflow counts it as floating (`is_float_array`)."""

    __slots__ = ()

    def __init__(self):
        self.name = "bfloat16"

    def __getattr__(self, attr):
        if attr in ("_np", "as_numpy_dtype"):
            np_dtype = _bfloat16_numpy()
            self._np = np_dtype
            self.as_numpy_dtype = np_dtype.type
            _BY_NP[np_dtype] = self
            return getattr(self, attr)
        raise AttributeError(attr)

    @property
    def is_floating(self) -> builtins.bool:
        return True

    @property
    def is_numeric(self) -> builtins.bool:
        return True

    @property
    def min(self):
        return float(np.finfo(self._np).min)

    @property
    def max(self):
        return float(np.finfo(self._np).max)


def _bfloat16_numpy():
    try:
        import ml_dtypes
    except ImportError:
        raise ImportError(
            "tf.bfloat16 needs the `ml_dtypes` package (NumPy has no bfloat16): "
            "pip install ml_dtypes (or tapeflow[bfloat16])"
        ) from None
    return np.dtype(ml_dtypes.bfloat16)


bfloat16 = _BFloat16()


def is_float_array(np_dtype) -> builtins.bool:
    """Whether arrays of this NumPy dtype hold floating values (bfloat16 included)."""
    return np_dtype.kind == "f" or np_dtype.name == "bfloat16"


_ALL = (
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
    bool,
    complex64,
    complex128,
    string,
)
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64, float=float32, bfloat16=bfloat16)
# Keyed by np.dtype: the hot path maps an array's dtype to a DType with one dict lookup.
_BY_NP = {d._np: d for d in _ALL}
# Python types follow NumPy's meaning of them, as tf.as_dtype does (`str` is refused).
_BY_PYTYPE = {float: float64, int: int64, builtins.bool: bool, complex: complex128, object: string}
# NumPy's text kinds (unicode `U`, bytes `S`) are strings too, whatever their length.
_STRING_KINDS = "USO"


def as_dtype(type_value) -> DType:
    """Converts a DType, a name, a NumPy dtype or a Python type to a `DType`."""
    if isinstance(type_value, DType):
        return type_value
    if type_value is None:  # NumPy would read None as float64
        raise TypeError("Cannot convert the argument `type_value`: None to a tapeflow DType.")
    if isinstance(type_value, str):
        try:
            return _BY_NAME[type_value]
        except KeyError:
            raise TypeError(f"Cannot convert {type_value!r} to a tapeflow DType.") from None
    if type_value in _BY_PYTYPE:
        return _BY_PYTYPE[type_value]
    if type_value is str or type_value is bytes:
        raise TypeError(f"Cannot convert {type_value!r} to a tapeflow DType.")
    try:
        np_dtype = np.dtype(type_value)
    except TypeError:
        raise TypeError(f"Cannot convert {type_value!r} to a tapeflow DType.") from None
    found = _BY_NP.get(np_dtype)
    if found is None and np_dtype.name == "bfloat16":  # ml_dtypes' dtype, seen first here
        found = bfloat16 if bfloat16._np == np_dtype else None
    if found is None and np_dtype.kind in _STRING_KINDS and not np_dtype.fields:
        found = string
    if found is None:
        raise TypeError(f"Cannot convert {type_value!r} to a tapeflow DType.")
    return found


def from_numpy(np_dtype) -> DType:
    """The DType of a NumPy dtype; the fast path used by `Tensor.dtype`."""
    d = _BY_NP.get(np_dtype)
    return d if d is not None else as_dtype(np_dtype)
