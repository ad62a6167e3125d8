"""`tf.io.decode_csv`: CSV records to typed columns, with TF's parsing rules.

A quoted field may hold the delimiter and doubled quotes (`"a ""b"", c"`); an unquoted
field may not hold a quote, and a closing quote must end its field. An empty field, or one
equal to `na_value`, takes the column's default, and a column whose default is empty is
required. Numbers may carry surrounding whitespace; strings are kept as they are.
The `DecodeCSV` kernel here is also what `tf.data.experimental.CsvDataset` runs.
"""

from __future__ import annotations

import numpy as np

from ..core import dtypes, string_values
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor
from .string_convert import _parse

_OUT_TYPES = ("float32", "float64", "int32", "int64", "string")


def split_record(record: bytes, delim: int, use_quote_delim: bool) -> list[bytes]:
    """The fields of one CSV record (TF's rules, see the module docstring)."""
    fields = []
    n = len(record)
    i = 0
    quote = ord('"')
    while True:
        if use_quote_delim and i < n and record[i] == quote:
            parts = []
            i += 1
            while True:
                j = record.find(b'"', i)
                if j < 0:
                    raise InvalidArgumentError(
                        "Quoted field has to end with quote followed by delim or end"
                    )
                parts.append(record[i:j])
                if j + 1 < n and record[j + 1] == quote:
                    parts.append(b'"')
                    i = j + 2
                    continue
                i = j + 1
                break
            if i < n and record[i] != delim:
                raise InvalidArgumentError(
                    "Quote inside a string has to be escaped by another quote"
                )
            fields.append(b"".join(parts))
        else:
            j = record.find(bytes((delim,)), i)
            end = n if j < 0 else j
            field = record[i:end]
            if use_quote_delim and (b'"' in field or b"\r" in field or b"\n" in field):
                raise InvalidArgumentError("Unquoted fields cannot have quotes/CRLFs inside")
            fields.append(field)
            i = end
        if i >= n:
            return fields
        i += 1  # past the delimiter: a trailing one leaves an empty last field
        if i == n:
            fields.append(b"")
            return fields


def convert_field(field: bytes, default: np.ndarray, column: int, where: str, na_value: bytes):
    """One field as a value of its column's type, or its default when empty/NA."""
    if field == b"" or field == na_value:
        if default.size == 0:
            raise InvalidArgumentError(f"Field {column} is required but missing in record{where}!")
        return default.reshape(-1)[0]
    if default.dtype == object:
        return field
    try:
        return _parse(field, default.dtype)
    except InvalidArgumentError:
        name = dtypes.from_numpy(default.dtype).name
        raise InvalidArgumentError(
            f"Field {column} in record{where} is not a valid {name}: "
            f"{field.decode('utf-8', 'backslashreplace')}"
        ) from None


def decode_records(records, defaults, field_delim, use_quote_delim, na_value, select_cols,
                   label_records=True):  # fmt: skip
    """Columns (a list of flat arrays, one per default) of a flat list of records."""
    delim = field_delim.encode()[0]
    na = na_value.encode()
    wanted = list(range(len(defaults))) if select_cols is None else list(select_cols)
    columns = [[] for _ in defaults]
    for r, record in enumerate(records):
        try:
            fields = _record_fields(record, r, delim, use_quote_delim, defaults, select_cols,
                                    wanted, label_records)  # fmt: skip
            where = f" {r}" if label_records else ""
            for k, (col, default) in enumerate(zip(wanted, defaults)):
                columns[k].append(convert_field(fields[col], default, k, where, na))
        except InvalidArgumentError as e:
            e.record = r  # which record failed: a file reader turns it into a line number
            raise
    out = []
    for values, default in zip(columns, defaults):
        if default.dtype == object:
            out.append(string_values.bytes_array(values, (len(values),)))
        else:
            out.append(np.array(values, dtype=default.dtype).reshape(len(values)))
    return out


