"""tnp's element-wise functions and reductions, built on tapeflow ops (so differentiable).

Each takes Tensors, arrays or Python numbers, applies NumPy's dtype rules (`_dtypes.py`),
and returns a Tensor. `UFUNCS` maps NumPy's ufuncs to these functions for
`numpy_dispatch` (`np.sin(t)` calls `sin` here).
"""

from __future__ import annotations

import math as _pymath

import numpy as np

import tapeflow as tf

from ._dtypes import asarray, default_float, promote

UFUNCS: dict = {}  # numpy ufunc -> tnp function


def _ufunc(np_name=None):
    def register(fn):
        ufunc = getattr(np, np_name or fn.__name__, None)
        if isinstance(ufunc, np.ufunc):
            UFUNCS[ufunc] = fn
        return fn

    return register


def _float_unary(tf_fn, name):
    def fn(x):
        (x,), _ = promote(x, floating=True)
        return tf_fn(x)

    fn.__name__ = name
    fn.__doc__ = f"NumPy's `{name}` on tensors (integers become the default float)."
    return _ufunc(name)(fn)


def _same_unary(tf_fn, name):
    def fn(x):
        return tf_fn(asarray(x))

    fn.__name__ = name
    fn.__doc__ = f"NumPy's `{name}` on tensors."
    return _ufunc(name)(fn)


def _binary(tf_fn, name, floating=False):
    def fn(x1, x2):
        (a, b), _ = promote(x1, x2, floating=floating)
        return tf_fn(a, b)

    fn.__name__ = name
    fn.__doc__ = f"NumPy's `{name}` on tensors, with NumPy's dtype promotion."
    return _ufunc(name)(fn)


def _log_base(base):
    def fn(x):
        return tf.math.log(x) / _pymath.log(base)

    return fn


def _square_root_sum(x, y):
    return tf.sqrt(x * x + y * y)


def _logaddexp(x, y):
    m = tf.maximum(x, y)
    return m + tf.math.log(tf.exp(x - m) + tf.exp(y - m))


def _arctan2(y, x):
    # atan(y/x) moved to the right quadrant; d/dy and d/dx follow from atan's gradient.
    base = tf.atan(y / tf.where(tf.equal(x, 0), tf.ones_like(x), x))
    pi = _pymath.pi
    zero = tf.zeros_like(base)
    shift = tf.where(x < 0, tf.where(y >= 0, zero + pi, zero - pi), zero)
    on_axis = tf.where(y > 0, zero + pi / 2, tf.where(y < 0, zero - pi / 2, zero))
    return tf.where(tf.equal(x, 0), on_axis, base + shift)


def _floor_divide(x, y):
    return tf.math.floordiv(x, y)


def _power(x, y):
    return tf.pow(x, y)


_FLOAT_UNARY = {
    "sqrt": tf.sqrt, "exp": tf.exp, "expm1": tf.math.expm1, "log": tf.math.log,
    "log1p": tf.math.log1p, "log2": _log_base(2), "log10": _log_base(10),
    "exp2": lambda x: tf.pow(tf.constant(2.0, x.dtype), x), "sin": tf.sin, "cos": tf.cos,
    "tan": tf.tan, "sinh": tf.sinh, "cosh": tf.cosh, "tanh": tf.tanh, "arctan": tf.atan,
    "reciprocal": tf.math.reciprocal, "deg2rad": lambda x: x * (_pymath.pi / 180),
    "rad2deg": lambda x: x * (180 / _pymath.pi), "cbrt": lambda x: tf.sign(x) * tf.pow(
        tf.abs(x), 1.0 / 3.0),
    "floor": tf.floor, "ceil": tf.math.ceil, "rint": tf.round,
}  # fmt: skip
# Inverse trigonometric and hyperbolic functions, where tapeflow has the op.
_OPTIONAL_FLOAT_UNARY = {
    "arcsin": "asin", "arccos": "acos", "arcsinh": "asinh", "arccosh": "acosh",
    "arctanh": "atanh",
}  # fmt: skip
_SAME_UNARY = {
    "negative": tf.negative, "positive": lambda x: x + 0, "absolute": tf.abs,
    "sign": tf.sign, "square": tf.square,
    "isnan": lambda x: tf.math.is_nan(x) if x.dtype.is_floating else tf.zeros_like(x, "bool"),
    "isinf": lambda x: tf.math.is_inf(x) if x.dtype.is_floating else tf.zeros_like(x, "bool"),
    "isfinite": lambda x: tf.math.is_finite(x) if x.dtype.is_floating else tf.ones_like(x, "bool"),
    "logical_not": lambda x: tf.logical_not(tf.cast(x, "bool")),
}  # fmt: skip
_BINARY = {
    "add": tf.add, "subtract": tf.subtract, "multiply": tf.multiply, "maximum": tf.maximum,
    "minimum": tf.minimum, "fmax": tf.maximum, "fmin": tf.minimum, "power": _power,
    "floor_divide": _floor_divide, "remainder": tf.math.floormod, "mod": tf.math.floormod,
    "equal": tf.equal, "not_equal": tf.not_equal, "less": tf.less,
    "less_equal": tf.less_equal, "greater": tf.greater, "greater_equal": tf.greater_equal,
}  # fmt: skip
_FLOAT_BINARY = {
    "true_divide": tf.divide, "divide": tf.divide, "hypot": _square_root_sum,
    "logaddexp": _logaddexp, "arctan2": _arctan2,
}  # fmt: skip
_LOGICAL = {"logical_and": tf.logical_and, "logical_or": tf.logical_or,
            "logical_xor": tf.math.logical_xor}  # fmt: skip

