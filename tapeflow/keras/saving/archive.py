"""The `.keras` archive: a zip of `config.json`, `metadata.json` and `model.weights.h5`.

As Keras 3 writes it: `config.json` is the model's Keras 3 config (with its build and compile
configs), `metadata.json` versions and date, and `model.weights.h5` the weights and, for a
compiled model, the optimizer's state, in HDF5 (`weights`), stored uncompressed. The HDF5 file
is built in memory and written into the zip; no copy is ever made in TMPDIR. Without h5py the
weights are `model.weights`, tapeflow's own tensor format (which tapeflow also still reads from
the archives it wrote before it wrote HDF5), streamed into the zip.

Reading trusts nothing the archive declares (`tapeflow.io.safe_zip`): the members are the
three expected ones, the JSON members are capped in size and nesting, and the weights' table
is checked against the model before any array is allocated. HDF5 weights stored uncompressed
are read in place through a window on the archive (their CRC checked first, in chunks);
compressed ones (not written by Keras or tapeflow) are read into memory up to
`MAX_COMPRESSED_H5_BYTES`.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile

from ...core.errors import DataLossError
from ...io import safe_json
from ...io.atomic import atomic_write
from ...io.safe_format import EncodedTensors, TensorReader
from ...io.safe_zip import MemberLimit, SafeZip

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights"  # tapeflow's own format (written without h5py)
H5_WEIGHTS_FILENAME = "model.weights.h5"
MAX_COMPRESSED_H5_BYTES = 256 << 20
KERAS_VERSION = "3"  # the Keras API generation the archive layout follows
# A config is a recipe, not data: large models' configs are a few hundred KiB.
MAX_CONFIG_BYTES = 16 << 20
MAX_METADATA_BYTES = 1 << 20
_LIMITS = {
    CONFIG_FILENAME: MemberLimit(MAX_CONFIG_BYTES),
    METADATA_FILENAME: MemberLimit(MAX_METADATA_BYTES),
    WEIGHTS_FILENAME: MemberLimit(1 << 62, stored_only=True),
    H5_WEIGHTS_FILENAME: MemberLimit(1 << 62),
}


def write_archive(
    filepath: str, config: dict, weights_h5: bytes | None, tensors=None, metadata=None
):
    """Writes the archive atomically: `weights_h5` (the HDF5 file's bytes) as
    `model.weights.h5`, or, when it is None, `tensors` and `metadata` in tapeflow's format
    streamed into `model.weights`."""
    from ... import __version__

    config_json = json.dumps(config, default=_json_default)
    metadata_json = json.dumps(
        {
            "keras_version": KERAS_VERSION,
            "tapeflow_version": __version__,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        }
    )
    encoded = EncodedTensors(tensors, metadata) if weights_h5 is None else None
    with atomic_write(filepath) as f, zipfile.ZipFile(f, "w") as archive:
        archive.writestr(METADATA_FILENAME, metadata_json, zipfile.ZIP_DEFLATED)
        archive.writestr(CONFIG_FILENAME, config_json, zipfile.ZIP_DEFLATED)
        if weights_h5 is not None:
            info = zipfile.ZipInfo(H5_WEIGHTS_FILENAME, date_time=_now())
            archive.writestr(info, weights_h5, zipfile.ZIP_STORED)
            return
        info = zipfile.ZipInfo(WEIGHTS_FILENAME, date_time=_now())
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = encoded.size  # declared first: zipfile picks zip64 from it
        with archive.open(info, "w") as member:
            encoded.write(member)


def _now() -> tuple:
    return datetime.datetime.now().timetuple()[:6]


def _json_default(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(
        f"Cannot save a config holding {type(obj).__name__} {obj!r}: not JSON-serializable "
        f"(a get_config() should return plain values, or serialize_keras_object(...) dicts)"
    )


class Archive:
    """An open `.keras` archive, checked: its `config` and `metadata` dicts, and a
    `weights` reader whose header is read and checked (no array read yet). Close it, or use
    it in a `with` block."""

    def __init__(self, filepath: str):
        self.filepath = filepath
        if not os.path.isfile(filepath):
            raise ValueError(
                f"File not found: filepath={filepath}. Please ensure the file is an accessible "
                f"`.keras` zip file."
            )
        self._zip = _open_zip(filepath)
        try:
            self.config = self._json(CONFIG_FILENAME, required=True)
            if not isinstance(self.config, dict) or "class_name" not in self.config:
                raise self.lost(f"{CONFIG_FILENAME} does not describe a model")
            self.metadata = self._json(METADATA_FILENAME, required=False)
            self.weights = self._open_weights()
        except BaseException:
            self._zip.close()
            raise

    def lost(self, what: str) -> DataLossError:
        return DataLossError(f"{self.filepath}: {what}")

    def _json(self, name: str, required: bool):
        if name not in self._zip.names():
            if required:
                raise self.lost(f"not a complete .keras archive: it has no {name}")
            return {}
        try:
            return safe_json.loads(self._zip.read(name), name)
        except ValueError as e:
            raise self.lost(str(e)) from None

    def _open_weights(self):
        names = self._zip.names()
        if H5_WEIGHTS_FILENAME in names and WEIGHTS_FILENAME in names:
            raise self.lost(f"it holds both {H5_WEIGHTS_FILENAME} and {WEIGHTS_FILENAME}")
        if H5_WEIGHTS_FILENAME in names:
            return self._open_h5_weights()
        if WEIGHTS_FILENAME not in names:
            raise self.lost(f"not a complete .keras archive: it has no {H5_WEIGHTS_FILENAME}")
        try:
            stream = self._zip.open(WEIGHTS_FILENAME)
        except SafeZip.errors as e:
            raise self.lost(f"corrupted archive member {WEIGHTS_FILENAME} ({e})") from None
        where = f"{self.filepath}: {WEIGHTS_FILENAME}"
        try:
            return TensorReader(
                _Member(stream, where), self._zip.size(WEIGHTS_FILENAME), where, close=stream.close
            )
        except BaseException:
            stream.close()
            raise

    def _open_h5_weights(self):
        from ...io.h5_reader import H5Reader

        where = f"{self.filepath}: {H5_WEIGHTS_FILENAME}"
        window = self._zip.stored_window(H5_WEIGHTS_FILENAME)
        if window is None:  # compressed: read into memory, within a bound
            size = self._zip.size(H5_WEIGHTS_FILENAME)
            if size > MAX_COMPRESSED_H5_BYTES:
                raise self.lost(
                    f"{H5_WEIGHTS_FILENAME} is compressed and {size} bytes once read, over the "
                    f"{MAX_COMPRESSED_H5_BYTES} bytes read into memory (Keras and tapeflow "
                    f"store it uncompressed)"
                )
            window = io.BytesIO(self._zip.read(H5_WEIGHTS_FILENAME))
        return H5Reader(window, where, close_source=True)

    def close(self):
        if hasattr(self, "weights"):
            self.weights.close()
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Member:
    """A zip member's stream whose zip errors (bad CRC, bad deflate data) are DataLoss."""

    def __init__(self, stream, where: str):
        self._stream = stream
        self._where = where

    def readinto(self, view) -> int:
        try:
            return self._stream.readinto(view)
        except SafeZip.errors as e:
            raise DataLossError(f"{self._where}: corrupted archive member ({e})") from None


def _open_zip(filepath: str) -> SafeZip:
    return SafeZip(filepath, _LIMITS, what=".keras archive")


def read_archive_weights(filepath: str, model):
    """The weights of a `.keras` archive that `model` can use (`model.load_weights`)."""
    from .weights import read_weights

    with Archive(filepath) as archive:
        return read_weights(archive.weights, model, True, archive.weights.where)
