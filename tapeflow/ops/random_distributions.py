"""tf.random's sampling functions (normal, uniform, truncated_normal, shuffle, categorical,
stateless_*) and tf.random.Generator, drawing through the ops and seed streams of random.py.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import to_numpy
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.shape import TensorShape
from ..core.tensor import Operand, convert_to_tensor
from . import _args
from .math import add, multiply
from .random import (
    _multinomial,
    _random_shuffle,
    _random_standard_normal,
    _random_uniform,
    _random_uniform_int,
    _stateless_random_normal,
    _stateless_random_uniform,
    _stateless_random_uniform_full_int,
    _stateless_random_uniform_int,
    _stateless_truncated_normal,
    _truncated_normal,
    next_rng,
)

# ---- argument checking ---------------------------------------------------------------------

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
_UNIFORM_DTYPES = _FLOATS + (dtypes.int32, dtypes.int64)


def _shape_arg(shape, op_name: str) -> tuple:
    """A `shape` argument (list, tuple, TensorShape, 1-D int Tensor) as a tuple of ints."""
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"{op_name}: cannot draw a sample of partially known shape {shape}")
        dims = shape.as_list()
    elif isinstance(shape, (list, tuple)):
        dims = [_dim(d, op_name) for d in shape]
    else:
        arr = np.asarray(to_numpy(shape._value) if isinstance(shape, Operand) else shape)
        if arr.dtype.kind not in "iu":
            raise InvalidArgumentError(f"{op_name}: shape must be int32 or int64, got {shape!r}")
        if arr.ndim != 1:
            raise InvalidArgumentError(
                f"{op_name}: shape must be a vector of {{int32,int64}}, "
                f"got shape {list(arr.shape)}"
            )
        dims = arr.tolist()
    for d in dims:
        if d < 0:
            raise InvalidArgumentError(f"{op_name}: Dimension {d} must be >= 0 (shape {dims})")
    return tuple(int(d) for d in dims)


def _dim(d, op_name: str) -> int:
    if isinstance(d, Operand):
        if not d.dtype.is_integer or d.ndim != 0:
            raise InvalidArgumentError(
                f"{op_name}: a shape entry must be a scalar int32 or "
                f"int64, got {d.dtype.name} of shape {d.shape}"
            )
        return int(d)
    if d is None:
        raise ValueError(
            f"{op_name}: the shape of a random sample must be fully known, got a None dimension"
        )
    if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral):
        raise InvalidArgumentError(
            f"{op_name}: shape must be int32 or int64, got the entry "
            f"{d!r} of type {type(d).__name__}"
        )
    return int(d)


def _float_dtype(dtype, fn: str) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _FLOATS:
        raise TypeError(
            f"tf.random.{fn}: dtype must be float16, float32 or float64, got {dtype.name}"
        )
    return dtype


def _uniform_dtype(dtype) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _UNIFORM_DTYPES:
        raise ValueError(
            f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are {_UNIFORM_DTYPES}."
        )
    return dtype


def _is_number(v, value) -> bool:
    return isinstance(v, numbers.Number) and v == value


def _mean_stddev(dtype, mean, stddev):
    """`mean` and `stddev` as tensors of `dtype`, or None for the defaults 0 and 1.

    Converted before the draw, as TF does, so a wrong dtype fails without using a seed.
    """
    if _is_number(mean, 0) and _is_number(stddev, 1):
        return None  # rnd * 1 + 0 is the identity: skipped for speed
    out = []
    for arg, v in (("mean", mean), ("stddev", stddev)):
        try:
            out.append(convert_to_tensor(v, dtype=dtype))
        except ValueError as e:
            raise ValueError(f"{arg}: {e}") from None
    return out


def _scale_shift(rnd, params):
    """`rnd * stddev + mean` as TF computes it: ops, so gradients reach tensor mean/stddev."""
    if params is None:
        return rnd
    mean, stddev = params
    return add(multiply(rnd, stddev), mean)


def _bounds(dtype, minval, maxval):
    return convert_to_tensor(minval, dtype=dtype), convert_to_tensor(maxval, dtype=dtype)


# ---- public functions ----------------------------------------------------------------------


def _normal_args(fn, op_name, shape, mean, stddev, dtype):
    dtype = _float_dtype(dtype, fn)
    return _shape_arg(shape, op_name), dtype, _mean_stddev(dtype, mean, stddev)


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution: `standard_normal(shape) * stddev + mean`.

    `mean` and `stddev` may be tensors (broadcast against `shape`); gradients flow to them.
    """
    shape, dtype, params = _normal_args(
        "normal", "RandomStandardNormal", shape, mean, stddev, dtype
    )
    rng = next_rng(seed, f"RandomStandardNormal/{dtype.name}")
    rnd = _random_standard_normal(shape=shape, dtype=dtype.name, rng=rng)
    return _scale_shift(rnd, params)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution, re-drawing values more than 2 stddev from `mean`."""
    shape, dtype, params = _normal_args(
        "truncated_normal", "TruncatedNormal", shape, mean, stddev, dtype
    )
    rng = next_rng(seed, f"TruncatedNormal/{dtype.name}")
    rnd = _truncated_normal(shape=shape, dtype=dtype.name, rng=rng)
    return _scale_shift(rnd, params)


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples uniformly from `[minval, maxval)`; integer dtypes need an explicit `maxval`."""
    dtype = _uniform_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    shape = _shape_arg(shape, "RandomUniformInt" if dtype.is_integer else "RandomUniform")
    # TF's shortcut, kept so the arithmetic (and its rounding) is TF's: the `int` defaults 0
    # and 1 mean [0, 1) and need no arithmetic at all.
    minval_is_zero = isinstance(minval, int) and minval == 0
    maxval_is_one = isinstance(maxval, int) and maxval == 1
    if not minval_is_zero or not maxval_is_one or dtype.is_integer:
        minval, maxval = _bounds(dtype, minval, maxval)
    if dtype.is_integer:
        rng = next_rng(seed, f"RandomUniformInt/{dtype.name}")
        return _random_uniform_int(minval, maxval, shape=shape, rng=rng)
    rng = next_rng(seed, f"RandomUniform/{dtype.name}")
    result = _random_uniform(shape=shape, dtype=dtype.name, rng=rng)
    if minval_is_zero:
        return result if maxval_is_one else multiply(result, maxval)
    return add(result * (maxval - minval), minval)


