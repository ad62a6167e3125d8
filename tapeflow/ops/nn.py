"""Neural-network ops (tf.nn): activations, softmax, cross entropies, dropout, normalisation.

Activations follow TF's op pairs (Relu and ReluGrad, ...): each gradient op has its own
vjp, so gradients of any order work with no masks built from values.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor, wrap
from ._common import UNARY, batch_ndim, normalize_axis
from .array import _reshape, stop_gradient
from .indexing import _one_hot, gather
from .random import _random_uniform, next_rng
from .reduce import _sum, reduce_sum

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _require_float(name, x, what="features"):
    if x.dtype.kind != "f":
        raise InvalidArgumentError(
            f"{name}: {what} must be a floating-point tensor (half, "
            f"float, double), got {x.dtype.name}"
        )


def _grad_pair(shape):
    return Sample(shape, shape)


# ---- rectifiers --------------------------------------------------------------------------------


@op("Relu", samples=UNARY, batchable=True)
def _relu(features):
    return xp.maximum(features, xp.zeros((), dtype=features.dtype))


@_relu.vjp
def _relu_vjp(g, ans, features):
    return (_relu_grad(g, ans),)


@op("ReluGrad", samples=[_grad_pair((3, 4))], batchable=True)
def _relu_grad(gradients, features):
    # TF's kernel multiplies by the mask; np.where is ~15x slower on large arrays.
    return gradients * (features > 0)


@_relu_grad.vjp
def _relu_grad_vjp(gg, ans, gradients, features):
    return _relu_grad(gg, features), None  # piecewise constant in features


def relu(features, name=None):
    """max(features, 0)."""
    return _relu(features)


@op("Relu6", samples=UNARY, domain=(-3.0, 9.0), batchable=True)
def _relu6(features):
    return xp.clip(features, 0, 6).astype(features.dtype, copy=False)


@_relu6.vjp
def _relu6_vjp(g, ans, features):
    return (_relu6_grad(g, features),)


@op("Relu6Grad", samples=[_grad_pair((3, 4))], domain=(-3.0, 9.0), batchable=True)
def _relu6_grad(gradients, features):
    inside = (features > 0) & (features < 6)
    return xp.where(inside, gradients, xp.zeros((), dtype=gradients.dtype))


@_relu6_grad.vjp
def _relu6_grad_vjp(gg, ans, gradients, features):
    return _relu6_grad(gg, features), None


def relu6(features, name=None):
    """min(max(features, 0), 6)."""
    return _relu6(features)


@op("LeakyRelu", samples=[Sample((3, 4), alpha=0.2), Sample((), alpha=0.01)], batchable=True)
def _leaky_relu(features, alpha=0.2):
    if features.dtype.kind in "iub":
        features = features.astype(np.float32)  # as TF: integer input gives float32
    return xp.where(features > 0, features, features * features.dtype.type(alpha))


@_leaky_relu.vjp
def _leaky_relu_vjp(g, ans, features, alpha=0.2):
    return (_leaky_relu_grad(g, features, alpha=alpha),)


@op("LeakyReluGrad", samples=[Sample((3, 4), (3, 4), alpha=0.2)], batchable=True)
def _leaky_relu_grad(gradients, features, alpha=0.2):
    return xp.where(features > 0, gradients, gradients * gradients.dtype.type(alpha))


@_leaky_relu_grad.vjp
def _leaky_relu_grad_vjp(gg, ans, gradients, features, alpha=0.2):
    return _leaky_relu_grad(gg, features, alpha=alpha), None


def leaky_relu(features, alpha=0.2, name=None):
    """features where positive, alpha * features elsewhere."""
    if isinstance(alpha, (np.ndarray, np.generic)):
        alpha = alpha.item()
    return _leaky_relu(features, alpha=float(alpha))


# ---- exponential units -------------------------------------------------------------------------


@op("Elu", samples=UNARY, batchable=True)
def _elu(features):
    _require_float("Elu", features)
    return xp.where(features > 0, features, xp.expm1(xp.minimum(features, 0)))


@_elu.vjp
def _elu_vjp(g, ans, features):
    return (_elu_grad(g, ans),)


@op("EluGrad", samples=[_grad_pair((3, 4))], domain=(-0.9, 2.0), batchable=True)
def _elu_grad(gradients, outputs):
    return xp.where(outputs < 0, gradients * (outputs + 1), gradients)


@_elu_grad.vjp
def _elu_grad_vjp(gg, ans, gradients, outputs):
    # d/d outputs is gg * gradients where outputs < 0: ReluGrad(h, -outputs) keeps exactly that.
    return _elu_grad(gg, outputs), _relu_grad(gg * gradients, -outputs)


def elu(features, name=None):
    """features where positive, exp(features) - 1 elsewhere."""
    return _elu(features)


@op("Selu", samples=UNARY, batchable=True)
def _selu(features):
    _require_float("Selu", features)
    neg = _SELU_ALPHA * xp.expm1(xp.minimum(features, 0))
    return _SELU_SCALE * xp.where(features > 0, features, neg)


@_selu.vjp
def _selu_vjp(g, ans, features):
    return (_selu_grad(g, ans),)


@op("SeluGrad", samples=[_grad_pair((3, 4))], domain=(-1.7, 2.0), batchable=True)
def _selu_grad(gradients, outputs):
    return xp.where(
        outputs < 0, gradients * (outputs + _SELU_SCALE * _SELU_ALPHA), gradients * _SELU_SCALE
    )


@_selu_grad.vjp
def _selu_grad_vjp(gg, ans, gradients, outputs):
    return _selu_grad(gg, outputs), _relu_grad(gg * gradients, -outputs)


def selu(features, name=None):
    """Scaled ELU: scale * (features if positive else alpha * (exp(features) - 1))."""
    return _selu(features)


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit, x * P(X <= x) for X ~ N(0, 1) (tanh form if approximate)."""
    from .math import pow
    from .math_unary import erfc, tanh

    features = convert_to_tensor(features)
    if not features.dtype.is_floating:
        raise ValueError(
            "`features.dtype` must be a floating point tensor."
            f"Received:features.dtype={features.dtype!r}"
        )
    if approximate:
        inner = 0.7978845608028654 * (features + 0.044715 * pow(features, 3.0))
        return 0.5 * features * (1.0 + tanh(inner))
    return 0.5 * features * erfc(-features * 0.7071067811865476)


