"""Neural-network activations (tf.nn): rectifiers, exponential units, gelu, swish, softmax.

Activations follow TF's op pairs (Relu and ReluGrad, ...): each gradient op has its own
vjp, so gradients of any order work with no masks built from values. Cross entropies are
in nn_losses.py; dropout, bias_add, normalisation and embeddings in nn_layers.py.
"""

from __future__ import annotations

import numpy as np

from ..backend import fused, xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from . import _args
from ._common import UNARY
from .array import _zeros_like
from .reduce import _sum

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


@op("Relu", numbers=True, samples=UNARY, batchable=True)
def _relu(features):
    return xp.maximum(features, xp.zeros((), dtype=features.dtype))


@_relu.vjp
def _relu_vjp(g, ans, features):
    return (_relu_grad(g, ans),)


@_relu.array_vjp
def _relu_array_vjp(g, ans, features):
    return (_relu_grad.forward(g, ans),)


@op("ReluGrad", samples=[_grad_pair((3, 4))], batchable=True)
def _relu_grad(gradients, features):
    # TF's kernel multiplies by the mask (np.where is ~15x slower on large arrays); the fused
    # kernel does it in one pass, bitwise the same.
    return fused.relu_grad(gradients, features)


@_relu_grad.vjp
def _relu_grad_vjp(gg, ans, gradients, features):
    # Piecewise constant in features: zeros there, as TF's _ReluGradGrad (not None, which
    # would make the second derivative of a relu w.r.t. its input None instead of 0). gg
    # has features' shape, and a vectorized vjp's batch axes in front.
    return _relu_grad(gg, features), _zeros_like(gg)


def relu(features, name=None):
    """max(features, 0)."""
    return _relu(features)


@op("Relu6", numbers=True, samples=UNARY, domain=(-3.0, 9.0), batchable=True)
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
    return _relu6_grad(gg, features), _zeros_like(gg)  # as TF's _Relu6GradGrad


def relu6(features, name=None):
    """min(max(features, 0), 6)."""
    return _relu6(features)


@op(
    "LeakyRelu",
    numbers=True,
    samples=[Sample((3, 4), alpha=0.2), Sample((), alpha=0.01)],
    batchable=True,
)
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
    return _leaky_relu_grad(gg, features, alpha=alpha), _zeros_like(gg)  # as TF


def leaky_relu(features, alpha=0.2, name=None):
    """features where positive, alpha * features elsewhere."""
    if isinstance(alpha, (np.ndarray, np.generic)):
        alpha = alpha.item()
    return _leaky_relu(features, alpha=float(alpha))


# ---- exponential units -------------------------------------------------------------------------


@op("Elu", numbers=True, samples=UNARY, batchable=True)
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


@op("Selu", numbers=True, samples=UNARY, batchable=True)
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


@op("Softmax", numbers=True, samples=_softmax_samples(), domain=(-5.0, 5.0), batchable=True)
def _softmax(logits, axis=-1):
    # Its own op for stability: the max is subtracted before exp, so large logits don't overflow.
    _check_softmax("Softmax", logits, axis)
    # The array methods: the same reductions as xp.max / xp.sum, minus their Python wrappers.
    e = xp.exp(logits - logits.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@_softmax.vjp
def _softmax_vjp(g, ans, logits, axis=-1):
    a = _from_end(axis, ans.ndim)
    return ((g - _sum(g * ans, axis=a, keepdims=True)) * ans,)


@_softmax.array_vjp
def _softmax_array_vjp(g, ans, logits, axis=-1):
    a = _from_end(axis, ans.ndim)
    s = _sum.forward(xp.multiply(g, ans), axis=a, keepdims=True)
    return (xp.multiply(xp.subtract(g, s), ans),)


def _from_end(axis, ndim):
    """A negative axis: it names the same axis when a vjp's g has extra leading axes."""
    return axis - ndim if axis >= 0 else axis


def softmax(logits, axis=None, name=None):
    """exp(logits) / sum(exp(logits)) along `axis` (default: the last)."""
    return _softmax(
        logits, axis=-1 if axis is None else _args.count(axis, "Softmax", "axis", minimum=None)
    )


@op("LogSoftmax", numbers=True, samples=_softmax_samples(), domain=(-5.0, 5.0), batchable=True)
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
    return _log_softmax(
        logits, axis=-1 if axis is None else _args.count(axis, "LogSoftmax", "axis", minimum=None)
    )


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
    ],
    "math": ["softmax", "log_softmax"],
}
