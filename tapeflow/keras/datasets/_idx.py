"""The gzip-compressed IDX files of MNIST and Fashion-MNIST, and the loader both use.

IDX: a 4-byte big-endian magic number (two zero bytes, the element type, 0x08 for unsigned
bytes, and the number of dimensions), one big-endian uint32 per dimension, then the elements in
row-major order.
"""

from __future__ import annotations

import gzip
import hashlib
import pathlib
import struct
import zlib

import numpy as np

from ._loader import CorruptDatasetError, DataFile, check_sha256, ensure_files, file_sha256

UNSIGNED_BYTE = 0x08
SPLITS = ("x_train", "y_train", "x_test", "y_test")


def idx_header(shape) -> bytes:
    """The IDX header of an unsigned-byte array of `shape`."""
    return struct.pack(f">HBB{len(shape)}I", 0, UNSIGNED_BYTE, len(shape), *shape)


def read_idx_gz(dataset: str, path: pathlib.Path, expected_shape) -> tuple[np.ndarray, str]:
    """Decodes a gzip-compressed IDX file of unsigned bytes with `expected_shape`.

    Returns the (writable) array and the SHA-256 of the decompressed bytes. Raises
    `CorruptDatasetError` naming the file for bad gzip data, a wrong magic number, another
    shape, a truncated file or bytes after the data.
    """
    where = f"{dataset}: {path}"
    try:
        with gzip.open(path, "rb") as f:
            magic = f.read(4)
            if len(magic) < 4:
                raise CorruptDatasetError(f"{where}: truncated: {len(magic)} bytes, no IDX header")
            expected_magic = (UNSIGNED_BYTE << 8) | len(expected_shape)
            (number,) = struct.unpack(">I", magic)
            if number != expected_magic:
                raise CorruptDatasetError(
                    f"{where}: wrong magic number 0x{number:08X}, expected 0x{expected_magic:08X}"
                    f" (IDX of unsigned bytes with {len(expected_shape)} dimensions)"
                )
            dims = f.read(4 * len(expected_shape))
            if len(dims) < 4 * len(expected_shape):
                raise CorruptDatasetError(f"{where}: truncated inside the IDX header")
            shape = struct.unpack(f">{len(expected_shape)}I", dims)
            expected_shape = tuple(expected_shape)
            if shape != expected_shape:
                raise CorruptDatasetError(
                    f"{where}: the IDX header gives shape {shape}, expected {expected_shape}"
                )
            array = np.empty(shape, np.uint8)
            got = _read_into(f, memoryview(array.reshape(-1)))
            if got < array.nbytes:
                raise CorruptDatasetError(
                    f"{where}: truncated: the header announces {array.nbytes} bytes of data, "
                    f"the file holds {got}"
                )
            if f.read(1):
                raise CorruptDatasetError(f"{where}: unexpected bytes after the IDX data")
    except (OSError, EOFError, zlib.error) as e:
        raise CorruptDatasetError(
            f"{where}: truncated or corrupt gzip data ({type(e).__name__}: {e})"
        ) from e
    hasher = hashlib.sha256(magic + dims)
    hasher.update(array.data)
    return array, hasher.hexdigest()


def _read_into(f, view: memoryview) -> int:
    got = 0
    while got < len(view):
        n = f.readinto(view[got:])
        if not n:
            break
        got += n
    return got


def load_idx_dataset(
    dataset: str, directory: pathlib.Path, specs: dict[str, DataFile], mirrors, alternatives=""
):
    """`(x_train, y_train), (x_test, y_test)` from four gzip-compressed IDX files.

    `specs` maps each of `SPLITS` to its file; each file is fetched when absent, decoded, and
    its checksum verified.
    """
    files = [specs[split] for split in SPLITS]
    paths = ensure_files(dataset, directory, files, mirrors, alternatives=alternatives)
    arrays = []
    for spec, path in zip(files, paths):
        array, content_sha256 = read_idx_gz(dataset, path, spec.shape)
        actual = content_sha256 if spec.hashed == "content" else file_sha256(path)
        check_sha256(dataset, path, spec, actual)
        arrays.append(array)
    x_train, y_train, x_test, y_test = arrays
    return (x_train, y_train), (x_test, y_test)
