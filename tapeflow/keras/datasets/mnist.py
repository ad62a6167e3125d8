"""`tf.keras.datasets.mnist`: the MNIST handwritten digits, from IDX files or Keras' npz."""

from __future__ import annotations

import hashlib
import math
import os
import pathlib
import zipfile
import zlib

import numpy as np

from ._idx import SPLITS, idx_header, load_idx_dataset
from ._loader import CorruptDatasetError, DataFile, check_sha256, dataset_dir, file_sha256

DATASET = "mnist"

# Checksums of the decompressed IDX bytes: the 4-byte timestamps in the gzip headers differ
# between mirrors, so the .gz files themselves have no single checksum.
FILES = {
    "x_train": DataFile(
        "train-images-idx3-ubyte.gz",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "content",
        (60000, 28, 28),
    ),
    "y_train": DataFile(
        "train-labels-idx1-ubyte.gz",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "content",
        (60000,),
    ),
    "x_test": DataFile(
        "t10k-images-idx3-ubyte.gz",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "content",
        (10000, 28, 28),
    ),
    "y_test": DataFile(
        "t10k-labels-idx1-ubyte.gz",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        "content",
        (10000,),
    ),
}
MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
KERAS_NPZ_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
# The file checksum Keras pins for its mnist.npz.
KERAS_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_MAX_NPZ_MEMBERS = 16
_MAX_NPY_HEADER = 1 << 16  # NumPy's own limit on a .npy header is 10,000 bytes


def load_data(path: str | os.PathLike = "mnist.npz", data_dir: str | os.PathLike | None = None):
    """Loads the MNIST dataset: 60,000 28x28 grayscale training images of the digits 0-9 and
    10,000 test images.

    The files are read from `data_dir` when given, else from `$TAPEFLOW_DATA/mnist`, else from
    `~/.tapeflow/datasets/mnist`. That directory holds either Keras' `mnist.npz` (named by
    `path`) or the four gzip-compressed IDX files of the original distribution
    (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`,
    `t10k-labels-idx1-ubyte.gz`). Absent IDX files are downloaded and verified against their
    SHA-256; when that fails (offline) the error says which files to put where. Every load
    verifies the checksums, so a corrupt file is reported, never silently used.

    Args:
        path: the npz file, relative to the dataset directory (or absolute). A directory here
            is used as the dataset directory.
        data_dir: the directory holding the files, e.g. a local copy of the IDX files.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 NumPy arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,); pixels 0-255, labels 0-9.

    License: MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, derived from
    NIST data, and is made available under CC BY-SA 3.0.
    """
    directory = dataset_dir(DATASET, data_dir)
    npz = directory / pathlib.Path(os.fspath(path)).expanduser()
    if npz.is_dir():
        directory, npz = npz, npz / "mnist.npz"
    if npz.is_file():
        return _load_npz(npz)
    alternatives = (
        f"(Or, instead of the four files, Keras' mnist.npz from {KERAS_NPZ_URL} as {npz},\n"
        "or anywhere else, named by `path=`.)\n"
    )
    return load_idx_dataset(DATASET, directory, FILES, MIRRORS, alternatives)


def _load_npz(path: pathlib.Path):
    """Reads Keras' mnist.npz without unpickling, checking each array's declared dtype and
    shape (and the member's declared size) before allocating it, then its contents."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if len(names) > _MAX_NPZ_MEMBERS:
                raise CorruptDatasetError(
                    f"{DATASET}: {path}: the npz file holds {len(names)} members, expected "
                    f"{len(SPLITS)}"
                )
            missing = [key for key in SPLITS if f"{key}.npy" not in names]
            if missing:
                raise CorruptDatasetError(
                    f"{DATASET}: {path}: the npz file lacks the arrays {missing} "
                    f"(it holds {[n.removesuffix('.npy') for n in names]})"
                )
            arrays = {key: _read_npy_member(path, archive, key) for key in SPLITS}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as e:
        if isinstance(e, CorruptDatasetError):
            raise
        raise CorruptDatasetError(
            f"{DATASET}: {path}: not a readable npz file ({type(e).__name__}: {e})"
        ) from e
    if file_sha256(path) != KERAS_NPZ_SHA256:
        # Not Keras' file byte for byte (npz files written elsewhere differ in zip metadata):
        # check each array against the checksum of its IDX form instead.
        for key in SPLITS:
            array = np.ascontiguousarray(arrays[key])
            actual = _sha256(idx_header(array.shape), array)
            spec = FILES[key]
            check_sha256(DATASET, f"{path} (array {key!r} in IDX form)", spec, actual)
    x_train, y_train, x_test, y_test = (arrays[key] for key in SPLITS)
    return (x_train, y_train), (x_test, y_test)


def _read_npy_member(path, archive: zipfile.ZipFile, key: str) -> np.ndarray:
    """One .npy member of the npz, read only once its header announced the expected uint8
    array (NumPy's own `np.load` would allocate whatever shape the header declares)."""
    shape = FILES[key].shape
    info = archive.getinfo(f"{key}.npy")
    if info.file_size > math.prod(shape) + _MAX_NPY_HEADER:
        raise CorruptDatasetError(
            f"{DATASET}: {path}: array {key!r} declares {info.file_size} bytes, more than a "
            f"uint8 array of shape {shape} needs"
        )
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        saved_shape, fortran_order, dtype = read_header(f)
        if dtype.hasobject:
            raise ValueError(
                f"array {key!r} holds Python objects, which would have to be unpickled "
                f"(tapeflow never loads pickle data)"
            )
        if dtype != np.uint8 or tuple(saved_shape) != shape:
            raise CorruptDatasetError(
                f"{DATASET}: {path}: array {key!r} is {dtype} of shape {tuple(saved_shape)}, "
                f"expected uint8 of shape {shape}"
            )
        stored = np.empty(shape[::-1] if fortran_order else shape, np.uint8)
        view = memoryview(stored.reshape(-1))
        got = 0
        while got < len(view):
            n = f.readinto(view[got:])
            if not n:
                raise CorruptDatasetError(
                    f"{DATASET}: {path}: array {key!r} is truncated ({got} of {len(view)} bytes)"
                )
            got += n
        if f.read(1):
            raise CorruptDatasetError(f"{DATASET}: {path}: array {key!r} has trailing bytes")
    return np.ascontiguousarray(stored.T) if fortran_order else stored


def _sha256(header: bytes, array: np.ndarray) -> str:
    hasher = hashlib.sha256(header)
    hasher.update(array.data)
    return hasher.hexdigest()
