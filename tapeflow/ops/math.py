"""Elementwise math: arithmetic, powers, exponentials, trigonometry, activations, clipping.

Comparisons and logic are in `logic.py`.
"""

import collections.abc

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError, NotFoundError, UnimplementedError
from ..core.indexed_slices import IndexedSlices
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor, wrap
from ._common import BINARY, UNARY, _floating
from .logic import greater, greater_equal, less_equal

# TF computes inf/nan silently where NumPy would warn (log(0), x/0, exp overflow).
_QUIET = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}
_quiet = np.errstate(**_QUIET)  # as a decorator: each call enters a fresh context


POSITIVE = (0.5, 2.0)


# ---- arithmetic ----------------------------------------------------------------------------


@op("AddV2", samples=BINARY, batchable=True)
def add(x, y):
    """x + y elementwise, with broadcasting."""
    return xp.add(x, y)


@add.vjp
def _add_vjp(g, ans, x, y):
    return g, g


@op("Sub", samples=BINARY, batchable=True)
def subtract(x, y):
    """x - y elementwise, with broadcasting."""
    return xp.subtract(x, y)


@subtract.vjp
def _subtract_vjp(g, ans, x, y):
    return g, -g


@op("Mul", samples=BINARY, batchable=True)
def multiply(x, y):
    """x * y elementwise, with broadcasting."""
    return xp.multiply(x, y)


@multiply.vjp(needs=True)
def _multiply_vjp(g, ans, x, y, needs=(True, True)):
    # `needs`: in `w * x` with x data, only w's gradient is wanted (half the work).
    return (g * y if needs[0] else None), (g * x if needs[1] else None)


@op("RealDiv", samples=BINARY, domain=POSITIVE, batchable=True)
@_quiet
def _real_div(x, y):
    out = xp.true_divide(x, y)
    if out.dtype != x.dtype:  # TF has no integer RealDiv kernel; `truediv` casts first
        raise NotFoundError(
            f"RealDiv: no kernel for {x.dtype.name} inputs; use tf.math."
            f"truediv (the `/` operator) to divide integers"
        )
    return out


@_real_div.vjp(needs=True)
def _real_div_vjp(g, ans, x, y, needs=(True, True)):
    gx = _real_div(g, y) if needs[0] else None
    gy = g * _real_div(-ans, y) if needs[1] else None  # TF: realdiv(realdiv(-x, y), y)
    return gx, gy


def realdiv(x, y, name=None):
    """x / y for floating tensors (TF's `tf.realdiv`)."""
    return _real_div(x, y)


# Integer division result types: TF's _TRUEDIV_TABLE (floats divide as they are).
_TRUEDIV = {
    "int8": "float32",
    "int16": "float32",
    "uint8": "float32",
    "uint16": "float32",
    "int32": "float64",
    "int64": "float64",
    "uint32": "float64",
    "uint64": "float64",
}


def _like(value, dtype):
    """`value` as a Tensor, taking `dtype` where it converts to it (TF's dtype_hint)."""
    if isinstance(value, Operand):
        return convert_to_tensor(value)
    try:
        return convert_to_tensor(value, dtype=dtype)
    except (TypeError, ValueError):
        return convert_to_tensor(value)


def _true_operands(x, y, name):
    """x and y converted as TF's truediv does: same dtype required, integers cast to float."""
    x = convert_to_tensor(x)
    y = _like(y, x.dtype)
    if x.dtype is not y.dtype:
        raise TypeError(
            f"{name}: `x` and `y` must have the same dtype, got {x.dtype!r} != {y.dtype!r}."
        )
    if not x.dtype.is_floating:
        target = _TRUEDIV.get(x.dtype.name)
        if target is None:
            raise TypeError(f"{name}: invalid dtype {x.dtype!r}, expected a number type")
        x, y = _cast(x, dtype=target), _cast(y, dtype=target)
    return x, y


