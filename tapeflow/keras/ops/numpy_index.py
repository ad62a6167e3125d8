"""`keras.ops` selection: take, take_along_axis, where, sorting, searching, membership."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from ._base import canonical_axis, cast, keras_op, promote, promote_tensors, to_tensor
from .numpy_shape import swapaxes


def _fix_negative(indices, n):
    return tf.where(indices < 0, indices + tf.cast(n, indices.dtype), indices)


@keras_op
def take(x, indices, axis=None):
    """The elements of `x` at `indices` along `axis` (of the flattened `x` if None);
    negative indices count from the end."""
    x = to_tensor(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    indices = to_tensor(indices)
    if indices.dtype.is_floating:
        indices = cast(indices, "int32")
    return tf.gather(x, _fix_negative(indices, x.shape[axis]), axis=axis)


@keras_op
def take_along_axis(x, indices, axis=None):
    """The elements of `x` at `indices`, matched along every axis but `axis`."""
    x = to_tensor(x)
    indices = to_tensor(indices, "int64")
    if axis is None:
        if indices.ndim != 1:
            raise ValueError(
                f"`indices` must be 1D if axis=None. Received: indices.shape={indices.shape}"
            )
        x, axis = tf.reshape(x, [-1]), 0
    axis = canonical_axis(axis, x.ndim)
    x_shape, i_shape = x.shape.as_list(), indices.shape.as_list()
    x_shape[axis] = i_shape[axis] = 1
    common = list(np.broadcast_shapes(tuple(x_shape), tuple(i_shape)))
    x = tf.broadcast_to(x, common[:axis] + [x.shape[axis]] + common[axis + 1 :])
    indices = tf.broadcast_to(indices, common[:axis] + [indices.shape[axis]] + common[axis + 1 :])
    indices = _fix_negative(indices, x.shape[axis])
    x, indices = swapaxes(x, axis, -1), swapaxes(indices, axis, -1)
    out_shape = indices.shape.as_list()
    rows_x = tf.reshape(x, [-1, x.shape[-1]])
    rows_i = tf.reshape(indices, [-1, indices.shape[-1]])
    out = tf.reshape(tf.gather(rows_x, rows_i, axis=1, batch_dims=1), out_shape)
    return swapaxes(out, axis, -1)


@keras_op
def where(condition, x1=None, x2=None):
    """x1 where `condition`, else x2 (promoted as Keras does); with only `condition`, the
    indices of its true elements (a tuple, one tensor per axis)."""
    condition = cast(condition, "bool")
    if x1 is not None and x2 is not None:
        (x1, x2), _ = promote(x1, x2)
        return tf.where(condition, x1, x2)
    if x1 is None and x2 is None:
        return nonzero(condition)
    raise ValueError(
        "`x1` and `x2` either both should be `None` or both should have non-None value."
    )


@keras_op
def nonzero(x):
    """The indices of the nonzero elements of `x`, one int32 tensor per axis."""
    x = to_tensor(x)
    coords = tf.where(cast(x, "bool"))
    return tuple(cast(c, "int32") for c in tf.unstack(coords, num=x.ndim, axis=1))


@keras_op
def select(condlist, choicelist, default=0):
    """For each element, the choice of the first condition that holds, else `default`."""
    if len(condlist) != len(choicelist):
        raise ValueError(
            "condlist and choicelist must have the same length. Received: "
            f"len(condlist)={len(condlist)}, len(choicelist)={len(choicelist)}"
        )
    choices = [to_tensor(c) for c in choicelist]
    (*choices, default), _ = promote(*choices, default)
    out = default
    for cond, choice in reversed(list(zip(condlist, choices))):
        out = tf.where(cast(cond, "bool"), choice, out)
    return out


@keras_op
def sort(x, axis=-1):
    """`x` sorted ascending along `axis` (of the flattened `x` if None)."""
    x = to_tensor(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    if x.dtype.is_bool:
        return cast(tf.sort(cast(x, "int8"), axis=axis), "bool")
    return tf.sort(x, axis=axis)


@keras_op
def argsort(x, axis=-1):
    """The int32 indices that sort `x` along `axis` (stable)."""
    x = to_tensor(x)
    if x.dtype.is_bool:
        x = cast(x, "uint8")
    if x.ndim == 0:
        return tf.constant([0], dtype="int32")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.argsort(x, axis=axis, stable=True)


@keras_op
def argpartition(x, kth, axis=-1):
    """Indices that partition `x` along `axis` around its `kth` smallest element."""
    x = to_tensor(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.constant(np.argpartition(np.asarray(x), kth, axis=axis).astype(np.int32))


@keras_op
def searchsorted(sorted_sequence, values, side="left"):
    """Where each value would be inserted into the 1-D `sorted_sequence` to keep it sorted."""
    sorted_sequence, values = to_tensor(sorted_sequence), to_tensor(values)
    if sorted_sequence.ndim != 1:
        raise ValueError(
            "`searchsorted` only supports 1-D sorted sequences. Received: "
            f"sorted_sequence.shape={sorted_sequence.shape}"
        )
    out = np.searchsorted(np.asarray(sorted_sequence), np.asarray(values), side=side)
    return tf.constant(out.astype(np.int32))


@keras_op
def digitize(x, bins):
    """The index of the bin of `bins` (increasing boundaries) each element falls in."""
    x = to_tensor(x)
    out = np.digitize(np.asarray(x), np.asarray([float(b) for b in bins]))
    return tf.constant(out.astype(np.int32))


@keras_op
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of x1 occurs in x2."""
    (x1, x2), _ = promote_tensors(x1, x2)
    shape = x1.shape.as_list()
    flat1, flat2 = tf.reshape(x1, [-1]), tf.reshape(x2, [-1])
    if flat1.shape[0] == 0 or flat2.shape[0] == 0:
        return tf.fill(shape, bool(invert))
    found = tf.reduce_any(tf.equal(tf.expand_dims(flat1, 1), tf.expand_dims(flat2, 0)), axis=1)
    if invert:
        found = tf.logical_not(found)
    return tf.reshape(found, shape)


