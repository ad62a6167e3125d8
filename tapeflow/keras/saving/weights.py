"""The `.weights.h5` file: a model's weights (by Keras 3 path, `weight_paths`) and its
optimizer's state, written and read back.

tapeflow has no HDF5 writer: a `.weights.h5` file written here has Keras' name but holds
tapeflow's safe tensor format (`tapeflow.io`: atomic, checksummed, never unpickled). Reading
checks the file's header against the model before allocating anything: only the arrays whose
key and shape match one of the model's variables (or its optimizer's) are read into memory,
so a file cannot make loading allocate more than the model itself holds.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ...backend import to_numpy
from ...core import distribution
from ...core.errors import DataLossError
from ...core.variable import Variable
from ...io.safe_format import open_tensor_file, write_tensors
from .weight_paths import layer_path, weight_entries

WEIGHTS_SUFFIX = ".weights.h5"
FORMAT = "tapeflow.keras.weights"
_OPTIMIZER = "optimizer/"


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
        names.setdefault(layer_path(key), layer.name)
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
    if not distribution.is_chief_writer():
        return  # a multi-worker job: the chief writes the path every worker names
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


class SavedWeights:
    """What a weights file holds: `shapes` of every saved array (key -> shape), the arrays
    read from it (`tensors`, only those a model can use) and its `metadata`."""

    def __init__(self, shapes: dict, tensors: dict, metadata: dict):
        self.shapes = shapes
        self.tensors = tensors
        self.metadata = metadata


def check_weights_metadata(metadata: dict, where: str):
    if metadata.get("format") != FORMAT:
        raise ValueError(
            f"{where} is a tapeflow tensor file holding {metadata.get('format')!r} data, "
            f"not Keras weights (a tf.train.Checkpoint is restored with "
            f"tf.train.Checkpoint(...).restore)"
        )


def layer_weight_bytes(entries: dict) -> int:
    """The bytes of the layers' weights a file declares (its optimizer's state aside)."""
    return sum(e.nbytes for k, e in entries.items() if not k.startswith(_OPTIMIZER))


def needed_keys(model, entries: dict, load_optimizer: bool) -> set:
    """The saved arrays worth reading into `model`: those whose key and shape match one of
    its variables or, with `load_optimizer`, of its optimizer's. Everything else is only
    reported (by `assign`), never allocated. An unbuilt model (its weights are assigned
    once it is built) needs every layer array."""
    variables = {key: tuple(v.shape.as_list()) for key, v, _ in weight_entries(model)}
    if not variables and not model.built:
        return {k for k in entries if load_optimizer or not k.startswith(_OPTIMIZER)}
    keep = {
        k
        for k, e in entries.items()
        if not k.startswith(_OPTIMIZER) and variables.get(k) == e.shape
    }
    if not load_optimizer:
        return keep
    known = {k: tuple(v.shape.as_list()) for k, v in optimizer_variables_of(model).items()}
    slots = f"{_OPTIMIZER}slots/"
    for key, entry in entries.items():
        if key in known:
            if known[key] == entry.shape:
                keep.add(key)
        elif key.startswith(slots):
            var_key = key[len(slots) :].rpartition("/")[0]
            if variables.get(var_key) == entry.shape:
                keep.add(key)  # a slot the optimizer creates when it is restored
    return keep


def optimizer_variables_of(model) -> dict:
    return optimizer_variables(model, weight_entries(model))


def read_weights_file(filepath: str, model, load_optimizer: bool = True) -> SavedWeights:
    """The weights in `filepath` that `model` can use; errors say what the file is instead.

    Raises:
        tf.errors.DataLossError: not a weights file (an HDF5 file is named as such),
            truncated or corrupted.
        ValueError: a tapeflow tensor file of another kind (a checkpoint).
    """
    try:
        reader = open_tensor_file(filepath)
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
    with reader:
        return read_weights(reader, model, load_optimizer, filepath)


def read_weights(reader, model, load_optimizer: bool, where: str) -> SavedWeights:
    """Reads, from a `TensorReader` whose header is checked, the arrays `model` can use."""
    check_weights_metadata(reader.metadata, where)
    tensors = reader.read(lambda entries: needed_keys(model, entries, load_optimizer))
    shapes = {k: e.shape for k, e in reader.entries.items()}
    return SavedWeights(shapes, tensors, reader.metadata)


def load_weights(model, filepath, skip_mismatch=False):
    """Loads weights saved by `save_weights` (or from a `.keras` archive) into `model`."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        from .archive import read_archive_weights

        saved = read_archive_weights(filepath, model)
    elif filepath.endswith(WEIGHTS_SUFFIX):
        saved = read_weights_file(filepath, model)
    else:
        raise ValueError(
            f"File format not supported: filepath={filepath}. tapeflow loads weights from "
            f"`{WEIGHTS_SUFFIX}` files written by `save_weights` and from `.keras` archives."
        )
    assign(model, saved, filepath, skip_mismatch, load_optimizer=True)