def truediv(x, y, name=None):
    """x / y as Python 3 divides: integer inputs are cast to float first (int32 -> float64).

    This is the function behind the `/` operator.
    """
    return _real_div(*_true_operands(x, y, "truediv"))


def divide(x, y, name=None):
    """x / y with Python 3 semantics (see `truediv`)."""
    if not isinstance(x, Operand):
        x = convert_to_tensor(x, dtype=y.dtype if isinstance(y, Operand) else None)
    return truediv(x, y)


@op("DivNoNan", samples=BINARY, domain=POSITIVE, batchable=True)
@_quiet
def _div_no_nan(x, y):
    return xp.where(y == 0, xp.zeros((), x.dtype), xp.true_divide(x, y))


@_div_no_nan.vjp
def _div_no_nan_vjp(g, ans, x, y):
    return _div_no_nan(g, y), g * _div_no_nan(_div_no_nan(-x, y), y)


def divide_no_nan(x, y, name=None):
    """x / y, and 0 wherever y is 0 (even where x is nan or inf)."""
    return _div_no_nan(*_true_operands(x, y, "divide_no_nan"))


def _nonzero_divisor(name, x, y):
    if x.dtype.kind in "iu" and (y == 0).any():
        raise InvalidArgumentError(f"{name}: integer division by zero")


@op("FloorDiv", differentiable=False, samples=BINARY)
@_quiet
def floordiv(x, y):
    """Division rounded toward negative infinity: floor(x / y), also for floats."""
    if x.dtype.kind in "iu":
        _nonzero_divisor("FloorDiv", x, y)
        return xp.floor_divide(x, y)
    return xp.floor(xp.true_divide(x, y))  # TF's float kernel; NumPy's // differs (1 // 0.1)


@op("FloorMod", samples=BINARY, domain=POSITIVE, batchable=True)
@_quiet
def floormod(x, y):
    """Remainder of floor division: the result has the sign of `y` (Python's %)."""
    if x.dtype.kind in "iu":
        _nonzero_divisor("FloorMod", x, y)
        return xp.mod(x, y)
    r = xp.fmod(x, y)  # TF's formula: fmod moved into y's sign (so -0.0 stays -0.0)
    return xp.where((r != 0) & ((y < 0) != (r < 0)), r + y, r)


@floormod.vjp
def _floormod_vjp(g, ans, x, y):
    return g, g * negative(floordiv(x, y))


mod = floormod


@op("Neg", samples=UNARY, batchable=True)
def negative(x):
    """-x elementwise."""
    if x.dtype.kind in "ub":
        raise InvalidArgumentError(f"Neg: expected a signed number tensor, got {x.dtype.name}")
    return xp.negative(x)


@negative.vjp
def _negative_vjp(g, ans, x):
    return (-g,)


@op("Pow", samples=BINARY, domain=POSITIVE, batchable=True)
@_quiet
def pow(x, y):  # noqa: A001 - TF's public name
    """x ** y elementwise; integers to negative integer powers are an error, as in TF."""
    return xp.power(x, y)


@pow.vjp
def _pow_vjp(g, ans, x, y):
    gx = g * y * pow(x, y - 1.0)
    # d/dy is ans * log(x); TF returns 0 where x <= 0 instead of nan (no real log there).
    positive = _cast(greater(x, 0.0), dtype=x.dtype.name)
    safe_x = _div_no_nan(x, positive) + (1.0 - positive)  # where(x > 0, x, 1)
    log_x = _div_no_nan(log(safe_x), positive)  # where(x > 0, log(x), 0)
    return gx, g * ans * log_x


@op("SquaredDifference", samples=BINARY, batchable=True)
def squared_difference(x, y):
    """(x - y) ** 2 elementwise."""
    d = xp.subtract(x, y)
    return xp.multiply(d, d)


@squared_difference.vjp
def _squared_difference_vjp(g, ans, x, y):
    gx = (g * 2.0) * (x - y)
    return gx, -gx


