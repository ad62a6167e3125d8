"""Native kernels compiled by Numba (the `tapeflow[fast]` extra), loaded on first use.

`import tapeflow` never imports Numba: a kernel module (`native/optim.py`, `nn.py`,
`pool.py`, each importing Numba at its top) is imported by `kernels(name)` the first time a
caller asks for it, and each kernel compiles on its first call for a dtype (cached on disk
by Numba, so later processes load it in milliseconds). Without Numba, with
`TAPEFLOW_NATIVE=0` in the environment, or after `set_enabled(False)`, `kernels` answers
None and every caller runs its NumPy fallback, which computes the same numbers (see
`tapeflow/backend/updates.py` and `fused.py` for the exceptions, documented there).

Kernels are plain functions on contiguous arrays and scalars (no Tensors, no tapeflow
objects), so a compiler of whole traced steps can call them too.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import time

from .. import threads

_MODULES = ("optim", "nn", "pool")
_state = {"enabled": os.environ.get("TAPEFLOW_NATIVE", "1").strip() not in ("0", "false")}
_loaded: dict = {}  # module name -> module, or None where it cannot be had
_import_seconds: dict = {}  # module name -> seconds its first import took (Numba included)


def available() -> bool:
    """Whether Numba can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):
        return False


def enabled() -> bool:
    """Whether native kernels are used: Numba installed and not switched off."""
    return _state["enabled"] and available()


def set_enabled(flag: bool) -> None:
    """Switches native kernels on or off for this process (off: the NumPy fallbacks run)."""
    _state["enabled"] = bool(flag)
    _loaded.clear()


def kernels(name: str):
    """The kernel module `name` ("optim", "nn" or "pool"), or None when native kernels are
    off or Numba is missing. Fast after the first call: one dict lookup."""
    try:
        return _loaded[name]
    except KeyError:
        pass
    if name not in _MODULES:
        raise ValueError(f"unknown native kernel module {name!r}; expected one of {_MODULES}")
    module = None
    if enabled():
        started = time.perf_counter()
        module = importlib.import_module(f"{__name__}.{name}")
        _import_seconds[name] = time.perf_counter() - started
        threads.apply_native_threads()
    _loaded[name] = module
    return module


def status() -> dict:
    """What `tapeflow info` shows: whether kernels are on, Numba's version, its threads."""
    out = {"enabled": enabled(), "numba": None, "threads": None}
    if available():
        import importlib.metadata

        try:
            out["numba"] = importlib.metadata.version("numba")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            out["numba"] = "unknown"
    if "numba" in _sys_modules():
        import numba

        out["threads"] = numba.get_num_threads()
    out["import_seconds"] = dict(_import_seconds)
    return out


def compile_all(dtypes=("float32", "float64")) -> dict:
    """Compiles (or loads from Numba's disk cache) every kernel for `dtypes`; returns
    kernel name -> seconds. What the first training step would otherwise pay."""
    out = {}
    for name in _MODULES:
        module = kernels(name)
        if module is None:
            continue
        for kernel_name, run in module.WARM_UP.items():
            for dtype in dtypes:
                started = time.perf_counter()
                run(dtype)
                out[f"{name}.{kernel_name}[{dtype}]"] = time.perf_counter() - started
    return out


def _sys_modules():
    import sys

    return sys.modules
