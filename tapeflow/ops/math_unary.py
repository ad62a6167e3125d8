"""Unary elementwise math: abs, sign, powers and roots, exponentials and logarithms,
trigonometric and hyperbolic functions, sigmoid, softplus, softsign, erf, rounding.
"""

import numpy as np

from ..backend import xp
from ..core.errors import NotFoundError
from ..core.registry import op
from ..core.tensor import wrap
from ._common import UNARY, _floating
from .math import POSITIVE, _quiet, _real_div

# ---- absolute value, powers and roots ------------------------------------------------------


@op("Abs", numbers=True, samples=UNARY, batchable=True)
def abs(x):  # noqa: A001 - TF's public name
    """|x| elementwise."""
    return xp.abs(x)


@abs.vjp
def _abs_vjp(g, ans, x):
    return (g * sign(x),)


@op("Sign", numbers=True, samples=UNARY, batchable=True)
def sign(x):
    """-1, 0 or 1 by the sign of x (nan stays nan)."""
    return xp.sign(x)


@sign.vjp
def _sign_vjp(g, ans, x):
    return (wrap(xp.zeros(tuple(g.shape), dtype=g.dtype.as_numpy_dtype)),)  # TF: zeros


@op("Square", numbers=True, samples=UNARY, batchable=True)
def square(x):
    """x * x elementwise."""
    return xp.multiply(x, x)


@square.vjp
def _square_vjp(g, ans, x):
    return (g * (x * 2.0),)


@square.array_vjp
def _square_array_vjp(g, ans, x):
    two = xp.asarray(2.0, dtype=x.dtype)  # `x * 2.0` converts 2.0 to x's dtype
    return (xp.multiply(g, xp.multiply(x, two)),)


@op("Sqrt", numbers=True, samples=UNARY, domain=(0.5, 3.0), batchable=True)
@_quiet
def sqrt(x):
    """Square root elementwise (floats only)."""
    return _floating("Sqrt", x, xp.sqrt(x))


@sqrt.vjp
def _sqrt_vjp(g, ans, x):
    return (_real_div(g * 0.5, ans),)


@op("Rsqrt", numbers=True, samples=UNARY, domain=(0.5, 3.0), batchable=True)
@_quiet
def rsqrt(x):
    """1 / sqrt(x) elementwise (floats only)."""
    return _floating("Rsqrt", x, 1 / xp.sqrt(x))


@rsqrt.vjp
def _rsqrt_vjp(g, ans, x):
    return ((g * -0.5) * (ans * ans * ans),)


@op("Reciprocal", numbers=True, samples=UNARY, domain=POSITIVE, batchable=True)
@_quiet
def reciprocal(x):
    """1 / x elementwise (floats only)."""
    out = xp.reciprocal(x)
    if out.dtype.kind != "f":
        raise NotFoundError(f"Reciprocal: no kernel for {x.dtype.name} inputs")
    return out


@reciprocal.vjp
def _reciprocal_vjp(g, ans, x):
    return (-g * ans * ans,)


# ---- exponentials and logarithms -----------------------------------------------------------


@op("Exp", numbers=True, samples=UNARY, domain=(-3, 3), batchable=True)
@_quiet
def exp(x):
    """e ** x elementwise."""
    return _floating("Exp", x, xp.exp(x))


@exp.vjp
def _exp_vjp(g, ans, x):
    return (g * ans,)  # d exp = exp


@op("Expm1", numbers=True, samples=UNARY, domain=(-3, 3), batchable=True)
@_quiet
def expm1(x):
    """exp(x) - 1, accurate for small x."""
    return _floating("Expm1", x, xp.expm1(x))


@expm1.vjp
def _expm1_vjp(g, ans, x):
    return (g * exp(x),)


@op("Log", numbers=True, samples=UNARY, domain=(0.5, 3), batchable=True)
@_quiet
def log(x):
    """Natural logarithm elementwise (log(0) = -inf, negative -> nan)."""
    return _floating("Log", x, xp.log(x))


@log.vjp
def _log_vjp(g, ans, x):
    return (g * reciprocal(x),)