def scalar_mul(scalar, x, name=None):
    """A 0-D `scalar` times `x` (a Tensor or IndexedSlices, whose values are scaled)."""
    if not isinstance(x, (Operand, IndexedSlices)):
        x = convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype)
    if scalar.ndim != 0:
        raise ValueError(f"The input scalar must be a 0-D value. Received shape {scalar.shape}.")
    if isinstance(x, IndexedSlices):
        return IndexedSlices(multiply(scalar, x.values), x.indices, x.dense_shape)
    return multiply(scalar, x)


# ---- absolute value, powers and roots ------------------------------------------------------


@op("Abs", samples=UNARY, batchable=True)
def abs(x):  # noqa: A001 - TF's public name
    """|x| elementwise."""
    return xp.abs(x)


@abs.vjp
def _abs_vjp(g, ans, x):
    return (g * sign(x),)


@op("Sign", samples=UNARY, batchable=True)
def sign(x):
    """-1, 0 or 1 by the sign of x (nan stays nan)."""
    return xp.sign(x)


@sign.vjp
def _sign_vjp(g, ans, x):
    return (wrap(xp.zeros(tuple(g.shape), dtype=g.dtype.as_numpy_dtype)),)  # TF: zeros


@op("Square", samples=UNARY, batchable=True)
def square(x):
    """x * x elementwise."""
    return xp.multiply(x, x)


@square.vjp
def _square_vjp(g, ans, x):
    return (g * (x * 2.0),)


@op("Sqrt", samples=UNARY, domain=(0.5, 3.0), batchable=True)
@_quiet
def sqrt(x):
    """Square root elementwise (floats only)."""
    return _floating("Sqrt", x, xp.sqrt(x))


@sqrt.vjp
def _sqrt_vjp(g, ans, x):
    return (_real_div(g * 0.5, ans),)


@op("Rsqrt", samples=UNARY, domain=(0.5, 3.0), batchable=True)
@_quiet
def rsqrt(x):
    """1 / sqrt(x) elementwise (floats only)."""
    return _floating("Rsqrt", x, 1 / xp.sqrt(x))


@rsqrt.vjp
def _rsqrt_vjp(g, ans, x):
    return ((g * -0.5) * (ans * ans * ans),)


@op("Reciprocal", samples=UNARY, domain=POSITIVE, batchable=True)
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


@op("Exp", samples=UNARY, domain=(-3, 3), batchable=True)
@_quiet
def exp(x):
    """e ** x elementwise."""
    return _floating("Exp", x, xp.exp(x))


@exp.vjp
def _exp_vjp(g, ans, x):
    return (g * ans,)  # d exp = exp


@op("Expm1", samples=UNARY, domain=(-3, 3), batchable=True)
@_quiet
def expm1(x):
    """exp(x) - 1, accurate for small x."""
    return _floating("Expm1", x, xp.expm1(x))


@expm1.vjp
def _expm1_vjp(g, ans, x):
    return (g * exp(x),)


@op("Log", samples=UNARY, domain=(0.5, 3), batchable=True)
@_quiet
def log(x):
    """Natural logarithm elementwise (log(0) = -inf, negative -> nan)."""
    return _floating("Log", x, xp.log(x))


@log.vjp
def _log_vjp(g, ans, x):
    return (g * reciprocal(x),)


@op("Log1p", samples=UNARY, domain=(-0.5, 2), batchable=True)
@_quiet
def log1p(x):
    """log(1 + x), accurate for small x."""
    return _floating("Log1p", x, xp.log1p(x))


@log1p.vjp
def _log1p_vjp(g, ans, x):
    return (g * reciprocal(1.0 + x),)


# ---- trigonometric and hyperbolic ----------------------------------------------------------


@op("Sin", samples=UNARY, batchable=True)
def sin(x):
    """Sine elementwise."""
    return _floating("Sin", x, xp.sin(x))


@sin.vjp
def _sin_vjp(g, ans, x):
    return (g * cos(x),)


@op("Cos", samples=UNARY, batchable=True)
def cos(x):
    """Cosine elementwise."""
    return _floating("Cos", x, xp.cos(x))


