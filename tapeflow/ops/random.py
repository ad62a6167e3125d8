"""Random tensors (tf.random) with TensorFlow's seeding model.

TF's model: `tf.random.set_seed(g)` fixes a global seed; each random op then draws from
a stream keyed by (global seed, op seed), where an op without a seed gets the next value
of a counter that `set_seed` resets. So a program that calls `set_seed` first produces
the same numbers on every run, and successive calls of one op still differ. As in TF (one
kernel, hence one stream, per op type and dtype), `normal(seed=1)` and `uniform(seed=1)`
draw from separate streams.

Every random op is a registered, non-differentiable op (TF declares them NotDifferentiable:
gradients through the sample are None, gradients through `mean`/`stddev` flow as usual).
The op's `rng` attribute is the NumPy generator it draws from: the public function picks
it when called, as TF picks the seed pair when it builds the op, and each execution draws
new numbers from it, so a traced function records a draw, not a frozen constant.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import threading
import zlib

import numpy as np

from ..backend import to_numpy, xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.shape import TensorShape
from ..core.tensor import Operand, convert_to_tensor
from .math import add, multiply

_DEFAULT_GLOBAL_SEED = 87654321
_MASK64 = 0xFFFFFFFFFFFFFFFF
# Extra SeedSequence words that keep the stream families apart: an op seed the user
# writes, a counter-assigned one, a stateless seed and a Generator never share a stream.
_COUNTER_STREAM, _STATELESS_STREAM, _GENERATOR_STREAM, _KIND_STREAM = 1, 2, 3, 4

_lock = threading.Lock()
# Unseeded draws with no global seed share one OS-seeded generator: building a fresh one
# per call costs more than the draw. A forked child (data-loading workers) reseeds, so
# processes do not repeat each other's numbers.
_entropy = np.random.default_rng()
_global_seed = None
_op_counter = 0
_streams: dict = {}  # (global seed, op seed, kind) -> np.random.Generator


def set_seed(seed):
    """Sets the global random seed; resets every op stream, as TF does."""
    global _global_seed, _op_counter
    with _lock:
        _global_seed = None if seed is None else int(seed)
        _op_counter = 0
        _streams.clear()


def get_global_seed():
    return _global_seed


def _reseed_entropy():
    global _entropy
    _entropy = np.random.default_rng()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed_entropy)


def _generator(words) -> np.random.Generator:
    # The stream of np.random.default_rng(words), built at about half the cost.
    return np.random.Generator(np.random.PCG64(words))


def next_rng(seed=None, kind=None) -> np.random.Generator:
    """The NumPy generator a random op with op-level `seed` draws from this call.

    Reproducible whenever the global seed or `seed` is set; fresh entropy otherwise.
    `kind` (e.g. "RandomUniform/float32") gives that op its own stream for a given seed.
    """
    global _op_counter
    with _lock:
        if _global_seed is None and seed is None:
            return _entropy
        g = _DEFAULT_GLOBAL_SEED if _global_seed is None else _global_seed
        if seed is None:
            # A counter value never comes back before set_seed clears the streams, so
            # its stream serves one call: not keeping it keeps memory flat in long loops.
            _op_counter += 1
            return _generator([g & _MASK64, _op_counter, _COUNTER_STREAM])
        key = (g, int(seed), kind)
        rng = _streams.get(key)
        if rng is None:
            rng = _streams[key] = _generator(_stream_words(key))
        return rng


def _stream_words(key) -> list:
    g, seed, kind = key
    words = [g & 0xFFFFFFFF, seed & 0xFFFFFFFF]
    if kind is not None:  # crc32, not hash(): the same stream in every process
        words += [_KIND_STREAM, zlib.crc32(kind.encode())]
    return words


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


# ---- sampling kernels (NumPy generator -> backend array) -----------------------------------


def _normal_array(rng, shape, dtype, truncate=False):
    dt = np.dtype(dtype)
    work = dt if dt in (np.float32, np.float64) else np.dtype(np.float32)
    a = rng.standard_normal(shape, dtype=work)
    if truncate:  # TF re-draws values more than 2 stddev away; ~5% per round, few rounds
        bad = np.abs(a) > 2.0
        while bad.any():
            a[bad] = rng.standard_normal(int(bad.sum()), dtype=work)
            bad = np.abs(a) > 2.0
    return xp.asarray(a.astype(dt, copy=False))


def _uniform_array(rng, shape, dtype):
    dt = np.dtype(dtype)
    if dt == np.float16:  # multiples of 2**-11 are exact in float16, so 1.0 is never hit
        return xp.asarray((rng.integers(0, 2048, shape) * 2.0**-11).astype(dt))
    return xp.asarray(rng.random(shape, dtype=dt))


def _int_array(rng, minval, maxval, shape, op_name):
    for arg, v in (("minval", minval), ("maxval", maxval)):
        if v.ndim != 0:
            raise InvalidArgumentError(f"{op_name}: {arg} must be 0-D, got shape {list(v.shape)}")
    if int(np.prod(shape)) == 0:
        return xp.zeros(shape, dtype=minval.dtype)
    lo, hi = int(minval), int(maxval)
    if lo >= hi:
        raise InvalidArgumentError(f"{op_name}: Need minval < maxval, got {lo} >= {hi}")
    return xp.asarray(rng.integers(lo, hi, size=shape, dtype=minval.dtype))


def _full_int_array(rng, shape, dtype):
    info = np.iinfo(np.dtype(dtype))
    return xp.asarray(rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True))


def _stateless_rng(seed, op_name):
    seed = np.asarray(to_numpy(seed))
    if seed.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op_name}: seed must be int32 or int64, got {seed.dtype}")
    if seed.shape != (2,):
        raise InvalidArgumentError(f"{op_name}: seed must have shape [2], not {list(seed.shape)}")
    return _generator([int(s) & _MASK64 for s in seed] + [_STATELESS_STREAM])


# ---- the ops -------------------------------------------------------------------------------

_RNG = np.random.default_rng(0)  # what the registry's samples draw from
_SEED = np.array([1, 2], dtype=np.int64)
_FLOAT_SAMPLES = [
    Sample(shape=(3, 4), dtype="float32", rng=_RNG),
    Sample(shape=(), dtype="float64", rng=_RNG),
]


@op("RandomStandardNormal", stateful=True, differentiable=False, samples=_FLOAT_SAMPLES)
def _random_standard_normal(*, shape, dtype, rng):
    return _normal_array(rng, shape, dtype)


@op("TruncatedNormal", stateful=True, differentiable=False, samples=_FLOAT_SAMPLES)
def _truncated_normal(*, shape, dtype, rng):
    return _normal_array(rng, shape, dtype, truncate=True)


@op("RandomUniform", stateful=True, differentiable=False, samples=_FLOAT_SAMPLES)
def _random_uniform(*, shape, dtype, rng):
    return _uniform_array(rng, shape, dtype)


@op(
    "RandomUniformInt",
    stateful=True,
    differentiable=False,
    samples=[Sample(np.int32(-3), np.int32(5), shape=(3, 4), rng=_RNG)],
)
def _random_uniform_int(minval, maxval, *, shape, rng):
    return _int_array(rng, minval, maxval, shape, "RandomUniformInt")


@op(
    "RandomUniformFullInt",
    stateful=True,
    differentiable=False,
    samples=[Sample(shape=(2, 3), dtype="int64", rng=_RNG)],
)
def _random_uniform_full_int(*, shape, dtype, rng):
    return _full_int_array(rng, shape, dtype)


@op(
    "RandomShuffle",
    stateful=True,
    differentiable=False,
    samples=[Sample((5, 2), rng=_RNG), Sample(np.arange(4), rng=_RNG)],
)
def _random_shuffle(value, *, rng):
    if value.ndim == 0:
        return value
    return value[xp.asarray(rng.permutation(value.shape[0]))]


@op(
    "Multinomial",
    stateful=True,
    differentiable=False,
    samples=[Sample((3, 5), num_samples=4, output_dtype="int64", rng=_RNG)],
)
def _multinomial(logits, *, num_samples, output_dtype, rng):
    if logits.ndim != 2:
        raise InvalidArgumentError(
            f"Multinomial: logits should be a matrix, got shape {list(logits.shape)}"
        )
    if logits.dtype.kind != "f":
        raise InvalidArgumentError(
            f"Multinomial: logits must be float16, float32 or float64, got {logits.dtype}"
        )
    batch, classes = logits.shape
    if classes == 0:
        raise InvalidArgumentError("Multinomial: num_classes should be positive, got 0")
    if num_samples < 0:
        raise InvalidArgumentError(
            f"Multinomial: num_samples should be non-negative, got {num_samples}"
        )
    # TF's kernel: non-finite logits get probability 0, and a row with no finite logit
    # samples the out-of-range class `num_classes`.
    lg = np.asarray(to_numpy(logits), dtype=np.float64)
    finite = np.isfinite(lg)
    top = np.max(np.where(finite, lg, -np.inf), axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    p = np.exp(np.where(finite, lg - top, -np.inf))
    cdf = np.cumsum(p, axis=1)
    total = cdf[:, -1:]
    cdf = np.where(total > 0, cdf / np.where(total > 0, total, 1.0), 0.0)
    # One searchsorted for all rows: row r of the cdf (values in [0, 1]) moved to [2r, 2r + 1].
    offset = 2.0 * np.arange(batch)[:, None]
    u = rng.random((batch, num_samples))
    found = np.searchsorted((cdf + offset).ravel(), (u + offset).ravel(), side="right")
    idx = found.reshape(batch, num_samples) - classes * np.arange(batch)[:, None]
    last = classes - 1 - np.argmax(p[:, ::-1] > 0, axis=1)[:, None]  # u + 2r may round up
    idx = np.where(total > 0, np.minimum(idx, last), classes)
    return xp.asarray(idx.astype(output_dtype))


@op(
    "StatelessRandomNormal",
    stateful=True,
    differentiable=False,
    samples=[Sample(_SEED, shape=(3, 4), dtype="float32")],
)
def _stateless_random_normal(seed, *, shape, dtype):
    return _normal_array(_stateless_rng(seed, "StatelessRandomNormal"), shape, dtype)


@op(
    "StatelessTruncatedNormal",
    stateful=True,
    differentiable=False,
    samples=[Sample(_SEED, shape=(3, 4), dtype="float32")],
)
def _stateless_truncated_normal(seed, *, shape, dtype):
    rng = _stateless_rng(seed, "StatelessTruncatedNormal")
    return _normal_array(rng, shape, dtype, truncate=True)


@op(
    "StatelessRandomUniform",
    stateful=True,
    differentiable=False,
    samples=[Sample(_SEED, shape=(3, 4), dtype="float32")],
)
def _stateless_random_uniform(seed, *, shape, dtype):
    return _uniform_array(_stateless_rng(seed, "StatelessRandomUniform"), shape, dtype)


@op(
    "StatelessRandomUniformInt",
    stateful=True,
    differentiable=False,
    same_dtype=(1, 2),
    samples=[Sample(_SEED, np.int64(0), np.int64(10), shape=(3, 4))],
)
def _stateless_random_uniform_int(seed, minval, maxval, *, shape):
    op_name = "StatelessRandomUniformInt"
    return _int_array(_stateless_rng(seed, op_name), minval, maxval, shape, op_name)


@op(
    "StatelessRandomUniformFullInt",
    stateful=True,
    differentiable=False,
    samples=[Sample(_SEED, shape=(3, 4), dtype="int32")],
)
def _stateless_random_uniform_full_int(seed, *, shape, dtype):
    rng = _stateless_rng(seed, "StatelessRandomUniformFullInt")
    return _full_int_array(rng, shape, dtype)


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
    return _multinomial(logits, num_samples=int(num_samples), output_dtype=dtype.name, rng=rng)


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


# ---- tf.random.Generator -------------------------------------------------------------------


class Generator:
    """A random number generator with its own state (TF's `tf.random.Generator`).

    Its draws do not depend on the global seed. The state is a NumPy generator, not a
    `tf.Variable` as in TF, so it is not saved in checkpoints.
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            rng = np.random.default_rng()
            rng.bit_generator.state = copy_from._rng.bit_generator.state
        elif state is not None:
            rng = _seeded(np.asarray(state).reshape(-1).tolist())
        else:
            raise ValueError(
                "Generator: give `copy_from` or `state`, or use "
                "Generator.from_seed / Generator.from_non_deterministic_state"
            )
        self._rng = rng
        self.algorithm = alg

    @classmethod
    def from_seed(cls, seed, alg=None) -> Generator:
        """A generator whose draws are determined by the integer `seed`."""
        return cls._wrap(_seeded([int(seed)]), alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None) -> Generator:
        """A generator seeded from operating-system entropy."""
        return cls._wrap(np.random.default_rng(), alg)

    @classmethod
    def _wrap(cls, rng, alg):
        g = cls.__new__(cls)
        g._rng, g.algorithm = rng, alg
        return g

    def reset_from_seed(self, seed):
        """Resets the state as `Generator.from_seed(seed)` would set it."""
        self._rng = _seeded([int(seed)])

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        shape, dtype, params = _normal_args(
            "Generator.normal", "RandomStandardNormal", shape, mean, stddev, dtype
        )
        rnd = _random_standard_normal(shape=shape, dtype=dtype.name, rng=self._rng)
        return _scale_shift(rnd, params)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        shape, dtype, params = _normal_args(
            "Generator.truncated_normal", "TruncatedNormal", shape, mean, stddev, dtype
        )
        rnd = _truncated_normal(shape=shape, dtype=dtype.name, rng=self._rng)
        return _scale_shift(rnd, params)

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        """Uniform samples; integer bounds are both given or both None (full range)."""
        rng = self._rng
        return _two_sided_uniform(
            shape,
            minval,
            maxval,
            dtype,
            lambda s, d: _random_uniform(shape=s, dtype=d, rng=rng),
            lambda lo, hi, s: _random_uniform_int(lo, hi, shape=s, rng=rng),
            lambda s, d: _random_uniform_full_int(shape=s, dtype=d, rng=rng),
        )

    def uniform_full_int(self, shape, dtype=dtypes.uint64, name=None):
        """Integers spread over the whole range of `dtype`."""
        dtype = dtypes.as_dtype(dtype)
        if not dtype.is_integer:
            raise ValueError(
                f"Generator.uniform_full_int: dtype must be an integer type, got {dtype.name}"
            )
        shape = _shape_arg(shape, "RandomUniformFullInt")
        return _random_uniform_full_int(shape=shape, dtype=dtype.name, rng=self._rng)

    def make_seeds(self, count=1):
        """An int64 tensor of shape [2, count]: seeds for the stateless random ops."""
        return self.uniform_full_int([2, int(count)], dtype=dtypes.int64)

    def split(self, count=1) -> list:
        """`count` new generators, independent of this one and of each other."""
        words = self._rng.integers(0, 2**63, size=(int(count), 4)).tolist()
        return [Generator._wrap(_seeded(w), self.algorithm) for w in words]


def _seeded(words) -> np.random.Generator:
    return _generator([int(w) & _MASK64 for w in words] + [_GENERATOR_STREAM])


_global_generator = None


def get_global_generator() -> Generator:
    """The process-wide Generator, created from non-deterministic state on first use."""
    global _global_generator
    if _global_generator is None:
        _global_generator = Generator.from_non_deterministic_state()
    return _global_generator


def set_global_generator(generator):
    """Replaces the process-wide Generator."""
    global _global_generator
    _global_generator = generator


def op_counter() -> int:
    """How many unseeded ops have picked an op seed since `set_seed` (see `next_rng`)."""
    return _op_counter


@contextlib.contextmanager
def undone_draws(counter_start=None):
    """Draws inside the block leave the shared streams as they were: for a dry re-trace.

    With `counter_start`, unseeded ops pick their op seeds from that counter value on, as
    the first trace of the same function did (TF's op seeds come from the graph, so two
    traces of one function draw alike). User `Generator` objects are not restored.
    """
    global _op_counter
    with _lock:
        counter = _op_counter
        known = set(_streams)
        states = [(g, g.bit_generator.state) for g in _streams.values()]
        states.append((_entropy, _entropy.bit_generator.state))
        if _global_generator is not None:
            states.append((_global_generator._rng, _global_generator._rng.bit_generator.state))
        if counter_start is not None:
            _op_counter = counter_start
    try:
        yield
    finally:
        with _lock:
            _op_counter = max(counter, _op_counter)
            for g, saved in states:
                g.bit_generator.state = saved
            for key in set(_streams) - known:  # a stream the block opened starts afresh
                _streams[key].bit_generator.state = _generator(
                    _stream_words(key)
                ).bit_generator.state


API = {
    "random": [
        "set_seed",
        "normal",
        "uniform",
        "truncated_normal",
        "shuffle",
        "categorical",
        "stateless_normal",
        "stateless_uniform",
        "stateless_truncated_normal",
        "Generator",
        "get_global_generator",
        "set_global_generator",
    ],
}