@op("Log1p", numbers=True, samples=UNARY, domain=(-0.5, 2), batchable=True)
@_quiet
def log1p(x):
    """log(1 + x), accurate for small x."""
    return _floating("Log1p", x, xp.log1p(x))


@log1p.vjp
def _log1p_vjp(g, ans, x):
    return (g * reciprocal(1.0 + x),)


# ---- trigonometric and hyperbolic ----------------------------------------------------------


@op("Sin", numbers=True, samples=UNARY, batchable=True)
def sin(x):
    """Sine elementwise."""
    return _floating("Sin", x, xp.sin(x))


@sin.vjp
def _sin_vjp(g, ans, x):
    return (g * cos(x),)


@op("Cos", numbers=True, samples=UNARY, batchable=True)
def cos(x):
    """Cosine elementwise."""
    return _floating("Cos", x, xp.cos(x))


@cos.vjp
def _cos_vjp(g, ans, x):
    return (-g * sin(x),)


@op("Tan", numbers=True, samples=UNARY, domain=(-1, 1), batchable=True)
def tan(x):
    """Tangent elementwise."""
    return _floating("Tan", x, xp.tan(x))


@tan.vjp
def _tan_vjp(g, ans, x):
    return (square(reciprocal(cos(x))) * g,)


@op("Atan", numbers=True, samples=UNARY, batchable=True)
def atan(x):
    """Arctangent elementwise."""
    return _floating("Atan", x, xp.arctan(x))


@atan.vjp
def _atan_vjp(g, ans, x):
    return (g * reciprocal(1.0 + square(x)),)


@op("Sinh", numbers=True, samples=UNARY, batchable=True)
@_quiet
def sinh(x):
    """Hyperbolic sine elementwise."""
    return _floating("Sinh", x, xp.sinh(x))


@sinh.vjp
def _sinh_vjp(g, ans, x):
    return (g * cosh(x),)


@op("Cosh", numbers=True, samples=UNARY, batchable=True)
@_quiet
def cosh(x):
    """Hyperbolic cosine elementwise."""
    return _floating("Cosh", x, xp.cosh(x))


@cosh.vjp
def _cosh_vjp(g, ans, x):
    return (g * sinh(x),)


@op("Tanh", numbers=True, samples=UNARY, batchable=True)
def tanh(x):
    """Hyperbolic tangent elementwise."""
    return _floating("Tanh", x, xp.tanh(x))


@tanh.vjp
def _tanh_vjp(g, ans, x):
    return (g * (1.0 - ans * ans),)


# ---- activations ---------------------------------------------------------------------------


@op("Sigmoid", numbers=True, samples=UNARY, domain=(-4, 4), batchable=True)
def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""
    e = xp.exp(-xp.abs(x))
    small = e / (1 + e)  # sigmoid(-|x|), accurate even when tiny
    # 1 - small rounds correctly near 1, where 1 / (1 + e) would be off by an ulp.
    return _floating("Sigmoid", x, xp.where(x >= 0, 1 - small, small))


@sigmoid.vjp
def _sigmoid_vjp(g, ans, x):
    return (g * ans * (1.0 - ans),)


_SOFTPLUS_THRESHOLD = {}


# Registered (not log1p(exp(x))) for stability: exp overflows for large x, as in TF's kernel.
@op("Softplus", numbers=True, samples=UNARY, domain=(-4, 4), batchable=True)
@_quiet
def softplus(features):
    """log(exp(x) + 1), equal to x for large x and exp(x) for very negative x, as in TF."""
    _floating("Softplus", features)
    t = _SOFTPLUS_THRESHOLD.get(features.dtype)
    if t is None:  # below t, exp(x) == softplus(x) to machine precision; above -t, x does
        t = _SOFTPLUS_THRESHOLD[features.dtype] = float(np.log(np.finfo(features.dtype).eps)) + 2
    e = xp.exp(features)
    return xp.where(features > -t, features, xp.where(features < t, e, xp.log1p(e)))


@softplus.vjp
def _softplus_vjp(g, ans, features):
    return (g * sigmoid(features),)


# Registered (not x / (1 + |x|) composed) for accuracy: the composed gradient cancels.
@op("Softsign", numbers=True, samples=UNARY, batchable=True)
def softsign(features):
    """x / (1 + |x|)."""
    return _floating("Softsign", features, features / (xp.abs(features) + 1))


