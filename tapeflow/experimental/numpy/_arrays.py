"""tnp's array creation, shape manipulation, indexing, sorting and linear algebra.

Built on tapeflow ops (differentiable where NumPy's function is), with NumPy's
signatures, defaults (float64, int64) and dtype promotion.
"""

from __future__ import annotations

import builtins

import numpy as np

import tapeflow as tf

from ._dtypes import as_numpy_dtype, asarray, default_float, promote, result_type

# ---- creation --------------------------------------------------------------------------------


def array(object, dtype=None, copy=True, ndmin=0):  # noqa: A002 - NumPy's name
    """NumPy's `array`: a Tensor (NumPy's dtype for Python values)."""
    out = asarray(object, dtype)
    if copy and out is object:
        out = tf.identity(out)
    while out.shape.rank < ndmin:
        out = tf.expand_dims(out, 0)
    return out


asanyarray = ascontiguousarray = asarray


def copy(a):
    return tf.identity(asarray(a))


def _filled(shape, value, dtype):
    dtype = as_numpy_dtype(dtype) or default_float()
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return tf.constant(np.full(shape, value, dtype=dtype))


def zeros(shape, dtype=float):
    return _filled(shape, 0, dtype)


def ones(shape, dtype=float):
    return _filled(shape, 1, dtype)


def empty(shape, dtype=float):
    return _filled(shape, 0, dtype)


def full(shape, fill_value, dtype=None):
    if dtype is None:
        dtype = result_type(fill_value)
    return _filled(shape, fill_value, dtype)


def _like(a, dtype):
    a = asarray(a)
    return a, (as_numpy_dtype(dtype) or np.dtype(a._value.dtype))


def zeros_like(a, dtype=None):
    a, dtype = _like(a, dtype)
    return tf.zeros_like(a, dtype=dtype.name)


def ones_like(a, dtype=None):
    a, dtype = _like(a, dtype)
    return tf.ones_like(a, dtype=dtype.name)


empty_like = zeros_like


def full_like(a, fill_value, dtype=None):
    a, dtype = _like(a, dtype)
    return tf.constant(np.full(tuple(a.shape), fill_value, dtype=dtype))


def eye(N, M=None, k=0, dtype=float):  # noqa: N803 - NumPy's names
    return tf.constant(np.eye(N, M, k, dtype=as_numpy_dtype(dtype) or default_float()))


def identity(n, dtype=float):
    return eye(n, dtype=dtype)


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    dtype = as_numpy_dtype(dtype) or result_type(start, stop, step)
    return tf.constant(np.arange(start, stop, step, dtype=dtype))


def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    dtype = as_numpy_dtype(dtype) or default_float()
    if isinstance(start, tf.Tensor) or isinstance(stop, tf.Tensor):
        (start, stop), _ = promote(start, stop, floating=True)
        steps = num - 1 if endpoint else num
        t = tf.constant(np.arange(num) / builtins.max(steps, 1), dtype=start.dtype)
        return tf.cast(start + (stop - start) * t, dtype.name)
    return tf.constant(np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype, axis=axis))


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None):
    dtype = as_numpy_dtype(dtype) or default_float()
    return tf.constant(np.logspace(start, stop, num, endpoint=endpoint, base=base, dtype=dtype))


def meshgrid(*xi, indexing="xy"):
    return tf.meshgrid(*[asarray(x) for x in xi], indexing=indexing)


def diag(v, k=0):
    v = asarray(v)
    if v.shape.rank == 1:
        n = int(v.shape[0]) + builtins.abs(k)
        out = tf.linalg.diag(v)
        if k == 0:
            return out
        pad = [[0, k], [k, 0]] if k > 0 else [[-k, 0], [0, -k]]
        return tf.pad(out, pad)[:n, :n]
    return diagonal(v, offset=k)


# ---- shapes ----------------------------------------------------------------------------------


