"""Model weights by Keras 3 path, the `.weights.h5` file, and the optimizer's state.

Every variable gets the key Keras 3 gives it in a weights file: a layer's own variables are
`<layer path>/vars/<i>` (trainable ones first, in creation order), a model's `layers` are
named by their snake-cased class name made unique ("layers/dense", "layers/dense_1"), other
sublayers by attribute name ("encoder/vars/0"). Keys do not depend on layer names, so any
model built by the same code (or from the same config) matches.

tapeflow has no HDF5 writer: a `.weights.h5` file written here has Keras' name but holds
tapeflow's safe tensor format (`tapeflow.io`: atomic, checksummed, never unpickled).
"""

from __future__ import annotations

import os
import re
import warnings

import numpy as np

from ...backend import to_numpy
from ...core.errors import DataLossError
from ...core.variable import Variable
from ...io.safe_format import read_tensors, write_tensors
from ..layers.layer import Layer

WEIGHTS_SUFFIX = ".weights.h5"
FORMAT = "tapeflow.keras.weights"
_OPTIMIZER = "optimizer/"
_KEY = re.compile(r"^(?:(.*)/)?vars/(\d+)$")
# Layer bookkeeping attributes that never hold sublayers: skipped to keep the walk short.
_SKIPPED = Layer._TF_MODULE_IGNORED_PROPERTIES | {"_own_weights", "_nodes"}


# ---- the walk -------------------------------------------------------------------------------


def weight_entries(model) -> list:
    """(key, variable, layer) for every variable of `model`, in Keras 3's walk order."""
    out = []
    _walk_layer(model, "", out, set())
    return out


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


def _walk_layer(layer, path, out, visited):
    if id(layer) in visited:
        return
    visited.add(id(layer))
    for i, variable in enumerate(own_variables(layer)):
        out.append((_join(path, f"vars/{i}"), variable, layer))
    from ..layers.layer import Layer

    for name, child in _children(layer):
        if isinstance(child, Layer):
            _walk_layer(child, _join(path, name), out, visited)
        elif isinstance(child, (list, tuple, dict)):
            _walk_container(child, _join(path, name), out, visited, 0)


def _walk_container(container, path, out, visited, depth):
    from ..layers.layer import Layer

    if depth > 8:
        return
    used = {}
    items = container.values() if isinstance(container, dict) else container
    for item in items:
        if isinstance(item, Layer):
            name = _unique(_keras_snake_case(type(item).__name__), used)
            _walk_layer(item, _join(path, name), out, visited)
        elif isinstance(item, (list, tuple, dict)):
            _walk_container(item, _join(path, _unique("container", used)), out, visited, depth + 1)


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _layer_path(key: str):
    match = _KEY.match(key)
    return None if match is None else (match.group(1) or "")


def _array(variable) -> np.ndarray:
    return to_numpy(variable._value)


# ---- collecting and writing -----------------------------------------------------------------


def model_tensors(model, include_optimizer: bool) -> tuple[dict, dict]:
    """(key -> array, metadata) of `model`'s weights, plus its optimizer's state if asked."""
    from ... import __version__

    entries = weight_entries(model)
    tensors = {key: _array(v) for key, v, _ in entries}
    names = {}
    for key, _, layer in entries:
        names.setdefault(_layer_path(key), layer.name)
    if include_optimizer:
        tensors.update({k: _array(v) for k, v in optimizer_variables(model, entries).items()})
    metadata = {"format": FORMAT, "version": 1, "tapeflow_version": __version__, "layers": names}
    return tensors, metadata


