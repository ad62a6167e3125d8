"""Confusion-matrix metrics: TruePositives/..., Precision, Recall and AUC (ROC and PR curves).

The counts at each threshold are accumulated as Keras does, including its shortcut for evenly
spaced thresholds (each prediction falls into bucket ceil(p * (n - 1)) - 1, then a reversed
cumulative sum), so the counts match Keras' exactly, boundary cases included.
"""

from __future__ import annotations

import enum

import numpy as np

from ...backend import xp
from .. import backend
from ..losses import squeeze_or_expand_to_same_rank
from .base import Metric, as_array, divide_no_nan, tensor

NEG_INF = -1e10

TRUE_POSITIVES, FALSE_POSITIVES = "tp", "fp"
TRUE_NEGATIVES, FALSE_NEGATIVES = "tn", "fn"


class AUCCurve(enum.Enum):
    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"

    @staticmethod
    def from_str(key):
        for curve in AUCCurve:
            if key in (curve.value, curve.value.lower()):
                return curve
        raise ValueError(
            f'Invalid AUC curve value: "{key}". Expected values are ["PR", "ROC", "PRGAIN"]'
        )


class AUCSummationMethod(enum.Enum):
    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        for method in AUCSummationMethod:
            if key in (method.value, method.value.capitalize()):
                return method
        raise ValueError(
            f'Invalid AUC summation method value: "{key}". Expected values are '
            f'["interpolation", "majoring", "minoring"]'
        )


def _to_list(x):
    return list(x) if isinstance(x, (list, tuple, np.ndarray)) else [x]


def parse_init_thresholds(thresholds, default_threshold=0.5) -> list:
    """The thresholds as a list (default [default_threshold]); each must lie in [0, 1]."""
    if thresholds is not None:
        bad = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return _to_list(default_threshold if thresholds is None else thresholds)


