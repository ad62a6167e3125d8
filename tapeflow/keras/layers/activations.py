"""Keras' activation layers: ReLU, LeakyReLU, PReLU (learned slopes), ELU and Softmax.

Each computes what the matching `keras.activations` function computes (Keras 3.15's op
sequence), with Keras' argument checks and configs.
"""

from __future__ import annotations

import warnings

import numpy as np

from ...core.tensor import convert_to_tensor
from ...ops import math as _m
from ...ops.indexing import where
from ...ops.math_unary import exp
from ...ops.reduce import reduce_logsumexp
from .. import activations, initializers, regularizers
from .core import _get_constraint, _serialize_constraint
from .layer import Layer


class ReLU(Layer):
    """max(x, 0), with an optional cap `max_value`, a slope `negative_slope` below
    `threshold`, and values under `threshold` set to 0."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                f"max_value of a ReLU layer cannot be a negative value. Received: "
                f"max_value={max_value}"
            )
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                f"negative_slope of a ReLU layer cannot be None or a negative value. "
                f"Received: negative_slope={negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                f"threshold of a ReLU layer cannot be None or a negative value. Received: "
                f"threshold={threshold}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(
            inputs,
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(Layer):
    """x for x >= 0, `negative_slope` * x otherwise (Keras' default slope 0.3)."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn(
                "Argument `alpha` is deprecated. Use `negative_slope` instead.", stacklevel=2
            )
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"The negative_slope value of a Leaky ReLU layer cannot be None or negative "
                f"value. Expected a float. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}

    def compute_output_shape(self, input_shape):
        return input_shape


class PReLU(Layer):
    """x for x >= 0, alpha * x otherwise, with `alpha` learned (one per input entry, shared
    along `shared_axes`)."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(
        self,
        alpha_initializer="Zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = _get_constraint(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                if not 1 <= i < len(input_shape):
                    raise ValueError(
                        f"PReLU {self.name}: shared axis {i} is not an axis of the inputs "
                        f"after the batch axis (input shape {tuple(input_shape)})"
                    )
                param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f"PReLU {self.name}: the axes after the batch axis must be known (or shared), "
                f"got input shape {tuple(input_shape)}"
            )
        self.alpha = self.add_weight(
            shape=param_shape,
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        self.built = True

    def call(self, inputs):
        pos = activations.relu(inputs)
        neg = -self.alpha * activations.relu(-inputs)
        return pos + neg

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": _serialize_constraint(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }

    def compute_output_shape(self, input_shape):
        return input_shape


class ELU(Layer):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        # Keras 3.15 leaves `alpha` out of the config (so a reloaded layer has alpha 1);
        # tapeflow keeps it, which Keras also accepts when it reads the config.
        return {**super().get_config(), "alpha": self.alpha}

    def compute_output_shape(self, input_shape):
        return input_shape


def _large_negative(dtype) -> float:
    return -3e4 if dtype.name == "float16" else -1e9  # Keras' value for masked logits


class Softmax(Layer):
    """exp(x - max(x)) / sum(...) along `axis` (an int or a list of axes); entries where
    `mask` is False (or <= 0.5) get 0."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        inputs = convert_to_tensor(inputs)
        if mask is not None:
            mask = convert_to_tensor(mask)
            if mask.ndim > inputs.ndim:
                raise ValueError(
                    f"The `mask` must be broadcastable to `inputs` and must not have more "
                    f"dimensions. Received: inputs.shape={tuple(inputs.shape)}, "
                    f"mask.shape={tuple(mask.shape)}"
                )
            for m_dim, i_dim in zip(list(mask.shape)[::-1], list(inputs.shape)[::-1]):
                if m_dim != 1 and m_dim != i_dim:
                    raise ValueError(
                        f"The `mask` must be broadcastable to `inputs`. Each mask dimension "
                        f"must be 1 or match the corresponding input dimension. Received: "
                        f"inputs.shape={tuple(inputs.shape)}, mask.shape={tuple(mask.shape)}"
                    )
            if not mask.dtype.is_bool:
                mask = mask > _m.cast(0.5, mask.dtype)
            fill = np.asarray(_large_negative(inputs.dtype), inputs.dtype.as_numpy_dtype)
            inputs = where(mask, inputs, fill)
        if isinstance(self.axis, (tuple, list)) and len(self.axis) > 1:
            outputs = exp(inputs - reduce_logsumexp(inputs, axis=self.axis, keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (tuple, list)) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = where(mask, outputs, np.asarray(0.0, outputs.dtype.as_numpy_dtype))
        return outputs

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}

    def compute_output_shape(self, input_shape):
        return input_shape


__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]
