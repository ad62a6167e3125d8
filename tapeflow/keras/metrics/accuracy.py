"""Accuracy metrics: exact, binary (thresholded), categorical, sparse and top-k accuracy.

Each public function returns a Tensor of per-sample matches (1.0 or 0.0); the metric classes
use the array versions directly, so an update costs a few NumPy calls.
"""

from __future__ import annotations

import numpy as np

from ...backend import xp
from ...core.tensor import wrap
from .. import backend
from ..losses import squeeze_or_expand_to_same_rank
from .base import as_array
from .reduction import ARRAY_FUNCTIONS, BuiltinMeanMetric


def _matches(condition):
    return condition.astype(backend.floatx())


def _accuracy(y_true, y_pred):
    y_pred = as_array(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(as_array(y_true, y_pred.dtype), y_pred)
    return _matches(y_true == y_pred)


def _binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = squeeze_or_expand_to_same_rank(as_array(y_true), as_array(y_pred))
    # Keras compares with a float32 threshold (0.7 is 0.69999999 there too).
    predicted = (y_pred > np.float32(threshold)).astype(y_true.dtype)
    return _matches(y_true == predicted)


def _categorical_accuracy(y_true, y_pred):
    y_pred = as_array(y_pred)
    labels = xp.argmax(as_array(y_true), axis=-1)
    shape = labels.shape
    reshape = labels.ndim == y_pred.ndim
    if reshape:  # y_true had one more axis than y_pred
        labels = labels[..., 0]
    matches = _matches(labels == xp.argmax(y_pred, axis=-1))
    return matches.reshape(shape) if reshape else matches


def _sparse_categorical_accuracy(y_true, y_pred):
    y_pred = as_array(y_pred)
    y_true = as_array(y_true, y_pred.dtype)  # Keras compares labels in y_pred's dtype
    shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1
    if reshape:
        y_true = y_true[..., 0]
    matches = _matches(y_true == xp.argmax(y_pred, axis=-1).astype(y_true.dtype))
    if reshape:
        matches = matches.reshape(shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return matches


def in_top_k(targets, predictions, k):
    """TF's in_top_k: the target's score is among the k largest (ties all count as in); False
    for targets out of range and for rows holding a non-finite score."""
    num_classes = predictions.shape[-1]
    in_range = (targets >= 0) & (targets < num_classes)
    rows = xp.arange(predictions.shape[0])
    target_scores = predictions[rows, xp.where(in_range, targets, 0)]
    better = xp.sum(predictions > target_scores[:, None], axis=-1)
    return in_range & xp.all(xp.isfinite(predictions), axis=-1) & (better < k)


def _top_k(labels, y_pred, k):
    shape = labels.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    matches = _matches(in_top_k(labels.reshape(-1).astype(np.int32), y_pred, k))
    return matches.reshape(shape) if len(shape) > 1 else matches


def _top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_pred = as_array(y_pred)
    return _top_k(xp.argmax(as_array(y_true, y_pred.dtype), axis=-1), y_pred, k)


def _sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    y_pred = as_array(y_pred)
    if not from_sorted_ids:
        return _top_k(as_array(y_true, np.int32), y_pred, k)
    # y_pred holds class ids sorted by score: a hit is the label among the first k.
    y_true = as_array(y_true, y_pred.dtype)
    shape = y_true.shape
    ids = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    hits = xp.any(y_true.reshape(-1)[:, None] == ids[:, :k], axis=1)
    return _matches(hits).reshape(shape) if len(shape) > 1 else _matches(hits)


def accuracy(y_true, y_pred):
    """1.0 where y_true equals y_pred exactly."""
    return wrap(_accuracy(y_true, y_pred))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals y_true."""
    return wrap(_binary_accuracy(y_true, y_pred, threshold))


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals argmax(y_true) (one-hot labels)."""
    return wrap(_categorical_accuracy(y_true, y_pred))


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label y_true."""
    return wrap(_sparse_categorical_accuracy(y_true, y_pred))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k highest scores."""
    return wrap(_top_k_categorical_accuracy(y_true, y_pred, k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the k highest scores."""
    return wrap(_sparse_top_k_categorical_accuracy(y_true, y_pred, k, from_sorted_ids))


ARRAY_FUNCTIONS.update(
    {
        accuracy: _accuracy,
        binary_accuracy: _binary_accuracy,
        categorical_accuracy: _categorical_accuracy,
        sparse_categorical_accuracy: _sparse_categorical_accuracy,
        top_k_categorical_accuracy: _top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy: _sparse_top_k_categorical_accuracy,
    }
)


class Accuracy(BuiltinMeanMetric):
    """How often y_pred equals y_true exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"


class BinaryAccuracy(BuiltinMeanMetric):
    """How often (y_pred > threshold) equals the binary label."""

    _config_keys = ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"


class CategoricalAccuracy(BuiltinMeanMetric):
    """How often argmax(y_pred) matches the one-hot label."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"


class SparseCategoricalAccuracy(BuiltinMeanMetric):
    """How often argmax(y_pred) matches the integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"


class TopKCategoricalAccuracy(BuiltinMeanMetric):
    """How often the one-hot label is among the k highest scores."""

    _config_keys = ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"


class SparseTopKCategoricalAccuracy(BuiltinMeanMetric):
    """How often the integer label is among the k highest scores."""

    def __init__(
        self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False
    ):
        super().__init__(
            fn=sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
