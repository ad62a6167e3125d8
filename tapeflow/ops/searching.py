"""Searching: tf.searchsorted (where values would go in sorted rows) and tf.math.in_top_k
(is the target among the k largest predictions). Integer or bool results, no gradient.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from .array import _reshape
from .counting import _index_type, _int_arg

# ---- searchsorted ----------------------------------------------------------------------------


def _sorted_rows(rng):
    return np.sort(rng.uniform(-2, 2, size=(2, 5)), axis=-1)


SEARCH = [
    Sample(_sorted_rows, (2, 3), out_type="int32"),
    Sample(_sorted_rows, (2, 1), out_type="int64"),
]


def _bound(name, side, sorted_sequence, values, out_type):
    if sorted_sequence.ndim != 2 or values.ndim != 2:
        raise InvalidArgumentError(
            f"{name}: sorted_inputs and values must be 2-D (rows of a batch), got shapes "
            f"{list(sorted_sequence.shape)} and {list(values.shape)}"
        )
    if sorted_sequence.shape[0] != values.shape[0]:
        raise InvalidArgumentError(
            f"{name}: Leading dim_size of both tensors must match: sorted_sequence has "
            f"{sorted_sequence.shape[0]} rows, values {values.shape[0]}"
        )
    out = xp.empty(values.shape, dtype=out_type)
    for row in range(values.shape[0]):  # one binary search per value, row by row
        out[row] = xp.searchsorted(sorted_sequence[row], values[row], side=side)
    return out


@op("LowerBound", differentiable=False, samples=SEARCH)
def _lower_bound(sorted_inputs, values, out_type="int32"):
    return _bound("LowerBound", "left", sorted_inputs, values, out_type)


@op("UpperBound", differentiable=False, samples=SEARCH)
def _upper_bound(sorted_inputs, values, out_type="int32"):
    return _bound("UpperBound", "right", sorted_inputs, values, out_type)


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """Where each of `values` would be inserted into the sorted last axis of `sorted_sequence`
    to keep it sorted ("left": before equal entries, "right": after them).

    The leading dimensions of both must match; the result has the shape of `values`.
    """
    if side not in ("left", "right"):
        raise ValueError(
            f"Argument `side` must be either 'right' or 'left'. Received: `side` = '{side}'."
        )
    sorted_sequence = convert_to_tensor(sorted_sequence)
    values = convert_to_tensor(values)
    for what, t in (("sorted_sequence", sorted_sequence), ("values", values)):
        if t.ndim == 0:
            raise InvalidArgumentError(f"searchsorted: {what} must have rank >= 1, got a scalar")
    out_type = _index_type("out_type", "searchsorted", out_type)
    rows = _reshape(sorted_sequence, shape=(-1, sorted_sequence.shape[-1]))
    flat_values = _reshape(values, shape=(-1, values.shape[-1]))
    bound = _upper_bound if side == "right" else _lower_bound
    return _reshape(bound(rows, flat_values, out_type=out_type), shape=tuple(values.shape))


# ---- in_top_k --------------------------------------------------------------------------------


def _targets(rng):
    return rng.integers(0, 5, size=(3,)).astype("int32")


@op(
    "InTopKV2",
    differentiable=False,
    same_dtype=(),
    samples=[Sample(lambda rng: rng.standard_normal((3, 5)).astype("float32"), _targets, k=2)],
)
def _in_top_k(predictions, targets, k):
    if predictions.dtype != np.float32:
        raise InvalidArgumentError(
            f"InTopKV2: predictions must be float32, got {predictions.dtype}"
        )
    if targets.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"InTopKV2: targets must be int32 or int64, got {targets.dtype}"
        )
    if predictions.ndim != 2:
        raise InvalidArgumentError(
            f"InTopKV2: predictions must be 2-dimensional, got shape {list(predictions.shape)}"
        )
    if targets.ndim != 1 or targets.shape[0] != predictions.shape[0]:
        raise InvalidArgumentError(
            f"InTopKV2: First dimension of predictions {predictions.shape[0]} must match "
            f"length of targets {targets.shape[0] if targets.ndim else targets.shape}"
        )
    rows, classes = predictions.shape
    valid = (targets >= 0) & (targets < classes)
    picked = predictions[xp.arange(rows), xp.where(valid, targets, 0)]
    # TF's kernel: "in the top k" means fewer than k classes score strictly higher; a target
    # out of range, or any non-finite score in the row, answers False.
    higher = (predictions > picked[:, None]).sum(axis=1)
    finite = xp.isfinite(predictions).all(axis=1)
    return valid & finite & (higher < k)


def in_top_k(targets, predictions, k, name=None):
    """For each row, whether `predictions[row, targets[row]]` is among the row's k largest
    (ties count in favour of the target). Predictions are float32 [batch, classes]."""
    return _in_top_k(predictions, targets, k=_int_arg(k, "k"))


API = {"tf": ["searchsorted"], "math": ["in_top_k"], "nn": ["in_top_k"]}
