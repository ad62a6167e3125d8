"""Clipping and rescaling by norm: clip_by_value, clip_by_norm, clip_by_global_norm,
global_norm and l2_normalize.
"""

import collections.abc

import numpy as np

from ..core.indexed_slices import IndexedSlices
from ..core.tensor import convert_to_tensor
from .logic import greater
from .math import _QUIET, _cast, _real_div, add_n, maximum, minimum, multiply
from .math_unary import rsqrt, sqrt, square


def _same_shape(name, before, after):
    if tuple(before.shape) != tuple(after.shape):
        raise ValueError(
            f"{name}: Shapes {before.shape} and {after.shape} are incompatible "
            f"(the clip bounds must not broadcast `t` to a larger shape)"
        )


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips values into [clip_value_min, clip_value_max]; at a bound the gradient goes to t."""
    values = convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t)
    t_min = minimum(values, clip_value_max)
    _same_shape("clip_by_value", values, t_min)
    t_max = maximum(t_min, clip_value_min)
    _same_shape("clip_by_value", values, t_max)
    if isinstance(t, IndexedSlices):
        return IndexedSlices(t_max, t.indices, t.dense_shape)
    return t_max


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales t so that its L2 norm (over `axes`, default all) is at most `clip_norm`."""
    from .reduce import reduce_sum

    values = convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t)
    l2sum = reduce_sum(values * values, axes, keepdims=True)
    # TF's double-where, so an all-zero t gets a zero (not nan) gradient:
    # l2norm = where(l2sum > 0, sqrt(where(l2sum > 0, l2sum, 1)), l2sum).
    positive = _cast(greater(l2sum, 0.0), dtype=l2sum.dtype.name)
    l2norm = sqrt(l2sum + (1.0 - positive)) * positive
    intermediate = values * clip_norm
    _same_shape("clip_by_norm", values, intermediate)
    clipped = _real_div(intermediate, maximum(l2norm, clip_norm))
    if isinstance(t, IndexedSlices):
        return IndexedSlices(clipped, t.indices, t.dense_shape)
    return clipped


def _check_sequence(t_list, name):
    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, str):
        raise TypeError(
            f"{name}: `t_list` should be a sequence of tensors. Received {type(t_list)}."
        )


def _global_norm(values):
    """sqrt(sum of squares of every entry), None entries skipped (TF's tf.linalg.global_norm)."""
    from .reduce import reduce_sum

    half_squared = [reduce_sum(square(v)) * 0.5 for v in values if v is not None]  # l2_loss
    if not half_squared:  # TF: 0.0 when t_list is empty or only None
        return convert_to_tensor(0.0)
    return sqrt(add_n(half_squared) * 2.0)


def global_norm(t_list, name=None):
    """sqrt(sum of the squares of every entry of every tensor in t_list); None entries are
    skipped, IndexedSlices count their values, an empty list gives 0.0."""
    _check_sequence(t_list, "global_norm")
    values = [
        None if t is None else convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t)
        for t in t_list
    ]
    if all(v is None for v in values):
        return convert_to_tensor(0.0)
    return _global_norm(values)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor of t_list by clip_norm / max(global_norm, clip_norm).

    Returns `(list_clipped, global_norm)`; None entries stay None. When the global norm is
    inf or nan every clipped value is nan, as in TF.
    """
    _check_sequence(t_list, "clip_by_global_norm")
    t_list = list(t_list)
    values = [
        None if t is None else convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t)
        for t in t_list
    ]
    use_norm = _global_norm(values) if use_norm is None else convert_to_tensor(use_norm)
    one = convert_to_tensor(1.0, dtype=use_norm.dtype)
    scale_for_finite = multiply(
        clip_norm, minimum(_real_div(one, use_norm), _real_div(one, clip_norm))
    )
    with np.errstate(**_QUIET):
        scale = scale_for_finite + (use_norm - use_norm)  # nan when the norm is inf or nan
    clipped = []
    for t, v in zip(t_list, values, strict=True):
        if v is None:
            clipped.append(None)
        elif isinstance(t, IndexedSlices):
            clipped.append(IndexedSlices(v * scale, t.indices, t.dense_shape))
        else:
            clipped.append(v * scale)
    return clipped, use_norm


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    from .reduce import reduce_sum

    x = convert_to_tensor(x)
    square_sum = reduce_sum(square(x), dim if axis is None else axis, keepdims=True)
    return multiply(x, rsqrt(maximum(square_sum, epsilon)))


API = {
    "tf": ["clip_by_value", "clip_by_norm", "clip_by_global_norm"],
    "math": ["l2_normalize"],
    "nn": ["l2_normalize"],
    "linalg": ["l2_normalize", "global_norm"],
}
