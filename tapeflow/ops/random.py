"""TensorFlow's random seeding model (set_seed, op seed streams) and the random ops.

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
new numbers from it, so a traced function records a draw, not a frozen constant. The public
functions (normal, uniform, ...) are in random_distributions.py, Generator in
random_generator.py.
"""

from __future__ import annotations

import contextlib
import os
import threading
import zlib
from typing import TYPE_CHECKING

import numpy as np

from ..backend import to_numpy, xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op

if TYPE_CHECKING:
    from .random_generator import Generator

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


_global_generator = None


def get_global_generator() -> Generator:
    """The process-wide Generator, created from non-deterministic state on first use."""
    from .random_generator import Generator  # imported here: it imports this module

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


def draw_state():
    """Where every random stream stands now, for `replayed_draws` (tf.recompute_grad)."""
    with _lock:
        generators = [g for g in _streams.values()] + [_entropy]
        if _global_generator is not None:
            generators.append(_global_generator._rng)
        return (
            _op_counter,
            dict(_streams),
            [(g, g.bit_generator.state) for g in generators],
        )


def _restore_draws(saved):
    global _op_counter
    counter, streams, states = saved
    _op_counter = counter
    for key in list(_streams):
        if key not in streams:
            del _streams[key]
    _streams.update(streams)
    for g, state in states:
        g.bit_generator.state = state


@contextlib.contextmanager
def replayed_draws(saved):
    """Random ops in the block draw what they drew after `saved = draw_state()`; afterwards
    every stream is back where it was before the block. A recomputed forward pass thus
    sees the same dropout masks as the original one."""
    now = draw_state()
    with _lock:
        _restore_draws(saved)
    try:
        yield
    finally:
        with _lock:
            _restore_draws(now)


API = {"random": ["set_seed", "get_global_generator", "set_global_generator"]}
