"""`keras.Sequential`: a stack of layers, each feeding the next."""

from __future__ import annotations

from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from ..layers.symbolic import KerasTensor, symbolic_call
from .model import Model


class Sequential(Model):
    """A linear stack of layers; built as soon as its input shape is known."""

    def __init__(self, layers=None, trainable=True, name=None):
        Model.__init__(self, name=name, trainable=trainable)
        self._stack = []
        self._input_layer = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build()

    def add(self, layer, rebuild=True):
        """Appends a layer (an `InputLayer` or `keras.Input` fixes the input shape)."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("Sequential: an InputLayer can only be the first layer")
            self._input_layer = layer
        elif isinstance(layer, Layer):
            self._stack.append(layer)
        else:
            raise TypeError(f"Sequential.add: expected a Layer, got {type(layer).__name__}")
        if rebuild:
            self.built = False
            self._maybe_build()

    def pop(self, rebuild=True):
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self.built = False
        if rebuild:
            self._maybe_build()
        return layer

    @property
    def layers(self) -> list:
        return list(self._stack)

    def _direct_sublayers(self) -> list:
        return list(self._stack)

    def _declared_batch_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._stack and self._stack[0]._input_shape_arg is not None:
            return self._stack[0]._input_shape_arg
        return None

    def _maybe_build(self):
        shape = self._declared_batch_shape()
        if shape is not None and self._stack:
            self.build(shape)

    def build(self, input_shape=None):
        """Builds every layer for `input_shape` by calling them on a `keras.Input` of it (one
        is created when the model has none), which makes the graph Keras 3 keeps: the
        model's `inputs`/`outputs` and each layer's `input`/`output`."""
        if input_shape is None:
            input_shape = self._declared_batch_shape()
        if input_shape is None:
            raise ValueError(
                f"Sequential model {self.name} cannot be built: it has no input "
                f"shape. Add a keras.Input or call it on data first."
            )
        from ...core.module import name_scope

        self._forget_graph()
        # The Input's dtype (a string Input feeds lookups), else the model's.
        dtype = self._input_layer.dtype if self._input_layer is not None else self._dtype
        if self._input_layer is None or tuple(self._input_layer.batch_shape) != tuple(input_shape):
            self._graph_input_layer = InputLayer(batch_shape=tuple(input_shape), dtype=dtype)
        else:
            self._graph_input_layer = self._input_layer
        x = self._graph_input_layer.output
        inputs = x
        with name_scope(self._name):
            for layer in self._stack:
                x = symbolic_call(layer, (x,), {})
                self._graph_nodes.append(layer._inbound_nodes[-1])
                layer._summary_output_shape = tuple(x.shape.as_list())
        self._graph = (inputs, x)
        self._output_shape = tuple(x.shape.as_list())
        self._built_input_shape = tuple(input_shape)
        self.built = True

    def _forget_graph(self):
        """Removes the nodes an earlier build added to the layers (a rebuild after add/pop)."""
        for node in getattr(self, "_graph_nodes", ()):
            if node in node.layer._inbound_nodes:
                node.layer._inbound_nodes.remove(node)
        self._graph_nodes = []
        self._graph = None

    def _graph_or_raise(self, what):
        graph = getattr(self, "_graph", None)
        if graph is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined {what} yet: give it a "
                "keras.Input (or input_shape) or call it on data first."
            )
        return graph

    @property
    def inputs(self):
        return [self._graph_or_raise("inputs")[0]]

    @property
    def outputs(self):
        return [self._graph_or_raise("outputs")[1]]

    def _build_from(self, inputs):
        self.build(tuple(inputs.shape))  # Keras keeps the batch size of the first data

    @property
    def input_shape(self):
        return getattr(self, "_built_input_shape", None)

    @property
    def output_shape(self):
        return getattr(self, "_output_shape", None)

    def compute_mask(self, inputs, mask=None):
        return None  # the outputs carry the masks their layers gave them

    compute_mask._never_masks = True  # so a call with no mask coming in skips the mask hooks

    def call(self, inputs, training=None, mask=None):
        x = inputs
        if mask is not None:  # an explicit mask applies to the inputs, as in Keras
            from ..tagged import with_mask

            x = with_mask(x, mask)
        for layer in self._stack:
            x = layer(x, training=training)
        return x

    def get_config(self):
        from ..saving.serialization import serialize_keras_object

        layers = []
        if self._input_layer is not None:
            layers.append(serialize_keras_object(self._input_layer))
        layers += [serialize_keras_object(layer) for layer in self._stack]
        return {"name": self.name, "trainable": self.trainable, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization import deserialize_keras_object

        layers = [
            deserialize_keras_object(c, custom_objects=custom_objects) for c in config["layers"]
        ]
        return cls(layers, name=config.get("name"), trainable=config.get("trainable", True))
