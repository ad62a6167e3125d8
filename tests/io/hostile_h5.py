"""Hostile HDF5 files (Keras 3's `.weights.h5`, alone and inside `.keras` archives, and legacy
`.h5` model files: configs calling functions, nested deep, not strings, declaring huge
weights, name-list bombs, lambdas): links
out of the file, external and virtual storage, non-numeric dtypes, plugin filters, cycles and
deep nesting, shape bombs, huge attributes, truncation and corruption."""

from __future__ import annotations

import io
import json
import zipfile

import h5py
import numpy as np
from hostile_common import (
    Case,
    MiB,
    load_keras,
    patch_central_entry,
    saved_keras,
    small_model,
    truncated,
)

import tapeflow as tf
from tapeflow.core.errors import DataLossError
from tapeflow.keras.saving import weights as weights_lib

KERNEL = "layers/dense/vars/0"


def load_weights_file(directory):
    return small_model().load_weights(directory / "m.weights.h5")


def h5_file(mutate, libver=None):
    """The small model's weights as Keras writes them, then `mutate(h5py.File, directory)`."""

    def make(directory):
        tensors, attrs = weights_lib.keras_tensors(small_model(), include_optimizer=True)
        kwargs = {"libver": libver} if libver else {}
        with h5py.File(directory / "m.weights.h5", "w", **kwargs) as f:
            for group, values in attrs.items():
                f.require_group(group).attrs.update(values)
            for key, value in tensors.items():
                f[key] = value
            mutate(f, directory)

    return make


def _replace(f, key, **dataset):
    del f[key]
    f.create_dataset(key, **dataset)


def _soft_link(f, directory):
    del f[KERNEL]
    f[KERNEL] = h5py.SoftLink("/layers/dense/vars/1")


def _external_link(f, directory):
    del f[KERNEL]
    f[KERNEL] = h5py.ExternalLink("/etc/passwd", "/x")


def _external_storage(f, directory):
    (directory / "payload.bin").write_bytes(bytes(24))
    _replace(f, KERNEL, shape=(3, 2), dtype="<f4", external=[("payload.bin", 0, 24)])


def _virtual(f, directory):
    with h5py.File(directory / "other.h5", "w") as other:
        other["x"] = np.zeros((3, 2), np.float32)
    layout = h5py.VirtualLayout(shape=(3, 2), dtype="<f4")
    layout[:] = h5py.VirtualSource(str(directory / "other.h5"), "x", shape=(3, 2))
    del f[KERNEL]
    f.create_virtual_dataset(KERNEL, layout)


def _dtype(dtype):
    def mutate(f, directory):
        _replace(f, KERNEL, shape=(3, 2), dtype=dtype)

    return mutate


def _unknown_filter(f, directory):
    _replace(
        f,
        KERNEL,
        data=np.zeros((3, 2), np.float32),
        chunks=(3, 2),
        compression=32099,
        allow_unknown_filter=True,
    )


def _nested(depth):
    def mutate(f, directory):
        group = f
        for i in range(depth):
            group = group.create_group(f"g{i}")

    return mutate


def _cycle(f, directory):
    f["layers/dense/loop"] = f["layers/dense"]  # a hard link to its own parent


def _shape_bomb(f, directory):
    # 8 GiB declared, nothing stored: chunked and compressed, only the fill value exists.
    _replace(f, KERNEL, shape=(1 << 31,), dtype="<f4", chunks=(1 << 20,), compression="gzip")


