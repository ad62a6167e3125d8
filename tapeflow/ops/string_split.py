"""`tf.strings` that cut strings into pieces: split, bytes_split, unicode decode/encode/split
and ngrams. A scalar input gives a dense vector; a vector gives a `RaggedTensor` (one row
per string), as in TF, and higher ranks keep their dense dimensions as uniform rows.

The ops return (values, row_splits) pairs; the public functions wrap them.
"""

from __future__ import annotations

import codecs
import threading

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.ragged import RaggedTensor
from ..core.registry import Sample, op
from ..core.string_values import bytes_array
from ..core.tensor import convert_to_tensor, wrap
from . import _args
from .array import reshape
from .strings import _string_input, strings_sample


def _vector_sample(rng):
    return strings_sample(rng, (4,))


def _splits_of(lengths) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64)


def _rows_to_parts(rows, make_values):
    """(values, row_splits) of a list of per-row lists."""
    flat = [item for row in rows for item in row]
    return make_values(flat), _splits_of([len(row) for row in rows])


def _wrap_rows(x, values, splits):
    """The public result for input `x` (any rank) whose strings were cut into rows."""
    if x.ndim == 0:
        return values
    result = RaggedTensor.from_row_splits(values, splits, validate=False)
    for dim in reversed(x.shape.as_list()[1:]):
        result = RaggedTensor.from_uniform_row_length(result, dim, validate=False)
    return result


def _flat_strings(x):
    return x if x.ndim == 1 else reshape(x, [-1])


# ---- split -----------------------------------------------------------------------------------


@op(
    "StringSplitV2",
    differentiable=False,
    strings=True,
    host=True,
    multiple_outputs=True,
    samples=[
        Sample(_vector_sample, sep=None, maxsplit=-1),
        Sample(_vector_sample, sep="l", maxsplit=1),
    ],
)
def _string_split(x, sep, maxsplit):
    sep_bytes = sep.encode() if sep else None
    rows = [s.split(sep_bytes, maxsplit) for s in x.reshape(-1).tolist()]
    return _rows_to_parts(rows, lambda flat: bytes_array(flat, (len(flat),)))


def split(input, sep=None, maxsplit=-1, name=None):
    """Splits each string at `sep` (runs of whitespace when None or ""), at most
    `maxsplit` times. A scalar gives a vector; higher ranks give a RaggedTensor."""
    if isinstance(input, RaggedTensor):  # splits the values: one more ragged dimension
        return input.with_flat_values(split(input.flat_values, sep, maxsplit))
    x = _string_input(input, "StringSplitV2")
    if isinstance(sep, bytes):
        sep = sep.decode("utf-8")
    values, splits = _string_split(_flat_strings(x), sep=sep or None, maxsplit=int(maxsplit))
    return _wrap_rows(x, values, splits)


@op(
    "StringBytesSplit",
    differentiable=False,
    strings=True,
    host=True,
    multiple_outputs=True,
    samples=[Sample(_vector_sample)],
)
def _bytes_split(x):
    rows = [[s[i : i + 1] for i in range(len(s))] for s in x.reshape(-1).tolist()]
    return _rows_to_parts(rows, lambda flat: bytes_array(flat, (len(flat),)))


def bytes_split(input, name=None):
    """Splits each string into its bytes (one-byte strings)."""
    x = _string_input(input, "StringBytesSplit")
    values, splits = _bytes_split(_flat_strings(x))
    return _wrap_rows(x, values, splits)


# ---- unicode ---------------------------------------------------------------------------------

_ENCODINGS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}
_ERRORS = ("replace", "ignore", "strict")
_replacement = threading.local()


def _replace_with_chosen(error):
    # Python's "replace" handler marks the same maximal invalid subsequences as ICU does;
    # this one substitutes the caller's replacement character for each of them.
    return chr(_replacement.char), error.end


codecs.register_error("tapeflow.replace", _replace_with_chosen)


def _python_encoding(encoding, op_name) -> str:
    if not isinstance(encoding, str):
        raise TypeError(f"{op_name}: encoding must be a string, got {encoding!r}")
    try:
        return _ENCODINGS[encoding.upper()]
    except KeyError:
        raise InvalidArgumentError(
            f"{op_name}: encoding must be one of {sorted(_ENCODINGS)}, got {encoding!r}"
        ) from None


def _check_errors(errors, op_name):
    if errors not in _ERRORS:
        raise InvalidArgumentError(f"{op_name}: errors must be one of {_ERRORS}, got {errors!r}")