@keras_op
def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative int occurs in `x` (rows of a 2-D `x` counted apart),
    summing `weights` instead of ones if given."""
    if sparse:
        raise NotImplementedError("keras.ops.bincount(sparse=True) is not supported by tapeflow")
    x = to_tensor(x)
    values = np.asarray(x).astype(np.int64)
    if weights is None:
        dtype, w = "int32", None
    else:
        weights = to_tensor(weights)
        from ._dtypes import result_type

        dtype = result_type(x.dtype, weights.dtype)
        w = np.asarray(weights)
    length = max(int(values.max()) + 1 if values.size else 0, int(minlength))
    if values.ndim == 1:
        out = np.bincount(values, weights=w, minlength=length)
    else:
        out = np.stack([np.bincount(v, weights=None if w is None else w[i], minlength=length)
                        for i, v in enumerate(values)])  # fmt: skip
    return tf.constant(out.astype(dtype))


@keras_op
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):  # fmt: skip
    """The distinct values of the flattened `x`, sorted (with first indices, inverse
    indices and counts)."""
    if axis is not None:
        raise NotImplementedError("keras.ops.unique(axis=...) is not supported by tapeflow")
    x = to_tensor(x)
    flat = np.asarray(x).reshape(-1)
    values, index, inverse, counts = np.unique(
        flat, return_index=True, return_inverse=True, return_counts=True
    )
    if size is not None:
        pad = size - values.size
        fill = values.min() if fill_value is None and values.size else (fill_value or 0)
        values = np.concatenate([values, np.full(max(pad, 0), fill, values.dtype)])[:size]
        counts = np.concatenate([counts, np.zeros(max(pad, 0), counts.dtype)])[:size]
    out = [tf.constant(values)]
    if return_index:
        out.append(tf.constant(index.astype(np.int32)))
    if return_inverse:
        out.append(tf.constant(inverse.reshape(x.shape.as_list()).astype(np.int32)))
    if return_counts:
        out.append(tf.constant(counts.astype(np.int32)))
    return out[0] if len(out) == 1 else tuple(out)
