"""Convolution layers: Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D (Keras 3).

Each layer is one tf.nn convolution (im2col + one matmul), a bias add and an activation.
This module also holds the small argument helpers that the other layer modules share.
"""

from __future__ import annotations

import numpy as np

from ...core.errors import InvalidArgumentError
from ...ops import conv as _conv
from ...ops import conv_fused as _conv_fused
from ...ops.array import reshape, transpose
from ...ops.array_join import concat, pad, split
from .. import activations, backend, initializers, regularizers
from .core import _positive_int
from .input_spec import InputSpec
from .layer import Layer

# ---- shared argument helpers --------------------------------------------------------------


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _tuple(value, n, what, layer, minimum=None):
    """An int or an iterable of n ints, as a tuple of n ints (Keras' standardize_tuple):
    floats (even 2.0), strings and None are refused, as are values under `minimum`."""
    if _is_int(value):
        out = (int(value),) * n
    elif isinstance(value, (list, tuple)) and all(_is_int(v) for v in value):
        out = tuple(int(v) for v in value)
    else:
        out = ()
    if len(out) != n:
        raise ValueError(
            f"{layer}: `{what}` must be an int or a tuple of {n} ints, received {what}={value!r}"
        )
    if minimum is not None and min(out) < minimum:
        raise InvalidArgumentError(
            f"{layer}: `{what}` must be {'positive' if minimum == 1 else 'non-negative'} "
            f"integers, received {what}={value!r}"
        )
    return out


def _data_format(value, layer):
    value = backend.image_data_format() if value is None else str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer}: data_format must be 'channels_last' or 'channels_first', received {value!r}"
        )
    return value


def _padding(value, layer, allowed=("valid", "same")):
    value = str(value).lower()
    if value not in allowed:
        raise ValueError(f"{layer}: padding must be one of {allowed}, received {value!r}")
    return value


def _serialize(obj, module):
    return None if obj is None else module.serialize(module.get(obj))


# Activations by Keras name. Temporary: switch to `keras.activations.get` once it is merged.
def _activation(identifier, layer="layer"):
    """(callable, serialized name) of an activation: a name, None (linear) or a callable."""
    try:
        fn = activations.get(identifier)
    except ValueError as e:
        raise ValueError(f"{layer}: {e}") from None
    return fn, activations.serialize(fn)


