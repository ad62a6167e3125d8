"""Text as a string Tensor holds it: a NumPy object array whose elements are `bytes`.

`str` is encoded as UTF-8 (as TensorFlow does); NumPy `U`/`S` arrays and object arrays of
`str`/`bytes` are accepted; anything else inside (a number, None, a NaN from a pandas column
with missing values) is refused with TensorFlow's error rather than stored.
Strings always live in NumPy (a GPU backend has no object arrays).
"""

from __future__ import annotations

import numpy as np

OBJECT = np.dtype(object)
MIXED_TYPES = "Can't convert Python sequence with mixed types to Tensor."
NON_RECTANGULAR = "Can't convert non-rectangular Python sequence to Tensor."


def is_string_array(a) -> bool:
    """True for the object arrays string Tensors hold."""
    return getattr(a, "dtype", None) is OBJECT


def boxed(value):
    """An element NumPy unboxed from an object array (`a[1]`), back in a 0-d array."""
    if type(value) is bytes:
        out = np.empty((), dtype=object)
        out[()] = value
        return out
    return value


def leads_with_text(value) -> bool:
    """True if the first leaf of a (nested) Python list/tuple, or the value itself, is text."""
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return isinstance(value, (str, bytes))


def as_bytes(value) -> bytes:
    """One text value as `bytes` (UTF-8 for `str`); ValueError for anything else."""
    if type(value) is bytes:
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):  # np.bytes_ and other subclasses: plain bytes, as TF returns
        return bytes(value)
    raise ValueError(MIXED_TYPES)


def bytes_array(flat: list, shape) -> np.ndarray:
    """An object array of `shape` holding the `bytes` in `flat` (C order)."""
    out = np.empty(len(flat), dtype=object)
    out[:] = flat  # element by element: NumPy never looks inside the bytes
    return out.reshape(shape)


def from_python(value) -> np.ndarray:
    """A (nested) list/tuple of `str`/`bytes`, or one of them, as an object array of bytes."""
    shape = []
    probe = value
    while isinstance(probe, (list, tuple)):
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    rank = len(shape)
    flat = []

    def walk(v, depth):
        if depth == rank:
            if isinstance(v, (list, tuple)):
                raise ValueError(NON_RECTANGULAR)
            if not isinstance(v, (str, bytes)):
                if v is None:
                    raise ValueError(
                        "Attempt to convert a value (None) with an unsupported type "
                        "(<class 'NoneType'>) to a Tensor."
                    )
                raise ValueError(MIXED_TYPES)
            flat.append(as_bytes(v))
            return
        if not isinstance(v, (list, tuple)) or len(v) != shape[depth]:
            raise ValueError(NON_RECTANGULAR)
        for item in v:
            walk(item, depth + 1)

    walk(value, 0)
    return bytes_array(flat, tuple(shape))


def from_numpy(array: np.ndarray) -> np.ndarray:
    """A NumPy `U`, `S` or object array (or scalar) as a new object array of bytes."""
    array = np.asarray(array)
    items = array.reshape(-1).tolist()
    kind = array.dtype.kind
    if kind == "U":
        flat = [s.encode("utf-8") for s in items]
    elif kind == "S":
        flat = items
    else:
        flat = []
        for item in items:
            if type(item) is bytes:
                flat.append(item)
            elif isinstance(item, (str, bytes)):
                flat.append(as_bytes(item))
            else:
                raise ValueError(
                    f"Failed to convert a NumPy array to a Tensor (Unsupported object type "
                    f"{type(item).__name__})."
                )
    return bytes_array(flat, array.shape)


def empty(shape) -> np.ndarray:
    """An object array of `shape` filled with b"" (TF's zero value for strings)."""
    out = np.empty(shape, dtype=object)
    out.fill(b"")
    return out
