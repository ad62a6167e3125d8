"""Numba kernels of elementwise chains with their reductions: bias + relu, the relu gradient
with the bias gradient, softmax cross entropy with its gradient; and the per-row outer
product (per-example gradients of a Dense kernel).

Arrays are C-contiguous, 2-D as (rows, channels) where a bias or a class axis is involved;
`p` holds the constants 0 and 1 in the arrays' dtype (no float64 literal slips in). The bias
and relu kernels do the float operations of their NumPy fallbacks in `backend/fused.py` in
the same order (the bias gradient sums rows one after another, as NumPy's reduction over
leading axes does): bitwise equal. The cross-entropy kernels use the C library's exp and
log where NumPy uses its own vectorised ones: equal to float tolerance only.
"""

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def bias_relu(x, bias, p, out):
    """out = max(x + bias, 0), bias broadcast over rows."""
    zero = p[0]
    rows, cols = x.shape
    for r in range(rows):
        for c in range(cols):
            v = x[r, c] + bias[c]
            # np.maximum(v, 0): NaN stays NaN.
            out[r, c] = v if (v >= zero or v != v) else zero


@_jit
def relu_grad(g, y, p, out):
    """out = g * (y > 0), the 0/1 mask in the dtype (so -0.0 and NaN come out as NumPy's)."""
    zero, one = p[0], p[1]
    for i in range(g.size):
        out[i] = g[i] * (one if y[i] > zero else zero)


@_jit
def relu_grad_bias_grad(g, y, p, out, bias_grad):
    """out = g * (y > 0) and bias_grad = its sum over rows, in one pass."""
    zero, one = p[0], p[1]
    rows, cols = g.shape
    for c in range(cols):
        bias_grad[c] = zero
    for r in range(rows):
        for c in range(cols):
            v = g[r, c] * (one if y[r, c] > zero else zero)
            out[r, c] = v
            bias_grad[c] += v


@_jit
def sum_rows(x, p, out):
    """out = the sum of x's rows, added one after another from zero (NumPy's order for a
    reduction over leading axes)."""
    zero = p[0]
    rows, cols = x.shape
    for c in range(cols):
        out[c] = zero
    for r in range(rows):
        for c in range(cols):
            out[c] += x[r, c]


@_jit
def sparse_softmax_xent(logits, labels, p, loss, grad):
    """Per row: loss = log(sum(exp(z - max))) - (z[label] - max), and
    grad = softmax(z) - one_hot(label); labels already checked to be in range."""
    zero, one = p[0], p[1]
    rows, classes = logits.shape
    for r in range(rows):
        top = logits[r, 0]
        for c in range(1, classes):
            v = logits[r, c]
            if v > top or v != v:
                top = v
        total = zero
        for c in range(classes):
            e = np.exp(logits[r, c] - top)
            grad[r, c] = e
            total += e
        label = labels[r]
        loss[r] = np.log(total) - (logits[r, label] - top)
        for c in range(classes):
            grad[r, c] = grad[r, c] / total
        grad[r, label] -= one


@_jit
def softmax_xent(logits, labels, p, loss, grad):
    """Per row: loss = sum(labels * (log(sum(exp(z - max))) - (z - max))) and
    grad = softmax(z) - labels."""
    zero = p[0]
    rows, classes = logits.shape
    for r in range(rows):
        top = logits[r, 0]
        for c in range(1, classes):
            v = logits[r, c]
            if v > top or v != v:
                top = v
        total = zero
        for c in range(classes):
            e = np.exp(logits[r, c] - top)
            grad[r, c] = e
            total += e
        log_total = np.log(total)
        acc = zero
        for c in range(classes):
            acc += labels[r, c] * (log_total - (logits[r, c] - top))
            grad[r, c] = grad[r, c] / total - labels[r, c]
        loss[r] = acc


@_jit
def batch_outer(a, b, out):
    """out[r, i, j] = a[r, i] * b[r, j]: one multiply per element, as NumPy's broadcast
    multiply does (bitwise equal), written row after row without its per-row loop setup."""
    rows, m = a.shape
    n = b.shape[1]
    for r in range(rows):
        for i in range(m):
            v = a[r, i]
            for j in range(n):
                out[r, i, j] = v * b[r, j]


def _warm(dtype):
    p = np.array([0, 1], dtype)
    x = np.ones((2, 3), dtype)
    out = np.empty_like(x)
    bias_relu(x, x[0], p, out)
    relu_grad(x.reshape(-1), x.reshape(-1), p, out.reshape(-1))
    relu_grad_bias_grad(x, x, p, out, np.empty(3, dtype))
    sum_rows(x, p, np.empty(3, dtype))
    labels = np.zeros(2, np.int64)
    sparse_softmax_xent(x, labels, p, np.empty(2, dtype), out)
    softmax_xent(x, x, p, np.empty(2, dtype), out)
    batch_outer(x, x, np.empty((2, 3, 3), dtype))


WARM_UP = {"nn": _warm}
