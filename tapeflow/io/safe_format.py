"""A safe, atomic, checksummed file of named NumPy arrays plus a JSON metadata dict.

Used by `tf.train.Checkpoint`, Keras weight files and `.keras` archives, and `Dataset.cache`
files. Reading never unpickles, never imports anything, and checks every byte: a truncated,
corrupted or foreign file raises `tf.errors.DataLossError` naming the file and the defect,
never a partial result. The header is read and checked first (size caps, dtypes, shapes,
offsets, sizes against the file's real length); only then is memory allocated for the arrays
the caller asks for (`select`), each exactly as large as its checked entry, while every byte
is hashed. The checksum detects accidental corruption (a cut-off copy, a flipped bit); it is
not a signature, and does not prove who wrote the file.
This module writes; reading lives in `tensor_reader`, the constants in `tensor_layout`.

Writing is atomic (`tapeflow.io.atomic`): the bytes go to a temporary file in the same
directory, are flushed and fsynced, then renamed over the target, so a crash leaves either
the old file or the new one, never a half-written one.

Layout (all integers little-endian)::

    offset 0   magic b"TFLWTNSR"                 8 bytes
           8   format version (uint32)           4 bytes
          12   reserved, zero (uint32)           4 bytes
          16   header length H (uint64)          8 bytes
          24   header: UTF-8 JSON, H bytes
               {"format": "tapeflow.tensors", "version": 1, "metadata": {...},
                "payload_nbytes": N,
                "tensors": {name: {"dtype": "<f4", "shape": [2, 3],
                                   "offset": 0, "nbytes": 24}, ...}}
               zero padding up to a multiple of 64: the payload starts at P
           P   payload: raw C-order array bytes, each at a 64-byte aligned `offset` from P
       P + N   trailer: b"SHA256\\0\\0" and the SHA-256 of bytes [0, P + N)   40 bytes

Booleans, integers, floats and complex numbers are stored (NumPy kinds b, i, u, f, c),
always little-endian. String tensors (object arrays of `bytes`) are stored with dtype
"string": n uint64 lengths, then the n byte strings back to back; a reader checks that the
lengths add up to the entry's size before it slices anything. Other object arrays and
structured arrays are refused on write and on read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import numpy as np

from .atomic import atomic_write
from .tensor_layout import (  # noqa: F401 - the format's constants, published here
    ALLOWED_KINDS,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAGIC,
    MAX_HEADER_BYTES,
    MAX_RANK,
    PREAMBLE,
    STRING,
    TRAILER_SIZE,
    TRAILER_TAG,
    TensorEntry,
    aligned,
)
from .tensor_reader import (  # noqa: F401 - reading, published here
    TensorReader,
    open_tensor_file,
    read_tensors,
    read_tensors_from,
)


class _StringArray:
    """A string array as it is written: lengths (uint64, little-endian), then the bytes."""

    def __init__(self, name, arr):
        items = arr.reshape(-1).tolist()
        if not all(type(b) is bytes for b in items):
            raise TypeError(
                f"write_tensors: {name!r} is an object array that does not hold only bytes "
                f"(string tensors hold bytes; other objects are never stored)"
            )
        self.shape = arr.shape
        self.lengths = np.array([len(b) for b in items], dtype="<u8")
        self.blob = b"".join(items)
        self.nbytes = self.lengths.nbytes + len(self.blob)


def _as_storable(name, value):
    if not isinstance(name, str):
        raise TypeError(f"write_tensors: tensor names must be str, got {name!r}")
    arr = np.asarray(value)
    if arr.dtype == object:
        return _StringArray(name, arr)
    if arr.dtype.kind not in ALLOWED_KINDS:
        raise TypeError(
            f"write_tensors: {name!r} has dtype {arr.dtype} (kind {arr.dtype.kind!r}); only "
            f"bool, integer, float and complex arrays can be stored (no object or string "
            f"arrays)"
        )
    # (np.ascontiguousarray would turn a 0-d array into a 1-d one.)
    return arr.astype(arr.dtype.newbyteorder("<"), order="C", copy=False)


class EncodedTensors:
    """Arrays and metadata laid out for writing: `size` is known before anything is written
    (a zip member's size is declared up front)."""

    def __init__(self, tensors: Mapping[str, np.ndarray], metadata: dict | None = None):
        self._arrays = {name: _as_storable(name, value) for name, value in tensors.items()}
        self._offsets = {}
        entries = {}
        offset = 0
        for name, arr in self._arrays.items():
            offset = aligned(offset)
            self._offsets[name] = offset
            entries[name] = {
                "dtype": STRING if isinstance(arr, _StringArray) else arr.dtype.str,
                "shape": list(arr.shape),
                "offset": offset,
                "nbytes": arr.nbytes,
            }
            offset += arr.nbytes
        self._payload_nbytes = offset
        try:
            self._header = json.dumps(
                {
                    "format": FORMAT_NAME,
                    "version": FORMAT_VERSION,
                    "metadata": metadata or {},
                    "payload_nbytes": offset,
                    "tensors": entries,
                },
                allow_nan=False,
                separators=(",", ":"),
            ).encode("utf-8")
        except (TypeError, ValueError) as e:
            raise TypeError(f"write_tensors: metadata is not JSON-serialisable: {e}") from None

    @property
    def size(self) -> int:
        """The number of bytes `write` writes."""
        start = aligned(PREAMBLE.size + len(self._header))
        return start + self._payload_nbytes + TRAILER_SIZE

    def write(self, f) -> None:
        """Writes the file's bytes to the binary stream `f`."""
        digest = hashlib.sha256()

        def put(data):
            f.write(data)
            digest.update(data)

        start = PREAMBLE.size + len(self._header)
        put(PREAMBLE.pack(MAGIC, FORMAT_VERSION, 0, len(self._header)))
        put(self._header)
        put(bytes(aligned(start) - start))
        written = 0
        for name, arr in self._arrays.items():
            put(bytes(self._offsets[name] - written))
            if isinstance(arr, _StringArray):
                put(arr.lengths.view(np.uint8))
                put(arr.blob)
            else:
                put(arr.reshape(-1).view(np.uint8))
            written = self._offsets[name] + arr.nbytes
        f.write(TRAILER_TAG + digest.digest())


def write_tensors(path, tensors: Mapping[str, np.ndarray], metadata: dict | None = None):
    """Writes `tensors` (name -> array) and a JSON-serialisable `metadata` dict to `path`,
    atomically.

    Raises:
        TypeError: a name is not a str, an array is not bool/int/float/complex, or the
            metadata is not JSON-serialisable.
    """
    encoded = EncodedTensors(tensors, metadata)
    with atomic_write(path) as f:
        encoded.write(f)
