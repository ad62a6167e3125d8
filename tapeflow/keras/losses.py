"""`keras.losses`: Keras 3's losses as classes (reduction and sample weights in `Loss.__call__`)
and as per-sample functions (`binary_crossentropy`, `mse`, ...), with `get`, `serialize` and
`deserialize`. The numbers follow Keras 3 on TensorFlow, clipping and all.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from ..backend import xp
from ..core import nest
from ..core.tensor import Operand, Tensor, convert_to_tensor, wrap
from ..ops import array as array_ops
from ..ops import indexing as indexing_ops
from ..ops import logic as logic_ops
from ..ops import math as math_ops
from ..ops import nn as nn_ops
from ..ops import reduce as reduce_ops
from . import backend

# ---- dtypes, shapes and masks ------------------------------------------------------------------


def standardize_dtype(dtype) -> str:
    """A dtype name from None (floatx), a name, a DType, a NumPy dtype or a DTypePolicy."""
    if dtype is None:
        return backend.floatx()
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name", backend.floatx())
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if name is None:
        name = np.dtype(dtype).name
    if name.startswith("mixed_"):  # no mixed precision: compute in float32
        return "float32"
    return name


def _cast_to(x, dtype):
    """`x` as a Tensor of `dtype`; a Tensor of that dtype is returned as is (keeping any
    `_keras_logits`/`_keras_mask` it carries), floats are cast differentiably."""
    if isinstance(x, Operand):
        if x._value.dtype == dtype:
            return x if not x._is_variable else convert_to_tensor(x)
        return math_ops.cast(x, dtype)
    return wrap(xp.asarray(x, dtype=dtype))


def _convert_structure(x, dtype):
    """`_cast_to` on `x`, or on each tensor of a list/dict of tensors (multi-output losses)."""
    if isinstance(x, (Operand, np.ndarray)) or not nest.is_nested(x):
        return _cast_to(x, dtype)
    if not any(isinstance(v, (Operand, np.ndarray)) for v in nest.flatten(x)):
        return _cast_to(x, dtype)  # a nested list of numbers is one array
    return nest.map_structure(lambda v: _cast_to(v, dtype), x)


def _is_integer(x) -> bool:
    dtype = getattr(x._value if isinstance(x, Operand) else x, "dtype", None)
    return dtype is not None and dtype.kind in "iu"


def _convert_pair(y_true, y_pred):
    """y_pred as a floating Tensor and y_true cast to its dtype, as Keras' loss functions do."""
    y_pred = convert_to_tensor(y_pred) if not isinstance(y_pred, Tensor) else y_pred
    if y_pred._value.dtype.kind != "f":
        y_pred = math_ops.cast(y_pred, backend.floatx())
    return _cast_to(y_true, y_pred._value.dtype), y_pred


def _expand_last(x):
    return array_ops.expand_dims(x, -1) if isinstance(x, Operand) else x[..., None]


def _squeeze_last(x):
    return array_ops.squeeze(x, -1) if isinstance(x, Operand) else x[..., 0]


