"""Layer wrappers: TimeDistributed (one layer applied to every time step) and Bidirectional."""

from __future__ import annotations

from ...ops.array import reshape
from ...ops.array_join import concat, reverse
from .layer import Layer
from .recurrent import _deserialize_layer, _serialize_layer


class Wrapper(Layer):
    """A layer that holds another layer; its config carries the inner layer's."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{type(self).__name__}: please initialize it with a `keras.layers.Layer` "
                f"instance. Received: {layer}"
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._build_with_scope(input_shape)
        self.built = True

    def get_config(self):
        return {**super().get_config(), "layer": _serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = _deserialize_layer(config["layer"])
        return cls(**config)


class TimeDistributed(Wrapper):
    """Applies `layer` to every time step of (batch, time, ...) inputs.

    The time axis is folded into the batch (one call of `layer` on (batch * time, ...)),
    which gives Keras' numbers for every layer that treats batch rows independently.
    """

    _passes_masks = True  # Keras: supports_masking = True

    def _child_shape(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(
                f"Layer {self.name} (TimeDistributed) expects inputs of rank >= 3 "
                f"(batch, time, ...), received shape {tuple(input_shape)}"
            )
        batch, time = input_shape[0], input_shape[1]
        folded = None if batch is None or time is None else batch * time
        return (folded,) + tuple(input_shape[2:])

    def build(self, input_shape):
        super().build(self._child_shape(input_shape))

    def call(self, inputs, training=None, mask=None):
        shape = tuple(int(d) for d in inputs.shape)
        self._child_shape(shape)
        kwargs = {}
        if self.layer._call_takes_training:
            kwargs["training"] = training
        if mask is not None and "mask" in _parameters(self.layer):
            kwargs["mask"] = reshape(mask, (shape[0] * shape[1],) + tuple(mask.shape[2:]))
        outputs = self.layer(reshape(inputs, (shape[0] * shape[1],) + shape[2:]), **kwargs)
        return reshape(outputs, shape[:2] + tuple(int(d) for d in outputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_shape(tuple(input_shape)))
        return tuple(input_shape[:2]) + tuple(child[1:])


def _parameters(layer):
    import inspect

    return inspect.signature(layer.call).parameters


class Bidirectional(Wrapper):
    """Runs an RNN forwards and a copy of it backwards and merges their outputs.

    `merge_mode` is "concat" (default), "sum", "mul", "ave" or None (a pair of outputs).
    The forward and backward layers are rebuilt from `layer`'s config, as in Keras, and
    named "forward_<name>" and "backward_<name>".
    """

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `Bidirectional` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                f"`backward_layer` need to be a `keras.layers.Layer` instance. "
                f"Received: {backward_layer}"
            )
        if merge_mode not in ("sum", "mul", "ave", "concat", None):
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        Layer.__init__(self, **kwargs)
        own_class = {type(layer).__name__: type(layer)}  # copies of the user's own layer
        config = _serialize_layer(layer)
        config["config"]["name"] = "forward_" + _drop_prefix(layer.name, "forward_")
        self.forward_layer = _deserialize_layer(config, own_class)
        if backward_layer is None:
            config = _serialize_layer(layer)
            config["config"]["go_backwards"] = True
            config["config"]["name"] = "backward_" + _drop_prefix(layer.name, "backward_")
            backward_layer = _deserialize_layer(config, own_class)
        self.backward_layer = backward_layer
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                f"Forward layer and backward layer should have different `go_backwards` "
                f"value. Received: forward_layer.go_backwards {forward.go_backwards}, "
                f"backward_layer.go_backwards={backward.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, attr) != getattr(backward, attr):
                raise ValueError(
                    f"Forward layer and backward layer are expected to have the same value "
                    f'for attribute "{attr}", got "{getattr(forward, attr)}" for forward '
                    f'layer and "{getattr(backward, attr)}" for backward layer'
                )
        for rnn in (forward, backward):  # Keras zeroes masked outputs of returned sequences
            if hasattr(rnn, "zero_output_for_mask"):
                rnn.zero_output_for_mask = rnn.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self._initial_weights = list(weights) if weights else None

    @property
    def layer(self):
        return self.forward_layer

    def build(self, sequences_shape, initial_state_shape=None):
        for rnn in (self.forward_layer, self.backward_layer):
            if not rnn.built:
                rnn._build_with_scope(sequences_shape)
        if self._initial_weights:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(
            sequences, initial_state=forward_state, mask=mask, training=training
        )
        y_rev = self.backward_layer(
            sequences, initial_state=backward_state, mask=mask, training=training
        )
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = reverse(y_rev, [1])
        mode = self.merge_mode
        if mode == "concat":
            output = concat([y, y_rev], axis=-1)
        elif mode == "sum":
            output = y + y_rev
        elif mode == "ave":
            output = (y + y_rev) / 2.0
        elif mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return output + states if mode is None else (output,) + states
        return output

    def compute_mask(self, _, mask):
        """Keras' rule: the sequence mask for returned sequences (one per output with
        merge_mode=None), None for last outputs and states."""
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = (mask, mask) if not self.merge_mode else mask
        else:
            output_mask = (None, None) if not self.merge_mode else None
        if self.return_state:
            states = [None] * (len(self.forward_layer.state_size) * 2)
            if isinstance(output_mask, tuple):
                return list(output_mask) + states
            return [output_mask] + states
        return output_mask

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            shape, states = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        output = (shape, shape) if self.merge_mode is None else (shape,)
        if self.return_state:
            return output + states * 2
        return output if self.merge_mode is None else shape

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    @property
    def states(self):
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states + self.backward_layer.states)
        return None

    def get_config(self):
        return {
            **Layer.get_config(self),
            "merge_mode": self.merge_mode,
            "layer": _serialize_layer(self.forward_layer),
            "backward_layer": _serialize_layer(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = _deserialize_layer(config["layer"])
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = _deserialize_layer(backward)
        return cls(**config)


def _drop_prefix(name, prefix):
    return name[len(prefix) :] if name.startswith(prefix) else name


__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]
