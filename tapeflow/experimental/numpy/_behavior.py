"""`tnp.experimental_enable_numpy_behavior()`: NumPy's methods and promotion on Tensors.

As in TF, it is a switch for the whole process, made once: afterwards Tensors (and
Variables) have `T`, `astype`, `clip`, `flatten`, `max`, `mean`, `min`, `ravel`,
`reshape`, `size`, `tolist` and `transpose`; operators promote dtypes as NumPy does
(`int32_tensor + 1.5` is float64, float32 + float64 is float64, instead of an error); and
indexing takes NumPy's boolean masks and integer arrays.
"""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from ...core.tensor import Operand
from . import _arrays, _math
from ._dtypes import _settings, as_numpy_dtype, promote

_ARITHMETIC = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul")
_COMPARISONS = ("lt", "le", "gt", "ge", "eq", "ne")
_saved: dict = {}  # attribute -> what Operand had before (for tests that switch it off)


def experimental_enable_numpy_behavior(prefer_float32=False, dtype_conversion_mode="legacy"):
    """Gives Tensors NumPy's methods, promotion and indexing (for the whole process).

    Args:
        prefer_float32: Python floats (and tnp's float defaults) become float32 instead of
            NumPy's float64.
        dtype_conversion_mode: TF's argument; only "legacy" (NumPy's rules) is supported.
    """
    if dtype_conversion_mode not in ("legacy", None):
        raise ValueError(
            f"experimental_enable_numpy_behavior: dtype_conversion_mode "
            f"{dtype_conversion_mode!r} is not supported; tapeflow implements 'legacy'"
        )
    _settings["prefer_float32"] = bool(prefer_float32)
    if _saved:
        return
    for name in _ARITHMETIC:
        for dunder in (f"__{name}__", f"__r{name}__"):
            _replace(dunder, _promoting(getattr(Operand, dunder), dunder.startswith("__r")))
    for name in _COMPARISONS:
        dunder = f"__{name}__"
        _replace(dunder, _promoting(getattr(Operand, dunder), False))
    _replace("__getitem__", _numpy_getitem(Operand.__getitem__))
    for name, method in _METHODS.items():
        _replace(name, method)


def _disable_numpy_behavior():
    """Puts Operand back as it was (for tests; TF has no way back)."""
    for name, value in _saved.items():
        if value is _MISSING:
            delattr(Operand, name)
        else:
            setattr(Operand, name, value)
    _saved.clear()
    _settings["prefer_float32"] = False


_MISSING = object()


def _replace(name, value):
    _saved[name] = Operand.__dict__.get(name, _MISSING)
    setattr(Operand, name, value)


def _promoting(original, reflected):
    def operator(self, other):
        if isinstance(other, Operand) and other._value.dtype == self._value.dtype:
            return original(self, other)
        if other is None or not _numeric(other):
            return original(self, other)
        if reflected:
            (b, a), _ = promote(other, self)
        else:
            (a, b), _ = promote(self, other)
        return original(a, b)

    return operator


def _numeric(x) -> bool:
    if isinstance(x, Operand):
        return x._value.dtype.kind in "biufc"
    try:
        return np.asarray(x).dtype.kind in "biufc"
    except Exception:  # noqa: BLE001 - not array-like: the original operator decides
        return False


# ---- indexing --------------------------------------------------------------------------------


def _index_dtype(k):
    # A tensor's dtype from its array (on a GPU backend np.asarray would copy it, or refuse).
    return k._value.dtype if isinstance(k, Operand) else np.asarray(k).dtype


def _is_index_array(k) -> bool:
    if isinstance(k, (list, np.ndarray)) or (isinstance(k, Operand) and k._value.ndim > 0):
        return _index_dtype(k).kind in "biu"
    return False


def _numpy_getitem(original):
    def getitem(self, key):
        parts = key if isinstance(key, tuple) else (key,)
        arrays = [i for i, k in enumerate(parts) if _is_index_array(k)]
        if not arrays:
            return original(self, key)
        if any(p is Ellipsis for p in parts):
            k = next(i for i, p in enumerate(parts) if p is Ellipsis)
            fill = (slice(None),) * (self._value.ndim - (len(parts) - 1))
            parts = parts[:k] + fill + parts[k + 1 :]
            arrays = [i for i, k in enumerate(parts) if _is_index_array(k)]
        if len(parts) == 1:
            idx = parts[0]
            if _index_dtype(idx).kind == "b":
                return tf.boolean_mask(self, idx)
            return tf.gather(self, idx, axis=0)
        if len(arrays) == 1 and all(_full(p) for i, p in enumerate(parts) if i != arrays[0]):
            return tf.gather(self, parts[arrays[0]], axis=arrays[0])
        if arrays == list(range(len(arrays))) and all(_full(p) for p in parts[len(arrays) :]):
            index = tf.stack([tf.cast(_arrays.asarray(parts[i]), "int64") for i in arrays], -1)
            return tf.gather_nd(self, index)
        raise NotImplementedError(
            f"tnp indexing: the key {key!r} mixes integer arrays and slices in a way tapeflow "
            f"does not implement; index one axis at a time"
        )

    return getitem


def _full(p) -> bool:
    return isinstance(p, slice) and p == slice(None)


# ---- methods ---------------------------------------------------------------------------------


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    return _arrays.reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = tuple(axes[0])
    return _arrays.transpose(self, axes or None)


_METHODS = {
    "T": property(lambda self: _arrays.transpose(self)),
    "astype": lambda self, dtype: tf.cast(self, as_numpy_dtype(dtype).name),
    "clip": lambda self, min=None, max=None: _math.clip(self, min, max),  # noqa: A002
    "flatten": lambda self, order="C": _arrays.ravel(self),
    "ravel": lambda self, order="C": _arrays.ravel(self),
    "max": lambda self, axis=None, keepdims=False: _math.max(self, axis, keepdims=keepdims),
    "min": lambda self, axis=None, keepdims=False: _math.min(self, axis, keepdims=keepdims),
    "mean": lambda self, axis=None, dtype=None, keepdims=False: _math.mean(
        self, axis, dtype, keepdims
    ),
    "reshape": _reshape,
    "transpose": _transpose,
    "size": property(lambda self: int(self._value.size)),
    "tolist": lambda self: np.asarray(self).tolist(),
}
