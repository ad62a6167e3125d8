"""`keras.ops` reductions: sum, mean, max, prod, var, std, argmax, cumulative sums, quantiles,
and their nan-ignoring forms, with the dtype rules of Keras' TensorFlow backend."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from .. import backend
from ._base import axis_tuple, canonical_axis, cast, keras_op, to_tensor
from ._dtypes import result_type


def _axis(axis):
    return list(axis) if isinstance(axis, (list, tuple)) else axis


def _widened(x):
    """Keras' (JAX's) accumulation dtype: small ints and bools sum as int32/uint32."""
    name = x.dtype.name
    if name in ("bool", "int8", "int16"):
        return cast(x, "int32")
    if name in ("uint8", "uint16"):
        return cast(x, "uint32")
    return x


@keras_op
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras' public name
    """The sum over `axis` (small ints and bools accumulate as int32)."""
    return tf.reduce_sum(_widened(to_tensor(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def mean(x, axis=None, keepdims=False):
    """The mean over `axis`; ints and bools give floatx, float16 is averaged in float32."""
    x = to_tensor(x)
    compute = result_type(x.dtype, "float32")
    out_dtype = compute if (x.dtype.is_integer or x.dtype.is_bool) else x.dtype.name
    out = tf.reduce_mean(cast(x, compute), axis=_axis(axis), keepdims=keepdims)
    return cast(out, out_dtype)


def _extreme(reduce, logical, name):
    @keras_op
    def fn(x, axis=None, keepdims=False, initial=None):
        x = to_tensor(x)
        if initial is not None:
            if x.dtype.is_bool:
                out = cast(logical(x, axis=_axis(axis), keepdims=keepdims), "int32")
                pick = tf.maximum if name == "max" else tf.minimum
                return cast(pick(out, cast(initial, "int32")), "bool")
            out = reduce(x, axis=_axis(axis), keepdims=keepdims)
            pick = tf.maximum if name == "max" else tf.minimum
            return pick(out, tf.cast(tf.convert_to_tensor(initial), out.dtype))
        if x.shape.num_elements() == 0:
            raise tf.errors.InvalidArgumentError(f"Cannot compute the {name} of an empty tensor.")
        if x.dtype.is_bool:
            return logical(x, axis=_axis(axis), keepdims=keepdims)
        return reduce(x, axis=_axis(axis), keepdims=keepdims)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The {name}imum over `axis` (at least `initial` if given)."
    return fn


max = _extreme(tf.reduce_max, tf.reduce_any, "max")  # noqa: A001
min = _extreme(tf.reduce_min, tf.reduce_all, "min")  # noqa: A001


@keras_op
def amax(x, axis=None, keepdims=False):
    """The maximum over `axis`."""
    return max(x, axis=axis, keepdims=keepdims)


@keras_op
def amin(x, axis=None, keepdims=False):
    """The minimum over `axis`."""
    return min(x, axis=axis, keepdims=keepdims)


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    """The product over `axis` (small ints and bools accumulate as int32)."""
    x = to_tensor(x)
    x = _widened(x) if dtype is None else x
    return tf.reduce_prod(x, axis=_axis(axis), keepdims=keepdims)


@keras_op
def var(x, axis=None, keepdims=False):
    """The (population) variance over `axis`, floating."""
    x = to_tensor(x)
    compute, out = result_type(x.dtype, "float32"), result_type(x.dtype, float)
    return cast(tf.math.reduce_variance(cast(x, compute), axis=_axis(axis), keepdims=keepdims),
                out)  # fmt: skip


@keras_op
def std(x, axis=None, keepdims=False):
    """The (population) standard deviation over `axis`, floating."""
    x = to_tensor(x)
    if not x.dtype.is_floating:
        x = cast(x, backend.floatx())
    return tf.math.reduce_std(x, axis=_axis(axis), keepdims=keepdims)


@keras_op
def all(x, axis=None, keepdims=False):  # noqa: A001
    """Whether every element over `axis` is true (nonzero)."""
    return tf.reduce_all(cast(x, "bool"), axis=_axis(axis), keepdims=keepdims)


@keras_op
def any(x, axis=None, keepdims=False):  # noqa: A001
    """Whether any element over `axis` is true (nonzero)."""
    return tf.reduce_any(cast(x, "bool"), axis=_axis(axis), keepdims=keepdims)


def _keepdims(x, y, axis):
    shape = [1] * x.ndim if axis is None else list(x.shape.as_list())
    if axis is not None:
        shape[axis] = 1
    return tf.reshape(y, shape)


def _arg(tf_arg, x, axis, keepdims):
    x = to_tensor(x)
    original = x
    if x.dtype.is_floating and x.ndim:
        # -0.0 counts as smaller than 0.0 (JAX's order, which Keras follows).
        x = cast(x, result_type(x.dtype, "float32"))
        tiny = np.finfo(x.dtype.as_numpy_dtype).tiny
        negative_zero = tf.convert_to_tensor(np.signbit(np.asarray(x)) & (np.asarray(x) == 0))
        x = tf.where(negative_zero, tf.constant(-tiny, x.dtype), x)
    flat = tf.reshape(x, [-1]) if axis is None else x
    y = tf_arg(flat, axis=0 if axis is None else axis, output_type="int32")
    return _keepdims(original, y, axis) if keepdims else y


@keras_op
def argmax(x, axis=None, keepdims=False):
    """The int32 index of the largest element (over the flattened `x` if axis is None)."""
    return _arg(tf.argmax, x, axis, keepdims)


@keras_op
def argmin(x, axis=None, keepdims=False):
    """The int32 index of the smallest element (over the flattened `x` if axis is None)."""
    return _arg(tf.argmin, x, axis, keepdims)


def _scan_input(x, axis, dtype):
    x = to_tensor(x, dtype)
    if x.dtype.is_bool:
        x = cast(x, "int32")
    if axis is None:
        return tf.reshape(x, [-1]), 0
    return x, axis


@keras_op
def cumsum(x, axis=None, dtype=None):
    """Running sums along `axis` (of the flattened `x` if axis is None)."""
    x, axis = _scan_input(x, axis, dtype)
    return tf.math.cumsum(x, axis=axis)


@keras_op
def cumprod(x, axis=None, dtype=None):
    """Running products along `axis` (of the flattened `x` if axis is None)."""
    x, axis = _scan_input(x, axis, dtype)
    return tf.math.cumprod(x, axis=axis)


@keras_op
def count_nonzero(x, axis=None):
    """The int32 number of nonzero elements over `axis`."""
    return tf.math.count_nonzero(to_tensor(x), axis=_axis(axis), dtype="int32")


@keras_op
def average(x, axis=None, weights=None):
    """The mean over `axis`, weighted by `weights` (same shape as x, or 1-D along axis)."""
    x = to_tensor(x)
    if weights is None:
        return tf.reduce_mean(cast(x, result_type(x.dtype, float)), axis=axis)
    weights = to_tensor(weights)
    dtype = result_type(x.dtype, weights.dtype, float)
    x, weights = cast(x, dtype), cast(weights, dtype)
    if axis is None or x.ndim == weights.ndim:
        return tf.reduce_sum(x * weights, axis=axis) / tf.reduce_sum(weights, axis=axis)
    axis = canonical_axis(axis, x.ndim)
    shape = [1] * x.ndim
    shape[axis] = -1
    return tf.reduce_sum(x * tf.reshape(weights, shape), axis=axis) / tf.reduce_sum(weights)


@keras_op
def ptp(x, axis=None, keepdims=False):
    """max - min over `axis`."""
    x = to_tensor(x)
    axis = _axis(axis)
    return tf.reduce_max(x, axis=axis, keepdims=keepdims) - tf.reduce_min(
        x, axis=axis, keepdims=keepdims
    )


# ---- quantiles ----------------------------------------------------------------------------


def _quantile(x, q, axis, method, keepdims, skip_nan=False):
    """Quantiles `q` (a scalar or 1-D) of `x` over `axis`, q's dimension first. With
    `skip_nan`, each row's quantiles are taken among its values that are not nan."""
    axes = axis_tuple(axis)
    ndim = x.ndim
    if axes is None:
        others = []
        y = tf.reshape(x, [1, -1])
    else:
        axes = [canonical_axis(a, ndim) for a in axes]
        others = [i for i in range(ndim) if i not in axes]
        y = tf.reshape(tf.transpose(x, others + axes), [-1, int(np.prod(
            [x.shape[i] for i in axes]))])  # fmt: skip
    sorted_y = tf.sort(y, axis=-1)  # nan sort last
    q = np.asarray(q, dtype=np.float64)
    nq = q.reshape(-1)
    if skip_nan:
        count = tf.reduce_sum(tf.cast(~tf.math.is_nan(y), "float64"), axis=-1, keepdims=True)
    else:
        count = tf.constant(np.full((y.shape[0], 1), float(y.shape[-1])))
    pos = (count - 1.0) * tf.constant(nq[None, :])  # rows x len(q)
    last = tf.cast(tf.maximum(count - 1.0, 0.0), "int32")

    def at(index):
        index = tf.minimum(tf.maximum(tf.cast(index, "int32"), 0), last)
        return tf.gather(sorted_y, index, axis=1, batch_dims=1)

    if method == "lower":
        out = at(tf.floor(pos))
    elif method == "higher":
        out = at(tf.math.ceil(pos))
    elif method == "nearest":
        out = at(tf.round(pos))
    elif method == "midpoint":
        out = 0.5 * (at(tf.floor(pos)) + at(tf.math.ceil(pos)))
    elif method == "linear":
        upper = tf.minimum(tf.maximum(tf.cast(tf.math.ceil(pos), "int32"), 0), last)
        lower = tf.maximum(upper - 1, 0)
        upper = tf.minimum(lower + 1, last)
        fraction = tf.cast(tf.cast(upper, "float64") - pos, x.dtype)
        out = at(upper) * (1 - fraction) + at(lower) * fraction
    else:
        raise ValueError(
            "Invalid value for argument `method`. Expected one of 'linear', 'lower', "
            f"'higher', 'midpoint', 'nearest'. Received: method={method}"
        )
    if x.dtype.is_floating:
        nan = tf.constant(np.nan, x.dtype)
        if skip_nan:
            out = tf.where(tf.equal(count, 0.0), nan, out)
        else:
            out = tf.where(tf.reduce_any(tf.math.is_nan(y), axis=-1, keepdims=True), nan, out)
    # rows x q -> q first, then the kept dimensions
    kept = [x.shape[i] for i in others]
    if keepdims:
        kept = [1] * ndim if axes is None else [1 if i in axes else x.shape[i]
                                                for i in range(ndim)]  # fmt: skip
    out = tf.reshape(tf.transpose(out), list(q.shape) + kept)
    return out


@keras_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles (q in [0, 1]) over `axis`."""
    x = to_tensor(x)
    x = cast(x, result_type(x.dtype, float))
    return _quantile(x, np.asarray(to_tensor(q)), axis, method, keepdims)


@keras_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th percentiles (q in [0, 100]) over `axis`."""
    q = np.asarray(q, dtype=backend.floatx()) / np.asarray(100.0, backend.floatx())
    return quantile(x, q, axis=axis, method=method, keepdims=keepdims)


@keras_op
def median(x, axis=None, keepdims=False):
    """The median over `axis`."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)
