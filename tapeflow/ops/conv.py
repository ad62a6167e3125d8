"""Convolutions (NHWC): conv1d/2d, transposed and depthwise conv; pooling is in pooling.py.

Each convolution is im2col + one matmul (tapeflow/backend/conv.py). Its two gradients are
ops of their own (Conv2DBackpropInput/Filter), and as a convolution is bilinear, each of
them differentiates into the other two: the family is closed under differentiation.
"""

import numpy as np

from ..backend import conv as kernels
from ..core.errors import InvalidArgumentError, UnimplementedError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from . import _args
from .array import reshape, transpose
from .shape_generic import _expand_dims, _squeeze

# ---- geometry and validation ---------------------------------------------------------------


def _out_size(name, size, k, s, d, padding, axis):
    """(output size, (pad before, pad after)) along one spatial axis, as TF computes them."""
    eff = (k - 1) * d + 1
    if padding == "SAME":
        out = -(-size // s)
        total = max((out - 1) * s + eff - size, 0)
        return out, (total // 2, total - total // 2)  # TF puts the odd cell at the end
    before, after = (0, 0) if padding == "VALID" else padding[axis]
    num = size + before + after - eff + s
    out = num // s if num >= 0 else -(-num // s)  # C++ division truncates toward zero
    if out < 0:
        raise InvalidArgumentError(
            f"{name}: computed output size would be negative: {out} [input_size: {size}, "
            f"effective_filter_size: {eff}, stride: {s}]"
        )
    return out, (before, after)


def _window(name, x_shape, kernel, strides, padding, dilations=(1, 1)) -> kernels.Window:
    """The window geometry of an op over NHWC `x_shape`."""
    if min(strides) < 1 or min(dilations) < 1:
        raise InvalidArgumentError(
            f"{name}: strides and dilations must be positive, got strides {tuple(strides)}, "
            f"dilations {tuple(dilations)}"
        )
    (oh, ph), (ow, pw) = (
        _out_size(name, x_shape[1 + a], kernel[a], strides[a], dilations[a], padding, a)
        for a in (0, 1)
    )
    return kernels.Window(tuple(kernel), tuple(strides), tuple(dilations), (oh, ow), (ph, pw))


def _check_rank(name, what, shape, rank=4):
    if len(shape) != rank:
        raise InvalidArgumentError(
            f"{name}: {what} must be {rank}-dimensional, got shape {tuple(shape)}"
        )


def _conv_window(name, x_shape, f_shape, strides, padding, dilations, x_name="input"):
    """Checks an input/filter pair (either may be a static `*_sizes` attribute)."""
    _check_rank(name, x_name, x_shape)
    _check_rank(name, "filter", f_shape)
    if x_shape[3] != f_shape[2]:
        raise InvalidArgumentError(
            f"{name}: {x_name} depth {x_shape[3]} does not match filter in_channels "
            f"{f_shape[2]}: {x_name} {tuple(x_shape)}, filters {tuple(f_shape)}"
        )
    return _window(name, x_shape, f_shape[:2], strides, padding, dilations)


def _check_out_backprop(name, g, win, n, depth, given):
    _check_rank(name, "out_backprop", g.shape)
    expected = (n,) + win.out_hw + (depth,)
    if tuple(g.shape) != expected:
        raise InvalidArgumentError(
            f"{name}: out_backprop has shape {tuple(g.shape)}, but {given} give an output of "
            f"shape {expected}"
        )


def _shape(t) -> tuple:
    """The static shape of a Tensor (in a vjp) as a tuple of ints."""
    return tuple(t._value.shape)


def _batchless(t) -> tuple:
    """An input's shape for a gradient op, batch size -1: taken from the gradient when it
    runs, so a tf.function trace serves every batch size."""
    return (-1,) + tuple(t._value.shape[1:])


def _with_batch(sizes, g) -> tuple:
    """`sizes` (an input_sizes attribute) with a -1 batch size read from gradient `g`."""
    sizes = tuple(sizes)
    return (g.shape[0],) + sizes[1:] if sizes[0] == -1 else sizes


# ---- Conv2D and its two gradients ----------------------------------------------------------

# (input shape, filter shape, attributes): both im2col layouts and every padding kind.
_CONV_CASES = [
    ((2, 5, 5, 1), (3, 3, 1, 2), dict(strides=(1, 1), padding="VALID", dilations=(1, 1))),
    ((1, 6, 5, 9), (2, 3, 9, 2), dict(strides=(2, 2), padding="SAME", dilations=(1, 1))),
    ((1, 7, 6, 2), (2, 2, 2, 3), dict(strides=(1, 2), padding="SAME", dilations=(2, 2))),
    ((1, 5, 4, 1), (3, 2, 1, 2), dict(strides=(2, 1), padding=((1, 0), (2, 1)), dilations=(1, 1))),
]
_DEPTHWISE_CASES = [(a, b[:2] + (a[3], 2), t) for a, b, t in _CONV_CASES]


def _out_shape(a, b, depth, strides, padding, dilations):
    """The output shape of a conv of input shape `a` with filter shape `b`."""
    return (a[0],) + _window("", a, b[:2], strides, padding, dilations).out_hw + (depth,)


def _input_samples(cases, depth):
    """Samples of a BackpropInput op: (filter, out_backprop) and the input_sizes attribute."""
    return [Sample(b, _out_shape(a, b, depth(b), **t), input_sizes=a, **t) for a, b, t in cases]


def _filter_samples(cases, depth):
    """Samples of a BackpropFilter op: (input, out_backprop) and the filter_sizes attribute."""
    return [Sample(a, _out_shape(a, b, depth(b), **t), filter_sizes=b, **t) for a, b, t in cases]


@op("Conv2D", numbers=True, samples=[Sample(a, b, **t) for a, b, t in _CONV_CASES])
def _conv2d(input, filter, strides, padding, dilations):
    win = _conv_window("Conv2D", input.shape, filter.shape, strides, padding, dilations)
    return kernels.conv2d(input, filter, win)


@_conv2d.vjp(needs=True)
def _conv2d_vjp(g, ans, input, filter, strides, padding, dilations, needs=(True, True)):
    # `needs`: a first layer's input is data, and its gradient would cost a whole backprop.
    attrs = dict(strides=strides, padding=padding, dilations=dilations)
    gi = (
        _conv2d_backprop_input(filter, g, input_sizes=_batchless(input), **attrs)
        if needs[0]
        else None
    )
    gf = (
        _conv2d_backprop_filter(input, g, filter_sizes=_shape(filter), **attrs)
        if needs[1]
        else None
    )
    return gi, gf


@op("Conv2DBackpropInput", numbers=True, samples=_input_samples(_CONV_CASES, lambda b: b[3]))
def _conv2d_backprop_input(filter, out_backprop, input_sizes, strides, padding, dilations):
    # TF passes input_sizes as a tensor; here it is a static attribute (a shape tuple), whose
    # batch size may be -1 (out_backprop's).
    name = "Conv2DBackpropInput"
    input_sizes = _with_batch(input_sizes, out_backprop)
    win = _conv_window(name, input_sizes, filter.shape, strides, padding, dilations, "input_sizes")
    given = f"input_sizes {tuple(input_sizes)} and filter {tuple(filter.shape)}"
    _check_out_backprop(name, out_backprop, win, input_sizes[0], filter.shape[3], given)
    return kernels.conv2d_backprop_input(filter, out_backprop, input_sizes, win)


@_conv2d_backprop_input.vjp
def _conv2d_backprop_input_vjp(gg, ans, filter, out_backprop, input_sizes, **attrs):
    # <gg, BI(f, g)> = <conv2d(gg, f), g> = <BF(gg, g), f>: both adjoints are conv ops.
    return (
        _conv2d_backprop_filter(gg, out_backprop, filter_sizes=_shape(filter), **attrs),
        _conv2d(gg, filter, **attrs),
    )


@op("Conv2DBackpropFilter", numbers=True, samples=_filter_samples(_CONV_CASES, lambda b: b[3]))
def _conv2d_backprop_filter(input, out_backprop, filter_sizes, strides, padding, dilations):
    name = "Conv2DBackpropFilter"
    win = _conv_window(name, input.shape, filter_sizes, strides, padding, dilations)
    given = f"input {tuple(input.shape)} and filter_sizes {tuple(filter_sizes)}"
    _check_out_backprop(name, out_backprop, win, input.shape[0], filter_sizes[3], given)
    return kernels.conv2d_backprop_filter(input, out_backprop, tuple(filter_sizes), win)


@_conv2d_backprop_filter.vjp
def _conv2d_backprop_filter_vjp(gf, ans, input, out_backprop, filter_sizes, **attrs):
    # <gf, BF(x, g)> = <conv2d(x, gf), g> = <BI(gf, g), x>.
    return (
        _conv2d_backprop_input(gf, out_backprop, input_sizes=_batchless(input), **attrs),
        _conv2d(input, gf, **attrs),
    )


# ---- depthwise convolution: output channel c * M + m is channel c times filter[..., c, m] --


@op(
    "DepthwiseConv2dNative",
    numbers=True,
    samples=[Sample(a, b, **t) for a, b, t in _DEPTHWISE_CASES],
)
def _depthwise_conv2d(input, filter, strides, padding, dilations):
    name = "DepthwiseConv2dNative"
    win = _conv_window(name, input.shape, filter.shape, strides, padding, dilations)
    return kernels.depthwise_conv2d(input, filter, win)


@_depthwise_conv2d.vjp(needs=True)
def _depthwise_conv2d_vjp(g, ans, input, filter, strides, padding, dilations, needs=(True, True)):
    # `needs`: a first layer's input is data, and its gradient would cost a whole backprop.
    attrs = dict(strides=strides, padding=padding, dilations=dilations)
    gi = (
        _depthwise_backprop_input(filter, g, input_sizes=_batchless(input), **attrs)
        if needs[0]
        else None
    )
    gf = (
        _depthwise_backprop_filter(input, g, filter_sizes=_shape(filter), **attrs)
        if needs[1]
        else None
    )
    return gi, gf


@op(
    "DepthwiseConv2dNativeBackpropInput",
    numbers=True,
    samples=_input_samples(_DEPTHWISE_CASES, lambda b: b[2] * b[3]),
)
def _depthwise_backprop_input(filter, out_backprop, input_sizes, strides, padding, dilations):
    input_sizes = _with_batch(input_sizes, out_backprop)
    name = "DepthwiseConv2dNativeBackpropInput"
    win = _conv_window(name, input_sizes, filter.shape, strides, padding, dilations, "input_sizes")
    given = f"input_sizes {tuple(input_sizes)} and filter {tuple(filter.shape)}"
    depth = filter.shape[2] * filter.shape[3]
    _check_out_backprop(name, out_backprop, win, input_sizes[0], depth, given)
    return kernels.depthwise_backprop_input(filter, out_backprop, input_sizes, win)


@_depthwise_backprop_input.vjp
def _depthwise_backprop_input_vjp(gg, ans, filter, out_backprop, input_sizes, **attrs):
    return (
        _depthwise_backprop_filter(gg, out_backprop, filter_sizes=_shape(filter), **attrs),
        _depthwise_conv2d(gg, filter, **attrs),
    )


@op(
    "DepthwiseConv2dNativeBackpropFilter",
    numbers=True,
    samples=_filter_samples(_DEPTHWISE_CASES, lambda b: b[2] * b[3]),
)
def _depthwise_backprop_filter(input, out_backprop, filter_sizes, strides, padding, dilations):
    name = "DepthwiseConv2dNativeBackpropFilter"
    win = _conv_window(name, input.shape, filter_sizes, strides, padding, dilations)
    given = f"input {tuple(input.shape)} and filter_sizes {tuple(filter_sizes)}"
    depth = filter_sizes[2] * filter_sizes[3]
    _check_out_backprop(name, out_backprop, win, input.shape[0], depth, given)
    return kernels.depthwise_backprop_filter(input, out_backprop, tuple(filter_sizes), win)


@_depthwise_backprop_filter.vjp
def _depthwise_backprop_filter_vjp(gf, ans, input, out_backprop, filter_sizes, **attrs):
    return (
        _depthwise_backprop_input(gf, out_backprop, input_sizes=_batchless(input), **attrs),
        _depthwise_conv2d(input, gf, **attrs),
    )


# ---- public API: argument parsing ----------------------------------------------------------


def _spatial_arg(what, value, n, channels_first, name, allowed_extra=True):
    """strides/dilations/ksize: an int, or a list of 1, n (spatial) or n + 2 values."""
    value = list(_args.vector(value, name, what, cast_floats=False))
    if len(value) == n + 2 and allowed_extra:
        outer = (value[0], value[1]) if channels_first else (value[0], value[-1])
        if outer != (1, 1):
            raise UnimplementedError(
                f"{name}: {what} in the batch and depth dimensions must be 1, got {value}"
            )
        value = value[2:] if channels_first else value[1:-1]
    if any(v < 1 for v in value):
        kind = "strides and dilations" if what in ("strides", "dilations") else what
        raise InvalidArgumentError(f"{name}: {kind} must be positive, got {what}={value}")
    if len(value) == 1:
        return (value[0],) * n
    if len(value) == n:
        return tuple(value)
    lengths = f"1, {n} or {n + 2}" if allowed_extra else f"1 or {n}"
    raise InvalidArgumentError(
        f"{what} should be of length {lengths}. Received: {what}={value} of length {len(value)}"
    )


def _padding_arg(padding, n, channels_first, name, explicit=True):
    """'SAME', 'VALID', or explicit pairs, as ((before, after), ...) per spatial axis."""
    if isinstance(padding, str):
        if padding in ("SAME", "VALID"):
            return padding
        raise InvalidArgumentError(
            f"{name}: padding must be 'SAME', 'VALID' or a list of "
            f"explicit paddings, got {padding!r}"
        )
    if not explicit:
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    pairs = [tuple(int(p) for p in pair) for pair in _args.int_array(padding, name, "padding")]
    if len(pairs) != n + 2 or any(len(p) != 2 for p in pairs):
        raise ValueError(
            f"When padding is a list, it must be of size {n + 2}. Received: "
            f"padding={padding} of size {len(pairs)}"
        )
    outer = pairs[:2] if channels_first else [pairs[0], pairs[-1]]
    spatial = pairs[2:] if channels_first else pairs[1:-1]
    if any(p != (0, 0) for p in outer):
        raise InvalidArgumentError(
            f"{name}: nonzero explicit padding in the batch or depth "
            f"dimensions is not supported, got {padding}"
        )
    if any(v < 0 for p in spatial for v in p):
        raise InvalidArgumentError(f"{name}: explicit paddings must be nonnegative, got {padding}")
    return tuple(spatial)


def _conv_attrs(name, strides, padding, dilations, channels_first):
    return dict(
        strides=_spatial_arg("strides", strides, 2, channels_first, name),
        padding=_padding_arg(padding, 2, channels_first, name),
        dilations=_spatial_arg(
            "dilations", 1 if dilations is None else dilations, 2, channels_first, name
        ),
    )


def _channels_first(data_format, n):
    formats = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW")}[n]
    if data_format is None or data_format == formats[0]:
        return False
    if data_format == formats[1]:
        return True
    raise ValueError(f"data_format must be {formats[0]!r} or {formats[1]!r}, got {data_format!r}")


def _to_nhwc(x, channels_first):
    return transpose(x, perm=(0, 2, 3, 1)) if channels_first else x


def _from_nhwc(y, channels_first):
    return transpose(y, perm=(0, 3, 1, 2)) if channels_first else y


def _static_shape(x):
    """The shape of a Tensor, an array (NumPy or the backend's) or a nested list."""
    if hasattr(x, "_value"):
        return tuple(x._value.shape)
    return tuple(int(d) for d in (x.shape if hasattr(x, "shape") else np.shape(x)))


def _add_width_axis(x, name, channels_first, extra_batch_dims=False):
    """(..., W, C) -> (..., 1, W, C): 1-D ops run as 2-D ones on a height-1 image."""
    shape = _static_shape(x)
    if len(shape) != 3 and not (extra_batch_dims and len(shape) > 3):
        raise InvalidArgumentError(f"{name}: input must be 3-dimensional, got shape {shape}")
    at = len(shape) - (1 if channels_first else 2)
    return _expand_dims(x, axis=at)  # not a reshape to x's shape: no batch size is baked


def _drop_width_axis(y, channels_first=False):
    at = y._value.ndim - (2 if channels_first else 3)
    return _squeeze(y, axis=(at,))


# ---- public API: convolutions --------------------------------------------------------------


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution (cross-correlation) of NHWC `input` with `filters` [kh, kw, in, out].

    `padding` is "VALID", "SAME" (the odd extra cell at the bottom/right) or explicit
    pairs per dimension; `strides` and `dilations` are an int or a list of 1, 2 or 4.
    Leading dimensions beyond 4 are extra batch dimensions.
    """
    cf = _channels_first(data_format, 2)
    attrs = _conv_attrs("Conv2D", strides, padding, dilations, cf)
    shape = _static_shape(input)
    if len(shape) > 4:  # extra batch dimensions fold into one
        out = conv2d(
            reshape(input, (-1,) + shape[-3:]), filters, strides, padding, data_format, dilations
        )
        return reshape(out, shape[:-3] + _static_shape(out)[1:])
    if len(shape) != 4:
        raise InvalidArgumentError(
            f"Conv2D: input must be 4-dimensional (or more, with extra "
            f"batch dimensions), got shape {shape}"
        )
    return _from_nhwc(_conv2d(_to_nhwc(input, cf), filters, **attrs), cf)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution of NWC `input` with `filters` [kw, in, out] (a height-1 conv2d)."""
    cf = _channels_first(data_format, 1)
    f = _static_shape(filters)
    if len(f) != 3:
        raise InvalidArgumentError(
            f"Conv2D: filters of conv1d must be 3-dimensional [width, in, out], got shape {f}"
        )
    _padding_arg(padding, 1, cf, "Conv2D", explicit=False)
    s = _spatial_arg("stride", stride, 1, cf, "Conv2D", allowed_extra=True)
    d = _spatial_arg("dilations", 1 if dilations is None else dilations, 1, cf, "Conv2D")
    x = _add_width_axis(input, "Conv2D", cf, extra_batch_dims=True)
    out = conv2d(
        x, reshape(filters, (1,) + f), (1,) + s, padding, "NCHW" if cf else "NHWC", (1,) + d
    )
    return _drop_width_axis(out, cf)


def conv2d_transpose(
    input,
    filters,
    output_shape,
    strides,
    padding="SAME",
    data_format="NHWC",
    dilations=None,
    name=None,
):
    """The transpose (adjoint) of conv2d: `filters` is [kh, kw, out_channels, in_channels].

    It is the gradient of conv2d w.r.t. its input, with `input` as the upstream gradient;
    `output_shape` (4 values, or the 2 spatial ones) is the shape of that conv2d input.
    """
    name = "Conv2DBackpropInput"
    cf = _channels_first(data_format, 2)
    attrs = _conv_attrs(name, strides, padding, dilations, cf)
    out = _args.shape(output_shape, name, "output_shape", cast_floats=False)
    if len(out) not in (2, 4):
        raise InvalidArgumentError(
            f"{name} requires input_sizes to contain 4 values or 2 "
            f"values, but got: {len(out)} (output_shape {out})"
        )
    x = _to_nhwc(input, cf)
    if len(out) == 2:
        sizes = (_static_shape(x)[0],) + out + (_static_shape(filters)[2],)
    else:
        sizes = (out[0], out[2], out[3], out[1]) if cf else out
    return _from_nhwc(_conv2d_backprop_input(filters, x, input_sizes=sizes, **attrs), cf)


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):
    """Convolves each input channel with its own `filter` [kh, kw, in, multiplier] slice.

    Output channel `c * multiplier + m` is channel c convolved with filter[:, :, c, m].
    """
    name = "DepthwiseConv2dNative"
    cf = _channels_first(data_format, 2)
    attrs = _conv_attrs(name, strides, padding, dilations, cf)
    if max(attrs["strides"]) > 1 and max(attrs["dilations"]) > 1:
        # TF only warns here, then computes something else than a strided dilated conv.
        raise ValueError(
            f"depthwise_conv2d: when dilations are greater than 1, all strides must be 1; got "
            f"strides {attrs['strides']} and dilations {attrs['dilations']}"
        )
    _check_rank(name, "input", _static_shape(input))
    # Converted one by one, as TF does: a NumPy filter does not take the input's dtype.
    input, filter = convert_to_tensor(input), convert_to_tensor(filter)
    if input.dtype != filter.dtype or not input.dtype.is_floating:
        raise InvalidArgumentError(
            f"{name}: input and filter must be of one floating dtype, got {input.dtype.name} "
            f"and {filter.dtype.name}"
        )
    return _from_nhwc(_depthwise_conv2d(_to_nhwc(input, cf), filter, **attrs), cf)


API = {
    "nn": ["conv1d", "conv2d", "conv2d_transpose", "depthwise_conv2d"],
}
