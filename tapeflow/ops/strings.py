"""`tf.strings`, elementwise: join, length, case, strip, substrings, hash buckets. Every op
takes and returns NumPy object arrays of `bytes` and has no gradient.

`lower`/`upper` with `encoding="utf-8"` use Python's case mapping, which differs from ICU's
for a few characters (e.g. a one-to-many mapping like "İ"). Regular expressions are in
`string_regex.py`, conversions to and from numbers in `string_convert.py`, splitting in
`string_split.py`; this module also says which existing ops take strings.
"""

from __future__ import annotations

import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError, OutOfRangeError
from ..core.ragged import RaggedTensor
from ..core.registry import Sample, get_op, op
from ..core.string_values import bytes_array
from ..core.tensor import convert_to_tensor
from . import (  # noqa: F401  (registered first)
    _args,
    array,
    array_join,
    fingerprint,
    indexing,
    indexing_nd,
    logic,
    math,
    random,
)
from ._common import normalize_axis

# Existing ops that move string elements around without reading them, and `==`/`!=`.
# Every other op refuses string tensors (registry), except `+`, which joins them as TF does.
STRING_CAPABLE = (
    "Identity StopGradient Reshape Transpose Pack Unpack ConcatV2 SplitV Tile PadV2 "
    "MirrorPad ReverseV2 BroadcastTo GatherV2 GatherNd StridedSlice SelectV2 Equal NotEqual "
    "Shape Size Rank ZerosLike TensorScatterUpdate RandomShuffle ExpandDims Squeeze BroadcastLike "
    "ReshapeLike ReshapeFrom"
).split()


def _allow_strings():
    for name in STRING_CAPABLE:
        get_op(name).strings = True
    get_op("AddV2").string_variant = _string_join  # TF's `+` concatenates strings


def strings_sample(rng, shape=(3, 2)):
    """Random ASCII words (a sample input for the generic op tests)."""
    words = ["", "a", "Tf", "flow", "Hello World", "  pad ", "x1y2", "UPPER case", "42"]
    picks = rng.integers(0, len(words), size=int(np.prod(shape)))
    return bytes_array([words[i].encode() for i in picks], shape)


def _vector_sample(rng):
    return strings_sample(rng, (4,))


STRINGS = [Sample(strings_sample), Sample(lambda rng: strings_sample(rng, ()))]


def map_bytes(fn, x) -> np.ndarray:
    """`fn` applied to every element of an object array of bytes; an array of bytes."""
    return bytes_array([fn(v) for v in x.reshape(-1).tolist()], x.shape)


def map_numbers(fn, x, dtype) -> np.ndarray:
    """`fn` applied to every element of an object array of bytes; a numeric array."""
    flat = x.reshape(-1).tolist()
    return np.fromiter((fn(v) for v in flat), dtype=dtype, count=len(flat)).reshape(x.shape)


def _ragged_aware(fn):
    """Lets an elementwise string function take a RaggedTensor (applied to its values)."""

    def wrapper(input, *args, **kwargs):
        if isinstance(input, RaggedTensor):
            return input.with_flat_values(fn(input.flat_values, *args, **kwargs))
        return fn(input, *args, **kwargs)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def _string_input(x, op_name):
    t = convert_to_tensor(x)
    if t.dtype != dtypes.string:
        raise InvalidArgumentError(f"{op_name}: expected a string tensor, got {t.dtype.name}")
    return t


# ---- joining ------------------------------------------------------------------------------


@op(
    "StringJoin",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(strings_sample, strings_sample, separator="-")],
)
def _string_join(*inputs, separator=""):
    if not inputs:
        return np.asarray(b"", dtype=object)
    arrays = np.broadcast_arrays(*inputs)
    sep = separator.encode() if isinstance(separator, str) else separator
    flats = [a.reshape(-1).tolist() for a in arrays]
    return bytes_array([sep.join(parts) for parts in zip(*flats)], arrays[0].shape)


