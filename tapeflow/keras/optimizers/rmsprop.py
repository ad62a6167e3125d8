"""`tf.keras.optimizers.RMSprop`: steps scaled by a moving average of squared gradients."""

from __future__ import annotations

from ...backend import updates, xp
from ...core.indexed_slices import IndexedSlices
from ._flat import elementwise
from ._gradients import inplace
from .base_optimizer import Optimizer


class RMSprop(Optimizer):
    """`v = rho * v + (1 - rho) * g**2; var -= lr * g / sqrt(v + epsilon)`.

    `centered` subtracts the squared moving mean of `g` from `v`; `momentum` accumulates
    the increments. Without either, a sparse gradient updates only its rows of `var`.
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
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
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    @property
    def supports_sparse(self) -> bool:
        return not (self.momentum > 0 or self.centered)

    def build(self, var_list):
        super().build(var_list)
        for v in var_list:
            self.add_variable_from_reference(v, "velocity")
            if self.momentum > 0:
                self.add_variable_from_reference(v, "momentum")
            if self.centered:
                self.add_variable_from_reference(v, "average_gradient")

    @elementwise
    def update_step(self, gradient, variable, learning_rate):
        slots = self._slots[variable._id]
        velocity = inplace(slots["velocity"])
        dt = velocity.dtype.type
        lr = dt(learning_rate)
        rho = dt(self.rho)
        one_minus_rho = dt(1 - self.rho)
        if isinstance(gradient, IndexedSlices):
            velocity *= rho
            # Rows without gradient only decay: rho * v + (1 - rho) * 0 is rho * v exactly.
            rows, g = gradient.indices, gradient.values
            velocity[rows] += one_minus_rho * (g * g)
            inplace(variable)[rows] -= lr * g / xp.sqrt(velocity[rows] + self.epsilon)
            return
        updates.rmsprop(
            inplace(variable),
            gradient,
            velocity,
            lr,
            rho,
            one_minus_rho,
            dt(self.epsilon),
            average=inplace(slots["average_gradient"]) if self.centered else None,
            momentum_slot=inplace(slots["momentum"]) if self.momentum > 0 else None,
            momentum=dt(self.momentum),
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "rho": self.rho,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config
