"""`tf.keras.optimizers.Adadelta`: steps sized by the ratio of two running RMS values."""

from __future__ import annotations

from ...backend import updates
from ._flat import elementwise
from ._gradients import inplace
from .base_optimizer import Optimizer


class Adadelta(Optimizer):
    """`acc_g = rho acc_g + (1-rho) g**2; d = -sqrt(acc_d + eps) g / sqrt(acc_g + eps);
    acc_d = rho acc_d + (1-rho) d**2; var += lr * d`."""

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.95,
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
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        super().build(var_list)
        for v in var_list:
            self.add_variable_from_reference(v, "accumulated_grad")
            self.add_variable_from_reference(v, "accumulated_delta_var")

    @elementwise
    def update_step(self, gradient, variable, learning_rate):
        slots = self._slots[variable._id]
        acc_grad = inplace(slots["accumulated_grad"])
        acc_delta = inplace(slots["accumulated_delta_var"])
        dt = acc_grad.dtype.type
        rho, one_minus_rho = dt(self.rho), dt(1 - self.rho)
        updates.adadelta(
            inplace(variable),
            gradient,
            acc_grad,
            acc_delta,
            dt(learning_rate),
            rho,
            one_minus_rho,
            dt(self.epsilon),
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
