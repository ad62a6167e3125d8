"""Pooling (NHWC): max and average pooling in 1-D and 2-D, with their gradient ops."""

import numpy

from ..backend import conv as kernels
from ..backend import to_numpy, xp
from ..core.errors import InvalidArgumentError, UnimplementedError
from ..core.registry import Sample, op
from .array import _zeros_like
from .conv import (
    _add_width_axis,
    _batchless,
    _channels_first,
    _check_rank,
    _drop_width_axis,
    _from_nhwc,
    _padding_arg,
    _spatial_arg,
    _static_shape,
    _to_nhwc,
    _window,
    _with_batch,
)

# ---- pooling -------------------------------------------------------------------------------

_POOL_CASES = [
    ((2, 5, 5, 2), dict(ksize=(2, 2), strides=(2, 2), padding="VALID")),
    ((1, 5, 6, 3), dict(ksize=(3, 3), strides=(2, 2), padding="SAME")),
    ((1, 4, 5, 1), dict(ksize=(2, 3), strides=(1, 2), padding=((1, 0), (1, 1)))),
]


def _pool_window(name, x_shape, ksize, strides, padding):
    _check_rank(name, "input", x_shape)
    return _window(name, x_shape, ksize, strides, padding)


def _pooled_shape(name, x_shape, ksize, strides, padding):
    win = _pool_window(name, x_shape, ksize, strides, padding)
    return (x_shape[0],) + win.out_hw + (x_shape[3],)


@op("MaxPool", samples=[Sample(a, **t) for a, t in _POOL_CASES])
def _max_pool(input, ksize, strides, padding):
    return kernels.max_pool(input, _pool_window("MaxPool", input.shape, ksize, strides, padding))


@_max_pool.vjp
def _max_pool_vjp(g, ans, input, ksize, strides, padding):
    return (_max_pool_grad(input, ans, g, ksize=ksize, strides=strides, padding=padding),)


def _max_pool_grad_samples(grad_like_input):
    """orig_output must be MaxPool(orig_input), so both come from one seeded draw (in
    callables, run by the tests only); only `grad` is differentiated."""

    def draw(shape):
        return xp.asarray(numpy.random.default_rng(7).uniform(-2.0, 2.0, size=shape))

    def pooled(a, t):
        return lambda rng: to_numpy(_max_pool.forward(draw(a), **t))

    return [
        Sample(
            lambda rng, a=a: to_numpy(draw(a)),
            pooled(a, t),
            a if grad_like_input else _pooled_shape("", a, **t),
            wrt=(2,),
            **t,
        )
        for a, t in _POOL_CASES
    ]


def _max_pool_grad_window(
    name, orig_input, orig_output, grad, grad_shape, ksize, strides, padding
):
    win = _pool_window(name, orig_input.shape, ksize, strides, padding)
    out_shape = (orig_input.shape[0],) + win.out_hw + (orig_input.shape[3],)
    if tuple(orig_output.shape) != out_shape or tuple(grad.shape) != tuple(grad_shape):
        raise InvalidArgumentError(
            f"{name}: orig_input {tuple(orig_input.shape)} pools to {out_shape}; got "
            f"orig_output {tuple(orig_output.shape)} and grad {tuple(grad.shape)}"
        )
    return win


@op("MaxPoolGrad", samples=_max_pool_grad_samples(grad_like_input=False))
def _max_pool_grad(orig_input, orig_output, grad, ksize, strides, padding):
    win = _max_pool_grad_window(
        "MaxPoolGrad", orig_input, orig_output, grad, orig_output.shape, ksize, strides, padding
    )
    return kernels.max_pool_grad(orig_input, orig_output, grad, win)


@_max_pool_grad.vjp
def _max_pool_grad_vjp(gg, ans, orig_input, orig_output, grad, **attrs):
    # Piecewise constant in orig_input (and orig_output): zeros there, as TF's
    # _MaxPoolGradGrad; linear in grad, with the gather as its adjoint.
    zeros = _zeros_like(orig_input), _zeros_like(orig_output)
    return (*zeros, _max_pool_grad_grad(orig_input, orig_output, gg, **attrs))


@op("MaxPoolGradGrad", samples=_max_pool_grad_samples(grad_like_input=True))
def _max_pool_grad_grad(orig_input, orig_output, grad, ksize, strides, padding):
    win = _max_pool_grad_window(
        "MaxPoolGradGrad",
        orig_input,
        orig_output,
        grad,
        orig_input.shape,
        ksize,
        strides,
        padding,
    )
    return kernels.max_pool_grad_grad(orig_input, orig_output, grad, win)


@_max_pool_grad_grad.vjp
def _max_pool_grad_grad_vjp(g, ans, orig_input, orig_output, grad, **attrs):
    zeros = _zeros_like(orig_input), _zeros_like(orig_output)  # as TF's _MaxPoolGradGradGrad
    return (*zeros, _max_pool_grad(orig_input, orig_output, g, **attrs))


