"""`LossScaleOptimizer`: dynamic loss scaling around another optimizer (Keras 3's).

float16 gradients underflow; the loss is multiplied by a scale (2**15 to start) before the
gradients are taken, and the gradients divided by it before the inner optimizer applies
them. A step whose gradients hold an inf or a NaN is skipped and halves the scale; after
`dynamic_growth_steps` finite steps in a row the scale doubles.
"""

from __future__ import annotations

from ...core.tensor import Operand
from ...ops.logic import is_finite
from ...ops.math import cast
from ...ops.reduce import reduce_all
from .base_optimizer import Optimizer

_BASE_DEFAULTS = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """Wraps `inner_optimizer` with dynamic loss scaling.

    Args:
        inner_optimizer: the optimizer that applies the unscaled gradients.
        initial_scale: the first loss scale (a large number: a scale too high falls far
            faster than one too low rises).
        dynamic_growth_steps: after this many steps with finite gradients the scale doubles.
    """

    def __init__(
        self,
        inner_optimizer,
        initial_scale=2.0**15,
        dynamic_growth_steps=2000,
        name=None,
        **kwargs,
    ):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                "`loss_scale_factor` directly on the `inner_optimizer`."
            )
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{arg}`. Instead, set `{arg}` on "
                    f"the `inner_optimizer`."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                f"LossScaleOptimizer: inner_optimizer must be a keras Optimizer, got "
                f"{inner_optimizer!r}"
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # The gradients arrive unscaled: the inner optimizer must not scale them again.
        inner_optimizer.loss_scale_factor = None
        self.step_counter = None
        self.dynamic_scale = None

    def build(self, var_list):
        if self.step_counter is None:
            self.step_counter = self.add_variable((), "zeros", dtype="int64", name="step_counter")
            self.dynamic_scale = self.add_variable(
                (), float(self.initial_scale), dtype="float32", name="dynamic_scale"
            )
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self) -> list:
        return self._variables[:] + self.inner_optimizer.variables

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if hasattr(self, "inner_optimizer"):
            self.inner_optimizer.learning_rate = learning_rate
        else:  # the base constructor sets its own (unused) rate first
            self._set_learning_rate(learning_rate)

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """`loss` times the current scale (the initial one before the first step)."""
        scale = self.dynamic_scale if self.built else self.initial_scale
        if isinstance(loss, Operand) and loss.dtype.name != "float32":
            loss = cast(loss, "float32")  # Keras' multiply promotes float16 * float32
        return loss * scale

    def check_finite(self, grads):
        """Whether every gradient is finite (a boolean Tensor)."""
        checks = [reduce_all(is_finite(g)) for g in grads if g is not None]
        result = checks[0]
        for c in checks[1:]:
            result = result & c
        return result

    def apply_gradients(self, grads_and_vars):
        pairs = list(grads_and_vars)
        if pairs:
            self.apply([p[0] for p in pairs], [p[1] for p in pairs])
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not self.built:
            self.build(list(trainable_variables or []))
        variables = (
            self._trainable_variables[:] if trainable_variables is None else trainable_variables
        )
        if bool(self.check_finite(grads)):
            scale = self.dynamic_scale
            unscaled = [None if g is None else g / scale for g in grads]
            self.inner_optimizer.apply(unscaled, trainable_variables=variables)
            if int(self.step_counter) == self.dynamic_growth_steps - 1:
                self.step_counter.assign(0)
                self.dynamic_scale.assign(self.dynamic_scale * 2.0)
            else:
                self.step_counter.assign_add(1)
        else:  # an inf or a NaN: skip the step, halve the scale
            self.step_counter.assign(0)
            self.dynamic_scale.assign(self.dynamic_scale * 0.5)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self) -> dict:
        from . import serialize

        return {
            "name": self.name,
            "inner_optimizer": serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
