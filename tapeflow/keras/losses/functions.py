"""The per-sample loss functions (`keras.losses.mean_squared_error`, ...): no reduction."""

from __future__ import annotations

import warnings

import numpy as np

from ...core.tensor import Operand, Tensor, convert_to_tensor
from ...ops import array as array_ops
from ...ops import indexing as indexing_ops
from ...ops import logic as logic_ops
from ...ops import math as math_ops
from ...ops import math_unary as unary_ops
from ...ops import nn as nn_ops
from ...ops import nn_losses as loss_ops
from ...ops import reduce as reduce_ops
from .. import backend
from .base import (
    _check_broadcast,
    _clip,
    _convert_pair,
    _with_mask,
    squeeze_or_expand_to_same_rank,
)

# ---- regression losses -------------------------------------------------------------------------


def _prepared(name, y_true, y_pred):
    y_true, y_pred = _convert_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_broadcast(name, y_true, y_pred)
    return y_true, y_pred


def _eps(like):
    return np.asarray(backend.epsilon(), dtype=like._value.dtype)


def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred) ** 2, axis=-1)."""
    y_true, y_pred = _prepared("mean_squared_error", y_true, y_pred)
    return reduce_ops.reduce_mean(math_ops.squared_difference(y_true, y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|, axis=-1)."""
    y_true, y_pred = _prepared("mean_absolute_error", y_true, y_pred)
    return reduce_ops.reduce_mean(unary_ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|, axis=-1)."""
    y_true, y_pred = _prepared("mean_absolute_percentage_error", y_true, y_pred)
    diff = unary_ops.abs((y_true - y_pred) / math_ops.maximum(unary_ops.abs(y_true), _eps(y_pred)))
    return 100.0 * reduce_ops.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)."""
    y_true, y_pred = _prepared("mean_squared_logarithmic_error", y_true, y_pred)
    eps = _eps(y_pred)
    first_log = unary_ops.log(math_ops.maximum(y_pred, eps) + 1.0)
    second_log = unary_ops.log(math_ops.maximum(y_true, eps) + 1.0)
    return reduce_ops.reduce_mean(math_ops.squared_difference(first_log, second_log), axis=-1)


def _l2_normalize(x, axis):
    # Keras' normalize: x * min(rsqrt(sum(x^2)), 1 / epsilon), so zero vectors stay zero.
    square_sum = reduce_ops.reduce_sum(unary_ops.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        inv_norm = unary_ops.rsqrt(square_sum)
    return x * math_ops.minimum(inv_norm, 1.0 / backend.epsilon())


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): -1 for equal directions."""
    y_true, y_pred = _prepared("cosine_similarity", y_true, y_pred)
    return -reduce_ops.reduce_sum(
        _l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis
    )


def huber(y_true, y_pred, delta=1.0):
    """mean of 0.5 e^2 where |e| <= delta, else delta |e| - 0.5 delta^2 (e = y_pred - y_true)."""
    y_true, y_pred = _prepared("huber", y_true, y_pred)
    delta = np.asarray(delta, dtype=y_pred._value.dtype)
    error = y_pred - y_true
    abs_error = unary_ops.abs(error)
    quadratic = 0.5 * unary_ops.square(error)
    linear = delta * abs_error - 0.5 * np.square(delta)
    return reduce_ops.reduce_mean(
        indexing_ops.where(logic_ops.less_equal(abs_error, delta), quadratic, linear), axis=-1
    )


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true)), axis=-1), computed without overflow."""
    y_true, y_pred = _prepared("log_cosh", y_true, y_pred)
    log2 = np.asarray(np.log(np.float32(2.0)), dtype=y_pred._value.dtype)  # Keras: float32 log
    x = y_pred - y_true
    return reduce_ops.reduce_mean(x + unary_ops.softplus(x * -2.0) - log2, axis=-1)


