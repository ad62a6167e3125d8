"""Inverse trigonometric and hyperbolic functions: asin, acos, asinh, acosh, atanh, atan2.

Outside their domain they give nan (asin(2), acosh(0.5)) and at its edge inf (atanh(1)),
silently, as TF's kernels do.
"""

from ..backend import xp
from ..core.registry import op
from ._common import BINARY, UNARY, _floating
from .math import _quiet, _real_div
from .math_unary import rsqrt, square

_OPEN_UNIT = (-0.9, 0.9)


@op("Asin", samples=UNARY, domain=_OPEN_UNIT, batchable=True)
@_quiet
def asin(x):
    """Arcsine elementwise, in [-pi/2, pi/2]."""
    return _floating("Asin", x, xp.arcsin(x))


@asin.vjp
def _asin_vjp(g, ans, x):
    return (g * rsqrt(1.0 - square(x)),)


@op("Acos", samples=UNARY, domain=_OPEN_UNIT, batchable=True)
@_quiet
def acos(x):
    """Arccosine elementwise, in [0, pi]."""
    return _floating("Acos", x, xp.arccos(x))


@acos.vjp
def _acos_vjp(g, ans, x):
    return (-g * rsqrt(1.0 - square(x)),)


@op("Asinh", samples=UNARY, domain=(-3, 3), batchable=True)
def asinh(x):
    """Inverse hyperbolic sine elementwise."""
    return _floating("Asinh", x, xp.arcsinh(x))


@asinh.vjp
def _asinh_vjp(g, ans, x):
    return (g * rsqrt(square(x) + 1.0),)


@op("Acosh", samples=UNARY, domain=(1.2, 3.0), batchable=True)
@_quiet
def acosh(x):
    """Inverse hyperbolic cosine elementwise (x >= 1)."""
    return _floating("Acosh", x, xp.arccosh(x))


@acosh.vjp
def _acosh_vjp(g, ans, x):
    return (g * rsqrt(square(x) - 1.0),)


@op("Atanh", samples=UNARY, domain=_OPEN_UNIT, batchable=True)
@_quiet
def atanh(x):
    """Inverse hyperbolic tangent elementwise (|x| < 1)."""
    return _floating("Atanh", x, xp.arctanh(x))


@atanh.vjp
def _atanh_vjp(g, ans, x):
    return (_real_div(g, 1.0 - square(x)),)


@op("Atan2", samples=BINARY, domain=(0.5, 2.0), batchable=True)
def atan2(y, x):
    """The angle of the point (x, y): arctan(y / x) in the right quadrant, in [-pi, pi]."""
    return _floating("Atan2", y, xp.arctan2(y, x))


@atan2.vjp
def _atan2_vjp(g, ans, y, x):
    scale = _real_div(g, square(x) + square(y))
    return scale * x, -scale * y


API = {
    "math": ["asin", "acos", "asinh", "acosh", "atanh", "atan2"],
    "tf": ["asin", "acos", "asinh", "acosh", "atanh", "atan2"],  # TF's top-level aliases
}
