"""Recurrent layers: the RNN loop, SimpleRNN, LSTM and GRU and their cells (Keras 3).

The loop runs once per time step in Python over tapeflow ops. For the built-in cells the
input projection `x @ kernel + bias` of every step is one matmul before the loop, so a step
costs the recurrent matmul and the gate arithmetic only.
"""

from __future__ import annotations

from ...core import nest
from ...core.errors import InvalidArgumentError
from ...core.tensor import convert_to_tensor
from ...ops.array import ones, reshape, stop_gradient, zeros, zeros_like
from ...ops.array_join import concat, stack, unstack
from ...ops.indexing import where
from ...ops.linalg import matmul
from ...ops.math import cast
from ...ops.nn_layers import dropout as _dropout
from ...ops.shape_generic import _expand_dims, _reshape_from, _zeros_from
from .. import initializers, regularizers
from .convolutional import _activation, _serialize
from .core import _positive_int
from .input_spec import InputSpec
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


# ---- the loop -----------------------------------------------------------------------------


def _serialize_layer(layer) -> dict:
    """Keras' serialized form of a layer: module, class name, config and registered name
    (the owner builds the copy itself, so no build config)."""
    from ..saving.serialization import serialize_keras_object

    config = serialize_keras_object(layer)
    config.pop("build_config", None)
    config.pop("compile_config", None)
    return config


def _deserialize_layer(config, custom_objects=None):
    """A layer from `_serialize_layer`'s output (a Layer passes through). The class comes
    from the deserialization registries, as for any config: built-in, registered, scoped or
    in `custom_objects`."""
    if not isinstance(config, dict):
        return config
    from ..saving.deserialization import deserialize_keras_object

    layer = deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(f"Expected a layer config, got one for {type(layer).__name__}")
    return layer


class RNN(Layer):
    """Runs `cell` over the time axis of (batch, time, features) sequences.

    Returns the last output, or every output (`return_sequences`), followed by the final
    states when `return_state`. `go_backwards` runs from the last step to the first; the
    returned sequence is then in that reversed order, as in Keras.
    """

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        cell = _deserialize_layer(cell)
        if isinstance(cell, (list, tuple)):
            raise NotImplementedError(
                "RNN: a list of cells (StackedRNNCells) is not supported by tapeflow yet; "
                "stack RNN layers with return_sequences=True instead"
            )
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(
                f"RNN: argument `cell` should have a `call` method and a `state_size` "
                f"attribute. Received: cell={cell}"
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.states = None  # the carried states of a stateful layer (tensors, not weights)
        sizes = cell.state_size
        self.state_size = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]

    def build(self, sequences_shape, initial_state_shape=None):
        if len(sequences_shape) < 3:
            raise InvalidArgumentError(
                f"Layer {self.name} ({type(self).__name__}) expects inputs of shape "
                f"(batch, time, features), received shape {tuple(sequences_shape)}"
            )
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._build_with_scope((sequences_shape[0],) + tuple(sequences_shape[2:]))
        self.built = True

    def _check_sequences(self, sequences):
        """At least one time step, and the feature size the cell was built for (else a
        slice or MatMul deep inside the loop would report it)."""
        # Only these two sizes: the batch size may vary in a tf.function trace.
        steps, features = sequences.shape[1], sequences.shape[-1]
        shape = tuple(sequences._value.shape)
        if steps == 0:
            raise InvalidArgumentError(
                f"Layer {self.name} ({type(self).__name__}) needs at least one time step, "
                f"received sequences of shape {shape}"
            )
        kernel = getattr(self.cell, "kernel", None)
        if kernel is not None and kernel.shape.rank == 2 and kernel.shape[0] != features:
            raise InvalidArgumentError(
                f"Layer {self.name} ({type(self).__name__}) was built for {kernel.shape[0]} "
                f"input features, received sequences of shape {shape}"
            )

    def _zero_states(self, sequences):
        """The built-in cells' zero states, sized by the sequences' batch when it runs (so
        one tf.function trace serves every batch size); other cells' own initial states."""
        fn = getattr(type(self.cell), "get_initial_state", None)
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        if fn is _GatedCell.get_initial_state and all(isinstance(s, int) for s in sizes):
            return [
                _zeros_from(sequences, dims=(("like", 0), s), dtype=self.compute_dtype)
                for s in sizes
            ]
        return self.get_initial_state(int(sequences.shape[0]))

    def get_initial_state(self, batch_size):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            state = fn(batch_size=batch_size)
            return list(state) if isinstance(state, (list, tuple)) else [state]
        return [zeros((batch_size, d), self.compute_dtype) for d in self.state_size]

    def reset_state(self):
        if self.states is not None:
            self.states = [zeros(tuple(s.shape), s.dtype) for s in self.states]

    reset_states = reset_state

    def _initial_states(self, sequences, initial_state):
        if initial_state is None:
            if self.stateful and self.states is not None:
                return list(self.states)
            return self._zero_states(sequences)
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        dtype = sequences.dtype
        out = []
        for s in initial_state:
            s = convert_to_tensor(s)
            out.append(s if s.dtype == dtype else cast(s, dtype))
        if len(out) != len(self.state_size):
            raise ValueError(
                f"Layer {self.name}: expected {len(self.state_size)} initial states, "
                f"received {len(out)}"
            )
        return out

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if sequences.ndim < 3:
            raise InvalidArgumentError(
                f"Layer {self.name} ({type(self).__name__}) expects inputs of shape "
                f"(batch, time, features), received shape {tuple(sequences.shape)}"
            )
        self._check_sequences(sequences)
        states = self._initial_states(sequences, initial_state)
        cell = self.cell
        if isinstance(cell, _GatedCell):
            step_input = sequences[:, 0]
            in_masks = cell._input_masks(step_input, training)
            if in_masks is not None:
                in_masks = [_expand_dims(m, axis=1) for m in in_masks]
            steps = unstack(cell._project(sequences, in_masks), axis=1)
            rec_masks = cell._recurrent_masks(states[0], training)

            def step(x, states):
                return cell._step(x, states, rec_masks)

        else:
            steps = unstack(sequences, axis=1)
            # A Layer cell takes `training` from the enclosing call; any object with a
            # `call(inputs, states)` method is a cell too.
            cell_fn = cell if callable(cell) else cell.call

            def step(x, states):
                out, new = cell_fn(x, states)
                return out, list(new) if isinstance(new, (list, tuple)) else [new]

        if mask is not None:
            mask = convert_to_tensor(mask)
            mask_steps = unstack(_expand_dims(cast(mask, "bool"), axis=-1), axis=1)
        if self.go_backwards:
            steps = steps[::-1]
            if mask is not None:
                mask_steps = mask_steps[::-1]
        outputs = []
        output = None
        for t, x in enumerate(steps):
            new_output, new_states = step(x, states)
            if mask is not None:  # masked steps keep the states and repeat the output
                m = mask_steps[t]
                if output is None or self.zero_output_for_mask:
                    kept = zeros_like(new_output)
                else:
                    kept = output
                new_output = where(m, new_output, kept)
                new_states = [where(m, n, s) for n, s in zip(new_states, states)]
            output, states = new_output, new_states
            if self.return_sequences:
                outputs.append(new_output)
        if self.stateful:
            self.states = [stop_gradient(s) for s in states]
        result = stack(outputs, axis=1) if self.return_sequences else output
        if self.return_state:
            return (result, *states)
        return result

    def compute_mask(self, _, mask):
        """The sequence's mask for returned sequences, None for a last output and states."""
        mask = nest.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        size = getattr(self.cell, "output_size", None) or self.state_size[0]
        output = (batch, length, size) if self.return_sequences else (batch, size)
        if self.return_state:
            return (output, *[(batch, s) for s in self.state_size])
        return output

    def get_config(self):
        config = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        if type(self) is RNN:
            config["cell"] = _serialize_layer(self.cell)
        return config


