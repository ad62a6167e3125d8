"""A safe, atomic, checksummed file of named NumPy arrays plus a JSON metadata dict.

Used by `tf.train.Checkpoint` (and, later, Keras weight files). Reading never unpickles and
checks every byte: a truncated, tampered or foreign file raises `tf.errors.DataLossError`
naming the file and the defect, never a partial result. Writing is atomic: the bytes go to a
temporary file in the same directory, are flushed and fsynced, then `os.replace`d over the
target, so a crash leaves either the old file or the new one, never a half-written one.

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

import contextlib
import hashlib
import json
import math
import os
import re
import secrets
import struct
from collections.abc import Mapping

import numpy as np

from ..core.errors import DataLossError, NotFoundError

MAGIC = b"TFLWTNSR"
FORMAT_NAME = "tapeflow.tensors"
FORMAT_VERSION = 1
_PREAMBLE = struct.Struct("<8sIIQ")  # magic, version, reserved, header length
_TRAILER_TAG = b"SHA256\0\0"
_TRAILER_SIZE = len(_TRAILER_TAG) + 32
_ALIGN = 64
_ALLOWED_KINDS = "biufc"
_DTYPE_RE = re.compile(r"^[<|][biufc][0-9]{1,2}$")


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


# ---- writing ------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_write(path):
    """Opens a temporary file next to `path` for binary writing; on success, fsyncs it and
    renames it over `path` (atomic on POSIX and Windows). On error the temporary file is
    removed and `path` is untouched."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    # A random name opened with O_EXCL: no clash with a concurrent writer; mode 0o666 lets
    # the umask decide the final permissions, as for a file opened normally.
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with _open_for_writing(fd) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _open_for_writing(fd: int):
    """The file object `atomic_write` writes through (a seam for crash tests)."""
    return os.fdopen(fd, "wb")