def _clip(x, low, high):
    # tf.clip_by_value's values and gradient (passed at the bounds), without its shape checks.
    return math_ops.maximum(math_ops.minimum(x, high), low)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Keras' rank matching: when the ranks differ by one and the longer one ends in 1, that
    axis is squeezed (or the rank-1 one expanded). Works on Tensors and backend arrays."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _expand_last(x2)
        else:
            x1 = _squeeze_last(x1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _expand_last(x1)
        else:
            x2 = _squeeze_last(x2)
    return x1, x2


def _check_broadcast(name, y_true, y_pred):
    a, b = y_true._value.shape, y_pred._value.shape
    if a != b:
        try:
            np.broadcast_shapes(a, b)
        except ValueError:
            raise ValueError(
                f"{name}: y_true and y_pred have incompatible shapes: y_true.shape={a}, "
                f"y_pred.shape={b}"
            ) from None


class _MaskedTensor(Tensor):
    """A Tensor carrying the Keras mask of its entries (Keras' `set_keras_mask`); it shares
    the id of the tensor it was made from, so tapes see the same value."""

    __slots__ = ("_keras_mask",)


def _with_mask(t: Tensor, mask) -> Tensor:
    out = _MaskedTensor.__new__(_MaskedTensor)
    out._value, out._id, out._keras_mask = t._value, t._id, mask
    return out


def _mask_of(x):
    return getattr(x, "_keras_mask", None)


# ---- reduction ---------------------------------------------------------------------------------


class Reduction:
    """Keras 2's reduction names (`tf.keras.losses.Reduction.SUM_OVER_BATCH_SIZE`, ...)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    """Checks a reduction name; Keras 2's "auto" means "sum_over_batch_size"."""
    if reduction == Reduction.AUTO:
        return "sum_over_batch_size"
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {set(_REDUCTIONS)}. "
            f"Received: reduction={reduction}"
        )
    return reduction


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sums `values`, divided by their count ("sum_over_batch_size", "mean") or by the sum of
    the weights ("mean_with_sample_weight"); "none" and scalars are returned as they are."""
    shape = values._value.shape
    if reduction is None or reduction == "none" or shape == () or shape == (0,):
        return values
    if reduction == "sum":
        return reduce_ops.reduce_sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = math_ops.cast(reduce_ops.reduce_sum(sample_weight), values.dtype)
        return math_ops.divide_no_nan(reduce_ops.reduce_sum(values), divisor)
    if values._value.size == 0:  # Keras' divide_no_nan(0, 0)
        return wrap(xp.zeros((), dtype=values._value.dtype))
    return reduce_ops.reduce_mean(values)  # sum / count in one op


def apply_mask(sample_weight, mask, dtype, reduction):
    """Folds a Keras mask into the sample weights. For the mean reductions the kept entries
    weigh total/valid, so the mean runs over the valid entries only."""
    if mask is None:
        return sample_weight
    mask = _cast_to(mask, "bool") if not isinstance(mask, Operand) else mask
    mask_value = mask._value.astype(bool)
    if reduction in ("mean", "sum_over_batch_size"):
        total = np.asarray(mask_value.size, dtype=dtype)
        valid = xp.sum(mask_value.astype(dtype))
        weight = total / valid if valid else np.zeros((), dtype)
        float_mask = wrap(xp.where(mask_value, xp.asarray(weight, dtype), 0).astype(dtype))
    else:
        float_mask = wrap(mask_value.astype(dtype))
    if sample_weight is None:
        return float_mask
    sample_weight = _cast_to(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_weighted_values(
    values, sample_weight=None, mask=None, reduction="sum_over_batch_size", dtype=None
):
    """Weights `values` by `sample_weight` (and `mask`), then reduces them as Keras does."""
    reduction = standardize_reduction(reduction)
    dtype = standardize_dtype(dtype)
    values = _cast_to(values, dtype)
    if sample_weight is not None:
        sample_weight = _cast_to(sample_weight, dtype)
    sample_weight = apply_mask(sample_weight, mask, dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


# ---- base classes ------------------------------------------------------------------------------


class Loss:
    """Base class of losses: subclasses write `call(y_true, y_pred)` returning per-sample
    losses; `__call__` applies `sample_weight` and the reduction."""

    _integer_labels = False  # y_true holds class indices (left as integers)

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or backend.unique_name(backend.to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype = standardize_dtype(dtype)

    @property
    def dtype(self) -> str:
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = _mask_of(y_pred)
        dtype = self._dtype
        y_pred = _convert_structure(y_pred, dtype)
        if self._integer_labels and _is_integer(y_true):
            # Keras casts class indices to float and back; exact, so tapeflow skips both.
            y_true = y_true if isinstance(y_true, Tensor) else convert_to_tensor(y_true)
        else:
            y_true = _convert_structure(y_true, dtype)
        losses = self.call(y_true, y_pred)
        out_mask = _mask_of(losses)
        if in_mask is not None and out_mask is not None:
            mask = _cast_to(in_mask, "bool")._value & _cast_to(out_mask, "bool")._value
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(
            losses, sample_weight=sample_weight, mask=mask, reduction=self.reduction, dtype=dtype
        )

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"Loss {type(self).__name__} does not implement call()")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _obj_type(self):
        return "Loss"


class LossFunctionWrapper(Loss):
    """A Loss computing `fn(y_true, y_pred, **kwargs)` after Keras' rank matching."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if isinstance(y_true, Operand) and isinstance(y_pred, Operand):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        else:
            pairs = [
                squeeze_or_expand_to_same_rank(t, p)
                for t, p in zip(nest.flatten(y_true), nest.flatten(y_pred))
            ]
            y_true = nest.pack_sequence_as(y_true, [t for t, _ in pairs])
            y_pred = nest.pack_sequence_as(y_pred, [p for _, p in pairs])
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (str, dict)):
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _BuiltinLoss(LossFunctionWrapper):
    """A Keras loss class: its config is the Loss config plus its own arguments."""

    _config_keys: tuple = ()

    def __init__(self, fn, reduction, name, dtype, **kwargs):
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key in self._config_keys:
            setattr(self, key, kwargs[key])

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config


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
    return reduce_ops.reduce_mean(math_ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|, axis=-1)."""
    y_true, y_pred = _prepared("mean_absolute_percentage_error", y_true, y_pred)
    diff = math_ops.abs((y_true - y_pred) / math_ops.maximum(math_ops.abs(y_true), _eps(y_pred)))
    return 100.0 * reduce_ops.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)."""
    y_true, y_pred = _prepared("mean_squared_logarithmic_error", y_true, y_pred)
    eps = _eps(y_pred)
    first_log = math_ops.log(math_ops.maximum(y_pred, eps) + 1.0)
    second_log = math_ops.log(math_ops.maximum(y_true, eps) + 1.0)
    return reduce_ops.reduce_mean(math_ops.squared_difference(first_log, second_log), axis=-1)


