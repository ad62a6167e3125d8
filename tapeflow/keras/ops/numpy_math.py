"""`keras.ops` elementwise math: arithmetic with Keras' promotion, comparisons and logic,
exponentials, logarithms, trigonometry, rounding, and tests for nan/inf."""

from __future__ import annotations

import math as _pymath

import numpy as np

import tapeflow as tf

from .. import backend
from ._base import (
    cast,
    check_kernel_dtype,
    keras_op,
    promote,
    promote_tensors,
    to_float,
    to_tensor,
)

_SMALL_INTS = ("bool", "int8", "int16", "int32", "uint8", "uint16", "uint32")

# ---- arithmetic: Python numbers are weak types -----------------------------------------------


@keras_op
def add(x1, x2):
    """x1 + x2 with Keras' promotion (a Python number takes the tensor's dtype)."""
    (x1, x2), dtype = promote(x1, x2)
    check_kernel_dtype("add", dtype)
    return tf.add(x1, x2)


@keras_op
def subtract(x1, x2):
    """x1 - x2 with Keras' promotion."""
    (x1, x2), dtype = promote(x1, x2)
    check_kernel_dtype("subtract", dtype)
    return tf.subtract(x1, x2)


@keras_op
def multiply(x1, x2):
    """x1 * x2 with Keras' promotion."""
    (x1, x2), dtype = promote(x1, x2)
    check_kernel_dtype("multiply", dtype)
    return tf.multiply(x1, x2)


@keras_op
def divide(x1, x2):
    """x1 / x2, always floating (ints divide as floatx)."""
    (x1, x2), _ = promote(x1, x2, extra=(float,))
    return tf.divide(x1, x2)


true_divide = divide


@keras_op
def divide_no_nan(x1, x2):
    """x1 / x2, 0 where x2 is 0."""
    (x1, x2), _ = promote(x1, x2, extra=(float,))
    return tf.math.divide_no_nan(x1, x2)


@keras_op
def floor_divide(x1, x2):
    """floor(x1 / x2), in the promoted dtype."""
    (x1, x2), dtype = promote(x1, x2)
    check_kernel_dtype("floor_divide", dtype)
    return tf.math.floordiv(x1, x2)


@keras_op
def power(x1, x2):
    """x1 ** x2 with Keras' promotion."""
    (x1, x2), dtype = promote(x1, x2)
    check_kernel_dtype("power", dtype)
    if "uint" in dtype:
        return cast(tf.pow(cast(x1, "int32"), cast(x2, "int32")), dtype)
    return tf.pow(x1, x2)


@keras_op
def maximum(x1, x2):
    """The larger of x1 and x2 elementwise."""
    (x1, x2), dtype = promote(x1, x2)
    check_kernel_dtype("maximum", dtype)
    return tf.maximum(x1, x2)


@keras_op
def minimum(x1, x2):
    """The smaller of x1 and x2 elementwise."""
    (x1, x2), dtype = promote(x1, x2)
    check_kernel_dtype("minimum", dtype)
    return tf.minimum(x1, x2)


@keras_op
def fmax(x1, x2):
    """maximum, except that a nan loses to a number."""
    (x1, x2), dtype = promote(x1, x2)
    out = tf.maximum(x1, x2)
    if "float" not in dtype:
        return out
    nan1, nan2 = tf.math.is_nan(x1), tf.math.is_nan(x2)
    out = tf.where(nan1 & ~nan2, x2, out)
    return tf.where(nan2 & ~nan1, x1, out)


@keras_op
def fmin(x1, x2):
    """minimum, except that a nan loses to a number."""
    (x1, x2), dtype = promote(x1, x2)
    out = tf.minimum(x1, x2)
    if "float" not in dtype:
        return out
    nan1, nan2 = tf.math.is_nan(x1), tf.math.is_nan(x2)
    out = tf.where(nan1 & ~nan2, x2, out)
    return tf.where(nan2 & ~nan1, x1, out)


@keras_op
def mod(x1, x2):
    """x1 mod x2 (the sign of x2), in the promoted dtype (bools as int32)."""
    (x1, x2), dtype = promote_tensors(x1, x2)
    if dtype == "bool":
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    return tf.math.floormod(x1, x2)


