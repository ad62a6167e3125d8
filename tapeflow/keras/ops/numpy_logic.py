"""`keras.ops` comparisons, logic, tests for nan/inf, and the other elementwise functions
of the numpy family (clip, heaviside, nan_to_num, complex parts)."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from .. import backend
from ._base import (
    cast,
    keras_op,
    promote_tensors,
    to_tensor,
)
from ._dtypes import result_type

_SMALL_INTS = ("bool", "int8", "int16", "int32", "uint8", "uint16", "uint32")

# ---- comparisons and logic: every input becomes a tensor first --------------------------------


def _compare(tf_fn, name, doc):
    @keras_op
    def fn(x1, x2):
        (x1, x2), _ = promote_tensors(x1, x2)
        return tf_fn(x1, x2)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


equal = _compare(tf.equal, "equal", "x1 == x2 elementwise.")
not_equal = _compare(tf.not_equal, "not_equal", "x1 != x2 elementwise.")
greater = _compare(tf.greater, "greater", "x1 > x2 elementwise.")
greater_equal = _compare(tf.greater_equal, "greater_equal", "x1 >= x2 elementwise.")
less = _compare(tf.less, "less", "x1 < x2 elementwise.")
less_equal = _compare(tf.less_equal, "less_equal", "x1 <= x2 elementwise.")


def _as_bool(x):
    return cast(x, "bool")


@keras_op
def logical_and(x1, x2):
    """x1 and x2 as booleans."""
    return tf.logical_and(_as_bool(x1), _as_bool(x2))


@keras_op
def logical_or(x1, x2):
    """x1 or x2 as booleans."""
    return tf.logical_or(_as_bool(x1), _as_bool(x2))


@keras_op
def logical_xor(x1, x2):
    """x1 xor x2 as booleans."""
    return tf.math.logical_xor(_as_bool(x1), _as_bool(x2))


@keras_op
def logical_not(x):
    """not x as booleans."""
    return tf.logical_not(_as_bool(x))


@keras_op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|x1 - x2| <= atol + rtol |x2| elementwise (equality for ints)."""
    (x1, x2), dtype = promote_tensors(x1, x2)
    if "float" not in dtype:
        return tf.equal(x1, x2)
    out = tf.abs(x1 - x2) <= atol + rtol * tf.abs(x2)
    if equal_nan:
        out = out | (tf.math.is_nan(x1) & tf.math.is_nan(x2))
    return out


@keras_op
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether every element of x1 is close to x2 (a scalar bool)."""
    (x1, x2), dtype = promote_tensors(x1, x2)
    if "float" not in dtype:
        return tf.reduce_all(tf.equal(x1, x2))
    finite = tf.math.is_finite(x1) & tf.math.is_finite(x2)
    close = (finite & (tf.abs(x1 - x2) <= atol + rtol * tf.abs(x2))) | tf.equal(x1, x2)
    if equal_nan:
        close = close | (tf.math.is_nan(x1) & tf.math.is_nan(x2))
    return tf.reduce_all(close)


def _test(tf_fn, name, doc, integer_value):
    @keras_op
    def fn(x):
        x = to_tensor(x)
        if not (x.dtype.is_floating or x.dtype.is_complex):
            return tf.fill(x.shape.as_list(), integer_value)
        return tf_fn(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


isnan = _test(tf.math.is_nan, "isnan", "Whether x is nan.", False)
isinf = _test(tf.math.is_inf, "isinf", "Whether x is +inf or -inf.", False)
isfinite = _test(tf.math.is_finite, "isfinite", "Whether x is neither inf nor nan.", True)
isposinf = _test(lambda x: tf.equal(x, np.inf), "isposinf", "Whether x is +inf.", False)
isneginf = _test(lambda x: tf.equal(x, -np.inf), "isneginf", "Whether x is -inf.", False)


@keras_op
def isreal(x):
    """True for every element of a real tensor."""
    x = to_tensor(x)
    if x.dtype.is_complex:
        return tf.convert_to_tensor(np.isreal(np.asarray(x)))
    return tf.ones(x.shape, dtype="bool")


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """x with nan, +inf and -inf replaced by `nan`, `posinf` and `neginf` (the dtype's
    largest and smallest by default)."""
    x = to_tensor(x)
    if not x.dtype.is_floating:
        return x
    dtype = x.dtype
    x = tf.where(tf.math.is_nan(x), tf.constant(nan, dtype), x)
    x = tf.where(tf.math.is_inf(x) & (x > 0), tf.constant(dtype.max if posinf is None
                                                           else posinf, dtype), x)  # fmt: skip
    return tf.where(
        tf.math.is_inf(x) & (x < 0), tf.constant(dtype.min if neginf is None else neginf, dtype), x
    )


@keras_op
def heaviside(x1, x2):
    """0 where x1 < 0, 1 where x1 > 0, x2 where x1 == 0."""
    (x1, x2), dtype = promote_tensors(x1, x2)
    if dtype in _SMALL_INTS[1:]:
        dtype = backend.floatx()
    elif dtype == "int64":
        dtype = "float64"
    x1, x2 = cast(x1, dtype), cast(x2, dtype)
    return tf.where(x1 < 0, tf.zeros_like(x1), tf.where(x1 > 0, tf.ones_like(x1), x2))


@keras_op
def conjugate(x):
    """The complex conjugate (x itself for real tensors)."""
    x = to_tensor(x)
    if x.dtype.is_complex:
        return tf.convert_to_tensor(np.conj(np.asarray(x)))
    return x


conj = conjugate


@keras_op
def real(x):
    """The real part (x itself for real tensors)."""
    x = to_tensor(x)
    if x.dtype.is_complex:
        return tf.convert_to_tensor(np.real(np.asarray(x)))
    return x


@keras_op
def imag(x):
    """The imaginary part (zeros for real tensors)."""
    x = to_tensor(x)
    if x.dtype.is_complex:
        return tf.convert_to_tensor(np.imag(np.asarray(x)))
    return tf.zeros_like(x)


@keras_op
def clip(x, x_min, x_max):
    """x limited to [x_min, x_max] (bools as int32)."""
    x = to_tensor(x)
    if x.dtype.is_bool:
        x = cast(x, "int32")
    return tf.clip_by_value(x, x_min, x_max)


@keras_op
def ldexp(x1, x2):
    """x1 * 2 ** x2 (x2 an integer tensor)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    if not x2.dtype.is_integer:
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype={x2.dtype}")
    dtype = result_type(x1.dtype, x2.dtype, float)
    x1 = cast(x1, dtype)
    out = x1 * tf.pow(tf.constant(2.0, dtype), cast(x2, dtype))
    return tf.where(tf.math.is_inf(x1) | tf.equal(x1, 0), x1, out)