def assign(model, saved: SavedWeights, source, skip_mismatch=False, load_optimizer=False):
    """Assigns saved arrays to `model`'s variables (and its optimizer's state, if asked and
    saved). Every name and shape is checked before anything is assigned.

    Raises:
        ValueError: the model is not built, a layer's variable count or a shape differs, or
            the file holds weights of layers the model lacks (with `skip_mismatch`, these
            layers are skipped with a warning instead).
    """
    entries = weight_entries(model)
    shapes, tensors = saved.shapes, saved.tensors
    metadata = saved.metadata
    saved_names = metadata.get("layers", {}) if isinstance(metadata, dict) else {}
    layer_keys = [k for k in shapes if not k.startswith(_OPTIMIZER)]
    if not entries and layer_keys and not model.built:
        raise ValueError(
            f"Model '{model.name}' was never built and thus it doesn't have any variables. "
            f"However the weights file {source} lists {len(layer_keys)} variables. Call the "
            f"model on data (or `model.build(input_shape)`) before loading weights into it."
        )
    groups = {}  # layer path -> (layer, [(key, variable)])
    for key, variable, layer in entries:
        groups.setdefault(layer_path(key), (layer, []))[1].append((key, variable))
    by_layer = {}
    for key in layer_keys:
        by_layer.setdefault(layer_path(key), []).append(key)

    problems, plan = [], []
    for path, (layer, pairs) in groups.items():
        keys = by_layer.get(path, [])
        where = path or "the model itself"
        if len(keys) != len(pairs) or any(k not in shapes for k, _ in pairs):
            problems.append(
                f"Layer '{layer.name}' ({where}) expected {len(pairs)} variables "
                f"{[v.name for _, v in pairs]}, but the file has {len(keys)} for it"
            )
            continue
        bad = [
            f"Layer '{layer.name}': weight '{v.name}' ({k}) has shape {tuple(v.shape.as_list())}"
            f" in the model, but {tuple(shapes[k])} in the file"
            for k, v in pairs
            if tuple(v.shape.as_list()) != tuple(shapes[k])
        ]
        if bad:
            problems.extend(bad)
            continue
        plan.extend((v, tensors[k]) for k, v in pairs)
    for path in by_layer:
        if path not in groups:
            name = saved_names.get(path, "?") if isinstance(saved_names, dict) else "?"
            problems.append(
                f"the file holds {len(by_layer[path])} weights for "
                f"'{path or 'the model itself'}' (saved from layer '{name}'), which this model "
                f"does not have"
            )
    optimizer_plan = []
    if load_optimizer:
        planned = {id(v) for v, _ in plan}
        loaded = [entry for entry in entries if id(entry[1]) in planned]
        optimizer_plan = _optimizer_plan(model, saved, loaded, problems)
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


def _optimizer_plan(model, saved: SavedWeights, entries, problems) -> list:
    """Checks the saved optimizer state against `model.optimizer`; returns the assignments.
    Only the slots of `entries` (the variables being loaded) are restored."""
    shapes, tensors = saved.shapes, saved.tensors
    keys = [k for k in shapes if k.startswith(_OPTIMIZER)]
    optimizer = getattr(model, "optimizer", None)
    if not keys or optimizer is None or not hasattr(optimizer, "_restore_slot"):
        return []
    plan = []

    def put(variable, key, what):
        if tuple(variable.shape.as_list()) != tuple(shapes[key]):
            problems.append(
                f"optimizer '{optimizer.name}': {what} has shape "
                f"{tuple(variable.shape.as_list())}, but {tuple(shapes[key])} in the file"
            )
        else:
            value = tensors[key]
            plan.append(lambda: variable.assign(value.astype(variable.dtype.as_numpy_dtype)))

    if f"{_OPTIMIZER}iterations" in shapes:
        put(optimizer._iterations, f"{_OPTIMIZER}iterations", "iterations")
    if f"{_OPTIMIZER}learning_rate" in shapes and isinstance(optimizer._learning_rate, Variable):
        put(optimizer._learning_rate, f"{_OPTIMIZER}learning_rate", "learning_rate")
    by_key = {key: variable for key, variable, _ in entries}
    prefix = f"{_OPTIMIZER}slots/"
    for key in keys:
        if not key.startswith(prefix):
            continue
        var_key, _, slot_name = key[len(prefix) :].rpartition("/")
        variable = by_key.get(var_key)
        if variable is None:
            continue  # its layer was reported (or skipped) above, or it is not the model's
        if tuple(variable.shape.as_list()) != tuple(shapes[key]):
            problems.append(
                f"optimizer '{optimizer.name}': slot '{slot_name}' of {var_key} has shape "
                f"{tuple(shapes[key])} in the file, the variable has "
                f"{tuple(variable.shape.as_list())}"
            )
            continue
        array = tensors[key].astype(variable.dtype.as_numpy_dtype)
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
                put(known[k], k, k)
    return plan
