"""The Keras 1/2 backend functions `tf.keras.backend` still ships in TF 2.21 (Keras 3.15's
`keras._legacy.backend`), plus Keras 3's dtype helpers: `K.random_normal`, `K.int_shape`,
`K.batch_dot`, `K.variable`, `K.get_value`, `K.result_type`, ...

They are reached as attributes of `keras.backend` (loaded on first use). What they need
that tapeflow does not have (CTC, 3-D convolution and pooling, `K.rnn`, graph-mode
`K.gradients`) is left out.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

import tapeflow as tf

from . import backend
from .ops._dtypes import (  # noqa: F401  (keras.backend re-exports them)
    is_float_dtype,
    is_int_dtype,
    result_type,
    standardize_dtype,
)

# Keras 3.15's legacy names left out: they need ops tapeflow does not have (CTC, 3-D
# convolution and pooling) or graph-mode machinery (`rnn` over a step function).
ABSENT = ["conv3d", "ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse", "pool3d",
          "resize_volumes", "rnn", "spatial_3d_padding"]  # fmt: skip


def _floatx(dtype):
    return backend.floatx() if dtype is None else dtype


def _seed(seed):
    return np.random.randint(10e6) if seed is None else seed


# ---- tensors and variables --------------------------------------------------------------------


def variable(value, dtype=None, name=None, constraint=None):
    """A tf.Variable of `value` (floatx by default)."""
    return tf.Variable(value, dtype=tf.as_dtype(_floatx(dtype)), name=name, constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor (floatx by default)."""
    return tf.constant(value, dtype=_floatx(dtype), shape=shape)


def _variable_or_tensor(v, dtype, name):
    return variable(v, dtype=dtype, name=name) if builtins.all(v.shape.as_list()) else v


def zeros(shape, dtype=None, name=None):
    """A variable of zeros (a tensor when a dimension is 0)."""
    dtype = _floatx(dtype)
    return _variable_or_tensor(tf.zeros(shape, dtype=dtype), dtype, name)


def ones(shape, dtype=None, name=None):
    """A variable of ones (a tensor when a dimension is 0)."""
    dtype = _floatx(dtype)
    return _variable_or_tensor(tf.ones(shape, dtype=dtype), dtype, name)


def eye(size, dtype=None, name=None):
    """A variable holding the size x size identity."""
    dtype = _floatx(dtype)
    return variable(tf.eye(size, dtype=dtype), dtype, name)


def zeros_like(x, dtype=None, name=None):
    return tf.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):
    return tf.ones_like(x, dtype=dtype)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable initialised from N(mean, scale)."""
    dtype = _floatx(dtype)
    return variable(tf.random.normal(shape, mean, scale, dtype=dtype, seed=_seed(seed)), dtype,
                    name)  # fmt: skip


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable initialised from U(low, high)."""
    dtype = _floatx(dtype)
    return variable(tf.random.uniform(shape, low, high, dtype=dtype, seed=_seed(seed)), dtype,
                    name)  # fmt: skip


def get_value(x):
    """The value of a tensor or variable as NumPy (anything else as it is)."""
    return x.numpy() if tf.is_tensor(x) else x


def batch_get_value(tensors):
    return [x.numpy() for x in tensors]


def set_value(x, value):
    """Assigns `value` (cast to the variable's dtype) to the variable `x`."""
    x.assign(np.asarray(value, dtype=x.dtype.name))


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def eval(x):  # noqa: A001 - Keras' public name
    return get_value(to_dense(x))


def update(x, new_x):
    return x.assign(new_x)


def update_add(x, increment):
    return x.assign_add(increment)


def update_sub(x, decrement):
    return x.assign_sub(decrement)


def moving_average_update(x, value, momentum):
    """x <- x * momentum + value * (1 - momentum)."""
    momentum = tf.cast(momentum, x.dtype)
    return x.assign_sub((x - tf.cast(value, x.dtype)) * (1 - momentum))


def count_params(x):
    return math.prod(x.shape.as_list())


def int_shape(x):
    """The static shape of `x` as a tuple (None for unknown dimensions)."""
    try:
        shape = x.shape
        return shape if isinstance(shape, tuple) else tuple(shape.as_list())
    except ValueError:
        return None


def shape(x):
    """The dynamic shape of `x` as an int32 tensor."""
    return tf.shape(x)


def ndim(x):
    return x.shape.rank


def dtype(x):
    return x.dtype.name


def is_sparse(tensor):
    return isinstance(tensor, tf.SparseTensor)