@keras_op
def fmod(x1, x2):
    """The C remainder of x1 / x2 (the sign of x1)."""
    (x1, x2), dtype = promote_tensors(x1, x2)
    if dtype == "bool":
        x1, x2, dtype = cast(x1, "int32"), cast(x2, "int32"), "int32"
    if "int" in dtype:
        return x1 - x2 * _trunc_div(x1, x2)
    return x1 - x2 * trunc(x1 / x2)


def _trunc_div(x1, x2):
    q = tf.math.floordiv(x1, x2)
    fix = tf.cast((tf.math.floormod(x1, x2) != 0) & ((x1 < 0) != (x2 < 0)), q.dtype)
    return q + fix


@keras_op
def negative(x):
    """-x."""
    return tf.negative(to_tensor(x))


@keras_op
def absolute(x):
    """|x| (unsigned and bool inputs are returned as they are)."""
    x = to_tensor(x)
    if x.dtype.is_unsigned or x.dtype.is_bool:
        return x
    return tf.abs(x)


abs = absolute  # noqa: A001 - Keras' public name


@keras_op
def fabs(x):
    """|x| as a float (ints and bools become floatx)."""
    x = to_tensor(x)
    if not x.dtype.is_floating:
        x = cast(x, backend.floatx())
    return tf.abs(x)


@keras_op
def square(x):
    """x * x (bools as int32)."""
    x = to_tensor(x)
    if x.dtype.is_bool:
        x = cast(x, "int32")
    return tf.square(x)


@keras_op
def sqrt(x):
    """Square root, floating."""
    return tf.sqrt(to_float(x))


@keras_op
def cbrt(x):
    """Cube root, floating (int64 as float64)."""
    x = to_tensor(x)
    name = x.dtype.name
    if name == "int64":
        x = cast(x, "float64")
    elif name not in ("float16", "float64"):
        x = cast(x, backend.floatx())
    return tf.sign(x) * tf.pow(tf.abs(x), 1.0 / 3.0)


@keras_op
def reciprocal(x):
    """1 / x."""
    return tf.math.reciprocal(to_tensor(x))


@keras_op
def sign(x):
    """-1, 0 or 1 by the sign of x."""
    x = to_tensor(x)
    if x.dtype.is_unsigned:
        return cast(tf.sign(cast(x, "int32")), x.dtype.name)
    return tf.sign(x)


@keras_op
def signbit(x):
    """Whether the sign bit of x is set (true for -0.0)."""
    x = to_tensor(x)
    if x.dtype.is_bool:
        return tf.zeros(x.shape, dtype="bool")
    if x.dtype.is_integer:
        return tf.less(x, tf.zeros((), x.dtype))
    return tf.convert_to_tensor(np.signbit(np.asarray(cast(x, "float32"))))


# ---- exponentials and logarithms ----------------------------------------------------------


def _exp_input(x):
    x = to_tensor(x)
    return x if (x.dtype.is_floating or x.dtype.is_complex) else cast(x, backend.floatx())


@keras_op
def exp(x):
    """e ** x (ints and bools as floatx)."""
    return tf.exp(_exp_input(x))


@keras_op
def exp2(x):
    """2 ** x (ints and bools as floatx)."""
    x = _exp_input(x)
    return tf.pow(tf.constant(2.0, x.dtype), x)


@keras_op
def expm1(x):
    """e ** x - 1, accurate near 0."""
    return tf.math.expm1(_exp_input(x))


@keras_op
def log(x):
    """Natural logarithm, floating."""
    return tf.math.log(to_float(x))


@keras_op
def log1p(x):
    """log(1 + x), accurate near 0."""
    return tf.math.log1p(to_float(x))


@keras_op
def log2(x):
    """Base-2 logarithm."""
    x = to_float(x)
    return tf.math.log(x) / tf.math.log(tf.constant(2.0, x.dtype))


@keras_op
def log10(x):
    """Base-10 logarithm."""
    x = to_float(x)
    return tf.math.log(x) / tf.math.log(tf.constant(10.0, x.dtype))


