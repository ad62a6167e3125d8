"""Cross entropies and losses (tf.nn): softmax, sparse softmax and sigmoid cross entropy with
logits, l2_loss, compute_average_loss, scale_regularization_loss.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import distribution
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor
from . import _args
from ._common import batch_ndim
from .array import _reshape
from .indexing import _one_hot
from .nn import _check_softmax, _from_end, _log_softmax, _require_float, _softmax
from .reduce import reduce_sum
from .shape_generic import _expand_dims

# ---- cross entropies ---------------------------------------------------------------------------


def _distribution(rng, shape=(3, 4)):
    p = rng.uniform(0.1, 1.0, size=shape)
    return p / p.sum(axis=-1, keepdims=True)


@op(
    "SoftmaxCrossEntropyWithLogits",
    batchable=True,
    samples=[
        Sample(_distribution, (3, 4), axis=-1),
        Sample(lambda rng: _distribution(rng, (4,)), (2, 4), axis=-1),
        Sample(lambda rng: _distribution(rng, (3, 2)).T, (2, 3), axis=0),
    ],
)
def _softmax_xent(labels, logits, axis=-1):
    # Its own op for stability (log-sum-exp with the max subtracted) and for the gradient
    # softmax - labels, which TF's kernel returns as is (exact when labels sum to 1).
    _check_softmax("SoftmaxCrossEntropyWithLogits", logits, axis)
    try:
        np.broadcast_shapes(labels.shape, logits.shape)
    except ValueError:
        raise InvalidArgumentError(
            f"SoftmaxCrossEntropyWithLogits: logits and labels must be broadcastable: logits "
            f"{tuple(logits.shape)}, labels {tuple(labels.shape)}"
        ) from None
    shifted = logits - xp.max(logits, axis=axis, keepdims=True)
    log_sum_exp = xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    return xp.asarray(xp.sum(labels * (log_sum_exp - shifted), axis=axis))


@_softmax_xent.vjp
def _softmax_xent_vjp(g, ans, labels, logits, axis=-1):
    g = _expand_at(g, ans, axis)
    a = _from_end(axis, logits.ndim)
    return (g * -_log_softmax(logits, axis=a), g * (_softmax(logits, axis=a) - labels))


def _expand_at(g, ans, axis):
    """g (shaped like a reduction of logits over `axis`) with that axis back, as size 1."""
    return _expand_dims(g, axis=batch_ndim(g, ans) + axis % (ans.ndim + 1))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-sum(labels * log_softmax(logits)) along `axis`; labels are probabilities."""
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype if _is_python(labels) else None)
    if labels.dtype != logits.dtype:
        from .math import cast

        labels = cast(labels, logits.dtype)  # as TF: labels take the logits' dtype
    a = _args.axis(axis, logits.ndim, "SoftmaxCrossEntropyWithLogits", cast_floats=False,
                   bools=False)  # fmt: skip
    # As TF: labels of lower rank broadcast only along the last axis; the classes axis is
    # moved last by a transpose otherwise, which needs both of one rank.
    last = axis == -1  # TF transposes for any other spelling, even of the last axis
    if not (1 <= labels.ndim <= logits.ndim) or (labels.ndim != logits.ndim and not last):
        raise InvalidArgumentError(
            f"SoftmaxCrossEntropyWithLogits: labels of shape {labels.shape} do not fit logits "
            f"of shape {logits.shape} with axis {axis} (same rank, or lower rank with the last "
            f"axis)"
        )
    return _softmax_xent(labels, logits, axis=a)


def _is_python(x) -> bool:
    return not hasattr(x, "dtype")


def _int_labels(rng, shape=(3,), classes=4):
    return rng.integers(0, classes, size=shape).astype(np.int32)


