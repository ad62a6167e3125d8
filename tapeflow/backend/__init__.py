"""The array module every op computes with: NumPy, or CuPy when TAPEFLOW_BACKEND=cupy.

The choice is made once, at import, so the hot path reads a module global and never asks.
"""

import os

import numpy

_requested = os.environ.get("TAPEFLOW_BACKEND", "numpy").lower()
if _requested == "cupy":
    try:
        import cupy as xp  # noqa: F401
    except ImportError as e:  # pragma: no cover - needs a GPU machine
        raise ImportError(
            "TAPEFLOW_BACKEND=cupy but CuPy is not importable; install tapeflow[gpu] "
            "on a machine with CUDA, or unset TAPEFLOW_BACKEND."
        ) from e
    name = "cupy"
elif _requested == "numpy":
    xp = numpy
    name = "numpy"
else:
    raise ImportError(f"TAPEFLOW_BACKEND must be 'numpy' or 'cupy', got {_requested!r}.")


def to_numpy(array):
    """A NumPy array (or scalar) holding the values of a backend array."""
    if xp is numpy:
        return array
    return xp.asnumpy(array)  # pragma: no cover