def optimizer_variables(model, entries) -> dict:
    """key -> Variable of the state of `model.optimizer` (empty without one): iterations,
    learning rate, each slot under its model variable's key, and any other variable."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "_slot_variables"):
        return {}
    out = {f"{_OPTIMIZER}iterations": optimizer._iterations}
    if isinstance(optimizer._learning_rate, Variable):
        out[f"{_OPTIMIZER}learning_rate"] = optimizer._learning_rate
    for key, variable, _ in entries:
        for slot_name, slot in optimizer._slot_variables(variable).items():
            out[f"{_OPTIMIZER}slots/{key}/{slot_name}"] = slot
    known = {id(v) for v in out.values()}
    for variable in getattr(optimizer, "_trainable_variables", []):
        known.update(id(s) for s in optimizer._slot_variables(variable).values())
    extras = [v for v in optimizer.variables if id(v) not in known]
    out.update({f"{_OPTIMIZER}vars/{i}": v for i, v in enumerate(extras)})
    return out


def check_weights_filename(filepath: str):
    if not filepath.endswith(WEIGHTS_SUFFIX):
        raise ValueError(
            f"The filename must end in `{WEIGHTS_SUFFIX}`. Received: filepath={filepath}"
        )


def save_weights(model, filepath, overwrite=True):
    """Writes `model`'s weights, and its optimizer's state once built (as Keras 3 does), to
    `filepath`, which must end in ".weights.h5". The file is tapeflow's safe format, not
    HDF5: see the module docstring."""
    filepath = os.fspath(filepath)
    check_weights_filename(filepath)
    if not overwrite and os.path.exists(filepath) and not ask_to_proceed_with_overwrite(filepath):
        return
    tensors, metadata = model_tensors(model, include_optimizer=True)
    write_tensors(filepath, tensors, metadata)


def ask_to_proceed_with_overwrite(filepath) -> bool:
    """Keras' prompt when a file exists and `overwrite=False`: True to overwrite."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


# ---- reading and assigning ------------------------------------------------------------------


def read_weights_file(filepath: str) -> tuple[dict, dict]:
    """(key -> array, metadata) of a weights file; errors say what the file is instead."""
    try:
        tensors, metadata = read_tensors(filepath)
    except DataLossError as e:
        with open(filepath, "rb") as f:
            head = f.read(4)
        if head == b"\x89HDF":
            raise DataLossError(
                f"{filepath} is an HDF5 file (written by Keras or h5py). tapeflow's "
                f"`.weights.h5` files hold its own safe tensor format, and tapeflow cannot "
                f"read HDF5."
            ) from None
        raise e from None
    if metadata.get("format") != FORMAT:
        raise ValueError(
            f"{filepath} is a tapeflow tensor file holding {metadata.get('format')!r} data, "
            f"not Keras weights (a tf.train.Checkpoint is restored with "
            f"tf.train.Checkpoint(...).restore)"
        )
    return tensors, metadata