def _conv_length(size, k, stride, padding, dilation):
    """Output length along one spatial axis (None stays None), as Keras computes it."""
    if size is None:
        return None
    eff = (k - 1) * dilation + 1
    if padding == "valid":
        return max((size - eff) // stride + 1, 0)
    return -(-size // stride)  # "same" and "causal"


# ---- base class ---------------------------------------------------------------------------


class _BaseConv(Layer):
    """N-D convolution: `kernel` (*kernel_size, in_channels // groups, filters) and `bias`."""

    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        layer = type(self).__name__
        n = self.rank
        self.filters = None if filters is None else _positive_int(layer, "filters", filters)
        self.groups = _positive_int(layer, "groups", groups)
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(
                f"{layer}: filters ({filters}) must be a positive multiple of groups ({groups})"
            )
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", layer, minimum=1)
        self.strides = _tuple(strides, n, "strides", layer, minimum=1)
        self.dilation_rate = _tuple(dilation_rate, n, "dilation_rate", layer, minimum=1)
        allowed = ("valid", "same", "causal") if n == 1 else ("valid", "same")
        self.padding = _padding(padding, layer, allowed)
        self.data_format = _data_format(data_format, layer)
        if min(self.kernel_size + self.strides + self.dilation_rate) <= 0:
            raise ValueError(
                f"{layer}: kernel_size, strides and dilation_rate must be positive, received "
                f"{self.kernel_size}, {self.strides}, {self.dilation_rate}"
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{layer}: strides > 1 not supported in conjunction with dilation_rate > 1, "
                f"received strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.activation, self._activation_name = _activation(activation, layer)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = None
        self.bias = None
        self.input_spec = InputSpec(min_ndim=self.rank + 2)

    def _channels(self, input_shape):
        return input_shape[-1] if self.data_format == "channels_last" else input_shape[1]

    def _check_input(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Layer {self.name} ({type(self).__name__}) expects inputs of rank "
                f"{self.rank + 2}, received shape {tuple(input_shape)}"
            )
        channels = self._channels(input_shape)
        if channels is None:
            raise ValueError(
                f"Layer {self.name}: the channel dimension of the inputs must be known, "
                f"received shape {tuple(input_shape)}"
            )
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: int(channels)})
        return int(channels)

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"Layer {self.name}: the number of input channels must be evenly divisible by "
                f"the number of groups. Received groups={self.groups}, but the input has "
                f"{channels} channels (full input shape is {tuple(input_shape)})."
            )
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def _tf_format(self):
        cl = self.data_format == "channels_last"
        return ("NWC" if cl else "NCW") if self.rank == 1 else ("NHWC" if cl else "NCHW")

    def convolution_op(self, inputs, kernel):
        """The bare convolution of `inputs` with `kernel` (what `call` adds a bias to)."""
        if self.groups == 1:
            return self._conv(inputs, kernel)
        # Grouped: each slice of channels has its own slice of filters.
        axis = -1 if self.data_format == "channels_last" else 1
        xs = split(inputs, self.groups, axis=axis)
        ks = split(kernel, self.groups, axis=-1)
        return concat([self._conv(x, k) for x, k in zip(xs, ks)], axis=axis)

    def _conv(self, x, kernel):
        padding = self.padding.upper()
        if self.rank == 1:
            if padding == "CAUSAL":  # pad on the left only, then an ordinary valid conv
                left = (self.kernel_size[0] - 1) * self.dilation_rate[0]
                spec = [[0, 0], [left, 0], [0, 0]]
                if self.data_format == "channels_first":
                    spec = [[0, 0], [0, 0], [left, 0]]
                x, padding = pad(x, spec), "VALID"
            return _conv.conv1d(
                x, kernel, self.strides, padding, self._tf_format(), self.dilation_rate
            )
        return _conv.conv2d(
            x, kernel, self.strides, padding, self._tf_format(), self.dilation_rate
        )

    def _add_bias(self, outputs):
        if self.data_format == "channels_last":
            return outputs + self.bias
        return outputs + reshape(self.bias, (1, -1) + (1,) * self.rank)

    def call(self, inputs):
        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            outputs = self._add_bias(outputs)
        if self.activation is not activations.linear:
            outputs = self.activation(outputs)
        return outputs

    def _output_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_input(input_shape)
        cl = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if cl else input_shape[2:]
        out = tuple(
            _conv_length(s, k, st, self.padding, d)
            for s, k, st, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )
        if any(d is not None and d <= 0 for d in out):
            raise ValueError(
                f"Layer {self.name}: computed output size would be negative or zero: "
                f"{out}, for inputs of shape {input_shape}, kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding!r}, "
                f"dilation_rate={self.dilation_rate}"
            )
        channels = self._output_channels(input_shape)
        return (input_shape[0],) + (out + (channels,) if cl else (channels,) + out)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": self._activation_name,
            "use_bias": self.use_bias,
            "kernel_initializer": _serialize(self.kernel_initializer, initializers),
            "bias_initializer": _serialize(self.bias_initializer, initializers),
            "kernel_regularizer": _serialize(self.kernel_regularizer, regularizers),
            "bias_regularizer": _serialize(self.bias_regularizer, regularizers),
            "activity_regularizer": _serialize(self._activity_regularizer, regularizers),
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
        }


class Conv1D(_BaseConv):
    """1-D convolution over (batch, steps, channels); padding may also be "causal"."""

    rank = 1


class Conv2D(_BaseConv):
    """2-D convolution over (batch, height, width, channels)."""

    rank = 2

    def call(self, inputs):
        if (
            self.activation is activations.relu
            and self.use_bias
            and self.groups == 1
            and self.data_format == "channels_last"
            and type(self).convolution_op is _BaseConv.convolution_op
        ):
            # Eagerly, where the direct kernels apply: conv + bias + relu as one op
            # (ops/conv_fused.py), bitwise what the three ops give.
            outputs = _conv_fused.eager_conv_bias_relu(
                inputs,
                self.kernel,
                self.bias,
                self.strides,
                self.padding.upper(),
                self.dilation_rate,
            )
            if outputs is not None:
                return outputs
        return super().call(inputs)


# ---- transposed convolution ---------------------------------------------------------------


