"""`tf.keras.optimizers.Lion`: the sign of an interpolated momentum (Chen et al., 2023)."""

from __future__ import annotations

from ...backend import updates
from ._flat import elementwise
from ._gradients import inplace, keras_cast
from .base_optimizer import Optimizer


class Lion(Optimizer):
    """`var -= lr * sign(beta_1 m + (1 - beta_1) g); m = beta_2 m + (1 - beta_2) g`."""

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.99,
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
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}."
            )

    def build(self, var_list):
        super().build(var_list)
        for v in var_list:
            self.add_variable_from_reference(v, "momentum")

    @elementwise
    def update_step(self, gradient, variable, learning_rate):
        m = inplace(self._slots[variable._id]["momentum"])
        dt = m.dtype.type
        beta_1, beta_2 = keras_cast(self.beta_1, dt), keras_cast(self.beta_2, dt)
        updates.lion(
            inplace(variable),
            gradient,
            m,
            dt(learning_rate),
            beta_1,
            1.0 - beta_1,
            beta_2,
            1.0 - beta_2,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