def _huge_attribute(f, directory):
    f["layers/dense/vars"].attrs["name"] = np.zeros(32 * MiB // 8)
    f["layers/extra/vars/0"] = np.zeros(2, np.float32)  # makes the load fail afterwards


def _keras_archive(mutate_member=None, patch=None, compress=zipfile.ZIP_STORED):
    """A `.keras` archive saved by tapeflow, its HDF5 member rewritten by `mutate_member`
    (bytes -> bytes) and stored with `compress`, then `patch` fields of its zip entry."""

    def make(directory):
        saved_keras(directory)
        path = directory / "m.keras"
        with zipfile.ZipFile(path) as z:
            members = {name: z.read(name) for name in z.namelist()}
        if mutate_member is not None:
            members["model.weights.h5"] = mutate_member(members["model.weights.h5"])
        with zipfile.ZipFile(path, "w") as z:
            for name, data in members.items():
                z.writestr(name, data, compress if name == "model.weights.h5" else 0)
        if patch:
            patch_central_entry(path, "model.weights.h5", **patch)

    return make


def _keras_member_corrupted(directory):
    """The HDF5 member changed after the zip was written (its CRC no longer matches)."""
    saved_keras(directory)
    path = directory / "m.keras"
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("model.weights.h5")
    data[info.header_offset + 30 + len(info.filename) + info.file_size // 2] ^= 1
    path.write_bytes(bytes(data))


def _keras_with_h5(make_h5):
    """A `.keras` archive whose HDF5 member is the file `make_h5` writes."""

    def make(directory):
        saved_keras(directory)
        make_h5(directory)
        path = directory / "m.keras"
        with zipfile.ZipFile(path) as z:
            config = z.read("config.json")
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("metadata.json", json.dumps({"keras_version": "3"}))
            z.writestr("config.json", config)
            z.writestr("model.weights.h5", (directory / "m.weights.h5").read_bytes())

    return make


def _not_h5(data: bytes) -> bytes:
    return io.BytesIO(b"\x89HDF\r\n\x1a\n" + bytes(len(data))).getvalue()


# ---- legacy `.h5` model files (config and name lists in attributes) -------------------------


def load_legacy(directory):
    return tf.keras.models.load_model(directory / "m.h5")


def legacy_h5(mutate):
    """The small model saved by tapeflow as a legacy `.h5` file, then `mutate(h5py.File)`."""

    def make(directory):
        small_model().save(directory / "m.h5")
        with h5py.File(directory / "m.h5", "a") as f:
            mutate(f)

    return make


def _legacy_config(config):
    def mutate(f):
        f.attrs["model_config"] = json.dumps(config) if not isinstance(config, str) else config

    return mutate


def _legacy_huge_units(f):
    config = json.loads(f.attrs["model_config"])
    config["config"]["layers"][1]["config"]["units"] = 1 << 31
    f.attrs["model_config"] = json.dumps(config)


def _legacy_external_link(f):
    (group,) = [f["model_weights"][name] for name in f["model_weights"] if "dense" in name]
    key = group.attrs["weight_names"][0]
    del group[key]
    group[key] = h5py.ExternalLink("/etc/passwd", "/x")


def _legacy_names_bomb(directory):
    # 200,000 names (libver="latest" stores attributes that large): the count is refused
    # before HDF5 reads the list.
    small_model().save(directory / "saved.h5")
    with h5py.File(directory / "saved.h5") as src:
        with h5py.File(directory / "m.h5", "w", libver="latest") as f:
            f.attrs["model_config"] = src.attrs["model_config"]
            f.create_group("model_weights").attrs["layer_names"] = [b"x"] * 200_000


def _legacy_lambda(directory):
    keras = tf.keras
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 2.0)])
    model.save(directory / "m.h5")


ONLY_NUMBERS = "only bool, integer and float arrays are read"

