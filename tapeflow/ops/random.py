"""Random tensors (tf.random) with TensorFlow's seeding model.

TF's model: `tf.random.set_seed(g)` fixes a global seed; each random op then draws from
a stream keyed by (global seed, op seed), where an op without a seed gets the next value
of a counter that `set_seed` resets. So a program that calls `set_seed` first produces
the same numbers on every run, and successive calls of one op still differ.
"""

from __future__ import annotations

import threading

import numpy as np

_DEFAULT_GLOBAL_SEED = 87654321

_lock = threading.Lock()
_global_seed = None
_op_counter = 0
_streams: dict = {}  # (global seed, op seed) -> np.random.Generator


def set_seed(seed):
    """Sets the global random seed; resets every op stream, as TF does."""
    global _global_seed, _op_counter
    with _lock:
        _global_seed = None if seed is None else int(seed)
        _op_counter = 0
        _streams.clear()


def get_global_seed():
    return _global_seed


def next_rng(seed=None) -> np.random.Generator:
    """The NumPy generator a random op with op-level `seed` draws from this call.

    Reproducible whenever the global seed or `seed` is set; fresh entropy otherwise.
    """
    global _op_counter
    with _lock:
        if _global_seed is None and seed is None:
            return np.random.default_rng()
        g = _DEFAULT_GLOBAL_SEED if _global_seed is None else _global_seed
        if seed is None:
            _op_counter += 1
            seed = _op_counter
        key = (g, int(seed))
        rng = _streams.get(key)
        if rng is None:
            rng = _streams[key] = np.random.default_rng([g & 0xFFFFFFFF, int(seed) & 0xFFFFFFFF])
        return rng


API = {"random": ["set_seed"]}
