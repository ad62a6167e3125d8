"""`keras.metrics.Metric`, the base of stateful metrics, and the array helpers metrics share.

Metrics never need gradients, so their updates compute on backend arrays (`x._value`, `xp`)
and add into their non-trainable variables in place; only `result()` makes a Tensor.
"""

from __future__ import annotations

import functools

import numpy as np

from ...backend import xp
from ...core import nest
from ...core.context import state as core_state
from ...core.module import name_scope
from ...core.tensor import Operand, wrap
from ...core.variable import Variable, VariableAggregation, VariableSynchronization
from .. import backend, initializers
from ..layers.layer import KerasVariable
from ..losses import squeeze_or_expand_to_same_rank, standardize_dtype

_AGGREGATIONS = {
    "none": VariableAggregation.NONE,
    "sum": VariableAggregation.SUM,
    "mean": VariableAggregation.MEAN,
    "only_first_replica": VariableAggregation.ONLY_FIRST_REPLICA,
}


def as_array(x, dtype=None):
    """The backend array of a Tensor, Variable, NumPy array or Python value (cast to `dtype`
    when given; no copy when it already has it)."""
    a = x._value if isinstance(x, Operand) else xp.asarray(x)
    if dtype is not None and a.dtype != dtype:
        a = a.astype(dtype)
    return a


def as_float_array(x):
    """The array of `x`; integer and bool inputs become floatx, as Keras' float ops make them."""
    a = as_array(x)
    return a if a.dtype.kind == "f" else a.astype(backend.floatx())


def divide_no_nan(x, y):
    """x / y elementwise, 0 where y is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x / y
    return xp.where(y == 0, xp.zeros((), out.dtype), out)


def check_broadcast(name, y_true, y_pred):
    """A ValueError naming `name` and both shapes when they cannot broadcast together."""
    if y_true.shape != y_pred.shape:
        try:
            np.broadcast_shapes(y_true.shape, y_pred.shape)
        except ValueError:
            raise ValueError(
                f"{name}: y_true and y_pred have incompatible shapes: "
                f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
            ) from None


def matched(y_true, y_pred, name):
    """Float arrays of y_true and y_pred (y_true in y_pred's dtype) after Keras' rank matching."""
    y_pred = as_float_array(y_pred)
    y_true = as_array(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcast(name, y_true, y_pred)
    return y_true, y_pred


def mask_to_weights(sample_weight, mask, dtype):
    """Keras' apply_mask for the "sum" reduction: masked-out entries get weight 0."""
    if mask is None:
        return sample_weight
    float_mask = as_array(mask).astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(
        float_mask, as_array(sample_weight, dtype)
    )
    return sample_weight * float_mask


class Metric:
    """Base class of metrics: state in variables made with `add_variable`, `update_state` to
    accumulate a batch, `result` to read the value, `reset_state` to start again."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Updates and results compute on arrays, outside the op dispatcher: inside
        # tf.function they run as host callbacks, which the plan re-runs on every call.
        if "update_state" in cls.__dict__:
            cls.update_state = _host_update(cls.__dict__["update_state"])
        if "result" in cls.__dict__:
            cls.result = _host_result(cls.__dict__["result"])

    def __init__(self, dtype=None, name=None):
        self.name = name or backend.unique_name(backend.to_snake_case(type(self).__name__))
        self._dtype = standardize_dtype(dtype)
        self._metrics = []
        self._variables = []

    def __setattr__(self, name, value):
        # Keras tracks the variables and sub-metrics assigned as attributes.
        variables = self.__dict__.get("_variables")
        if variables is not None:
            if isinstance(value, Variable) and all(value is not v for v in variables):
                variables.append(value)
            elif isinstance(value, Metric) and all(value is not m for m in self._metrics):
                self._metrics.append(value)
        object.__setattr__(self, name, value)

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: you forgot to call `super().__init__()` in the "
                f"`__init__()` method. Go add it!"
            )

    @property
    def dtype(self) -> str:
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A non-trainable variable of this metric, named "<metric name>/<name>"."""
        self._check_super_called()
        dtype = standardize_dtype(dtype)
        value = initializers.get(initializer or "zeros")(tuple(int(d) for d in shape), dtype=dtype)
        with name_scope(self.name.replace("/", ">")):
            variable = KerasVariable(
                value,
                trainable=False,
                dtype=dtype,
                name=name or f"variable_{len(self._variables)}",
                synchronization=VariableSynchronization.ON_READ,
                aggregation=_AGGREGATIONS.get(aggregation, VariableAggregation.SUM),
            )
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """The Keras 2 spelling of `add_variable`."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list:
        out = list(self._variables)
        for metric in self._metrics:
            out.extend(metric.variables)
        return out

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"Metric {type(self).__name__} does not implement update_state")

    def result(self):
        raise NotImplementedError(f"Metric {type(self).__name__} does not implement result")

    def reset_state(self):
        """Sets every variable back to zeros."""
        for v in self.variables:
            v.assign(xp.zeros(v._value.shape, dtype=v._value.dtype))

    def reset_states(self):
        """The Keras 2 spelling of `reset_state`."""
        return self.reset_state()

    def __call__(self, *args, **kwargs):
        """Updates the state with one batch and returns the result."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _trackable_children(self) -> dict:
        """What a tf.train.Checkpoint saves: the variables by name, then the sub-metrics."""
        children = {v.name: v for v in self._variables}
        children.update({m.name: m for m in self._metrics})
        return children

    def _obj_type(self):
        return "Metric"

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__


def _host_update(update_state):
    @functools.wraps(update_state)
    def wrapper(self, *args, **kwargs):
        if core_state.tracer is None:
            return update_state(self, *args, **kwargs)
        from ...function.host import host_call

        flat = nest.flatten((args, kwargs))
        positions = [i for i, x in enumerate(flat) if isinstance(x, Operand)]

        def run(*arrays):
            values = list(flat)
            for i, array in zip(positions, arrays):
                values[i] = wrap(array)
            call_args, call_kwargs = nest.pack_sequence_as((args, kwargs), values)
            update_state(self, *call_args, **call_kwargs)

        host_call(run, *[flat[i] for i in positions], writes=self.variables)

    return wrapper


def _host_result(result):
    @functools.wraps(result)
    def wrapper(self):
        if core_state.tracer is None:
            return result(self)
        from ...function.host import host_call

        return host_call(lambda: result(self)._value, writes=[])

    return wrapper


def tensor(array):
    """A fresh Tensor holding `array` (never the variable's own array, which updates in place)."""
    return wrap(xp.array(array, copy=True))
