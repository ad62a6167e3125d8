"""`tf.keras.optimizers.SGD`: gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from ...backend import updates
from ...core.indexed_slices import IndexedSlices
from ._flat import elementwise
from ._gradients import inplace, keras_cast
from .base_optimizer import Optimizer


class SGD(Optimizer):
    """`m = momentum * m - lr * g; var += m` (Nesterov: `var += momentum * m - lr * g`).

    With `momentum=0` it is `var -= lr * g`, and a sparse gradient updates only its rows.
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0.0,
        nesterov=False,
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
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov

    @property
    def supports_sparse(self) -> bool:
        return self.momentum == 0

    def build(self, var_list):
        super().build(var_list)
        if self.momentum != 0:
            for v in var_list:
                self.add_variable_from_reference(v, "momentum")

    @elementwise
    def update_step(self, gradient, variable, learning_rate):
        if isinstance(gradient, IndexedSlices):
            a = inplace(variable)
            lr = a.dtype.type(learning_rate)
            a[gradient.indices] -= gradient.values * lr
            return
        a = inplace(variable)
        dt = a.dtype.type
        if self.momentum == 0:
            updates.sgd(a, gradient, dt(learning_rate))
            return
        updates.sgd(
            a,
            gradient,
            dt(learning_rate),
            momentum_slot=inplace(self._slots[variable._id]["momentum"]),
            momentum=keras_cast(self.momentum, dt),
            nesterov=self.nesterov,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
