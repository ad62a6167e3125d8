"""`keras.utils.set_random_seed`: one call seeds Python, NumPy and tapeflow."""

from __future__ import annotations

import random

import numpy as np


def set_random_seed(seed: int):
    """Seeds `random`, `np.random` and `tf.random` (fit's shuffling draws from NumPy)."""
    if not isinstance(seed, int):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed} "
            f"(of type {type(seed)})"
        )
    from ...ops.random import set_seed

    random.seed(seed)
    np.random.seed(seed)
    set_seed(seed)
    from ..random import reset_global_seed_generator

    reset_global_seed_generator()
