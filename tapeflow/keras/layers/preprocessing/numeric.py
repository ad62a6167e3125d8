"""Numeric features: Normalization (standardise with adapted or given mean and variance),
Discretization (bucket by boundaries, or by quantiles learnt with `adapt`) and Rescaling."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ....backend import xp
from ....core.tensor import Operand, convert_to_tensor
from ....ops.array import broadcast_to, reshape
from ....ops.math import cast, maximum
from ....ops.math_unary import sqrt
from ... import backend
from ..layer import Layer
from . import _common


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

    _passes_masks = True  # Keras: supports_masking = True

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
            self._build_with_scope(input_shape)
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
        if isinstance(inputs, Operand) and inputs.dtype.name != self._dtype:
            inputs = cast(inputs, self._dtype)  # integer features too, as Keras converts them
        std = maximum(sqrt(variance), backend.epsilon())
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": self._build_input_shape}
        return None

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }


class Discretization(Layer):
    """Buckets numbers by `bin_boundaries` (bucket i holds boundaries[i-1] <= x <
    boundaries[i]), or by `num_bins` quantiles learnt with `adapt` (Keras' approximate
    quantile summary, `epsilon` its error). Outputs int32 bucket indices, or their
    one_hot / multi_hot / count encoding."""

    def __init__(
        self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
        sparse=False, dtype=None, name=None,
    ):  # fmt: skip
        super().__init__(name=name, dtype=dtype)
        _common.check_mode("Discretization", output_mode, ("int",) + _common.ENCODINGS)
        if sparse and output_mode == "int":
            raise ValueError(
                f"Discretization: `sparse=True` may only be used if `output_mode` is "
                f"`'one_hot'`, `'multi_hot'`, or `'count'`. Received: sparse={sparse} and "
                f"output_mode={output_mode}"
            )
        _common.refuse_sparse("Discretization", sparse)
        if num_bins is not None and num_bins < 0:
            raise ValueError(
                f"Discretization: `num_bins` must be greater than or equal to 0. Received: "
                f"`num_bins={num_bins}`"
            )
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                f"Discretization: both `num_bins` and `bin_boundaries` should not be set. "
                f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError(
                "Discretization: you need to set either `num_bins` or `bin_boundaries`."
            )
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if self.bin_boundaries else _empty_summary()
        self.built = True

    def _convert_inputs(self, inputs):
        return inputs  # compared as float32 in call, whatever their dtype

    def adapt(self, data, steps=None):
        """Learns `num_bins` - 1 boundaries at the quantiles of `data` (an array, tensor, or
        a tf.data.Dataset or iterable of batches)."""
        if self.num_bins is None:
            raise ValueError(
                f"Discretization {self.name}: cannot adapt a Discretization layer that has "
                f"been initialized with `bin_boundaries`, use `num_bins` instead."
            )
        self.reset_state()
        for batch in _common.adapt_batches(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        data = np.asarray(_to_numpy(_first(data)), dtype=np.float32)
        summary = _summarize(data, self.epsilon)
        self.summary = _merge_summaries(summary, self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is None:
            return
        self.bin_boundaries = _compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.num_bins is not None:
            self.summary = _empty_summary()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f"Discretization {self.name}: you need to either pass the `bin_boundaries` "
                f"argument at construction time or call `adapt(dataset)` before you can start "
                f"using the `Discretization` layer."
            )
        return _common.on_host(self._bucketize, inputs)

    def _bucketize(self, values) -> np.ndarray:
        values = _to_numpy(values)
        if values.dtype.kind not in "iufb":
            raise TypeError(
                f"Discretization {self.name}: expected numbers, got {values.dtype} inputs"
            )
        # TF's Bucketize: the number of boundaries <= x, compared in float32.
        boundaries = np.asarray(self.bin_boundaries, np.float32)
        indices = np.searchsorted(boundaries, values.astype(np.float32), side="right")
        depth = len(self.bin_boundaries) + 1
        if self.output_mode == "int":
            return xp.asarray(indices.astype(np.int32))
        return _common.encode_categorical(indices, self.output_mode, depth, self._dtype)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def get_config(self):
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self._dtype,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("trainable", None)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            # An adapted layer has both; the constructor takes one (as Keras' from_config).
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)


# Keras' approximate quantile summary: a (2, n) array of values and the weight each stands for.


def _empty_summary():
    return np.array([[], []], dtype=np.float32)


def _summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1) :: int(step)]
    weights = np.ones_like(boundaries) * step
    return np.stack([boundaries, weights])


def _merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress_summary(merged, epsilon)


def _compress_summary(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype(np.float32)


__all__ = ["Discretization", "Normalization"]