def is_evenly_distributed_thresholds(thresholds) -> bool:
    """True for at least 3 thresholds equal to i / (n - 1) (within epsilon)."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=backend.epsilon()))


def _filter_top_k(x, k):
    """x with all but its k largest scores per row set to NEG_INF (ties: lower index first)."""
    top = xp.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = xp.any(top[..., None] == xp.arange(x.shape[-1]), axis=-2).astype(x.dtype)
    return x * mask + NEG_INF * (1 - mask)


def update_confusion_matrix_variables(
    variables_to_update: dict,
    y_true,
    y_pred,
    thresholds,
    top_k=None,
    class_id=None,
    sample_weight=None,
    multi_label=False,
    label_weights=None,
    thresholds_distributed_evenly=False,
):
    """Adds the batch's (weighted) counts at each threshold to the variables keyed "tp", "fp",
    "tn", "fn". A prediction is positive when it is strictly above the threshold."""
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` for multilabel data is applied outside the counts.")
    dtype = next(iter(variables_to_update.values()))._value.dtype
    y_true, y_pred = as_array(y_true, dtype), as_array(y_pred, dtype)
    with_epsilon = thresholds_distributed_evenly and (thresholds[0] < 0.0 or thresholds[-1] > 1.0)
    thresholds = xp.asarray(np.asarray(thresholds, dtype=dtype))
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = as_array(sample_weight, dtype)[..., None]
        _, sample_weight = squeeze_or_expand_to_same_rank(
            y_true, sample_weight, expand_rank_1=False
        )
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                f"When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = None
    if sample_weight is not None:
        weights = xp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None:
        lw = xp.broadcast_to(as_array(label_weights, dtype)[None], y_pred.shape)
        weights = lw if weights is None else weights * lw
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
        weights = None if weights is None else weights.reshape(-1)
    if thresholds_distributed_evenly:
        counts = _bucketed_counts(y_true, y_pred, len(thresholds), weights, with_epsilon, dtype)
    else:
        counts = _thresholded_counts(y_true, y_pred, thresholds, weights, dtype)
    for key, variable in variables_to_update.items():
        variable.assign_add(counts[key])


def _thresholded_counts(y_true, y_pred, thresholds, weights, dtype):
    # (thresholds, samples[, labels]) comparisons, contracted with the weighted labels.
    positive = y_true != 0
    if weights is None:
        weights = xp.ones(y_pred.shape, dtype)
    pos_w = xp.where(positive, weights, 0).astype(dtype)
    neg_w = xp.where(positive, 0, weights).astype(dtype)
    above = (y_pred[None] > thresholds.reshape((-1,) + (1,) * y_pred.ndim)).astype(dtype)
    below = 1 - above
    sub = "tn,n->t" if y_pred.ndim == 1 else "tnl,nl->tl"
    return {
        TRUE_POSITIVES: xp.einsum(sub, above, pos_w),
        FALSE_POSITIVES: xp.einsum(sub, above, neg_w),
        TRUE_NEGATIVES: xp.einsum(sub, below, neg_w),
        FALSE_NEGATIVES: xp.einsum(sub, below, pos_w),
    }


def _bucketed_counts(y_true, y_pred, num_thresholds, weights, with_epsilon, dtype):
    # Keras' shortcut for thresholds i / (n - 1): predictions above threshold i are those in
    # buckets >= i, so the counts are reversed cumulative sums of per-bucket sums.
    y_pred = xp.clip(y_pred, 0.0, 1.0)
    labels = (y_true != 0).astype(dtype)
    true_labels = labels if weights is None else labels * weights
    false_labels = (1 - labels) if weights is None else (1 - labels) * weights
    bucket = xp.ceil(y_pred * dtype.type(num_thresholds - 1)) - 1
    if with_epsilon:
        bucket = xp.maximum(bucket, 0)
    bucket = bucket.astype(np.int64)

    def segment_sums(values):
        if values.ndim == 1:
            keep = bucket >= 0  # bucket -1 (a prediction of exactly 0) is below every threshold
            return xp.bincount(bucket[keep], values[keep], minlength=num_thresholds)
        labels_axis = xp.arange(values.shape[1])[None, :] * num_thresholds
        keep = bucket >= 0
        flat = xp.bincount(
            (bucket + labels_axis)[keep], values[keep], minlength=num_thresholds * values.shape[1]
        )
        return flat.reshape(values.shape[1], num_thresholds).T

    def reversed_cumsum(per_bucket):
        return xp.cumsum(per_bucket.astype(dtype)[::-1], axis=0, dtype=dtype)[::-1]

    tp = reversed_cumsum(segment_sums(true_labels))
    fp = reversed_cumsum(segment_sums(false_labels))
    total_true = xp.sum(true_labels, axis=0, dtype=dtype)
    total_false = xp.sum(false_labels, axis=0, dtype=dtype)
    return {
        TRUE_POSITIVES: tp,
        FALSE_POSITIVES: fp,
        TRUE_NEGATIVES: total_false - fp,
        FALSE_NEGATIVES: total_true - tp,
    }


class _ConfusionMatrixConditionCount(Metric):
    """The weighted count of one confusion-matrix cell at each threshold."""

    _condition = ""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(
            shape=(len(self.thresholds),), initializer="zeros", name="accumulator"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {self._condition: self.accumulator},
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
        )

    def result(self):
        values = self.accumulator._value
        return tensor(values[0] if len(self.thresholds) == 1 else values)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of positive labels predicted positive."""

    _condition = TRUE_POSITIVES


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of negative labels predicted positive."""

    _condition = FALSE_POSITIVES


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of negative labels predicted negative."""

    _condition = TRUE_NEGATIVES


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of positive labels predicted negative."""

    _condition = FALSE_NEGATIVES


class _PrecisionRecall(Metric):
    """tp / (tp + other) at each threshold, where `other` is fp (precision) or fn (recall)."""

    _other = ""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(self.thresholds)
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        other_name = "false_positives" if self._other == FALSE_POSITIVES else "false_negatives"
        setattr(self, other_name, self.add_variable(shape, "zeros", name=other_name))
        self._other_variable = getattr(self, other_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {TRUE_POSITIVES: self.true_positives, self._other: self._other_variable},
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
        )

    def result(self):
        tp = self.true_positives._value
        values = divide_no_nan(tp, tp + self._other_variable._value)
        return tensor(values[0] if len(self.thresholds) == 1 else values)

    def get_config(self) -> dict:
        config = {"thresholds": self.init_thresholds, "top_k": self.top_k}
        return {**super().get_config(), **config, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Of the predicted positives, the fraction that are positive: tp / (tp + fp)."""

    _other = FALSE_POSITIVES


class Recall(_PrecisionRecall):
    """Of the positives, the fraction predicted positive: tp / (tp + fn)."""

    _other = FALSE_NEGATIVES
