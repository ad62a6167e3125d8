"""TFRecord files: `tf.data.TFRecordDataset`, `tf.io.TFRecordWriter` / `TFRecordOptions`,
`tf.data.experimental.TFRecordWriter`, and `tf.data.FixedLengthRecordDataset`.

A TFRecord file is a sequence of records, each framed as TensorFlow's record_writer.cc
writes it: the length (uint64, little endian), the masked CRC32C of those 8 bytes, the
data, the masked CRC32C of the data; the whole file optionally GZIP or ZLIB compressed.
Checksums come from Google's CRC32C library (`google-crc32c`, the `tfrecord` extra) and are
verified on every read, as TF does: a mismatch is a `DataLossError` naming the file and the
offset, never a silently wrong record. Files are written to a temporary name and renamed
when the writer closes, so a failed run leaves no half-written file.
"""

from __future__ import annotations

import gzip
import struct
import zlib

import numpy as np

from ..core import dtypes
from ..core.errors import DataLossError, InvalidArgumentError, NotFoundError
from ..core.spec import TensorSpec
from ..core.tensor import Operand
from ..io.atomic import AtomicWriter
from .text import FileRecords, _compression

_HEADER = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_MASK_DELTA = 0xA282EAD8
_CHUNK = 1 << 20  # bytes read at a time


def _crc32c():
    try:
        import google_crc32c
    except ImportError as e:
        raise ImportError(
            "TFRecord files need Google's CRC32C library: pip install 'tapeflow[tfrecord]' "
            "(the google-crc32c package)"
        ) from e
    return google_crc32c.value


def _masked_crc(crc32c, data) -> int:
    """TF's masked CRC: rotate right by 15 bits and add a constant (record_writer.h)."""
    crc = crc32c(bytes(data))
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


# ---- options ------------------------------------------------------------------------------


class TFRecordOptions:
    """`tf.io.TFRecordOptions`: the compression of a TFRecord file (None/"", "GZIP", "ZLIB")
    and zlib's tuning knobs (`compression_level`, `window_bits`, `mem_level`,
    `compression_strategy`; buffer sizes and flush mode are accepted and not needed)."""

    compression_type_map = {"ZLIB": "ZLIB", "GZIP": "GZIP", "": ""}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):  # fmt: skip
        self.compression_type = compression_type
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options) -> str:
        """ "", "GZIP" or "ZLIB" for an options object, a string or None."""
        if options is None:
            return ""
        if isinstance(options, TFRecordOptions):
            return _compression(options.compression_type)
        return _compression(options)


def _options(options) -> TFRecordOptions:
    if isinstance(options, TFRecordOptions):
        return options
    if options is None or isinstance(options, str):
        return TFRecordOptions(options)
    raise TypeError(
        f"TFRecordWriter: options must be a TFRecordOptions or a string, got {options!r}"
    )


# ---- writing ------------------------------------------------------------------------------


class _Compressor:
    """zlib streams in TF's two containers: GZIP (wbits 16+) and ZLIB (a zlib header)."""

    def __init__(self, options: TFRecordOptions, gzip_container: bool):
        level = -1 if options.compression_level is None else int(options.compression_level)
        bits = 15 if options.window_bits is None else int(options.window_bits)
        memory = 9 if options.mem_level is None else int(options.mem_level)
        strategy = 0 if options.compression_strategy is None else int(options.compression_strategy)
        self._z = zlib.compressobj(level, zlib.DEFLATED, bits + 16 if gzip_container else bits,
                                   memory, strategy)  # fmt: skip

    def compress(self, data: bytes) -> bytes:
        return self._z.compress(data)

    def flush(self) -> bytes:
        return self._z.flush()


class TFRecordWriter:
    """`tf.io.TFRecordWriter(path, options=None)`: writes records (bytes or str) to a
    TFRecord file; a context manager. The file appears under `path` when the writer closes
    (`close()`, the end of a `with` block, or the writer being freed); a `with` block left by
    an exception discards it."""

    def __init__(self, path, options=None):
        self._crc32c = _crc32c()
        options = _options(options)
        kind = TFRecordOptions.get_compression_type_string(options)
        self._path = str(path.decode() if isinstance(path, bytes) else path)
        self._compressor = _Compressor(options, kind == "GZIP") if kind else None
        self._file = AtomicWriter(self._path)
        self._closed = False

    def write(self, record) -> None:
        """Appends one record: bytes, or a str (written as UTF-8)."""
        if isinstance(record, str):
            record = record.encode("utf-8")
        elif not isinstance(record, bytes):
            raise TypeError(
                f"TFRecordWriter.write: expected bytes or str, got {type(record).__name__} "
                f"(a string tensor: write(t.numpy()))"
            )
        self._check_open()
        length = _HEADER.pack(len(record))
        frame = b"".join(
            (
                length,
                _CRC.pack(_masked_crc(self._crc32c, length)),
                record,
                _CRC.pack(_masked_crc(self._crc32c, record)),
            )
        )
        self._file.write(self._compressor.compress(frame) if self._compressor else frame)

    def flush(self) -> None:
        """Accepted: the records reach `path` when the writer closes."""
        self._check_open()

    def close(self) -> None:
        """Finishes the file and puts it at `path` (again: nothing)."""
        if self._closed:
            return
        self._closed = True
        if self._compressor is not None:
            self._file.write(self._compressor.flush())
        self._file.commit()

    def _check_open(self):
        if self._closed:
            raise InvalidArgumentError(f"TFRecordWriter for {self._path} is closed")

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is not None and not self._closed:
            self._closed = True
            self._file.discard()
            return False
        self.close()
        return False

    def __del__(self):
        if not getattr(self, "_closed", True):
            self.close()


