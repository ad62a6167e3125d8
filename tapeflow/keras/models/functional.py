"""Functional models: a graph of layer calls from `keras.Input`s to outputs, replayed."""

from __future__ import annotations

from ...core import nest
from ..layers.input_layer import InputLayer
from ..layers.symbolic import KerasTensor
from .input_structure import InputSpecs
from .input_structure import flat_inputs as _flat_inputs
from .model import Model


class Functional(Model):
    """`keras.Model(inputs, outputs)`: runs the recorded layer calls in graph order."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        flat_inputs = nest.flatten(inputs)
        flat_outputs = nest.flatten(outputs)
        for x in flat_inputs + flat_outputs:
            if not isinstance(x, KerasTensor):
                raise TypeError(
                    f"Model: inputs and outputs must be KerasTensors (from "
                    f"keras.Input and layer calls), got {type(x).__name__}"
                )
        self._input_specs = InputSpecs(flat_inputs)
        self._nodes = _nodes_in_order(flat_inputs, flat_outputs)
        self._functional_layers = []
        for node in self._nodes:
            if all(node.layer is not layer for layer in self._functional_layers):
                self._functional_layers.append(node.layer)
        self.built = True

    @property
    def inputs(self):
        return nest.flatten(self._inputs_struct)

    @property
    def outputs(self):
        return nest.flatten(self._outputs_struct)

    @property
    def input(self):
        """The Inputs as the model was given them (a KerasTensor, list or dict)."""
        return self._inputs_struct

    @property
    def output(self):
        """The outputs as the model was given them (a KerasTensor, list or dict)."""
        return self._outputs_struct

    @property
    def output_names(self) -> list:
        """The names of the layers that make the outputs, in `outputs` order."""
        return [kt._keras_history[0].name for kt in self.outputs]

    @property
    def input_shape(self):
        shapes = [tuple(x.shape.as_list()) for x in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [tuple(x.shape.as_list()) for x in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def layers(self) -> list:
        """The layers of the graph in Keras' order (by depth from the inputs; keras.ops calls
        are nodes of the graph, not layers, as in Keras)."""
        ordered = self.__dict__.get("_ordered_layers")
        if ordered is None:
            from .summary import _functional_layout

            ordered = [x for x in _functional_layout(self)[0]
                       if not getattr(x, "_is_operation", False)]  # fmt: skip
            object.__setattr__(self, "_ordered_layers", ordered)
        return list(ordered)

    def _direct_sublayers(self) -> list:
        # In `layers` order, so `weights` come in Keras' order.
        return [layer for layer in self.layers if not isinstance(layer, InputLayer)]

    def _convert_inputs(self, inputs):
        # Each input is converted to its own Input's dtype in `call` (as Keras does), not
        # cast to the model's dtype here: an int or float64 Input keeps its values.
        return inputs

    def compute_mask(self, inputs, mask=None):
        return None  # the outputs carry the masks their layers gave them

    def call(self, inputs, training=None, mask=None):
        values = {}
        flat_masks = [None] * len(self.inputs) if mask is None else nest.flatten(mask)
        for kt, value, m in zip(self.inputs, _flat_inputs(self, inputs), flat_masks, strict=True):
            if m is not None:  # an explicit mask applies to the inputs, as in Keras
                from ..tagged import with_mask

                value = with_mask(value, m)
            values[id(kt)] = value
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue

            def resolve(x):
                return values[id(x)] if isinstance(x, KerasTensor) else x

            args = nest.map_structure(resolve, node.args)
            # A `training=` written in the graph (a frozen base called with training=False)
            # wins; otherwise the layer inherits this call's `training` from the context.
            kwargs = {k: nest.map_structure(resolve, v) for k, v in node.kwargs.items()}
            out = node.layer(*args, **kwargs)
            for kt, value in zip(nest.flatten(node.outputs), nest.flatten(out)):
                values[id(kt)] = value
        outputs = nest.map_structure(lambda kt: values[id(kt)], self._outputs_struct)
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            return outputs[0]  # `outputs=[y]` gives y, as Keras' unpack_singleton does
        return outputs

    def get_config(self):
        from ..saving.functional_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The model `get_config()` described: its layers, called on rebuilt inputs."""
        from ..saving.functional_config import functional_from_config

        return functional_from_config(cls, config, custom_objects=custom_objects)


def _nodes_in_order(inputs, outputs) -> list:
    """The nodes between inputs and outputs, each after the nodes that feed it."""
    ordered, visited = [], set()

    def visit(tensor):
        history = tensor._keras_history
        if history is None:
            raise ValueError(f"Model: {tensor!r} does not come from keras.Input or a layer call")
        layer, node_index, _ = history
        node = layer._inbound_nodes[node_index]
        if id(node) in visited:
            return
        visited.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        ordered.append(node)

    for out in outputs:
        visit(out)
    # An Input the outputs do not use is still an input (Keras 3 accepts it and lists its
    # InputLayer): its node goes right after the previous input's.
    previous = None
    for x in inputs:
        node = x._keras_history[0]._inbound_nodes[x._keras_history[1]]
        if id(node) not in visited:
            visited.add(id(node))
            at = 0 if previous is None else ordered.index(previous) + 1
            ordered.insert(at, node)
        previous = node
    return ordered
