"""Loss base classes, reductions and the dtype/shape/mask handling Keras applies to every loss."""

from __future__ import annotations

import numpy as np

from ...backend import xp
from ...core import nest
from ...core.tensor import Operand, Tensor, convert_to_tensor, wrap
from ...ops import array as array_ops
from ...ops import logic as logic_ops
from ...ops import math as math_ops
from ...ops import reduce as reduce_ops
from ...ops.shape_generic import _reduced_count
from .. import backend
from ..tagged import with_mask

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


def _with_mask(t: Tensor, mask) -> Tensor:
    return with_mask(t, mask)


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
    # Ops, not arrays: inside tf.function the mask is a new one on every call.
    mask = _cast_to(mask, "bool")
    float_mask = math_ops.cast(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = _reduced_count(mask, axis=None, dtype=dtype)
        valid = reduce_ops.reduce_sum(float_mask)
        weight = math_ops.divide_no_nan(total, valid)  # 0 when no entry is valid
        float_mask = float_mask * weight
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
            mask = logic_ops.logical_and(_cast_to(in_mask, "bool"), _cast_to(out_mask, "bool"))
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
        from . import serialize  # the package entry point: functions and classes

        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (str, dict)):
            from . import deserialize

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
