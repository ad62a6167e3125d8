"""`keras.activations`: Keras 3's activation functions on tapeflow ops, and get/serialize.

Each function computes what Keras' TensorFlow backend computes (same op sequence), so the
numbers agree to the last bit where the underlying tf.nn / tf.math ops do.
"""

from __future__ import annotations

from ..core.errors import InvalidArgumentError
from ..core.tensor import Tensor, convert_to_tensor
from ..ops import clip as _clip
from ..ops import math as _m
from ..ops import math_unary as _mu
from ..ops import nn as _nn
from ..ops.array import ones_like as _ones_like
from ..ops.array import reshape as _reshape
from ..ops.array import zeros_like as _zeros_like
from ..ops.array_join import split as _split
from ..ops.indexing import where as _where
from .tagged import with_logits


def _float(x):
    if type(x) is Tensor and x._value.dtype.kind == "f":
        return x  # the common case: a float Tensor, nothing to check or convert
    x = convert_to_tensor(x)
    if x.dtype.is_bool:  # TF's kernels have no bool activations (InvalidArgumentError)
        raise InvalidArgumentError(f"activations: expected a number tensor, got {x.dtype.name}")
    if not x.dtype.is_floating:
        x = _m.cast(x, "float32")
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with a slope below `threshold` and saturation at `max_value` if given."""
    x = _float(x)
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return _nn.leaky_relu(x, alpha=negative_slope)
        negative_part = _nn.relu(-x + threshold) if threshold != 0 else _nn.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = _where(x > threshold, x, _zeros_like(x))
    elif max_value == 6:
        x = _nn.relu6(x)  # as Keras: the fused op when the cap is 6
        clip_max = False
    else:
        x = _nn.relu(x)
    if clip_max:
        x = _clip.clip_by_value(x, 0.0, float(max_value))
    if negative_slope != 0.0:
        x = x - negative_slope * negative_part
    return x


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope * x otherwise."""
    return _nn.leaky_relu(_float(x), alpha=negative_slope)


def relu6(x):
    """min(max(x, 0), 6)."""
    return _nn.relu6(_float(x))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (every axis if None)."""
    x = _float(x)
    if axis is None:
        return _with_logits(_reshape(_nn.softmax(_reshape(x, [-1]), axis=-1), x.shape), x)
    return _with_logits(_nn.softmax(x, axis=axis), x)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`, computed stably."""
    x = _float(x)
    if axis is None:
        return _reshape(_nn.log_softmax(_reshape(x, [-1]), axis=-1), x.shape)
    return _nn.log_softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    x = _float(x)
    res = _nn.elu(x)
    return res if alpha == 1 else _where(x > 0, res, alpha * res)


def selu(x):
    """Scaled ELU with the self-normalising constants."""
    return _nn.selu(_float(x))


def softplus(x):
    """log(exp(x) + 1)."""
    return _mu.softplus(_float(x))


def softsign(x):
    """x / (|x| + 1)."""
    return _mu.softsign(_float(x))


def silu(x):
    """x * sigmoid(x) (also called swish)."""
    return _nn.silu(_float(x))


swish = silu


def gelu(x, approximate=False):
    """Gaussian error linear unit (the tanh approximation if `approximate`)."""
    return _nn.gelu(_float(x), approximate=approximate)


def celu(x, alpha=1.0):
    """max(x, 0) + alpha * expm1(min(x, 0) / alpha)."""
    x = _float(x)
    return _m.maximum(x, 0.0) + alpha * _mu.expm1(_m.minimum(x, 0.0) / alpha)


def glu(x, axis=-1):
    """a * sigmoid(b), where a and b are the two halves of x along `axis`."""
    x = _float(x)
    if x.shape[axis] % 2 != 0:
        raise ValueError(
            f"glu: the size of axis {axis} must be divisible by 2, got x.shape={tuple(x.shape)}"
        )
    a, b = _split(x, 2, axis=axis)
    return a * _mu.sigmoid(b)


def tanh(x):
    """Hyperbolic tangent."""
    return _mu.tanh(_float(x))


