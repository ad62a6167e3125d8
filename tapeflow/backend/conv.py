"""Convolution and pooling kernels on NHWC arrays: im2col + one matmul, window reductions.

Every kernel loops over the kh*kw kernel positions and moves one strided slice of the
whole batch at a time: no per-element Python loop, no `add.at`, no boolean indexing.
Shapes are validated by the ops (tapeflow/ops/conv.py, pooling.py) before they get here.
"""

from typing import NamedTuple

import numpy

from . import conv_direct, native, xp

# Up to this many input channels, conv windows are gathered channels-first, as a
# (kh*kw*C, N*OH*OW) matrix: each copied slice is then a run of OW values instead of C
# (measured: 2-4x faster for C <= 4, even at C = 8, 10-30% slower from C = 16).
CHANNELS_FIRST_MAX = 8
# Convolutions with at most 9 taps (kh*kw*C) and 32 filters run as direct native loops written
# out per tap geometry (backend/conv_direct.py) where Numba is installed: about as fast as
# this im2col + GEMM alone, and fused with bias, relu and their gradients. Generic loops with
# the taps as run-time values were 3-4x slower than im2col + GEMM.


class Window(NamedTuple):
    """The geometry of a sliding-window op over the two spatial axes."""

    kernel: tuple  # (kh, kw)
    strides: tuple  # (sh, sw)
    dilations: tuple  # (dh, dw)
    out_hw: tuple  # (OH, OW)
    pads: tuple  # ((top, bottom), (left, right))

    def slices(self, i: int, j: int) -> tuple:
        """The (row, col) slices of the padded input that kernel position (i, j) reads."""
        (oh, ow), (sh, sw), (dh, dw) = self.out_hw, self.strides, self.dilations
        # An empty output reads nothing (a stop of 1 - s would wrap around to the end).
        return (
            slice(i * dh, i * dh + (sh * (oh - 1) + 1 if oh else 0), sh),
            slice(j * dw, j * dw + (sw * (ow - 1) + 1 if ow else 0), sw),
        )

    def positions(self):
        """(i, j) of every kernel position, in row-major order (TF's order for ties)."""
        return [(i, j) for i in range(self.kernel[0]) for j in range(self.kernel[1])]

    def disjoint(self) -> bool:
        """Whether every input cell lies in one window at most."""
        return all(
            s >= (k - 1) * d + 1
            for k, s, d in zip(self.kernel, self.strides, self.dilations, strict=True)
        )


# ---- padding and im2col --------------------------------------------------------------------


def pad_spatial(x, pads, h_axis: int, value=0):
    """`x` padded by `pads` ((top, bottom), (left, right)) on axes h_axis, h_axis + 1."""
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x
    shape = list(x.shape)
    shape[h_axis] += pt + pb
    shape[h_axis + 1] += pl + pr
    out = xp.full(shape, value, dtype=x.dtype)
    h, w = x.shape[h_axis], x.shape[h_axis + 1]
    out[(slice(None),) * h_axis + (slice(pt, pt + h), slice(pl, pl + w))] = x
    return out


def crop_spatial(x, pads, h_axis: int):
    """Undoes `pad_spatial`: the unpadded region of `x` (a view)."""
    (pt, pb), (pl, pr) = pads
    h, w = x.shape[h_axis], x.shape[h_axis + 1]
    return x[(slice(None),) * h_axis + (slice(pt, h - pb), slice(pl, w - pr))]


def _padded(shape, pads, h_axis: int) -> tuple:
    shape = list(shape)
    shape[h_axis] += sum(pads[0])
    shape[h_axis + 1] += sum(pads[1])
    return tuple(shape)


def im2col(x, h_axis: int, win: Window, kernel_axis: int):
    """Gathers every window of the padded `x` into one contiguous buffer.

    The buffer has x's axes with (H, W) replaced by (OH, OW), and the kernel axes (kh, kw)
    inserted at `kernel_axis`; choosing where they go lets the caller reshape it into the
    2-D (or batched) operand of a single matmul without another copy.
    """
    shape = list(x.shape)
    shape[h_axis : h_axis + 2] = win.out_hw
    shape[kernel_axis:kernel_axis] = win.kernel
    buf = xp.empty(shape, dtype=x.dtype)
    lead, dest = (slice(None),) * h_axis, (slice(None),) * kernel_axis
    for i, j in win.positions():
        buf[dest + (i, j)] = x[lead + win.slices(i, j)]
    return buf


def col2im(cols, padded_shape, h_axis: int, win: Window, kernel_axis: int):
    """The adjoint of `im2col`: adds every window of `cols` back into a padded array."""
    out = xp.zeros(padded_shape, dtype=cols.dtype)
    lead, src = (slice(None),) * h_axis, (slice(None),) * kernel_axis
    for i, j in win.positions():
        out[lead + win.slices(i, j)] += cols[src + (i, j)]
    return out