def swish(features, beta=1.0):
    """features * sigmoid(beta * features) (also called silu)."""
    from .math_unary import sigmoid

    features = convert_to_tensor(features)
    return features * sigmoid(beta * features)


silu = swish


# ---- softmax -----------------------------------------------------------------------------------


def _softmax_samples():
    return [Sample((3, 4), axis=-1), Sample((3, 4), axis=0), Sample((5,), axis=-1)]


def _check_softmax(name, logits, axis):
    _require_float(name, logits, "logits")
    if logits.ndim == 0:
        raise InvalidArgumentError(f"{name}: logits must have rank >= 1, got a scalar")
    if not -logits.ndim <= axis < logits.ndim:
        raise InvalidArgumentError(
            f"{name}: `dim` must be in the range [{-logits.ndim}, "
            f"{logits.ndim}) for logits of shape "
            f"{tuple(logits.shape)}, got {axis}"
        )


@op("Softmax", samples=_softmax_samples(), domain=(-5.0, 5.0), batchable=True)
def _softmax(logits, axis=-1):
    # Its own op for stability: the max is subtracted before exp, so large logits don't overflow.
    _check_softmax("Softmax", logits, axis)
    e = xp.exp(logits - xp.max(logits, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


@_softmax.vjp
def _softmax_vjp(g, ans, logits, axis=-1):
    a = _from_end(axis, ans.ndim)
    return ((g - _sum(g * ans, axis=a, keepdims=True)) * ans,)


def _from_end(axis, ndim):
    """A negative axis: it names the same axis when a vjp's g has extra leading axes."""
    return axis - ndim if axis >= 0 else axis


def softmax(logits, axis=None, name=None):
    """exp(logits) / sum(exp(logits)) along `axis` (default: the last)."""
    return _softmax(logits, axis=-1 if axis is None else int(axis))


@op("LogSoftmax", samples=_softmax_samples(), domain=(-5.0, 5.0), batchable=True)
def _log_softmax(logits, axis=-1):
    # Its own op for stability: log(softmax) would give -inf where softmax underflows to 0.
    _check_softmax("LogSoftmax", logits, axis)
    shifted = logits - xp.max(logits, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


@_log_softmax.vjp
def _log_softmax_vjp(g, ans, logits, axis=-1):
    from .math_unary import exp

    a = _from_end(axis, ans.ndim)
    return (g - _sum(g, axis=a, keepdims=True) * exp(ans),)


def log_softmax(logits, axis=None, name=None):
    """logits - log(sum(exp(logits))) along `axis` (default: the last), computed stably."""
    return _log_softmax(logits, axis=-1 if axis is None else int(axis))


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
    nb = batch_ndim(g, ans)
    shape = list(g.shape)
    shape.insert(nb + axis % (ans.ndim + 1), 1)
    return _reshape(g, shape=tuple(shape))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-sum(labels * log_softmax(logits)) along `axis`; labels are probabilities."""
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype if _is_python(labels) else None)
    if labels.dtype != logits.dtype:
        from .math import cast

        labels = cast(labels, logits.dtype)  # as TF: labels take the logits' dtype
    return _softmax_xent(labels, logits, axis=int(axis) % max(logits.ndim, 1))


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
    if xp.any(bad):
        raise InvalidArgumentError(
            f"SparseSoftmaxCrossEntropyWithLogits: Received a label value of "
            f"{int(labels[bad].reshape(-1)[0])} which is outside the valid range of [0, {n}). "
            f"Label values: {' '.join(str(int(v)) for v in labels.reshape(-1))}"
        )
    shifted = logits - xp.max(logits, axis=-1, keepdims=True)
    log_sum_exp = xp.log(xp.sum(xp.exp(shifted), axis=-1))
    picked = xp.take_along_axis(shifted, labels[..., None].astype(xp.intp), axis=-1)[..., 0]
    return xp.asarray(log_sum_exp - picked)


@_sparse_softmax_xent.vjp
def _sparse_softmax_xent_vjp(g, ans, labels, logits):
    n = logits.shape[-1]
    # The one-hot labels come from an op, not from reading `labels`, so a trace stays valid.
    one_hot = _one_hot(
        labels, depth=n, on_value=1, off_value=0, axis=labels.ndim, dtype=logits.dtype.name
    )
    g = _reshape(g, shape=tuple(g.shape) + (1,))
    return None, g * (_softmax(logits, axis=-1) - one_hot)


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
    if tuple(labels.shape) != tuple(logits.shape)[:-1]:
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
    if tuple(logits.shape) != tuple(labels.shape):
        raise ValueError(
            f"`logits` and `labels` must have the same shape, received "
            f"({tuple(logits.shape)} vs {tuple(labels.shape)})."
        )
    return _sigmoid_xent(labels, logits)


# ---- losses and regularisers -------------------------------------------------------------------


@op("L2Loss", samples=[Sample((3, 4)), Sample(())], batchable=True)
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
        global_batch_size = loss.shape[0] * _num_replicas_in_sync()
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


def _num_replicas_in_sync() -> int:
    # One replica until tapeflow.distribute runs a data-parallel strategy.
    return 1


def scale_regularization_loss(regularization_loss):
    """The summed regularisation loss divided by the number of replicas."""
    return reduce_sum(regularization_loss) / float(_num_replicas_in_sync())


# ---- dropout, bias, normalisation, embeddings --------------------------------------------------


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeroes elements with probability `rate` and scales the kept ones by 1 / (1 - rate).

    The mask comes from the op seed stream of `seed` (TF's seeding model).
    """
    if isinstance(rate, Operand):
        rate = float(rate)
    if not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(
            f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}"
        )
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise ValueError(
            f"`x.dtype` must be a floating point tensor as `x` will be scaled. "
            f"Received: x_dtype={x.dtype!r}"
        )
    if rate == 0:
        return x
    shape = _noise_shape(x, noise_shape)
    dtype = x.dtype.as_numpy_dtype
    draw_dtype = dtype if dtype in (np.float32, np.float64) else np.float32
    # Drawn by registered ops, so a tf.function trace draws a new mask on every call.
    uniform = _random_uniform(shape=shape, dtype=np.dtype(draw_dtype).name, rng=next_rng(seed))
    return x * _dropout_scale(uniform, rate=float(rate), dtype=np.dtype(dtype).name)


@op("DropoutScale", differentiable=False, samples=[Sample((3, 4), rate=0.5, dtype="float32")])
def _dropout_scale(uniform, rate, dtype):
    """1 / (1 - rate) where `uniform` >= rate, else 0: the kept-and-scaled mask of dropout."""
    dt = np.dtype(dtype)
    return xp.where(uniform >= rate, dt.type(1 / (1 - rate)), dt.type(0)).astype(dt)


def _noise_shape(x, noise_shape):
    shape = tuple(x.shape)
    if noise_shape is None:
        return shape
    if isinstance(noise_shape, Operand):
        noise_shape = noise_shape.numpy().tolist()
    noise_shape = list(noise_shape)
    if len(noise_shape) == len(shape):
        noise_shape = [d if n is None else int(n) for n, d in zip(noise_shape, shape, strict=True)]
    try:
        if np.broadcast_shapes(tuple(noise_shape), shape) != shape:
            raise ValueError
    except ValueError:
        raise InvalidArgumentError(
            f"dropout: noise_shape {tuple(noise_shape)} does not broadcast to x's shape {shape}"
        ) from None
    return tuple(noise_shape)


@op(
    "BiasAdd",
    batchable=True,
    samples=[
        Sample((2, 3), (3,), data_format="NHWC"),
        Sample((2, 3, 4, 5), (5,), data_format="NHWC"),
        Sample((2, 3, 4, 5), (3,), data_format="NCHW"),
    ],
)
def _bias_add(value, bias, data_format="NHWC"):
    if bias.ndim != 1:
        raise InvalidArgumentError(f"BiasAdd: bias must be 1-D, got shape {tuple(bias.shape)}")
    if value.ndim < 2:
        raise InvalidArgumentError(
            f"BiasAdd: input must be at least 2-D, got shape {tuple(value.shape)}"
        )
    channels_first = data_format.startswith("NC")
    c = value.shape[1] if channels_first else value.shape[-1]
    if bias.shape[0] != c:
        raise InvalidArgumentError(
            f"BiasAdd: must provide as many biases as the channel dimension of the input "
            f"({data_format}): bias is {tuple(bias.shape)}, input is {tuple(value.shape)}"
        )
    if channels_first:
        bias = bias.reshape((c,) + (1,) * (value.ndim - 2))
    return value + bias


@_bias_add.vjp
def _bias_add_vjp(g, ans, value, bias, data_format="NHWC"):
    nb = batch_ndim(g, ans)
    channel = nb + 1 if data_format.startswith("NC") else g.ndim - 1
    axes = tuple(i for i in range(nb, g.ndim) if i != channel)
    return g, _sum(g, axis=axes, keepdims=False)


def bias_add(value, bias, data_format=None, name=None):
    """Adds the 1-D `bias` along the channel axis (last, or second with 'NC...' formats)."""
    if data_format is None:
        data_format = "NHWC"
    elif not (
        data_format.startswith("NC") or (data_format.startswith("N") and data_format.endswith("C"))
    ):
        raise ValueError(
            f"`data_format` must be of the form `N...C` or `NC...`. Received: "
            f"data_format={data_format}"
        )
    return _bias_add(value, bias, data_format="NCHW" if data_format.startswith("NC") else "NHWC")


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of `x` over `axes`; the variance's gradient skips the mean's path."""
    x = convert_to_tensor(x)
    axes = normalize_axis(axes.numpy().tolist() if isinstance(axes, Operand) else axes, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes]))
    if not x.dtype.is_floating:
        return _integer_moments(x, axes, keepdims)
    upcast = x.dtype == np.float16  # as TF: float16 statistics are computed in float32
    if upcast:
        from .math import cast

        x = cast(x, dtypes.float32)
    mean = _sum(x, axis=axes, keepdims=True) / float(count)
    centred = x - stop_gradient(mean)
    variance = _sum(centred * centred, axis=axes, keepdims=True) / float(count)
    if not keepdims:
        kept = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        mean, variance = _reshape(mean, shape=kept), _reshape(variance, shape=kept)
    if upcast:
        mean, variance = cast(mean, dtypes.float16), cast(variance, dtypes.float16)
    return mean, variance


def _integer_moments(x, axes, keepdims):
    # TF's integer mean truncates toward zero; integer tensors carry no gradient anyway.
    v = x._value
    count = int(np.prod([v.shape[a] for a in axes]))
    mean = xp.trunc(xp.sum(v, axis=axes, keepdims=True) / count).astype(v.dtype)
    sq = (v - mean) * (v - mean)
    variance = xp.trunc(xp.sum(sq, axis=axes, keepdims=True) / count).astype(v.dtype)
    if not keepdims:
        mean, variance = xp.squeeze(mean, axes), xp.squeeze(variance, axes)
    return wrap(mean), wrap(variance)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + variance_epsilon) + offset, as TF computes it."""
    from .math_unary import rsqrt

    x = convert_to_tensor(x)
    inv = rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    return x * inv + (offset - mean * inv if offset is not None else -mean * inv)


def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of `params` at `ids` (a gather, so a Variable gets an IndexedSlices gradient).

    `params` may be a list of shards split with TF's "div" strategy.
    """
    if max_norm is not None:
        raise NotImplementedError(
            "tf.nn.embedding_lookup: max_norm is not supported; clip "
            "the looked-up rows with tf.clip_by_norm instead"
        )
    if isinstance(params, (list, tuple)):
        params = _join_shards(list(params))
    return gather(params, ids)


def _join_shards(shards):
    from .array import concat

    if len(shards) == 1:
        return shards[0]
    sizes = [int(s.shape[0]) for s in shards]
    q, r = divmod(sum(sizes), len(sizes))
    expected = [q + 1] * r + [q] * (len(sizes) - r)
    if sizes != expected:
        raise InvalidArgumentError(
            f"embedding_lookup: shards of sizes {sizes} are not a 'div' "
            f"partition of {sum(sizes)} ids (expected {expected})"
        )
    return concat(shards, axis=0)


API = {
    "nn": [
        "relu",
        "relu6",
        "leaky_relu",
        "elu",
        "selu",
        "gelu",
        "silu",
        "swish",
        "softmax",
        "log_softmax",
        "softmax_cross_entropy_with_logits",
        "sparse_softmax_cross_entropy_with_logits",
        "sigmoid_cross_entropy_with_logits",
        "l2_loss",
        "compute_average_loss",
        "scale_regularization_loss",
        "dropout",
        "bias_add",
        "moments",
        "batch_normalization",
        "embedding_lookup",
    ],
    "math": ["softmax", "log_softmax"],
}
