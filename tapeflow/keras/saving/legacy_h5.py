"""Legacy HDF5 model files: `model.save("m.h5")`, `load_model("m.h5")`, and
`model.load_weights("m.h5")` (Keras 3.15's `legacy_h5_format`, both ways).

The file, as Keras writes it: root attributes `keras_version`, `backend`, `model_config`
(JSON: `{"class_name", "config"}`, the layers of a Sequential or functional model in the
legacy form, without "module" or "registered_name") and, for a compiled model,
`training_config` (the compile arguments and `optimizer_config`); the group `model_weights`
(attribute `layer_names`, one group per layer with the attribute `weight_names` and a dataset
per name: each layer's trainable then non-trainable weights, by their Keras path) and
`optimizer_weights` (the optimizer's variables, in order). Name lists over 64512 bytes are
split into `name0`, `name1`, ... attributes, as Keras does.

Weights load by position (the layers that have weights, in `model.layers` order, against the
saved layers that have weights), or by layer name with `by_name=True`. Every count and shape
is checked before any variable changes. Reading goes through `tapeflow.io.h5_reader`: the
datasets are checked as for `.weights.h5` files, attributes are read only by name and checked
(`H5Reader.string_attribute`), the config is bounded JSON, classes come only from the
registries and built-ins (as for `.keras` archives: a saved lambda loads only with
`safe_mode=False`), and the weights the config creates are bounded by what the file holds.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import warnings

import numpy as np

from ...io import safe_json
from ...io.h5_reader import H5Reader, import_h5py
from ...io.h5_writer import write_h5
from . import load_budget
from . import optimizer_weights as opt
from .deserialization import deserialize_keras_object
from .safe_mode import SafeModeScope
from .serialization import serialize_keras_object

KERAS_VERSION = "3.15.1"
BACKEND = "tensorflow"
HDF5_OBJECT_HEADER_LIMIT = 64512
MODEL_WEIGHTS = "model_weights"
OPTIMIZER_WEIGHTS = "optimizer_weights"
TOP_LEVEL = "top_level_model_weights"
_LEGACY_SUFFIXES = (".h5", ".hdf5")

log = logging.getLogger("keras")

SAVE_WARNING = (
    "You are saving your model as an HDF5 file via `model.save()` or "
    "`keras.saving.save_model(model)`. This file format is considered legacy. We recommend "
    "using instead the native Keras format, e.g. `model.save('my_model.keras')` or "
    "`keras.saving.save_model(model, 'my_model.keras')`. "
)


def is_legacy_h5_path(filepath: str) -> bool:
    return filepath.endswith(_LEGACY_SUFFIXES) and not filepath.endswith(".weights.h5")


def _check_exists(filepath: str):
    """h5py's FileNotFoundError, which Keras lets through."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(
            errno.ENOENT,
            f"Unable to synchronously open file (unable to open file: name = '{filepath}', "
            f"errno = 2, error message = 'No such file or directory')",
        )


def _h5py():
    try:
        return import_h5py()
    except ImportError as e:
        raise ImportError(f"`save_model()`/`load_model()` using h5 format: {e}") from None


# ---- saving ---------------------------------------------------------------------------------


