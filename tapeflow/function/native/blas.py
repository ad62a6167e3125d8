"""The BLAS that NumPy itself uses, callable from compiled steps (gemm by symbol name).

NumPy's wheels carry OpenBLAS (`scipy_openblas`, 64-bit integers, `scipy_` prefix and `64_`
suffix on its symbols). Its `cblas_sgemm`/`cblas_dgemm` are registered with LLVM under
fixed names, so generated Numba code calls them as external functions: the code holds no
address, which lets Numba cache it on disk, and the matrix products run in the same
library, threads and kernels as `np.matmul` (bitwise the same results for the same
operands and transposition flags). Without such a library, MatMul is not lowered.
"""

from __future__ import annotations

import ctypes
import re

import numpy as np

SYMBOLS = {"float32": "tapeflow_cblas_sgemm", "float64": "tapeflow_cblas_dgemm"}
_state: dict = {}


def _library_paths():
    """Paths of shared libraries in this process that look like NumPy's BLAS."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return []
    paths = []
    for line in maps.splitlines():
        parts = line.split()
        if len(parts) >= 6 and re.search(r"openblas", parts[-1], re.IGNORECASE):
            if parts[-1] not in paths:
                paths.append(parts[-1])
    return paths


def _find(lib, kind):
    for prefix in ("scipy_", ""):
        for suffix in ("64_", ""):
            name = f"{prefix}cblas_{kind}gemm{suffix}"
            if hasattr(lib, name):
                return getattr(lib, name), suffix == "64_"
    return None, None


def register() -> bool:
    """Registers gemm under `SYMBOLS` with LLVM once; whether it is available (64-bit
    integer interface: the only one the generated code calls)."""
    if "ok" in _state:
        return _state["ok"]
    _state["ok"] = False
    np.dot(np.ones((2, 2)), np.ones((2, 2)))  # NumPy's BLAS is loaded by now
    import llvmlite.binding as ll

    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        sgemm, ilp64 = _find(lib, "s")
        dgemm, _ = _find(lib, "d")
        if sgemm is None or dgemm is None or not ilp64:
            continue
        for fn, key in ((sgemm, "float32"), (dgemm, "float64")):
            ll.add_symbol(SYMBOLS[key], ctypes.cast(fn, ctypes.c_void_p).value)
        _state["ok"] = True
        break
    return _state["ok"]


def external_functions():
    """name -> Numba ExternalFunction of `gemm(order, transa, transb, m, n, k, alpha, a,
    lda, b, ldb, beta, c, ldc)` with pointers passed as integers."""
    from numba import types

    out = {}
    i32, i64, ip = types.int32, types.int64, types.intp
    for key, symbol in SYMBOLS.items():
        real = types.float32 if key == "float32" else types.float64
        sig = types.void(i32, i32, i32, i64, i64, i64, real, ip, i64, ip, i64, real, ip, i64)
        out[key] = types.ExternalFunction(symbol, sig)
    return out
