"""`keras.ops` reductions that ignore nan: nansum, nanmean, nanmax, nanargmax, nanvar,
nanquantile and friends (Keras' TensorFlow backend's results, nan where a row is all nan)."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from .. import backend
from ._base import cast, keras_op, to_tensor
from ._dtypes import result_type
from .numpy_reduce import _axis, _quantile, argmax, argmin, cumprod, cumsum, prod, sum

# ---- ignoring nan ----------------------------------------------------------------------------


def _nan_mask(x):
    return tf.math.is_nan(x) if x.dtype.is_floating else None


@keras_op
def nansum(x, axis=None, keepdims=False):
    """sum, counting nan as 0."""
    x = to_tensor(x)
    mask = _nan_mask(x)
    if mask is not None:
        x = tf.where(mask, tf.zeros((), x.dtype), x)
    return sum(x, axis=axis, keepdims=keepdims)


@keras_op
def nanprod(x, axis=None, keepdims=False):
    """prod, counting nan as 1."""
    x = to_tensor(x)
    mask = _nan_mask(x)
    if mask is not None:
        x = tf.where(mask, tf.ones((), x.dtype), x)
    return prod(x, axis=axis, keepdims=keepdims)


@keras_op
def nanmean(x, axis=None, keepdims=False):
    """mean of the elements that are not nan."""
    x = to_tensor(x)
    if axis == () or axis == []:
        return x
    if not x.dtype.is_floating:
        return tf.reduce_mean(cast(x, "float32"), axis=_axis(axis), keepdims=keepdims)
    dtype = result_type(x.dtype, float)
    total = cast(nansum(x, axis=axis, keepdims=keepdims), dtype)
    count = tf.reduce_sum(cast(~tf.math.is_nan(x), dtype), axis=_axis(axis), keepdims=keepdims)
    return total / count


@keras_op
def nanvar(x, axis=None, keepdims=False):
    """var of the elements that are not nan."""
    x = to_tensor(x)
    x = cast(x, result_type(x.dtype, float))
    centered = x - nanmean(x, axis=axis, keepdims=True)
    valid = ~tf.math.is_nan(x)
    squares = tf.square(tf.where(valid, centered, tf.zeros_like(x)))
    count = tf.reduce_sum(cast(valid, x.dtype.name), axis=_axis(axis), keepdims=keepdims)
    return tf.reduce_sum(squares, axis=_axis(axis), keepdims=keepdims) / count


@keras_op
def nanstd(x, axis=None, keepdims=False):
    """std of the elements that are not nan."""
    return tf.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(reduce, logical, fill, name):
    @keras_op
    def fn(x, axis=None, keepdims=False):
        x = to_tensor(x)
        if not x.dtype.is_floating:
            if x.dtype.is_bool:
                return logical(x, axis=_axis(axis), keepdims=keepdims)
            return reduce(x, axis=_axis(axis), keepdims=keepdims)
        nan = tf.math.is_nan(x)
        clean = tf.where(nan, tf.constant(fill, x.dtype), x)
        return tf.where(
            tf.reduce_all(nan, axis=_axis(axis), keepdims=keepdims),
            tf.constant(np.nan, x.dtype),
            reduce(clean, axis=_axis(axis), keepdims=keepdims),
        )

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name[3:]} of the elements that are not nan (nan where all are)."
    return fn


nanmax = _nan_extreme(tf.reduce_max, tf.reduce_any, -np.inf, "nanmax")
nanmin = _nan_extreme(tf.reduce_min, tf.reduce_all, np.inf, "nanmin")


def _nan_arg(arg, fill, name):
    @keras_op
    def fn(x, axis=None, keepdims=False):
        x = to_tensor(x)
        if not x.dtype.is_floating:
            return arg(x, axis=axis, keepdims=keepdims)
        nan = tf.math.is_nan(x)
        index = arg(tf.where(nan, tf.constant(fill, x.dtype), x), axis=axis, keepdims=keepdims)
        return tf.where(
            tf.reduce_all(nan, axis=_axis(axis), keepdims=keepdims), tf.constant(-1), index
        )

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name[3:]} ignoring nan (-1 where all are nan)."
    return fn


nanargmax = _nan_arg(argmax, -np.inf, "nanargmax")
nanargmin = _nan_arg(argmin, np.inf, "nanargmin")


@keras_op
def nancumsum(x, axis=None, dtype=None):
    """cumsum, counting nan as 0."""
    x = to_tensor(x)
    if x.dtype.is_floating:
        x = tf.where(tf.math.is_nan(x), tf.zeros((), x.dtype), x)
    return cumsum(x, axis=axis, dtype=dtype)


@keras_op
def nancumprod(x, axis=None, dtype=None):
    """cumprod, counting nan as 1."""
    x = to_tensor(x)
    if x.dtype.is_floating:
        x = tf.where(tf.math.is_nan(x), tf.ones((), x.dtype), x)
    return cumprod(x, axis=axis, dtype=dtype)


def _nan_quantile(x, q, axis, method, keepdims):
    x = to_tensor(x)
    x = cast(x, result_type(x.dtype, float))
    q = np.asarray(to_tensor(q, backend.floatx()))
    return _quantile(x, q, axis, method, keepdims, skip_nan=True)


@keras_op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """quantile of the elements that are not nan."""
    return _nan_quantile(x, q, axis, method, keepdims)


@keras_op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """percentile of the elements that are not nan."""
    q = np.asarray(q, dtype=backend.floatx()) / np.asarray(100.0, backend.floatx())
    return _nan_quantile(x, q, axis, method, keepdims)


@keras_op
def nanmedian(x, axis=None, keepdims=False):
    """median of the elements that are not nan."""
    return _nan_quantile(x, 0.5, axis, "linear", keepdims)
