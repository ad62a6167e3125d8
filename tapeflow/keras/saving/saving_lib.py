"""`save_model`, `load_model`, `model_from_json`: whole models in `.keras` archives.

`.h5`/`.hdf5` paths go to the legacy HDF5 format (`legacy_h5`), as in Keras 3.
`save_model` writes the archive (`archive`): architecture, weights, compile config and the
optimizer's state. `load_model` rebuilds the model from the config, classes and functions
coming only from the registries (`deserialization`), while `load_budget` keeps the weights it
creates within what the file holds; it then reads the weights the model can use, checked
against the model before anything is allocated. Nothing is unpickled, no module named in the
file is imported, and a lambda's bytecode is loaded only with `safe_mode=False`.
"""

from __future__ import annotations

import os
import warnings
import zipfile

from ...core import distribution
from ...io import safe_json
from ...io.h5_reader import h5py_available
from ...io.h5_writer import h5_bytes
from . import legacy_h5, load_budget
from . import weights as weights_lib
from .archive import Archive, write_archive
from .deserialization import deserialize_keras_object
from .safe_mode import SafeModeScope
from .serialization import serialize_keras_object


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves `model` as a `.keras` archive (or, for a `.h5`/`.hdf5` path, Keras' legacy HDF5
    file, with Keras' warning): architecture, weights, compile config and the optimizer's
    state (when `model.optimizer` is set).

    Raises:
        ValueError: `filepath` does not end in ".keras", or unsupported arguments.
        NotImplementedError: a layer or model that does not implement `get_config()`.
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    filepath = os.fspath(filepath)
    hdf5 = filepath.endswith((".h5", ".hdf5"))
    if save_format:
        if not (hdf5 or filepath.endswith(".keras")):
            raise ValueError(
                "The `save_format` argument is deprecated in Keras 3. Please remove this "
                "argument and pass a file path with either `.keras` or `.h5` extension."
                f"Received: save_format={save_format}"
            )
        legacy_h5.log.warning(
            "The `save_format` argument is deprecated in Keras 3. We recommend removing this "
            "argument as it can be inferred from the file path. "
            f"Received: save_format={save_format}"
        )
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    if hdf5:
        legacy_h5.log.warning(legacy_h5.SAVE_WARNING)
    if zipped is False:
        raise ValueError("tapeflow writes zipped `.keras` archives only (zipped=False)")
    if not filepath.endswith(".keras") and not hdf5:
        raise ValueError(
            "Invalid filepath extension for saving. Please add either a `.keras` extension "
            "for the native Keras format (recommended) or a `.h5` extension. Use "
            "`model.export(filepath)` if you want to export a SavedModel for use with "
            f"TFLite/TFServing/etc. Received: filepath={filepath}."
        )
    if not distribution.is_chief_writer():
        return  # a multi-worker job: the chief writes the path every worker names
    if hdf5:
        legacy_h5.save_model_to_hdf5(model, filepath, overwrite, include_optimizer)
        return
    if (
        not overwrite
        and os.path.exists(filepath)
        and not weights_lib.ask_to_proceed_with_overwrite(filepath)
    ):
        return
    config = serialize_keras_object(model)
    if h5py_available():
        weights_h5 = h5_bytes(*weights_lib.keras_tensors(model, include_optimizer))
        write_archive(filepath, config, weights_h5)
        return
    warnings.warn(weights_lib.NO_H5PY_NOTE.format(path=filepath), stacklevel=2)
    write_archive(filepath, config, None, *weights_lib.model_tensors(model, include_optimizer))


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Loads a model saved with `model.save("x.keras")`: rebuilds it from its config (custom
    classes from `custom_objects` or the registry), builds it, loads its weights, and
    re-compiles it with its optimizer's state when `compile`.

    Raises:
        ValueError: no such file, an unsupported format, or weights that do not fit.
        TypeError: a class the config names cannot be found.
        tf.errors.DataLossError: a truncated or corrupted archive.
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras") and not (
        os.path.isfile(filepath) and zipfile.is_zipfile(filepath)
    ):
        if filepath.endswith((".h5", ".hdf5")):
            return legacy_h5.load_model_from_hdf5(
                filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode
            )
        raise ValueError(
            f"File format not supported: filepath={filepath}. tapeflow loads `.keras` "
            f"archives written by `model.save()` and legacy H5 format files (`.h5` extension)."
        )
    with Archive(filepath) as archive:
        config = dict(archive.config)
        if not compile:
            config.pop("compile_config", None)
        weight_bytes = weights_lib.layer_weight_bytes(archive.weights.entries)
        with SafeModeScope(safe_mode), load_budget.limit(weight_bytes, filepath):
            model = deserialize_keras_object(config, custom_objects=custom_objects)
        saved = weights_lib.read_weights(
            archive.weights, model, load_optimizer=compile, where=archive.weights.where
        )
    if not model.built and saved.tensors:
        _load_when_built(model, saved, filepath, compile)
    else:
        weights_lib.assign(model, saved, filepath, load_optimizer=compile)
    return model


def _load_when_built(model, saved, filepath, compile):  # noqa: A002
    """A model saved without a build config (its input shape was never recorded) gets its
    weights right after it is built, on its first call."""

    def build(*args, **kwargs):
        del model.__dict__["build"]
        try:
            model.build(*args, **kwargs)
        except BaseException:
            model.build = build  # still waiting for its weights
            raise
        weights_lib.assign(model, saved, filepath, load_optimizer=compile)

    model.build = build


def model_from_json(json_string, custom_objects=None):
    """The (unbuilt weights-wise, freshly initialised) model a `model.to_json()` string
    describes."""
    text = json_string.encode("utf-8") if isinstance(json_string, str) else json_string
    config = safe_json.loads(text, "model_from_json")  # nesting bounded, as for files
    return deserialize_keras_object(config, custom_objects=custom_objects)
