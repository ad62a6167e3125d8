"""`keras.random`: Keras 3's random functions and `SeedGenerator`.

As in Keras, every function is stateless in its seed: an int seed gives the same numbers
on every call, a `SeedGenerator` advances its state (a variable, saved with the model) at
each call, and no seed draws from a global SeedGenerator that `keras.utils.set_random_seed`
resets. The numbers come from tapeflow's generators (TF's seeding rules, not its bit
streams), so they differ from TensorFlow's for the same seed.
"""

from __future__ import annotations

import random as _python_random

import numpy as np

import tapeflow as tf

from . import backend
from .ops._base import cast, to_tensor
from .ops._dtypes import standardize_dtype


class SeedGenerator:
    """A seed state that changes at each draw: `keras.random.normal(shape, seed=gen)`."""

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name or backend.unique_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = _python_random.randint(1, int(1e9))
        if not isinstance(seed, int):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        from ..core.module import name_scope

        with name_scope(self.name):
            self.state = tf.Variable(
                np.array([seed, 0], dtype=np.int64), trainable=False, name="seed_generator_state"
            )

    def next(self, ordered=True):
        """The current seed (an int64 tensor of shape [2]); advances the state."""
        seed = tf.identity(self.state)
        if ordered:
            self.state.assign_add(tf.constant([0, 1], dtype="int64"))
        else:
            self.state.assign((self.state + 1) * 5387 % 933199)
        return seed

    def _trackable_children(self):
        return {"state": self.state}

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_global = [None]


def global_seed_generator() -> SeedGenerator:
    if _global[0] is None:
        _global[0] = SeedGenerator()
    return _global[0]


def reset_global_seed_generator():
    """Called by keras.utils.set_random_seed: the next unseeded draw starts a new one."""
    _global[0] = None


def draw_seed(seed):
    """The [2] int64 seed tensor a draw uses for `seed` (int, SeedGenerator or None)."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return tf.constant([int(seed), 0], dtype="int64")
    if seed is None:
        return global_seed_generator().next(ordered=False)
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed} (of type {type(seed)})"
    )


def _dtype(dtype):
    return standardize_dtype(dtype or backend.floatx())


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev)."""
    return tf.random.stateless_normal(shape, draw_seed(seed), mean=mean, stddev=stddev,
                                      dtype=_dtype(dtype))  # fmt: skip


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U[minval, maxval) (floats)."""
    dtype = _dtype(dtype)
    if not dtype.startswith("float"):
        raise ValueError(
            f"`keras.random.uniform` requires a floating point `dtype`. Received: dtype={dtype} "
        )
    return tf.random.stateless_uniform(shape, draw_seed(seed), minval=tf.cast(minval, dtype),
                                       maxval=tf.cast(maxval, dtype), dtype=dtype)  # fmt: skip


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval)."""
    dtype = standardize_dtype(dtype)
    draw = "int64" if dtype not in ("int32", "int64") else dtype
    out = tf.random.stateless_uniform(shape, draw_seed(seed), minval=minval, maxval=maxval,
                                      dtype=draw)  # fmt: skip
    return cast(out, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev), redrawn beyond two standard deviations."""
    return tf.random.stateless_truncated_normal(shape, draw_seed(seed), mean=mean,
                                                stddev=stddev, dtype=_dtype(dtype))  # fmt: skip


def dropout(inputs, rate, noise_shape=None, seed=None):
    """`inputs` with a fraction `rate` of entries zeroed and the rest scaled by
    1 / (1 - rate)."""
    inputs = to_tensor(inputs)
    if rate == 1.0:
        return tf.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    shape = inputs.shape.as_list()
    if noise_shape is not None:
        shape = [s if n is None else n for s, n in zip(shape, noise_shape)]
    keep = tf.random.stateless_uniform(shape, draw_seed(seed), dtype=inputs.dtype.name) >= rate
    scale = tf.constant(1.0 / (1.0 - rate), inputs.dtype)
    return tf.where(keep, inputs * scale, tf.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    """`x` with its slices along `axis` in a random order."""
    x = to_tensor(x)
    keys = tf.random.stateless_uniform([x.shape[axis]], draw_seed(seed))
    return tf.gather(x, tf.argsort(keys), axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` (unnormalised log-probabilities)."""
    logits = to_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits={logits}"
        )
    rows, classes = logits.shape.as_list()
    u = tf.random.stateless_uniform([rows, num_samples, classes], draw_seed(seed),
                                    minval=np.finfo(np.float32).tiny, maxval=1.0)  # fmt: skip
    gumbel = -tf.math.log(-tf.math.log(u))  # argmax(logits + Gumbel noise) ~ softmax(logits)
    scores = tf.expand_dims(tf.cast(logits, "float32"), 1) + gumbel
    return cast(tf.argmax(scores, axis=-1), standardize_dtype(dtype))


def _numpy_rng(seed) -> np.random.Generator:
    words = np.asarray(draw_seed(seed)).astype(np.int64).tolist()
    return np.random.default_rng([w & 0xFFFFFFFFFFFFFFFF for w in words] + [5])


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from Gamma(alpha, 1)."""
    dtype = _dtype(dtype)
    alpha = np.broadcast_to(np.asarray(to_tensor(alpha), np.float64), shape)
    return tf.constant(_numpy_rng(seed).gamma(alpha).astype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from Beta(alpha, beta)."""
    dtype = _dtype(dtype)
    rng = _numpy_rng(seed)
    a = np.broadcast_to(np.asarray(to_tensor(alpha), np.float64), shape)
    b = np.broadcast_to(np.asarray(to_tensor(beta), np.float64), shape)
    return tf.constant(rng.beta(a, b).astype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples from Binomial(counts, probabilities), as `dtype` (floatx by default)."""
    dtype = _dtype(dtype)
    rng = _numpy_rng(seed)
    n = np.broadcast_to(np.asarray(to_tensor(counts)), shape)
    p = np.broadcast_to(np.asarray(to_tensor(probabilities), np.float64), shape)
    return tf.constant(rng.binomial(n.astype(np.int64), p).astype(dtype))


__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]  # fmt: skip