# ---- Conv2D: (N*OH*OW, K) patches times a (K, O) filter matrix, K = kh*kw*C ---------------


def _patches(x, win: Window):
    """Every window of NHWC `x` as an (N*OH*OW, K) matrix (maybe a transposed view)."""
    k = win.kernel[0] * win.kernel[1] * x.shape[3]
    if x.shape[3] <= CHANNELS_FIRST_MAX:
        xt = pad_spatial(x.transpose(3, 0, 1, 2), win.pads, 2)  # (C, N, Hp, Wp)
        return im2col(xt, 2, win, 0).reshape(k, -1).T
    return im2col(pad_spatial(x, win.pads, 1), 1, win, 3).reshape(-1, k)


def conv2d(x, f, win: Window):
    kh, kw, c, o = f.shape
    direct = conv_direct.kernels(x, f.shape, win, f)
    if direct is not None:
        return conv_direct.forward(direct, x, f, win)
    if _output_side(x.shape, c, o, win):
        return _conv2d_output_side(x, f, win)
    out = _patches(x, win) @ f.reshape(kh * kw * c, o)
    return out.reshape((x.shape[0],) + tuple(win.out_hw) + (o,))


def conv2d_backprop_filter(x, g, f_shape, win: Window):
    kh, kw, c, o = f_shape
    direct = conv_direct.kernels(x, f_shape, win, g)
    if direct is not None:
        return conv_direct.filter_grad(direct, x, g, f_shape, win)
    if _output_side(x.shape, c, o, win):
        spread = _spread(g, _padded(x.shape, win.pads, 1), win)  # (N*Hp*Wp, kh*kw*O)
        xm = pad_spatial(x, win.pads, 1).reshape(-1, c)
        df = (xm.T @ spread).reshape(c, kh, kw, o)
        return xp.ascontiguousarray(df.transpose(1, 2, 0, 3))
    return (_patches(x, win).T @ g.reshape(-1, o)).reshape(f_shape)


def conv2d_backprop_input(f, g, x_shape, win: Window):
    """The adjoint of `_patches` applied to g @ f.T, in the layout `_patches` uses."""
    kh, kw, c, o = f.shape
    n = x_shape[0]
    if _output_side(x_shape, c, o, win):
        padded = _padded(x_shape, win.pads, 1)
        fm = xp.ascontiguousarray(f.transpose(0, 1, 3, 2)).reshape(kh * kw * o, c)
        dx = (_spread(g, padded, win) @ fm).reshape(padded)
        return xp.ascontiguousarray(crop_spatial(dx, win.pads, 1))
    g2d, fm = g.reshape(-1, o), f.reshape(kh * kw * c, o)
    if c <= CHANNELS_FIRST_MAX:
        cols = (fm @ g2d.T).reshape((kh, kw, c, n) + tuple(win.out_hw))
        padded = _padded((c, n) + tuple(x_shape[1:3]), win.pads, 2)
        dx = col2im(cols, padded, 2, win, 0)
        return xp.ascontiguousarray(crop_spatial(dx, win.pads, 2).transpose(1, 2, 3, 0))
    cols = (g2d @ fm.T).reshape((n,) + tuple(win.out_hw) + (kh, kw, c))
    dx = col2im(cols, _padded(x_shape, win.pads, 1), 1, win, 3)
    return xp.ascontiguousarray(crop_spatial(dx, win.pads, 1))


# ---- few output channels: the kernel positions on the output side -------------------------
# With many input and few output channels (a Conv2D(1, 7x7) over 128 channels, a GAN's last
# layer), the im2col buffer (N*OH*OW, kh*kw*C) is C/O times larger than what these paths
# build instead: one matmul of every padded input position with all kh*kw filter taps,
# (N*Hp*Wp, C) @ (C, kh*kw*O), whose (kh*kw*O)-wide rows are then shifted and added into the
# output; the gradients use the same (N*Hp*Wp, kh*kw*O) layout of g (`_spread`). Measured:
# that layer's step at batch 64 spent most of its time copying a 1.2 GB im2col buffer.


def _output_side(x_shape, c: int, o: int, win: Window) -> bool:
    """Whether the output-side buffer is at least 4x smaller than im2col's and the matmul
    over every padded position does at most twice im2col's work (strides waste it)."""
    (oh, ow), ((pt, pb), (pl, pr)) = win.out_hw, win.pads
    hp, wp = x_shape[1] + pt + pb, x_shape[2] + pl + pr
    return 4 * hp * wp * o <= oh * ow * c and hp * wp <= 2 * oh * ow