def _l2_normalize(x, axis):
    # Keras' normalize: x * min(rsqrt(sum(x^2)), 1 / epsilon), so zero vectors stay zero.
    square_sum = reduce_ops.reduce_sum(math_ops.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        inv_norm = math_ops.rsqrt(square_sum)
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
    abs_error = math_ops.abs(error)
    quadratic = 0.5 * math_ops.square(error)
    linear = delta * abs_error - 0.5 * np.square(delta)
    return reduce_ops.reduce_mean(
        indexing_ops.where(logic_ops.less_equal(abs_error, delta), quadratic, linear), axis=-1
    )


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true)), axis=-1), computed without overflow."""
    y_true, y_pred = _prepared("log_cosh", y_true, y_pred)
    log2 = np.asarray(np.log(np.float32(2.0)), dtype=y_pred._value.dtype)  # Keras: float32 log
    x = y_pred - y_true
    return reduce_ops.reduce_mean(x + math_ops.softplus(x * -2.0) - log2, axis=-1)


# ---- probabilistic losses ----------------------------------------------------------------------


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1]."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    _check_broadcast("kl_divergence", y_true, y_pred)
    eps = backend.epsilon()
    y_true = _clip(y_true, eps, 1.0)
    y_pred = _clip(y_pred, eps, 1.0)
    return reduce_ops.reduce_sum(y_true * math_ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    _check_broadcast("poisson", y_true, y_pred)
    return reduce_ops.reduce_mean(y_pred - y_true * math_ops.log(y_pred + _eps(y_pred)), axis=-1)


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
        return nn_ops.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = backend.epsilon()
    output = _clip(output, eps, 1.0 - eps)
    bce = target * math_ops.log(output) + (1.0 - target) * math_ops.log(1.0 - output)
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
        logits, y_pred = y_pred, math_ops.sigmoid(y_pred)
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
        return nn_ops.softmax_cross_entropy_with_logits(labels=y_true, logits=output, axis=axis)
    output = output / reduce_ops.reduce_sum(output, axis=axis, keepdims=True)
    eps = backend.epsilon()
    output = _clip(output, eps, 1.0 - eps)
    return -reduce_ops.reduce_sum(y_true * math_ops.log(output), axis=axis)


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
    cce = -y_true * math_ops.log(output)
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
    if ignore_class is not None:
        valid = xp.not_equal(y_true._value, ignore_class)
        y_true = wrap(xp.where(valid, y_true._value, 0).astype(y_true._value.dtype))
        y_pred = indexing_ops.where(wrap(valid[..., None]), y_pred, xp.zeros((), y_pred.dtype._np))
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
        output = math_ops.log(_clip(output, eps, 1.0 - eps))
    result = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=output)
    if valid is not None:
        result = indexing_ops.where(wrap(valid), result, xp.zeros((), result.dtype._np))
        result = _with_mask(result, wrap(valid))
    return result


# ---- hinge losses ------------------------------------------------------------------------------


def _hinge_labels(y_true):
    # Keras maps labels that are all 0/1 to -1/1 and leaves other labels alone.
    v = y_true._value
    return 2.0 * y_true - 1.0 if bool(xp.all((v == 0) | (v == 1))) else y_true


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
    return reduce_ops.reduce_mean(math_ops.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis."""
    y_true, y_pred = _convert_pair(y_true, y_pred)
    _check_broadcast("categorical_hinge", y_true, y_pred)
    pos = reduce_ops.reduce_sum(y_true * y_pred, axis=-1)
    neg = reduce_ops.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return math_ops.maximum(neg - pos + 1.0, 0.0)