@cos.vjp
def _cos_vjp(g, ans, x):
    return (-g * sin(x),)


@op("Tan", samples=UNARY, domain=(-1, 1), batchable=True)
def tan(x):
    """Tangent elementwise."""
    return _floating("Tan", x, xp.tan(x))


@tan.vjp
def _tan_vjp(g, ans, x):
    return (square(reciprocal(cos(x))) * g,)


@op("Atan", samples=UNARY, batchable=True)
def atan(x):
    """Arctangent elementwise."""
    return _floating("Atan", x, xp.arctan(x))


@atan.vjp
def _atan_vjp(g, ans, x):
    return (g * reciprocal(1.0 + square(x)),)


@op("Sinh", samples=UNARY, batchable=True)
@_quiet
def sinh(x):
    """Hyperbolic sine elementwise."""
    return _floating("Sinh", x, xp.sinh(x))


@sinh.vjp
def _sinh_vjp(g, ans, x):
    return (g * cosh(x),)


@op("Cosh", samples=UNARY, batchable=True)
@_quiet
def cosh(x):
    """Hyperbolic cosine elementwise."""
    return _floating("Cosh", x, xp.cosh(x))


@cosh.vjp
def _cosh_vjp(g, ans, x):
    return (g * sinh(x),)


@op("Tanh", samples=UNARY, batchable=True)
def tanh(x):
    """Hyperbolic tangent elementwise."""
    return _floating("Tanh", x, xp.tanh(x))


@tanh.vjp
def _tanh_vjp(g, ans, x):
    return (g * (1.0 - ans * ans),)


# ---- activations ---------------------------------------------------------------------------


@op("Sigmoid", samples=UNARY, domain=(-4, 4), batchable=True)
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
@op("Softplus", samples=UNARY, domain=(-4, 4), batchable=True)
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
@op("Softsign", samples=UNARY, batchable=True)
def softsign(features):
    """x / (1 + |x|)."""
    return _floating("Softsign", features, features / (xp.abs(features) + 1))


@softsign.vjp
def _softsign_vjp(g, ans, features):
    return (_real_div(g, square(abs(features) + 1.0)),)


_erf_impl = None


@op("Erf", samples=UNARY, batchable=True)
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


@op("Round", differentiable=False, samples=UNARY)
def round(x):  # noqa: A001 - TF's public name
    """Rounds half to even (banker's rounding): 0.5 -> 0, 1.5 -> 2, 2.5 -> 2."""
    if x.dtype.kind in "iu":
        return x
    return xp.round(x)


@op("Floor", differentiable=False, samples=UNARY)
def floor(x):
    """Largest integer not greater than x, elementwise (floats only)."""
    _floating("Floor", x)  # NumPy 2 floors integers as integers; TF refuses them
    return xp.floor(x)


@op("Ceil", differentiable=False, samples=UNARY)
def ceil(x):
    """Smallest integer not less than x, elementwise (floats only)."""
    _floating("Ceil", x)  # as for Floor
    return xp.ceil(x)


# ---- maximum, minimum and clipping ---------------------------------------------------------


@op("Maximum", samples=BINARY, batchable=True)
def maximum(x, y):
    """The larger of x and y elementwise (nan if either is nan)."""
    return xp.maximum(x, y)


@maximum.vjp
def _maximum_vjp(g, ans, x, y):
    x_wins = _cast(greater_equal(x, y), dtype=g.dtype.name)  # ties go to x, as in TF
    return g * x_wins, g * (1.0 - x_wins)


@op("Minimum", samples=BINARY, batchable=True)
def minimum(x, y):
    """The smaller of x and y elementwise (nan if either is nan)."""
    return xp.minimum(x, y)


@minimum.vjp
def _minimum_vjp(g, ans, x, y):
    x_wins = _cast(less_equal(x, y), dtype=g.dtype.name)  # ties go to x, as in TF
    return g * x_wins, g * (1.0 - x_wins)