def _conv2d_output_side(x, f, win: Window):
    kh, kw, c, o = f.shape
    padded = pad_spatial(x, win.pads, 1)
    n, hp, wp, _ = padded.shape
    taps = xp.ascontiguousarray(f.transpose(2, 0, 1, 3)).reshape(c, kh * kw * o)
    y = (padded.reshape(-1, c) @ taps).reshape(n, hp, wp, kh, kw, o)
    out = xp.zeros((n,) + tuple(win.out_hw) + (o,), dtype=y.dtype)
    for i, j in win.positions():
        out += y[(slice(None),) + win.slices(i, j) + (i, j)]
    return out


def _spread(g, padded_shape, win: Window):
    """g (N, OH, OW, O) placed where each kernel tap reads the padded input: an
    (N*Hp*Wp, kh*kw*O) matrix whose (p, (i, j, o)) entry is g at the output that reads
    padded position p through tap (i, j), zero where none does."""
    n, hp, wp = padded_shape[0], padded_shape[1], padded_shape[2]
    kh, kw = win.kernel
    o = g.shape[3]
    out = xp.zeros((n, hp, wp, kh, kw, o), dtype=g.dtype)
    for i, j in win.positions():
        out[(slice(None),) + win.slices(i, j) + (i, j)] = g
    return out.reshape(n * hp * wp, kh * kw * o)


# ---- depthwise: one (M, kh*kw) @ (kh*kw, N*OH*OW) matmul per channel, batched --------------


def _depthwise_patches(x, win: Window):
    """Windows of NHWC `x` per channel: (C, kh*kw, N*OH*OW)."""
    xt = pad_spatial(x.transpose(3, 0, 1, 2), win.pads, 2)
    cols = im2col(xt, 2, win, 1)
    return cols.reshape(x.shape[3], win.kernel[0] * win.kernel[1], -1)