# ---- loss classes ------------------------------------------------------------------------------

_SOBS = "sum_over_batch_size"


class MeanSquaredError(_BuiltinLoss):
    """Mean of the squared errors."""

    def __init__(self, reduction=_SOBS, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(_BuiltinLoss):
    """Mean of the absolute errors."""

    def __init__(self, reduction=_SOBS, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(_BuiltinLoss):
    """Mean absolute error relative to |y_true|, in percent."""

    def __init__(self, reduction=_SOBS, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(_BuiltinLoss):
    """Mean squared error of log(1 + y)."""

    def __init__(self, reduction=_SOBS, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class CosineSimilarity(_BuiltinLoss):
    """Negative cosine similarity along `axis` (-1 when the directions agree)."""

    # Keras 3 leaves `axis` out of the config (so it is lost on reload); tapeflow keeps it.
    _config_keys = ("axis",)

    def __init__(self, axis=-1, reduction=_SOBS, name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class Huber(_BuiltinLoss):
    """Quadratic for errors up to `delta`, linear beyond."""

    _config_keys = ("delta",)  # Keras 3 drops `delta` from the config; tapeflow keeps it

    def __init__(self, delta=1.0, reduction=_SOBS, name="huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class LogCosh(_BuiltinLoss):
    """Mean of log(cosh(error))."""

    def __init__(self, reduction=_SOBS, name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class Hinge(_BuiltinLoss):
    """Hinge loss for labels in {-1, 1} (or {0, 1})."""

    def __init__(self, reduction=_SOBS, name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(_BuiltinLoss):
    """Squared hinge loss for labels in {-1, 1} (or {0, 1})."""

    def __init__(self, reduction=_SOBS, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(_BuiltinLoss):
    """Hinge loss for one-hot labels."""

    def __init__(self, reduction=_SOBS, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)


class KLDivergence(_BuiltinLoss):
    """Kullback-Leibler divergence of y_pred from y_true."""

    def __init__(self, reduction=_SOBS, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(_BuiltinLoss):
    """Poisson negative log-likelihood (up to a constant)."""

    def __init__(self, reduction=_SOBS, name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


class BinaryCrossentropy(_BuiltinLoss):
    """Crossentropy of 0/1 labels against probabilities (or logits with from_logits=True)."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction=_SOBS,
        name="binary_crossentropy",
        dtype=None,
    ):
        super().__init__(
            binary_crossentropy,
            reduction,
            name,
            dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class BinaryFocalCrossentropy(_BuiltinLoss):
    """Binary crossentropy down-weighting the easy examples by (1 - p_t) ** gamma."""

    _config_keys = (
        "from_logits",
        "label_smoothing",
        "axis",
        "apply_class_balancing",
        "alpha",
        "gamma",
    )

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction=_SOBS,
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(
            binary_focal_crossentropy,
            reduction,
            name,
            dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalCrossentropy(_BuiltinLoss):
    """Crossentropy of one-hot labels against class probabilities (or logits)."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction=_SOBS,
        name="categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            categorical_crossentropy,
            reduction,
            name,
            dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalFocalCrossentropy(_BuiltinLoss):
    """Categorical crossentropy down-weighting the easy examples by alpha (1 - p) ** gamma."""

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction=_SOBS,
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(
            categorical_focal_crossentropy,
            reduction,
            name,
            dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(_BuiltinLoss):
    """Crossentropy of integer class labels against class probabilities (or logits)."""

    _integer_labels = True
    _config_keys = ("from_logits", "ignore_class")

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction=_SOBS,
        axis=-1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction,
            name,
            dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )


# ---- aliases, get, serialize, deserialize ------------------------------------------------------

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

_CLASSES = (
    Loss,
    LossFunctionWrapper,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy,
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCosh,
    Huber,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
)
_FUNCTIONS = (
    kl_divergence,
    poisson,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    sparse_categorical_crossentropy,
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    cosine_similarity,
    log_cosh,
    huber,
    hinge,
    squared_hinge,
    categorical_hinge,
)
ALL_OBJECTS = set(_CLASSES) | set(_FUNCTIONS)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update(
    {
        "bce": bce,
        "BCE": bce,
        "kld": kld,
        "KLD": kld,
        "kullback_leibler_divergence": kld,
        "mae": mae,
        "MAE": mae,
        "mse": mse,
        "MSE": mse,
        "mape": mape,
        "MAPE": mape,
        "msle": msle,
        "MSLE": msle,
        "logcosh": log_cosh,
    }
)


def serialize_object(obj, module: str, builtins: set, top_level=()):
    """Keras 3's serialized form of an object or function (shared with keras.metrics); the
    `top_level` classes are exported as `keras.X` too and serialize with module "keras"."""
    if obj is None or isinstance(obj, str):
        return obj
    if inspect.isfunction(obj) or (callable(obj) and not hasattr(obj, "get_config")):
        name = getattr(obj, "__name__", type(obj).__name__)
        return {
            "module": "builtins",
            "class_name": "function",
            "config": name,
            "registered_name": "function",
        }
    cls = type(obj)
    builtin = cls in builtins
    return {
        "module": ("keras" if cls in top_level else module) if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize_object(config, objects: dict, custom_objects, kind: str):
    """The object a serialized form names: a name, a function record or a class config."""
    custom_objects = custom_objects or {}

    def lookup(name):
        obj = custom_objects.get(name, objects.get(name))
        if obj is None:
            raise ValueError(
                f"Could not interpret {kind} identifier: {name!r}; it is neither a built-in "
                f"{kind} (e.g. {sorted(k for k in objects if k[0].islower())[:6]}...) nor in "
                f"`custom_objects`."
            )
        return obj

    if isinstance(config, str):
        obj = lookup(config)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret {kind} identifier: {config!r}")
    if config["class_name"] == "function":
        return lookup(config["config"])
    cls = lookup(config.get("registered_name") or config["class_name"])
    if not inspect.isclass(cls):
        cls = lookup(config["class_name"])
    return cls.from_config(dict(config.get("config") or {}))


def serialize(loss):
    """The Keras 3 config dict of a Loss instance or loss function."""
    return serialize_object(loss, "keras.losses", set(_CLASSES), top_level=(Loss,))


def deserialize(name, custom_objects=None):
    """The Loss instance or loss function that `serialize` (or a name) describes."""
    return deserialize_object(name, ALL_OBJECTS_DICT, custom_objects, "loss")


def get(identifier):
    """A loss from a name ("mse", "CategoricalCrossentropy"), a config dict, a Loss, a class or
    a function. Names of functions give the function; class names give an instance."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


__all__ = [
    "Loss",
    "LossFunctionWrapper",
    "Reduction",
    *[cls.__name__ for cls in _CLASSES[2:]],
    *[fn.__name__ for fn in _FUNCTIONS],
    "mse",
    "MSE",
    "mae",
    "MAE",
    "mape",
    "MAPE",
    "msle",
    "MSLE",
    "kld",
    "KLD",
    "kullback_leibler_divergence",
    "logcosh",
    "get",
    "serialize",
    "deserialize",
]