def shape(a):
    return tuple(asarray(a).shape.as_list())


def ndim(a):
    return asarray(a).shape.rank


def size(a, axis=None):
    s = shape(a)
    return int(np.prod(s)) if axis is None else s[axis]


def reshape(a, newshape, order="C"):
    if order != "C":
        raise NotImplementedError("tnp.reshape: only order='C'")
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return tf.reshape(asarray(a), newshape)


def ravel(a):
    return tf.reshape(asarray(a), [-1])


def transpose(a, axes=None):
    return tf.transpose(asarray(a), perm=None if axes is None else list(axes))


def swapaxes(a, axis1, axis2):
    a = asarray(a)
    perm = list(range(a.shape.rank))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return tf.transpose(a, perm)


def moveaxis(a, source, destination):
    a = asarray(a)
    n = a.shape.rank
    source, destination = source % n, destination % n
    perm = [i for i in range(n) if i != source]
    perm.insert(destination, source)
    return tf.transpose(a, perm)


def expand_dims(a, axis):
    return tf.expand_dims(asarray(a), axis)


def squeeze(a, axis=None):
    return tf.squeeze(asarray(a), axis)


def atleast_1d(a):
    a = asarray(a)
    return tf.reshape(a, [1]) if a.shape.rank == 0 else a


def atleast_2d(a):
    a = atleast_1d(a)
    return a[None] if a.shape.rank == 1 else a


def atleast_3d(a):
    a = atleast_2d(a)
    return a[..., None] if a.shape.rank == 2 else a


def _common(arrays):
    tensors, _ = promote(*arrays)
    return tensors


def concatenate(arrays, axis=0):
    tensors = _common(arrays)
    if axis is None:
        return tf.concat([tf.reshape(t, [-1]) for t in tensors], 0)
    return tf.concat(tensors, axis)


def stack(arrays, axis=0):
    return tf.stack(_common(arrays), axis)


def vstack(tup):
    return concatenate([atleast_2d(a) for a in tup], 0)


def hstack(tup):
    tensors = [atleast_1d(a) for a in tup]
    return concatenate(tensors, 0 if tensors[0].shape.rank == 1 else 1)


def dstack(tup):
    return concatenate([atleast_3d(a) for a in tup], 2)


def split(ary, indices_or_sections, axis=0):
    a = asarray(ary)
    if isinstance(indices_or_sections, int):
        return tf.split(a, indices_or_sections, axis)
    n = int(a.shape[axis])
    bounds = [0, *indices_or_sections, n]
    return tf.split(a, [b - s for s, b in zip(bounds[:-1], bounds[1:])], axis)


def tile(A, reps):  # noqa: N803
    a = asarray(A)
    reps = [reps] if isinstance(reps, int) else list(reps)
    while a.shape.rank < len(reps):
        a = a[None]
    reps = [1] * (a.shape.rank - len(reps)) + reps
    return tf.tile(a, reps)


def repeat(a, repeats, axis=None):
    return tf.repeat(asarray(a), repeats, axis=axis)


def broadcast_to(array, shape):
    return tf.broadcast_to(asarray(array), shape)


def flip(m, axis=None):
    m = asarray(m)
    axes = list(range(m.shape.rank)) if axis is None else [axis] if isinstance(axis, int) else axis
    return tf.reverse(m, axes)


def fliplr(m):
    return flip(m, 1)


def flipud(m):
    return flip(m, 0)


def roll(a, shift, axis=None):
    a = asarray(a)
    if axis is None:
        return tf.reshape(roll(tf.reshape(a, [-1]), shift, 0), tf.shape(a))
    n = int(a.shape[axis])
    shift %= n
    if shift == 0:
        return a
    head, tail = tf.split(a, [n - shift, shift], axis)
    return tf.concat([tail, head], axis)