def _per_channel(g, c: int):
    """(N, OH, OW, C*M) -> (C, N*OH*OW, M), contiguous."""
    return xp.ascontiguousarray(g.reshape(-1, c, g.shape[3] // c).transpose(1, 0, 2))


def depthwise_conv2d(x, f, win: Window):
    kh, kw, c, m = f.shape
    f3 = xp.ascontiguousarray(f.reshape(kh * kw, c, m).transpose(1, 2, 0))  # (C, M, K)
    out = xp.matmul(f3, _depthwise_patches(x, win))  # (C, M, N*OH*OW)
    return out.reshape(c * m, -1).T.reshape((x.shape[0],) + tuple(win.out_hw) + (c * m,))


def depthwise_backprop_filter(x, g, f_shape, win: Window):
    df = xp.matmul(_depthwise_patches(x, win), _per_channel(g, f_shape[2]))  # (C, K, M)
    return xp.ascontiguousarray(df.transpose(1, 0, 2)).reshape(f_shape)


def depthwise_backprop_input(f, g, x_shape, win: Window):
    kh, kw, c, m = f.shape
    n = x_shape[0]
    f3 = xp.ascontiguousarray(f.reshape(kh * kw, c, m).transpose(1, 0, 2))  # (C, K, M)
    cols = xp.matmul(f3, _per_channel(g, c).transpose(0, 2, 1))  # (C, K, N*OH*OW)
    cols = cols.reshape((c, kh, kw, n) + tuple(win.out_hw))
    dx = col2im(cols, _padded((c, n) + tuple(x_shape[1:3]), win.pads, 2), 2, win, 1)
    return xp.ascontiguousarray(crop_spatial(dx, win.pads, 2).transpose(1, 2, 3, 0))


# ---- pooling -------------------------------------------------------------------------------


def _keys(win: Window):
    """The key into a padded NHWC array of every kernel position, in row-major order."""
    return [(slice(None),) + win.slices(i, j) for i, j in win.positions()]


def _lowest(dtype):
    """The padding value of max pooling: -inf, or the smallest integer."""
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


# Native pooling kernels (backend/native/pool.py): loops over the windows instead of passes
# over the batch per tap, the same values. `python -m benchmarks.pool_bench` (2x2, stride 2,
# float32, 32x32x32x64 input; native / NumPy, best of 30, ms): max pool 0.27/0.47, its
# gradient 1.06/2.49, average pool 0.29/0.61, its gradient 0.37/0.57.
_POOL_DTYPES = (numpy.dtype("float32"), numpy.dtype("float64"))


def _pool_kernels(*arrays):
    """The native pooling kernels when they apply to `arrays`, else None."""
    if xp is not numpy or arrays[0].dtype not in _POOL_DTYPES:
        return None
    if any(a.dtype != arrays[0].dtype for a in arrays):
        return None
    return native.kernels("pool")


def _geometry(win: Window):
    return numpy.array(win.kernel + win.strides + win.dilations, numpy.int64)


def _pooled(x, win: Window):
    return numpy.empty((x.shape[0],) + tuple(win.out_hw) + (x.shape[3],), x.dtype)


def max_pool(x, win: Window):
    """The maximum of every window; NaN is skipped, as TF's comparison-based max does."""
    k = _pool_kernels(x)
    x = pad_spatial(x, win.pads, 1, _lowest(x.dtype))
    if k is not None:
        out = _pooled(x, win)
        counts = numpy.ones((1, 1, 1), x.dtype)  # unused by the maximum
        k.reduce_windows(numpy.ascontiguousarray(x), _geometry(win), counts, False, out)
        return out
    out = None
    for key in _keys(win):
        out = x[key].copy() if out is None else xp.fmax(out, x[key], out=out)
    return out


def _first_max_masks(x, y, win: Window):
    """(key, mask) per kernel position: where that position holds the first maximum `y`
    of its window (row-major order), the one cell TF routes the window's gradient to.

    Masks and multiplications instead of `where`/boolean indexing: those are ~20x slower.
    """
    x = pad_spatial(x, win.pads, 1, _lowest(x.dtype))
    taken = xp.zeros(y.shape, dtype=bool)
    for key in _keys(win):
        hit = x[key] == y
        xp.greater(hit, taken, out=hit)  # hit and not taken by an earlier position
        xp.logical_or(taken, hit, out=taken)
        yield key, hit


def max_pool_grad(x, y, g, win: Window):
    """g[n, p, q, c] added at the first maximum of window (p, q) of x (y = max_pool(x)).

    The masks multiply g, so an inf or nan in g also leaks (as nan) into its window.
    """
    dx = xp.zeros(_padded(x.shape, win.pads, 1), dtype=g.dtype)
    disjoint = win.disjoint()
    k = _pool_kernels(x, y, g)
    if k is not None:
        padded = numpy.ascontiguousarray(pad_spatial(x, win.pads, 1, _lowest(x.dtype)))
        arg = numpy.empty(y.shape, numpy.int32)
        y, g, geo = numpy.ascontiguousarray(y), numpy.ascontiguousarray(g), _geometry(win)
        k.first_max_taps(padded, y, geo, arg)
        counts = numpy.ones((1, 1, 1), g.dtype)  # unused by the maximum
        k.spread(g, geo, arg, counts, numpy.array([0, 1], g.dtype), False, disjoint, dx)
        return xp.ascontiguousarray(crop_spatial(dx, win.pads, 1))
    for key, hit in _first_max_masks(x, y, win):
        if disjoint:  # each cell is in one window at most: write, no read-modify-write
            xp.multiply(g, hit, out=dx[key])
        else:
            dx[key] += g * hit
    return xp.ascontiguousarray(crop_spatial(dx, win.pads, 1))


def max_pool_grad_grad(x, y, gx, win: Window):
    """gx (shaped like x) read at the first maximum of every window: max_pool_grad's adjoint."""
    gx = pad_spatial(gx, win.pads, 1)
    out = xp.zeros(y.shape, dtype=gx.dtype)
    for key, hit in _first_max_masks(x, y, win):
        out += gx[key] * hit
    return out


def _window_counts(hw, win: Window, dtype):
    """How many unpadded cells each window covers, shaped (OH, OW, 1) to divide by."""
    ones = pad_spatial(xp.ones((1,) + tuple(hw) + (1,), dtype=dtype), win.pads, 1)
    return sum(ones[key] for key in _keys(win))[0]


def avg_pool(x, win: Window):
    """The mean of every window over its unpadded cells only (TF's SAME averaging)."""
    padded = pad_spatial(x, win.pads, 1)
    counts = _window_counts(x.shape[1:3], win, x.dtype)
    k = _pool_kernels(x)
    if k is not None:
        out = _pooled(x, win)
        k.reduce_windows(numpy.ascontiguousarray(padded), _geometry(win), counts, True, out)
        return out
    out = None
    for key in _keys(win):
        out = padded[key].copy() if out is None else xp.add(out, padded[key], out=out)
    out /= counts
    return out


def avg_pool_grad(g, x_shape, win: Window):
    """The adjoint of `avg_pool`: g / count spread over every cell of its window."""
    counts = _window_counts(x_shape[1:3], win, g.dtype)
    dx = xp.zeros(_padded(x_shape, win.pads, 1), dtype=g.dtype)
    disjoint = win.disjoint()
    k = _pool_kernels(g)
    if k is not None:
        arg = numpy.empty((1, 1, 1, 1), numpy.int32)  # unused by the average
        constants = numpy.array([0, 1], g.dtype)
        k.spread(
            numpy.ascontiguousarray(g), _geometry(win), arg, counts, constants, True, disjoint, dx
        )
        return xp.ascontiguousarray(crop_spatial(dx, win.pads, 1))
    g = g / counts
    for key in _keys(win):
        if disjoint:
            dx[key] = g
        else:
            dx[key] += g
    return xp.ascontiguousarray(crop_spatial(dx, win.pads, 1))
