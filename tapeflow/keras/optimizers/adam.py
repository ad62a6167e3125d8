"""`tf.keras.optimizers.Adam` and `AdamW` (Adam with decoupled weight decay)."""

from __future__ import annotations

import numpy as np

from ...backend import updates
from ._flat import elementwise
from ._gradients import inplace, keras_cast
from .base_optimizer import Optimizer


class Adam(Optimizer):
    """Adam with Keras' epsilon placement: `var -= alpha * m / (sqrt(v) + epsilon)`,
    `alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`; `amsgrad` uses `max(v)` so far.

    A sparse gradient is applied densified, as Keras 3 does: the moments of every row decay.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            name=name,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            **kwargs,
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        super().build(var_list)
        for v in var_list:
            self.add_variable_from_reference(v, "momentum")
            self.add_variable_from_reference(v, "velocity")
        if self.amsgrad:
            for v in var_list:
                self.add_variable_from_reference(v, "velocity_hat")

    @elementwise
    def update_step(self, gradient, variable, learning_rate):
        slots = self._slots[variable._id]
        m = inplace(slots["momentum"])
        v = inplace(slots["velocity"])
        alpha, one_minus_beta_1, one_minus_beta_2, epsilon = self._step_scalars(
            m.dtype.type, learning_rate
        )
        updates.adam(
            inplace(variable),
            gradient,
            m,
            v,
            alpha,
            one_minus_beta_1,
            one_minus_beta_2,
            epsilon,
            v_hat=inplace(slots["velocity_hat"]) if self.amsgrad else None,
        )

    def _step_scalars(self, dt, learning_rate) -> tuple:
        """(alpha, 1 - beta_1, 1 - beta_2, epsilon) in `dt`: the same for every variable of a
        step, so computed once a step (NumPy scalar arithmetic costs microseconds an op)."""
        key = (self._current_iteration, dt, learning_rate, self.beta_1, self.beta_2, self.epsilon)
        cached = self.__dict__.get("_cached_step_scalars")
        if cached is not None and cached[0] == key:
            return cached[1]
        t = dt(self._current_iteration + 1)
        # Scalar `**` (not np.power) rounds like TensorFlow's pow.
        alpha = (
            dt(learning_rate)
            * np.sqrt(1 - keras_cast(self.beta_2, dt) ** t)
            / (1 - keras_cast(self.beta_1, dt) ** t)
        )
        scalars = (alpha, dt(1 - self.beta_1), dt(1 - self.beta_2), dt(self.epsilon))
        self._cached_step_scalars = (key, scalars)
        return scalars

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
            }
        )
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay: `var -= var * weight_decay * lr` before each step."""

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            name=name,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            **kwargs,
        )
        if self.weight_decay is None:
            raise ValueError(
                "Argument `weight_decay` must be a float. Received: weight_decay=None"
            )