def _transpose_length(size, k, stride, padding, output_padding, dilation):
    """Keras' conv-transpose output length along one axis (TF's padding semantics)."""
    if size is None:
        return None
    k = (k - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return (size - 1) * stride + k + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + k % 2 + output_padding


class Conv2DTranspose(_BaseConv):
    """Transposed 2-D convolution: `kernel` is (kh, kw, filters, in_channels)."""

    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        if output_padding is not None:
            output_padding = _tuple(output_padding, self.rank, "output_padding", "Conv2DTranspose")
            for op_, s in zip(output_padding, self.strides):
                if op_ >= s:
                    raise ValueError(
                        f"Conv2DTranspose: strides {self.strides} must be greater than "
                        f"output padding {output_padding}"
                    )
        self.output_padding = output_padding

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_input(input_shape)
        cl = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if cl else input_shape[2:]
        paddings = self.output_padding or (None,) * self.rank
        out = tuple(
            _transpose_length(s, k, st, self.padding, op_, d)
            for s, k, st, op_, d in zip(
                spatial, self.kernel_size, self.strides, paddings, self.dilation_rate
            )
        )
        return (input_shape[0],) + (out + (self.filters,) if cl else (self.filters,) + out)

    def convolution_op(self, inputs, kernel):
        shape = tuple(inputs.shape)
        out = self.compute_output_shape(shape)
        return _conv.conv2d_transpose(
            inputs,
            kernel,
            out,
            self.strides,
            self.padding.upper(),
            self._tf_format(),
            self.dilation_rate,
        )

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        out = {}
        for key, value in config.items():
            out[key] = value
            if key == "padding":
                out["output_padding"] = self.output_padding
        return out


# ---- depthwise convolution ----------------------------------------------------------------


class DepthwiseConv2D(_BaseConv):
    """Each input channel convolved with its own `depth_multiplier` filters.

    The weight is `kernel` (kh, kw, in_channels, depth_multiplier), as in Keras 3.
    """

    rank = 2

    def __init__(
        self,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        self.depth_multiplier = _positive_int("DepthwiseConv2D", "depth_multiplier",
                                              depth_multiplier)  # fmt: skip
        if self.depth_multiplier <= 0:
            raise ValueError(
                f"DepthwiseConv2D: depth_multiplier must be positive, received {depth_multiplier}"
            )
        dilations = _tuple(dilation_rate, 2, "dilation_rate", "DepthwiseConv2D")
        super().__init__(
            None,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=1,  # stride and dilation together are allowed here: see _conv
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=depthwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        self.dilation_rate = dilations

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(channels * self.depth_multiplier,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def _output_channels(self, input_shape):
        return self._channels(input_shape) * self.depth_multiplier

    def convolution_op(self, inputs, kernel):
        fmt = self._tf_format()
        if max(self.strides) == 1 or max(self.dilation_rate) == 1:
            return _conv.depthwise_conv2d(
                inputs,
                kernel,
                (1,) + self.strides + (1,),
                self.padding.upper(),
                fmt,
                self.dilation_rate,
            )
        # TF has no strided dilated depthwise conv: run it at stride 1 and subsample, with
        # "same" padded explicitly for the strided geometry (as Keras' TF backend does).
        x = inputs if fmt == "NHWC" else transpose(inputs, (0, 2, 3, 1))
        if self.padding == "same":
            spec = [[0, 0]]
            for a, (k, s, d) in enumerate(zip(self.kernel_size, self.strides, self.dilation_rate)):
                n = int(x.shape[1 + a])
                total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
                spec.append([total // 2, total - total // 2])
            x = pad(x, spec + [[0, 0]])
        y = _conv.depthwise_conv2d(x, kernel, 1, "VALID", "NHWC", self.dilation_rate)
        y = y[:, :: self.strides[0], :: self.strides[1], :]
        return y if fmt == "NHWC" else transpose(y, (0, 3, 1, 2))

    def get_config(self):
        config = super().get_config()
        renamed = {
            "kernel_initializer": "depthwise_initializer",
            "kernel_regularizer": "depthwise_regularizer",
            "kernel_constraint": "depthwise_constraint",
        }
        out = {k: config[k] for k in ("name", "trainable", "dtype")}
        out["depth_multiplier"] = self.depth_multiplier
        for key, value in config.items():
            if key not in out and key not in ("filters", "groups"):
                out[renamed.get(key, key)] = value
        return out


# Keras' aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose

__all__ = [
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "DepthwiseConv2D",
    "Convolution1D",
    "Convolution2D",
    "Convolution2DTranspose",
]
