"""Keras 3's recurrent cells: SimpleRNNCell, LSTMCell and GRUCell.

Besides Keras' `call(inputs, states)`, each offers the RNN loop (`recurrent.py`) the input
projection of every step at once and one step of gate arithmetic.
"""

from __future__ import annotations

from ...ops.array import ones, reshape, zeros
from ...ops.array_join import concat
from ...ops.linalg import matmul
from ...ops.nn_layers import dropout as _dropout
from ...ops.shape_generic import _reshape_from
from .. import initializers, regularizers
from .convolutional import _activation, _serialize
from .core import _positive_int
from .layer import Layer

# ---- cells --------------------------------------------------------------------------------


class _GatedCell(Layer):
    """What the built-in cells share: `kernel` (in, gates * units), `recurrent_kernel`
    (units, gates * units), `bias`, dropout masks, config.

    Besides Keras' `call(inputs, states)`, a cell offers the RNN loop `_project(x, masks)`
    (the input part of every step at once) and `_step(projected, states, rec_masks)`.
    """

    gates = 1

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        kwargs.pop("implementation", None)  # one implementation here
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.units = _positive_int(layer, "units", units)
        self.activation, self._activation_name = _activation(activation, layer)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.state_size = self.units
        self.output_size = self.units
        self.kernel = self.recurrent_kernel = self.bias = None

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def build(self, input_shape):
        n = self.gates * self.units
        self.kernel = self.add_weight(
            shape=(int(input_shape[-1]), n),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, n),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self._bias_shape(),
                name="bias",
                initializer=self._bias_init(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    # -- dropout: one mask per sequence (per gate when recurrent dropout is on, as Keras) --

    def _mask_count(self):
        return 1 if self.gates == 1 or self.recurrent_dropout == 0 else self.gates

    def _dropout_masks(self, like, rate):
        if not 0 < rate < 1:
            return None
        ones_ = ones(tuple(like.shape), like.dtype)
        return [_dropout(ones_, rate, seed=self.seed) for _ in range(self._mask_count())]

    def _input_masks(self, step_input, training):
        return self._dropout_masks(step_input, self.dropout) if training else None

    def _recurrent_masks(self, state, training):
        return self._dropout_masks(state, self.recurrent_dropout) if training else None

    # -- the loop protocol --

    def _input_bias(self):
        return self.bias

    def _project(self, x, masks=None):
        """x @ kernel + input bias for x of shape (..., features), as one matmul."""
        features = x.shape[-1]

        def project(inputs, kernel):
            return matmul(reshape(inputs, (-1, features)), kernel)

        if masks is None:
            out = project(x, self.kernel)
        else:
            kernels = self._split(self.kernel, len(masks))
            out = concat([project(x * m, k) for m, k in zip(masks, kernels)], axis=-1)
        bias = self._input_bias()
        if bias is not None:
            out = out + bias
        # x's leading sizes when it runs: one tf.function trace serves every batch size.
        lead = tuple(("like", i) for i in range(x.ndim - 1))
        return _reshape_from(out, x, dims=lead + (out.shape[-1],))

    def _split(self, kernel, count):
        if count == 1:
            return [kernel]
        u = self.units
        return [kernel[:, g * u : (g + 1) * u] for g in range(count)]

    def _recurrent(self, h, rec_masks, count=None):
        """h @ recurrent_kernel (its first `count` gates), each gate with its own mask."""
        rk = self.recurrent_kernel
        if count is not None and count != self.gates:
            rk = rk[:, : count * self.units]
        if rec_masks is None:
            return matmul(h, rk)
        parts = [matmul(h * m, k) for m, k in zip(rec_masks, self._split(rk, len(rec_masks)))]
        return parts[0] if len(parts) == 1 else concat(parts, axis=-1)

    def _step(self, projected, states, rec_masks=None):
        raise NotImplementedError

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        states = list(states) if nested else [states]
        projected = self._project(inputs, self._input_masks(inputs, training))
        output, new_states = self._step(
            projected, states, self._recurrent_masks(states[0], training)
        )
        if not nested and len(new_states) == 1:
            return output, new_states[0]
        return output, new_states

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [zeros((batch_size, s), self.compute_dtype) for s in sizes]

    def get_config(self):
        config = {
            **super().get_config(),
            "units": self.units,
            "activation": self._activation_name,
        }
        if hasattr(self, "recurrent_activation"):
            config["recurrent_activation"] = self._recurrent_activation_name
        config.update(
            {
                "use_bias": self.use_bias,
                "kernel_initializer": _serialize(self.kernel_initializer, initializers),
                "recurrent_initializer": _serialize(self.recurrent_initializer, initializers),
                "bias_initializer": _serialize(self.bias_initializer, initializers),
            }
        )
        if hasattr(self, "unit_forget_bias"):
            config["unit_forget_bias"] = self.unit_forget_bias
        config.update(
            {
                "kernel_regularizer": _serialize(self.kernel_regularizer, regularizers),
                "recurrent_regularizer": _serialize(self.recurrent_regularizer, regularizers),
                "bias_regularizer": _serialize(self.bias_regularizer, regularizers),
                "kernel_constraint": self.kernel_constraint,
                "recurrent_constraint": self.recurrent_constraint,
                "bias_constraint": self.bias_constraint,
                "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout,
            }
        )
        if hasattr(self, "reset_after"):
            config["reset_after"] = self.reset_after
        config["seed"] = self.seed
        return config


class SimpleRNNCell(_GatedCell):
    """h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

    gates = 1

    def _step(self, projected, states, rec_masks=None):
        h = self.activation(projected + self._recurrent(states[0], rec_masks))
        return h, [h]


class LSTMCell(_GatedCell):
    """Long short-term memory; gates in Keras' order i, f, c, o; states [h, c]."""

    gates = 4

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.recurrent_activation, self._recurrent_activation_name = _activation(
            recurrent_activation, "LSTMCell"
        )
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        u, init = self.units, self.bias_initializer

        def forget_ones(shape, dtype=None):  # the forget gate starts at 1 (Jozefowicz 2015)
            parts = [init((u,), dtype=dtype), ones((u,), dtype), init((2 * u,), dtype=dtype)]
            return concat(parts, axis=0)

        return forget_ones

    def _step(self, projected, states, rec_masks=None):
        h, c = states
        z = projected + self._recurrent(h, rec_masks)
        u = self.units
        ra, act = self.recurrent_activation, self.activation
        i = ra(z[:, :u])
        f = ra(z[:, u : 2 * u])
        c = f * c + i * act(z[:, 2 * u : 3 * u])
        o = ra(z[:, 3 * u :])
        h = o * act(c)
        return h, [h, c]


class GRUCell(_GatedCell):
    """Gated recurrent unit; gates in Keras' order z, r, h. With `reset_after` (Keras 3's
    default) the reset gate multiplies the recurrent projection and `bias` is (2, 3 * units)."""

    gates = 3

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        reset_after=True,
        seed=None,
        **kwargs,
    ):
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.recurrent_activation, self._recurrent_activation_name = _activation(
            recurrent_activation, "GRUCell"
        )
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None or not self.reset_after:
            return self.bias
        return self.bias[0]

    def _step(self, projected, states, rec_masks=None):
        h = states[0]
        u = self.units
        ra = self.recurrent_activation
        if self.reset_after:
            inner = self._recurrent(h, rec_masks)
            if self.bias is not None:
                inner = inner + self.bias[1]
            z = ra(projected[:, :u] + inner[:, :u])
            r = ra(projected[:, u : 2 * u] + inner[:, u : 2 * u])
            recurrent_h = r * inner[:, 2 * u :]
        else:
            inner = self._recurrent(h, None if rec_masks is None else rec_masks[:2], 2)
            z = ra(projected[:, :u] + inner[:, :u])
            r = ra(projected[:, u : 2 * u] + inner[:, u:])
            h_h = h if rec_masks is None else h * rec_masks[2]
            recurrent_h = matmul(r * h_h, self.recurrent_kernel[:, 2 * u :])
        hh = self.activation(projected[:, 2 * u :] + recurrent_h)
        h = z * h + (1.0 - z) * hh
        return h, [h]


__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell"]
