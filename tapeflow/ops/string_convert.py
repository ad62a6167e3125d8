"""`tf.strings` conversions between text and numbers: `to_number`, `as_string`, `format`.

Parsing follows TF's kernels: surrounding whitespace is allowed, floats accept `nan`,
`inf` and C hex floats (`0x10`), integers must fit the type, anything else (`1.5` as an
int, `1_000`, an empty string) is an InvalidArgumentError naming the string.
"""

from __future__ import annotations

import re

import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.string_values import bytes_array
from ..core.tensor import Operand, convert_to_tensor
from .strings import _ragged_aware, _string_input
from .summary import summarize_array

_INT = re.compile(rb"[+-]?[0-9]+")
_FLOAT = re.compile(
    rb"[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|inf|infinity|nan)", re.IGNORECASE
)
_HEX_FLOAT = re.compile(rb"[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?")


def _parse(s: bytes, np_dtype):
    text = s.strip()
    try:
        if np_dtype.kind in "iu":
            if _INT.fullmatch(text):
                value = int(text)
                info = np.iinfo(np_dtype)
                if info.min <= value <= info.max:
                    return value
        elif _FLOAT.fullmatch(text):
            return float(text)
        elif _HEX_FLOAT.fullmatch(text):
            return float.fromhex(text.decode())
    except (ValueError, OverflowError):
        pass
    raise InvalidArgumentError(
        f"StringToNumberOp could not correctly convert string: "
        f"{s.decode('utf-8', 'backslashreplace')}"
    )


def _string_sample(rng):
    return bytes_array([str(v).encode() for v in rng.integers(-50, 50, 6)], (2, 3))


@op(
    "StringToNumber",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(_string_sample, out_type="float32"), Sample(_string_sample, out_type="int64")],
)
def _string_to_number(x, out_type):
    np_dtype = np.dtype(out_type)
    flat = [_parse(s, np_dtype) for s in x.reshape(-1).tolist()]
    with np.errstate(over="ignore"):  # 1e40 as float32 is inf, as TF's strtof gives
        return np.array(flat, dtype=np_dtype).reshape(x.shape)


@_ragged_aware
def to_number(input, out_type=dtypes.float32, name=None):
    """Parses each string as a number of `out_type` (float32, float64, int32 or int64)."""
    out_type = dtypes.as_dtype(out_type)
    if out_type not in (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64):
        raise InvalidArgumentError(
            f"StringToNumber: out_type must be float32, float64, int32 or int64, got "
            f"{out_type.name}"
        )
    return _string_to_number(_string_input(input, "StringToNumber"), out_type=out_type.name)


# ---- numbers to text -------------------------------------------------------------------------


def _printf_format(kind, precision, scientific, shortest, width, fill) -> str:
    spec = "%"
    if fill:
        if fill[0] not in " +-0#":
            raise InvalidArgumentError(f"AsString: fill argument not supported: {fill!r}")
        spec += fill
    if width > -1:
        spec += str(width)
    if kind in "fc":
        if precision > -1:
            spec += f".{precision}"
        spec += "g" if shortest else "e" if scientific else "f"
    elif kind in "iu":
        if precision > -1:
            raise InvalidArgumentError("AsString: precision not supported for integers")
        spec += "d"
    else:
        spec += "s"
    return spec


@op(
    "AsString",
    differentiable=False,
    strings=True,
    host=True,
    samples=[
        Sample((2, 3), precision=-1, scientific=False, shortest=False, width=-1, fill=""),
        Sample((2,), precision=2, scientific=True, shortest=False, width=12, fill="0"),
    ],
)
def _as_string(x, precision, scientific, shortest, width, fill):
    if x.dtype == object:
        return x
    kind = x.dtype.kind
    spec = _printf_format(kind, precision, scientific, shortest, width, fill)
    flat = x.reshape(-1).tolist()
    if kind == "b":
        flat = [(spec % ("true" if v else "false")) for v in flat]
    elif kind == "c":
        flat = [f"({spec % v.real},{spec % v.imag})" for v in flat]
    else:
        flat = [spec % v for v in flat]
    return bytes_array([s.encode() for s in flat], x.shape)


@_ragged_aware
def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):
    """Each number as text, printf-style: floats as `%f` (6 decimals) unless `precision`,
    `scientific` (`%e`) or `shortest` (`%g`); booleans as true/false."""
    if scientific and shortest:
        raise InvalidArgumentError("AsString: cannot select both scientific and shortest notation")
    x = convert_to_tensor(input)
    return _as_string(
        x,
        precision=int(precision),
        scientific=bool(scientific),
        shortest=bool(shortest),
        width=int(width),
        fill=str(fill),
    )


