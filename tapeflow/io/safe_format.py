"""A safe, atomic, checksummed file of named NumPy arrays plus a JSON metadata dict.

Used by `tf.train.Checkpoint`, Keras weight files and `.keras` archives, and `Dataset.cache`
files. Reading never unpickles, never imports anything, and checks every byte: a truncated,
corrupted or foreign file raises `tf.errors.DataLossError` naming the file and the defect,
never a partial result. The header is read and checked first (size caps, dtypes, shapes,
offsets, sizes against the file's real length); only then is memory allocated for the arrays
the caller asks for (`select`), each exactly as large as its checked entry, while every byte
is hashed. The checksum detects accidental corruption (a cut-off copy, a flipped bit); it is
not a signature, and does not prove who wrote the file.

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
import math
import os
import re
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..core.errors import DataLossError, NotFoundError
from . import safe_json
from .atomic import atomic_write

MAGIC = b"TFLWTNSR"
FORMAT_NAME = "tapeflow.tensors"
FORMAT_VERSION = 1
# The header lists every tensor (about 100 bytes each): 16 MiB is over 100,000 tensors.
MAX_HEADER_BYTES = 16 << 20
MAX_RANK = 32
_PREAMBLE = struct.Struct("<8sIIQ")  # magic, version, reserved, header length
_TRAILER_TAG = b"SHA256\0\0"
_TRAILER_SIZE = len(_TRAILER_TAG) + 32
_ALIGN = 64
_CHUNK = 1 << 20
_ALLOWED_KINDS = "biufc"
_STRING = "string"
_DTYPE_RE = re.compile(r"^[<|][biufc][0-9]{1,2}$")


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


@dataclass(frozen=True)
class TensorEntry:
    """One array as a file's header declares it (checked against the file's size)."""

    name: str
    dtype: np.dtype | str  # a NumPy dtype, or "string" for length-prefixed bytes
    shape: tuple
    offset: int  # from the start of the payload
    nbytes: int


# ---- writing ------------------------------------------------------------------------------------


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


class EncodedTensors:
    """Arrays and metadata laid out for writing: `size` is known before anything is written
    (a zip member's size is declared up front)."""

    def __init__(self, tensors: Mapping[str, np.ndarray], metadata: dict | None = None):
        self._arrays = {name: _as_storable(name, value) for name, value in tensors.items()}
        self._offsets = {}
        entries = {}
        offset = 0
        for name, arr in self._arrays.items():
            offset = _aligned(offset)
            self._offsets[name] = offset
            entries[name] = {
                "dtype": _STRING if isinstance(arr, _StringArray) else arr.dtype.str,
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
        start = _aligned(_PREAMBLE.size + len(self._header))
        return start + self._payload_nbytes + _TRAILER_SIZE

    def write(self, f) -> None:
        """Writes the file's bytes to the binary stream `f`."""
        digest = hashlib.sha256()

        def put(data):
            f.write(data)
            digest.update(data)

        start = _PREAMBLE.size + len(self._header)
        put(_PREAMBLE.pack(MAGIC, FORMAT_VERSION, 0, len(self._header)))
        put(self._header)
        put(bytes(_aligned(start) - start))
        written = 0
        for name, arr in self._arrays.items():
            put(bytes(self._offsets[name] - written))
            if isinstance(arr, _StringArray):
                put(arr.lengths.view(np.uint8))
                put(arr.blob)
            else:
                put(arr.reshape(-1).view(np.uint8))
            written = self._offsets[name] + arr.nbytes
        f.write(_TRAILER_TAG + digest.digest())


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


class _HashingReader:
    """Reads a stream exactly, hashing every byte; running short is a truncated file."""

    def __init__(self, stream, lost):
        self._stream = stream
        self._lost = lost
        self.digest = hashlib.sha256()

    def read_into(self, view: memoryview, hashed: bool = True):
        got = 0
        while got < len(view):
            n = self._stream.readinto(view[got:])
            if not n:
                raise self._lost("truncated: the file ended while its data was being read")
            got += n
        if hashed:
            self.digest.update(view)

    def read(self, n: int) -> bytes:
        buf = bytearray(n)
        self.read_into(memoryview(buf))
        return bytes(buf)

    def skip(self, n: int):
        """Reads and hashes `n` bytes, holding at most one chunk."""
        buf = memoryview(bytearray(min(n, _CHUNK)))
        while n > 0:
            step = min(n, len(buf))
            self.read_into(buf[:step])
            n -= step


def read_tensors(path, select: Callable[[dict], Iterable[str]] | None = None) -> tuple[dict, dict]:
    """Reads a file written by `write_tensors`: returns (name -> np.ndarray, metadata).

    Args:
        path: the file.
        select: called with {name: TensorEntry} once the header is checked and before any
            array is allocated; returns the names to load (the others are only hashed). It
            may raise to refuse the file. By default every array is loaded.

    Raises:
        tf.errors.NotFoundError: `path` does not exist.
        tf.errors.DataLossError: the file is not in this format, is truncated, is corrupted
            (fails its checksum), or describes arrays it does not hold.
    """
    with open_tensor_file(path) as reader:
        return reader.read(select), reader.metadata


class TensorReader:
    """A tensor file read in two steps: the constructor reads and checks the header
    (`entries`, `metadata`), allocating nothing for the arrays; `read` then streams the
    payload, keeping the arrays asked for, and verifies the checksum over every byte.

    `stream` is any binary stream positioned at the file's start, `size` its length in
    bytes (the real length of a file, or a zip member's checked size) and `where` names it
    in errors.
    """

    def __init__(self, stream, size: int, where: str, close=None):
        self.where = where
        self._size = size
        self._close = close
        self._reader = _HashingReader(stream, self.lost)
        self._read_header()

    def lost(self, what) -> DataLossError:
        return DataLossError(f"{self.where}: {what}")

    def _read_header(self):
        lost, size, reader = self.lost, self._size, self._reader
        head = reader.read(min(size, _PREAMBLE.size))
        if size < _PREAMBLE.size or head[:8] != MAGIC:
            if MAGIC.startswith(head[:8]):
                raise lost(f"truncated: only {size} bytes, shorter than the fixed header")
            raise lost(f"not a tapeflow tensor file ({_describe_foreign(head[:8])})")
        _, version, _, header_len = _PREAMBLE.unpack(head)
        if version != FORMAT_VERSION:
            raise lost(
                f"unsupported format version {version}; this tapeflow reads version "
                f"{FORMAT_VERSION}"
            )
        header_end = _PREAMBLE.size + header_len
        if header_end + _TRAILER_SIZE > size:
            raise lost(
                f"truncated: the header alone needs {header_end + _TRAILER_SIZE} bytes, "
                f"the file has {size}"
            )
        if header_len > MAX_HEADER_BYTES:
            raise lost(f"a header of {header_len} bytes is over the {MAX_HEADER_BYTES} byte limit")
        header_bytes = reader.read(header_len)
        header, problem = None, None
        try:
            header = safe_json.loads(header_bytes, "header", allow_nan=False, max_depth=64)
        except ValueError as e:
            problem = str(e)
        start = _aligned(header_end)
        # The header's own size claim gives the clearest message for a cut-off file.
        if isinstance(header, dict) and _is_count(header.get("payload_nbytes")):
            expected = start + header["payload_nbytes"] + _TRAILER_SIZE
            if size < expected:
                raise lost(f"truncated: expected {expected} bytes, the file has {size}")
            if size > expected:
                raise lost(f"{size - expected} unexpected bytes after the end of the data")
        payload_size = size - _TRAILER_SIZE - start
        try:
            if header is None:
                raise lost(problem)
            self.entries, self.metadata = _checked_header(header, payload_size, lost)
        except DataLossError:
            # The checksum decides between a corrupted file and a well-formed but wrong one.
            reader.skip(size - _TRAILER_SIZE - header_end)
            _check_trailer(reader, lost)
            raise
        reader.skip(start - header_end)
        self._payload_size = payload_size

    def read(self, select: Callable[[dict], Iterable[str]] | None = None) -> dict:
        """The arrays named by `select(entries)` (all by default), once every byte of the
        file passed the checksum."""
        keep = set(self.entries if select is None else select(dict(self.entries)))
        reader = self._reader
        buffers = {}
        position = 0
        for entry in sorted(self.entries.values(), key=lambda e: e.offset):
            reader.skip(entry.offset - position)
            if entry.name in keep:
                buffer = np.empty(entry.nbytes, np.uint8)
                reader.read_into(memoryview(buffer))
                buffers[entry.name] = buffer
            else:
                reader.skip(entry.nbytes)
            position = entry.offset + entry.nbytes
        reader.skip(self._payload_size - position)
        _check_trailer(reader, self.lost)
        return {
            name: _as_array(entry, buffers[name], self.lost)
            for name, entry in self.entries.items()
            if name in buffers
        }

    def close(self):
        if self._close is not None:
            self._close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_tensor_file(path) -> TensorReader:
    """A `TensorReader` over the file at `path` (close it, or use it in a `with`).

    Raises:
        tf.errors.NotFoundError: `path` does not exist or is a directory.
        tf.errors.DataLossError: as `read_tensors`, for the header.
    """
    path = os.fspath(path)
    try:
        f = open(path, "rb")  # noqa: SIM115 (closed by the reader)
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NotFoundError(f"{path}: is a directory, not a tensor file") from None
    try:
        return TensorReader(f, os.fstat(f.fileno()).st_size, path, close=f.close)
    except BaseException:
        f.close()
        raise


def read_tensors_from(stream, size: int, where: str, select=None) -> tuple[dict, dict]:
    """`read_tensors` on a binary stream of `size` bytes (a zip member, say); `where` names it
    in errors."""
    reader = TensorReader(stream, size, where)
    return reader.read(select), reader.metadata


def _as_array(entry: TensorEntry, buffer: np.ndarray, lost) -> np.ndarray:
    if entry.dtype == _STRING:
        return _read_strings(entry.name, memoryview(buffer), entry.shape, lost)
    return buffer.view(entry.dtype).reshape(entry.shape)


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


def _check_trailer(reader: _HashingReader, lost):
    body_digest = reader.digest.digest()
    trailer = reader.read(_TRAILER_SIZE)
    if not trailer.startswith(_TRAILER_TAG):
        raise lost("truncated or corrupted: the end marker is missing")
    if body_digest != trailer[len(_TRAILER_TAG) :]:
        raise lost("checksum mismatch: the file is corrupted (changed after it was written)")


def _is_count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _checked_header(header, payload_size: int, lost) -> tuple[dict, dict]:
    if not isinstance(header, dict):
        raise lost("the header is not a valid JSON object")
    if header.get("format") != FORMAT_NAME or header.get("version") != FORMAT_VERSION:
        raise lost(
            f"the header names format {header.get('format')!r} version "
            f"{header.get('version')!r}, expected {FORMAT_NAME!r} {FORMAT_VERSION}"
        )
    table, metadata = header.get("tensors"), header.get("metadata")
    if not isinstance(table, dict) or not isinstance(metadata, dict):
        raise lost("the header lacks its 'tensors' or 'metadata' table")
    if header.get("payload_nbytes") != payload_size:
        raise lost(
            f"the payload holds {payload_size} bytes, the header says "
            f"{header.get('payload_nbytes')!r}"
        )
    entries = {name: _checked_entry(name, entry, lost) for name, entry in table.items()}
    end = 0
    for entry in sorted(entries.values(), key=lambda e: e.offset):
        if entry.offset + entry.nbytes > payload_size:
            raise lost(
                f"tensor {entry.name!r} lies past the end of the payload "
                f"(bytes {entry.offset}..{entry.offset + entry.nbytes} of {payload_size})"
            )
        if entry.offset < end:
            raise lost(f"tensor {entry.name!r} overlaps the tensor before it")
        end = entry.offset + entry.nbytes
    return entries, metadata


def _checked_entry(name, entry, lost) -> TensorEntry:
    if not isinstance(entry, dict):
        raise lost(f"tensor {name!r}: malformed entry {entry!r}"[:300])
    dtype_str, shape = entry.get("dtype"), entry.get("shape")
    offset, nbytes = entry.get("offset"), entry.get("nbytes")
    if dtype_str == _STRING:
        _check_shape(name, shape, lost)
        if not (_is_count(offset) and _is_count(nbytes)):
            raise lost(f"tensor {name!r}: malformed offset {offset!r} or size {nbytes!r}")
        if 8 * math.prod(shape) > nbytes:  # checked again when read: refused before allocating
            raise lost(
                f"tensor {name!r}: {nbytes} bytes cannot hold {math.prod(shape)} string lengths"
            )
        return TensorEntry(name, _STRING, tuple(shape), offset, nbytes)
    if not (isinstance(dtype_str, str) and _DTYPE_RE.match(dtype_str)):
        raise lost(
            f"tensor {name!r}: dtype {dtype_str!r} is not allowed (only little-endian "
            f"bool, integer, float and complex)"[:300]
        )
    try:
        dtype = np.dtype(dtype_str)
    except TypeError:
        raise lost(f"tensor {name!r}: unknown dtype {dtype_str!r}") from None
    if dtype.kind not in _ALLOWED_KINDS or dtype.str != dtype_str:
        raise lost(f"tensor {name!r}: dtype {dtype_str!r} is not allowed")
    _check_shape(name, shape, lost)
    if not (_is_count(offset) and _is_count(nbytes)):
        raise lost(f"tensor {name!r}: malformed offset {offset!r} or size {nbytes!r}")
    if nbytes != math.prod(shape) * dtype.itemsize:
        raise lost(f"tensor {name!r}: {nbytes} bytes do not hold shape {tuple(shape)} of {dtype}")
    return TensorEntry(name, dtype, tuple(shape), offset, nbytes)


def _check_shape(name, shape, lost):
    # No real dimension comes near 2**62; an empty tensor could otherwise declare any.
    if not (
        isinstance(shape, list)
        and len(shape) <= MAX_RANK
        and all(_is_count(d) and d < 1 << 62 for d in shape)
    ):
        raise lost(f"tensor {name!r}: malformed shape {shape!r}"[:300])
