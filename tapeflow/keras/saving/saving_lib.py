"""`.keras` archives: `save_model`, `load_model`, `model_from_json`.

An archive is a zip file holding `config.json` (the model's serialized config, with its
build and compile configs), `metadata.json` (versions, date) and `model.weights` (the
weights and, for a compiled model, the optimizer's state, in tapeflow's safe tensor format;
Keras names it `model.weights.h5` and uses HDF5). It is written to a temporary file that is
renamed over the target only when complete. Loading reads JSON and checksummed arrays only:
nothing is unpickled, no module named in the file is imported.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
import zipfile
import zlib

from ...core.errors import DataLossError
from ...io.safe_format import atomic_write, write_tensors
from . import weights as weights_lib
from .serialization import SafeModeScope, deserialize_keras_object, serialize_keras_object

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights"
KERAS_VERSION = "3"  # the Keras API generation the archive layout follows
# A member this large, and this much larger than its compressed size, is a zip bomb.
_BOMB_FLOOR_BYTES = 1 << 32
_BOMB_EXPANSION = 100


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves `model` as a `.keras` archive: architecture, weights, compile config and the
    optimizer's state (when `model.optimizer` is set).

    Raises:
        ValueError: `filepath` does not end in ".keras", or unsupported arguments.
        NotImplementedError: a layer or model that does not implement `get_config()`.
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    if kwargs.pop("save_format", None):
        raise ValueError(
            "The `save_format` argument is deprecated in Keras 3. Please remove this "
            "argument and pass a file path with a `.keras` extension."
        )
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    filepath = os.fspath(filepath)
    if zipped is False:
        raise ValueError("tapeflow writes zipped `.keras` archives only (zipped=False)")
    if not filepath.endswith(".keras"):
        hdf5 = filepath.endswith((".h5", ".hdf5"))
        raise ValueError(
            "Invalid filepath extension for saving. Please add a `.keras` extension for the "
            "native Keras format"
            + (" (tapeflow cannot write legacy HDF5 files)" if hdf5 else "")
            + f". Received: filepath={filepath}."
        )
    if (
        not overwrite
        and os.path.exists(filepath)
        and not weights_lib.ask_to_proceed_with_overwrite(filepath)
    ):
        return
    from ... import __version__

    config_json = json.dumps(serialize_keras_object(model), default=_json_default)
    metadata_json = json.dumps(
        {
            "keras_version": KERAS_VERSION,
            "tapeflow_version": __version__,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        }
    )
    tensors, weights_metadata = weights_lib.model_tensors(model, include_optimizer)
    with tempfile.TemporaryDirectory() as tmp:
        weights_path = os.path.join(tmp, WEIGHTS_FILENAME)
        write_tensors(weights_path, tensors, weights_metadata)
        with atomic_write(filepath) as f, zipfile.ZipFile(f, "w") as archive:
            archive.writestr(METADATA_FILENAME, metadata_json, zipfile.ZIP_DEFLATED)
            archive.writestr(CONFIG_FILENAME, config_json, zipfile.ZIP_DEFLATED)
            archive.write(weights_path, WEIGHTS_FILENAME, zipfile.ZIP_STORED)


def _json_default(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(
        f"Cannot save a config holding {type(obj).__name__} {obj!r}: not JSON-serializable "
        f"(a get_config() should return plain values, or serialize_keras_object(...) dicts)"
    )


class Archive:
    """What a `.keras` file holds: config and metadata dicts, weights and their metadata."""

    def __init__(self, config, metadata, tensors, weights_metadata):
        self.config = config
        self.metadata = metadata
        self.tensors = tensors
        self.weights_metadata = weights_metadata


def read_archive(filepath: str) -> Archive:
    """Reads and checks a `.keras` archive written by `save_model`.

    Raises:
        ValueError: no file at `filepath`.
        tf.errors.DataLossError: not a zip archive, truncated, corrupted (zip CRC or the
            weights' SHA-256), a member missing, or Keras' HDF5 weights.
    """
    if not os.path.isfile(filepath):
        raise ValueError(
            f"File not found: filepath={filepath}. Please ensure the file is an accessible "
            f"`.keras` zip file."
        )

    def lost(what):
        return DataLossError(f"{filepath}: {what}")

    try:
        archive = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise lost(f"not a valid .keras archive (truncated or corrupted: {e})") from None
    with archive:
        names = set(archive.namelist())
        if WEIGHTS_FILENAME not in names and "model.weights.h5" in names:
            raise lost(
                "this archive holds HDF5 weights (model.weights.h5, written by Keras); "
                "tapeflow reads only the archives it writes"
            )
        for member in (CONFIG_FILENAME, WEIGHTS_FILENAME):
            if member not in names:
                raise lost(f"not a complete .keras archive: it has no {member}")
        for info in archive.infolist():
            if info.file_size > _BOMB_FLOOR_BYTES and info.file_size > (
                _BOMB_EXPANSION * max(info.compress_size, 1)
            ):
                raise lost(
                    f"{info.filename} expands {info.compress_size} bytes to "
                    f"{info.file_size}: refused as a zip bomb"
                )
        with tempfile.TemporaryDirectory() as tmp:
            weights_path = os.path.join(tmp, WEIGHTS_FILENAME)
            try:
                config_bytes = archive.read(CONFIG_FILENAME)
                metadata_bytes = (
                    archive.read(METADATA_FILENAME) if METADATA_FILENAME in names else b"{}"
                )
                with archive.open(WEIGHTS_FILENAME) as src, open(weights_path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
                raise lost(f"corrupted archive member ({e})") from None
            try:
                tensors, weights_metadata = weights_lib.read_weights_file(weights_path)
            except (DataLossError, ValueError) as e:
                raise lost(
                    f"{WEIGHTS_FILENAME}: {str(e).replace(weights_path + ': ', '')}"
                ) from None
    try:
        config = json.loads(config_bytes.decode("utf-8"))
        metadata = json.loads(metadata_bytes.decode("utf-8"))
    except ValueError as e:
        raise lost(f"{CONFIG_FILENAME} or {METADATA_FILENAME} is not valid JSON ({e})") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise lost(f"{CONFIG_FILENAME} does not describe a model")
    return Archive(config, metadata, tensors, weights_metadata)


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
        hdf5 = filepath.endswith((".h5", ".hdf5"))
        raise ValueError(
            f"File format not supported: filepath={filepath}. tapeflow loads `.keras` "
            f"archives written by `model.save()`"
            + (" and cannot read legacy HDF5 model files." if hdf5 else ".")
        )
    archive = read_archive(filepath)
    config = dict(archive.config)
    if not compile:
        config.pop("compile_config", None)
    with SafeModeScope(safe_mode):
        model = deserialize_keras_object(config, custom_objects=custom_objects)
    if not model.built and archive.tensors:
        _load_when_built(model, archive, filepath, compile)
    else:
        weights_lib.assign(
            model, archive.tensors, archive.weights_metadata, filepath, load_optimizer=compile
        )
    return model


def _load_when_built(model, archive, filepath, compile):  # noqa: A002
    """A model saved without a build config (its input shape was never recorded) gets its
    weights right after it is built, on its first call."""

    def build(*args, **kwargs):
        del model.__dict__["build"]
        try:
            model.build(*args, **kwargs)
        except BaseException:
            model.build = build  # still waiting for its weights
            raise
        weights_lib.assign(
            model, archive.tensors, archive.weights_metadata, filepath, load_optimizer=compile
        )

    model.build = build


def model_from_json(json_string, custom_objects=None):
    """The (unbuilt weights-wise, freshly initialised) model a `model.to_json()` string
    describes."""
    config = json.loads(json_string)
    return deserialize_keras_object(config, custom_objects=custom_objects)
