"""`keras.ops` core: conversion, casting, shapes, control flow, scatter and slice updates."""

from __future__ import annotations

import builtins

import numpy as np

import tapeflow as tf

from ...core import nest
from ...core.tensor import Operand
from ._base import cast as _cast
from ._base import keras_op, to_tensor
from ._dtypes import standardize_dtype


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as a Tensor (of `dtype` if given, cast where TF's conversion would refuse)."""
    if isinstance(x, tf.SparseTensor) and sparse is not False:
        return x if dtype is None else tf.cast(x, standardize_dtype(dtype))
    return to_tensor(x, dtype)


def convert_to_numpy(x):
    """The values of `x` as a NumPy array."""
    if isinstance(x, tf.SparseTensor):
        x = tf.sparse.to_dense(x)
    return np.array(x)


def is_tensor(x) -> bool:
    """Whether `x` is a backend tensor (a Tensor, Variable or SparseTensor)."""
    return tf.is_tensor(x)


@keras_op
def cast(x, dtype):
    """`x` converted to `dtype`."""
    if isinstance(x, tf.SparseTensor):
        return tf.cast(x, standardize_dtype(dtype))
    return _cast(x, dtype)


def dtype(x) -> str:
    """The dtype of `x` as Keras names it ("float32")."""
    return standardize_dtype(getattr(x, "dtype", None) or to_tensor(x).dtype)


def shape(x) -> tuple:
    """The shape of `x` as a tuple of ints (None for unknown dimensions of a KerasTensor)."""
    if hasattr(x, "shape") and not isinstance(x, np.ndarray):
        return tuple(tf.TensorShape(x.shape).as_list())
    return tuple(np.shape(x))


@keras_op
def saturate_cast(x, dtype):
    """`x` cast to `dtype`, with values outside the range of `dtype` clipped to it first."""
    dtype = standardize_dtype(dtype)
    x = to_tensor(x)
    in_dtype = x.dtype.name
    if dtype != "bool" and in_dtype != "bool":
        info = np.iinfo if "int" in dtype else np.finfo
        lo, hi = info(dtype).min, info(dtype).max
        in_info = np.iinfo if "int" in in_dtype else np.finfo
        in_lo, in_hi = in_info(in_dtype).min, in_info(in_dtype).max
        lo, hi = builtins.max(lo, in_lo), builtins.min(hi, in_hi)
        x = tf.clip_by_value(
            x, tf.cast(np.asarray(lo), in_dtype), tf.cast(np.asarray(hi), in_dtype)
        )
    return _cast(x, dtype)


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` else `false_fn()`."""
    return tf.cond(pred, true_fn, false_fn)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """`loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (a single non-tuple loop
    variable is passed and returned as is)."""
    is_tuple = isinstance(loop_vars, (tuple, list))
    loop_vars = tuple(loop_vars) if is_tuple else (loop_vars,)

    def _body(*args):
        out = body(*args)
        return tuple(out) if is_tuple else (out,)

    out = tf.while_loop(cond, _body, loop_vars, maximum_iterations=maximum_iterations)
    return tuple(out) if is_tuple else out[0]


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for i from `lower` to `upper` - 1."""
    out = tf.while_loop(
        lambda i, val: i < upper, lambda i, val: (i + 1, body_fun(i, val)), (lower, init_val)
    )
    return out[1]


def switch(index, branches, *operands):
    """`branches[index](*operands)`, the index clipped into range."""
    index = int(np.clip(int(to_tensor(index, "int32")), 0, len(branches) - 1))
    return branches[index](*operands)


def stop_gradient(variable):
    """The value of `variable`, with no gradient flowing back through it."""
    return tf.stop_gradient(variable)


def custom_gradient(f):
    """Decorator: `f` returns (value, grad_fn), grad_fn maps the upstream gradient to the
    gradient of each input (TF's `tf.custom_gradient`)."""
    return tf.custom_gradient(f)


@keras_op
def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list."""
    return tf.unstack(to_tensor(x), num=num, axis=axis)


def map(f, xs):  # noqa: A001 - Keras' public name
    """`f` applied to each slice of `xs` along the first axis, results stacked."""
    flat = [to_tensor(x) for x in nest.flatten(xs)]
    length = flat[0].shape[0]
    outs = [f(nest.pack_sequence_as(xs, [x[i] for x in flat])) for i in range(length)]
    return nest.map_structure(lambda *ys: tf.stack(ys), *outs)


def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` along the first axis (computed one
    slice at a time), results stacked."""
    return map(function, elements)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """JAX's `lax.scan`: `carry, y = f(carry, x)` over the slices of `xs`; returns the final
    carry and the stacked ys."""
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    flat_xs = [to_tensor(x) for x in nest.flatten(xs)] if xs is not None else []
    n = int(flat_xs[0].shape[0]) if flat_xs else int(length)
    steps = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, []
    for i in steps:
        x = nest.pack_sequence_as(xs, [v[i] for v in flat_xs]) if xs is not None else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or builtins.all(y is None for y in ys):
        return carry, None
    return carry, nest.map_structure(lambda *v: tf.stack(v), *ys)


def associative_scan(f, elems, reverse=False, axis=0):
    """The running combination `f(f(e0, e1), e2) ...` along `axis` (f associative)."""
    flat = [to_tensor(e) for e in nest.flatten(elems)]
    n = flat[0].shape[axis]
    slices = [[tf.gather(e, i, axis=axis) for e in flat] for i in range(n)]
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    acc, out = None, [None] * n
    for i in order:
        cur = nest.pack_sequence_as(elems, slices[i])
        acc = cur if acc is None else (f(cur, acc) if reverse else f(acc, cur))
        out[i] = nest.flatten(acc)
    stacked = [tf.stack([o[j] for o in out], axis=axis) for j in range(len(flat))]
    return nest.pack_sequence_as(elems, stacked)


@keras_op
def scatter(indices, values, shape):
    """A zero tensor of `shape` with `values` added at `indices` (TF's scatter_nd)."""
    return tf.scatter_nd(to_tensor(indices), to_tensor(values), shape)


@keras_op
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices` (or combined by `reduction`: "add",
    "max", "min", "mul")."""
    inputs, indices, updates = to_tensor(inputs), to_tensor(indices), to_tensor(updates)
    if reduction is None:
        return tf.tensor_scatter_nd_update(inputs, indices, updates)
    if reduction == "add":
        return tf.tensor_scatter_nd_add(inputs, indices, updates)
    if reduction == "max":
        return tf.tensor_scatter_nd_max(inputs, indices, updates)
    if reduction == "min":
        return tf.tensor_scatter_nd_min(inputs, indices, updates)
    if reduction == "mul":
        for i in range(int(indices.shape[0])):  # TF has no tensor_scatter_nd_mul either
            at = indices[i : i + 1]
            inputs = tf.tensor_scatter_nd_update(inputs, at, tf.gather_nd(inputs, at) * updates[i])
        return inputs
    raise ValueError(f"Unsupported reduction: {reduction}")


@keras_op
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras' public name
    """The block of `inputs` of size `shape` starting at `start_indices`."""
    return tf.slice(to_tensor(inputs), start_indices, shape)


@keras_op
def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates` (differentiable
    for both)."""
    inputs = to_tensor(inputs)
    updates = to_tensor(updates, inputs.dtype)
    start = [int(s) for s in (start_indices.numpy() if isinstance(start_indices, Operand)
                              else start_indices)]  # fmt: skip
    full = inputs.shape.as_list()
    size = updates.shape.as_list()
    paddings = [[s, n - s - k] for s, n, k in zip(start, full, size)]
    inside = tf.pad(tf.ones(size), paddings) > 0
    return tf.where(inside, tf.pad(updates, paddings), inputs)
