"""Hostile data files: tf.data cache files and the Keras dataset loaders' files (mnist.npz,
the CIFAR-10 tarball, IDX files)."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib

import numpy as np
from hostile_common import Case, gzipped, patch_central_entry, truncated

import tapeflow as tf
from tapeflow.core.errors import DataLossError
from tapeflow.keras.datasets._loader import CorruptDatasetError


def read_cache(directory):
    ds = tf.data.Dataset.from_tensor_slices(np.arange(4.0)).cache(str(directory / "c"))
    return list(ds)


def read_ragged_cache(directory):
    ds = tf.data.Dataset.range(3).map(lambda x: tf.fill([x], 0.5)).cache(str(directory / "c"))
    return list(ds)


def load_mnist_npz(directory):
    from tapeflow.keras.datasets import mnist

    return mnist.load_data(path=directory / "mnist.npz")


def read_cifar_archive(directory):
    from tapeflow.keras.datasets import cifar10

    return cifar10.read_binary_archive(directory / "cifar-10-binary.tar.gz", 2)


def read_mnist_idx(directory):
    from tapeflow.keras.datasets import _idx

    return _idx.read_idx_gz("mnist", directory / "t.gz", (10, 28, 28))


def cache_file(tensors: dict, metadata: dict):
    def make(directory):
        from tapeflow.io.safe_format import write_tensors

        write_tensors(directory / "c.tfcache", tensors, metadata)

    return make


_CACHE_META = {"kind": "tapeflow.data.cache", "dtypes": ["float64"], "layout": ["stacked"]}

_RAGGED_META = {"kind": "tapeflow.data.cache", "dtypes": ["float32"], "layout": ["ragged"]}


def npz_with_header(shape, data=b"", declared=None):
    def make(directory):
        header = np.lib.format.header_data_from_array_1_0(np.zeros((1,), np.uint8))
        header["shape"] = shape
        stream = io.BytesIO()
        np.lib.format.write_array_header_1_0(stream, header)
        with zipfile.ZipFile(directory / "mnist.npz", "w") as z:
            for key in ("x_train", "y_train", "x_test", "y_test"):
                z.writestr(f"{key}.npy", stream.getvalue() + data)
        if declared is not None:
            patch_central_entry(directory / "mnist.npz", "x_train.npy", file_size=declared)

    return make


def cifar_member(size: int, data: bytes = b""):
    def make(directory):
        with tarfile.open(directory / "cifar-10-binary.tar.gz", "w:gz") as tar:
            info = tarfile.TarInfo("cifar-10-batches-bin/data_batch_1.bin")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        # Patch the size field of the header (octal, 12 bytes at offset 124) to lie.
        raw = zlib.decompress((directory / "cifar-10-binary.tar.gz").read_bytes(), 31)
        raw = bytearray(raw)
        raw[124:136] = f"{size:011o}\0".encode()
        raw[148:156] = b" " * 8
        raw[148:155] = f"{sum(raw[:512]):06o}\0".encode()
        with open(directory / "cifar-10-binary.tar.gz", "wb") as f:
            f.write(gzipped(bytes(raw)))

    return make


def cifar_many_members(directory):
    with tarfile.open(directory / "cifar-10-binary.tar.gz", "w:gz") as tar:
        for i in range(100):
            tar.addfile(tarfile.TarInfo(f"junk/{i}"), io.BytesIO(b""))


def idx_with_shape(shape):
    def make(directory):
        header = struct.pack(f">HBB{len(shape)}I", 0, 8, len(shape), *shape)
        (directory / "t.gz").write_bytes(gzipped(header + bytes(100)))

    return make


CASES = [
    Case(
        "cache truncated",
        truncated(lambda d: read_cache(d), "c.tfcache"),
        read_cache,
        DataLossError,
        "truncated",
    ),
    Case(
        "cache element count lie",
        cache_file({"c0": np.arange(4.0)}, {**_CACHE_META, "num_elements": 1 << 40}),
        read_cache,
        DataLossError,
        "component 0 holds shape",
    ),
    Case(
        "cache layout lie",
        cache_file(
            {"c0": np.arange(4.0)}, {**_CACHE_META, "num_elements": 4, "layout": ["pickle"]}
        ),
        read_cache,
        DataLossError,
        "malformed layout",
    ),
    Case(
        "cache missing array",
        cache_file({}, {**_CACHE_META, "num_elements": 4}),
        read_cache,
        DataLossError,
        "'c0' is missing",
    ),
    Case(
        "cache ragged shape lie",
        cache_file(
            {
                "c0.data": np.zeros(1, np.float32),
                "c0.ranks": np.array([1, 1, 1]),
                "c0.dims": np.array([0, 1, 1 << 40]),
            },
            {**_RAGGED_META, "num_elements": 3},
        ),
        read_ragged_cache,
        DataLossError,
        "the shapes need",
    ),
    Case(
        "cache ragged rank lie",
        cache_file(
            {
                "c0.data": np.zeros(0, np.float32),
                "c0.ranks": np.array([1, 1, 1 << 40]),
                "c0.dims": np.array([0]),
            },
            {**_RAGGED_META, "num_elements": 3},
        ),
        read_ragged_cache,
        DataLossError,
        "malformed element ranks",
    ),
    Case(
        "mnist npz huge array header",
        npz_with_header((1 << 40, 28, 28)),
        load_mnist_npz,
        CorruptDatasetError,
        r"is uint8 of shape \(1099511627776, 28, 28\)",
    ),
    Case(
        "mnist npz declared size lie",
        npz_with_header((60000, 28, 28), declared=1 << 31),
        load_mnist_npz,
        CorruptDatasetError,
        "declares 2147483648 bytes",
    ),
    Case(
        "mnist npz truncated array",
        npz_with_header((60000, 28, 28), data=bytes(1000)),
        load_mnist_npz,
        CorruptDatasetError,
        "truncated",
    ),
    Case(
        "cifar member size lie",
        cifar_member(1 << 32),
        read_cifar_archive,
        CorruptDatasetError,
        "holds 4294967296 bytes, expected 2 records",
    ),
    Case(
        "cifar member count",
        cifar_many_members,
        read_cifar_archive,
        CorruptDatasetError,
        "more than 64 members",
    ),
    Case(
        "idx huge dims",
        idx_with_shape((1 << 31, 1 << 31, 1 << 31)),
        read_mnist_idx,
        CorruptDatasetError,
        "the IDX header gives shape",
    ),
]