def to_dense(tensor):
    return tf.sparse.to_dense(tensor) if is_sparse(tensor) else tensor


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor of a functional model (keras.Input or a layer's)."""
    from .layers.symbolic import KerasTensor

    return isinstance(x, KerasTensor)


def cast(x, dtype):
    return tf.cast(x, dtype)


def cast_to_floatx(x):
    """`x` in floatx (a NumPy array for anything that is not a tensor)."""
    if tf.is_tensor(x):
        return tf.cast(x, backend.floatx())
    return np.asarray(x, dtype=backend.floatx())


def get_uid(prefix=""):
    """1, 2, ... for each call with the same prefix (names "dense", "dense_1" use the same
    counter minus one)."""
    _uids[prefix] = _uids.get(prefix, 0) + 1
    return _uids[prefix]


_uids: dict = {}


def name_scope(name):
    return tf.name_scope(name)


# ---- math ---------------------------------------------------------------------------------------


def abs(x):  # noqa: A001
    return tf.abs(x)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_all(tf.cast(x, "bool"), axis, keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_any(tf.cast(x, "bool"), axis, keepdims)


def argmax(x, axis=-1):
    return tf.argmax(x, axis)


def argmin(x, axis=-1):
    return tf.argmin(x, axis)


def arange(start, stop=None, step=1, dtype="int32"):
    """range(start, stop, step) as a tensor of `dtype` (int32)."""
    if stop is None and start < 0:
        start = 0
    out = tf.range(start, stop, step)
    return out if dtype == "int32" else tf.cast(out, dtype)


def clip(x, min_value, max_value):
    """x clipped to [min_value, max_value] (None: unbounded)."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)):
        max_value = builtins.max(min_value, max_value)
    min_value = -np.inf if min_value is None else min_value
    max_value = np.inf if max_value is None else max_value
    return tf.clip_by_value(x, min_value, max_value)


def _unary(fn):
    def wrapped(x):
        return fn(x)

    wrapped.__name__ = fn.__name__
    return wrapped


cos = _unary(tf.cos)
sin = _unary(tf.sin)
exp = _unary(tf.exp)
log = _unary(tf.math.log)
tanh = _unary(tf.tanh)
sign = _unary(tf.sign)
square = _unary(tf.square)
round = _unary(tf.round)  # noqa: A001
softplus = _unary(tf.math.softplus)
softsign = _unary(tf.math.softsign)


def sqrt(x):
    """sqrt(max(x, 0))."""
    return tf.sqrt(tf.maximum(x, tf.zeros((), x.dtype)))


def sigmoid(x):
    return tf.sigmoid(x)


def hard_sigmoid(x):
    """clip(0.2 x + 0.5, 0, 1) (Keras 2's slope)."""
    return tf.clip_by_value(x * 0.2 + 0.5, 0.0, 1.0)


def pow(x, a):  # noqa: A001
    return tf.pow(x, a)


def equal(x, y):
    return tf.equal(x, y)


def not_equal(x, y):
    return tf.not_equal(x, y)


def greater(x, y):
    return tf.greater(x, y)


def greater_equal(x, y):
    return tf.greater_equal(x, y)


def less(x, y):
    return tf.less(x, y)


def less_equal(x, y):
    return tf.less_equal(x, y)


def maximum(x, y):
    return tf.maximum(x, y)


def minimum(x, y):
    return tf.minimum(x, y)


def _bool_as_float(x):
    return tf.cast(x, backend.floatx()) if x.dtype == tf.bool else x


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_sum(x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    return tf.reduce_prod(x, axis, keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_max(x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_min(x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    return tf.reduce_mean(_bool_as_float(tf.convert_to_tensor(x)), axis, keepdims)


def std(x, axis=None, keepdims=False):
    return tf.math.reduce_std(_bool_as_float(tf.convert_to_tensor(x)), axis, keepdims)


def var(x, axis=None, keepdims=False):
    return tf.math.reduce_variance(_bool_as_float(tf.convert_to_tensor(x)), axis, keepdims)


def cumsum(x, axis=0):
    return tf.math.cumsum(x, axis=axis)


def cumprod(x, axis=0):
    return tf.math.cumprod(x, axis=axis)


def l2_normalize(x, axis=None):
    return tf.math.l2_normalize(x, axis=axis)


def in_top_k(predictions, targets, k):
    from .ops.math import in_top_k as _in_top_k

    return _in_top_k(targets, predictions, k)


def dot(x, y):
    """The product of the last axis of x with the second-to-last of y (any ranks)."""
    if ndim(x) > 2 or ndim(y) > 2:
        x_shape, y_shape = x.shape.as_list(), y.shape.as_list()
        perm = list(range(ndim(y)))
        perm = [perm.pop(-2)] + perm
        xt = tf.reshape(x, [-1, x_shape[-1]])
        yt = tf.reshape(tf.transpose(y, perm), [y_shape[-2], -1])
        return tf.reshape(tf.matmul(xt, yt), x_shape[:-1] + y_shape[:-2] + y_shape[-1:])
    if is_sparse(x):
        return tf.sparse.sparse_dense_matmul(x, y)
    return tf.matmul(x, y)


def batch_dot(x, y, axes=None):
    """The dot product of each pair of samples of x and y over `axes`."""
    from .layers.merging import _batch_dot

    x, y = tf.convert_to_tensor(x), tf.convert_to_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(
            f"Cannot do batch_dot on inputs with rank < 2. Received inputs with tf.shapes "
            f"{x.shape} and {y.shape}."
        )
    if isinstance(axes, int):
        axes = [axes, axes]
    if axes is None:
        axes = [x.ndim - 1, y.ndim - 1] if y.ndim == 2 else [x.ndim - 1, y.ndim - 2]
    axes = [a + n if a < 0 else a for a, n in zip(axes, (x.ndim, y.ndim))]
    if 0 in axes:
        raise ValueError(
            "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a "
            "dummy batch dimension to your inputs using K.expand_dims(x, 0)"
        )
    return _batch_dot(None, x, y, axes[0], axes[1])


def transpose(x):
    return tf.transpose(x)


def permute_dimensions(x, pattern):
    return tf.transpose(x, perm=pattern)


def reshape(x, shape):
    return tf.reshape(x, shape)


def flatten(x):
    return tf.reshape(x, [-1])


def batch_flatten(x):
    """x as (batch, everything else)."""
    x = tf.convert_to_tensor(x)
    return tf.reshape(x, [-1, int(np.prod(x.shape.as_list()[1:]))])


def expand_dims(x, axis=-1):
    return tf.expand_dims(x, axis)


def squeeze(x, axis):
    return tf.squeeze(x, [axis])


def stack(x, axis=0):
    return tf.stack(x, axis=axis)


def concatenate(tensors, axis=-1):
    """The tensors joined along `axis` (sparse ones densified unless all are sparse)."""
    if axis < 0:
        rank = ndim(tensors[0])
        axis = axis % rank if rank else 0
    if builtins.all(is_sparse(x) for x in tensors):
        return tf.sparse.concat(axis, tensors)
    return tf.concat([to_dense(x) for x in tensors], axis)


def tile(x, n):
    return tf.tile(x, [n] if isinstance(n, int) else n)


def repeat(x, n):
    """Each row of the 2-D `x` repeated n times along a new axis 1."""
    if ndim(x) != 2:
        raise ValueError(f"Expected input `x` to have rank 2. Received: rank(x)={ndim(x)}")
    return tf.tile(tf.expand_dims(x, 1), [1, n, 1])


def repeat_elements(x, rep, axis):
    """Each slice of `x` along `axis` repeated `rep` times."""
    return tf.repeat(x, rep, axis=axis)


def reverse(x, axes):
    return tf.reverse(x, [axes] if isinstance(axes, int) else axes)


def gather(reference, indices):
    return tf.gather(reference, indices)


def one_hot(indices, num_classes):
    return tf.one_hot(indices, depth=num_classes, axis=-1)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return map(tf.stop_gradient, variables)
    return tf.stop_gradient(variables)


def switch(condition, then_expression, else_expression):
    """then_expression where `condition`, else else_expression (callables are called)."""
    condition = tf.convert_to_tensor(condition)
    if condition.dtype != tf.bool:
        condition = tf.cast(condition, "bool")
    if not ndim(condition):
        then_fn = then_expression if callable(then_expression) else lambda: then_expression
        else_fn = else_expression if callable(else_expression) else lambda: else_expression
        return tf.cond(condition, then_fn, else_fn)
    then_value = then_expression() if callable(then_expression) else then_expression
    else_value = else_expression() if callable(else_expression) else else_expression
    extra = ndim(then_value) - ndim(condition)
    if extra < 0:
        raise ValueError(
            "Rank of `condition` should be less than or equal to rank of `then_expression` "
            f"and `else_expression`. ndim(condition)={ndim(condition)}, "
            f"ndim(then_expression)={ndim(then_value)}"
        )
    if ndim(condition) > 1:  # Keras aligns a condition of rank > 1 with the leading axes
        condition = tf.reshape(condition, condition.shape.as_list() + [1] * extra)
        condition = tf.broadcast_to(condition, then_value.shape.as_list())
    return tf.where(condition, then_value, else_value)


def map_fn(fn, elems, name=None, dtype=None):
    """fn applied to each slice of `elems` along the first axis, stacked."""
    return tf.stack([fn(e) for e in tf.unstack(tf.convert_to_tensor(elems))])


def foldl(fn, elems, initializer=None, name=None):
    """fn(acc, x) folded over the slices of `elems` from the first."""
    items = tf.unstack(tf.convert_to_tensor(elems))
    acc = items.pop(0) if initializer is None else initializer
    for x in items:
        acc = fn(acc, x)
    return acc


def foldr(fn, elems, initializer=None, name=None):
    """fn(acc, x) folded over the slices of `elems` from the last."""
    items = tf.unstack(tf.convert_to_tensor(elems))[::-1]
    acc = items.pop(0) if initializer is None else initializer
    for x in items:
        acc = fn(acc, x)
    return acc


def gradients(loss, variables):
    raise RuntimeError(
        "tf.gradients is not supported when eager execution is enabled. Use tf.GradientTape "
        "instead."
    )


__all__ = sorted(
    [n for n, v in list(globals().items()) if not n.startswith("_") and callable(v)
     and getattr(v, "__module__", None) == __name__]
    + ["is_float_dtype", "is_int_dtype", "result_type", "standardize_dtype"]
)  # fmt: skip
