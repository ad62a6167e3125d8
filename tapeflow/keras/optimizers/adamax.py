"""`tf.keras.optimizers.Adamax`: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from ...backend import updates
from ._flat import elementwise
from ._gradients import inplace, keras_cast
from .base_optimizer import Optimizer


class Adamax(Optimizer):
    """`m += (g - m)(1 - beta_1); u = max(beta_2 u, |g|);
    var -= lr m / ((1 - beta_1**t)(u + epsilon))`."""

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
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

    def build(self, var_list):
        super().build(var_list)
        for v in var_list:
            self.add_variable_from_reference(v, "momentum")
            self.add_variable_from_reference(v, "norm")

    @elementwise
    def update_step(self, gradient, variable, learning_rate):
        slots = self._slots[variable._id]
        m = inplace(slots["momentum"])
        u = inplace(slots["norm"])
        dt = m.dtype.type
        beta_1_power = keras_cast(self.beta_1, dt) ** dt(self._current_iteration + 1)
        updates.adamax(
            inplace(variable),
            gradient,
            m,
            u,
            dt(learning_rate),
            dt(1 - self.beta_1),
            dt(self.beta_2),
            dt(self.epsilon),
            1 - beta_1_power,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