def join(inputs, separator="", name=None):
    """Joins the strings of `inputs` (tensors of one shape, or scalars) elementwise."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"StringJoin: Expected list for 'inputs' argument, not {type(inputs).__name__} "
            f"{inputs!r}"
        )
    if any(isinstance(x, RaggedTensor) for x in inputs):  # joins value by value
        from .ragged_dispatch import elementwise

        inputs = [x if isinstance(x, RaggedTensor) else _string_input(x, "StringJoin")
                  for x in inputs]  # fmt: skip
        return elementwise(_string_join, inputs, {"separator": separator})
    tensors = [_string_input(x, "StringJoin") for x in inputs]
    return _string_join(*tensors, separator=separator)


@op(
    "ReduceJoin",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(strings_sample, axis=(1,), keepdims=False, separator=",")],
)
def _reduce_join(x, axis, keepdims, separator):
    axes = tuple(range(x.ndim)) if axis is None else axis
    kept = [d for d in range(x.ndim) if d not in axes]
    moved = np.transpose(x, kept + list(axes))
    joined = int(np.prod([x.shape[d] for d in axes]))  # -1 cannot size an empty reshape
    rows = moved.reshape(tuple(x.shape[d] for d in kept) + (joined,))
    sep = separator.encode()
    n_out = int(np.prod(rows.shape[:-1]))
    out = bytes_array([sep.join(r) for r in rows.reshape(n_out, joined).tolist()], rows.shape[:-1])
    if keepdims:
        out = out.reshape(tuple(1 if d in axes else x.shape[d] for d in range(x.ndim)))
    return out


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Joins the strings along `axis` (all axes for None), in row-major order."""
    x = _string_input(inputs, "ReduceJoin")
    if axis is not None:
        found = _args.int_array(axis, "ReduceJoin", "axis").reshape(-1)
        for a in found:
            if not -x.ndim <= a < x.ndim:  # TF's error type for this op is OutOfRangeError
                raise OutOfRangeError(
                    f"ReduceJoin: Invalid reduction dimension {int(a)} for input with "
                    f"{x.ndim} dimension(s)"
                )
        axis = found.tolist()
    axes = normalize_axis(axis, x.ndim)
    return _reduce_join(x, axis=axes, keepdims=bool(keepdims), separator=separator)


# ---- length, case, whitespace ------------------------------------------------------------


def _check_unit(unit, op_name):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise InvalidArgumentError(f'{op_name}: unit must be "BYTE" or "UTF8_CHAR", got {unit!r}')


def _utf8_length(s: bytes) -> int:
    # TF counts the bytes that start a character, so invalid UTF-8 still has a length.
    try:
        return len(s.decode("utf-8"))
    except UnicodeDecodeError:
        return sum(1 for b in s if b & 0xC0 != 0x80)


@op(
    "StringLength",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(strings_sample, unit="BYTE"), Sample(strings_sample, unit="UTF8_CHAR")],
)
def _string_length(x, unit):
    _check_unit(unit, "StringLength")
    return map_numbers(len if unit == "BYTE" else _utf8_length, x, np.int32)


@_ragged_aware
def length(input, unit="BYTE", name=None):
    """The length of each string in bytes, or in UTF-8 characters (`unit="UTF8_CHAR"`)."""
    return _string_length(_string_input(input, "StringLength"), unit=unit)


def _utf8_case(method):
    return lambda s: getattr(s.decode("utf-8", "surrogateescape"), method)().encode(
        "utf-8", "surrogateescape"
    )


@op(
    "StringLower",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(strings_sample, encoding=""), Sample(strings_sample, encoding="utf-8")],
)
def _string_lower(x, encoding):
    return map_bytes(bytes.lower if not encoding else _utf8_case("lower"), x)


@op(
    "StringUpper",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(strings_sample, encoding=""), Sample(strings_sample, encoding="utf-8")],
)
def _string_upper(x, encoding):
    return map_bytes(bytes.upper if not encoding else _utf8_case("upper"), x)


def _check_encoding(encoding, op_name):
    if encoding not in ("", "utf-8", "UTF-8"):
        raise InvalidArgumentError(f'{op_name}: encoding must be "" or "utf-8", got {encoding!r}')
    return encoding.lower()


@_ragged_aware
def lower(input, encoding="", name=None):
    """Lowercase: ASCII letters only, or every letter with `encoding="utf-8"`."""
    enc = _check_encoding(encoding, "StringLower")
    return _string_lower(_string_input(input, "StringLower"), encoding=enc)


@_ragged_aware
def upper(input, encoding="", name=None):
    """Uppercase: ASCII letters only, or every letter with `encoding="utf-8"`."""
    enc = _check_encoding(encoding, "StringUpper")
    return _string_upper(_string_input(input, "StringUpper"), encoding=enc)


@op("StringStrip", differentiable=False, strings=True, host=True, samples=STRINGS)
def _string_strip(x):
    return map_bytes(bytes.strip, x)  # ASCII whitespace, as absl::StripAsciiWhitespace


@_ragged_aware
def strip(input, name=None):
    """Removes leading and trailing ASCII whitespace."""
    return _string_strip(_string_input(input, "StringStrip"))


# ---- substrings ------------------------------------------------------------------------------