def _check_float(name, x):
    if x.dtype.kind != "f":
        raise InvalidArgumentError(
            f"{name}: value must be a floating tensor (half, float, double), got {x.dtype.name}"
        )


@op("AvgPool", numbers=True, samples=[Sample(a, **t) for a, t in _POOL_CASES[:2]])
def _avg_pool(value, ksize, strides, padding):
    _check_float("AvgPool", value)
    return kernels.avg_pool(value, _pool_window("AvgPool", value.shape, ksize, strides, padding))


@_avg_pool.vjp
def _avg_pool_vjp(g, ans, value, **attrs):
    return (_avg_pool_grad(g, orig_input_shape=_batchless(value), **attrs),)


@op(
    "AvgPoolGrad",
    samples=[
        Sample(_pooled_shape("", a, **t), orig_input_shape=a, **t) for a, t in _POOL_CASES[:2]
    ],
)
def _avg_pool_grad(grad, orig_input_shape, ksize, strides, padding):
    name = "AvgPoolGrad"
    _check_float(name, grad)
    orig_input_shape = _with_batch(orig_input_shape, grad)  # -1: the batch size of grad
    expected = _pooled_shape(name, orig_input_shape, ksize, strides, padding)
    if tuple(grad.shape) != expected:
        raise InvalidArgumentError(
            f"{name}: grad has shape {tuple(grad.shape)}, pooling {tuple(orig_input_shape)} "
            f"gives {expected}"
        )
    win = _pool_window(name, orig_input_shape, ksize, strides, padding)
    return kernels.avg_pool_grad(grad, orig_input_shape, win)


@_avg_pool_grad.vjp
def _avg_pool_grad_vjp(gg, ans, grad, orig_input_shape, **attrs):
    return (_avg_pool(gg, **attrs),)


# ---- public API: pooling -------------------------------------------------------------------


def _pool2d(pool, name, input, ksize, strides, padding, data_format, explicit):
    cf = _channels_first(data_format, 2)
    attrs = dict(
        ksize=_spatial_arg("ksize", ksize, 2, cf, name),
        strides=_spatial_arg("strides", strides, 2, cf, name),
        padding=_padding_arg(padding, 2, cf, name, explicit=explicit),
    )
    _check_rank(name, "input", _static_shape(input))
    return _from_nhwc(pool(_to_nhwc(input, cf), **attrs), cf)


def _pool1d(pool, name, input, ksize, strides, padding, data_format, explicit):
    cf = _channels_first(data_format, 1)
    k = _spatial_arg("ksize", ksize, 1, cf, name)
    s = _spatial_arg("strides", strides, 1, cf, name)
    if not isinstance(padding, str):
        if len(padding) != 3:
            raise ValueError(
                f"When padding is a list, it must be of size 3. Received: "
                f"padding={padding} of size {len(padding)}"
            )
        padding = list(padding)
        padding.insert(2 if cf else 1, (0, 0))  # the added height axis is not padded
    x = _add_width_axis(input, name, cf)
    out = _pool2d(pool, name, x, (1,) + k, (1,) + s, padding, "NCHW" if cf else "NHWC", explicit)
    return _drop_width_axis(out, cf)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Max over each ksize window of NHWC `input` (padded cells never win)."""
    return _pool2d(_max_pool, "MaxPool", input, ksize, strides, padding, data_format, True)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Mean over each ksize window; SAME border windows average only their real cells."""
    return _pool2d(_avg_pool, "AvgPool", input, ksize, strides, padding, data_format, False)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Max over each window of NWC `input`."""
    return _pool1d(_max_pool, "MaxPool", input, ksize, strides, padding, data_format, True)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Mean over each window of NWC `input`."""
    return _pool1d(_avg_pool, "AvgPool", input, ksize, strides, padding, data_format, False)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """max_pool1d or max_pool2d, chosen by the rank of `input` (3 or 4)."""
    return _pool_nd(max_pool1d, max_pool2d, "MaxPool", input, ksize, strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """avg_pool1d or avg_pool2d, chosen by the rank of `input` (3 or 4)."""
    return _pool_nd(avg_pool1d, avg_pool2d, "AvgPool", input, ksize, strides, padding, data_format)


def _pool_nd(pool1d, pool2d, name, input, ksize, strides, padding, data_format):
    rank = len(_static_shape(input))
    if rank == 3:
        return pool1d(input, ksize, strides, padding, data_format or "NWC")
    if rank == 4:
        return pool2d(input, ksize, strides, padding, data_format or "NHWC")
    if rank != 5:
        raise ValueError(
            f"{name}: input must have rank 3, 4 or 5 (1-D, 2-D or 3-D pooling), got shape "
            f"{_static_shape(input)}"
        )
    raise UnimplementedError(
        f"{name}: tapeflow pools rank-3 (1-D) and rank-4 (2-D) inputs, "
        f"got shape {_static_shape(input)}"
    )


API = {
    "nn": ["max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d", "max_pool", "avg_pool"],
}
