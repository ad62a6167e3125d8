"""The array module every op computes with: NumPy, or CuPy when TAPEFLOW_BACKEND=cupy.

The choice is made once, at import, so the hot path reads a module global and never asks.
"""

import os

import numpy


def _usable_cupy():
    """CuPy, once it has shown a GPU it can use; else ImportError saying why (at import,
    rather than a CUDA error at the first tf.constant)."""
    try:
        import cupy
    except ImportError as e:
        raise ImportError(
            f"TAPEFLOW_BACKEND=cupy but CuPy is not importable ({e}); install tapeflow[gpu] "
            f"(the cupy-cuda12x wheel) on a machine with an NVIDIA GPU, or unset "
            f"TAPEFLOW_BACKEND."
        ) from e
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDARuntimeError: no driver, driver too old, no device
        raise ImportError(
            f"TAPEFLOW_BACKEND=cupy but CuPy finds no usable GPU ({type(e).__name__}: {e}); "
            f"check the NVIDIA driver (nvidia-smi) and that the CuPy wheel matches its CUDA "
            f"version, or unset TAPEFLOW_BACKEND to run on NumPy."
        ) from None
    if count < 1:
        raise ImportError(
            "TAPEFLOW_BACKEND=cupy but CuPy sees no GPU (0 devices; CUDA_VISIBLE_DEVICES?); "
            "unset TAPEFLOW_BACKEND to run on NumPy."
        )
    return cupy


_requested = os.environ.get("TAPEFLOW_BACKEND", "numpy").lower()
if _requested == "cupy":
    xp = _usable_cupy()
    name = "cupy"
elif _requested == "numpy":
    xp = numpy
    name = "numpy"
else:
    raise ImportError(f"TAPEFLOW_BACKEND must be 'numpy' or 'cupy', got {_requested!r}.")

# Freed array memory stays in the process (glibc), so training steps do not page-fault.
from . import allocator  # noqa: E402

allocator.tune()


def to_numpy(array):
    """A NumPy array (or scalar) holding the values of a backend array."""
    if xp is numpy:
        return array
    return xp.asnumpy(array)  # pragma: no cover


def array_module(array):
    """The module that computes on `array`: NumPy for a host array (text, host-side index
    arithmetic), else the backend's. NumPy always, on the NumPy backend."""
    return numpy if isinstance(array, numpy.ndarray) else xp


def to_backend(array):
    """The backend array for a value made on the host (NumPy work in a data pipeline or a
    preprocessing layer) where it becomes a Tensor's value: numbers move to the device,
    text (object arrays of bytes) stays on the host as string tensors keep it. No-op on NumPy.
    """
    if xp is numpy or isinstance(array, xp.ndarray):
        return array
    if isinstance(array, numpy.ndarray) and array.dtype == object:
        return array
    return xp.asarray(array)