@keras_op
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), computed stably."""
    (x1, x2), _ = promote_tensors(x1, x2, extra=(float,))
    delta = x1 - x2
    return tf.where(
        tf.math.is_nan(delta),
        x1 + x2,
        tf.maximum(x1, x2) + tf.math.log1p(tf.exp(-tf.abs(delta))),
    )


@keras_op
def logaddexp2(x1, x2):
    """log2(2 ** x1 + 2 ** x2), computed stably."""
    (x1, x2), dtype = promote_tensors(x1, x2, extra=(float,))
    delta = x1 - x2
    ln2 = tf.constant(_pymath.log(2.0), dtype)
    return tf.where(
        tf.math.is_nan(delta),
        x1 + x2,
        tf.maximum(x1, x2) + tf.math.log1p(tf.exp(-tf.abs(delta) * ln2)) / ln2,
    )


# ---- trigonometry ----------------------------------------------------------------------------


def _unary(tf_fn, name, doc):
    @keras_op
    def fn(x):
        return tf_fn(to_float(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


sin = _unary(tf.sin, "sin", "Sine.")
cos = _unary(tf.cos, "cos", "Cosine.")
tan = _unary(tf.tan, "tan", "Tangent.")
sinh = _unary(tf.sinh, "sinh", "Hyperbolic sine.")
cosh = _unary(tf.cosh, "cosh", "Hyperbolic cosine.")
tanh = _unary(tf.tanh, "tanh", "Hyperbolic tangent.")
arcsin = _unary(tf.math.asin, "arcsin", "Inverse sine.")
arccos = _unary(tf.math.acos, "arccos", "Inverse cosine.")
arctan = _unary(tf.math.atan, "arctan", "Inverse tangent.")
arcsinh = _unary(tf.math.asinh, "arcsinh", "Inverse hyperbolic sine.")
arccosh = _unary(tf.math.acosh, "arccosh", "Inverse hyperbolic cosine.")
arctanh = _unary(tf.math.atanh, "arctanh", "Inverse hyperbolic tangent.")
ceil = _unary(tf.math.ceil, "ceil", "Smallest integer >= x, as a float.")
floor = _unary(tf.floor, "floor", "Largest integer <= x, as a float.")


@keras_op
def arctan2(x1, x2):
    """The angle of the point (x2, x1), in [-pi, pi]."""
    (x1, x2), _ = promote_tensors(x1, x2, extra=(float,))
    return tf.math.atan2(x1, x2)


@keras_op
def hypot(x1, x2):
    """sqrt(x1 ** 2 + x2 ** 2), without overflow."""
    (x1, x2), dtype = promote_tensors(x1, x2)
    if dtype in _SMALL_INTS[1:]:
        dtype = backend.floatx()
    elif dtype == "int64":
        dtype = "float64"
    x1, x2 = tf.abs(cast(x1, dtype)), tf.abs(cast(x2, dtype))
    hi, lo = tf.maximum(x1, x2), tf.minimum(x1, x2)
    return hi * tf.sqrt(1.0 + tf.square(tf.math.divide_no_nan(lo, hi)))


def _degree_dtype(x):
    name = x.dtype.name
    return backend.floatx() if name in _SMALL_INTS else "float64" if name == "int64" else name


@keras_op
def deg2rad(x):
    """Degrees to radians."""
    x = to_tensor(x)
    x = cast(x, _degree_dtype(x))
    return x * tf.constant(_pymath.pi / 180.0, x.dtype)


@keras_op
def rad2deg(x):
    """Radians to degrees."""
    x = to_tensor(x)
    x = cast(x, _degree_dtype(x))
    return x * tf.constant(180.0 / _pymath.pi, x.dtype)


@keras_op
def sinc(x):
    """sin(pi x) / (pi x), 1 at 0."""
    x = to_float(x)
    pi_x = x * tf.constant(np.pi, x.dtype)
    safe = tf.where(tf.equal(x, 0), tf.ones_like(x), pi_x)
    return tf.where(tf.equal(x, 0), tf.ones_like(x), tf.sin(safe) / safe)


# ---- rounding ---------------------------------------------------------------------------------


@keras_op
def round(x, decimals=0):  # noqa: A001 - Keras' public name
    """x rounded half to even to `decimals` places."""
    x = to_tensor(x)
    check_kernel_dtype("round", x.dtype.name)
    if decimals == 0:
        return tf.round(x)
    dtype = x.dtype.name
    if x.dtype.is_integer:
        if decimals > 0:
            return x
        factor = tf.constant(10.0**decimals, backend.floatx())
        x = cast(x, backend.floatx())
    else:
        factor = tf.constant(10.0**decimals, dtype)
    return cast(tf.round(x * factor) / factor, dtype)


@keras_op
def trunc(x):
    """x rounded toward zero (ints and bools unchanged)."""
    x = to_tensor(x)
    if not x.dtype.is_floating:
        return x
    return tf.where(x < 0, tf.math.ceil(x), tf.floor(x))