for _name, _fn in _FLOAT_UNARY.items():
    globals()[_name] = _float_unary(_fn, _name)
for _name, _op in _OPTIONAL_FLOAT_UNARY.items():
    if hasattr(tf.math, _op):
        globals()[_name] = _float_unary(getattr(tf.math, _op), _name)
for _name, _fn in _SAME_UNARY.items():
    globals()[_name] = _same_unary(_fn, _name)
for _name, _fn in _BINARY.items():
    globals()[_name] = _binary(_fn, _name)
for _name, _fn in _FLOAT_BINARY.items():
    globals()[_name] = _binary(_fn, _name, floating=True)
for _name, _fn in _LOGICAL.items():
    globals()[_name] = _binary(
        lambda a, b, _fn=_fn: _fn(tf.cast(a, "bool"), tf.cast(b, "bool")), _name
    )
abs = absolute  # noqa: A001, F821 - NumPy's alias (defined by the loop above)
fabs = absolute  # noqa: F821


@_ufunc()
def round(x, decimals=0):  # noqa: A001 - NumPy's name
    """NumPy's `round` (half to even)."""
    x = asarray(x)
    if decimals == 0:
        return tf.round(x)
    scale = 10.0**decimals
    return tf.round(x * scale) / scale


around = round


def clip(a, a_min, a_max):
    """NumPy's `clip` (either bound may be None)."""
    (a, *bounds), _ = promote(a, *[b for b in (a_min, a_max) if b is not None])
    lo = bounds.pop(0) if a_min is not None else None
    hi = bounds.pop(0) if a_max is not None else None
    if lo is not None:
        a = tf.maximum(a, lo)
    if hi is not None:
        a = tf.minimum(a, hi)
    return a


# ---- reductions ------------------------------------------------------------------------------


def _axis(axis):
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(axis)


def _reduction(tf_fn, name, promote_ints=False, out_float=False):
    def fn(a, axis=None, dtype=None, keepdims=False, **unused):
        a = asarray(a)
        if dtype is not None:
            a = asarray(a, dtype)
        elif out_float and not a.dtype.is_floating:
            a = asarray(a, default_float())
        elif promote_ints and a.dtype.name in ("bool", "int8", "int16", "int32", "uint8"):
            a = asarray(a, "int64")  # NumPy sums small integers in the platform's int64
        return tf_fn(a, axis=_axis(axis), keepdims=bool(keepdims))

    fn.__name__ = name
    fn.__doc__ = f"NumPy's `{name}` on tensors."
    return fn


sum = _reduction(tf.reduce_sum, "sum", promote_ints=True)  # noqa: A001
prod = _reduction(tf.reduce_prod, "prod", promote_ints=True)
mean = _reduction(tf.reduce_mean, "mean", out_float=True)
var = _reduction(tf.math.reduce_variance, "var", out_float=True)
std = _reduction(tf.math.reduce_std, "std", out_float=True)
amax = max = _reduction(tf.reduce_max, "max")  # noqa: A001
amin = min = _reduction(tf.reduce_min, "min")  # noqa: A001


def all(a, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_all(tf.cast(asarray(a), "bool"), axis=_axis(axis), keepdims=keepdims)


def any(a, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_any(tf.cast(asarray(a), "bool"), axis=_axis(axis), keepdims=keepdims)


def argmax(a, axis=None):
    a = asarray(a)
    if axis is None:
        return tf.argmax(tf.reshape(a, [-1]), axis=0)
    return tf.argmax(a, axis=axis)


def argmin(a, axis=None):
    a = asarray(a)
    if axis is None:
        return tf.argmin(tf.reshape(a, [-1]), axis=0)
    return tf.argmin(a, axis=axis)


def _small_ints_widened(a, dtype):
    a = asarray(a, dtype)
    if dtype is None and a.dtype.name in ("bool", "int8", "int16", "int32", "uint8"):
        a = asarray(a, "int64")  # NumPy accumulates small integers in int64
    return a


def cumsum(a, axis=None, dtype=None):
    a = _small_ints_widened(a, dtype)
    if axis is None:
        a, axis = tf.reshape(a, [-1]), 0
    return tf.cumsum(a, axis=axis)


def cumprod(a, axis=None, dtype=None):
    a = _small_ints_widened(a, dtype)
    if axis is None:
        a, axis = tf.reshape(a, [-1]), 0
    return tf.math.cumprod(a, axis=axis)


def average(a, axis=None, weights=None):
    if weights is None:
        return mean(a, axis=axis)
    (a, w), _ = promote(a, weights, floating=True)
    if axis is not None and w.shape.rank == 1 and a.shape.rank > 1:
        shape = [1] * a.shape.rank
        shape[axis] = -1
        w = tf.reshape(w, shape)
    return tf.reduce_sum(a * w, axis=axis) / tf.reduce_sum(w * tf.ones_like(a), axis=axis)


def count_nonzero(a, axis=None):
    return tf.math.count_nonzero(asarray(a), axis=_axis(axis))


def ptp(a, axis=None, keepdims=False):
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


REDUCE = {np.add: sum, np.multiply: prod, np.maximum: max, np.minimum: min,
          np.logical_and: all, np.logical_or: any}  # fmt: skip
