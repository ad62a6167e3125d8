"""Recurrent layers: the RNN loop, SimpleRNN, LSTM and GRU (Keras 3); the cells are in
`recurrent_cells.py`.

The loop runs once per time step in Python over tapeflow ops. For the built-in cells the
input projection `x @ kernel + bias` of every step is one matmul before the loop, so a step
costs the recurrent matmul and the gate arithmetic only.
"""

from __future__ import annotations

from ...core import nest
from ...core.errors import InvalidArgumentError
from ...core.tensor import convert_to_tensor
from ...ops.array import stop_gradient, zeros, zeros_like
from ...ops.array_join import stack, unstack
from ...ops.indexing import where
from ...ops.math import cast
from ...ops.shape_generic import _expand_dims, _zeros_from
from .. import regularizers
from .convolutional import _serialize
from .input_spec import InputSpec
from .layer import Layer
from .recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell, _GatedCell

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


# The cells are re-exported: Keras has them in keras.layers beside the layers.
__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell"]