class DatasetTFRecordWriter:
    """`tf.data.experimental.TFRecordWriter(filename, compression_type=None)`: `write(ds)`
    writes a dataset of scalar strings, one record each."""

    def __init__(self, filename, compression_type=None):
        self._filename = filename
        self._compression = _compression(compression_type)

    def write(self, dataset) -> None:
        spec = dataset.element_spec
        if not isinstance(spec, TensorSpec) or spec.dtype != dtypes.string or spec.shape.rank:
            raise TypeError(
                f"tf.data.experimental.TFRecordWriter: the dataset must hold scalar strings, "
                f"got elements of {spec}"
            )
        with TFRecordWriter(self._filename, self._compression) as writer:
            for (value,) in dataset._iter_flat():
                writer.write(value.reshape(()).item())


# ---- reading ------------------------------------------------------------------------------


def _open(path: str, compression: str):
    """The file's bytes, decompressed (FixedLengthRecordDataset needs the body's length)."""
    with _stream(path, compression) as f:
        return _read(f, path, compression, -1)


class _ZlibReader:
    """A ZLIB-compressed file read as a stream (gzip.open does this for GZIP)."""

    def __init__(self, raw):
        self._raw, self._z, self._pending = raw, zlib.decompressobj(), b""

    def read(self, n: int) -> bytes:
        while n < 0 or len(self._pending) < n:
            chunk = self._raw.read(_CHUNK)
            if not chunk:
                self._pending += self._z.flush()
                break
            self._pending += self._z.decompress(chunk)
        if n < 0:
            n = len(self._pending)
        out, self._pending = self._pending[:n], self._pending[n:]
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._raw.close()


def _stream(path: str, compression: str):
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the returned reader's context
    except FileNotFoundError:
        raise NotFoundError(f"{path}; No such file or directory") from None
    if compression == "GZIP":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "ZLIB":
        return _ZlibReader(raw)
    return raw


def _read(f, path: str, compression: str, n: int) -> bytes:
    """Up to `n` bytes (all with -1), in chunks: a corrupt length field must not make one
    huge allocation."""
    parts, left = [], n
    try:
        while left != 0:
            chunk = f.read(_CHUNK if left < 0 else min(left, _CHUNK))
            if not chunk:
                break
            parts.append(chunk)
            left -= 0 if left < 0 else len(chunk)
    except (OSError, EOFError, zlib.error) as e:
        raise DataLossError(f"{path}: cannot read it as {compression or 'TFRecord'}: {e}") from e
    return b"".join(parts)


def read_records(path: str, compression: str):
    """The records of one TFRecord file, read as a stream, checksums verified."""
    crc32c = _crc32c()
    offset = 0
    with _stream(path, compression) as f:
        while True:
            header = _read(f, path, compression, 12)
            if not header:
                return
            if len(header) < 12:
                raise DataLossError(f"{path}: truncated record at {offset}")
            (stored,) = _CRC.unpack_from(header, 8)
            if stored != _masked_crc(crc32c, header[:8]):
                hint = " (Is this even a TFRecord file?)" if offset == 0 else ""
                raise DataLossError(f"{path}: corrupted record at {offset}{hint}")
            (length,) = _HEADER.unpack_from(header)
            body = _read(f, path, compression, length + 4)
            if len(body) < length + 4:
                raise DataLossError(f"{path}: truncated record at {offset}")
            (stored,) = _CRC.unpack_from(body, length)
            if stored != _masked_crc(crc32c, memoryview(body)[:length]):
                raise DataLossError(f"{path}: corrupted record at {offset + 12}")
            yield body[:length]
            offset += 12 + length + 4


class TFRecordDataset(FileRecords):
    """`tf.data.TFRecordDataset(filenames, compression_type=None, buffer_size=None,
    num_parallel_reads=None)`: the records of TFRecord files as scalar strings (parse them
    with `tf.io.parse_single_example` / `parse_example`)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):  # fmt: skip
        super().__init__(filenames, compression_type, num_parallel_reads)

    def _records(self, path):
        return read_records(path, self._compression)


class FixedLengthRecordDataset(FileRecords):
    """`tf.data.FixedLengthRecordDataset(filenames, record_bytes, header_bytes=None,
    footer_bytes=None, buffer_size=None, compression_type=None, num_parallel_reads=None)`:
    each file's body cut into records of `record_bytes` bytes, as scalar strings."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None,
                 name=None):  # fmt: skip
        super().__init__(filenames, compression_type, num_parallel_reads)
        self._record = _positive("record_bytes", record_bytes)
        self._header = _positive("header_bytes", header_bytes or 0, allow_zero=True)
        self._footer = _positive("footer_bytes", footer_bytes or 0, allow_zero=True)

    def _records(self, path):
        data = _open(path, self._compression)
        body = len(data) - self._header - self._footer
        if body < 0 or body % self._record:
            raise InvalidArgumentError(
                f"Excluding the header ({self._header} bytes) and footer ({self._footer} "
                f'bytes), input file "{path}" has body length {max(body, 0)} bytes, which is '
                f"not an exact multiple of the record length ({self._record} bytes)."
            )
        for start in range(self._header, self._header + body, self._record):
            yield data[start : start + self._record]


def _positive(name, value, allow_zero=False) -> int:
    if isinstance(value, Operand):
        value = value.numpy()
    number = int(np.asarray(value))
    if number < (0 if allow_zero else 1):
        raise InvalidArgumentError(
            f"FixedLengthRecordDataset: {name} must be {'>= 0' if allow_zero else '> 0'}, "
            f"got {number}"
        )
    return number