def tanh_shrink(x):
    """x - tanh(x)."""
    x = _float(x)
    return x - _mu.tanh(x)


def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return _clip.clip_by_value(_float(x), -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, 0 elsewhere."""
    x = _float(x)
    return _where(_mu.abs(x) > threshold, x, _zeros_like(x))


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 between."""
    x = _float(x)
    inner = _where(x < -threshold, x + threshold, _zeros_like(x))
    return _where(x > threshold, x - threshold, inner)


def threshold(x, threshold, default_value):
    """x where x > threshold, default_value elsewhere."""
    x = _float(x)
    return _where(x > threshold, x, _zeros_like(x) + default_value)


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    x = _float(x)
    return _with_logits(_mu.sigmoid(x), x)


def _with_logits(output, logits):
    return with_logits(output, logits)


def exponential(x):
    """exp(x)."""
    return _mu.exp(_float(x))


def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return _nn.relu6(_float(x) + 3.0) / 6.0


def hard_silu(x):
    """x * hard_sigmoid(x) (also called hard_swish)."""
    x = _float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return -_mu.softplus(-_float(x))


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    x = _float(x)
    return _where(x <= -1, _zeros_like(x), _where(x < 1, 0.25 * _mu.square(x + 1.0), x))


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    x = _float(x)
    return _where(x <= -1, _zeros_like(x), _where(x >= 1, _ones_like(x), 0.5 * (x + 1.0)))


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2."""
    x = _float(x)
    return (x + _mu.sqrt(_mu.square(x) + float(b))) / 2.0


def mish(x):
    """x * tanh(softplus(x))."""
    x = _float(x)
    return x * _mu.tanh(_mu.softplus(x))


def linear(x):
    """The identity: returns `x` unchanged."""
    return x


_BY_NAME = {
    fn.__name__: fn
    for fn in (
        relu, leaky_relu, relu6, softmax, log_softmax, elu, selu, softplus, softsign, silu,
        gelu, celu, glu, tanh, tanh_shrink, hard_tanh, hard_shrink, soft_shrink, threshold,
        sigmoid, exponential, hard_sigmoid, hard_silu, log_sigmoid, sparse_plus,
        sparse_sigmoid, squareplus, mish, linear,
    )
}  # fmt: skip
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu


def get(identifier):
    """An activation from a name ("relu"), a serialized dict, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation):
    """A built-in activation's name; a dict naming a custom function or activation object."""
    name = getattr(activation, "__name__", None)
    if name is not None and _BY_NAME.get(name) is activation:
        return name
    if hasattr(activation, "get_config"):
        return {
            "module": type(activation).__module__,
            "class_name": type(activation).__name__,
            "config": activation.get_config(),
            "registered_name": type(activation).__name__,
        }
    if name is None or name == "<lambda>":
        raise ValueError(
            f"Unknown activation function '{activation}' cannot be serialized: give it a "
            f"name (a def) or use one of {sorted(_BY_NAME)}"
        )
    return {
        "module": getattr(activation, "__module__", None),
        "class_name": "function",
        "config": name,
        "registered_name": "function",
    }


def deserialize(config, custom_objects=None):
    """The activation named by `config` (a name or a `serialize` dict)."""
    custom_objects = custom_objects or {}
    if isinstance(config, dict):
        if config.get("class_name") == "function":
            name = config["config"]
        else:
            cls = custom_objects.get(config.get("class_name"))
            if cls is None:
                raise ValueError(
                    f"Unknown activation class {config.get('class_name')!r}: pass it in "
                    f"custom_objects"
                )
            return cls.from_config(config.get("config", {}))
    else:
        name = config
    if name in custom_objects:
        return custom_objects[name]
    if name in _BY_NAME:
        return _BY_NAME[name]
    raise ValueError(
        f"Unknown activation function: {name!r}. Known: {sorted(_BY_NAME)}"
        + (" (pass custom functions in custom_objects)" if isinstance(config, dict) else "")
    )


__all__ = sorted(_BY_NAME) + ["get", "serialize", "deserialize"]