def shuffle(value, seed=None, name=None):
    """Randomly permutes `value` along its first dimension (no gradient, as in TF)."""
    return _random_shuffle(value, rng=next_rng(seed, "RandomShuffle"))


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Draws `num_samples` class indices per row of the 2-D unnormalised log-probabilities."""
    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if dtype not in (dtypes.int32, dtypes.int64):
        raise ValueError(
            f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are "
            f"(tf.int32, tf.int64)."
        )
    rng = next_rng(seed, f"Multinomial/{dtype.name}")
    num_samples = _args.count(num_samples, "Multinomial", "num_samples")
    return _multinomial(logits, num_samples=num_samples, output_dtype=dtype.name, rng=rng)


def stateless_normal(
    shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None, alg="auto_select"
):
    """Normal samples that depend only on `seed` (a shape [2] int tensor): no hidden state."""
    shape, dtype, params = _normal_args(
        "stateless_normal", "StatelessRandomNormal", shape, mean, stddev, dtype
    )
    rnd = _stateless_random_normal(_seed_arg(seed), shape=shape, dtype=dtype.name)
    return _scale_shift(rnd, params)


def stateless_truncated_normal(
    shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None, alg="auto_select"
):
    """Truncated normal samples that depend only on `seed`."""
    shape, dtype, params = _normal_args(
        "stateless_truncated_normal", "StatelessTruncatedNormal", shape, mean, stddev, dtype
    )
    rnd = _stateless_truncated_normal(_seed_arg(seed), shape=shape, dtype=dtype.name)
    return _scale_shift(rnd, params)


def stateless_uniform(
    shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None, alg="auto_select"
):
    """Uniform samples that depend only on `seed`.

    For integer dtypes `minval` and `maxval` are both given, or both None for the dtype's
    full range.
    """
    seed = _seed_arg(seed)
    return _two_sided_uniform(
        shape,
        minval,
        maxval,
        dtype,
        lambda s, d: _stateless_random_uniform(seed, shape=s, dtype=d),
        lambda lo, hi, s: _stateless_random_uniform_int(seed, lo, hi, shape=s),
        lambda s, d: _stateless_random_uniform_full_int(seed, shape=s, dtype=d),
    )


def _two_sided_uniform(shape, minval, maxval, dtype, draw, draw_int, draw_full_int):
    """The uniform of stateless_uniform and Generator: integer bounds both given or both None,
    floats `rnd * (maxval - minval) + minval` always."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _UNIFORM_DTYPES + (dtypes.uint32, dtypes.uint64):
        _uniform_dtype(dtype)  # raises TF's error
    if dtype.is_integer:
        if (minval is None) != (maxval is None):
            raise ValueError(
                f"For integer `dtype` argument {dtype!r}, argument `minval` and "
                f"`maxval` must be both None or not None. Got `minval`={minval} "
                f"and `maxval`={maxval}."
            )
        if minval is None:
            return draw_full_int(_shape_arg(shape, "RandomUniformFullInt"), dtype.name)
        if dtype.is_unsigned:
            raise ValueError(
                f"Argument `dtype` got invalid value {dtype!r} when argument "
                f"`minval` is not None. Please don't use unsigned integers in "
                f"this case."
            )
        return draw_int(*_bounds(dtype, minval, maxval), _shape_arg(shape, "RandomUniformInt"))
    minval, maxval = _bounds(dtype, minval, 1 if maxval is None else maxval)
    rnd = draw(_shape_arg(shape, "RandomUniform"), dtype.name)
    return add(rnd * (maxval - minval), minval)


def _seed_arg(seed):
    seed = convert_to_tensor(seed)
    if not seed.dtype.is_integer:
        raise InvalidArgumentError(
            f"stateless random ops: seed must be int32 or int64, got {seed.dtype.name}"
        )
    return seed


API = {
    "random": [
        "normal",
        "uniform",
        "truncated_normal",
        "shuffle",
        "categorical",
        "stateless_normal",
        "stateless_uniform",
        "stateless_truncated_normal",
    ],
}
