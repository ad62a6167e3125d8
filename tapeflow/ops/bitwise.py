"""`tf.bitwise` (and, or, xor, invert, shifts) and `tf.bitcast`: integer bit manipulation.

None of them has a gradient in TF (integers carry none; bitcast reinterprets bits).
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor


def _ints(rng, shape=(3, 4), lo=-50, hi=50, dtype=np.int32):
    return rng.integers(lo, hi, size=shape).astype(dtype)


_PAIR = [
    Sample(lambda r: _ints(r), lambda r: _ints(r)),
    Sample(
        lambda r: _ints(r, (2, 3), 0, 200, np.uint8), lambda r: _ints(r, (3,), 0, 200, np.uint8)
    ),
]
_SHIFTS = [Sample(lambda r: _ints(r), lambda r: _ints(r, (3, 4), 0, 8))]


def _integer(name, *arrays):
    for a in arrays:
        if a.dtype.kind not in "iu":
            raise InvalidArgumentError(
                f"{name}: expected integer tensors (int8..int64, uint8..uint64), "
                f"got {dtypes.as_dtype(a.dtype).name}"
            )


@op("BitwiseAnd", differentiable=False, samples=_PAIR)
def bitwise_and(x, y):
    """x & y elementwise, for integers."""
    _integer("BitwiseAnd", x, y)
    return xp.bitwise_and(x, y)


@op("BitwiseOr", differentiable=False, samples=_PAIR)
def bitwise_or(x, y):
    """x | y elementwise, for integers."""
    _integer("BitwiseOr", x, y)
    return xp.bitwise_or(x, y)


@op("BitwiseXor", differentiable=False, samples=_PAIR)
def bitwise_xor(x, y):
    """x ^ y elementwise, for integers."""
    _integer("BitwiseXor", x, y)
    return xp.bitwise_xor(x, y)


@op("Invert", differentiable=False, samples=[Sample(lambda r: _ints(r))])
def invert(x):
    """~x (every bit flipped) elementwise, for integers."""
    _integer("Invert", x)
    return xp.invert(x)


def _shift_amount(x, y):
    # TF clamps the shift to [0, bits - 1] (C++ shifts past the width are undefined).
    bits = x.dtype.itemsize * 8
    return xp.clip(y, 0, bits - 1).astype(x.dtype)


@op("LeftShift", differentiable=False, samples=_SHIFTS)
def left_shift(x, y):
    """x << y elementwise (y clamped to [0, bits - 1], as TF)."""
    _integer("LeftShift", x, y)
    return xp.left_shift(x, _shift_amount(x, y))


@op("RightShift", differentiable=False, samples=_SHIFTS)
def right_shift(x, y):
    """x >> y elementwise: arithmetic for signed types (y clamped as in TF)."""
    _integer("RightShift", x, y)
    return xp.right_shift(x, _shift_amount(x, y))


@op("Bitcast", differentiable=False, same_dtype=(), samples=[
    Sample((3, 4), type=dtypes.int64),
    Sample(lambda r: _ints(r, (2, 4)), type=dtypes.uint8),
    Sample(lambda r: _ints(r, (3, 2), 0, 200, np.uint8), type=dtypes.int16),
])  # fmt: skip
def _bitcast(x, type):  # noqa: A002 - TF's argument name
    target = np.dtype(type.as_numpy_dtype)
    size_in, size_out = x.dtype.itemsize, target.itemsize
    if size_in == size_out:
        return x.view(target)
    if size_in > size_out:  # each element becomes a last dimension of size_in / size_out
        return xp.ascontiguousarray(x).view(target).reshape(x.shape + (size_in // size_out,))
    if not x.ndim or x.shape[-1] != size_out // size_in:
        raise InvalidArgumentError(
            f"Bitcast: cannot bitcast from {dtypes.as_dtype(x.dtype).name} to {type.name}: "
            f"the last dimension must be {size_out // size_in}, got shape {list(x.shape)}"
        )
    return xp.ascontiguousarray(x).view(target).reshape(x.shape[:-1])


def bitcast(input, type, name=None):  # noqa: A002 - TF's argument names
    """The bits of `input` read as `type`: same shape when the sizes agree, else a last
    dimension is added (to a smaller type) or consumed (to a larger one)."""
    x = convert_to_tensor(input)
    type = dtypes.as_dtype(type)  # noqa: A001
    if x.dtype is dtypes.string or type is dtypes.string:
        raise TypeError(f"bitcast: strings cannot be bitcast ({x.dtype.name} to {type.name})")
    return _bitcast(x, type=type)


API = {
    "bitwise": ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift",
                "right_shift"],
    "tf": ["bitcast"],
}  # fmt: skip
