"""Numba kernels of max and average pooling and their gradients (NHWC, padded input).

The forwards loop over the windows with the taps inside; the gradients find each window's
first maximum in one such loop and then spread, tap after tap (the NumPy code's order of
additions), without temporaries. The NumPy code in backend/conv.py makes several passes
over the whole batch per tap, each into a new array (a 2x2 max pool's gradient: four
comparisons, four mask updates and four multiplies). The
windows' geometry is run-time arguments (`geo` = kh, kw, sh, sw, dh, dw); pooling moves
data and does little arithmetic, so spelling the taps out (as the convolution kernels do)
buys nothing here.

Order of float operations, as the NumPy code:
- max: taps in row-major order, NaN skipped unless every tap is NaN (NumPy's fmax); only
  the sign of a zero maximum tied with a zero of the other sign may differ (NumPy's own
  vectorised and strided fmax loops disagree there);
- max gradient: each window's gradient goes to its first tap equal to the maximum
  (row-major), and every tap of the window receives `g * 1` or `g * 0` (so an inf or NaN
  in g leaks into its window, as in NumPy), tap after tap; overlapping windows add into
  the input gradient, disjoint ones write it;
- average: taps added in row-major order, then divided by the window's count of unpadded
  cells; its gradient divides first and then spreads, likewise.
"""

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def reduce_windows(x, geo, counts, average, out):
    """Each window's maximum (NaN skipped unless every tap is NaN) or, with `average`, the
    sum of its taps divided by counts[i, j, 0]."""
    kh, kw, sh, sw, dh, dw = geo[0], geo[1], geo[2], geo[3], geo[4], geo[5]
    n_, oh_, ow_, c_ = out.shape
    for b in range(n_):
        for i in range(oh_):
            for j in range(ow_):
                for c in range(c_):
                    out[b, i, j, c] = x[b, i * sh, j * sw, c]
                for a in range(kh):
                    for e in range(kw):
                        if a == 0 and e == 0:
                            continue
                        r, q = i * sh + a * dh, j * sw + e * dw
                        for c in range(c_):
                            v = x[b, r, q, c]
                            if average:
                                out[b, i, j, c] += v
                            else:
                                best = out[b, i, j, c]
                                if v > best or best != best:
                                    out[b, i, j, c] = v
                if average:
                    for c in range(c_):
                        out[b, i, j, c] /= counts[i, j, 0]


@_jit
def first_max_taps(x, y, geo, arg):
    """arg = the first tap (row-major) of each window holding its maximum y; -1 where none
    does (a window of NaN)."""
    kh, kw, sh, sw, dh, dw = geo[0], geo[1], geo[2], geo[3], geo[4], geo[5]
    n_, oh_, ow_, c_ = y.shape
    for b in range(n_):
        for i in range(oh_):
            for j in range(ow_):
                for c in range(c_):
                    arg[b, i, j, c] = -1
                t = 0
                for a in range(kh):
                    for e in range(kw):
                        r, q = i * sh + a * dh, j * sw + e * dw
                        for c in range(c_):
                            if arg[b, i, j, c] < 0 and x[b, r, q, c] == y[b, i, j, c]:
                                arg[b, i, j, c] = t
                        t += 1


@_jit
def spread(g, geo, arg, counts, p, average, disjoint, dx):
    """Each window's gradient onto its taps, tap after tap (as the NumPy code adds them):
    with `average` g / counts[i, j, 0] on every tap, else g * 1 on its tap `arg` and g * 0
    on the others. dx (padded) is written where windows are disjoint, else added to."""
    kh, kw, sh, sw, dh, dw = geo[0], geo[1], geo[2], geo[3], geo[4], geo[5]
    zero, one = p[0], p[1]
    n_, oh_, ow_, c_ = g.shape
    t = 0
    for a in range(kh):
        for e in range(kw):
            for b in range(n_):
                for i in range(oh_):
                    r = i * sh + a * dh
                    for j in range(ow_):
                        q = j * sw + e * dw
                        for c in range(c_):
                            if average:
                                v = g[b, i, j, c] / counts[i, j, 0]
                            else:
                                v = g[b, i, j, c] * (one if arg[b, i, j, c] == t else zero)
                            if disjoint:
                                dx[b, r, q, c] = v
                            else:
                                dx[b, r, q, c] += v
            t += 1


def _warm(dtype):
    x = np.ones((1, 2, 2, 1), dtype)
    y = np.ones((1, 1, 1, 1), dtype)
    geo = np.array([2, 2, 1, 1, 1, 1], np.int64)
    counts = np.ones((1, 1, 1), dtype)
    p = np.array([0, 1], dtype)
    arg = np.empty((1, 1, 1, 1), np.int32)
    for average in (False, True):
        reduce_windows(x, geo, counts, average, y)
        spread(y, geo, arg, counts, p, average, True, np.empty_like(x))
    first_max_taps(x, y, geo, arg)


WARM_UP = {"pool": _warm}
