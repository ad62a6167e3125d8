"""Reduction metrics: `Sum`, `Mean` and `MeanMetricWrapper` (the mean of a per-sample function)."""

from __future__ import annotations

from ...backend import xp
from ...core.context import state as core_state
from ...core.tape import paused
from .. import losses
from .base import Metric, as_array, divide_no_nan, mask_to_weights, tensor

# Public metric functions -> the same computation on arrays (no Tensors, no dispatch).
ARRAY_FUNCTIONS: dict = {}


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Keras' weighting of metric values: the values are reduced to the weights' rank, weighted,
    then reduced to one value per sample. Works on arrays; returns (values, weights)."""
    mask = getattr(values, "_keras_mask", None)
    values = as_array(values, dtype)
    if sample_weight is not None:
        sample_weight = mask_to_weights(as_array(sample_weight, dtype), mask, dtype)
        values, sample_weight = losses.squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.ndim, values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        sample_weight = xp.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of all values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="total"
        )

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, xp.sum, self._dtype)
        self.total.assign_add(xp.sum(values, dtype=values.dtype))

    def result(self):
        return tensor(self.total._value)


class Mean(Metric):
    """The (weighted) mean of all values seen: total / count."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="total"
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="count"
        )

    def update_state(self, values, sample_weight=None):
        dtype = self._dtype
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, xp.mean, dtype)
        self.total.assign_add(xp.sum(values, dtype=dtype))
        if sample_weight is not None:
            num_samples = xp.sum(sample_weight, dtype=dtype)
        else:
            num_samples = values.shape[0] if values.ndim >= 1 else 1
        self.count.assign_add(xp.asarray(num_samples, dtype=dtype))

    def result(self):
        return tensor(divide_no_nan(self.total._value, self.count._value))


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        self._array_fn = ARRAY_FUNCTIONS.get(fn)
        # A wrapped loss is minimised (Keras reads `_direction` for callbacks' "auto" mode).
        if fn in losses.ALL_OBJECTS or type(fn) in losses.ALL_OBJECTS:
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        if self._array_fn is not None:
            values = self._array_fn(y_true, y_pred, **self._fn_kwargs)
        elif core_state.recording:  # metrics need no gradients: keep the tapes clean
            with paused():
                values = self._fn(y_true, y_pred, **self._fn_kwargs)
        else:
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
        sample_weight = mask_to_weights(sample_weight, mask, self._dtype)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        config = {**super().get_config(), "fn": losses.serialize(self._fn)}
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (str, dict)):
            from . import deserialize  # the package lists every metric and loss function

            config["fn"] = deserialize(config["fn"])
        return cls(**config)


class BuiltinMeanMetric(MeanMetricWrapper):
    """A built-in MeanMetricWrapper: its config is name, dtype and its own arguments (the
    function is implied by the class)."""

    _config_keys: tuple = ()

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype}
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config
