"""Reading tapeflow's tensor file as untrusted input: the header is read and checked first
(size caps, dtypes, ranks, offsets, overlaps, sizes against the file's real length), then
the payload is streamed, keeping only the arrays the caller selects and hashing every byte;
nothing is returned until the checksum matches. See `safe_format` for the layout."""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Iterable

import numpy as np

from ..core.errors import DataLossError, NotFoundError
from . import safe_json
from .tensor_layout import (
    ALLOWED_KINDS,
    CHUNK,
    DTYPE_RE,
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
        buf = memoryview(bytearray(min(n, CHUNK)))
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
        head = reader.read(min(size, PREAMBLE.size))
        if size < PREAMBLE.size or head[:8] != MAGIC:
            if MAGIC.startswith(head[:8]):
                raise lost(f"truncated: only {size} bytes, shorter than the fixed header")
            raise lost(f"not a tapeflow tensor file ({_describe_foreign(head[:8])})")
        _, version, _, header_len = PREAMBLE.unpack(head)
        if version != FORMAT_VERSION:
            raise lost(
                f"unsupported format version {version}; this tapeflow reads version "
                f"{FORMAT_VERSION}"
            )
        header_end = PREAMBLE.size + header_len
        if header_end + TRAILER_SIZE > size:
            raise lost(
                f"truncated: the header alone needs {header_end + TRAILER_SIZE} bytes, "
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
        start = aligned(header_end)
        # The header's own size claim gives the clearest message for a cut-off file.
        if isinstance(header, dict) and _is_count(header.get("payload_nbytes")):
            expected = start + header["payload_nbytes"] + TRAILER_SIZE
            if size < expected:
                raise lost(f"truncated: expected {expected} bytes, the file has {size}")
            if size > expected:
                raise lost(f"{size - expected} unexpected bytes after the end of the data")
        payload_size = size - TRAILER_SIZE - start
        try:
            if header is None:
                raise lost(problem)
            self.entries, self.metadata = _checked_header(header, payload_size, lost)
        except DataLossError:
            # The checksum decides between a corrupted file and a well-formed but wrong one.
            reader.skip(size - TRAILER_SIZE - header_end)
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
    if entry.dtype == STRING:
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
    trailer = reader.read(TRAILER_SIZE)
    if not trailer.startswith(TRAILER_TAG):
        raise lost("truncated or corrupted: the end marker is missing")
    if body_digest != trailer[len(TRAILER_TAG) :]:
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
    if dtype_str == STRING:
        _check_shape(name, shape, lost)
        if not (_is_count(offset) and _is_count(nbytes)):
            raise lost(f"tensor {name!r}: malformed offset {offset!r} or size {nbytes!r}")
        if 8 * math.prod(shape) > nbytes:  # checked again when read: refused before allocating
            raise lost(
                f"tensor {name!r}: {nbytes} bytes cannot hold {math.prod(shape)} string lengths"
            )
        return TensorEntry(name, STRING, tuple(shape), offset, nbytes)
    if not (isinstance(dtype_str, str) and DTYPE_RE.match(dtype_str)):
        raise lost(
            f"tensor {name!r}: dtype {dtype_str!r} is not allowed (only little-endian "
            f"bool, integer, float and complex)"[:300]
        )
    try:
        dtype = np.dtype(dtype_str)
    except TypeError:
        raise lost(f"tensor {name!r}: unknown dtype {dtype_str!r}") from None
    if dtype.kind not in ALLOWED_KINDS or dtype.str != dtype_str:
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