def _fsync_directory(directory: str):
    """Makes the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_STRING = "string"


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
    if arr.dtype.kind not in _ALLOWED_KINDS:
        raise TypeError(
            f"write_tensors: {name!r} has dtype {arr.dtype} (kind {arr.dtype.kind!r}); only "
            f"bool, integer, float and complex arrays can be stored (no object or string "
            f"arrays)"
        )
    # (np.ascontiguousarray would turn a 0-d array into a 1-d one.)
    return arr.astype(arr.dtype.newbyteorder("<"), order="C", copy=False)


def write_tensors(path, tensors: Mapping[str, np.ndarray], metadata: dict | None = None):
    """Writes `tensors` (name -> array) and a JSON-serialisable `metadata` dict to `path`,
    atomically.

    Raises:
        TypeError: a name is not a str, an array is not bool/int/float/complex, or the
            metadata is not JSON-serialisable.
    """
    arrays = {name: _as_storable(name, value) for name, value in tensors.items()}
    entries = {}
    offset = 0
    for name, arr in arrays.items():
        offset = _aligned(offset)
        entries[name] = {
            "dtype": _STRING if isinstance(arr, _StringArray) else arr.dtype.str,
            "shape": list(arr.shape),
            "offset": offset,
            "nbytes": arr.nbytes,
        }
        offset += arr.nbytes
    payload_nbytes = offset
    try:
        header = json.dumps(
            {
                "format": FORMAT_NAME,
                "version": FORMAT_VERSION,
                "metadata": metadata or {},
                "payload_nbytes": payload_nbytes,
                "tensors": entries,
            },
            allow_nan=False,
            separators=(",", ":"),
        ).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise TypeError(f"write_tensors: metadata is not JSON-serialisable: {e}") from None
    start = _PREAMBLE.size + len(header)
    digest = hashlib.sha256()
    with atomic_write(path) as f:

        def put(data):
            f.write(data)
            digest.update(data)

        put(_PREAMBLE.pack(MAGIC, FORMAT_VERSION, 0, len(header)))
        put(header)
        put(bytes(_aligned(start) - start))
        written = 0
        for name, arr in arrays.items():
            put(bytes(entries[name]["offset"] - written))
            if isinstance(arr, _StringArray):
                put(arr.lengths.view(np.uint8))
                put(arr.blob)
            else:
                put(arr.reshape(-1).view(np.uint8))
            written = entries[name]["offset"] + arr.nbytes
        f.write(_TRAILER_TAG + digest.digest())


# ---- reading ------------------------------------------------------------------------------------


def _describe_foreign(head: bytes) -> str:
    if head[:1] == b"\x80" or head[:1] in (b"(", b"]", b"}"):
        return "it looks like a Python pickle, which tapeflow never loads"
    if head[:2] == b"PK":
        return "it looks like a zip or .npz archive"
    if head[:6] == b"\x93NUMPY":
        return "it looks like a .npy file"
    if head[:4] == b"\x89HDF":
        return "it looks like an HDF5 file"
    return f"it starts with {head[:8]!r}"


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def read_tensors(path) -> tuple[dict, dict]:
    """Reads a file written by `write_tensors`: returns (name -> np.ndarray, metadata).

    Raises:
        tf.errors.NotFoundError: `path` does not exist.
        tf.errors.DataLossError: the file is not in this format, is truncated, fails its
            checksum, or describes arrays it does not hold.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            # One buffer, filled in place: the arrays returned are views of it.
            data = bytearray(os.fstat(f.fileno()).st_size)
            del data[f.readinto(data) :]
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NotFoundError(f"{path}: is a directory, not a tensor file") from None

    def lost(what):
        return DataLossError(f"{path}: {what}")

    size = len(data)
    if size < _PREAMBLE.size or bytes(data[:8]) != MAGIC:
        if MAGIC.startswith(bytes(data[:8])):
            raise lost(f"truncated: only {size} bytes, shorter than the fixed header")
        raise lost(f"not a tapeflow tensor file ({_describe_foreign(bytes(data[:8]))})")
    _, version, _, header_len = _PREAMBLE.unpack_from(data)
    if version != FORMAT_VERSION:
        raise lost(
            f"unsupported format version {version}; this tapeflow reads version {FORMAT_VERSION}"
        )
    header_end = _PREAMBLE.size + header_len
    if header_end + _TRAILER_SIZE > size:
        raise lost(
            f"truncated: the header alone needs {header_end + _TRAILER_SIZE} bytes, "
            f"the file has {size}"
        )
    header = None
    with contextlib.suppress(ValueError):
        header = json.loads(
            bytes(data[_PREAMBLE.size : header_end]).decode("utf-8"),
            object_pairs_hook=_no_duplicates,
        )
    start = _aligned(header_end)
    # The header's own size claim gives the clearest message for a cut-off file; it is
    # trusted only for the message, the checksum below decides.
    if isinstance(header, dict) and isinstance(header.get("payload_nbytes"), int):
        expected = start + header["payload_nbytes"] + _TRAILER_SIZE
        if size < expected:
            raise lost(f"truncated: expected {expected} bytes, the file has {size}")
        if size > expected:
            raise lost(f"{size - expected} unexpected bytes after the end of the data")
    trailer = bytes(data[size - _TRAILER_SIZE :])
    if not trailer.startswith(_TRAILER_TAG):
        raise lost("truncated or corrupted: the end marker is missing")
    body = memoryview(data)[: size - _TRAILER_SIZE]
    if hashlib.sha256(body).digest() != trailer[len(_TRAILER_TAG) :]:
        raise lost("checksum mismatch: the file was modified or corrupted after it was written")
    if not isinstance(header, dict):
        raise lost("the header is not a valid JSON object")
    tensors = _unpack(header, body[start:], lost)
    return tensors, header["metadata"]