def _same_shape(name, before, after):
    if tuple(before.shape) != tuple(after.shape):
        raise ValueError(
            f"{name}: Shapes {before.shape} and {after.shape} are incompatible "
            f"(the clip bounds must not broadcast `t` to a larger shape)"
        )


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips values into [clip_value_min, clip_value_max]; at a bound the gradient goes to t."""
    values = convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t)
    t_min = minimum(values, clip_value_max)
    _same_shape("clip_by_value", values, t_min)
    t_max = maximum(t_min, clip_value_min)
    _same_shape("clip_by_value", values, t_max)
    if isinstance(t, IndexedSlices):
        return IndexedSlices(t_max, t.indices, t.dense_shape)
    return t_max


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales t so that its L2 norm (over `axes`, default all) is at most `clip_norm`."""
    from .reduce import reduce_sum

    values = convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t)
    l2sum = reduce_sum(values * values, axes, keepdims=True)
    # TF's double-where, so an all-zero t gets a zero (not nan) gradient:
    # l2norm = where(l2sum > 0, sqrt(where(l2sum > 0, l2sum, 1)), l2sum).
    positive = _cast(greater(l2sum, 0.0), dtype=l2sum.dtype.name)
    l2norm = sqrt(l2sum + (1.0 - positive)) * positive
    intermediate = values * clip_norm
    _same_shape("clip_by_norm", values, intermediate)
    clipped = _real_div(intermediate, maximum(l2norm, clip_norm))
    if isinstance(t, IndexedSlices):
        return IndexedSlices(clipped, t.indices, t.dense_shape)
    return clipped


def _check_sequence(t_list, name):
    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, str):
        raise TypeError(
            f"{name}: `t_list` should be a sequence of tensors. Received {type(t_list)}."
        )


def _global_norm(values):
    """sqrt(sum of squares of every entry), None entries skipped (TF's tf.linalg.global_norm)."""
    from .reduce import reduce_sum

    half_squared = [reduce_sum(square(v)) * 0.5 for v in values if v is not None]  # l2_loss
    if not half_squared:
        raise ValueError("global_norm: t_list holds no tensors (only None)")
    return sqrt(add_n(half_squared) * 2.0)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor of t_list by clip_norm / max(global_norm, clip_norm).

    Returns `(list_clipped, global_norm)`; None entries stay None. When the global norm is
    inf or nan every clipped value is nan, as in TF.
    """
    _check_sequence(t_list, "clip_by_global_norm")
    t_list = list(t_list)
    values = [
        None if t is None else convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t)
        for t in t_list
    ]
    use_norm = _global_norm(values) if use_norm is None else convert_to_tensor(use_norm)
    one = convert_to_tensor(1.0, dtype=use_norm.dtype)
    scale_for_finite = multiply(
        clip_norm, minimum(_real_div(one, use_norm), _real_div(one, clip_norm))
    )
    with np.errstate(**_QUIET):
        scale = scale_for_finite + (use_norm - use_norm)  # nan when the norm is inf or nan
    clipped = []
    for t, v in zip(t_list, values, strict=True):
        if v is None:
            clipped.append(None)
        elif isinstance(t, IndexedSlices):
            clipped.append(IndexedSlices(v * scale, t.indices, t.dense_shape))
        else:
            clipped.append(v * scale)
    return clipped, use_norm


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    from .reduce import reduce_sum

    x = convert_to_tensor(x)
    square_sum = reduce_sum(square(x), dim if axis is None else axis, keepdims=True)
    return multiply(x, rsqrt(maximum(square_sum, epsilon)))


# ---- casting -------------------------------------------------------------------------------


@op("Cast", samples=[Sample((3, 4), dtype="float64"), Sample((), dtype="float64")], batchable=True)
@_quiet
def _cast(x, dtype):
    return x.astype(dtype)  # C casts: float -> int truncates toward zero, as TF's kernel


@_cast.vjp
def _cast_vjp(g, ans, x, dtype):
    if x.dtype.is_floating and ans.dtype.is_floating:
        return (_cast(g, dtype=x.dtype.name),)
    return (None,)  # TF: no gradient through integer or bool casts


def cast(x, dtype, name=None):
    """`x` converted to `dtype`. Float -> int truncates toward zero; float -> float keeps the
    gradient, casts to or from integers have none. IndexedSlices cast their values."""
    dtype = dtypes.as_dtype(dtype)
    if isinstance(x, IndexedSlices):
        return IndexedSlices(cast(x.values, dtype), x.indices, x.dense_shape)
    x = convert_to_tensor(x)
    if x.dtype is dtype:
        return x
    if dtypes.string in (x.dtype, dtype):  # TF's kernel: parse with tf.strings.to_number
        raise UnimplementedError(
            f"Cast {_KERNEL_NAMES.get(x.dtype.name, x.dtype.name)} to "
            f"{_KERNEL_NAMES.get(dtype.name, dtype.name)} is not supported"
        )
    return _cast(x, dtype=dtype.name)


# How TF's kernel messages name some dtypes (DataTypeString).
_KERNEL_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


# ---- sums of several tensors ---------------------------------------------------------------


@op("AddN", samples=[Sample((3, 4), (3, 4), (3, 4)), Sample((2,), (2,))], batchable=True)
def _add_n(*xs):
    out = xs[0] + xs[1] if len(xs) > 1 else xs[0].copy()
    for x in xs[2:]:
        out += x
    return out


@_add_n.vjp
def _add_n_vjp(g, ans, *xs):
    return (g,) * len(xs)


def add_n(inputs, name=None):
    """Elementwise sum of a list of tensors of one shape and dtype."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    shapes = {tuple(getattr(x, "shape", ())) for x in inputs}
    if len(shapes) > 1:
        raise InvalidArgumentError(
            f"AddN: all inputs must have the same shape, got {sorted(shapes)}"
        )
    return _add_n(*inputs)