def _legacy_weights(layer) -> list:
    """Keras' legacy weight order: trainable weights, then non-trainable ones."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _top_level_weights(model) -> list:
    """Variables the model holds itself, not through a layer (Keras' `_trainable_variables +
    _non_trainable_variables` that are in `model.weights`)."""
    from .weight_paths import own_variables

    try:
        own = own_variables(model)
    except AttributeError:
        return []
    return [v for v in own if any(v is w for w in model.weights)]


def _legacy_object(value):
    """A new-style serialized object in the legacy form: `{"class_name", "config"}`, the
    class named by its registered name."""
    if isinstance(value, list):
        return [_legacy_object(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" in value and "config" in value:
        out = {"class_name": value.get("registered_name") or value["class_name"]}
        config = value["config"]
        out["config"] = _legacy_model_config(config) if _is_model_config(config) else config
        for key in ("name", "inbound_nodes"):
            if key in value:
                out[key] = value[key]
        return out
    return {k: _legacy_object(v) for k, v in value.items()}


def _is_model_config(config) -> bool:
    return isinstance(config, dict) and isinstance(config.get("layers"), list)


def _legacy_model_config(config: dict) -> dict:
    out = dict(config)
    out["layers"] = [_legacy_object(layer) for layer in config["layers"]]
    return out


def legacy_model_config(model) -> dict:
    """`{"class_name", "config"}` of `model` as Keras' `use_legacy_config` scope writes it."""
    serialized = serialize_keras_object(model)
    return _legacy_object(
        {k: serialized[k] for k in ("class_name", "config", "registered_name") if k in serialized}
    )


def _training_config(model):
    """The compile arguments as Keras' `model_metadata` writes them, or None."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", False):
        return None
    config = dict(model.get_compile_config() or {})
    config.pop("optimizer", None)
    config = {k: _legacy_object(v) for k, v in config.items()}
    serialized = serialize_keras_object(optimizer)
    config["optimizer_config"] = {
        "class_name": serialized.get("registered_name") or serialized["class_name"],
        "config": serialized["config"],
    }
    return config


def _json(value) -> bytes:
    from .archive import _json_default

    return json.dumps(value, default=_json_default).encode("utf8")


def _name_list(attrs: dict, name: str, names: list):
    """Sets `attrs[name]` to `names` (bytes), split into chunks as Keras does when the list
    would exceed HDF5's object header limit."""
    data = [n.encode("utf8") for n in names]
    bad = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if bad:
        raise RuntimeError(
            "The following attributes cannot be saved to HDF5 file because they are larger "
            f"than {HDF5_OBJECT_HEADER_LIMIT} bytes: {bad}"
        )
    data_npy = np.asarray(data)
    chunks, count = [data_npy], 1
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunks):
        count += 1
        chunks = np.array_split(data_npy, count)
    if count > 1:
        for i, chunk in enumerate(chunks):
            attrs[f"{name}{i}"] = chunk
    else:
        attrs[name] = data


def _weights_group(prefix: str, variables: list, tensors: dict, group_attrs: dict):
    names = [str(v.path) for v in variables]
    attrs = group_attrs.setdefault(prefix, {})
    _name_list(attrs, "weight_names", names)
    for name, variable in zip(names, variables):
        key = f"{prefix}/{name}"
        if key in tensors:
            raise ValueError(f"Cannot save two weights under the same HDF5 path {key!r}")
        tensors[key] = np.asarray(variable.numpy())


def save_model_to_hdf5(model, filepath, overwrite=True, include_optimizer=True):
    """Writes `model` as a legacy `.h5` file (config, weights, training config, optimizer
    state), atomically."""
    from .weights import ask_to_proceed_with_overwrite

    _h5py()
    filepath = os.fspath(filepath)
    if not overwrite and os.path.isfile(filepath):
        if not ask_to_proceed_with_overwrite(filepath):
            return
    dirpath = os.path.dirname(filepath)
    if dirpath and not os.path.exists(dirpath):
        os.makedirs(dirpath, exist_ok=True)
    root = {
        "keras_version": KERAS_VERSION,
        "backend": BACKEND,
        "model_config": _json(legacy_model_config(model)),
    }
    training = _training_config(model) if include_optimizer else None
    if training is not None:
        root["training_config"] = _json(training)
    group_attrs = {"": root}
    tensors: dict = {}
    layers = list(model.layers)
    weights_attrs = group_attrs.setdefault(MODEL_WEIGHTS, {})
    _name_list(weights_attrs, "layer_names", [layer.name for layer in layers])
    weights_attrs["backend"] = BACKEND.encode("utf8")
    weights_attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in sorted(layers, key=lambda x: x.name):
        _weights_group(
            f"{MODEL_WEIGHTS}/{layer.name}", _legacy_weights(layer), tensors, group_attrs
        )
    _weights_group(f"{MODEL_WEIGHTS}/{TOP_LEVEL}", _top_level_weights(model), tensors, group_attrs)
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and getattr(optimizer, "variables", None):
        _weights_group(OPTIMIZER_WEIGHTS, list(optimizer.variables), tensors, group_attrs)
    write_h5(filepath, tensors, group_attrs)


# ---- loading --------------------------------------------------------------------------------


def _decode(value):
    """Keras' `json_utils.decode`: `__tuple__` and `TensorShape` objects back to sequences."""
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "__tuple__" and "items" in value:
        return tuple(_decode(v) for v in value["items"])
    if value.get("class_name") == "TensorShape" and "items" in value:
        return [_decode(v) for v in value["items"]]
    return {k: _decode(v) for k, v in value.items()}


_LAMBDA_DEP_ARGS = ("module", "function_type", "output_shape_type", "output_shape_module")


def _upgrade_layer(config):
    """Keras' `model_from_config` fix-ups of older layer configs (batch_input_shape, a
    one-item axis list, a Lambda's legacy function triple), applied to every legacy entry."""
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        return config
    inner = dict(config["config"])
    batch_input_shape = inner.pop("batch_input_shape", None)
    if batch_input_shape is not None:
        key = "batch_shape" if config.get("class_name") == "InputLayer" else "input_shape"
        inner[key] = batch_input_shape
    if "axis" in inner:
        axis = inner.pop("axis")
        if isinstance(axis, list) and len(axis) == 1:
            inner["axis"] = int(axis[0])
        elif isinstance(axis, (int, float)) and not isinstance(axis, bool):
            inner["axis"] = int(axis)
        elif axis is not None:
            inner["axis"] = axis
    if config.get("class_name") == "Lambda":
        for arg in _LAMBDA_DEP_ARGS:
            inner.pop(arg, None)
        function = inner.get("function")
        if isinstance(function, list) and len(function) == 3:
            inner["function"] = {
                "class_name": "__lambda__",
                "config": {"code": function[0], "defaults": function[1], "closure": function[2]},
            }
    if _is_model_config(inner):
        inner["layers"] = [
            _upgrade_layer(layer) if "module" not in layer else layer
            for layer in inner["layers"]
            if isinstance(layer, dict)
        ]
    out = dict(config)
    out["config"] = inner
    return out


def _names(reader, path: str, name: str) -> list:
    """Keras' `load_attributes_from_hdf5_group`: a name list, whole or in chunks."""
    value = reader.string_attribute(path, name)
    if value is not None:
        return [value] if isinstance(value, str) else value
    out, chunk = [], 0
    while True:
        value = reader.string_attribute(path, f"{name}{chunk}")
        if value is None:
            return out
        out.extend([value] if isinstance(value, str) else value)
        if len(out) > 100_000:
            raise reader.lost(f"attribute '{name}' of '/{path}' lists over 100000 names")
        chunk += 1


def _join(group: str, name: str) -> str:
    return f"{group}/{name}" if group else name


def _group(reader, group: str, name: str) -> str:
    path = _join(group, name)
    if not reader.has_group(path):
        raise ValueError(f"Invalid H5 file: '/{group}' has no group named {name!r}")
    return path


def _saved_weights(reader, path: str) -> list:
    """(key, shape) of the weights a layer group lists, checked to exist in the file."""
    out = []
    for name in _names(reader, path, "weight_names"):
        key = _join(path, name)
        entry = reader.entries.get(key)
        if entry is None:
            raise ValueError(f"Invalid H5 file: '/{path}' lists the weight {name!r} it lacks")
        out.append((key, tuple(entry.shape)))
    return out


def _check_shapes(plan, variables, saved, name, skip_mismatch, problems) -> None:
    """Pairs `variables` with `saved` weights into `plan`, Keras' messages for mismatches."""
    for variable, (key, shape) in zip(variables, saved):
        expected = tuple(variable.shape.as_list())
        if expected != shape:
            message = (
                f"Shape mismatch in {name}for weight {variable.path}. Weight expects shape "
                f"{expected}. Received saved weight with shape {shape}"
            )
            if skip_mismatch:
                warnings.warn(
                    f"Skipping loading weights for {name}due to mismatch in shape for weight "
                    f"{variable.path}. Weight expects shape {expected}. Received saved weight "
                    f"with shape {shape}",
                    stacklevel=4,
                )
                continue
            problems.append(message)
            continue
        plan.append((variable, key))


def load_weights_from_hdf5_group(reader, group: str, model, skip_mismatch=False, by_name=False):
    """Loads the weights of `group` (a `model_weights` group, or a legacy weights file's
    root) into `model`: by position, or by layer name with `by_name`. Everything is checked
    before anything is assigned.

    Raises:
        ValueError: a layer or weight count, or a shape, that does not fit.
    """
    plan, problems = [], []
    layer_names = _names(reader, group, "layer_names")
    if by_name:
        index = {}
        for layer in model.layers:
            index.setdefault(layer.name, []).append(layer)
        for k, name in enumerate(layer_names):
            saved = _saved_weights(reader, _group(reader, group, name))
            for layer in index.get(name, []):
                variables = _legacy_weights(layer)
                if len(saved) != len(variables):
                    message = (
                        f"Weight count mismatch for layer #{k} (named {layer.name}). Layer "
                        f"expects {len(variables)} weight(s). Received {len(saved)} saved "
                        f"weight(s)"
                    )
                    if skip_mismatch:
                        warnings.warn(
                            f"Skipping loading of weights for layer #{k} (named {layer.name}) "
                            f"due to mismatch in number of weights. Layer expects "
                            f"{len(variables)} weight(s). Received {len(saved)} saved "
                            f"weight(s)",
                            stacklevel=3,
                        )
                        continue
                    raise ValueError(message)
                _check_shapes(
                    plan, variables, saved, f"layer #{k} (named {layer.name})", skip_mismatch,
                    problems,
                )  # fmt: skip
    else:
        layers = [layer for layer in model.layers if _legacy_weights(layer)]
        saved_layers = []
        for name in layer_names:
            saved = _saved_weights(reader, _group(reader, group, name))
            if saved:
                saved_layers.append((name, saved))
        if len(saved_layers) != len(layers):
            raise ValueError(
                "Layer count mismatch when loading weights from file. Model expected "
                f"{len(layers)} layers, found {len(saved_layers)} saved layers."
            )
        for k, ((name, saved), layer) in enumerate(zip(saved_layers, layers)):
            variables = _legacy_weights(layer)
            if len(saved) != len(variables):
                raise ValueError(
                    f"Weight count mismatch for layer #{k} (named {layer.name} in the current "
                    f"model, {name} in the save file). Layer expects {len(variables)} "
                    f"weight(s). Received {len(saved)} saved weight(s)"
                )
            _check_shapes(
                plan, variables, saved, f"layer #{k} (named {layer.name})", skip_mismatch,
                problems,
            )  # fmt: skip
    top = _join(group, TOP_LEVEL)
    if reader.has_group(top):
        saved = _saved_weights(reader, top)
        variables = _top_level_weights(model)
        if len(saved) != len(variables):
            if not (by_name and skip_mismatch):
                raise ValueError(
                    "Weight count mismatch for top-level weights when loading weights from "
                    f"file. Model expects {len(variables)} top-level weight(s). Received "
                    f"{len(saved)} saved top-level weight(s)"
                )
        else:
            _check_shapes(plan, variables, saved, "top-level model", skip_mismatch, problems)
    if problems:
        raise ValueError(problems[0])
    keys = {key for _, key in plan}
    values = reader.read(lambda entries: keys)
    for variable, key in plan:
        variable.assign(np.asarray(values[key], dtype=variable.dtype.as_numpy_dtype))


def _model_weight_bytes(reader) -> int:
    prefix = f"{MODEL_WEIGHTS}/"
    return sum(e.nbytes for k, e in reader.entries.items() if k.startswith(prefix))


def _deserialize_nested(deserialize_fn, config):
    """Keras' `_deserialize_nested_config`."""
    if config is None:
        return None
    if (isinstance(config, dict) and "class_name" in config) or isinstance(config, str):
        return deserialize_fn(config)
    if isinstance(config, dict):
        return {k: _deserialize_nested(deserialize_fn, v) for k, v in config.items()}
    if isinstance(config, (tuple, list)):
        return [_deserialize_nested(deserialize_fn, v) for v in config]
    raise ValueError(
        "Saved configuration not understood. Configuration should be a dictionary, string, "
        f"tuple or list. Received: config={config}."
    )


def _deserialize_metric(config):
    from .. import metrics

    if config in ("accuracy", "acc", "crossentropy", "ce"):
        return config
    return metrics.deserialize(config)


def _compile(model, training_config: dict, custom_objects, reader):
    """Keras' `compile_args_from_training_config`, then the optimizer's saved state."""
    from .. import losses, optimizers
    from .object_registration import CustomObjectScope

    if not isinstance(training_config, dict) or "optimizer_config" not in training_config:
        raise ValueError(f"{reader.where}: training_config has no optimizer_config")
    with CustomObjectScope(custom_objects or {}):
        optimizer = optimizers.deserialize(training_config["optimizer_config"])
        loss = _deserialize_nested(losses.deserialize, training_config.get("loss"))
        metrics = _deserialize_nested(_deserialize_metric, training_config.get("metrics"))
        weighted = _deserialize_nested(
            _deserialize_metric, training_config.get("weighted_metrics")
        )
        model.compile(
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            weighted_metrics=weighted,
            loss_weights=training_config.get("loss_weights"),
        )
    if not reader.has_group(OPTIMIZER_WEIGHTS):
        return
    saved = _saved_weights(reader, OPTIMIZER_WEIGHTS)
    optimizer = opt._prepare_keras(model, len(saved))
    variables = list(optimizer.variables) if optimizer is not None else []
    if len(variables) != len(saved) or any(
        tuple(v.shape.as_list()) != shape for v, (_, shape) in zip(variables, saved)
    ):
        log.warning(
            "Error in loading the saved optimizer state. As a result, your model is starting "
            "with a freshly initialized optimizer."
        )
        return
    keys = {key for key, _ in saved}
    values = reader.read(lambda entries: keys)
    for variable, (key, _) in zip(variables, saved):
        variable.assign(np.asarray(values[key], dtype=variable.dtype.as_numpy_dtype))


def load_model_from_hdf5(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """A model from a legacy `.h5` file: rebuilt from its config, its weights loaded by
    position, compiled from its training config with the optimizer's state when `compile`.

    Raises:
        ValueError: no model config, or weights that do not fit the model.
        TypeError: a class the config names cannot be found.
        tf.errors.DataLossError: not a readable HDF5 file, or one tapeflow refuses to read.
    """
    _h5py()
    filepath = os.fspath(filepath)
    _check_exists(filepath)
    with H5Reader(filepath, filepath) as reader:
        text = reader.string_attribute("", "model_config")
        if text is None:
            raise ValueError(f"No model config found in the file at {filepath}.")
        config = _decode(safe_json.loads(text.encode("utf-8"), f"{filepath}: model_config"))
        if isinstance(config, list):
            raise TypeError(
                "`model_from_config` expects a dictionary, not a list. Received: "
                f"config={config}. Did you meant to use `Sequential.from_config(config)`?"
            )
        if not isinstance(config, dict) or "config" not in config:
            raise ValueError(
                "The provided configuration is not a valid Keras configuration. Expected a "
                f"dictionary containing a 'config' key. Received: config={config}"
            )
        config = _upgrade_layer(config)
        with SafeModeScope(safe_mode), load_budget.limit(_model_weight_bytes(reader), filepath):
            model = deserialize_keras_object(config, custom_objects=custom_objects)
        if not reader.has_group(MODEL_WEIGHTS):
            raise ValueError(f"Invalid H5 file: {filepath} has no group '{MODEL_WEIGHTS}'")
        load_weights_from_hdf5_group(reader, MODEL_WEIGHTS, model)
        if compile:
            text = reader.string_attribute("", "training_config")
            if text is None:
                log.warning(
                    "No training configuration found in the save file, so the model was "
                    "*not* compiled. Compile it manually."
                )
                return model
            training_config = _decode(
                safe_json.loads(text.encode("utf-8"), f"{filepath}: training_config")
            )
            _compile(model, training_config, custom_objects, reader)
    return model


def load_weights(model, filepath, skip_mismatch=False, by_name=False):
    """`model.load_weights("x.h5")`: a legacy `.h5` model or weights file, by position or
    by layer name."""
    _h5py()
    filepath = os.fspath(filepath)
    _check_exists(filepath)
    with H5Reader(filepath, filepath) as reader:
        group = ""
        if reader.string_attribute("", "layer_names") is None and reader.has_group(MODEL_WEIGHTS):
            group = MODEL_WEIGHTS
        load_weights_from_hdf5_group(
            reader, group, model, skip_mismatch=skip_mismatch, by_name=bool(by_name)
        )
