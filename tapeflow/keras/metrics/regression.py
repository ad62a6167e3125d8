"""Regression metrics: the running means of MSE, MAE, MAPE, MSLE, log-cosh, cosine similarity,
and RMSE. MSE and MAE, the common ones, compute on arrays; the others reuse the loss functions.
"""

from __future__ import annotations

from ...backend import xp
from .. import losses
from .base import divide_no_nan, matched, tensor
from .reduction import ARRAY_FUNCTIONS, BuiltinMeanMetric, Mean


def _mean_squared_error(y_true, y_pred):
    y_true, y_pred = matched(y_true, y_pred, "mean_squared_error")
    d = y_true - y_pred
    return xp.mean(d * d, axis=-1)


def _mean_absolute_error(y_true, y_pred):
    y_true, y_pred = matched(y_true, y_pred, "mean_absolute_error")
    return xp.mean(xp.abs(y_true - y_pred), axis=-1)


ARRAY_FUNCTIONS.update(
    {
        losses.mean_squared_error: _mean_squared_error,
        losses.mean_absolute_error: _mean_absolute_error,
    }
)


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): +1 for equal directions
    (the metric's sign; the loss `keras.losses.cosine_similarity` is its negative)."""
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


class MeanSquaredError(BuiltinMeanMetric):
    """Mean of the squared errors."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=losses.mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"


class MeanAbsoluteError(BuiltinMeanMetric):
    """Mean of the absolute errors."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name, dtype=dtype)
        self._direction = "down"


class MeanAbsolutePercentageError(BuiltinMeanMetric):
    """Mean absolute error relative to |y_true|, in percent."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name, dtype=dtype)
        self._direction = "down"


class MeanSquaredLogarithmicError(BuiltinMeanMetric):
    """Mean squared error of log(1 + y)."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name, dtype=dtype)
        self._direction = "down"


class RootMeanSquaredError(Mean):
    """Square root of the mean squared error (the root of the running mean)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = matched(y_true, y_pred, "root_mean_squared_error")
        y_true, y_pred = y_true.astype(self._dtype), y_pred.astype(self._dtype)
        d = y_pred - y_true
        return super().update_state(d * d, sample_weight=sample_weight)

    def result(self):
        return tensor(xp.sqrt(divide_no_nan(self.total._value, self.count._value)))


class CosineSimilarity(BuiltinMeanMetric):
    """Mean cosine similarity between y_true and y_pred along `axis`."""

    _config_keys = ("axis",)  # Keras 3 drops `axis` from the config; tapeflow keeps it

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"


class LogCoshError(BuiltinMeanMetric):
    """Mean of log(cosh(error))."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name, dtype=dtype)
        self._direction = "down"