@op(
    "SparseSoftmaxCrossEntropyWithLogits",
    same_dtype=(),
    batchable=True,
    samples=[
        Sample(_int_labels, (3, 4), wrt=(1,)),
        Sample(lambda rng: _int_labels(rng, (2, 3)).astype(np.int64), (2, 3, 4), wrt=(1,)),
        Sample(lambda rng: _int_labels(rng, ()), (4,), wrt=(1,)),
    ],
)
def _sparse_softmax_xent(labels, logits):
    # Its own op for stability, as the dense one; labels index the last axis of logits.
    _check_softmax("SparseSoftmaxCrossEntropyWithLogits", logits, -1)
    n = logits.shape[-1]
    bad = (labels < 0) | (labels >= n)
    if bad.any():
        raise InvalidArgumentError(
            f"SparseSoftmaxCrossEntropyWithLogits: Received a label value of "
            f"{int(labels[bad].reshape(-1)[0])} which is outside the valid range of [0, {n}). "
            f"Label values: {' '.join(str(int(v)) for v in labels.reshape(-1))}"
        )
    # Array methods and plain indexing where they do: xp.max, xp.sum and take_along_axis
    # compute the same, behind Python wrappers that cost more than a batch's arithmetic.
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_sum_exp = xp.log(xp.exp(shifted).sum(axis=-1))
    if shifted.ndim == 2:
        picked = shifted[xp.arange(shifted.shape[0]), labels]
    else:
        picked = xp.take_along_axis(shifted, labels[..., None].astype(xp.intp), axis=-1)[..., 0]
    return xp.asarray(log_sum_exp - picked)


@_sparse_softmax_xent.vjp
def _sparse_softmax_xent_vjp(g, ans, labels, logits):
    n = logits.shape[-1]
    # The one-hot labels come from an op, not from reading `labels`, so a trace stays valid.
    one_hot = _one_hot(
        labels, depth=n, on_value=1, off_value=0, axis=labels.ndim, dtype=logits.dtype.name
    )
    g = _expand_dims(g, axis=-1)
    return None, g * (_softmax(logits, axis=-1) - one_hot)


@_sparse_softmax_xent.array_vjp
def _sparse_softmax_xent_array_vjp(g, ans, labels, logits):
    n = logits.shape[-1]
    one_hot = _one_hot.forward(
        labels, depth=n, on_value=1, off_value=0, axis=labels.ndim, dtype=logits.dtype.name
    )
    g = _expand_dims.forward(g, axis=-1)
    return None, xp.multiply(g, xp.subtract(_softmax.forward(logits, axis=-1), one_hot))


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """Softmax cross entropy with integer class labels (one per row of logits)."""
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels)
    if not labels.dtype.is_integer:
        raise InvalidArgumentError(
            f"SparseSoftmaxCrossEntropyWithLogits: labels must be int32 "
            f"or int64, got {labels.dtype.name}"
        )
    if labels.ndim != logits.ndim - 1:
        raise ValueError(
            f"`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
            f"labels.shape={tuple(labels.shape)} of rank {labels.ndim} and "
            f"logits.shape={tuple(logits.shape)} of rank {logits.ndim}"
        )
    if labels._value.shape != logits._value.shape[:-1]:  # holds at every size when it holds
        raise ValueError(
            f"`labels.shape` must equal `logits.shape` except for the last "
            f"dimension. Received: labels.shape={tuple(labels.shape)} and "
            f"logits.shape={tuple(logits.shape)}"
        )
    return _sparse_softmax_xent(labels, logits)


def _stable_sigmoid(x):
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


@op(
    "SigmoidCrossEntropyWithLogits",
    batchable=True,
    samples=[
        Sample(lambda rng: rng.uniform(0, 1, (3, 4)), (3, 4)),
        Sample(lambda rng: rng.uniform(0, 1, ()), ()),
    ],
    domain=(-4.0, 4.0),
)
def _sigmoid_xent(labels, logits):
    # Fused for stability and speed: TF's formula max(x, 0) - x z + log1p(exp(-|x|)) in one op.
    relu_logits = xp.maximum(logits, xp.zeros((), dtype=logits.dtype))
    return (relu_logits - logits * labels) + xp.log1p(xp.exp(-xp.abs(logits)))


@_sigmoid_xent.vjp
def _sigmoid_xent_vjp(g, ans, labels, logits):
    return -g * logits, _sigmoid_xent_grad(g, labels, logits)


@_sigmoid_xent.array_vjp
def _sigmoid_xent_array_vjp(g, ans, labels, logits):
    return xp.multiply(xp.negative(g), logits), _sigmoid_xent_grad.forward(g, labels, logits)


@op(
    "SigmoidCrossEntropyWithLogitsGrad",
    batchable=True,
    domain=(-4.0, 4.0),
    samples=[Sample((3, 4), (3, 4), (3, 4))],
)
def _sigmoid_xent_grad(gradients, labels, logits):
    return gradients * (_stable_sigmoid(logits) - labels)