def _segment_ids_sample(rng):
    return rng.integers(0, 4, size=(6,)).astype("int32")


@op(
    "UnsortedSegmentSum",
    same_dtype=(),
    samples=[
        Sample((6, 3), _segment_ids_sample, num_segments=4, wrt=(0,)),
        Sample((6,), _segment_ids_sample, num_segments=5, wrt=(0,)),
    ],
)
def _unsorted_segment_sum(data, segment_ids, num_segments):
    ids = segment_ids.astype(xp.intp)
    if ids.size and ids.max() >= num_segments:
        raise InvalidArgumentError(
            f"UnsortedSegmentSum: segment_ids must be < num_segments={num_segments}, got "
            f"max {int(ids.max())}"
        )
    out = xp.zeros((num_segments,) + data.shape[ids.ndim :], dtype=data.dtype)
    valid = ids >= 0  # TF drops negative ids
    xp.add.at(out, ids[valid], data[valid])
    return out


@_unsorted_segment_sum.vjp
def _unsorted_segment_sum_vjp(g, ans, data, segment_ids, num_segments):
    from .indexing import gather

    return gather(g, segment_ids, axis=0, batch_dims=0), None


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums the rows of `data` into `num_segments` buckets chosen by `segment_ids`."""
    return _unsorted_segment_sum(data, segment_ids, num_segments=int(num_segments))


_BOTH = (
    "add subtract multiply divide truediv pow negative abs sign square sqrt exp sin cos tan "
    "tanh sinh cosh atan sigmoid maximum minimum add_n round floor scalar_mul"
).split()
API = {
    "tf": _BOTH + "realdiv clip_by_value clip_by_norm clip_by_global_norm cast".split(),
    "math": _BOTH
    + (
        "floordiv floormod mod rsqrt reciprocal expm1 log log1p softplus softsign erf erfc "
        "squared_difference ceil divide_no_nan "
        "l2_normalize unsorted_segment_sum"
    ).split(),
    "nn": ["sigmoid", "softplus", "softsign", "tanh", "l2_normalize"],
    "linalg": ["l2_normalize"],
    "dtypes": ["cast"],
}
