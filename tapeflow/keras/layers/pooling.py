"""Pooling layers: max and average pooling over windows (1-D, 2-D) and global pooling."""

from __future__ import annotations

from ...core.errors import InvalidArgumentError
from ...ops import pooling as _pooling
from ...ops.reduce import reduce_max, reduce_mean, reduce_sum
from .convolutional import _conv_length, _data_format, _padding, _tuple
from .input_spec import InputSpec
from .layer import Layer


class _BasePooling(Layer):
    """Windowed pooling; `strides` defaults to `pool_size`."""

    rank = 2
    _pool = None  # the tf.nn function of (input, ksize, strides, padding, data_format)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.pool_size = _tuple(pool_size, self.rank, "pool_size", layer, minimum=1)
        if strides is None:
            self.strides = self.pool_size
        else:
            self.strides = _tuple(strides, self.rank, "strides", layer, minimum=1)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.padding = _padding(padding, layer)
        self.data_format = _data_format(data_format, layer)
        self.built = True  # no weights: built from the start, as in Keras

    def _tf_format(self):
        cl = self.data_format == "channels_last"
        return ("NWC" if cl else "NCW") if self.rank == 1 else ("NHWC" if cl else "NCHW")

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            raise ValueError(
                f"Layer {self.name} ({type(self).__name__}) expects inputs of rank "
                f"{self.rank + 2}, received shape {tuple(inputs.shape)}"
            )
        return type(self)._pool(
            inputs, self.pool_size, self.strides, self.padding.upper(), self._tf_format()
        )

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        cl = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if cl else input_shape[2:]
        out = tuple(
            _conv_length(s, k, st, self.padding, 1)
            for s, k, st in zip(spatial, self.pool_size, self.strides)
        )
        if cl:
            return (input_shape[0],) + out + (input_shape[-1],)
        return input_shape[:2] + out

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


class MaxPooling1D(_BasePooling):
    """Max over windows of (batch, steps, channels)."""

    rank = 1
    _pool = _pooling.max_pool1d

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_BasePooling):
    """Max over windows of (batch, height, width, channels)."""

    rank = 2
    _pool = _pooling.max_pool2d

    def __init__(
        self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs
    ):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_BasePooling):
    """Mean over windows of (batch, steps, channels); "same" borders average real cells only."""

    rank = 1
    _pool = _pooling.avg_pool1d


class AveragePooling2D(_BasePooling):
    """Mean over windows of (batch, height, width, channels)."""

    rank = 2
    _pool = _pooling.avg_pool2d


class _BaseGlobalPooling(Layer):
    """Pooling over all spatial axes; `keepdims` keeps them with size 1."""

    rank = 2
    _reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True  # no weights: built from the start, as in Keras

    def _axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            raise ValueError(
                f"Layer {self.name} ({type(self).__name__}) expects inputs of rank "
                f"{self.rank + 2}, received shape {tuple(inputs.shape)}"
            )
        return type(self)._reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        return {
            **super().get_config(),
            "data_format": self.data_format,
            "keepdims": self.keepdims,
        }


class GlobalAveragePooling1D(_BaseGlobalPooling):
    """Mean over the steps axis."""

    _passes_masks = True  # Keras: supports_masking = True

    rank = 1
    _reduce = reduce_mean

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        # Masked steps do not count in the mean (Keras' masked average).
        from ...ops.math import cast

        mask = cast(mask, inputs.dtype)
        mask = mask[:, :, None] if self.data_format == "channels_last" else mask[:, None, :]
        axis = self._axes()
        total = reduce_sum(inputs * mask, axis=axis, keepdims=self.keepdims)
        return total / reduce_sum(mask, axis=axis, keepdims=self.keepdims)


class GlobalAveragePooling2D(_BaseGlobalPooling):
    """Mean over height and width."""

    rank = 2
    _reduce = reduce_mean


class _GlobalMax(_BaseGlobalPooling):
    def call(self, inputs):
        if inputs.shape.num_elements() == 0:  # Keras: no max of nothing (TF's reduce gives -inf)
            raise InvalidArgumentError(
                f"Layer {self.name} ({type(self).__name__}): cannot compute the max of an empty "
                f"tensor, received shape {tuple(inputs.shape)}"
            )
        return super().call(inputs)


class GlobalMaxPooling1D(_GlobalMax):
    """Max over the steps axis."""

    rank = 1
    _reduce = reduce_max


class GlobalMaxPooling2D(_GlobalMax):
    """Max over height and width."""

    rank = 2
    _reduce = reduce_max


# Keras' aliases.
MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D

__all__ = [
    "MaxPooling1D",
    "MaxPooling2D",
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "MaxPool1D",
    "MaxPool2D",
    "AvgPool1D",
    "AvgPool2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
]
