"""What generated native code imports (`from tapeflow.function.native.runtime import *`),
and the helpers the plan calls around a native segment. Importing it imports Numba."""

from __future__ import annotations

import sys

import numpy as np

from ...backend.native import optim
from . import blas

__all__ = ["np", "optim", "gemm_f4", "gemm_f8"]

if not blas.register():  # pragma: no cover - NumPy without its OpenBLAS: MatMul not lowered
    gemm_f4 = gemm_f8 = None
else:
    _gemm = blas.external_functions()
    gemm_f4, gemm_f8 = _gemm["float32"], _gemm["float64"]

_SOLE_OWNER_REFS = 3  # the variable's slot, the local `a` and getrefcount's argument


def own(variable):
    """The array of `variable`, safe for a native segment to write into in place: copied
    first (C order) when anything else holds it, as `Variable.assign*` would."""
    a = variable._value
    if sys.getrefcount(a) > _SOLE_OWNER_REFS or not (a.flags.c_contiguous and a.flags.writeable):
        a = variable._value = np.array(a, order="C")
    return a
