"""`keras.ops` products: matmul, dot, einsum, tensordot, inner, outer, vdot, kron, cross.

As in Keras' TensorFlow backend, integer operands are multiplied in a float type and the
result cast back to the promoted dtype (two int8 matrices give int32)."""

from __future__ import annotations

import tapeflow as tf

from .. import backend
from ._base import cast, keras_op, to_tensor
from ._dtypes import result_type
from .numpy_shape import moveaxis

_TENSORDOT_DTYPES = ("int32", "int64", "float16", "float32", "float64")


def _operands(x1, x2):
    x1, x2 = to_tensor(x1), to_tensor(x2)
    result = result_type(x1.dtype, x2.dtype)
    compute = result_type(result, float)
    return cast(x1, compute), cast(x2, compute), result


@keras_op
def matmul(x1, x2):
    """The matrix product of x1 and x2 (batched over leading axes; 1-D operands as vectors)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    if x1.dtype.name == "int8" and x2.dtype.name == "int8" and x1.ndim > 1 and x2.ndim > 1:
        result = "int32"
    else:
        result = result_type(x1.dtype, x2.dtype)
    compute = result_type(x1.dtype, x2.dtype, float)
    x1, x2 = cast(x1, compute), cast(x2, compute)
    if x2.ndim == 1:
        out = tf.tensordot(x1, x2, axes=1)
    elif x1.ndim == 1:
        out = tf.tensordot(x1, x2, axes=[[0], [x2.ndim - 2]])
    else:
        out = tf.matmul(x1, x2)
    return cast(out, result)


@keras_op
def dot(x1, x2):
    """NumPy's dot: a product over the last axis of x1 and the second-to-last of x2."""
    x1, x2, result = _operands(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        out = x1 * x2
    elif x2.ndim == 1:
        out = tf.tensordot(x1, x2, axes=[[x1.ndim - 1], [0]])
    else:
        out = tf.tensordot(x1, x2, axes=[[x1.ndim - 1], [x2.ndim - 2]])
    return cast(out, result)


@keras_op
def einsum(subscripts, *operands, **kwargs):
    """The Einstein summation `subscripts` over `operands`."""
    operands = [to_tensor(x) for x in operands]
    names = {x.dtype.name for x in operands}
    if names == {"int8"}:
        result, compute = "int32", backend.floatx()
    else:
        result = result_type(*names)
        compute = backend.floatx() if "int" in result else result
    out = tf.einsum(subscripts, *[cast(x, compute) for x in operands], **kwargs)
    return cast(out, result)


@keras_op
def tensordot(x1, x2, axes=2):
    """The sum of products over `axes` (an int: the last of x1 with the first of x2)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    result = result_type(x1.dtype, x2.dtype)
    compute = result if result in _TENSORDOT_DTYPES else result_type(result, float)
    return cast(tf.tensordot(cast(x1, compute), cast(x2, compute), axes=axes), result)


@keras_op
def inner(x1, x2):
    """The sum of products over the last axes of x1 and x2."""
    x1, x2, result = _operands(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        out = x1 * x2
    else:
        out = tf.tensordot(x1, x2, axes=[[x1.ndim - 1], [x2.ndim - 1]])
    return cast(out, result)


@keras_op
def vdot(x1, x2):
    """The dot product of the flattened x1 and x2."""
    x1, x2, result = _operands(x1, x2)
    return cast(tf.tensordot(tf.reshape(x1, [-1]), tf.reshape(x2, [-1]), axes=1), result)


@keras_op
def outer(x1, x2):
    """The outer product of the flattened x1 and x2."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    dtype = result_type(x1.dtype, x2.dtype)
    return tf.reshape(cast(x1, dtype), [-1, 1]) * tf.reshape(cast(x2, dtype), [-1])


@keras_op
def kron(x1, x2):
    """The Kronecker product of x1 and x2."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    dtype = result_type(x1.dtype, x2.dtype)
    x1, x2 = cast(x1, dtype), cast(x2, dtype)
    while x1.ndim < x2.ndim:
        x1 = tf.expand_dims(x1, 0)
    while x2.ndim < x1.ndim:
        x2 = tf.expand_dims(x2, 0)
    a, b = x1.shape.as_list(), x2.shape.as_list()
    left = tf.reshape(x1, [d for pair in zip(a, [1] * len(a)) for d in pair])
    right = tf.reshape(x2, [d for pair in zip([1] * len(b), b) for d in pair])
    return tf.reshape(left * right, [i * j for i, j in zip(a, b)])


@keras_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (2-vectors get a zero third component)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    dtype = result_type(x1.dtype, x2.dtype)
    x1, x2 = cast(x1, dtype), cast(x2, dtype)
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = moveaxis(x1, axisa, -1), moveaxis(x2, axisb, -1)
    d1, d2 = x1.shape[-1], x2.shape[-1]

    def three(x):
        if x.shape[-1] == 2:
            x = tf.pad(x, [[0, 0]] * (x.ndim - 1) + [[0, 1]])
        return tf.unstack(x, num=3, axis=-1)

    a0, a1, a2 = three(x1)
    b0, b1, b2 = three(x2)
    c = tf.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    if d1 == 2 and d2 == 2:
        return c[..., 2]
    return moveaxis(c, -1, axisc)


@keras_op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of `y` along `axis` by the trapezoidal rule."""
    y = to_tensor(y)
    dtype = result_type(y.dtype, float)
    y = moveaxis(cast(y, dtype), axis, -1)
    if x is None:
        spacing = tf.cast(tf.convert_to_tensor(dx), dtype)
    else:
        x = moveaxis(to_tensor(x, dtype), axis, -1)
        spacing = x[..., 1:] - x[..., :-1]
    return tf.reduce_sum(0.5 * (y[..., 1:] + y[..., :-1]) * spacing, axis=-1)


@keras_op
def slogdet(x):
    """The sign and log of the absolute determinant."""
    return tuple(tf.linalg.slogdet(to_tensor(x)))