@softsign.vjp
def _softsign_vjp(g, ans, features):
    return (_real_div(g, square(abs(features) + 1.0)),)


_erf_impl = None


@op("Erf", numbers=True, samples=UNARY, batchable=True)
def erf(x):
    """The Gauss error function elementwise."""
    global _erf_impl
    _floating("Erf", x)
    if _erf_impl is None:
        _erf_impl = _load_erf()
    return _erf_impl(x).astype(x.dtype, copy=False)


@erf.vjp
def _erf_vjp(g, ans, x):
    return (g * (2.0 / float(np.sqrt(np.pi))) * exp(-square(x)),)


def erfc(x, name=None):
    """1 - erf(x). Composite: loses relative precision where erf(x) is near 1 (x > ~4)."""
    return 1.0 - erf(x)


def _load_erf():
    try:
        if xp is np:
            from scipy.special import erf as impl
        else:  # pragma: no cover - needs a GPU machine
            from cupyx.scipy.special import erf as impl
    except ImportError:
        return _erf_chebyshev  # NumPy only: slower, within a few ulps in float64
    return impl


_ERF_STEP, _ERF_PIECES, _ERF_DEGREE = 0.5, 12, 16  # erf(x) rounds to 1 for |x| >= 6
_erf_table = None


def _erf_chebyshev(x):
    """erf without SciPy: x * g(|x|), g = erf(x)/x interpolated on 12 pieces of [0, 6]."""
    global _erf_table
    if _erf_table is None:  # Chebyshev interpolants of erf(x)/x (smooth, even, g(0) = 2/sqrt(pi))
        import math

        from numpy.polynomial import chebyshev

        t = chebyshev.chebpts1(_ERF_DEGREE + 1)
        rows = []
        for p in range(_ERF_PIECES):
            v = _ERF_STEP * (p + 0.5 + 0.5 * t)
            rows.append(chebyshev.chebfit(t, [math.erf(a) / a for a in v], _ERF_DEGREE))
        _erf_table = xp.asarray(np.array(rows))
    x = x.astype(xp.float64)
    ax = xp.abs(x)
    inside = ax < _ERF_STEP * _ERF_PIECES  # False for inf and nan
    s = xp.where(inside, ax, 0.0) / _ERF_STEP
    piece = xp.minimum(s.astype(xp.intp), _ERF_PIECES - 1)
    t = 2 * (s - piece) - 1
    b1 = b2 = 0.0
    for k in range(_ERF_DEGREE, 0, -1):  # Clenshaw's recurrence, one coefficient column a step
        b1, b2 = _erf_table[piece, k] + 2 * t * b1 - b2, b1
    g = _erf_table[piece, 0] + t * b1 - b2
    return xp.where(xp.isnan(x), x, xp.copysign(xp.where(inside, ax * g, 1.0), x))


# ---- rounding (no gradient in TF) ----------------------------------------------------------


@op("Round", numbers=True, differentiable=False, samples=UNARY)
def round(x):  # noqa: A001 - TF's public name
    """Rounds half to even (banker's rounding): 0.5 -> 0, 1.5 -> 2, 2.5 -> 2."""
    if x.dtype.kind in "iu":
        return x
    return xp.round(x)


@op("Floor", numbers=True, differentiable=False, samples=UNARY)
def floor(x):
    """Largest integer not greater than x, elementwise (floats only)."""
    _floating("Floor", x)  # NumPy 2 floors integers as integers; TF refuses them
    return xp.floor(x)


@op("Ceil", numbers=True, differentiable=False, samples=UNARY)
def ceil(x):
    """Smallest integer not less than x, elementwise (floats only)."""
    _floating("Ceil", x)  # as for Floor
    return xp.ceil(x)


_BOTH = "abs sign square sqrt exp sin cos tan tanh sinh cosh atan sigmoid round floor".split()
API = {
    "tf": _BOTH,
    "math": _BOTH + "rsqrt reciprocal expm1 log log1p softplus softsign erf erfc ceil".split(),
    "nn": ["sigmoid", "softplus", "softsign", "tanh"],
}
