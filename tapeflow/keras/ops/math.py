"""`keras.ops` math functions: top_k, in_top_k, logsumexp, segment sums, erf, rsqrt,
extract_sequences, cdist."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from .. import backend
from ._base import cast, keras_op, to_tensor


@keras_op
def top_k(x, k, sorted=True):  # noqa: A002 - Keras' name
    """The k largest values along the last axis and their int32 indices."""
    out = tf.math.top_k(to_tensor(x), k, sorted=sorted)
    return out.values, out.indices


@keras_op
def in_top_k(targets, predictions, k):
    """Whether each target class is among the k largest predictions of its row."""
    predictions = to_tensor(predictions)
    targets = np.asarray(to_tensor(targets)).astype(np.int64)
    values = np.asarray(predictions)
    rows = np.arange(values.shape[0])
    target_values = values[rows, targets]
    larger = (values > target_values[:, None]).sum(axis=1)
    found = (larger < k) & np.isfinite(target_values)
    return tf.constant(found)


@keras_op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The sum of the rows of `data` that share a segment id."""
    data, segment_ids = to_tensor(data), to_tensor(segment_ids)
    if sorted and num_segments is not None:
        raise ValueError(
            "Argument `num_segments` cannot be set when sorted is True when using the "
            f"tensorflow backend.Received: num_segments={num_segments}, sorted={sorted}."
        )
    if num_segments is None:
        ids = np.asarray(segment_ids)
        num_segments = int(ids.max()) + 1 if sorted else len(np.unique(ids))
    return tf.math.unsorted_segment_sum(data, segment_ids, num_segments)


@keras_op
def erf(x):
    """The error function."""
    return tf.math.erf(to_tensor(x))


@keras_op
def erfc(x):
    """1 - erf(x), accurate for large x."""
    return tf.math.erfc(to_tensor(x))


@keras_op
def rsqrt(x):
    """1 / sqrt(x)."""
    return tf.math.rsqrt(to_tensor(x))


@keras_op
def extract_sequences(x, sequence_length, sequence_stride):
    """The frames of length `sequence_length` every `sequence_stride` along the last axis."""
    x = to_tensor(x)
    n = x.shape[-1]
    count = max((n - sequence_length) // sequence_stride + 1, 0)
    index = np.arange(count)[:, None] * sequence_stride + np.arange(sequence_length)[None, :]
    return tf.gather(x, tf.constant(index.astype(np.int32)), axis=x.ndim - 1)


@keras_op
def cdist(x, y):
    """The Euclidean distance between each row of x and each row of y."""
    x1, x2 = to_tensor(x), to_tensor(y)
    if x1.ndim < 2 or x2.ndim < 2:
        raise ValueError("`cdist` inputs must have rank >= 2")
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError("Last dimension of inputs to `cdist` must match")
    difference = tf.expand_dims(x1, -2) - tf.expand_dims(x2, -3)
    return tf.sqrt(tf.reduce_sum(tf.square(difference), axis=-1))


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed stably."""
    x = to_tensor(x)
    if not x.dtype.is_floating:
        x = cast(x, backend.floatx())
    axis = list(axis) if isinstance(axis, (list, tuple)) else axis
    return tf.reduce_logsumexp(x, axis=axis, keepdims=keepdims)


@keras_op
def logdet(x):
    """log(det(x)) of positive definite matrices."""
    return tf.linalg.logdet(to_tensor(x))


def _segment(tf_sorted, tf_unsorted, name):
    @keras_op
    def fn(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        data, segment_ids = to_tensor(data), to_tensor(segment_ids)
        if sorted:
            if num_segments is not None:
                raise ValueError(
                    "Argument `num_segments` cannot be set when sorted is True when using the "
                    f"tensorflow backend.Received: num_segments={num_segments}, sorted={sorted}."
                )
            return tf_sorted(data, segment_ids)
        if num_segments is None:
            num_segments = tf.cast(tf.reduce_max(segment_ids) + 1, "int32")
        return tf_unsorted(data, segment_ids, num_segments)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The {name[8:]} of the rows of `data` that share a segment id."
    return fn


segment_max = _segment(tf.math.segment_max, tf.math.unsorted_segment_max, "segment_max")
segment_min = _segment(tf.math.segment_min, tf.math.unsorted_segment_min, "segment_min")
segment_prod = _segment(tf.math.segment_prod, tf.math.unsorted_segment_prod, "segment_prod")
