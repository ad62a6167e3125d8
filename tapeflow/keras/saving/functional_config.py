"""The config of a functional model: its layers and the graph of their calls (Keras 3's
layout), and the model rebuilt from it.

Each layer's entry holds its serialized config and "inbound_nodes": one {"args", "kwargs"}
per call of the layer inside this model, where every KerasTensor argument is written as
`{"class_name": "__keras_tensor__", "config": {..., "keras_history": [layer name, node
index, tensor index]}}`. Node indices count only the calls that belong to the model; a nested
functional model's first call is node 1, as in Keras (Keras gives it a node of its own).
"""

from __future__ import annotations

import copy

from ...core import nest
from .serialization import deserialize_keras_object, serialize_keras_object


def _node_offset(layer) -> int:
    from ..models.functional import Functional

    return 1 if isinstance(layer, Functional) else 0


def functional_config(model) -> dict:
    """{"name", "trainable", "layers", "input_layers", "output_layers"} of a functional
    model."""
    own = {id(node) for node in model._nodes}

    def node_index(layer, index) -> int:
        kept = sum(1 for node in layer._inbound_nodes[:index] if id(node) in own)
        return kept + _node_offset(layer)

    def tensor_config(x):
        from ..layers.symbolic import KerasTensor

        if not isinstance(x, KerasTensor):
            return x
        layer, index, tensor_index = x._keras_history
        config = serialize_keras_object(x)
        config["config"]["keras_history"] = [layer.name, node_index(layer, index), tensor_index]
        return config

    layers = []
    for layer in model.layers:
        inbound = []
        for node in layer._inbound_nodes:
            if id(node) not in own or not node.input_tensors:
                continue
            args = nest.map_structure(tensor_config, node.args)
            kwargs = {k: nest.map_structure(tensor_config, v) for k, v in node.kwargs.items()}
            inbound.append(
                {
                    "args": serialize_keras_object(list(args)),
                    "kwargs": serialize_keras_object(kwargs),
                }
            )
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = inbound
        layers.append(entry)

    def history(x):
        layer, index, tensor_index = x._keras_history
        return [layer.name, node_index(layer, index), tensor_index]

    return copy.deepcopy(
        {
            "name": model.name,
            "trainable": model.trainable,
            "layers": layers,
            "input_layers": nest.map_structure(history, model._inputs_struct),
            "output_layers": nest.map_structure(history, model._outputs_struct),
        }
    )


class _NotYet(Exception):
    """A node's input comes from a call not rebuilt yet (shared layers at several depths)."""


def functional_from_config(cls, config: dict, custom_objects=None):
    """Rebuilds a functional model: creates each layer from its config, then replays the
    recorded calls on the rebuilt KerasTensors, in dependency order.

    Raises:
        ValueError: the config is not a functional model's, or its graph has a cycle or
            refers to a layer it does not define.
    """
    config = dict(config)
    missing = [k for k in ("layers", "input_layers", "output_layers") if k not in config]
    if missing:
        raise ValueError(f"{cls.__name__}.from_config: the config has no {missing} entries")
    created = {}  # layer name -> layer
    pending = {}  # layer name -> list of node configs not yet replayed
    order = []
    for layer_data in config.pop("layers"):
        name = layer_data.get("name") or layer_data.get("config", {}).get("name")
        data = {k: v for k, v in layer_data.items() if k not in ("name", "inbound_nodes")}
        layer = deserialize_keras_object(data, custom_objects=custom_objects)
        if not hasattr(layer, "_inbound_nodes"):
            raise ValueError(
                f"{cls.__name__}.from_config: the entry {name!r} is a "
                f"{type(layer).__name__}, not a layer"
            )
        created[name] = layer
        pending[name] = list(layer_data.get("inbound_nodes") or [])
        order.append(name)

    def tensor(history):
        name, index, tensor_index = history
        layer = created.get(name)
        if layer is None:
            raise ValueError(
                f"{cls.__name__}.from_config: a node refers to layer {name!r}, which the "
                f"config does not define"
            )
        index -= _node_offset(layer)
        if index >= len(layer._inbound_nodes):
            raise _NotYet(name)
        return nest.flatten(layer._inbound_nodes[index].outputs)[tensor_index]

    def revive(value):
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                return tensor(value["config"]["keras_history"])
            if "class_name" in value and "config" in value:
                return deserialize_keras_object(value, custom_objects=custom_objects)
            return {k: revive(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [revive(v) for v in value]
        return value

    def call_arguments(node):
        if isinstance(node, list):  # Keras 2: [[layer name, node, tensor, kwargs], ...]
            tensors = [tensor(entry[:3]) for entry in node]
            kwargs = node[0][3] if node and len(node[0]) > 3 else {}
            return [tensors[0] if len(tensors) == 1 else tensors], revive(kwargs)
        return revive(node.get("args", [])), revive(node.get("kwargs", {}))

    while any(pending.values()):
        progressed = False
        for name in order:
            nodes = pending[name]
            while nodes:
                node = nodes[0]
                try:
                    args, kwargs = call_arguments(node)
                except _NotYet:
                    break
                created[name](*args, **kwargs)
                nodes.pop(0)
                progressed = True
        if not progressed:
            stuck = {name: len(nodes) for name, nodes in pending.items() if nodes}
            raise ValueError(
                f"Invalid Functional model configuration. The graph of the Functional model "
                f"either has loops or disconnected nodes. The following nodes failed to be "
                f"resolved (layer: number of calls): {stuck}"
            )

    def structure(value):
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            return tensor(value)
        if isinstance(value, dict):
            return {k: structure(v) for k, v in value.items()}
        return [structure(v) for v in value]

    inputs = structure(config.pop("input_layers"))
    outputs = structure(config.pop("output_layers"))
    name = config.pop("name", None)
    trainable = config.pop("trainable", True)
    return cls(inputs=inputs, outputs=outputs, name=name, trainable=trainable)