def _substr_one(s: bytes, pos: int, length: int, unit: str, index: int):
    seq = s if unit == "BYTE" else s.decode("utf-8", "surrogateescape")
    n = len(seq)
    if pos < -n or pos > n:
        raise InvalidArgumentError(
            f"Substr: pos {pos} out of range for string {s!r} at index {index}"
        )
    if pos < 0:
        pos += n
    piece = seq[pos : pos + max(length, 0)]
    return piece if unit == "BYTE" else piece.encode("utf-8", "surrogateescape")


@op(
    "Substr",
    differentiable=False,
    strings=True,
    host=True,
    same_dtype=(1, 2),
    samples=[Sample(strings_sample, np.int32(0), np.int32(2), unit="BYTE")],
)
def _substr(x, pos, length, unit):
    _check_unit(unit, "Substr")
    xs, ps, ls = np.broadcast_arrays(x, pos, length)
    flat = [
        _substr_one(s, int(p), int(n), unit, i)
        for i, (s, p, n) in enumerate(zip(xs.reshape(-1), ps.reshape(-1), ls.reshape(-1)))
    ]
    return bytes_array(flat, xs.shape)


def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002 - TF's argument name
    """`len` bytes (or UTF-8 characters) from position `pos` (negative: from the end)."""
    if isinstance(input, RaggedTensor):
        return input.with_flat_values(substr(input.flat_values, pos, len, unit))
    x = _string_input(input, "Substr")
    p = _args.int_array(pos, "Substr", "pos", cast_floats=False)
    n = _args.int_array(len, "Substr", "len", cast_floats=False)
    if p.shape != n.shape:
        raise InvalidArgumentError(
            f"Substr: pos and len should have the same shape, got: {list(p.shape)} vs. "
            f"{list(n.shape)}"
        )
    pos = convert_to_tensor(pos, dtype_hint=dtypes.int32)
    length = convert_to_tensor(len, dtype=pos.dtype)
    return _substr(x, pos, length, unit=unit)


# ---- hash buckets ----------------------------------------------------------------------------


def _bucket_sample(rng):
    return strings_sample(rng, (5,))


def _buckets(hash_fn, x, num_buckets):
    return map_numbers(lambda s: hash_fn(s) % num_buckets, x, np.int64)


@op(
    "StringToHashBucketFast",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(_bucket_sample, num_buckets=10)],
)
def _to_hash_bucket_fast(x, num_buckets):
    return _buckets(fingerprint.fingerprint64, x, num_buckets)


@op(
    "StringToHashBucketStrong",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(_bucket_sample, num_buckets=10, key=(1, 2))],
)
def _to_hash_bucket_strong(x, num_buckets, key):
    k0, k1 = key
    return _buckets(lambda s: fingerprint.siphash24(k0, k1, s), x, num_buckets)


@op(
    "StringToHashBucket",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(_bucket_sample, num_buckets=10)],
)
def _to_hash_bucket(x, num_buckets):
    return _buckets(fingerprint.legacy_hash64, x, num_buckets)


def _num_buckets(num_buckets, op_name) -> int:
    return _args.count(num_buckets, op_name, "num_buckets", minimum=1)


@_ragged_aware
def to_hash_bucket_fast(input, num_buckets, name=None):
    """FarmHash Fingerprint64 of each string modulo `num_buckets`: TF's bins exactly."""
    n = _num_buckets(num_buckets, "StringToHashBucketFast")
    return _to_hash_bucket_fast(_string_input(input, "StringToHashBucketFast"), num_buckets=n)


@_ragged_aware
def to_hash_bucket_strong(input, num_buckets, key, name=None):
    """SipHash-2-4 under `key` (two ints) modulo `num_buckets`: TF's bins exactly."""
    n = _num_buckets(num_buckets, "StringToHashBucketStrong")
    key = list(_args.vector(key, "StringToHashBucketStrong", "key", cast_floats=False))
    if len(key) != 2:
        raise InvalidArgumentError(
            f"StringToHashBucketStrong: key must have 2 elements, got {len(key)}"
        )
    return _to_hash_bucket_strong(
        _string_input(input, "StringToHashBucketStrong"),
        num_buckets=n,
        key=(key[0] % 2**64, key[1] % 2**64),
    )


@_ragged_aware
def to_hash_bucket(string_tensor, num_buckets, name=None):
    """TF's legacy `Hash64` of each string modulo `num_buckets` (prefer the fast one)."""
    n = _num_buckets(num_buckets, "StringToHashBucket")
    return _to_hash_bucket(_string_input(string_tensor, "StringToHashBucket"), num_buckets=n)


_allow_strings()

API = {
    "strings": [
        "join",
        "reduce_join",
        "length",
        "lower",
        "upper",
        "strip",
        "substr",
        "to_hash_bucket_fast",
        "to_hash_bucket_strong",
        "to_hash_bucket",
    ],
}
