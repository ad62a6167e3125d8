"""The stand-in's `cupyx.scipy.special` (test only): erf."""

import math

import numpy as _np
from cupy import _unwrap, _wrap

_erf = _np.vectorize(math.erf, otypes=[float])


def erf(x):
    a = _unwrap(x, "erf")
    return _wrap(_erf(a).astype(a.dtype if a.dtype.kind == "f" else _np.float64))
