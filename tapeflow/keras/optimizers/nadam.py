"""`tf.keras.optimizers.Nadam`: Adam with Nesterov momentum (Dozat's momentum schedule)."""

from __future__ import annotations

from ...backend import updates
from ...core import dtypes
from ...core.module import name_scope
from ...core.variable import Variable
from ._flat import elementwise
from ._gradients import inplace, keras_cast
from .base_optimizer import Optimizer


class Nadam(Optimizer):
    """Keras 3's Nadam: `u_t = beta_1 (1 - 0.5 * 0.96**t)`, the product of the `u_t` kept
    in a variable; `var -= lr m_hat / (sqrt(v_hat) + epsilon)`."""

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
        self._u_product = None

    def build(self, var_list):
        super().build(var_list)
        if self._u_product is None:
            # One product for all variables, in the dtype of the first (as Keras).
            dtype = var_list[0].dtype if var_list else dtypes.float32
            with name_scope(self.name):
                self._u_product = Variable(1.0, dtype=dtype, trainable=False, name="u_product")
            self._variables.append(self._u_product)
        for v in var_list:
            self.add_variable_from_reference(v, "momentum")
            self.add_variable_from_reference(v, "velocity")

    def _trackable_children(self) -> dict:
        children = super()._trackable_children()
        if self._u_product is not None:
            children["u_product"] = self._u_product
        return children

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        u_product = inplace(self._u_product)
        dt = u_product.dtype.type
        t = dt(self._current_iteration + 1)
        u_product[...] = u_product * self.beta_1 * (1.0 - 0.5 * dt(0.96) ** t)
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    @elementwise
    def update_step(self, gradient, variable, learning_rate):
        slots = self._slots[variable._id]
        m = inplace(slots["momentum"])
        v = inplace(slots["velocity"])
        dt = m.dtype.type
        lr = dt(learning_rate)
        t = dt(self._current_iteration + 1)
        t_next = dt(self._current_iteration + 2)
        decay = keras_cast(0.96, dt)
        beta_1, beta_2 = keras_cast(self.beta_1, dt), keras_cast(self.beta_2, dt)
        u_t = beta_1 * (1.0 - 0.5 * decay**t)
        u_t_1 = beta_1 * (1.0 - 0.5 * decay**t_next)
        u_product_t = dt(float(self._u_product._value))
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = beta_2**t
        updates.nadam(
            inplace(variable),
            gradient,
            m,
            v,
            lr,
            1 - beta_1,
            1 - beta_2,
            u_t_1,
            1 - u_product_t_1,
            1 - u_t,
            1 - u_product_t,
            1 - beta_2_power,
            dt(self.epsilon),
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
