"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, zero padding, cropping and
upsampling (1-D and 2-D)."""

from __future__ import annotations

import numpy as np

from ...ops.array import broadcast_to, reshape, transpose
from ...ops.array_join import pad
from ...ops.indexing import gather
from .convolutional import _data_format, _is_int, _tuple
from .core import _positive_int
from .input_spec import InputSpec
from .layer import Layer


def _check_rank(layer, inputs, rank):
    if inputs.ndim != rank:
        raise ValueError(
            f"Layer {layer.name} ({type(layer).__name__}) expects inputs of rank {rank}, "
            f"received shape {tuple(inputs.shape)}"
        )


def _pairs(value, n, what, layer, minimum=0):
    """An int, n ints (symmetric) or n pairs, as n (before, after) pairs (Keras' rules)."""
    if _is_int(value):
        return (_tuple(value, 2, what, layer, minimum),) * n
    if not isinstance(value, (list, tuple)) or len(value) != n:
        raise ValueError(f"{layer}: `{what}` should have {n} elements, received {what}={value!r}")
    if all(_is_int(v) for v in value):
        return tuple(_tuple(v, 2, what, layer, minimum) for v in value)
    return tuple(_tuple(v, 2, what, layer, minimum) for v in value)


def _pair(value, what, layer, minimum=0):
    return _tuple(value, 2, what, layer, minimum)


def _size(dim, extra):
    return None if dim is None else dim + extra


class Permute(Layer):
    """Permutes the non-batch axes; `dims` counts from 1."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(dims, (list, tuple)) or not all(_is_int(d) for d in dims):
            raise ValueError(
                f"Permute: invalid permutation argument `dims`; expected a tuple of integers, "
                f"received dims={dims!r}"
            )
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Permute: invalid permutation argument `dims`; `dims` should be a "
                f"permutation of 1..{len(self.dims)}, received dims={self.dims}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class ZeroPadding1D(Layer):
    """Zeros before and after the steps axis."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pair(padding, "padding", "ZeroPadding1D")
        self.data_format = _data_format(data_format, "ZeroPadding1D")
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        _check_rank(self, inputs, 3)
        spec = [[0, 0], list(self.padding), [0, 0]]
        if self.data_format == "channels_first":
            spec = [[0, 0], [0, 0], list(self.padding)]
        return pad(inputs, spec)

    def compute_output_shape(self, input_shape):
        axis = 1 if self.data_format == "channels_last" else 2
        out = list(input_shape)
        out[axis] = _size(out[axis], sum(self.padding))
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding2D(Layer):
    """Zeros around height and width: an int, (sym_h, sym_w) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, 2, "padding", "ZeroPadding2D")
        self.data_format = _data_format(data_format, "ZeroPadding2D")
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        _check_rank(self, inputs, 4)
        spatial = [list(p) for p in self.padding]
        if self.data_format == "channels_last":
            return pad(inputs, [[0, 0], *spatial, [0, 0]])
        return pad(inputs, [[0, 0], [0, 0], *spatial])

    def compute_output_shape(self, input_shape):
        start = 1 if self.data_format == "channels_last" else 2
        out = list(input_shape)
        for i, p in enumerate(self.padding):
            out[start + i] = _size(out[start + i], sum(p))
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class Cropping1D(Layer):
    """Removes `cropping` = (before, after) steps."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pair(cropping, "cropping", "Cropping1D")
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        _check_rank(self, inputs, 3)
        n = int(inputs.shape[1])
        if sum(self.cropping) >= n:
            raise ValueError(
                f"Layer {self.name}: cropping {self.cropping} is too high for inputs of shape "
                f"{tuple(inputs.shape)}"
            )
        return inputs[:, self.cropping[0] : n - self.cropping[1], :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], _size(input_shape[1], -sum(self.cropping)), input_shape[2])

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class Cropping2D(Layer):
    """Removes rows and columns: an int, (sym_h, sym_w) or ((top, bottom), (left, right))."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, 2, "cropping", "Cropping2D")
        self.data_format = _data_format(data_format, "Cropping2D")
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        _check_rank(self, inputs, 4)
        cl = self.data_format == "channels_last"
        h, w = (int(d) for d in (inputs.shape[1:3] if cl else inputs.shape[2:4]))
        (t, b), (left, r) = self.cropping
        if t + b >= h or left + r >= w:
            raise ValueError(
                f"Layer {self.name}: cropping {self.cropping} is too high for inputs of shape "
                f"{tuple(inputs.shape)}"
            )
        if cl:
            return inputs[:, t : h - b, left : w - r, :]
        return inputs[:, :, t : h - b, left : w - r]

    def compute_output_shape(self, input_shape):
        start = 1 if self.data_format == "channels_last" else 2
        out = list(input_shape)
        for i, p in enumerate(self.cropping):
            out[start + i] = _size(out[start + i], -sum(p))
        return tuple(out)

    def get_config(self):
        return {
            **super().get_config(),
            "cropping": self.cropping,
            "data_format": self.data_format,
        }


# ---- upsampling ---------------------------------------------------------------------------


def _repeat_axis(x, axis, factor):
    """Each slice along `axis` repeated `factor` times (a broadcast: its gradient is a sum)."""
    shape = tuple(int(d) for d in x.shape)
    expanded = reshape(x, shape[: axis + 1] + (1,) + shape[axis + 1 :])
    tiled = broadcast_to(expanded, shape[: axis + 1] + (factor,) + shape[axis + 1 :])
    return reshape(tiled, shape[:axis] + (shape[axis] * factor,) + shape[axis + 1 :])


def _bilinear_axis(x, axis, factor):
    """TF's bilinear resize along one axis (half-pixel centres) for an integer factor."""
    n = int(x.shape[axis])
    src = (np.arange(n * factor) + 0.5) / factor - 0.5
    src = np.clip(src, 0.0, n - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = (src - lo).astype(x.dtype.as_numpy_dtype)
    shape = [1] * x.ndim
    shape[axis] = n * factor
    frac = frac.reshape(shape)
    low, high = gather(x, lo, axis=axis), gather(x, hi, axis=axis)
    return low + (high - low) * frac


class UpSampling1D(Layer):
    """Repeats each step `size` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = _positive_int("UpSampling1D", "size", size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        _check_rank(self, inputs, 3)
        return _repeat_axis(inputs, 1, self.size)

    def compute_output_shape(self, input_shape):
        n = input_shape[1]
        return (input_shape[0], None if n is None else n * self.size, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Repeats rows and columns (`interpolation="nearest"`) or resizes bilinearly."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = _pair(size, "size", "UpSampling2D", minimum=1)
        self.data_format = _data_format(data_format, "UpSampling2D")
        self.input_spec = InputSpec(ndim=4)
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(
                f"UpSampling2D: tapeflow supports interpolation 'nearest' and 'bilinear', "
                f"received {interpolation!r}"
            )
        self.interpolation = interpolation

    def call(self, inputs):
        _check_rank(self, inputs, 4)
        x = inputs if self.data_format == "channels_last" else transpose(inputs, (0, 2, 3, 1))
        resize = _repeat_axis if self.interpolation == "nearest" else _bilinear_axis
        x = resize(resize(x, 1, self.size[0]), 2, self.size[1])
        return x if self.data_format == "channels_last" else transpose(x, (0, 3, 1, 2))

    def compute_output_shape(self, input_shape):
        start = 1 if self.data_format == "channels_last" else 2
        out = list(input_shape)
        for i, f in enumerate(self.size):
            out[start + i] = None if out[start + i] is None else out[start + i] * f
        return tuple(out)

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }


__all__ = [
    "Permute",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "Cropping1D",
    "Cropping2D",
    "UpSampling1D",
    "UpSampling2D",
]