def pad(array, pad_width, mode="constant", constant_values=0):
    a = asarray(array)
    if isinstance(pad_width, int):
        pad_width = [[pad_width, pad_width]] * a.shape.rank
    pad_width = [list(p) if not isinstance(p, int) else [p, p] for p in pad_width]
    if len(pad_width) == 1:
        pad_width = pad_width * a.shape.rank
    return tf.pad(a, pad_width, mode=mode.upper(), constant_values=constant_values)


# ---- indexing, selection, sorting ------------------------------------------------------------


def take(a, indices, axis=None):
    a = asarray(a)
    if axis is None:
        a, axis = tf.reshape(a, [-1]), 0
    return tf.gather(a, asarray(indices), axis=axis)


def take_along_axis(arr, indices, axis):
    arr, idx = asarray(arr), asarray(indices)
    return tf.gather(arr, idx, axis=axis, batch_dims=axis)


def where(condition, x=None, y=None):
    cond = tf.cast(asarray(condition), "bool")
    if x is None and y is None:
        return tuple(tf.unstack(tf.transpose(tf.where(cond)), num=cond.shape.rank))
    (x, y), _ = promote(x, y)
    return tf.where(cond, x, y)


def nonzero(a):
    return where(a)


def sort(a, axis=-1):
    return tf.sort(asarray(a), axis=axis)


def argsort(a, axis=-1):
    return tf.cast(tf.argsort(asarray(a), axis=axis, stable=True), "int64")  # NumPy: intp


def diagonal(a, offset=0, axis1=0, axis2=1):
    a = asarray(a)
    if (axis1, axis2) != (0, 1) or a.shape.rank != 2:
        a = moveaxis(moveaxis(a, axis1, -2), axis2 if axis2 > axis1 else axis2 + 1, -1)
    if offset == 0:
        return tf.linalg.diag_part(a)
    if offset > 0:
        return tf.linalg.diag_part(a[..., :, offset:])
    return tf.linalg.diag_part(a[..., -offset:, :])


def trace(a, offset=0):
    return _total(diagonal(a, offset))


def triu(m, k=0):
    m = asarray(m)
    rows, cols = np.indices(tuple(m.shape[-2:]))
    return tf.where(tf.constant(cols - rows >= k), m, tf.zeros_like(m))


def tril(m, k=0):
    m = asarray(m)
    rows, cols = np.indices(tuple(m.shape[-2:]))
    return tf.where(tf.constant(cols - rows <= k), m, tf.zeros_like(m))


# ---- products --------------------------------------------------------------------------------


def matmul(x1, x2):
    (a, b), _ = promote(x1, x2)
    if a.shape.rank == 1 and b.shape.rank == 1:
        return tf.reduce_sum(a * b)
    if a.shape.rank == 1:
        return tf.squeeze(tf.matmul(a[None], b), -2)
    if b.shape.rank == 1:
        return tf.squeeze(tf.matmul(a, b[:, None]), -1)
    return tf.matmul(a, b)


def dot(a, b):
    (a, b), _ = promote(a, b)
    if a.shape.rank == 0 or b.shape.rank == 0:
        return a * b
    if b.shape.rank <= 2:
        return matmul(a, b)
    return tf.tensordot(a, b, [[a.shape.rank - 1], [b.shape.rank - 2]])


def vdot(a, b):
    return _total(ravel(a) * ravel(b))


def inner(a, b):
    (a, b), _ = promote(a, b)
    return tf.tensordot(a, b, [[a.shape.rank - 1], [b.shape.rank - 1]])


def outer(a, b):
    (a, b), _ = promote(a, b)
    return tf.reshape(a, [-1, 1]) * tf.reshape(b, [1, -1])


def tensordot(a, b, axes=2):
    (a, b), _ = promote(a, b)
    return tf.tensordot(a, b, axes)


def einsum(subscripts, *operands):
    return tf.einsum(subscripts, *_common(operands))


def _total(x):
    return tf.reduce_sum(x)
