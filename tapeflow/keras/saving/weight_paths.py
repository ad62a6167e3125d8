"""Where each variable of a model goes in a weights file: Keras 3's paths.

Every variable gets the key Keras 3 gives it in a weights file: a layer's own variables are
`<layer path>/vars/<i>` (trainable ones first, in creation order), a model's `layers` are
named by their snake-cased class name made unique ("layers/dense", "layers/dense_1"), other
sublayers by attribute name ("encoder/vars/0"). Keys do not depend on layer names, so any
model built by the same code (or from the same config) matches.
"""

from __future__ import annotations

import re

from ..layers.layer import Layer

_KEY = re.compile(r"^(?:(.*)/)?vars/(\d+)$")
# Layer bookkeeping attributes that never hold sublayers: skipped to keep the walk short.
_SKIPPED = Layer._TF_MODULE_IGNORED_PROPERTIES | {"_own_weights", "_nodes"}


# ---- the walk -------------------------------------------------------------------------------


def weight_entries(model) -> list:
    """(key, variable, layer) for every variable of `model`, in Keras 3's walk order."""
    out = []
    _walk_layer(model, "", out, set(), {})
    return out


def layer_paths(model) -> dict:
    """layer path -> layer, for `model` ("") and every layer below it, in walk order."""
    layers = {}
    _walk_layer(model, "", [], set(), layers)
    return layers


def own_variables(layer) -> list:
    """The variables `layer` itself holds: add_weight results (trainable first), then
    Variables assigned as attributes."""
    own = [w for w in layer._own_weights if w.trainable]
    own += [w for w in layer._own_weights if not w.trainable]
    own += [v for v in layer._attribute_variables() if all(v is not w for w in own)]
    return own


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _keras_snake_case(name: str) -> str:
    # Keras' naming.to_snake_case (Conv2D -> conv2d), which weight paths use.
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _children(layer):
    from ..models.functional import Functional
    from ..models.model import Model
    from ..models.sequential import Sequential

    attributes = {k: v for k, v in vars(layer).items() if k not in _SKIPPED}
    if isinstance(layer, (Sequential, Functional)):
        yield "layers", layer.layers
    elif isinstance(layer, Model):
        attributes["layers"] = layer.layers  # a property, met among the attributes in Keras
    # Keras walks dir(): public names first, then private ones, each sorted.
    for name in sorted(attributes, key=lambda k: f"~{k}" if k.startswith("_") else k):
        yield name, attributes[name]


def _walk_layer(layer, path, out, visited, layers):
    if id(layer) in visited:
        return
    visited.add(id(layer))
    layers[path] = layer
    for i, variable in enumerate(own_variables(layer)):
        out.append((_join(path, f"vars/{i}"), variable, layer))
    from ..layers.layer import Layer

    for name, child in _children(layer):
        if isinstance(child, Layer):
            _walk_layer(child, _join(path, name), out, visited, layers)
        elif isinstance(child, (list, tuple, dict)):
            _walk_container(child, _join(path, name), out, visited, layers, 0)


def _walk_container(container, path, out, visited, layers, depth):
    from ..layers.layer import Layer

    if depth > 8:
        return
    used = {}
    items = container.values() if isinstance(container, dict) else container
    for item in items:
        if isinstance(item, Layer):
            name = _unique(_keras_snake_case(type(item).__name__), used)
            _walk_layer(item, _join(path, name), out, visited, layers)
        elif isinstance(item, (list, tuple, dict)):
            _walk_container(
                item, _join(path, _unique("container", used)), out, visited, layers, depth + 1
            )


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def layer_path(key: str):
    """The layer part of a variable's key ("layers/dense" of "layers/dense/vars/0"), "" for
    the model's own variables, None for a key that is not a variable's."""
    match = _KEY.match(key)
    return None if match is None else (match.group(1) or "")


# ---- layers that save their own state -------------------------------------------------------


def has_state_hooks(layer) -> bool:
    """Whether `layer` saves and loads its own state (Keras 3's `save_own_variables` /
    `load_own_variables`, overridden by the layer's class); tapeflow's base Layer has
    neither, so every other layer's variables are saved by `weight_entries`."""
    return callable(getattr(type(layer), "save_own_variables", None)) and callable(
        getattr(type(layer), "load_own_variables", None)
    )


def hooked_layers(model) -> dict:
    """layer path -> layer, for the layers of `model` with state hooks (in walk order)."""
    return {path: layer for path, layer in layer_paths(model).items() if has_state_hooks(layer)}