def _decode(s: bytes, encoding, errors, replacement_char, replace_control) -> str:
    if errors == "strict":
        try:
            text = s.decode(encoding)
        except UnicodeDecodeError:
            raise InvalidArgumentError(
                "UnicodeDecode: Invalid formatting on input string"
            ) from None
    elif errors == "ignore":
        text = s.decode(encoding, "ignore")
    else:
        _replacement.char = replacement_char
        text = s.decode(encoding, "tapeflow.replace")
    if replace_control:
        text = "".join(chr(replacement_char) if ord(c) < 0x20 else c for c in text)
    return text


@op(
    "UnicodeDecode",
    differentiable=False,
    strings=True,
    host=True,
    multiple_outputs=True,
    samples=[
        Sample(
            _vector_sample,
            input_encoding="UTF-8",
            errors="replace",
            replacement_char=65533,
            replace_control_characters=False,
        )
    ],
)
def _unicode_decode(x, input_encoding, errors, replacement_char, replace_control_characters):
    enc = _python_encoding(input_encoding, "UnicodeDecode")
    rows = [
        [ord(c) for c in _decode(s, enc, errors, replacement_char, replace_control_characters)]
        for s in x.reshape(-1).tolist()
    ]
    return _rows_to_parts(rows, lambda flat: np.asarray(flat, dtype=np.int32).reshape(-1))


def unicode_decode(
    input,
    input_encoding,
    errors="replace",
    replacement_char=65533,
    replace_control_characters=False,
    name=None,
):
    """The Unicode code points (int32) of each string: a vector for a scalar, else ragged."""
    x = _string_input(input, "UnicodeDecode")
    _check_errors(errors, "UnicodeDecode")
    values, splits = _unicode_decode(
        _flat_strings(x),
        input_encoding=input_encoding,
        errors=errors,
        replacement_char=int(replacement_char),
        replace_control_characters=bool(replace_control_characters),
    )
    return _wrap_rows(x, values, splits)


@op(
    "UnicodeSplit",
    differentiable=False,
    strings=True,
    host=True,
    multiple_outputs=True,
    samples=[
        Sample(_vector_sample, input_encoding="UTF-8", errors="replace", replacement_char=65533)
    ],
)
def _unicode_split(x, input_encoding, errors, replacement_char):
    enc = _python_encoding(input_encoding, "UnicodeSplit")
    rows = [
        [c.encode(enc, "surrogatepass") for c in _decode(s, enc, errors, replacement_char, False)]
        for s in x.reshape(-1).tolist()
    ]
    return _rows_to_parts(rows, lambda flat: bytes_array(flat, (len(flat),)))


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533, name=None):
    """Splits each string into its characters (each a string in `input_encoding`)."""
    x = _string_input(input, "UnicodeSplit")
    _check_errors(errors, "UnicodeSplit")
    values, splits = _unicode_split(
        _flat_strings(x),
        input_encoding=input_encoding,
        errors=errors,
        replacement_char=int(replacement_char),
    )
    return _wrap_rows(x, values, splits)


def _codepoints_sample(rng):
    return rng.integers(97, 123, size=5).astype(np.int32)


@op(
    "UnicodeEncode",
    differentiable=False,
    host=True,
    multiple_outputs=False,
    same_dtype=(),
    samples=[
        Sample(
            _codepoints_sample,
            lambda rng: np.array([0, 2, 2, 5], np.int64),
            output_encoding="UTF-8",
            errors="replace",
            replacement_char=65533,
        )
    ],
)
def _unicode_encode(codepoints, splits, output_encoding, errors, replacement_char):
    enc = _python_encoding(output_encoding, "UnicodeEncode")
    cps = codepoints.tolist()
    out = []
    for start, stop in zip(splits[:-1].tolist(), splits[1:].tolist()):
        chars = []
        for cp in cps[start:stop]:
            if 0 <= cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF:
                chars.append(chr(cp))
            elif errors == "strict":
                raise InvalidArgumentError(f"UnicodeEncode: invalid code point {cp}")
            elif errors == "replace":
                chars.append(chr(replacement_char))
        out.append("".join(chars).encode(enc))
    return bytes_array(out, (len(out),))


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533, name=None):
    """Encodes the code points along the last (possibly ragged) dimension into strings."""
    _check_errors(errors, "UnicodeEncode")
    attrs = dict(
        output_encoding=output_encoding, errors=errors, replacement_char=int(replacement_char)
    )
    if isinstance(input, RaggedTensor):
        if isinstance(input.values, RaggedTensor):
            return input.with_values(unicode_encode(input.values, output_encoding, errors))
        codepoints = _codepoints(input.values)
        return _unicode_encode(codepoints, input.row_splits, **attrs)
    x = _codepoints(input)
    if x.ndim == 0:
        raise InvalidArgumentError("UnicodeEncode: input must have rank >= 1, got a scalar")
    shape = x.shape.as_list()
    nrows = int(np.prod(shape[:-1], dtype=np.int64))
    splits = wrap(xp.arange(nrows + 1, dtype=np.int64) * shape[-1])
    encoded = _unicode_encode(reshape(x, [-1]), splits, **attrs)
    return encoded[0] if len(shape) == 1 else reshape(encoded, shape[:-1])