def _unpack(header: dict, payload: memoryview, lost) -> dict:
    if header.get("format") != FORMAT_NAME or header.get("version") != FORMAT_VERSION:
        raise lost(
            f"the header names format {header.get('format')!r} version "
            f"{header.get('version')!r}, expected {FORMAT_NAME!r} {FORMAT_VERSION}"
        )
    entries, metadata = header.get("tensors"), header.get("metadata")
    if not isinstance(entries, dict) or not isinstance(metadata, dict):
        raise lost("the header lacks its 'tensors' or 'metadata' table")
    if len(payload) != header.get("payload_nbytes"):
        raise lost(
            f"the payload holds {len(payload)} bytes, the header says "
            f"{header.get('payload_nbytes')!r}"
        )
    out = {}
    for name, entry in entries.items():
        dtype, shape, offset, nbytes = _checked_entry(name, entry, lost)
        if offset + nbytes > len(payload):
            raise lost(
                f"tensor {name!r} lies past the end of the payload "
                f"(bytes {offset}..{offset + nbytes} of {len(payload)})"
            )
        if dtype == _STRING:
            out[name] = _read_strings(name, payload[offset : offset + nbytes], shape, lost)
            continue
        # Views of one writable buffer: no second copy of the file's contents.
        flat = np.frombuffer(payload, dtype=np.uint8, count=nbytes, offset=offset)
        out[name] = flat.view(dtype).reshape(shape)
    return out


def _read_strings(name, data: memoryview, shape, lost) -> np.ndarray:
    count = math.prod(shape)
    head = 8 * count
    if head > len(data):
        raise lost(f"tensor {name!r}: {len(data)} bytes cannot hold {count} string lengths")
    lengths = np.frombuffer(data, dtype="<u8", count=count).tolist()  # Python ints: exact
    if sum(lengths) != len(data) - head:
        raise lost(f"tensor {name!r}: the string lengths do not add up to the entry's size")
    blob = bytes(data[head:])
    ends = np.cumsum(lengths, dtype=np.int64).tolist()
    starts = [0] + ends[:-1]
    out = np.empty(count, dtype=object)
    out[:] = [blob[a:b] for a, b in zip(starts, ends)]
    return out.reshape(shape)


def _checked_entry(name, entry, lost):
    def is_int(x):
        return isinstance(x, int) and not isinstance(x, bool) and x >= 0

    if not isinstance(entry, dict):
        raise lost(f"tensor {name!r}: malformed entry {entry!r}")
    dtype_str, shape = entry.get("dtype"), entry.get("shape")
    offset, nbytes = entry.get("offset"), entry.get("nbytes")
    if dtype_str == _STRING:
        if not (isinstance(shape, list) and all(is_int(d) for d in shape)):
            raise lost(f"tensor {name!r}: malformed shape {shape!r}")
        if not (is_int(offset) and is_int(nbytes)):
            raise lost(f"tensor {name!r}: malformed offset {offset!r} or size {nbytes!r}")
        return _STRING, tuple(shape), offset, nbytes
    if not (isinstance(dtype_str, str) and _DTYPE_RE.match(dtype_str)):
        raise lost(
            f"tensor {name!r}: dtype {dtype_str!r} is not allowed (only little-endian "
            f"bool, integer, float and complex)"
        )
    try:
        dtype = np.dtype(dtype_str)
    except TypeError:
        raise lost(f"tensor {name!r}: unknown dtype {dtype_str!r}") from None
    if dtype.kind not in _ALLOWED_KINDS or dtype.str != dtype_str:
        raise lost(f"tensor {name!r}: dtype {dtype_str!r} is not allowed")
    if not (isinstance(shape, list) and all(is_int(d) for d in shape)):
        raise lost(f"tensor {name!r}: malformed shape {shape!r}")
    if not (is_int(offset) and is_int(nbytes)):
        raise lost(f"tensor {name!r}: malformed offset {offset!r} or size {nbytes!r}")
    if nbytes != math.prod(shape) * dtype.itemsize:
        raise lost(f"tensor {name!r}: {nbytes} bytes do not hold shape {tuple(shape)} of {dtype}")
    return dtype, tuple(shape), offset, nbytes