# ---- probabilistic losses ----------------------------------------------------------------------


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1]."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    _check_broadcast("kl_divergence", y_true, y_pred)
    eps = backend.epsilon()
    y_true = _clip(y_true, eps, 1.0)
    y_pred = _clip(y_pred, eps, 1.0)
    return reduce_ops.reduce_sum(y_true * unary_ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    _check_broadcast("poisson", y_true, y_pred)
    return reduce_ops.reduce_mean(y_pred - y_true * unary_ops.log(y_pred + _eps(y_pred)), axis=-1)


def _keras_logits(name, output, from_logits, activation):
    """The logits behind a Keras sigmoid/softmax output, which Keras uses instead of the
    probabilities for stability (the activation leaves them on the output as `_keras_logits`)."""
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(
            f'"`{name}` received `from_logits=True`, but the `output` argument was produced '
            f"by a {activation} activation and thus does not represent logits. Was this "
            f"intended?",
            stacklevel=3,
        )
    return logits, True


def _check_same_shape(name, target, output):
    if target.ndim != output.ndim or target._value.shape != output._value.shape:
        what = "rank (ndim)" if target.ndim != output.ndim else "shape"
        raise ValueError(
            f"{name}: y_true and y_pred must have the same {what}. Received: "
            f"y_true.shape={tuple(target.shape)}, y_pred.shape={tuple(output.shape)}"
        )


def _binary_crossentropy_elementwise(target, output, from_logits, name="binary_crossentropy"):
    _check_same_shape(name, target, output)
    output, from_logits = _keras_logits(name, output, from_logits, "Sigmoid")
    if from_logits:
        return loss_ops.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = backend.epsilon()
    output = _clip(output, eps, 1.0 - eps)
    bce = target * unary_ops.log(output) + (1.0 - target) * unary_ops.log(1.0 - output)
    return -bce


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over `axis` of -(y log p + (1 - y) log(1 - p)); p clipped to [eps, 1 - eps],
    or computed stably from logits."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    bce = _binary_crossentropy_elementwise(y_true, y_pred, from_logits)
    return reduce_ops.reduce_mean(bce, axis=axis)


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Binary crossentropy scaled by (1 - p_t) ** gamma (and alpha balancing if asked)."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # Keras' sigmoid output remembers its logits, so the crossentropy uses them.
        logits, y_pred = y_pred, unary_ops.sigmoid(y_pred)
        bce = _binary_crossentropy_elementwise(y_true, logits, True, "binary_focal_crossentropy")
    else:
        bce = _binary_crossentropy_elementwise(y_true, y_pred, False, "binary_focal_crossentropy")
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = math_ops.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return reduce_ops.reduce_mean(focal_bce, axis=axis)


def _categorical_prelude(name, y_true, y_pred, label_smoothing, axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {bool}")
    y_true, y_pred = _convert_pair(y_true, y_pred)
    if y_pred.ndim and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            f"'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return y_true, y_pred


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(y_pred), axis) with y_pred renormalised and clipped to [eps, 1 - eps],
    or softmax cross entropy from logits. y_true is one-hot (or a distribution)."""
    name = "categorical_crossentropy"
    y_true, y_pred = _categorical_prelude(name, y_true, y_pred, label_smoothing, axis)
    if y_true.ndim < 1:
        raise ValueError(
            f"{name}: y_true and y_pred must be at least rank 1. Received: "
            f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    _check_same_shape(name, y_true, y_pred)
    output, from_logits = _keras_logits(name, y_pred, from_logits, "Softmax")
    if from_logits:
        return loss_ops.softmax_cross_entropy_with_logits(labels=y_true, logits=output, axis=axis)
    output = output / reduce_ops.reduce_sum(output, axis=axis, keepdims=True)
    eps = backend.epsilon()
    output = _clip(output, eps, 1.0 - eps)
    return -reduce_ops.reduce_sum(y_true * unary_ops.log(output), axis=axis)


def categorical_focal_crossentropy(
    y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
):
    """Categorical crossentropy with each term scaled by alpha * (1 - p) ** gamma."""
    y_true, y_pred = _categorical_prelude(
        "categorical_focal_crossentropy", y_true, y_pred, label_smoothing, axis
    )
    if from_logits:
        y_pred = nn_ops.softmax(y_pred, axis=axis)
    output = y_pred / reduce_ops.reduce_sum(y_pred, axis=axis, keepdims=True)
    eps = backend.epsilon()
    output = _clip(output, eps, 1.0 - eps)
    cce = -y_true * unary_ops.log(output)
    weighting = math_ops.pow(1.0 - output, gamma) * alpha
    return reduce_ops.reduce_sum(weighting * cce, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical crossentropy with integer class labels; labels equal to `ignore_class`
    contribute 0 and are left out of the mean (their loss entries are masked)."""
    name = "sparse_categorical_crossentropy"
    y_pred = convert_to_tensor(y_pred) if not isinstance(y_pred, Tensor) else y_pred
    y_true = y_true if isinstance(y_true, Operand) else convert_to_tensor(np.asarray(y_true))
    ndim = y_pred.ndim
    if axis != -1 and axis != ndim - 1:
        raise ValueError(f"{name}: only axis=-1 is supported. Received: axis={axis}")
    if y_true.ndim == ndim and y_true.shape[-1] == 1:
        y_true = array_ops.squeeze(y_true, -1)
    valid = None
    if ignore_class is not None:  # ops, not arrays: a tf.function sees new labels each call
        valid = logic_ops.not_equal(y_true, math_ops.cast(ignore_class, y_true.dtype))
        y_true = indexing_ops.where(valid, y_true, array_ops.zeros_like(y_true))
        y_pred = indexing_ops.where(
            array_ops.expand_dims(valid, -1), y_pred, array_ops.zeros_like(y_pred)
        )
    output, from_logits = _keras_logits(name, y_pred, from_logits, "Softmax")
    if ndim < 1 or y_true.ndim != ndim - 1 or y_true._value.shape != output._value.shape[:-1]:
        raise ValueError(
            f"{name}: y_true must hold one class index per row of y_pred (y_pred.shape minus "
            f"its last axis). Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(output.shape)}"
        )
    kind = y_true._value.dtype
    labels = y_true if kind in (np.int32, np.int64) else math_ops.cast(y_true, "int64")
    if not from_logits:
        eps = backend.epsilon()
        output = unary_ops.log(_clip(output, eps, 1.0 - eps))
    result = loss_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=output)
    if valid is not None:
        result = indexing_ops.where(valid, result, array_ops.zeros_like(result))
        result = _with_mask(result, valid)
    return result


# ---- hinge losses ------------------------------------------------------------------------------


def _hinge_labels(y_true):
    # Keras maps labels that are all 0/1 to -1/1 and leaves other labels alone; decided by
    # ops (not by reading the array), so a tf.function decides again on each call.
    binary = reduce_ops.reduce_all(
        logic_ops.logical_or(logic_ops.equal(y_true, 0.0), logic_ops.equal(y_true, 1.0))
    )
    return indexing_ops.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0), axis=-1); 0/1 labels are mapped to -1/1."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    _check_broadcast("hinge", y_true, y_pred)
    margin = math_ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)
    return reduce_ops.reduce_mean(margin, axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1); 0/1 labels are mapped to -1/1."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    _check_broadcast("squared_hinge", y_true, y_pred)
    margin = math_ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)
    return reduce_ops.reduce_mean(unary_ops.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    _check_broadcast("categorical_hinge", y_true, y_pred)
    pos = reduce_ops.reduce_sum(y_true * y_pred, axis=-1)
    neg = reduce_ops.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return math_ops.maximum(neg - pos + 1.0, 0.0)
