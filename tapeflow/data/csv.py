"""`tf.data.experimental.make_csv_dataset`: CSV files to batches of {column name: tensor}.

As TF's: column names from the header, column types inferred from the first
`num_rows_for_inference` records (int32, then int64, float32, float64, string: the least
permissive type every value fits; empty and NA fields say nothing), files listed with
`list_files`, records shuffled and repeated, then batched into an OrderedDict (with the
label column popped into `(features, label)` when `label_name` is given).
"""

from __future__ import annotations

import collections
import csv as _csv
import gzip
import io

import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from .text import CsvDataset, filenames_of, list_files

_TYPES = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64, dtypes.string)


def _fits(text: str, dtype) -> bool:
    try:
        if dtype == dtypes.int32:
            return np.int32(text) == np.int64(text)
        if dtype == dtypes.int64:
            np.int64(text)
            return True
        if dtype in (dtypes.float32, dtypes.float64):
            with np.errstate(over="ignore"):
                return bool(dtype.as_numpy_dtype(text) < np.inf)
    except (ValueError, OverflowError):
        return False
    return True


def infer_type(text: str, na_value: str, previous):
    """The least permissive type that holds `text` and every value seen before it."""
    if text in ("", na_value):
        return previous
    start = 0 if previous is None else _TYPES.index(previous)
    for dtype in _TYPES[start:]:
        if _fits(text, dtype):
            return dtype
    return dtypes.string


def _text_rows(filenames, field_delim, use_quote_delim, header, compression):
    quoting = _csv.QUOTE_MINIMAL if use_quote_delim else _csv.QUOTE_NONE
    for name in filenames:
        with _open_text(name, compression) as f:
            rows = _csv.reader(f, delimiter=field_delim, quoting=quoting)
            if header:
                next(rows, None)
            yield from rows


def _open_text(name, compression):
    if compression == "GZIP":
        return io.TextIOWrapper(gzip.open(name, "rb"), encoding="utf-8", newline="")
    if compression == "ZLIB":
        raise ValueError("`compression_type` ZLIB is not supported for probing columns.")
    return open(name, encoding="utf-8", newline="")


def _header(filenames, field_delim, use_quote_delim, compression) -> list[str]:
    quoting = _csv.QUOTE_MINIMAL if use_quote_delim else _csv.QUOTE_NONE
    names = None
    for name in filenames:
        with _open_text(name, compression) as f:
            row = next(_csv.reader(f, delimiter=field_delim, quoting=quoting), None)
        if row is None:
            raise ValueError(
                f"Failed when reading the header line of {name}. Is it an empty file?"
            )
        if names is None:
            names = row
        elif row != names:
            raise ValueError(
                f"All input CSV files should have the same column names in the header row. "
                f"File {name} has different column names."
            )
    return names


def _column_indices(select_columns, column_names) -> list[int]:
    index = {n: i for i, n in enumerate(column_names)}
    out = []
    for v in select_columns:
        if isinstance(v, int):
            if not 0 <= v < len(column_names):
                raise ValueError(
                    f"Column index {v} specified in `select_columns` should be > 0  and <= "
                    f"{len(column_names)}, which is the number of columns."
                )
            out.append(v)
        elif v not in index:
            raise ValueError(
                f"Column {v} specified in `select_columns` must be of one of the columns: "
                f"{index.keys()}."
            )
        else:
            out.append(index[v])
    if len(set(out)) != len(out):
        raise ValueError(f"The `select_columns` argument contains duplicate columns: {out}.")
    return sorted(out)


def make_csv_dataset(
    file_pattern,
    batch_size,
    column_names=None,
    column_defaults=None,
    label_name=None,
    select_columns=None,
    field_delim=",",
    use_quote_delim=True,
    na_value="",
    header=True,
    num_epochs=None,
    shuffle=True,
    shuffle_buffer_size=10000,
    shuffle_seed=None,
    prefetch_buffer_size=None,
    num_parallel_reads=None,
    sloppy=False,
    num_rows_for_inference=100,
    compression_type=None,
    ignore_errors=False,
    encoding="utf-8",
):
    """Batches of `OrderedDict(column name -> tensor)` read from CSV files.

    Column names come from the header (or `column_names`), types and defaults from the
    first `num_rows_for_inference` records (or `column_defaults`). With `label_name`, each
    element is `(features, label)`. `num_epochs=None` repeats forever (and drops the last
    partial batch, as TF); `shuffle` shuffles files and records.
    """
    if ignore_errors:
        raise NotImplementedError("make_csv_dataset: ignore_errors=True is not supported")
    filenames = sorted({f for p in filenames_of(file_pattern, "file_pattern") for f in _glob(p)})
    if not filenames:
        raise InvalidArgumentError(f"No files matched pattern: {file_pattern}")
    compression = "" if compression_type is None else str(compression_type).upper()
    if column_names is None:
        if not header:
            raise ValueError("Expected `column_names` or `header` arguments. Neither is provided.")
        column_names = _header(filenames, field_delim, use_quote_delim, compression)
    column_names = list(column_names)
    if len(column_names) != len(set(column_names)):
        raise ValueError(
            "Either `column_names` argument or CSV header row contains duplicate column names."
        )
    selected = None if select_columns is None else _column_indices(select_columns, column_names)
    if column_defaults is not None:
        defaults = list(column_defaults)  # a dtype makes its column required
    else:
        defaults = _infer_defaults(
            filenames, column_names, selected, field_delim, use_quote_delim, na_value, header,
            num_rows_for_inference, compression,
        )  # fmt: skip
    if selected is not None and len(defaults) != len(selected):
        raise ValueError(
            f"If specified, `column_defaults` and `select_columns` must have the same length: "
            f"`column_defaults` has length {len(defaults)}, `select_columns` has length "
            f"{len(selected)}."
        )
    if selected is not None and len(column_names) > len(selected):
        column_names = [column_names[i] for i in selected]
    if label_name is not None and label_name not in column_names:
        raise ValueError(
            f"`label_name` provided must be one of the columns: {column_names}. Received: "
            f"{label_name}."
        )

    dataset = list_files(filenames, shuffle=shuffle, seed=shuffle_seed)
    dataset = dataset.interleave(
        lambda filename: CsvDataset(
            filename,
            defaults,
            compression_type=compression_type,
            header=header,
            field_delim=field_delim,
            use_quote_delim=use_quote_delim,
            na_value=na_value,
            select_cols=selected,
        ),
        cycle_length=num_parallel_reads or 1,
    )
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    dataset = dataset.batch(batch_size, drop_remainder=num_epochs is None)

    def to_dict(*columns):
        features = collections.OrderedDict(zip(column_names, columns))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    return dataset.map(to_dict)


def _glob(pattern):
    import glob

    return glob.glob(pattern)


def _infer_defaults(filenames, column_names, selected, field_delim, use_quote_delim, na_value,
                    header, num_rows, compression):  # fmt: skip
    columns = range(len(column_names)) if selected is None else selected
    inferred = [None] * len(columns)
    rows = _text_rows(filenames, field_delim, use_quote_delim, header, compression)
    for i, row in enumerate(rows):
        if num_rows is not None and i >= num_rows:
            break
        if len(row) != len(column_names):
            raise InvalidArgumentError(
                f"make_csv_dataset: a record has {len(row)} fields, the header names "
                f"{len(column_names)} columns"
            )
        for j, col in enumerate(columns):
            inferred[j] = infer_type(row[col], na_value, inferred[j])
    return [
        [""] if t in (None, dtypes.string) else np.array([0], t.as_numpy_dtype) for t in inferred
    ]
