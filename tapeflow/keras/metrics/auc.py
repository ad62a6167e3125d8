"""`AUC`: area under the ROC or precision-recall curve, from confusion counts at thresholds.

Keras' discretisation: `num_thresholds` thresholds spread evenly over [0, 1] (the ends nudged
by epsilon), a Riemann sum over them, and for PR with interpolation the Davis & Goadrich
interpolation of precision between thresholds.
"""

from __future__ import annotations

import numpy as np

from ...backend import xp
from ...core.tensor import wrap
from ...ops import math_unary as unary_ops
from .. import backend
from .base import Metric, as_array, divide_no_nan, tensor
from .confusion import (
    FALSE_NEGATIVES,
    FALSE_POSITIVES,
    TRUE_NEGATIVES,
    TRUE_POSITIVES,
    AUCCurve,
    AUCSummationMethod,
    is_evenly_distributed_thresholds,
    update_confusion_matrix_variables,
)


class AUC(Metric):
    """Approximate area under the ROC curve (default) or the precision-recall curve."""

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0])
            )
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"AUC: argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        # End points below 0 and above 1 catch predictions of exactly 0 and 1.
        eps = backend.epsilon()
        self._thresholds = np.array([0.0 - eps] + thresholds + [1.0 + eps])
        self.curve = curve if isinstance(curve, AUCCurve) else AUCCurve.from_str(curve)
        self.summation_method = (
            summation_method
            if isinstance(summation_method, AUCSummationMethod)
            else AUCSummationMethod.from_str(summation_method)
        )
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (
            None if label_weights is None else np.asarray(label_weights, dtype=self.dtype)
        )
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build([None, num_labels])
        else:
            if num_labels:
                raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self) -> list:
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    f"AUC: `y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{len(shape)}. Full shape received for `y_pred`: {tuple(shape)}"
                )
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        for name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, name, self.add_variable(variable_shape, "zeros", name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self._built:
            self._build(as_array(y_pred).shape)
        if self._from_logits:
            y_pred = unary_ops.sigmoid(wrap(as_array(y_pred)))
        update_confusion_matrix_variables(
            {
                TRUE_POSITIVES: self.true_positives,
                TRUE_NEGATIVES: self.true_negatives,
                FALSE_POSITIVES: self.false_positives,
                FALSE_NEGATIVES: self.false_negatives,
            },
            y_true,
            y_pred,
            self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            # Averaging the per-label AUCs is done in `result` for multi-label data.
            label_weights=None if self.multi_label else self.label_weights,
        )

    def _average(self, terms):
        if not self.multi_label:
            return tensor(xp.sum(terms, axis=0))
        by_label = xp.sum(terms, axis=0)
        if self.label_weights is None:
            return tensor(xp.mean(by_label))
        weights = xp.asarray(self.label_weights)
        return tensor(divide_no_nan(xp.sum(by_label * weights), xp.sum(weights)))

    def interpolate_pr_auc(self):
        """The PR AUC with precision interpolated between thresholds (Davis & Goadrich)."""
        tp, fp = self.true_positives._value, self.false_positives._value
        fn = self.false_negatives._value
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = divide_no_nan(dtp, xp.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            safe_p_ratio = xp.where(
                (p[:-1] > 0) & (p[1:] > 0),
                divide_no_nan(p[:-1], xp.maximum(p[1:], 0)),
                xp.ones_like(p[1:]),
            )
            increments = divide_no_nan(
                prec_slope * (dtp + intercept * xp.log(safe_p_ratio)),
                xp.maximum(tp[1:] + fn[1:], 0),
            )
        return self._average(increments)

    def result(self):
        if self.curve == AUCCurve.PR and self.summation_method == AUCSummationMethod.INTERPOLATION:
            return self.interpolate_pr_auc()
        tp, fp = self.true_positives._value, self.false_positives._value
        tn, fn = self.true_negatives._value, self.false_negatives._value
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == AUCCurve.ROC:
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == AUCCurve.PR:
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN: precision and recall gains (Flach & Kull), clamped as Keras does
            scaling = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scaling * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scaling * divide_no_nan(fp, tp)
            x = xp.maximum(xp.where(tp == 0, 0.0, recall_gain), 0.0).astype(tp.dtype)
            y = xp.where(tp == 0, 1.0, precision_gain).astype(tp.dtype)
        if self.summation_method == AUCSummationMethod.INTERPOLATION:
            heights = (y[:-1] + y[1:]) / y.dtype.type(2.0)
        elif self.summation_method == AUCSummationMethod.MINORING:
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        label_weights = self.label_weights
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve.value,
            "summation_method": self.summation_method.value,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if label_weights is None else label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            # Without the end points, so that from_config rebuilds the same thresholds.
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}
