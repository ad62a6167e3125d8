"""Keras 3's dtype names and promotion rules (`keras.backend.result_type`).

Keras ops do not follow TF's "no implicit promotion": they promote along JAX's type lattice,
with Python ints and floats as weak types that take the other operand's width, and with the
TensorFlow backend's choices (a Python int is int64 when alone, float64 is kept).
"""

from __future__ import annotations

import functools

import numpy as np

from .. import backend

BOOL_TYPES = ("bool",)
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
WEAK_TYPES = ("int", "float")
COMPLEX_TYPES = ("complex64", "complex128")
ALLOWED_DTYPES = (
    "float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
    "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn", "float8_e5m2",
    "complex64", "complex128",
)  # fmt: skip
# The TensorFlow backend's defaults for Python types.
PYTHON_DTYPES_MAP = {
    bool: "bool",
    int: "int64",
    float: "float32",
    str: "string",
    "int": "int64",
    complex: "complex128",
}


def standardize_dtype(dtype) -> str:
    """A dtype's Keras name ("float32", ...) from a string, Python type, NumPy or tf dtype."""
    if dtype is None:
        return backend.floatx()
    if isinstance(dtype, type) and dtype in PYTHON_DTYPES_MAP:
        dtype = PYTHON_DTYPES_MAP[dtype]
    elif isinstance(dtype, str) and dtype in PYTHON_DTYPES_MAP:
        dtype = PYTHON_DTYPES_MAP[dtype]
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    if dtype == "bool_":  # NumPy's scalar type name
        dtype = "bool"
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


def is_float_dtype(dtype) -> bool:
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype) -> bool:
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


def _lattice() -> dict:
    """Each type and the types immediately above it (JAX's promotion lattice)."""
    b1 = "bool"
    u1, u2, u4, u8, i1, i2, i4, i8 = INT_TYPES
    bf, f2, f4, f8 = FLOAT_TYPES
    i_, f_ = WEAK_TYPES
    c64, c128 = COMPLEX_TYPES
    return {
        b1: [i_], u1: [i2, u2], u2: [i4, u4], u4: [i8, u8], u8: [f_], i_: [u1, i1, c64],
        i1: [i2], i2: [i4], i4: [i8], i8: [f_], f_: [bf, f2], bf: [f4], f2: [f4],
        f4: [f8, c64], f8: [c128], c64: [c128], c128: [],
    }  # fmt: skip


def _upper_bounds() -> dict:
    lattice = _lattice()
    bounds = {node: {node} for node in lattice}
    for node in lattice:
        while True:
            above = set().union(*(lattice[b] for b in bounds[node]))
            if above <= bounds[node]:
                break
            bounds[node] |= above
    return bounds


_UPPER_BOUNDS = _upper_bounds()


@functools.lru_cache(512)
def _least_upper_bound(*nodes) -> str:
    nodes = set(nodes)
    for n in nodes:
        if n not in _UPPER_BOUNDS:
            raise ValueError(f"dtype={n!r} is not a valid dtype for Keras type promotion.")
    common = set.intersection(*(_UPPER_BOUNDS[n] for n in nodes))
    least = (common & nodes) or {c for c in common if common <= _UPPER_BOUNDS[c]}
    if len(least) != 1:
        raise ValueError(
            f"Input dtypes {tuple(str(n) for n in nodes)} have no available implicit dtype "
            "promotion path. Try explicitly casting inputs to the desired output type."
        )
    return least.pop()


def _weak(dtype: str) -> str:
    if dtype == "bool":
        return dtype
    for kind in ("float", "int", "complex"):
        if kind in dtype:
            return "float" if kind == "float" else kind
    raise ValueError(f"Invalid value for argument `dtype`. Received: dtype={dtype}")


def _resolve_weak(dtype: str, precision: str) -> str:
    indicator = "f" if dtype == "bfloat16" else dtype[:1]
    if indicator == "b":
        return "bool"
    if indicator == "i":
        return f"int{precision}"
    if indicator == "u":
        return f"uint{precision}"
    return f"float{precision}"


def result_type(*dtypes) -> str:
    """The dtype Keras' promotion rules give to an op on `dtypes` (Python `int`/`float` as
    weak types), as `keras.backend.result_type`."""
    if not dtypes:
        return backend.floatx()
    parsed = []
    for d in dtypes:
        d = backend.floatx() if d is None else d
        weak = d is int or d is float
        parsed.append((standardize_dtype(d), weak))
    names = [p[0] for p in parsed]
    weaks = [p[1] for p in parsed]
    if len(parsed) == 1:
        out, out_weak = names[0], weaks[0]
    elif len(set(names)) == 1 and not all(weaks):
        out, out_weak = names[0], False
    elif all(weaks):
        out, out_weak = _least_upper_bound(*set(names)), True
    else:
        out = _least_upper_bound(*{_weak(n) if w else n for n, w in zip(names, weaks)})
        out_weak = out in WEAK_TYPES
    out_weak = out != "bool" and out_weak
    if out_weak:
        out = _resolve_weak(out, backend.floatx()[-2:])
    return {"uint64": "uint32", "complex128": "complex64"}.get(out, out)


def numpy_dtype(dtype) -> np.dtype:
    return np.dtype(standardize_dtype(dtype))
