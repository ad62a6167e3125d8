"""NumPy's dtype rules for `tf.experimental.numpy`: conversion and promotion.

As in TF's tnp (and NumPy 2, NEP 50): a Tensor or array keeps its dtype; a Python
number is "weak" (it takes the other operand's dtype unless its kind is higher: an int32
tensor plus 1.5 is float64); values that are all Python numbers get NumPy's defaults,
int64 and float64 (float32 with `experimental_enable_numpy_behavior(prefer_float32=True)`).
"""

from __future__ import annotations

import numbers

import numpy as np

import tapeflow as tf

_settings = {"prefer_float32": False}
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def default_float():
    return np.dtype("float32") if _settings["prefer_float32"] else np.dtype("float64")


def _default_of(kind):
    return {
        "b": np.dtype("bool"),
        "i": np.dtype("int64"),
        "u": np.dtype("int64"),
        "f": default_float(),
        "c": np.dtype("complex128"),
    }[kind]


def _python_kind(x):
    if isinstance(x, (list, tuple)):
        kinds = [_python_kind(e) for e in x]
        return max(kinds, key=_KIND_RANK.get) if kinds else None
    if isinstance(x, (bool, np.bool_)):
        return "b"
    if isinstance(x, numbers.Integral):
        return "i"
    if isinstance(x, numbers.Real):
        return "f"
    if isinstance(x, numbers.Complex):
        return "c"
    return None


def _is_weak(x) -> bool:
    """Python numbers, and (as TF's tnp treats them) lists of Python numbers."""
    if isinstance(x, (list, tuple)):
        return bool(x) and all(_is_weak(e) for e in x)
    return isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic)


def dtype_of(x):
    """The NumPy dtype `x` would have as a tnp array (None for a weak Python number)."""
    if isinstance(x, tf.Tensor) or isinstance(x, tf.Variable):
        return np.dtype(x._value.dtype)
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype
    if _is_weak(x):
        return None
    return _nested_dtype(x)


def _nested_dtype(x):
    arr = np.asarray(x)
    if arr.dtype.kind == "f" and arr.dtype != default_float():
        return default_float()
    if arr.dtype.kind == "c":
        return np.dtype("complex128")
    return arr.dtype


def result_type(*values):
    """NumPy's result dtype for `values` (Tensors, arrays, Python numbers, dtypes)."""
    strong, weak = [], []
    for v in values:
        if v is None:
            continue
        if isinstance(v, (np.dtype, type)) or isinstance(v, tf.DType):
            strong.append(np.dtype(as_numpy_dtype(v)))
            continue
        d = dtype_of(v)
        if d is None:
            weak.append(_python_kind(v))
        else:
            strong.append(d)
    if not strong:
        kinds = [k for k in weak if k is not None] or ["f"]
        return _default_of(max(kinds, key=_KIND_RANK.get))
    out = np.result_type(*strong)
    for k in weak:
        if k is not None and _KIND_RANK[k] > _KIND_RANK.get(out.kind, 0):
            out = np.result_type(out, _default_of(k))
    return out


def as_numpy_dtype(dtype):
    if dtype is None:
        return None
    if isinstance(dtype, tf.DType):
        return np.dtype(dtype.as_numpy_dtype)
    if dtype is float:
        return default_float()
    if dtype is int:
        return np.dtype("int64")
    if dtype is bool:
        return np.dtype("bool")
    if dtype is complex:
        return np.dtype("complex128")
    return np.dtype(dtype)


def asarray(x, dtype=None):
    """`x` as a Tensor of NumPy's dtype for it (or `dtype`), differentiably (a Tensor given
    is cast with tf.cast, so gradients flow)."""
    dtype = as_numpy_dtype(dtype)
    if isinstance(x, (tf.Tensor, tf.Variable)):
        if dtype is None or np.dtype(x._value.dtype) == dtype:
            return x if isinstance(x, tf.Tensor) else tf.identity(x)
        return tf.cast(x, dtype.name)
    if isinstance(x, (list, tuple)) and any(isinstance(e, (tf.Tensor, tf.Variable)) for e in x):
        parts = [asarray(e) for e in x]
        common = dtype or result_type(*parts)
        return tf.stack([asarray(p, common) for p in parts])
    if dtype is None:
        dtype = dtype_of(x) if not _is_weak(x) else result_type(x)
    return tf.constant(np.asarray(x, dtype=dtype))


def promote(*values, floating=False):
    """`values` as Tensors of their common NumPy dtype (a floating one if `floating`)."""
    dtype = result_type(*values)
    if floating and dtype.kind not in "fc":
        dtype = default_float()
    return [asarray(v, dtype) for v in values], dtype
