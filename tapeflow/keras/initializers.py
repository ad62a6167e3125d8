"""`keras.initializers`: weight initial values with Keras 3's fan computations and names."""

from __future__ import annotations

import math

import numpy as np

from ..backend import xp
from ..core.tensor import wrap
from ..ops.random import next_rng


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple:
    """(fan_in, fan_out) as Keras computes them (conv kernels: receptive field x channels),
    or the products of the sizes along `input_axes` and `output_axes` when both are given."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (
            int(np.prod([shape[a] for a in input_axes])),
            int(np.prod([shape[a] for a in output_axes])),
        )
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: `init(shape, dtype)` returns a Tensor of that shape."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _out(self, array, dtype):
        dtype = np.dtype(dtype or "float32")
        return wrap(xp.asarray(array.astype(dtype)))


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return self._out(np.zeros(shape), dtype)


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return self._out(np.ones(shape), dtype)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return self._out(np.broadcast_to(np.asarray(self.value), shape).copy(), dtype)

    def get_config(self):
        return {"value": self.value}


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _rng(self):
        # Keras 3: "a seeded initializer will produce the same random values across
        # multiple calls"; unseeded ones draw from the global stream (tf.random.set_seed).
        if self.seed is not None:
            return np.random.default_rng(self.seed)
        return next_rng(None)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return self._out(self._rng().normal(self.mean, self.stddev, size=shape), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return self._out(self._rng().uniform(self.minval, self.maxval, size=shape), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated(rng, stddev, shape):
    """Normal(0, stddev) re-drawn outside two standard deviations."""
    out = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2
    return out * stddev


class TruncatedNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return self._out(self.mean + _truncated(self._rng(), self.stddev, shape), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    """scale / fan (fan_in, fan_out or their average), drawn from one of three families."""

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        super().__init__(seed)
        self.input_axes, self.output_axes = input_axes, output_axes
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: invalid mode {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: invalid distribution {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        scale = self.scale / max(1.0, fan[self.mode])
        rng = self._rng()
        if self.distribution == "truncated_normal":
            # 0.879... is the stddev of a unit normal truncated to [-2, 2].
            values = _truncated(rng, math.sqrt(scale) / 0.87962566103423978, shape)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(scale), size=shape)
        else:
            limit = math.sqrt(3.0 * scale)
            values = rng.uniform(-limit, limit, size=shape)
        return self._out(values, dtype)

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


def _variance_scaling(name, scale, mode, distribution):
    class Fixed(VarianceScaling):
        def __init__(self, seed=None, input_axes=None, output_axes=None):
            super().__init__(
                scale=scale,
                mode=mode,
                distribution=distribution,
                seed=seed,
                input_axes=input_axes,
                output_axes=output_axes,
            )

        def get_config(self):
            return {
                "seed": self.seed,
                "input_axes": self.input_axes,
                "output_axes": self.output_axes,
            }

    Fixed.__name__ = Fixed.__qualname__ = name
    return Fixed


GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")


class Orthogonal(_Seeded):
    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have rank >= 2, got {tuple(shape)}")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = self._rng().normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self._out(self.gain * q.reshape(shape), dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity: the shape must have rank 2, got {tuple(shape)}")
        return self._out(self.gain * np.eye(*shape), dtype)

    def get_config(self):
        return {"gain": self.gain}


_BY_NAME = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal,
    "identity": Identity,
    "uniform": RandomUniform,  # Keras' short aliases
    "normal": RandomNormal,
    "one": Ones,
    "zero": Zeros,
}


def get(identifier):
    """An initializer from a name ("glorot_uniform"), a config dict, an instance or callable."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer) or (
        callable(identifier) and not isinstance(identifier, type)
    ):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, dict):
        cls = _lookup(identifier["class_name"])
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        return _lookup(identifier)()
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def _lookup(name):
    key = name if name in _BY_NAME else _snake(name)
    if key not in _BY_NAME:
        raise ValueError(f"Unknown initializer: {name!r}. Known: {sorted(_BY_NAME)}")
    return _BY_NAME[key]


def _snake(name):
    from .backend import to_snake_case

    return to_snake_case(name)


def serialize(initializer) -> dict:
    if not isinstance(initializer, Initializer):  # a plain function, as Keras writes one
        from .saving.serialization import serialize_keras_object

        return serialize_keras_object(initializer)
    return {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": None,
    }


deserialize = get
