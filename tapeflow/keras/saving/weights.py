"""The `.weights.h5` file: a model's weights (by Keras 3 path, `weight_paths`) and its
optimizer's state (`optimizer_weights`), written and read back.

Written as Keras 3 writes it: HDF5 through h5py (the `h5` extra), each variable the dataset
`<layer path>/vars/<i>`, the optimizer's variables `optimizer/vars/<i>`, so Keras opens the
file and tapeflow opens Keras'. Without h5py, tapeflow writes its own safe tensor format under
the same name, with a warning (Keras cannot open that file; tapeflow can). Reading takes
either: HDF5 through `tapeflow.io.h5_reader`, tapeflow's format through `tapeflow.io`. In both,
the file's table of arrays is checked against the model before anything is allocated: only the
arrays whose key and shape match one of the model's variables (or its optimizer's) are read,
so a file cannot make loading allocate more than the model itself holds.

Layers whose class defines Keras' `save_own_variables` / `load_own_variables` save and load
their own variables through those hooks (a dict-like store of their `vars` group).
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ...backend import to_numpy
from ...core import distribution
from ...core.errors import DataLossError
from ...core.variable import Variable
from ...io.h5_reader import H5Reader, h5py_available, is_hdf5
from ...io.safe_format import open_tensor_file, write_tensors
from . import optimizer_weights as opt
from .weight_paths import hooked_layers, layer_path, weight_entries

WEIGHTS_SUFFIX = ".weights.h5"
FORMAT = "tapeflow.keras.weights"
_OPTIMIZER = opt.OPTIMIZER
# What the layers with state hooks may read from a file, in all: their arrays are not
# matched against variables before they are read.
HOOK_BYTES = 64 << 20


def _array(value) -> np.ndarray:
    if isinstance(value, Variable):
        return to_numpy(value._value)
    return np.asarray(value)


# ---- collecting and writing -----------------------------------------------------------------


def _layer_tensors(model) -> tuple[dict, dict, list]:
    """(key -> array, layer path -> layer name, entries) of the model's own weights."""
    entries = weight_entries(model)
    hooked = hooked_layers(model)
    hooked_ids = {id(layer) for layer in hooked.values()}
    tensors, names = {}, {}
    for key, variable, layer in entries:
        names.setdefault(layer_path(key), layer.name)
        if id(layer) not in hooked_ids:
            tensors[key] = _array(variable)
    for path, layer in hooked.items():
        store = {}
        layer.save_own_variables(store)
        prefix = f"{path}/vars/" if path else "vars/"
        tensors.update({f"{prefix}{k}": _array(v) for k, v in store.items()})
        names[path] = layer.name
    return tensors, names, entries


def keras_tensors(model, include_optimizer: bool) -> tuple[dict, dict]:
    """(key -> array, group -> attributes) of `model` in Keras 3's HDF5 layout."""
    tensors, names, _ = _layer_tensors(model)
    attrs = {(f"{path}/vars" if path else "vars"): {"name": name} for path, name in names.items()}
    if include_optimizer:
        variables = opt.keras_optimizer_variables(model)
        tensors.update({k: _array(v) for k, v in variables.items()})
        if variables:
            attrs[f"{_OPTIMIZER}vars"] = {"name": model.optimizer.name}
    return tensors, attrs


def model_tensors(model, include_optimizer: bool) -> tuple[dict, dict]:
    """(key -> array, metadata) of `model` in tapeflow's own format (without h5py)."""
    from ... import __version__

    tensors, names, entries = _layer_tensors(model)
    if include_optimizer:
        variables = opt.optimizer_variables(model, entries)
        tensors.update({k: _array(v) for k, v in variables.items()})
    metadata = {"format": FORMAT, "version": 1, "tapeflow_version": __version__, "layers": names}
    return tensors, metadata


NO_H5PY_NOTE = (
    "h5py is not installed, so {path} holds tapeflow's own format, which tapeflow loads but "
    "Keras cannot open. pip install 'tapeflow[h5]' (or h5py) to write Keras 3's HDF5 files."
)


def check_weights_filename(filepath: str):
    if not filepath.endswith(WEIGHTS_SUFFIX):
        raise ValueError(
            f"The filename must end in `{WEIGHTS_SUFFIX}`. Received: filepath={filepath}"
        )


