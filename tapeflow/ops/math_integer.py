"""Division rounded toward zero (`tf.truncatediv`, `tf.truncatemod`) and `tf.saturate_cast`.

`floordiv`/`floormod` (Python's rounding) are in math.py; these are C's.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InternalError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from ._common import BINARY, no_gradient
from .math import _quiet, cast


def _ints(rng, shape, lo, hi):
    return rng.integers(lo, hi, size=shape).astype(np.int32)


def _nonzero(rng, shape):
    return _ints(rng, shape, 1, 9) * rng.choice([-1, 1], size=shape).astype(np.int32)


_INT_SAMPLES = [Sample(lambda r: _ints(r, (3, 4), -40, 40), lambda r: _nonzero(r, (4,)))]


@op("TruncateDiv", numbers=True, differentiable=False, samples=BINARY + _INT_SAMPLES)
@_quiet
def truncatediv(x, y):
    """x / y rounded toward zero (C's integer division: -7 / 5 = -1), for floats too."""
    if x.dtype.kind in "iu":
        if (y == 0).any():
            # TF's kernel reports it as an internal error, not as FloorDiv's invalid argument.
            raise InternalError("TruncateDiv: integer division by zero")
        q = xp.floor_divide(x, y)
        # floor and trunc differ where the signs differ and the division is inexact.
        return q + ((q < 0) & (q * y != x)).astype(q.dtype)
    return xp.trunc(xp.true_divide(x, y))


_NO_GRAD = [Sample(*s.args, wrt=()) for s in BINARY]  # integers: tests/golden


@op("TruncateMod", numbers=True, samples=_NO_GRAD, domain=(0.5, 2.0))
@_quiet
def truncatemod(x, y):
    """Remainder of truncating division: the result has the sign of `x` (C's fmod)."""
    if x.dtype.kind in "iu" and (y == 0).any():
        raise InternalError("TruncateMod: integer division by zero")  # TF's error type
    return xp.fmod(x, y)


no_gradient(truncatemod)  # TF registers no gradient for TruncateMod (LookupError)


def saturate_cast(value, dtype, name=None):
    """`value` cast to `dtype`, clamped first to the range `dtype` can hold (no wrap-around).

    A complex value cast to a real type keeps its real part, as in TF.
    """
    dtype = dtypes.as_dtype(dtype)
    x = convert_to_tensor(value)
    if x.dtype.is_complex and not dtype.is_complex:
        from .math_complex import real

        x = real(x)
    if x.dtype is dtype:
        return x
    if dtypes.string in (x.dtype, dtype) or dtypes.bool in (x.dtype, dtype):
        raise TypeError(f"saturate_cast: cannot cast {x.dtype.name} to {dtype.name}")
    lo, hi = _limits(x.dtype), _limits(dtype)
    from .clip import clip_by_value

    if lo[0] < hi[0] or lo[1] > hi[1]:
        low = _bound_in(x.dtype, max(lo[0], hi[0]), up=True)
        high = _bound_in(x.dtype, min(lo[1], hi[1]), up=False)
        x = clip_by_value(x, low, high)
    return cast(x, dtype)


def _limits(dtype):
    np_dtype = np.dtype(dtype.as_numpy_dtype) if dtype is not dtypes.bfloat16 else np.float32
    if dtype is dtypes.bool:
        return (0, 1)
    if np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
    else:
        info = np.finfo(np_dtype.type(0).real.dtype)
    return (info.min, info.max)


def _bound_in(dtype, bound, up: bool):
    """`bound` as a value of `dtype` that does not pass it (float32(2**31 - 1) rounds up to
    2**31, past int32's max: the next float32 toward zero is taken instead)."""
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    if np_dtype.kind in "iu":
        return np_dtype.type(bound)
    v = np_dtype.type(bound)
    if up and float(v) < bound:
        v = np.nextafter(v, np_dtype.type(np.inf))
    if not up and float(v) > bound:
        v = np.nextafter(v, np_dtype.type(-np.inf))
    return v


API = {"tf": ["truncatediv", "truncatemod", "saturate_cast"]}
