"""Normalization layers: BatchNormalization and LayerNormalization (Keras 3 numbers)."""

from __future__ import annotations

import numpy as np

from ...core.tape import paused
from ...ops.array import reshape
from ...ops.math import cast
from ...ops.math_unary import rsqrt
from ...ops.nn_layers import batch_normalization, moments
from .. import initializers, regularizers
from .core import _get_constraint, _get_initializer, _serialize_constraint
from .input_spec import InputSpec
from .layer import Layer


class BatchNormalization(Layer):
    """Normalises each feature over the batch (training) or with the moving statistics.

    With `training=True` (and a trainable layer) the batch mean and variance are used and the
    moving statistics move towards them: `moving = moving * momentum + batch * (1 - momentum)`.
    Otherwise `moving_mean` and `moving_variance` are used and nothing changes.
    """

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        synchronized=False,
        **kwargs,
    ):
        if renorm:
            raise NotImplementedError("BatchNormalization: renorm=True is not supported")
        super().__init__(**kwargs)
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
            raise TypeError(f"BatchNormalization: `axis` must be an int, received axis={axis!r}")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = _get_initializer(beta_initializer)
        self.gamma_initializer = _get_initializer(gamma_initializer)
        self.moving_mean_initializer = _get_initializer(moving_mean_initializer)
        self.moving_variance_initializer = _get_initializer(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = _get_constraint(beta_constraint)
        self.gamma_constraint = _get_constraint(gamma_constraint)
        # One replica: synchronized statistics are the local ones.
        self.synchronized = synchronized
        self.renorm = renorm
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or input_shape[self.axis] is None:
            raise ValueError(
                f"BatchNormalization {self.name}: axis {self.axis} must be a known dimension "
                f"of the inputs, received input_shape={tuple(input_shape)}"
            )
        shape = (input_shape[self.axis],)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        self.moving_mean = self.add_weight(
            shape=shape, name="moving_mean", initializer=self.moving_mean_initializer,
            trainable=False, autocast=False,
        )  # fmt: skip
        self.moving_variance = self.add_weight(
            shape=shape, name="moving_variance", initializer=self.moving_variance_initializer,
            trainable=False, autocast=False,
        )  # fmt: skip
        axis = self.axis % rank
        self._reduction_axes = [d for d in range(rank) if d != axis]
        # Per-feature vectors broadcast against the inputs through this shape (axis != -1).
        self._broadcast = None if axis == rank - 1 else tuple(
            shape[0] if d == axis else 1 for d in range(rank)
        )  # fmt: skip
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: shape[0]})
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            raise NotImplementedError(f"BatchNormalization {self.name}: masks are not supported")
        inputs = _in_float32(inputs)  # as Keras: float16/bfloat16 statistics overflow
        if training and self.trainable:
            mean, variance = moments(inputs, axes=self._reduction_axes)
            self._update_moving(self.moving_mean, mean)
            self._update_moving(self.moving_variance, variance)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        gamma, beta = self.gamma, self.beta
        if self._broadcast is not None:
            shape = self._broadcast
            mean, variance = reshape(mean, shape), reshape(variance, shape)
            gamma = None if gamma is None else reshape(gamma, shape)
            beta = None if beta is None else reshape(beta, shape)
        outputs = batch_normalization(inputs, mean, variance, beta, gamma, self.epsilon)
        return _in_dtype(outputs, self.compute_dtype)

    def _update_moving(self, moving, batch_value):
        # A side effect no tape records, computed with ops so that tf.function records it
        # (array arithmetic here would be baked into a trace as the first call's value).
        with paused():
            if batch_value.dtype != moving.dtype:
                batch_value = cast(batch_value, moving.dtype)
            moving.assign(moving * self.momentum + batch_value * (1.0 - self.momentum))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer
            ),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": _serialize_constraint(self.beta_constraint),
            "gamma_constraint": _serialize_constraint(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }


class LayerNormalization(Layer):
    """Normalises each example over `axis` (an int or a list), then scales and shifts."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            raise NotImplementedError(
                "LayerNormalization: rms_scaling is deprecated in Keras 3 and not supported"
            )
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(
                f"LayerNormalization: expected an int or a list/tuple of ints for `axis`, "
                f"received {axis!r}"
            )
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = False
        self.beta_initializer = _get_initializer(beta_initializer)
        self.gamma_initializer = _get_initializer(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = _get_constraint(beta_constraint)
        self.gamma_constraint = _get_constraint(gamma_constraint)
        self.gamma = self.beta = None

    def build(self, input_shape):
        # As Keras: after build, `axis` is a sorted list (and so is the config's).
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self.axis):
            raise ValueError(
                f"LayerNormalization {self.name}: axis {self.axis} is out of bounds for "
                f"input shape {tuple(input_shape)}"
            )
        shape = tuple(input_shape[d] for d in self.axis)
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        kept = sorted(d % rank for d in self.axis)
        self._moment_axes = kept
        self._broadcast = None if kept == [rank - 1] else tuple(
            input_shape[d] if d in kept else 1 for d in range(rank)
        )  # fmt: skip
        self.built = True

    def call(self, inputs):
        # Keras' formula: x * inv + (beta - mean * inv), inv = gamma * rsqrt(var + eps).
        inputs = _in_float32(inputs)  # as Keras, in float32 under a mixed policy
        mean, variance = moments(inputs, axes=self._moment_axes, keepdims=True)
        gamma, beta = self.gamma, self.beta
        if self._broadcast is not None:
            gamma = None if gamma is None else reshape(gamma, self._broadcast)
            beta = None if beta is None else reshape(beta, self._broadcast)
        inv = rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        res = -mean * inv
        if beta is not None:
            res = res + beta
        return _in_dtype(inputs * inv + res, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": _serialize_constraint(self.beta_constraint),
            "gamma_constraint": _serialize_constraint(self.gamma_constraint),
        }


def _in_float32(x):
    """float16/bfloat16 inputs upcast: normalisation statistics are computed in float32."""
    return cast(x, "float32") if x.dtype.name in ("float16", "bfloat16") else x


def _in_dtype(x, dtype):
    return x if x.dtype.name == dtype else cast(x, dtype)


__all__ = ["BatchNormalization", "LayerNormalization"]
