"""`tf.keras.optimizers.schedules`: learning rates as functions of the optimizer step.

Each schedule computes in the dtype of its `initial_learning_rate` (a Python float gives
float32), with Keras 3's formulas and operation order, so the values match Keras'.
"""

from __future__ import annotations

import math

import numpy as np

from ...backend import to_numpy, xp
from ...core.tensor import Operand, convert_to_tensor, wrap
from ._gradients import keras_cast


def _value(x) -> np.ndarray:
    """A host NumPy scalar of `x`, typed as TensorFlow would convert it (1.0 -> float32)."""
    if isinstance(x, Operand):
        return np.asarray(to_numpy(x._value))[()]
    return np.asarray(to_numpy(convert_to_tensor(x)._value))[()]


def _tensor(x: np.ndarray):
    return wrap(xp.asarray(x))


class LearningRateSchedule:
    """Base class: a schedule is called with the step and returns the learning rate."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override "
            "`__call__(self, step)`."
        )

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override "
            "`get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _check_positive(name: str, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class _StepDecay(LearningRateSchedule):
    """Shared by the exponential and inverse-time decays: same arguments, same progress
    `step / decay_steps` (floored if staircase); subclasses give the formula in `_decayed`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step):
        lr = _value(self.initial_learning_rate)
        dt = lr.dtype.type
        p = dt(_value(step)) / keras_cast(self.decay_steps, dt)
        if self.staircase:
            p = np.floor(p)
        return _tensor(self._decayed(lr, dt, keras_cast(self.decay_rate, dt), p))

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_StepDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored if staircase)."""

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="ExponentialDecay",
    ):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _decayed(self, lr, dt, rate, p):
        return lr * rate**p


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[i]` on the i-th interval of `boundaries` (closed on the right)."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = _value(step)
        # Boundaries take the step's dtype, as in Keras (a float boundary truncates).
        bounds = [_value(b).astype(step.dtype) for b in self.boundaries]
        values = [_value(v) for v in self.values]
        dt = values[0].dtype
        # Keras sums value * (step in interval) over the intervals; so does this.
        result = np.zeros((), dt)
        result = result + dt.type(step <= bounds[0]) * values[0]
        result = result + dt.type(step > bounds[-1]) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1], strict=True):
            result = result + dt.type((step > low) & (step <= high)) * value
        return _tensor(np.asarray(result, dt))

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` along `(1 - step / decay_steps)
    ** power`."""

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step):
        lr = _value(self.initial_learning_rate)
        dt = lr.dtype.type
        end = keras_cast(self.end_learning_rate, dt)
        power = keras_cast(self.power, dt)
        global_step = dt(_value(step))
        decay_steps = keras_cast(self.decay_steps, dt)
        if self.cycle:
            # The first multiple of decay_steps above the step (1 at step 0).
            multiplier = dt(1.0) if global_step == 0 else np.ceil(global_step / self.decay_steps)
            decay_steps = decay_steps * multiplier
        else:
            global_step = np.minimum(global_step, decay_steps)
        p = global_step / decay_steps
        return _tensor((lr - end) * (1 - p) ** power + end)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(_StepDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`."""

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _decayed(self, lr, dt, rate, p):
        return lr / (dt(1) + rate * p)


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the rate down to `alpha` times it, after an optional linear warmup."""

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_positive("decay_steps", decay_steps)

    def _decay(self, step, decay_steps, decay_from_lr, dt):
        completed_fraction = step / decay_steps
        cosine_decayed = 0.5 * (1.0 + np.cos(dt(math.pi) * completed_fraction))
        decayed = (1 - self.alpha) * cosine_decayed + self.alpha
        return decay_from_lr * decayed

    def __call__(self, step):
        lr = _value(self.initial_learning_rate)
        dt = lr.dtype.type
        decay_steps = keras_cast(self.decay_steps, dt)
        global_step = dt(_value(step))
        if self.warmup_target is None:
            global_step = np.minimum(global_step, decay_steps)
            return _tensor(self._decay(global_step, decay_steps, lr, dt))
        target = keras_cast(self.warmup_target, dt)
        warmup_steps = keras_cast(self.warmup_steps, dt)
        global_step = np.minimum(global_step, decay_steps + warmup_steps)
        if global_step < warmup_steps:
            return _tensor((target - lr) * (global_step / warmup_steps) + lr)
        return _tensor(self._decay(global_step - warmup_steps, decay_steps, target, dt))

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay restarted every period, periods growing by `t_mul`, peaks by `m_mul`."""

    def __init__(
        self,
        initial_learning_rate,
        first_decay_steps,
        t_mul=2.0,
        m_mul=1.0,
        alpha=0.0,
        name="SGDRDecay",
    ):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_positive("first_decay_steps", first_decay_steps)

    def __call__(self, step):
        lr = _value(self.initial_learning_rate)
        dt = lr.dtype.type
        alpha = keras_cast(self.alpha, dt)
        t_mul = keras_cast(self._t_mul, dt)
        m_mul = keras_cast(self._m_mul, dt)
        completed_fraction = dt(_value(step)) / keras_cast(self.first_decay_steps, dt)
        if t_mul == 1.0:
            i_restart = np.floor(completed_fraction)
            completed_fraction = completed_fraction - i_restart
        else:
            # Periods grow geometrically: the restart index solves a geometric sum.
            i_restart = np.floor(
                np.log(dt(1.0 - completed_fraction * (1.0 - t_mul))) / np.log(t_mul)
            )
            sum_r = (1.0 - t_mul**i_restart) / (1.0 - t_mul)
            completed_fraction = (completed_fraction - sum_r) / t_mul**i_restart
        m_fac = m_mul**i_restart
        cosine_decayed = 0.5 * m_fac * (1.0 + np.cos(dt(math.pi) * completed_fraction))
        decayed = (1 - alpha) * cosine_decayed + alpha
        return _tensor(lr * decayed)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


_BUILTIN = {
    cls.__name__: cls
    for cls in (
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(learning_rate_schedule) -> dict:
    """The Keras 3 serialized form: module, class_name, config, registered_name."""
    cls = type(learning_rate_schedule)
    builtin = _BUILTIN.get(cls.__name__) is cls
    return {
        "module": "keras.optimizers.schedules" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize(config: dict, custom_objects=None):
    """The schedule a `serialize` dict describes; `custom_objects` maps other class names."""
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _BUILTIN.get(name)
    if cls is None:
        raise ValueError(
            f"Unknown decay: '{name}'. Please ensure you are using a "
            f"`keras.utils.custom_object_scope` and that this object is included "
            f"in the scope, or pass it in `custom_objects`."
        )
    return cls.from_config(config.get("config", {}))
