"""How a layer applies its dtype policy: the `dtype` argument's spellings, the NumPy dtype
inputs are compared against, and the weights read in the compute dtype during a call."""

from __future__ import annotations

import numpy as np


def legacy_dtype(dtype):
    """A `dtype` argument with Keras 2's spellings (a tf.DType) as a policy name."""
    if dtype == "str":
        return "string"  # keras.Input(dtype="str"): text features
    if dtype is None or isinstance(dtype, (str, dict)):
        return dtype
    if (
        hasattr(dtype, "name")
        and not isinstance(dtype, type)
        and not hasattr(dtype, "compute_dtype")
    ):
        return dtype.name
    if isinstance(dtype, type) or isinstance(dtype, np.dtype):
        return np.dtype(dtype).name
    return dtype


def numpy_dtype(name: str):
    if name == "bfloat16":
        from ...core.dtypes import bfloat16

        return bfloat16._np
    return np.dtype(name) if name != "string" else np.dtype(object)


class AutocastWeights:
    """During a mixed-policy layer's call, its float weights (attributes made by add_weight
    with autocast=True) read as casts to the compute dtype; the casts are ops, so gradients
    reach the float32 weights (Keras 3's AutocastScope for one layer)."""

    def __init__(self, layer):
        self.layer = layer
        self.swapped = []

    def __enter__(self):
        self._swap(self.layer, self.layer._autocast_dtype)
        return self

    def _swap(self, layer, dtype):
        # Sublayers of the same compute dtype too: a layer may use a sublayer's weights
        # without calling it (an RNN and its cell), as Keras' scope covers the whole call.
        from ...ops.math import cast

        own = {id(w) for w in layer._own_weights}
        for name, value in list(vars(layer).items()):
            if (
                id(value) in own
                and getattr(value, "_autocast", True)
                and value.dtype.is_floating
                and value.dtype.name != dtype
            ):
                self.swapped.append((layer, name, value))
                object.__setattr__(layer, name, cast(value, dtype))
        for sub in layer._direct_sublayers():
            if sub._autocast_dtype == dtype and sub._autocast:
                self._swap(sub, dtype)

    def __exit__(self, *exc):
        for layer, name, value in reversed(self.swapped):
            object.__setattr__(layer, name, value)