# ---- templates -------------------------------------------------------------------------------


@op(
    "StringFormat",
    differentiable=False,
    strings=True,
    host=True,
    same_dtype=(),
    samples=[Sample((2, 3), template="x={}", placeholder="{}", summarize=3)],
)
def _string_format(*inputs, template, placeholder, summarize):
    parts = template.split(placeholder)
    pieces = [parts[0]]
    for x, rest in zip(inputs, parts[1:]):
        pieces.append(summarize_array(x, summarize))
        pieces.append(rest)
    return np.asarray("".join(pieces).encode("utf-8"), dtype=object)


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001
    """`template` with each `placeholder` replaced by one of `inputs`, formatted as
    `tf.print` shows tensors (`summarize` elements at each end, -1 for all)."""
    if isinstance(inputs, (str, bytes)):  # TF reads a Python string as a list of characters
        raise ValueError(f"StringFormat: inputs must be a tensor or a list, got {inputs!r}")
    if isinstance(inputs, (Operand, np.ndarray)) or not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    if template.count(placeholder) != len(inputs):
        raise ValueError(
            f"The template expects {template.count(placeholder)} tensors, but the inputs only "
            f"has {len(inputs)}. Please ensure the number of placeholders in template matches "
            f"inputs length."
        )
    tensors = [convert_to_tensor(x) for x in inputs]
    return _string_format(
        *tensors, template=template, placeholder=placeholder, summarize=int(summarize)
    )


# ---- raw bytes to numbers -------------------------------------------------------------------

_RAW_TYPES = ("float16", "float32", "float64", "int32", "uint16", "uint8", "int16", "int8",
              "int64", "complex64", "complex128", "bool", "bfloat16")  # fmt: skip


def _raw_sample(rng):
    return bytes_array([rng.bytes(8) for _ in range(6)], (2, 3))


@op(
    "DecodeRaw",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(_raw_sample, out_type="int16", little_endian=True, fixed_length=-1),
             Sample(_raw_sample, out_type="uint8", little_endian=False, fixed_length=6)],
)  # fmt: skip
def _decode_raw(x, out_type, little_endian, fixed_length):
    np_dtype = np.dtype(dtypes.as_dtype(out_type).as_numpy_dtype)
    np_dtype = np_dtype.newbyteorder("<" if little_endian else ">")
    strings = x.reshape(-1).tolist()
    if fixed_length >= 0:  # DecodePaddedRaw: each string cut or zero-padded to fixed_length
        strings = [b[:fixed_length].ljust(fixed_length, b"\0") for b in strings]
    size = len(strings[0]) if strings else 0
    for i, b in enumerate(strings):
        if len(b) != size:
            raise InvalidArgumentError(
                "DecodeRaw requires input strings to all be the same size, but element "
                f"{i} has size {size} != {len(b)}"
            )
    if size % np_dtype.itemsize:
        raise InvalidArgumentError(
            f"Input to DecodeRaw has length {size} that is not a multiple of "
            f"{np_dtype.itemsize}, the size of {out_type}"
        )
    values = np.frombuffer(b"".join(strings), dtype=np_dtype)
    return values.astype(np_dtype.newbyteorder("=")).reshape(
        x.shape + (size // np_dtype.itemsize,)
    )


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None):
    """Reinterprets the bytes of each string as a vector of `out_type` numbers (all strings
    the same length, or cut/zero-padded to `fixed_length` bytes); the output has one more
    axis than the input."""
    out_type = dtypes.as_dtype(out_type)
    if out_type.name not in _RAW_TYPES:
        raise InvalidArgumentError(
            f"DecodeRaw: out_type must be one of {', '.join(_RAW_TYPES)}, got {out_type.name}"
        )
    if fixed_length is None:
        fixed_length = -1
    else:
        fixed_length = int(fixed_length)
        itemsize = np.dtype(out_type.as_numpy_dtype).itemsize
        if fixed_length < 0 or fixed_length % itemsize:
            raise InvalidArgumentError(
                f"fixed_length ({fixed_length}) must be a multiple of the size of out_type "
                f"({itemsize})"
            )
    return _decode_raw(
        _string_input(input_bytes, "DecodeRaw"),
        out_type=out_type.name,
        little_endian=bool(little_endian),
        fixed_length=fixed_length,
    )


API = {
    "io": ["decode_raw"],
    "strings": ["to_number", "as_string", "format"],
    "tf": ["as_string"],
}
