"""Preprocessing layers: Normalization (with `adapt`) and Rescaling."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ...backend import xp
from ...core.tensor import Operand, convert_to_tensor
from ...ops.array import broadcast_to, reshape
from ...ops.math import cast, maximum
from ...ops.math_unary import sqrt
from .. import backend
from .layer import Layer


def _first(batch):
    """The features of a batch: `x` of an `(x, y)` or `(x, y, w)` tuple."""
    return batch[0] if isinstance(batch, tuple) else batch


def _to_numpy(x):
    if isinstance(x, Operand):
        return np.asarray(x.numpy())
    return np.asarray(x)


class Normalization(Layer):
    """`(x - mean) / sqrt(variance)` per feature along `axis` (its inverse if `invert`).

    `mean` and `variance` are given, or learnt by `adapt(data)` over every axis but `axis`.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self._build_input_shape = None
        self.mean = self.variance = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                f"Normalization: when setting values directly, both `mean` and `variance` "
                f"must be set, received mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    f"Normalization: `mean` and `variance` must have the same shape, received "
                    f"{np.shape(mean)} and {np.shape(variance)}"
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    f"Normalization: the rank of `mean` must be at most the number of axes "
                    f"({len(self.axis)}), received mean of shape {np.shape(mean)} for "
                    f"axis {self.axis}"
                )

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Normalization {self.name}: every axis must be in [-ndim, ndim), received "
                f"inputs with ndim={ndim} and axis={self.axis}"
            )
        self._build_input_shape = input_shape
        self._keep_axis = tuple(sorted(d % ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"Normalization {self.name}: the kept axes must have a known size, "
                    f"received axis={self.axis} and inputs of shape {input_shape}"
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(
            input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)
        )
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            shape = self._mean_and_var_shape
            self.adapt_mean = self.add_weight(
                name="mean", shape=shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance", shape=shape, initializer="ones", trainable=False
            )
            self.count = self.add_weight(
                name="count", shape=(), dtype="int64", initializer="zeros", trainable=False
            )
            self.built = True
            self.finalize_state()
        else:
            mean = np.asarray(self.input_mean, dtype=self._dtype)
            variance = np.asarray(self.input_variance, dtype=self._dtype)
            if mean.ndim:
                # The given values line up with the last kept axes.
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, variance = mean.reshape(expanded), variance.reshape(expanded)
            self.mean = broadcast_to(convert_to_tensor(mean), self._broadcast_shape)
            self.variance = broadcast_to(convert_to_tensor(variance), self._broadcast_shape)
            self.built = True

    def adapt(self, data):
        """Learns the mean and variance of `data`: an array, a Tensor, or an iterable of
        batches (a Dataset, a list, a generator; `(x, y)` batches use `x`)."""
        if isinstance(data, (np.ndarray, Operand)) or (
            xp is not np and isinstance(data, xp.ndarray)
        ):
            batches, input_shape = None, tuple(data.shape)
        elif hasattr(data, "__iter__"):
            spec = getattr(data, "element_spec", None)
            if spec is not None and hasattr(data, "batch"):
                spec = spec[0] if isinstance(spec, tuple) else spec
                if len(spec.shape) == 1:  # unbatched examples: adapt in batches, as Keras
                    data = data.batch(128)
            iterator = iter(data)
            first = next(iterator, None)
            if first is None:
                raise ValueError(
                    f"Normalization {self.name}: adapt() received an empty iterable; expected "
                    f"at least one batch"
                )
            first = _first(first)
            if not hasattr(first, "shape"):
                raise TypeError(
                    f"Normalization {self.name}: adapt() expects batches with a `.shape` "
                    f"(arrays or tensors), got {type(first).__name__}"
                )
            batches, input_shape = itertools.chain([first], iterator), tuple(first.shape)
        else:
            raise TypeError(
                f"Normalization {self.name}: adapt() supports arrays, tensors and iterables "
                f"of batches, received {type(data).__name__}"
            )
        if not self.built:
            self.build(input_shape)
        else:
            self._check_shape(input_shape)
        if self.input_mean is not None:
            raise ValueError(
                f"Normalization {self.name}: adapt() cannot be used when `mean` and "
                f"`variance` were given"
            )
        if batches is None:
            values = _to_numpy(data)
            total_mean = np.mean(values, axis=self._reduce_axis)
            total_var = np.var(values, axis=self._reduce_axis)
        else:
            total_mean, total_var = self._running_moments(batches)
        self.adapt_mean.assign(np.asarray(total_mean, dtype=self._dtype))
        self.adapt_variance.assign(np.asarray(total_var, dtype=self._dtype))
        self.finalize_state()

    def _running_moments(self, batches):
        # Keras' batch-by-batch combination of means and variances, in the layer's dtype.
        dtype = np.dtype(self._dtype)
        total_mean = np.zeros(self._mean_and_var_shape, dtype)
        total_var = np.zeros(self._mean_and_var_shape, dtype)
        total_count = 0
        for batch in batches:
            batch = _to_numpy(_first(batch)).astype(dtype, copy=False)
            self._check_shape(batch.shape)
            batch_mean = np.mean(batch, axis=self._reduce_axis)
            batch_var = np.var(batch, axis=self._reduce_axis)
            batch_count = math.prod(batch.shape[d] for d in self._reduce_axis)
            total_count += batch_count
            batch_weight = float(batch_count) / total_count
            existing_weight = 1.0 - batch_weight
            new_mean = total_mean * existing_weight + batch_mean * batch_weight
            total_var = (total_var + (total_mean - new_mean) ** 2) * existing_weight + (
                batch_var + (batch_mean - new_mean) ** 2
            ) * batch_weight
            total_mean = new_mean
        return total_mean, total_var

    def _check_shape(self, shape):
        for d in self._keep_axis:
            if len(shape) <= d or shape[d] != self._build_input_shape[d]:
                raise ValueError(
                    f"Normalization {self.name}: the layer was built with input_shape="
                    f"{self._build_input_shape}, but adapt() got data of incompatible "
                    f"shape {tuple(shape)}"
                )

    def finalize_state(self):
        """Recomputes the broadcast mean and variance from the adapted weights."""
        if self.input_mean is not None or not self.built:
            return
        self.mean = reshape(self.adapt_mean, self._broadcast_shape)
        self.variance = reshape(self.adapt_variance, self._broadcast_shape)

    def set_weights(self, weights):
        super().set_weights(weights)
        self.finalize_state()

    def call(self, inputs):
        if self.mean is None:
            raise ValueError(
                f"Normalization {self.name}: call `adapt(data)` or `build(input_shape)` "
                f"before using the layer"
            )
        if self.input_mean is None:
            # Read the weights on each call, so restored or assigned values take effect.
            mean = reshape(self.adapt_mean, self._broadcast_shape)
            variance = reshape(self.adapt_variance, self._broadcast_shape)
        else:
            mean, variance = self.mean, self.variance
        std = maximum(sqrt(variance), backend.epsilon())
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }


class Rescaling(Layer):
    """`inputs * scale + offset` (scale and offset may be per-channel arrays)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        dtype = np.dtype(self._dtype)
        self._scale = convert_to_tensor(np.asarray(_to_numpy(scale), dtype))
        self._offset = convert_to_tensor(np.asarray(_to_numpy(offset), dtype))

    def call(self, inputs):
        if inputs.dtype.name != self._dtype:
            inputs = cast(inputs, self._dtype)
        return inputs * self._scale + self._offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def plain(v):
            return v.tolist() if isinstance(v, np.ndarray) else v

        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}


__all__ = ["Normalization", "Rescaling"]
