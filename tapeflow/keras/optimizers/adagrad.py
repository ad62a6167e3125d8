"""`tf.keras.optimizers.Adagrad`: steps scaled by the root of all past squared gradients."""

from __future__ import annotations

from ...backend import updates, xp
from ...core.indexed_slices import IndexedSlices
from ._flat import elementwise
from ._gradients import inplace, keras_cast
from .base_optimizer import Optimizer


class Adagrad(Optimizer):
    """`acc += g**2; var -= lr * g / sqrt(acc + epsilon)`; sparse gradients touch only
    their rows (of both `acc` and `var`)."""

    supports_sparse = True

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value=0.1,
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
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        super().build(var_list)
        for v in var_list:
            self.add_variable_from_reference(
                v, "accumulator", initializer=self._initial_accumulator
            )

    def _initial_accumulator(self, shape, dtype):
        # Keras' Constant initializer casts the value like `ops.cast` (see keras_cast).
        value = keras_cast(float(self.initial_accumulator_value), dtype.as_numpy_dtype)
        return xp.full(shape, value, dtype=dtype.as_numpy_dtype)

    @elementwise
    def update_step(self, gradient, variable, learning_rate):
        accumulator = inplace(self._slots[variable._id]["accumulator"])
        lr = accumulator.dtype.type(learning_rate)
        if isinstance(gradient, IndexedSlices):
            rows, g = gradient.indices, gradient.values
            accumulator[rows] += g * g
            inplace(variable)[rows] -= lr * g / xp.sqrt(accumulator[rows] + self.epsilon)
            return
        updates.adagrad(
            inplace(variable), gradient, accumulator, lr, accumulator.dtype.type(self.epsilon)
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}
        )
        return config