def save_weights(model, filepath, overwrite=True):
    """Writes `model`'s weights, and its optimizer's state (as Keras 3 does), to `filepath`,
    which must end in ".weights.h5": HDF5 as Keras writes it (see the module docstring)."""
    from ...io.h5_writer import write_h5

    filepath = os.fspath(filepath)
    check_weights_filename(filepath)
    if not distribution.is_chief_writer():
        return  # a multi-worker job: the chief writes the path every worker names
    if not overwrite and os.path.exists(filepath) and not ask_to_proceed_with_overwrite(filepath):
        return
    if h5py_available():
        write_h5(filepath, *keras_tensors(model, include_optimizer=True))
        return
    warnings.warn(NO_H5PY_NOTE.format(path=filepath), stacklevel=3)
    write_tensors(filepath, *model_tensors(model, include_optimizer=True))


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
    read from it (`tensors`, only those a model can use), its `metadata`, and its `layout`
    (`optimizer_weights.KERAS_LAYOUT` or `TAPEFLOW_LAYOUT`)."""

    def __init__(self, shapes: dict, tensors: dict, metadata: dict, layout=opt.TAPEFLOW_LAYOUT):
        self.shapes = shapes
        self.tensors = tensors
        self.metadata = metadata
        self.layout = layout


def check_weights_metadata(metadata: dict, where: str):
    if metadata.get("format") != FORMAT:
        raise ValueError(
            f"{where} is a tapeflow tensor file holding {metadata.get('format')!r} data, "
            f"not Keras weights (a tf.train.Checkpoint is restored with "
            f"tf.train.Checkpoint(...).restore)"
        )


def layout_of(reader) -> str:
    return opt.KERAS_LAYOUT if isinstance(reader, H5Reader) else opt.TAPEFLOW_LAYOUT


def layer_weight_bytes(entries: dict) -> int:
    """The bytes of the layers' weights a file declares (its optimizer's state aside)."""
    return sum(e.nbytes for k, e in entries.items() if not k.startswith(_OPTIMIZER))


def _hook_keys(model, entries: dict) -> set:
    """The arrays of the layers with state hooks, within `HOOK_BYTES` in all."""
    keep, total = set(), 0
    for path in hooked_layers(model):
        prefix = f"{path}/vars/" if path else "vars/"
        for key, entry in entries.items():
            if key.startswith(prefix) and "/" not in key[len(prefix) :]:
                total += entry.nbytes
                if total > HOOK_BYTES:
                    raise DataLossError(
                        f"the file holds more than {HOOK_BYTES} bytes for layers that load "
                        f"their own state (at {key}); refused"
                    )
                keep.add(key)
    return keep


def needed_keys(model, entries: dict, load_optimizer: bool, layout=opt.TAPEFLOW_LAYOUT) -> set:
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
    keep |= _hook_keys(model, entries)
    if not load_optimizer:
        return keep
    if layout == opt.KERAS_LAYOUT:
        return keep | opt.keras_needed_keys(model, entries)
    return keep | opt.tapeflow_needed_keys(model, entries, variables)


def open_weights_file(filepath: str):
    """An `H5Reader` (HDF5, as Keras writes) or a `TensorReader` (tapeflow's own format)
    over `filepath`, its table of arrays checked, no array read yet."""
    try:
        with open(filepath, "rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise FileNotFoundError(f"No such file or directory: {filepath!r}") from None
    if is_hdf5(head):
        return H5Reader(filepath, filepath)
    try:
        return open_tensor_file(filepath)
    except DataLossError as e:
        raise DataLossError(
            f"{e} (a .weights.h5 file is HDF5, as Keras 3 writes it, or tapeflow's own "
            f"tensor format)"
        ) from None


def read_weights_file(filepath: str, model, load_optimizer: bool = True) -> SavedWeights:
    """The weights in `filepath` that `model` can use; errors say what the file is instead.

    Raises:
        tf.errors.DataLossError: neither HDF5 nor tapeflow's format, truncated or corrupted.
        ValueError: a tapeflow tensor file of another kind (a checkpoint).
    """
    with open_weights_file(filepath) as reader:
        return read_weights(reader, model, load_optimizer, filepath)


def read_weights(reader, model, load_optimizer: bool, where: str) -> SavedWeights:
    """Reads, from a reader whose table is checked, the arrays `model` can use."""
    layout = layout_of(reader)
    if layout == opt.TAPEFLOW_LAYOUT:
        check_weights_metadata(reader.metadata, where)
    tensors = reader.read(lambda entries: needed_keys(model, entries, load_optimizer, layout))
    shapes = {k: e.shape for k, e in reader.entries.items()}
    return SavedWeights(shapes, tensors, reader.metadata, layout)


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
    hooked = hooked_layers(model)
    hooked_ids = {id(layer) for layer in hooked.values()}
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
        if id(layer) not in hooked_ids:
            groups.setdefault(layer_path(key), (layer, []))[1].append((key, variable))
    hooked_prefixes = tuple(f"{path}/vars/" if path else "vars/" for path in hooked)
    by_layer = {}
    for key in layer_keys:
        if not (hooked_prefixes and key.startswith(hooked_prefixes)):
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
            shown = by_layer[path][0] if path is None else path or "the model itself"
            problems.append(
                f"the file holds {len(by_layer[path])} weights for '{shown}' (saved from "
                f"layer '{name}'), which this model does not have"
            )
    optimizer_plan = []
    if load_optimizer:
        if saved.layout == opt.KERAS_LAYOUT:
            optimizer_plan = opt.keras_optimizer_plan(model, shapes, tensors, problems)
        else:
            planned = {id(v) for v, _ in plan}
            loaded = [entry for entry in entries if id(entry[1]) in planned]
            optimizer_plan = opt.tapeflow_optimizer_plan(model, shapes, tensors, loaded, problems)
    if problems:
        message = f"Could not load the weights of {source} into model '{model.name}': " + "".join(
            f"\n  - {p}" for p in problems
        )
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message + "\nThese layers were skipped (skip_mismatch=True).", stacklevel=3)
    for variable, value in plan:
        variable.assign(np.asarray(value, dtype=variable.dtype.as_numpy_dtype))
    for path, layer in hooked.items():
        prefix = f"{path}/vars/" if path else "vars/"
        layer.load_own_variables(
            {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        )
    for apply in optimizer_plan:
        apply()
