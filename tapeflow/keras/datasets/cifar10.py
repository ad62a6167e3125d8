"""`tf.keras.datasets.cifar10`: CIFAR-10, read from the pickle-free binary version.

Keras reads the "python version" tarball, whose batches are pickles: unpickling runs code named
by the file, so tapeflow never does. It reads the "binary version" instead
(`cifar-10-binary.tar.gz`, the same images): each batch is a sequence of 3073-byte records, one
label byte (0-9) then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32x32 row-major).
"""

from __future__ import annotations

import os
import pathlib
import tarfile
import zlib

import numpy as np

from ._loader import (
    CorruptDatasetError,
    DataFile,
    check_sha256,
    dataset_dir,
    ensure_files,
    file_sha256,
)

DATASET = "cifar10"
ARCHIVE = DataFile(
    "cifar-10-binary.tar.gz",
    "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
    "file",
)
MIRRORS = ("https://www.cs.toronto.edu/~kriz/",)
PYTHON_VERSION = "cifar-10-python.tar.gz"
TRAIN_BATCHES = tuple(f"cifar-10-batches-bin/data_batch_{i}.bin" for i in range(1, 6))
TEST_BATCH = "cifar-10-batches-bin/test_batch.bin"
RECORDS_PER_BATCH = 10000
RECORD_BYTES = 1 + 3 * 32 * 32
# The published archive holds a directory, six batches and two small text files.
_MAX_MEMBERS = 64


def load_data(data_dir: str | os.PathLike | None = None):
    """Loads CIFAR-10: 50,000 32x32 colour training images in 10 classes (0 airplane,
    1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck) and 10,000
    test images.

    Reads `cifar-10-binary.tar.gz` (the binary version; the python version holds pickles and is
    refused) from `data_dir` when given, else from `$TAPEFLOW_DATA/cifar10`, else from
    `~/.tapeflow/datasets/cifar10`. An absent archive is downloaded and verified against its
    SHA-256; when that fails (offline) the error says which file to put where.

    Args:
        data_dir: the directory holding `cifar-10-binary.tar.gz`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 NumPy arrays of shapes
        (50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3) and (10000, 1), channels last as
        in Keras.
    """
    directory = dataset_dir(DATASET, data_dir)
    alternatives = ""
    if (directory / PYTHON_VERSION).is_file():
        alternatives = (
            f"({directory / PYTHON_VERSION} is the python version, whose batches are pickles; "
            "tapeflow does not unpickle data files, so it needs the binary version.)\n"
        )
    (path,) = ensure_files(DATASET, directory, [ARCHIVE], MIRRORS, alternatives=alternatives)
    # The checksum first: then the archive decoded is exactly the published one.
    check_sha256(DATASET, path, ARCHIVE, file_sha256(path))
    batches = read_binary_archive(path)
    x_train, y_train = _concatenate([batches[name] for name in TRAIN_BATCHES])
    x_test, y_test = batches[TEST_BATCH]
    return (x_train, y_train), (x_test, y_test)


def read_binary_archive(path: pathlib.Path, records_per_batch: int | None = None) -> dict:
    """Decodes the six batches of the binary-version tarball without extracting it.

    Returns {member name: (images (n, 32, 32, 3) uint8, labels (n, 1) uint8)}. Raises
    `CorruptDatasetError` naming the archive and the member for a damaged archive, a missing
    batch, a batch of the wrong size or a label outside 0-9.
    """
    records = RECORDS_PER_BATCH if records_per_batch is None else records_per_batch
    wanted = (*TRAIN_BATCHES, TEST_BATCH)
    batches = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for count, member in enumerate(tar, 1):  # one pass, in archive order
                if count > _MAX_MEMBERS:
                    raise CorruptDatasetError(
                        f"{DATASET}: {path}: more than {_MAX_MEMBERS} members; is it "
                        f"cifar-10-binary.tar.gz?"
                    )
                if member.name in wanted and member.isfile():
                    # The declared size is checked before anything is read.
                    _check_batch_size(path, member.name, member.size, records)
                    data = tar.extractfile(member).read(member.size)
                    batches[member.name] = _decode_batch(path, member.name, data, records)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise CorruptDatasetError(
            f"{DATASET}: {path}: truncated or corrupt archive ({type(e).__name__}: {e})"
        ) from e
    missing = [name for name in wanted if name not in batches]
    if missing:
        raise CorruptDatasetError(
            f"{DATASET}: {path}: the archive lacks {missing}; is it cifar-10-binary.tar.gz?"
        )
    return batches


def _check_batch_size(path, name: str, size: int, records: int):
    if size != records * RECORD_BYTES:
        raise CorruptDatasetError(
            f"{DATASET}: {path}: {name} holds {size} bytes, expected {records} records of "
            f"{RECORD_BYTES} bytes ({records * RECORD_BYTES})"
        )


def _decode_batch(path, name: str, data: bytes, records: int):
    _check_batch_size(path, name, len(data), records)
    table = np.frombuffer(data, np.uint8).reshape(records, RECORD_BYTES)
    labels = table[:, :1].copy()
    if labels.size and labels.max() > 9:
        raise CorruptDatasetError(
            f"{DATASET}: {path}: {name} has label {int(labels.max())}, expected 0-9"
        )
    # Stored channel-major (3, 32, 32) per image; Keras returns channels last.
    images = np.ascontiguousarray(table[:, 1:].reshape(records, 3, 32, 32).transpose(0, 2, 3, 1))
    return images, labels


def _concatenate(batches):
    images, labels = zip(*batches)
    return np.concatenate(images), np.concatenate(labels)