def _codepoints(x):
    t = convert_to_tensor(x, dtype_hint=dtypes.int32)
    if t.dtype != dtypes.int32:
        raise InvalidArgumentError(
            f"UnicodeEncode: expected int32 code points, got {t.dtype.name}"
        )
    return t


# ---- ngrams ----------------------------------------------------------------------------------


@op(
    "StringNGrams",
    differentiable=False,
    strings=True,
    host=True,
    multiple_outputs=True,
    same_dtype=(),
    samples=[
        Sample(
            _vector_sample,
            lambda rng: np.array([0, 1, 4], np.int64),
            separator=" ",
            ngram_widths=(1, 2),
            left_pad="",
            right_pad="",
            pad_width=0,
            preserve_short_sequences=False,
        )
    ],
)
def _string_ngrams(
    data, data_splits, separator, ngram_widths, left_pad, right_pad, pad_width,
    preserve_short_sequences,
):  # fmt: skip
    sep = separator.encode()
    left, right = left_pad.encode(), right_pad.encode()
    items = data.tolist()
    rows = []
    for start, stop in zip(data_splits[:-1].tolist(), data_splits[1:].tolist()):
        row = items[start:stop]
        out = []
        for width in ngram_widths:
            pad = min(pad_width if pad_width >= 0 else width - 1, width - 1)
            padded = [left] * pad + row + [right] * pad
            out.extend(sep.join(padded[i : i + width]) for i in range(len(padded) - width + 1))
        if not out and preserve_short_sequences and row:
            pad = min(pad_width if pad_width >= 0 else 0, max(ngram_widths) - 1)
            out.append(sep.join([left] * pad + row + [right] * pad))
        rows.append(out)
    return _rows_to_parts(rows, lambda flat: bytes_array(flat, (len(flat),)))


def ngrams(
    data,
    ngram_width,
    separator=" ",
    pad_values=None,
    padding_width=None,
    preserve_short_sequences=False,
    name=None,
):
    """The n-grams (joined with `separator`) of each row of `data` (a vector: one row, or a
    RaggedTensor), for one width or several; `pad_values` pads each row at both ends."""
    widths = _args.vector(ngram_width, "StringNGrams", "ngram_width", cast_floats=False)
    if any(w < 1 for w in widths):
        raise InvalidArgumentError(f"StringNGrams: ngram widths must be >= 1, got {widths}")
    if pad_values is None:
        left = right = ""
        pad_width = 0
    else:
        if isinstance(pad_values, (str, bytes)):
            pad_values = (pad_values, pad_values)
        left, right = (v.decode() if isinstance(v, bytes) else str(v) for v in pad_values)
        if padding_width is not None and int(padding_width) < 1:
            raise InvalidArgumentError("StringNGrams: padding_width must be >= 1 or None")
        pad_width = -1 if padding_width is None else int(padding_width)
    attrs = dict(
        separator=separator,
        ngram_widths=widths,
        left_pad=left,
        right_pad=right,
        pad_width=pad_width,
        preserve_short_sequences=bool(preserve_short_sequences),
    )
    if isinstance(data, RaggedTensor):
        values, splits = _string_ngrams(data.values, data.row_splits, **attrs)
        return RaggedTensor.from_row_splits(values, splits, validate=False)
    x = _string_input(data, "StringNGrams")
    if x.ndim != 1:
        raise InvalidArgumentError(
            f"StringNGrams: dense input must be a vector (use a RaggedTensor for rows), got "
            f"shape {x.shape}"
        )
    splits = wrap(xp.array([0, x.shape[0]], np.int64))
    values, _ = _string_ngrams(x, splits, **attrs)
    return values


API = {
    "strings": [
        "split",
        "bytes_split",
        "unicode_decode",
        "unicode_encode",
        "unicode_split",
        "ngrams",
    ],
}
