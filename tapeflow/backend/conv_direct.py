"""Convolutions with few taps as direct native loops, and their fusions with bias and relu.

A convolution whose output pixel reads at most `MAX_TAPS` input values (kh * kw * C: a 3x3
over a grey image, a 1x1 or 3x1 over RGB) into at most `MAX_FILTERS` channels runs as the
generated kernels of backend/native/conv_source.py instead of im2col + GEMM: for those shapes
the GEMM is a thin (N*OH*OW, K<=9) x (K, O) product that spends as much time moving the
im2col buffer as multiplying. Alone the loops are about as fast as im2col + GEMM (single
threaded: a little faster than GEMM on one thread, slower than on two; the table is
benchmarks/results/conv_direct.md, `python -m benchmarks.conv_direct_bench`); what they buy
is fusion. tf.function's plan (function/fusion.py) calls conv + bias + relu as one pass, and
the filter gradient straight from the relu gradient, with the bias gradient alongside,
without storing that gradient: the passes over the activations that bias + relu and the
relu and bias gradients took (W4's step, 64x26x26x32 activations, two BLAS threads, one
process per variant, 4 runs each: 4.1-4.4 ms a step before, 2.8-3.2 ms fused).

Eager runs the same kernels op by op: eager, tf.function and jit_compile's loops agree
bitwise (see conv_source.py for the order of operations). Where the kernels do not run (no
Numba, native kernels off, another backend, more taps or filters, an integer dtype), each
function here computes the same values through backend/conv.py's im2col path and
backend/fused.py.
"""

from __future__ import annotations

import numpy

from . import native, xp

# From benchmarks/results/conv_direct.md (direct / im2col + GEMM, ms): up to 9 taps the loops
# tie or win on one thread (3x3x1, 32 filters: forward 0.52/0.53, filter gradient 0.50/0.63);
# with two BLAS threads GEMM's forward is faster (0.51/0.39) by less than the fused bias + relu
# saves. From 18 taps the filter gradient collapses (3x3x2: 3.98/0.57: LLVM no longer
# vectorises the tap updates), and at 64 filters and more GEMM on two threads is ahead by more
# than fusion makes up (3x3x1 x64 forward 0.54/0.32, x128 1.11/0.52).
MAX_TAPS = 9
MAX_FILTERS = 32
_FLOATS = (numpy.dtype("float32"), numpy.dtype("float64"))


def applies(x_shape, dtype, f_shape, win) -> bool:
    """Whether the direct kernels compute a convolution of an `x_shape` input of `dtype`
    with a filter of `f_shape` over `win` (else im2col + GEMM does)."""
    if xp is not numpy or not native.enabled():
        return False
    kh, kw, c, o = f_shape
    return (
        0 < kh * kw * c <= MAX_TAPS
        and o <= MAX_FILTERS
        and len(x_shape) == 4
        and x_shape[3] == c
        and numpy.dtype(dtype) in _FLOATS
        and 0 not in x_shape
        and 0 not in win.out_hw
        and o > 0
    )


def kernels(x, f_shape, win, *others):
    """The generated kernels for convolving `x` with a filter of `f_shape` over `win`, or
    None where they do not apply (the im2col path runs)."""
    if not applies(x.shape, x.dtype, f_shape, win) or any(a.dtype != x.dtype for a in others):
        return None
    kh, kw, c, _ = f_shape
    from .native import conv_source

    return conv_source.module(kh, kw, c, win.strides, win.dilations)


def _padded_input(x, win):
    from .conv import pad_spatial

    return numpy.ascontiguousarray(pad_spatial(x, win.pads, 1))


def _constants(dtype):
    return numpy.array([0, 1], dtype)


def _output(x, win, filters):
    """The (uninitialised) NHWC output of convolving `x` over `win` into `filters`."""
    return numpy.empty((x.shape[0],) + tuple(win.out_hw) + (filters,), x.dtype)


def forward(k, x, f, win):
    """Conv2D of NHWC `x` with HWIO `f` through kernels `k` (from `kernels`)."""
    out = _output(x, win, f.shape[3])
    k.forward(_padded_input(x, win), numpy.ascontiguousarray(f), out)
    return out


def filter_grad(k, x, g, f_shape, win):
    """Conv2DBackpropFilter: the filter gradient of output gradient `g`."""
    out = numpy.empty(f_shape, x.dtype)
    k.filter_grad(_padded_input(x, win), numpy.ascontiguousarray(g), out)
    return out


def conv2d_bias_relu(x, f, bias, win):
    """max(conv2d(x, f) + bias, 0) in one pass where the kernels run."""
    k = kernels(x, f.shape, win, f, bias) if bias.ndim == 1 else None
    if k is None or bias.shape[0] != f.shape[3]:
        from . import conv, fused

        return fused.bias_relu(conv.conv2d(x, f, win), bias)
    out = _output(x, win, f.shape[3])
    k.forward_bias_relu(
        _padded_input(x, win), numpy.ascontiguousarray(f), bias, _constants(x.dtype), out
    )
    return out


def filter_grad_relu(x, g, y, f_shape, win):
    """(the filter gradient of `g * (y > 0)`, the sum of `g * (y > 0)` over every axis but
    the last): a conv layer's relu, bias and filter gradients, the relu gradient not stored."""
    k = kernels(x, f_shape, win, g, y) if g.shape == y.shape and f_shape[3] > 1 else None
    if k is None:
        from . import conv, fused

        dx, db = fused.relu_grad_bias_grad(g, y)
        return conv.conv2d_backprop_filter(x, dx, f_shape, win), db
    out = numpy.empty(f_shape, x.dtype)
    db = numpy.empty(f_shape[3], x.dtype)
    k.filter_grad_relu(
        _padded_input(x, win),
        numpy.ascontiguousarray(g),
        numpy.ascontiguousarray(y),
        _constants(x.dtype),
        out,
        db,
    )
    return out, db