@_sigmoid_xent_grad.vjp
def _sigmoid_xent_grad_vjp(gg, ans, gradients, labels, logits):
    s = _sigmoid_xent_grad(1.0, 0.0, logits)  # sigmoid(logits), itself differentiable
    return (_sigmoid_xent_grad(gg, labels, logits), -gg * gradients, gg * gradients * (s - s * s))


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss of `logits` against `labels` in [0, 1], computed stably."""
    if labels is None or logits is None:
        raise ValueError(
            "Both `labels` and `logits` must be provided. Received: "
            f"labels={labels} and logits={logits}"
        )
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype if _is_python(labels) else None)
    if logits._value.shape != labels._value.shape:  # holds at every size when it holds
        raise ValueError(
            f"`logits` and `labels` must have the same shape, received "
            f"({tuple(logits.shape)} vs {tuple(labels.shape)})."
        )
    return _sigmoid_xent(labels, logits)


# ---- losses and regularisers -------------------------------------------------------------------


@op("L2Loss", numbers=True, samples=[Sample((3, 4)), Sample(())], batchable=True)
def _l2_loss(t):
    _require_float("L2Loss", t, "t")
    return xp.asarray(xp.sum(t * t) / 2)


@_l2_loss.vjp
def _l2_loss_vjp(g, ans, t):
    nb = batch_ndim(g, ans)
    return (_reshape(g, shape=tuple(g.shape) + (1,) * t.ndim) * t if nb else g * t,)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2."""
    return _l2_loss(t)


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """Sum of (weighted) per-example losses divided by the global batch size."""
    loss = convert_to_tensor(per_example_loss)
    if loss.ndim == 0:
        raise ValueError(
            f"Invalid value passed for `per_example_loss`. Expected a tensor with "
            f"at least rank 1. Received per_example_loss={per_example_loss} with "
            f"rank 0"
        )
    if sample_weight is not None:
        weight = convert_to_tensor(
            sample_weight, dtype=loss.dtype if _is_python(sample_weight) else None
        )
        loss = loss * _align_weight(weight, loss)
    if global_batch_size is None:
        global_batch_size = loss.shape[0] * _num_replicas_in_sync("compute_average_loss")
    elif isinstance(global_batch_size, Operand):
        if not global_batch_size.dtype.is_integer:
            raise TypeError(
                f"global_batch_size must be an integer. Found: tensor of dtype "
                f"{global_batch_size.dtype!r}"
            )
        global_batch_size = int(global_batch_size)
    elif not isinstance(global_batch_size, (int, np.integer)):
        raise TypeError(f"global_batch_size must be an integer, got {global_batch_size!r}")
    total = reduce_sum(loss)
    if global_batch_size == 0:
        return total * 0.0  # TF divides with div_no_nan
    return total / float(global_batch_size)


def _align_weight(weight, loss):
    """Weights of rank one less (or one more, with a trailing 1) line up with the losses."""
    if weight.ndim == loss.ndim - 1 and weight.ndim > 0:
        return _reshape(weight, shape=tuple(weight.shape) + (1,))
    if weight.ndim == loss.ndim + 1 and tuple(weight.shape)[-1:] == (1,):
        return _reshape(weight, shape=tuple(weight.shape)[:-1])
    return weight


def _num_replicas_in_sync(caller: str) -> int:
    """The current strategy's replica count; as in TF, asking from its cross-replica
    context (its scope, outside `run`) is an error."""
    if distribution.in_cross_replica_context():
        raise RuntimeError(
            f"You are calling `{caller}` in cross replica context, while it was expected to "
            f"be called in replica context."
        )
    return distribution.num_replicas_in_sync()


def scale_regularization_loss(regularization_loss):
    """The summed regularisation loss divided by the number of replicas."""
    replicas = _num_replicas_in_sync("scale_regularization_loss")
    return reduce_sum(regularization_loss) / float(replicas)


API = {
    "nn": [
        "softmax_cross_entropy_with_logits",
        "sparse_softmax_cross_entropy_with_logits",
        "sigmoid_cross_entropy_with_logits",
        "l2_loss",
        "compute_average_loss",
        "scale_regularization_loss",
    ],
}
