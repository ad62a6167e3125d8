"""Elementwise arithmetic: add, multiply, divide, pow, maximum/minimum, cast, sums of tensors.

Unary functions are in `math_unary.py`, clipping in `clip.py`, comparisons in `logic.py`.
"""

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError, NotFoundError, UnimplementedError
from ..core.indexed_slices import IndexedSlices
from ..core.ragged import RaggedTensor
from ..core.registry import Sample, op
from ..core.sparse import SparseTensor
from ..core.tensor import Operand, convert_to_tensor
from . import _args
from ._common import BINARY, UNARY
from .logic import greater, greater_equal, less_equal

# TF computes inf/nan silently where NumPy would warn (log(0), x/0, exp overflow).
_QUIET = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}
_quiet = np.errstate(**_QUIET)  # as a decorator: each call enters a fresh context


POSITIVE = (0.5, 2.0)


# ---- arithmetic ----------------------------------------------------------------------------


@op("AddV2", numbers=True, samples=BINARY, batchable=True)
def add(x, y):
    """x + y elementwise, with broadcasting."""
    return xp.add(x, y)


@add.vjp
def _add_vjp(g, ans, x, y):
    return g, g


@op("Sub", numbers=True, samples=BINARY, batchable=True)
def subtract(x, y):
    """x - y elementwise, with broadcasting."""
    return xp.subtract(x, y)


@subtract.vjp
def _subtract_vjp(g, ans, x, y):
    return g, -g


@subtract.array_vjp
def _subtract_array_vjp(g, ans, x, y):
    return g, negative.forward(g)


@op("Mul", numbers=True, samples=BINARY, batchable=True)
def multiply(x, y):
    """x * y elementwise, with broadcasting."""
    return xp.multiply(x, y)


@multiply.vjp(needs=True)
def _multiply_vjp(g, ans, x, y, needs=(True, True)):
    # `needs`: in `w * x` with x data, only w's gradient is wanted (half the work).
    return (g * y if needs[0] else None), (g * x if needs[1] else None)


@multiply.array_vjp
def _multiply_array_vjp(g, ans, x, y, needs=(True, True)):
    mul = multiply.forward
    return (mul(g, y) if needs[0] else None), (mul(g, x) if needs[1] else None)


@op("RealDiv", numbers=True, samples=BINARY, domain=POSITIVE, batchable=True)
@_quiet
def _real_div(x, y):
    out = xp.true_divide(x, y)
    if out.dtype != x.dtype:  # TF has no integer RealDiv kernel; `truediv` casts first
        raise NotFoundError(
            f"RealDiv: no kernel for {x.dtype.name} inputs; use tf.math."
            f"truediv (the `/` operator) to divide integers"
        )
    return out


@_real_div.vjp(needs=True)
def _real_div_vjp(g, ans, x, y, needs=(True, True)):
    gx = _real_div(g, y) if needs[0] else None
    gy = g * _real_div(-ans, y) if needs[1] else None  # TF: realdiv(realdiv(-x, y), y)
    return gx, gy


def realdiv(x, y, name=None):
    """x / y for floating tensors (TF's `tf.realdiv`)."""
    return _real_div(x, y)


# Integer division result types: TF's _TRUEDIV_TABLE (floats divide as they are).
_TRUEDIV = {
    "int8": "float32",
    "int16": "float32",
    "uint8": "float32",
    "uint16": "float32",
    "int32": "float64",
    "int64": "float64",
    "uint32": "float64",
    "uint64": "float64",
}


def _like(value, dtype):
    """`value` as a Tensor, taking `dtype` where it converts to it (TF's dtype_hint)."""
    if isinstance(value, Operand):
        return convert_to_tensor(value)
    try:
        return convert_to_tensor(value, dtype=dtype)
    except (TypeError, ValueError):
        return convert_to_tensor(value)


def _true_operands(x, y, name):
    """x and y converted as TF's truediv does: same dtype required, integers cast to float."""
    x = convert_to_tensor(x)
    y = _like(y, x.dtype)
    if x.dtype is not y.dtype:
        raise TypeError(
            f"{name}: `x` and `y` must have the same dtype, got {x.dtype!r} != {y.dtype!r}."
        )
    if not x.dtype.is_floating:
        target = _TRUEDIV.get(x.dtype.name)
        if target is None:
            raise TypeError(f"{name}: invalid dtype {x.dtype!r}, expected a number type")
        x, y = _cast(x, dtype=target), _cast(y, dtype=target)
    return x, y


def truediv(x, y, name=None):
    """x / y as Python 3 divides: integer inputs are cast to float first (int32 -> float64).

    This is the function behind the `/` operator.
    """
    return _real_div(*_true_operands(x, y, "truediv"))


def divide(x, y, name=None):
    """x / y with Python 3 semantics (see `truediv`)."""
    if not isinstance(x, Operand):
        x = convert_to_tensor(x, dtype=y.dtype if isinstance(y, Operand) else None)
    return truediv(x, y)