class _CellRNN(RNN):
    """An RNN that makes its own built-in cell and mirrors the cell's config."""

    _cell_class = None
    _cell_name = None

    def __init__(self, units, **kwargs):
        layer_keys = (
            "return_sequences",
            "return_state",
            "go_backwards",
            "stateful",
            "unroll",
            "zero_output_for_mask",
        )
        rnn_kwargs = {k: kwargs.pop(k) for k in layer_keys if k in kwargs}
        base_keys = ("name", "trainable", "dtype", "activity_regularizer", "input_shape")
        base_keys += ("input_dim", "batch_input_shape", "batch_size", "autocast")
        base = {k: kwargs.pop(k) for k in base_keys if k in kwargs}
        kwargs.pop("use_cudnn", None)  # no cuDNN here
        cell = self._cell_class(
            units,
            dtype=base.get("dtype"),
            trainable=base.get("trainable", True),
            name=self._cell_name,
            **kwargs,
        )
        super().__init__(cell, **rnn_kwargs, **base)
        # As Keras 3: LSTM and GRU declare one spec, SimpleRNN a list of one.
        spec = InputSpec(ndim=3)
        self.input_spec = [spec] if self._cell_class is SimpleRNNCell else spec

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def get_config(self):
        config = super().get_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            del cell_config[key]
        config.update(cell_config)
        # Keras puts activity_regularizer right after bias_regularizer.
        out = {}
        for key, value in config.items():
            out[key] = value
            if key == "bias_regularizer":
                out["activity_regularizer"] = _serialize(self._activity_regularizer, regularizers)
        return out


class SimpleRNN(_CellRNN):
    """Fully connected RNN: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + b)."""

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**_collect(locals()))

    def get_config(self):
        config = super().get_config()
        del config["seed"]  # Keras' SimpleRNN config has no seed
        return config


class LSTM(_CellRNN):
    """Long short-term memory layer (Hochreiter 1997); states [h, c]."""

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"

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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        use_cudnn="auto",
        **kwargs,
    ):
        super().__init__(**_collect(locals()))


class GRU(_CellRNN):
    """Gated recurrent unit layer (Cho 2014); `reset_after=True` as in Keras 3."""

    _cell_class = GRUCell
    _cell_name = "gru_cell"

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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        reset_after=True,
        use_cudnn="auto",
        **kwargs,
    ):
        super().__init__(**_collect(locals()))


# Keras' RNN layers expose their cell's settings as read-only properties.
_CELL_PROPERTIES = (
    "units",
    "activation",
    "recurrent_activation",
    "use_bias",
    "unit_forget_bias",
    "reset_after",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
    "seed",
)
for _name in _CELL_PROPERTIES:
    setattr(_CellRNN, _name, property(lambda self, _n=_name: getattr(self.cell, _n)))


def _collect(local_vars):
    """A subclass __init__'s arguments as one kwargs dict."""
    out = {k: v for k, v in local_vars.items() if k not in ("self", "kwargs", "__class__")}
    out.update(local_vars.get("kwargs", {}))
    return out


__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell"]
