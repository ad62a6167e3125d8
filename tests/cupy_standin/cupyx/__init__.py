"""The stand-in's `cupyx` (test only): `scatter_add`, and `cupyx.scipy.special`."""

import numpy as _np
from cupy import _unwrap


def scatter_add(a, slices, value):
    _np.add.at(_unwrap(a, "scatter_add"), _unwrap(slices, "scatter_add"),
               _unwrap(value, "scatter_add"))  # fmt: skip
