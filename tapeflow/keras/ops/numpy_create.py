"""`keras.ops` tensor creation: ones, zeros, full, arange, linspace, eye, tri, meshgrid."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from .. import backend
from ._base import cast, keras_op, to_tensor
from ._dtypes import result_type, standardize_dtype


def _shape(shape):
    if isinstance(shape, int):
        return [shape]
    return [int(d) for d in shape]


def ones(shape, dtype=None):
    """A tensor of ones (floatx by default)."""
    return tf.ones(_shape(shape), dtype=standardize_dtype(dtype))


def zeros(shape, dtype=None):
    """A tensor of zeros (floatx by default)."""
    return tf.zeros(_shape(shape), dtype=standardize_dtype(dtype))


def empty(shape, dtype=None):
    """A tensor of `shape` (zeros: the backend has no uninitialised memory)."""
    return zeros(shape, dtype)


def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value` (floatx by default)."""
    dtype = standardize_dtype(dtype)
    return tf.broadcast_to(to_tensor(fill_value, dtype), _shape(shape))


@keras_op
def ones_like(x, dtype=None):
    """Ones of the shape (and dtype, unless given) of `x`."""
    x = to_tensor(x)
    return tf.ones(x.shape.as_list(), dtype=standardize_dtype(dtype or x.dtype))


@keras_op
def zeros_like(x, dtype=None):
    """Zeros of the shape (and dtype, unless given) of `x`."""
    x = to_tensor(x)
    return tf.zeros(x.shape.as_list(), dtype=standardize_dtype(dtype or x.dtype))


empty_like = zeros_like


@keras_op
def full_like(x, fill_value, dtype=None):
    """`fill_value` in the shape (and dtype, unless given) of `x`."""
    x = to_tensor(x)
    dtype = result_type(dtype or x.dtype)
    return tf.broadcast_to(to_tensor(fill_value, dtype), x.shape.as_list())


def _type(x):
    return getattr(x, "dtype", type(x))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop); the dtype follows the arguments' types."""
    if dtype is None:
        dtype = result_type(*[_type(v) for v in (start, stop, step) if v is not None])
    dtype = standardize_dtype(dtype)
    step = 1 if step is None else step
    try:
        return tf.range(start, stop, delta=step, dtype=dtype)
    except (tf.errors.NotFoundError, TypeError, ValueError):
        return cast(tf.range(start, stop, delta=step, dtype="float32"), dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (floating unless `dtype` says)."""
    if num < 0:
        raise ValueError(f"`num` must be a non-negative integer. Received: num={num}")
    if dtype is None:
        dtype = result_type(_type(start), _type(stop), float)
    dtype = standardize_dtype(dtype)
    start, stop = to_tensor(start, dtype), to_tensor(stop, dtype)
    compute = dtype if "float" in dtype else backend.floatx()
    start_c, stop_c = cast(start, compute), cast(stop, compute)
    step = tf.constant(np.nan, compute)
    if endpoint:
        if num > 1:
            step = (stop_c - start_c) / (num - 1)
        out = tf.linspace(start_c, stop_c, num, axis=axis)
    else:
        if num > 0:
            step = (stop_c - start_c) / num
        out = (
            tf.linspace(start_c, stop_c - step, num, axis=axis)
            if num > 1
            else tf.linspace(start_c, stop_c, num, axis=axis)
        )
    if "int" in dtype:
        out = tf.floor(out)
    out = cast(out, dtype)
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """base ** linspace(start, stop, num)."""
    exponents = linspace(start, stop, num=num, endpoint=endpoint, dtype=dtype, axis=axis)
    return tf.pow(tf.cast(tf.convert_to_tensor(base), exponents.dtype), exponents)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values evenly spaced on a log scale from `start` to `stop` (same sign)."""
    if dtype is None:
        dtype = result_type(_type(start), _type(stop), float)
    dtype = standardize_dtype(dtype)
    log_start = tf.math.log(cast(tf.abs(to_tensor(start)), dtype)) / np.log(10.0)
    log_stop = tf.math.log(cast(tf.abs(to_tensor(stop)), dtype)) / np.log(10.0)
    out = logspace(log_start, log_stop, num=num, endpoint=endpoint, dtype=dtype, axis=axis)
    return out * cast(tf.sign(cast(to_tensor(start), dtype)), dtype)


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras' names
    """A 2-D tensor with ones on the k-th diagonal."""
    dtype = standardize_dtype(dtype)
    M = N if M is None else M
    return tf.constant(np.eye(int(N), int(M), k=int(k), dtype=dtype))


def identity(n, dtype=None):
    """The n x n identity matrix."""
    return eye(n, n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803
    """Ones at and below the k-th diagonal, zeros above."""
    dtype = standardize_dtype(dtype)
    return tf.constant(np.tri(int(N), None if M is None else int(M), int(k), dtype=dtype))


def _band_mask(x, k, lower: bool):
    rows, cols = x.shape.as_list()[-2:]
    mask = np.tri(rows, cols, k, dtype=bool)
    if not lower:
        mask = ~np.tri(rows, cols, k - 1, dtype=bool)
    return tf.constant(mask)


@keras_op
def tril(x, k=0):
    """`x` with the elements above the k-th diagonal zeroed."""
    x = to_tensor(x)
    return tf.where(_band_mask(x, int(k), True), x, tf.zeros_like(x))


@keras_op
def triu(x, k=0):
    """`x` with the elements below the k-th diagonal zeroed."""
    x = to_tensor(x)
    return tf.where(_band_mask(x, int(k), False), x, tf.zeros_like(x))


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D coordinate vectors ("xy" or "ij" indexing)."""
    x = [to_tensor(v) for v in x]
    if len({v.dtype.name for v in x}) > 1:
        raise tf.errors.InvalidArgumentError(
            f"keras.ops.meshgrid: the inputs must share a dtype, got {[v.dtype.name for v in x]}"
        )
    return tf.meshgrid(*x, indexing=indexing)


def array(x, dtype=None):
    """`x` as a tensor."""
    return to_tensor(x, dtype)


@keras_op
def diag(x, k=0):
    """The k-th diagonal of a matrix, or a matrix with a vector on its k-th diagonal."""
    x = to_tensor(x)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        index = np.arange(x.shape[0])
        rows, cols = (index, index + k) if k >= 0 else (index - k, index)
        return tf.scatter_nd(tf.constant(np.stack([rows, cols], 1)), x, [n, n])
    if x.ndim == 2:
        from .numpy_shape import diagonal

        return diagonal(x, offset=k)
    raise ValueError(f"`x` must be 1d or 2d. Received: x.shape={x.shape}")


@keras_op
def diagflat(x, k=0):
    """The flattened `x` on the k-th diagonal of a square matrix."""
    return diag(tf.reshape(to_tensor(x), [-1]), k)


@keras_op
def vander(x, N=None, increasing=False):  # noqa: N803
    """The Vandermonde matrix: columns are powers of `x`."""
    x = to_tensor(x)
    N = int(x.shape[0]) if N is None else int(N)
    powers = np.arange(N) if increasing else np.arange(N - 1, -1, -1)
    compute = result_type(x.dtype, "float32")
    out = tf.pow(tf.expand_dims(cast(x, compute), -1), tf.constant(powers.astype(compute)))
    return cast(out, result_type(x.dtype))