def load_weights(model, filepath, skip_mismatch=False):
    """Loads weights saved by `save_weights` (or from a `.keras` archive) into `model`."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        from .saving_lib import read_archive

        archive = read_archive(filepath)
        tensors, metadata = archive.tensors, archive.weights_metadata
    elif filepath.endswith(WEIGHTS_SUFFIX):
        tensors, metadata = read_weights_file(filepath)
    else:
        raise ValueError(
            f"File format not supported: filepath={filepath}. tapeflow loads weights from "
            f"`{WEIGHTS_SUFFIX}` files written by `save_weights` and from `.keras` archives."
        )
    assign(model, tensors, metadata, filepath, skip_mismatch, load_optimizer=True)


def assign(model, tensors, metadata, source, skip_mismatch=False, load_optimizer=False):
    """Assigns saved arrays to `model`'s variables (and its optimizer's state, if asked and
    saved). Every name and shape is checked before anything is assigned.

    Raises:
        ValueError: the model is not built, a layer's variable count or a shape differs, or
            the file holds weights of layers the model lacks (with `skip_mismatch`, these
            layers are skipped with a warning instead).
    """
    entries = weight_entries(model)
    saved_names = metadata.get("layers", {}) if isinstance(metadata, dict) else {}
    layer_keys = [k for k in tensors if not k.startswith(_OPTIMIZER)]
    if not entries and layer_keys and not model.built:
        raise ValueError(
            f"Model '{model.name}' was never built and thus it doesn't have any variables. "
            f"However the weights file {source} lists {len(layer_keys)} variables. Call the "
            f"model on data (or `model.build(input_shape)`) before loading weights into it."
        )
    groups = {}  # layer path -> (layer, [(key, variable)])
    for key, variable, layer in entries:
        groups.setdefault(_layer_path(key), (layer, []))[1].append((key, variable))
    saved = {}
    for key in layer_keys:
        saved.setdefault(_layer_path(key), []).append(key)

    problems, plan = [], []
    for path, (layer, pairs) in groups.items():
        keys = saved.get(path, [])
        where = path or "the model itself"
        if len(keys) != len(pairs) or any(k not in tensors for k, _ in pairs):
            problems.append(
                f"Layer '{layer.name}' ({where}) expected {len(pairs)} variables "
                f"{[v.name for _, v in pairs]}, but the file has {len(keys)} for it"
            )
            continue
        bad = [
            f"Layer '{layer.name}': weight '{v.name}' ({k}) has shape {tuple(v.shape.as_list())}"
            f" in the model, but {tuple(tensors[k].shape)} in the file"
            for k, v in pairs
            if tuple(v.shape.as_list()) != tuple(tensors[k].shape)
        ]
        if bad:
            problems.extend(bad)
            continue
        plan.extend((v, tensors[k]) for k, v in pairs)
    for path in saved:
        if path not in groups:
            name = saved_names.get(path, "?") if isinstance(saved_names, dict) else "?"
            problems.append(
                f"the file holds {len(saved[path])} weights for '{path or 'the model itself'}'"
                f" (saved from layer '{name}'), which this model does not have"
            )
    optimizer_plan = []
    if load_optimizer:
        planned = {id(v) for v, _ in plan}
        loaded = [entry for entry in entries if id(entry[1]) in planned]
        optimizer_plan = _optimizer_plan(model, tensors, loaded, problems)
    if problems:
        message = f"Could not load the weights of {source} into model '{model.name}': " + "".join(
            f"\n  - {p}" for p in problems
        )
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message + "\nThese layers were skipped (skip_mismatch=True).", stacklevel=3)
    for variable, value in plan:
        variable.assign(np.asarray(value, dtype=variable.dtype.as_numpy_dtype))
    for apply in optimizer_plan:
        apply()


def _optimizer_plan(model, tensors, entries, problems) -> list:
    """Checks the saved optimizer state against `model.optimizer`; returns the assignments.
    Only the slots of `entries` (the variables being loaded) are restored."""
    keys = [k for k in tensors if k.startswith(_OPTIMIZER)]
    optimizer = getattr(model, "optimizer", None)
    if not keys or optimizer is None or not hasattr(optimizer, "_restore_slot"):
        return []
    plan = []

    def put(variable, value, what):
        if tuple(variable.shape.as_list()) != tuple(value.shape):
            problems.append(
                f"optimizer '{optimizer.name}': {what} has shape "
                f"{tuple(variable.shape.as_list())}, but {tuple(value.shape)} in the file"
            )
        else:
            plan.append(lambda: variable.assign(value.astype(variable.dtype.as_numpy_dtype)))

    iterations = tensors.get(f"{_OPTIMIZER}iterations")
    if iterations is not None:
        put(optimizer._iterations, iterations, "iterations")
    lr = tensors.get(f"{_OPTIMIZER}learning_rate")
    if lr is not None and isinstance(optimizer._learning_rate, Variable):
        put(optimizer._learning_rate, lr, "learning_rate")
    by_key = {key: variable for key, variable, _ in entries}
    prefix = f"{_OPTIMIZER}slots/"
    for key in keys:
        if not key.startswith(prefix):
            continue
        var_key, _, slot_name = key[len(prefix) :].rpartition("/")
        variable = by_key.get(var_key)
        if variable is None:
            continue  # its layer was reported (or skipped) above, or it is not the model's
        value = tensors[key]
        if tuple(variable.shape.as_list()) != tuple(value.shape):
            problems.append(
                f"optimizer '{optimizer.name}': slot '{slot_name}' of {var_key} has shape "
                f"{tuple(value.shape)} in the file, the variable has "
                f"{tuple(variable.shape.as_list())}"
            )
            continue
        array = value.astype(variable.dtype.as_numpy_dtype)
        plan.append(lambda v=variable, s=slot_name, a=array: optimizer._restore_slot(v, s, a))
    extras = [k for k in keys if k.startswith(f"{_OPTIMIZER}vars/")]
    if extras:
        known = optimizer_variables(model, entries)
        mine = [k for k in known if k.startswith(f"{_OPTIMIZER}vars/")]
        if len(mine) != len(extras):
            warnings.warn(
                f"Skipping the loading of {len(extras)} variables of optimizer "
                f"'{optimizer.name}': it has {len(mine)} such variables (not built yet?).",
                stacklevel=4,
            )
        else:
            for k in mine:
                put(known[k], tensors[k], k)
    return plan