def _record_fields(record, r, delim, use_quote_delim, defaults, select_cols, wanted,
                   label_records):  # fmt: skip
    where = f" {r}" if label_records else ""
    fields = split_record(record, delim, use_quote_delim)
    if select_cols is None and len(fields) != len(defaults):
        raise InvalidArgumentError(
            f"Expect {len(defaults)} fields but have {len(fields)} in record{where}"
        )
    if select_cols is not None and len(fields) <= wanted[-1]:
        raise InvalidArgumentError(
            f"Expect {wanted[-1] + 1} fields but have {len(fields)} in record{where}"
        )
    return fields


def _records_sample(rng):
    rows = [f"{rng.integers(0, 9)},{rng.uniform():.3f},w{rng.integers(0, 9)}" for _ in range(4)]
    return string_values.bytes_array([r.encode() for r in rows], (4,))


@op(
    "DecodeCSV",
    differentiable=False,
    strings=True,
    host=True,
    same_dtype=(),
    multiple_outputs=True,
    samples=[
        Sample(
            _records_sample,
            np.array([0], np.int32),
            np.array([0.0], np.float32),
            string_values.bytes_array([b""], (1,)),
            field_delim=",",
            use_quote_delim=True,
            na_value="",
            select_cols=None,
        )
    ],
)
def _decode_csv(records, *record_defaults, field_delim, use_quote_delim, na_value, select_cols,
                label_records=True):  # fmt: skip
    columns = decode_records(
        records.reshape(-1).tolist(), record_defaults, field_delim, use_quote_delim, na_value,
        select_cols, label_records,
    )  # fmt: skip
    return tuple(c.reshape(records.shape) for c in columns)


def record_default(value, what="record_defaults") -> Operand:
    """A column default as a Tensor: a value list ([0], [""], [] for a required float
    column) or a tensor; its dtype is the column's."""
    if isinstance(value, (dtypes.DType, type)):
        raise TypeError(f"decode_csv: {what} holds values or tensors, not the type {value!r}")
    t = convert_to_tensor(value)
    if t.dtype.name not in _OUT_TYPES:
        raise InvalidArgumentError(
            f"DecodeCSV: record defaults must be float32, float64, int32, int64 or string, "
            f"got {t.dtype.name}"
        )
    if t.ndim > 1 or t.shape.num_elements() > 1:
        raise InvalidArgumentError(
            f"DecodeCSV: each record default must hold at most one value, got shape {t.shape}"
        )
    return t


def check_select_cols(select_cols, n_defaults):
    if select_cols is None:
        return None
    cols = [int(c) for c in select_cols]
    if len(cols) != n_defaults:
        raise ValueError("Length of select_cols and record_defaults do not match.")
    if any(c < 0 for c in cols) or any(b <= a for a, b in zip(cols, cols[1:])):
        raise ValueError(f"select_cols must be non-negative and strictly increasing, got {cols}")
    return tuple(cols)


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None,
               na_value="", select_cols=None):  # fmt: skip
    """Parses CSV `records` (a string tensor of lines) into one tensor per column.

    `record_defaults[i]` is column i's default value ([0], [0.0], [""]) and fixes its
    dtype; an empty default makes the column required.
    """
    records = convert_to_tensor(records)
    if records.dtype != dtypes.string:
        raise InvalidArgumentError(f"DecodeCSV: records must be strings, got {records.dtype.name}")
    if len(field_delim) != 1:
        raise InvalidArgumentError(
            f"DecodeCSV: field_delim must be one character, got {field_delim!r}"
        )
    defaults = [record_default(d) for d in record_defaults]
    cols = check_select_cols(select_cols, len(defaults))
    return list(
        _decode_csv(
            records,
            *defaults,
            field_delim=field_delim,
            use_quote_delim=bool(use_quote_delim),
            na_value=na_value,
            select_cols=cols,
        )
    )


API = {"io": ["decode_csv"]}
