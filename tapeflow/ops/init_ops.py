"""TF's own initializers (`init_ops_v2`): `tf.constant_initializer`, `tf.zeros_initializer`,
`tf.ones_initializer`, `tf.random_normal_initializer`, `tf.random_uniform_initializer`.

Each is `init(shape, dtype)` -> Tensor with `get_config`/`from_config`, so a Keras layer
takes one wherever it takes an initializer (Keras accepts any such callable), as in TF.
"""

from __future__ import annotations

from ..core import dtypes
from ..core.tensor import constant
from .array import ones, zeros
from .random_distributions import normal, uniform

_PARTITION_KWARGS = ["partition_shape", "partition_offset"]


class _Initializer:
    """The shared parts: config round trip and TF's check of extra keyword arguments."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config.pop("dtype", None)  # TF 1 configs carried one
        return cls(**config)

    @staticmethod
    def _check_kwargs(kwargs):
        for key in kwargs:
            if key not in _PARTITION_KWARGS:
                raise TypeError(
                    f"Keyword argument should be one of {_PARTITION_KWARGS}. Received: {key}"
                )


def _numeric_or_bool(dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype is dtypes.string:
        raise ValueError(
            f"Argument `dtype` expected to be numeric or boolean. Received {dtype!r}."
        )
    return dtype


class Constant(_Initializer):
    """Fills with `value`: a scalar (broadcast) or values with as many elements as the shape
    (reshaped). Without a dtype the tensor takes `value`'s own (int32 for 0)."""

    def __init__(self, value=0, support_partition=False):
        self.value = value
        self.support_partition = support_partition

    def __call__(self, shape, dtype=None, **kwargs):
        self._check_kwargs(kwargs)
        return constant(self.value, dtype=None if dtype is None else dtypes.as_dtype(dtype),
                        shape=shape)  # fmt: skip

    def get_config(self) -> dict:
        return {"value": self.value}


class Zeros(_Initializer):
    """Fills with zeros (float32 unless `dtype` says otherwise)."""

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        self._check_kwargs(kwargs)
        return zeros(shape, dtype=_numeric_or_bool(dtype))


class Ones(_Initializer):
    """Fills with ones (float32 unless `dtype` says otherwise)."""

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        self._check_kwargs(kwargs)
        return ones(shape, dtype=_numeric_or_bool(dtype))


class RandomNormal(_Initializer):
    """Draws from N(mean, stddev**2); floating dtypes only."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        self._check_kwargs(kwargs)
        dtype = dtypes.as_dtype(dtype)
        if not dtype.is_floating:
            raise ValueError(
                f"Argument `dtype` is expected to be floating point. Received: {dtype!r}."
            )
        return normal(shape, self.mean, self.stddev, dtype=dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Initializer):
    """Draws from U[minval, maxval); floating or integer dtypes."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        self._check_kwargs(kwargs)
        dtype = _numeric_or_bool(dtype)
        return uniform(shape, self.minval, self.maxval, dtype=dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


# TF's public names are aliases of the classes (whose names Keras configs record, so a layer
# built with `tf.constant_initializer(0.5)` round-trips through get_config as in TF).
constant_initializer = Constant
zeros_initializer = Zeros
ones_initializer = Ones
random_normal_initializer = RandomNormal
random_uniform_initializer = RandomUniform

API = {
    "tf": ["constant_initializer", "zeros_initializer", "ones_initializer",
           "random_normal_initializer", "random_uniform_initializer"],
}  # fmt: skip