@op("DivNoNan", numbers=True, samples=BINARY, domain=POSITIVE, batchable=True)
@_quiet
def _div_no_nan(x, y):
    return xp.where(y == 0, xp.zeros((), x.dtype), xp.true_divide(x, y))


@_div_no_nan.vjp
def _div_no_nan_vjp(g, ans, x, y):
    return _div_no_nan(g, y), g * _div_no_nan(_div_no_nan(-x, y), y)


def divide_no_nan(x, y, name=None):
    """x / y, and 0 wherever y is 0 (even where x is nan or inf)."""
    return _div_no_nan(*_true_operands(x, y, "divide_no_nan"))


def _nonzero_divisor(name, x, y):
    if x.dtype.kind in "iu" and (y == 0).any():
        raise InvalidArgumentError(f"{name}: integer division by zero")


@op("FloorDiv", numbers=True, differentiable=False, samples=BINARY)
@_quiet
def floordiv(x, y):
    """Division rounded toward negative infinity: floor(x / y), also for floats."""
    if x.dtype.kind in "iu":
        _nonzero_divisor("FloorDiv", x, y)
        return xp.floor_divide(x, y)
    return xp.floor(xp.true_divide(x, y))  # TF's float kernel; NumPy's // differs (1 // 0.1)


@op("FloorMod", numbers=True, samples=BINARY, domain=POSITIVE, batchable=True)
@_quiet
def floormod(x, y):
    """Remainder of floor division: the result has the sign of `y` (Python's %)."""
    if x.dtype.kind in "iu":
        _nonzero_divisor("FloorMod", x, y)
        return xp.mod(x, y)
    r = xp.fmod(x, y)  # TF's formula: fmod moved into y's sign (so -0.0 stays -0.0)
    return xp.where((r != 0) & ((y < 0) != (r < 0)), r + y, r)


@floormod.vjp
def _floormod_vjp(g, ans, x, y):
    return g, g * negative(floordiv(x, y))


mod = floormod


@op("Neg", numbers=True, samples=UNARY, batchable=True)
def negative(x):
    """-x elementwise."""
    if x.dtype.kind in "ub":
        raise InvalidArgumentError(f"Neg: expected a signed number tensor, got {x.dtype.name}")
    return xp.negative(x)


@negative.vjp
def _negative_vjp(g, ans, x):
    return (-g,)


@negative.array_vjp
def _negative_array_vjp(g, ans, x):
    return (negative.forward(g),)


@op("Pow", numbers=True, samples=BINARY, domain=POSITIVE, batchable=True)
@_quiet
def pow(x, y):  # noqa: A001 - TF's public name
    """x ** y elementwise; integers to negative integer powers are an error, as in TF."""
    return xp.power(x, y)


@pow.vjp
def _pow_vjp(g, ans, x, y):
    from .math_unary import log  # imported here: math_unary imports this module

    gx = g * y * pow(x, y - 1.0)
    # d/dy is ans * log(x); TF returns 0 where x <= 0 instead of nan (no real log there).
    positive = _cast(greater(x, 0.0), dtype=x.dtype.name)
    safe_x = _div_no_nan(x, positive) + (1.0 - positive)  # where(x > 0, x, 1)
    log_x = _div_no_nan(log(safe_x), positive)  # where(x > 0, log(x), 0)
    return gx, g * ans * log_x


@op("SquaredDifference", numbers=True, samples=BINARY, batchable=True)
def squared_difference(x, y):
    """(x - y) ** 2 elementwise."""
    d = xp.subtract(x, y)
    return xp.multiply(d, d)


@squared_difference.vjp
def _squared_difference_vjp(g, ans, x, y):
    gx = (g * 2.0) * (x - y)
    return gx, -gx


def scalar_mul(scalar, x, name=None):
    """A 0-D `scalar` times `x` (a Tensor or IndexedSlices, whose values are scaled)."""
    if not isinstance(x, (Operand, IndexedSlices)):
        x = convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype)
    if scalar.ndim != 0:
        raise ValueError(f"The input scalar must be a 0-D value. Received shape {scalar.shape}.")
    if isinstance(x, IndexedSlices):
        return IndexedSlices(multiply(scalar, x.values), x.indices, x.dense_shape)
    return multiply(scalar, x)


# ---- maximum and minimum -------------------------------------------------------------------


@op("Maximum", numbers=True, samples=BINARY, batchable=True)
def maximum(x, y):
    """The larger of x and y elementwise (nan if either is nan)."""
    return xp.maximum(x, y)


@maximum.vjp
def _maximum_vjp(g, ans, x, y):
    x_wins = _cast(greater_equal(x, y), dtype=g.dtype.name)  # ties go to x, as in TF
    return g * x_wins, g * (1.0 - x_wins)


@op("Minimum", numbers=True, samples=BINARY, batchable=True)
def minimum(x, y):
    """The smaller of x and y elementwise (nan if either is nan)."""
    return xp.minimum(x, y)


@minimum.vjp
def _minimum_vjp(g, ans, x, y):
    x_wins = _cast(less_equal(x, y), dtype=g.dtype.name)  # ties go to x, as in TF
    return g * x_wins, g * (1.0 - x_wins)


