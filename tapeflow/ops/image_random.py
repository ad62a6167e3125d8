"""`tf.image`'s random augmentations: random and stateless flips, crops, brightness,
contrast, saturation and hue. Each draws its parameter as TF does (one uniform per image for
batched flips, one int32 per axis for crops, one scalar otherwise) from tapeflow's random
streams (ops/random.py: a global seed and an op seed give reproducible draws, as in TF; the
numbers themselves are not TF's), then applies the deterministic function.
"""

from __future__ import annotations

import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.tensor import convert_to_tensor
from .array import range as _range
from .array import reshape
from .array_join import reverse
from .image_color import adjust_contrast, adjust_hue, adjust_saturation
from .image_convert import adjust_brightness
from .image_geometry import image_dims
from .indexing import gather, where
from .logic import less
from .math import cast, floormod
from .math_unary import round as _round
from .random_distributions import stateless_uniform, uniform


def _random_flip(image, axis, draw, fn):
    image = convert_to_tensor(image)
    dims = image_dims(image, fn)
    if len(dims) == 3:
        # TF's tf.cond on one draw; a select keeps it traceable inside tf.function.
        return where(less(draw([], 0, 1.0), 0.5), reverse(image, [axis]), image)
    # TF's batched rule: flip image i where round(u_i) is 1, blended arithmetically.
    flips = cast(_round(reshape(draw([dims[0]], 0, 1.0), [dims[0], 1, 1, 1])), image.dtype)
    return flips * reverse(image, [axis + 1]) + (1 - flips) * image


def _stateful(seed):
    return lambda shape, lo, hi: uniform(shape, lo, hi, seed=seed)


def _stateless(seed):
    return lambda shape, lo, hi: stateless_uniform(shape, seed, lo, hi)


def random_flip_left_right(image, seed=None):
    """Flips each image left-right with probability 1/2."""
    return _random_flip(image, 1, _stateful(seed), "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Flips each image upside down with probability 1/2."""
    return _random_flip(image, 0, _stateful(seed), "random_flip_up_down")


def stateless_random_flip_left_right(image, seed):
    """Flips each image left-right with probability 1/2, as decided by `seed` (shape [2])."""
    return _random_flip(image, 1, _stateless(seed), "stateless_random_flip_left_right")


def stateless_random_flip_up_down(image, seed):
    """Flips each image upside down with probability 1/2, as decided by `seed`."""
    return _random_flip(image, 0, _stateless(seed), "stateless_random_flip_up_down")


def _random_crop(value, size, draw, fn):
    value = convert_to_tensor(value)
    shape = value.shape.as_list()
    size = np.asarray(size.numpy() if hasattr(size, "numpy") else size)
    if size.size and size.dtype.kind not in "iu":
        raise TypeError(f"{fn}: size must be integers, got {size.tolist()!r}")
    if size.ndim != 1:
        raise InvalidArgumentError(f"{fn}: size must be a 1-D list, got shape {size.shape}")
    size = size.astype(np.int64)
    if len(size) != len(shape):
        raise InvalidArgumentError(
            f"{fn}: Incompatible shapes: value has rank {len(shape)}, size {size.tolist()}"
        )
    if any(s > d for s, d in zip(size, shape)):
        raise InvalidArgumentError(
            f"{fn}: Need value.shape >= size, got {shape} and {size.tolist()}"
        )
    # TF's offsets: a uniform int32 in [0, int32 max) per axis, modulo the room left.
    limit = convert_to_tensor(np.asarray(shape, np.int32) - size.astype(np.int32) + 1)
    offset = floormod(draw([len(shape)], dtypes.int32.max), limit)
    # Gathers rather than a slice: the offsets stay tensors inside tf.function.
    for axis, n in enumerate(size):
        value = gather(value, _range(int(n)) + offset[axis], axis=axis)
    return value


def random_crop(value, size, seed=None, name=None):
    """A `size` block of `value` at a uniformly drawn offset."""
    draw = lambda shape, hi: uniform(shape, 0, hi, dtype=dtypes.int32, seed=seed)  # noqa: E731
    return _random_crop(value, size, draw, "random_crop")


def stateless_random_crop(value, size, seed, name=None):
    """A `size` block of `value` at an offset decided by `seed` (shape [2])."""
    draw = lambda shape, hi: stateless_uniform(shape, seed, 0, hi, dtype=dtypes.int32)  # noqa: E731
    return _random_crop(value, size, draw, "stateless_random_crop")


def _value(x):
    return float(x.numpy()) if hasattr(x, "numpy") else x


def _check_delta(max_delta, limit=None):
    if _value(max_delta) < 0:
        raise ValueError("max_delta must be non-negative.")
    if limit is not None and _value(max_delta) > limit:
        raise ValueError(f"max_delta must be <= {limit}.")


def _check_range(lower, upper):
    if _value(upper) <= _value(lower):
        raise ValueError("upper must be > lower.")
    if _value(lower) < 0:
        raise ValueError("lower must be non-negative.")


def random_brightness(image, max_delta, seed=None):
    """`adjust_brightness` by a delta drawn from [-max_delta, max_delta)."""
    _check_delta(max_delta)
    return adjust_brightness(image, uniform([], -max_delta, max_delta, seed=seed))


def stateless_random_brightness(image, max_delta, seed):
    """`random_brightness` with the delta decided by `seed`."""
    _check_delta(max_delta)
    return adjust_brightness(image, stateless_uniform([], seed, -max_delta, max_delta))


def random_contrast(image, lower, upper, seed=None):
    """`adjust_contrast` by a factor drawn from [lower, upper)."""
    _check_range(lower, upper)
    return adjust_contrast(image, uniform([], lower, upper, seed=seed))


def stateless_random_contrast(image, lower, upper, seed):
    """`random_contrast` with the factor decided by `seed`."""
    _check_range(lower, upper)
    return adjust_contrast(image, stateless_uniform([], seed, lower, upper))


def random_saturation(image, lower, upper, seed=None):
    """`adjust_saturation` by a factor drawn from [lower, upper)."""
    _check_range(lower, upper)
    return adjust_saturation(image, uniform([], lower, upper, seed=seed))


def stateless_random_saturation(image, lower, upper, seed=None):
    """`random_saturation` with the factor decided by `seed`."""
    _check_range(lower, upper)
    return adjust_saturation(image, stateless_uniform([], seed, lower, upper))


def random_hue(image, max_delta, seed=None):
    """`adjust_hue` by a delta drawn from [-max_delta, max_delta) (max_delta <= 0.5)."""
    _check_delta(max_delta, 0.5)
    return adjust_hue(image, uniform([], -max_delta, max_delta, seed=seed))


def stateless_random_hue(image, max_delta, seed):
    """`random_hue` with the delta decided by `seed`."""
    _check_delta(max_delta, 0.5)
    return adjust_hue(image, stateless_uniform([], seed, -max_delta, max_delta))


API = {
    "image": [
        "random_flip_left_right",
        "random_flip_up_down",
        "stateless_random_flip_left_right",
        "stateless_random_flip_up_down",
        "random_brightness",
        "stateless_random_brightness",
        "random_contrast",
        "stateless_random_contrast",
        "random_saturation",
        "stateless_random_saturation",
        "random_hue",
        "stateless_random_hue",
        "random_crop",
        "stateless_random_crop",
    ]
}