CASES = [
    Case("h5 soft link", h5_file(_soft_link), load_weights_file, DataLossError, "SoftLink"),
    Case(
        "h5 external link",
        h5_file(_external_link),
        load_weights_file,
        DataLossError,
        "ExternalLink; only hard links are read",
    ),
    Case(
        "h5 external storage",
        h5_file(_external_storage),
        load_weights_file,
        DataLossError,
        "keeps its data in external files",
    ),
    Case(
        "h5 virtual dataset",
        h5_file(_virtual),
        load_weights_file,
        DataLossError,
        "virtual dataset",
    ),
    Case(
        "h5 compound dtype",
        h5_file(_dtype(np.dtype([("a", "<f4"), ("b", "<i8")]))),
        load_weights_file,
        DataLossError,
        ONLY_NUMBERS,
    ),
    Case(
        "h5 variable-length strings",
        h5_file(_dtype(h5py.string_dtype())),
        load_weights_file,
        DataLossError,
        ONLY_NUMBERS,
    ),
    Case(
        "h5 fixed-length strings",
        h5_file(_dtype("S67108864")),
        load_weights_file,
        DataLossError,
        ONLY_NUMBERS,
    ),
    Case(
        "h5 object references",
        h5_file(_dtype(h5py.ref_dtype)),
        load_weights_file,
        DataLossError,
        ONLY_NUMBERS,
    ),
    Case(
        "h5 enum dtype",
        h5_file(_dtype(h5py.enum_dtype({"a": 0, "b": 1}, basetype="i1"))),
        load_weights_file,
        DataLossError,
        ONLY_NUMBERS,
    ),
    Case(
        "h5 plugin filter",
        h5_file(_unknown_filter),
        load_weights_file,
        DataLossError,
        "uses filter 32099, not one built into HDF5",
    ),
    Case(
        "h5 groups nested 100 deep",
        h5_file(_nested(100)),
        load_weights_file,
        DataLossError,
        "nested more than 64 levels",
    ),
    Case(
        "h5 hard link cycle",
        h5_file(_cycle),
        load_weights_file,
        DataLossError,
        "nested more than 64 levels",
    ),
    Case(
        "h5 shape bomb at the model's key",
        h5_file(_shape_bomb),
        load_weights_file,
        ValueError,
        r"weight 'kernel' \(layers/dense/vars/0\) has shape \(3, 2\) in the model, but "
        r"\(2147483648,\) in the file",
    ),
    Case(
        "h5 attribute of 32 MiB",
        h5_file(_huge_attribute, libver="latest"),
        load_weights_file,
        ValueError,
        "holds 1 weights for 'layers/extra'",
    ),
    Case(
        "h5 truncated",
        truncated(h5_file(lambda f, d: None), "m.weights.h5"),
        load_weights_file,
        DataLossError,
        "not a readable HDF5 file",
    ),
    Case(
        "keras h5 member corrupted",
        _keras_member_corrupted,
        load_keras,
        DataLossError,
        "model.weights.h5: CRC mismatch",
    ),
    Case(
        "keras h5 member not HDF5",
        _keras_archive(_not_h5),
        load_keras,
        DataLossError,
        "model.weights.h5: not a readable HDF5 file",
    ),
    Case(
        "keras h5 member deflate bomb",
        _keras_archive(compress=zipfile.ZIP_DEFLATED, patch={"file_size": 1 << 31}),
        load_keras,
        DataLossError,
        "compressed and 2147483648 bytes once read",
    ),
    Case(
        "keras h5 member with an external link",
        _keras_with_h5(h5_file(_external_link)),
        load_keras,
        DataLossError,
        "ExternalLink",
    ),
    Case(
        "keras h5 member with a shape bomb",
        _keras_with_h5(h5_file(_shape_bomb)),
        load_keras,
        ValueError,
        r"\(2147483648,\) in the file",
    ),
    Case(
        "legacy h5 config naming a function to call",
        legacy_h5(
            _legacy_config({"module": "tapeflow.cli", "class_name": "function", "config": "main"})
        ),
        load_legacy,
        TypeError,
        "Could not locate function 'main'",
    ),
    Case(
        "legacy h5 config nested deep",
        legacy_h5(_legacy_config('{"config":' * 3000 + "1" + "}" * 3000)),
        load_legacy,
        ValueError,
        "model_config: nested more than 100 levels deep",
    ),
    Case(
        "legacy h5 config that is not a string",
        legacy_h5(lambda f: f.attrs.__setitem__("model_config", np.arange(8000))),
        load_legacy,
        DataLossError,
        "attribute 'model_config' of '/'.*a string is read",
    ),
    Case(
        "legacy h5 name list bomb",
        _legacy_names_bomb,
        load_legacy,
        DataLossError,
        r"has shape \(200000,\)",
    ),
    Case(
        "legacy h5 config declaring huge weights",
        legacy_h5(_legacy_huge_units),
        load_legacy,
        DataLossError,
        r"would create a weight of shape \(3, 2147483648\)",
    ),
    Case(
        "legacy h5 weight with an external link",
        legacy_h5(_legacy_external_link),
        load_legacy,
        DataLossError,
        "ExternalLink",
    ),
    Case(
        "legacy h5 lambda in safe mode",
        _legacy_lambda,
        load_legacy,
        ValueError,
        "safe_mode",
    ),
]
