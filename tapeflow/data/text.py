"""File sources of `tf.data`: `TextLineDataset`, `CsvDataset` and `Dataset.list_files`.

Files are read lazily, line by line, uncompressed or GZIP/ZLIB. CSV records are parsed by
the `DecodeCSV` kernel (looked up in the op registry: `tf.io.decode_csv`'s rules), in
chunks; a record may span lines inside a quoted field. Errors name the file and line.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from ..core import dtypes, string_values
from ..core.errors import InvalidArgumentError, NotFoundError
from ..core.registry import get_op
from ..core.spec import TensorSpec
from ..core.tensor import Operand, convert_to_tensor
from .dataset import UNKNOWN_CARDINALITY, Dataset

_CHUNK = 1024  # CSV records parsed per DecodeCSV call


def filenames_of(filenames, what="filenames") -> list[str]:
    """A string, a list of strings, a string tensor or a dataset of file names as a list."""
    if isinstance(filenames, Dataset):
        names = [a.reshape(()).item() for (a,) in filenames._iter_flat()]
    elif isinstance(filenames, (str, bytes, os.PathLike)):
        names = [os.fspath(filenames)]
    else:
        if not isinstance(filenames, Operand):  # a list: paths as TF converts them, to text
            filenames = [os.fspath(n) if isinstance(n, os.PathLike) else n for n in filenames]
        t = filenames if isinstance(filenames, Operand) else convert_to_tensor(list(filenames))
        if t.dtype != dtypes.string:
            raise TypeError(f"`{what}` must be strings, got {t.dtype.name}")
        names = t._value.reshape(-1).tolist()
    return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in names]


def _compression(compression_type) -> str:
    kind = "" if compression_type is None else str(compression_type).upper()
    if kind not in ("", "GZIP", "ZLIB"):
        raise InvalidArgumentError(
            f"Unsupported compression_type: {compression_type!r} (expected None, '', 'GZIP' "
            f"or 'ZLIB')"
        )
    return kind


def read_lines(path: str, compression: str):
    """The lines of a file as bytes, without their '\\n' (or '\\r\\n')."""
    try:
        if compression == "GZIP":
            f = gzip.open(path, "rb")
        elif compression == "ZLIB":
            with open(path, "rb") as raw:
                data = zlib.decompress(raw.read())
            yield from _split_lines(data)
            return
        else:
            f = open(path, "rb")  # noqa: SIM115 - closed below, also on early exit
    except FileNotFoundError:
        raise NotFoundError(f"{path}; No such file or directory") from None
    try:
        for line in f:
            yield _strip_newline(line)
    except (OSError, EOFError, zlib.error) as e:
        raise InvalidArgumentError(
            f"{path}: cannot read it as {compression or 'text'}: {e}"
        ) from e
    finally:
        f.close()


def _split_lines(data: bytes):
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for line in lines:
        yield line[:-1] if line.endswith(b"\r") else line


def _strip_newline(line: bytes) -> bytes:
    if line.endswith(b"\n"):
        line = line[:-1]
    return line[:-1] if line.endswith(b"\r") else line


def _scalar(value: bytes) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = value
    return out


class FileRecords(Dataset):
    """Records of several files as scalar strings (`_records(path)` yields one file's), one
    file after another or, with `num_parallel_reads`, that many files at once, one record
    from each in turn (TF's deterministic interleave; -1: every file at once)."""

    def __init__(self, filenames, compression_type, num_parallel_reads):
        super().__init__()
        self._files = filenames_of(filenames)
        self._compression = _compression(compression_type)
        self._parallel = num_parallel_reads
        self._spec_value = TensorSpec((), dtypes.string)

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _records(self, path):
        raise NotImplementedError

    def _iter_flat(self):
        parallel = self._parallel
        if isinstance(parallel, Operand):
            parallel = int(parallel.numpy())
        width = len(self._files) if parallel and parallel < 0 else int(parallel or 1)
        pending, active = list(self._files), []
        while pending or active:
            while pending and len(active) < width:
                active.append(self._records(pending.pop(0)))
            for it in list(active):
                record = next(it, None)
                if record is None:
                    active.remove(it)
                else:
                    yield (_scalar(record),)


class TextLineDataset(FileRecords):
    """`tf.data.TextLineDataset`: the lines of one or more text files, as scalar strings.

    Args:
        filenames: a file name, a list or string tensor of them, or a dataset of them.
        compression_type: None or "" (plain), "GZIP" or "ZLIB".
        buffer_size: accepted for compatibility.
        num_parallel_reads: read that many files at once, one line from each in turn (as
            TF's deterministic interleave); None reads the files one after the other.
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):  # fmt: skip
        super().__init__(filenames, compression_type, num_parallel_reads)

    def _records(self, path):
        return read_lines(path, self._compression)


def csv_records(lines, use_quote_delim: bool):
    """(line number, record) pairs: lines joined while a quoted field is still open."""
    open_record, start = None, 0
    for number, line in enumerate(lines, 1):
        if open_record is None:
            open_record, start = line, number
        else:
            open_record += b"\n" + line
        if not use_quote_delim or open_record.count(b'"') % 2 == 0:
            yield start, open_record
            open_record = None
    if open_record is not None:
        yield start, open_record


class CsvDataset(Dataset):
    """`tf.data.experimental.CsvDataset`: one tuple of scalars per CSV record.

    `record_defaults[i]` is column i's dtype (the column is then required) or a default
    value ([0], [0.0], [""], a tensor) that fills empty and `na_value` fields. `header`
    skips each file's first line; `select_cols` (sorted indices) or `exclude_cols` picks
    columns; quotes follow `tf.io.decode_csv`.
    """

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None,
                 header=False, field_delim=",", use_quote_delim=True, na_value="",
                 select_cols=None, exclude_cols=None, name=None):  # fmt: skip
        super().__init__()
        self._files = filenames_of(filenames)
        self._compression = _compression(compression_type)
        self._defaults = [_default_array(d) for d in record_defaults]
        if select_cols is not None and exclude_cols is not None:
            raise InvalidArgumentError("Either select_cols or exclude_cols should be empty")
        if select_cols is not None:
            cols = [int(c) for c in select_cols]
            if len(cols) != len(self._defaults):
                raise ValueError("Length of select_cols and record_defaults do not match.")
            if any(c < 0 for c in cols) or any(b <= a for a, b in zip(cols, cols[1:])):
                raise InvalidArgumentError(
                    f"select_cols must be non-negative and strictly increasing, got {cols}"
                )
            self._select = tuple(cols)
        else:
            self._select = None
        self._exclude = None if exclude_cols is None else sorted(int(c) for c in exclude_cols)
        if len(field_delim) != 1:
            raise InvalidArgumentError(f"field_delim must be one character, got {field_delim!r}")
        self._attrs = dict(
            field_delim=field_delim, use_quote_delim=bool(use_quote_delim), na_value=na_value
        )
        self._header = bool(header)
        self._spec_value = tuple(
            TensorSpec((), dtypes.from_numpy(d.dtype)) for d in self._defaults
        )

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _select_for(self, n_fields):
        if self._exclude is None:
            return self._select
        return tuple(c for c in range(n_fields) if c not in self._exclude)

    def _iter_flat(self):
        decode = get_op("DecodeCSV").forward
        for path in self._files:
            records = csv_records(
                read_lines(path, self._compression), self._attrs["use_quote_delim"]
            )
            if self._header:
                next(records, None)
            chunk = []
            for item in records:
                chunk.append(item)
                if len(chunk) == _CHUNK:
                    yield from self._decode_chunk(decode, path, chunk)
                    chunk = []
            if chunk:
                yield from self._decode_chunk(decode, path, chunk)

    def _decode_chunk(self, decode, path, chunk):
        lines = [n for n, _ in chunk]
        records = string_values.bytes_array([r for _, r in chunk], (len(chunk),))
        select = self._select
        if self._exclude is not None:
            first = records[0]
            fields = len(first.split(self._attrs["field_delim"].encode()))
            select = self._select_for(fields)
        try:
            columns = decode(
                records, *self._defaults, select_cols=select, label_records=False, **self._attrs
            )
        except InvalidArgumentError as e:
            record = getattr(e, "record", None)
            where = f" line {lines[record]}" if record is not None else ""
            raise InvalidArgumentError(f"CsvDataset: {path}{where}: {e}") from None
        for i in range(len(chunk)):
            yield tuple(c[i : i + 1].reshape(()) for c in columns)


def _default_array(value) -> np.ndarray:
    """A column default as a 1-element array, or an empty one for a required column."""
    if isinstance(value, dtypes.DType) or value is str:
        dt = value if isinstance(value, dtypes.DType) else dtypes.string
        return string_values.empty((0,)) if dt == dtypes.string else np.zeros((0,), dt._np)
    t = convert_to_tensor(value)
    if t.dtype.name not in ("float32", "float64", "int32", "int64", "string"):
        raise InvalidArgumentError(
            f"CsvDataset: record_defaults must be float32, float64, int32, int64 or string, "
            f"got {t.dtype.name}"
        )
    return np.asarray(t.numpy()).reshape(-1)[:1]


def list_files(file_pattern, shuffle=None, seed=None) -> Dataset:
    """`Dataset.list_files`: the files matching one or more glob patterns, as strings."""
    import glob

    patterns = filenames_of(file_pattern, "file_pattern")
    matches = sorted({m for p in patterns for m in glob.glob(p)})
    if not matches:
        raise InvalidArgumentError(
            f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: "
            f"b'No files matched pattern: {', '.join(patterns)}'"
        )
    from .sources import TensorSlices

    names = string_values.bytes_array([m.encode("utf-8") for m in matches], (len(matches),))
    dataset = TensorSlices(names)
    if shuffle is None or shuffle:
        dataset = dataset.shuffle(len(matches), seed=seed)
    return dataset