# ---- casting -------------------------------------------------------------------------------


@op("Cast", samples=[Sample((3, 4), dtype="float64"), Sample((), dtype="float64")], batchable=True)
@_quiet
def _cast(x, dtype):
    if dtype == "bfloat16":  # NumPy knows it by name only once ml_dtypes is loaded
        dtype = dtypes.bfloat16._np
    return x.astype(dtype)  # C casts: float -> int truncates toward zero, as TF's kernel


@_cast.vjp
def _cast_vjp(g, ans, x, dtype):
    if x.dtype.is_floating and ans.dtype.is_floating:
        return (_cast(g, dtype=x.dtype.name),)
    return (None,)  # TF: no gradient through integer or bool casts


def cast(x, dtype, name=None):
    """`x` converted to `dtype`. Float -> int truncates toward zero; float -> float keeps the
    gradient, casts to or from integers have none. IndexedSlices cast their values."""
    dtype = dtypes.as_dtype(dtype)
    if isinstance(x, IndexedSlices):
        return IndexedSlices(cast(x.values, dtype), x.indices, x.dense_shape)
    if isinstance(x, SparseTensor):
        return x.with_values(cast(x.values, dtype))
    if isinstance(x, RaggedTensor):
        return x.with_flat_values(cast(x.flat_values, dtype))
    x = convert_to_tensor(x)
    if x.dtype is dtype:
        return x
    if dtypes.string in (x.dtype, dtype):  # TF's kernel: parse with tf.strings.to_number
        raise UnimplementedError(
            f"Cast {_KERNEL_NAMES.get(x.dtype.name, x.dtype.name)} to "
            f"{_KERNEL_NAMES.get(dtype.name, dtype.name)} is not supported"
        )
    return _cast(x, dtype=dtype.name)


# How TF's kernel messages name some dtypes (DataTypeString).
_KERNEL_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


# ---- sums of several tensors ---------------------------------------------------------------


@op(
    "AddN",
    numbers=True,
    samples=[Sample((3, 4), (3, 4), (3, 4)), Sample((2,), (2,))],
    batchable=True,
)
def _add_n(*xs):
    out = xs[0] + xs[1] if len(xs) > 1 else xs[0].copy()
    for x in xs[2:]:
        out += x
    return out


@_add_n.vjp
def _add_n_vjp(g, ans, *xs):
    return (g,) * len(xs)


def add_n(inputs, name=None):
    """Elementwise sum of a list of tensors of one shape and dtype."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    shapes = {tuple(getattr(x, "shape", ())) for x in inputs}
    if len(shapes) > 1:
        raise InvalidArgumentError(
            f"AddN: all inputs must have the same shape, got {sorted(shapes)}"
        )
    kinds = {str(x.dtype) for x in inputs if hasattr(x, "dtype")}
    if len(kinds) > 1:
        raise InvalidArgumentError(
            f"AddN: all inputs must have the same dtype, got {sorted(kinds)}"
        )
    return _add_n(*inputs)


def _segment_ids_sample(rng):
    return rng.integers(0, 4, size=(6,)).astype("int32")


@op(
    "UnsortedSegmentSum",
    numbers=True,
    same_dtype=(),
    samples=[
        Sample((6, 3), _segment_ids_sample, num_segments=4, wrt=(0,)),
        Sample((6,), _segment_ids_sample, num_segments=5, wrt=(0,)),
        # Negative ids drop their rows (and get no gradient).
        Sample(
            (6,),
            lambda rng: rng.permutation([-1, 0, 1, 2, 2, -1]).astype("int32"),
            num_segments=3,
            wrt=(0,),
        ),
    ],
)
def _unsorted_segment_sum(data, segment_ids, num_segments):
    from .segment import _check_unsorted  # the checks of the whole unsorted_segment_* family

    _check_unsorted("UnsortedSegmentSum", data, segment_ids, num_segments)
    ids = segment_ids.astype(xp.intp)
    out = xp.zeros((num_segments,) + data.shape[ids.ndim :], dtype=data.dtype)
    valid = ids >= 0  # TF drops negative ids
    xp.add.at(out, ids[valid], data[valid])
    return out


@_unsorted_segment_sum.vjp
def _unsorted_segment_sum_vjp(g, ans, data, segment_ids, num_segments):
    from .segment import _gather_drop_negatives  # rows with a negative id get 0, as in TF

    return _gather_drop_negatives(g, segment_ids)[0], None


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums the rows of `data` into `num_segments` buckets chosen by `segment_ids`."""
    num_segments = _args.count(num_segments, "UnsortedSegmentSum", "num_segments")
    return _unsorted_segment_sum(data, segment_ids, num_segments=num_segments)


_BOTH = (
    "add subtract multiply divide truediv pow negative maximum minimum add_n scalar_mul"
).split()
API = {
    "tf": _BOTH + ["realdiv", "cast"],
    "math": _BOTH
    + "floordiv floormod mod squared_difference divide_no_nan unsorted_segment_sum".split(),
    "dtypes": ["cast"],
}
