"""The integer arguments of ops (shapes, axes, sizes, counts) as Python ints, with TF's
checks: None is TF's conversion ValueError, a float, string or bool where integers belong
is ArgumentTypeError, a negative size or an out-of-range axis is InvalidArgumentError, and
every message names the op and the argument.

Python ints and lists of them (the common case) take a path with no NumPy call.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ArgumentTypeError, InvalidArgumentError
from ..core.tensor import Operand


def _none(op: str, arg: str) -> ValueError:
    return ValueError(
        f"{op}: {arg}: Attempt to convert a value (None) with an unsupported type "
        f"(<class 'NoneType'>) to a Tensor."
    )


def _wrong_kind(op: str, arg: str, value) -> ArgumentTypeError:
    if isinstance(value, Operand):
        return ArgumentTypeError(
            f"{op}: {arg} must be an integer tensor (int32 or int64), got a "
            f"{value.dtype.name} tensor"
        )
    return ArgumentTypeError(
        f"{op}: {arg} must be integers: Cannot convert {value!r} to EagerTensor of dtype int32"
    )


def int_array(value, op: str, arg: str, *, cast_floats: bool = True, bools: bool = True
              ) -> np.ndarray:  # fmt: skip
    """An integer argument of any rank as an int64 array.

    Python floats are refused (TF never converts them to integers); NumPy float arrays are
    cast, as TF's int32 conversion does, unless `cast_floats` is False (ops that refuse
    them, like Reshape); `bools=False` refuses bools too (TF's int-only tensor inputs).
    """
    if value is None:
        raise _none(op, arg)
    if isinstance(value, Operand):
        arr = np.asarray(value)  # observed: inside tf.function, a guard on the value
        if arr.dtype.kind not in "iu":
            raise _wrong_kind(op, arg, value)
        return arr.astype(np.int64, copy=False)
    numpy = isinstance(value, (np.ndarray, np.generic))
    if not numpy and not isinstance(value, (list, tuple, bool, int)):
        raise _wrong_kind(op, arg, value)
    try:
        arr = np.asarray(value)  # a Tensor inside a list is observed too
    except ValueError:
        raise ValueError(
            f"{op}: {arg}: Can't convert non-rectangular Python sequence to Tensor: {value!r}"
        ) from None
    kind = arr.dtype.kind
    if kind in "iu" or (kind == "b" and bools) or (numpy and kind == "f" and cast_floats):
        return arr.astype(np.int64)
    if arr.size == 0 and kind in "fO":  # [] or (): no element of the wrong kind
        return arr.astype(np.int64)
    if kind == "O" and any(v is None for v in arr.reshape(-1)):
        raise _none(op, arg)
    raise _wrong_kind(op, arg, value)


def vector(value, op: str, arg: str, *, cast_floats: bool = True) -> tuple:
    """A 0-D or 1-D integer argument (begin, strides, multiples...) as a tuple of ints."""
    if type(value) in (list, tuple) and all(type(d) is int for d in value):
        return tuple(value)
    if hasattr(value, "as_list") and not isinstance(value, Operand):  # a TensorShape
        if value.rank is None or None in value.as_list():
            raise ValueError(
                f"{op}: {arg}: Cannot convert a partially known TensorShape {value} to a Tensor."
            )
        return tuple(value.as_list())
    arr = int_array(value, op, arg, cast_floats=cast_floats)
    if arr.ndim > 1:
        raise ArgumentTypeError(
            f"{op}: {arg} must be a vector (1-D), got a tensor of shape {list(arr.shape)}"
        )
    return tuple(int(d) for d in arr.reshape(-1))


def shape(value, op: str, arg: str = "shape", *, unknown: bool = False,
          cast_floats: bool = True) -> tuple:  # fmt: skip
    """A shape: list/tuple of ints, an int, a TensorShape, or a 0-D/1-D int tensor.

    Negative sizes are InvalidArgumentError; with `unknown`, -1 (one unknown size, as
    reshape takes) is allowed and kept.
    """
    dims = vector(value, op, arg, cast_floats=cast_floats)
    for i, d in enumerate(dims):
        if d < 0 and not (unknown and d == -1):
            raise InvalidArgumentError(
                f"{op}: {arg}[{i}] = {d} must be non-negative (got {arg} {list(dims)})"
            )
    return dims


def scalar(value, op: str, arg: str, **kwargs) -> int:
    """A scalar integer argument (a list where one int belongs is ArgumentTypeError: TF
    raises TypeError or InvalidArgumentError for it, depending on the op)."""
    if type(value) is int:
        return value
    arr = int_array(value, op, arg, **kwargs)
    if arr.ndim != 0:
        raise ArgumentTypeError(
            f"{op}: {arg} must be int or a scalar integer tensor, got {value!r} (shape "
            f"{list(arr.shape)})"
        )
    return int(arr)


def axis(value, ndim: int, op: str, arg: str = "axis", *, extra: int = 0, **kwargs) -> int:
    """One axis in [-(ndim + extra), ndim + extra), as a non-negative int.

    `extra` widens the range for ops that insert a dimension (expand_dims, stack: 1).
    """
    a = scalar(value, op, arg, **kwargs)
    n = ndim + extra
    if not -n <= a < n:
        raise InvalidArgumentError(
            f"{op}: {arg} {a} is out of range for a tensor of rank {ndim} "
            f"(expected an axis in [{-n}, {n}))"
        )
    return a % n if n else 0


def axes(value, ndim: int, op: str, arg: str = "axis", *, nested: bool = True
         ) -> tuple | None:  # fmt: skip
    """Several axes (None: all of them): distinct, each in [-ndim, ndim), non-negative.
    `nested=False` refuses a list of lists (as TF's Python-level axes arguments do)."""
    if value is None:
        return None
    if type(value) is int:
        found = (value,)
    else:
        arr = int_array(value, op, arg)
        if arr.ndim > 1 and not nested:
            raise ArgumentTypeError(f"{op}: {arg} must be an int or a list of ints, got {value!r}")
        found = tuple(int(a) for a in arr.reshape(-1))
    out = []
    for a in found:
        if not -ndim <= a < max(ndim, 1):
            raise InvalidArgumentError(
                f"{op}: {arg} {a} is out of range for a tensor of rank {ndim} "
                f"(expected axes in [{-ndim}, {ndim}))"
            )
        a = a % ndim if ndim else 0
        if a in out:
            raise InvalidArgumentError(f"{op}: {arg} contains duplicate dimension {a}")
        out.append(a)
    return tuple(out)


def count(value, op: str, arg: str, *, minimum: int | None = 0, **kwargs) -> int:
    """A scalar size or count (k, depth, num, num_segments) of at least `minimum` (None: any
    int, for a scalar axis or offset whose range the op checks)."""
    n = scalar(value, op, arg, **kwargs)
    if minimum is not None and n < minimum:
        raise InvalidArgumentError(f"{op}: {arg} must be >= {minimum}, got {n}")
    return n
