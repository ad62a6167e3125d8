"""`tf.random.Generator`: a random number generator with its own state, saved in
checkpoints through its state variable."""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.variable import Variable
from .random import (
    _GENERATOR_STREAM,
    _MASK64,
    _generator,
    _random_standard_normal,
    _random_uniform,
    _random_uniform_full_int,
    _random_uniform_int,
    _truncated_normal,
)
from .random_distributions import _normal_args, _scale_shift, _shape_arg, _two_sided_uniform


class Generator:
    """A random number generator with its own state (TF's `tf.random.Generator`).

    Its draws do not depend on the global seed. The numbers come from a NumPy PCG64
    generator; its state is mirrored in `state`, an int64 tf.Variable of shape [6], which is
    what checkpoints save (as TF saves `_state_var`): a generator restored from a checkpoint
    continues with the numbers the saved one would have drawn next. The mirror is written
    when it is read (`state`, a checkpoint or SavedModel walking `_trackable_children`) and
    read back before each draw when it was assigned (a restore).
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
        self._state_var = None
        self._mirror = None

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
        g._state_var = g._mirror = None
        return g

    def reset_from_seed(self, seed):
        """Resets the state as `Generator.from_seed(seed)` would set it."""
        self._sync_in()
        # In place: functions traced with this generator keep drawing from it.
        self._rng.bit_generator.state = _seeded([int(seed)]).bit_generator.state

    # ---- the state as a variable (checkpoints) ------------------------------------------

    @property
    def state(self) -> Variable:
        """The generator's state as an int64 Variable of shape [6] (PCG64's 128-bit state and
        increment, and its cached half-word), current as of this read."""
        self._sync_in()
        encoded = _encode_state(self._rng.bit_generator.state)
        if self._state_var is None:
            self._state_var = Variable(encoded, trainable=False, name="state")
        elif not np.array_equal(encoded, self._mirror):
            self._state_var.assign(encoded)
        self._mirror = encoded
        return self._state_var

    def _trackable_children(self) -> dict:
        # TF's checkpoint key for a Generator's state; the hook a SavedModel walks too.
        return {"_state_var": self.state}

    def _sync_in(self):
        """Takes the state from the variable when something assigned it (a restore)."""
        var = self._state_var
        if var is None:
            return
        current = np.asarray(to_numpy(var._value))
        if not np.array_equal(current, self._mirror):
            self._rng.bit_generator.state = _decode_state(current)
            self._mirror = current.copy()

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        self._sync_in()
        shape, dtype, params = _normal_args(
            "Generator.normal", "RandomStandardNormal", shape, mean, stddev, dtype
        )
        rnd = _random_standard_normal(shape=shape, dtype=dtype.name, rng=self._rng)
        return _scale_shift(rnd, params)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        self._sync_in()
        shape, dtype, params = _normal_args(
            "Generator.truncated_normal", "TruncatedNormal", shape, mean, stddev, dtype
        )
        rnd = _truncated_normal(shape=shape, dtype=dtype.name, rng=self._rng)
        return _scale_shift(rnd, params)

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        """Uniform samples; integer bounds are both given or both None (full range)."""
        self._sync_in()
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
        self._sync_in()
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
        self._sync_in()
        words = self._rng.integers(0, 2**63, size=(int(count), 4)).tolist()
        return [Generator._wrap(_seeded(w), self.algorithm) for w in words]


def _encode_state(state: dict) -> np.ndarray:
    words = [state["state"]["state"] >> 64, state["state"]["state"] & _MASK64,
             state["state"]["inc"] >> 64, state["state"]["inc"] & _MASK64,
             state["has_uint32"], state["uinteger"]]  # fmt: skip
    return np.array(words, dtype=np.uint64).view(np.int64)


def _decode_state(values) -> dict:
    if np.shape(values) != (6,):
        raise InvalidArgumentError(
            f"tf.random.Generator: a state must have shape [6], got {list(np.shape(values))}"
        )
    w = [int(v) for v in np.asarray(values, dtype=np.int64).view(np.uint64)]
    return {"bit_generator": "PCG64", "state": {"state": (w[0] << 64) | w[1],
            "inc": (w[2] << 64) | w[3]}, "has_uint32": w[4], "uinteger": w[5]}  # fmt: skip


def _seeded(words) -> np.random.Generator:
    return _generator([int(w) & _MASK64 for w in words] + [_GENERATOR_STREAM])


API = {"random": ["Generator"]}
