"""Fused elementwise chains with their reductions, on arrays: a native kernel (one pass, no
temporaries) or the NumPy fallback.

- `bias_relu(x, bias)`: max(x + bias, 0), bias over the last axis.
- `relu_grad(g, y)`: g * (y > 0) (TF's ReluGrad).
- `relu_grad_bias_grad(g, y)`: that, and its sum over every axis but the last (the gradient
  of the bias added before the relu), in one pass.
- `sum_leading(x, k)`: the sum over the first k axes (a bias gradient), in one pass.
- `sparse_softmax_xent(logits, labels)` / `softmax_xent(logits, labels)`: the per-row loss
  and its gradient softmax - labels, as TF's kernels return them together.
- `batch_outer(a, b)`: a[..., :, None] * b[..., None, :], the outer product of each pair of
  rows (per-example gradients of a Dense kernel under vmap). NumPy's broadcast multiply
  sets up its inner loop once per output row, which costs more than a row of a hundred
  products; the kernel writes the rows in one pass, into a recycled buffer when large (below).

The bias, relu and outer-product functions agree bitwise with their fallbacks; the cross
entropies use the C library's exp and log in the kernel and NumPy's vectorised ones in the
fallback, so they agree to a few units in the last place (float tolerance), not bitwise.
Labels must already be checked to lie in [0, classes) (the ops do it). A compiler of whole
traced steps can call these directly.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy

from . import native, xp

_NATIVE_DTYPES = (numpy.dtype("float32"), numpy.dtype("float64"))
# Below this many elements a kernel call costs more than the NumPy calls it replaces.
MIN_NATIVE_SIZE = 256


def _kernels(*arrays):
    if xp is not numpy:
        return None
    first = arrays[0]
    if first.dtype not in _NATIVE_DTYPES or first.size < MIN_NATIVE_SIZE or first.ndim == 0:
        return None
    for a in arrays:
        if a.dtype != first.dtype or not a.flags.c_contiguous:
            return None
    return native.kernels("nn")


def _constants(dtype):
    return numpy.array([0, 1], dtype=dtype)


def _rows(a):
    return a.reshape(-1, a.shape[-1])


def bias_relu(x, bias):
    """max(x + bias, 0) with `bias` (1-D) added along the last axis of `x`."""
    k = _kernels(x, bias) if bias.ndim == 1 and x.ndim >= 1 else None
    if k is None or x.shape[-1] != bias.shape[0]:
        out = x + bias
        return xp.maximum(out, xp.zeros((), dtype=out.dtype), out=out)
    out = numpy.empty_like(x)
    k.bias_relu(_rows(x), bias, _constants(x.dtype), _rows(out))
    return out


def relu_grad(g, y):
    """g * (y > 0): the gradient of relu at its output (or input) y."""
    k = _kernels(g, y) if g.shape == y.shape else None
    if k is None:
        return g * (y > 0)
    out = numpy.empty_like(g)
    k.relu_grad(g.reshape(-1), y.reshape(-1), _constants(g.dtype), out.reshape(-1))
    return out


def sum_leading(x, k: int):
    """x summed over its first `k` axes (`add.reduce(x, (0, ..., k - 1))`), bitwise: one pass
    adding rows in order, where NumPy adds each row with its own short loop (the bias
    gradient of a conv layer: 0.7 ms on W4's activations, ten times the pass). NumPy sums a
    single contiguous column pairwise instead, so a trailing block of one element stays
    with NumPy."""
    cols = 1
    for d in x.shape[k:]:
        cols *= d
    kern = _kernels(x) if 0 < k < x.ndim and cols > 1 else None
    if kern is None:
        return xp.add.reduce(x, tuple(range(k)), x.dtype, None, False)
    out = numpy.empty(x.shape[k:], dtype=x.dtype)
    kern.sum_rows(x.reshape(-1, cols), _constants(x.dtype), out.reshape(-1))
    return out


def relu_grad_bias_grad(g, y):
    """(g * (y > 0), its sum over every axis but the last)."""
    # One channel: NumPy sums the contiguous column pairwise, not row after row as the
    # kernel does, so the kernel would round differently.
    k = _kernels(g, y) if g.shape == y.shape and g.ndim >= 1 and g.shape[-1] > 1 else None
    if k is None:
        dx = g * (y > 0)
        return dx, xp.add.reduce(dx, axis=tuple(range(dx.ndim - 1)))
    dx = numpy.empty_like(g)
    db = numpy.empty(g.shape[-1], dtype=g.dtype)
    k.relu_grad_bias_grad(_rows(g), _rows(y), _constants(g.dtype), _rows(dx), db)
    return dx, db


def sparse_softmax_xent(logits, labels):
    """(loss per row, gradient softmax(logits) - one_hot(labels)) over the last axis."""
    k = _kernels(logits) if logits.ndim >= 1 and labels.shape == logits.shape[:-1] else None
    if k is None:
        shifted = logits - xp.max(logits, axis=-1, keepdims=True)
        e = xp.exp(shifted)
        total = xp.sum(e, axis=-1, keepdims=True)
        index = labels[..., None].astype(xp.intp)
        loss = (xp.log(total) - xp.take_along_axis(shifted, index, axis=-1))[..., 0]
        grad = e / total
        xp.put_along_axis(grad, index, xp.take_along_axis(grad, index, axis=-1) - 1, -1)
        return loss, grad
    loss = numpy.empty(logits.shape[:-1], dtype=logits.dtype)
    grad = numpy.empty_like(logits)
    k.sparse_softmax_xent(
        _rows(logits),
        numpy.ascontiguousarray(labels).reshape(-1),
        _constants(logits.dtype),
        loss.reshape(-1),
        _rows(grad),
    )
    return loss, grad


def softmax_xent(logits, labels):
    """(loss per row, gradient softmax(logits) - labels) over the last axis; `labels` are
    probabilities shaped like `logits`."""
    k = _kernels(logits, labels) if labels.shape == logits.shape else None
    if k is None:
        shifted = logits - xp.max(logits, axis=-1, keepdims=True)
        e = xp.exp(shifted)
        total = xp.sum(e, axis=-1, keepdims=True)
        loss = xp.sum(labels * (xp.log(total) - shifted), axis=-1)
        return loss, e / total - labels
    loss = numpy.empty(logits.shape[:-1], dtype=logits.dtype)
    grad = numpy.empty_like(logits)
    k.softmax_xent(
        _rows(logits), _rows(labels), _constants(logits.dtype), loss.reshape(-1), _rows(grad)
    )
    return loss, grad


def batch_outer(a, b):
    """a[..., :, None] * b[..., None, :] for `a` (..., m) and `b` (..., n) with the same
    leading shape: (..., m, n)."""
    k = _kernels(a, b) if a.ndim >= 1 and a.shape[:-1] == b.shape[:-1] else None
    if k is None or a.size == 0 or b.size == 0:
        return a[..., :, None] * b[..., None, :]
    out = recycled_empty(a.shape + b.shape[-1:], a.dtype)
    k.batch_outer(_rows(a), _rows(b), out.reshape(-1, a.shape[-1], b.shape[-1]))
    return out


# ---- recycled output buffers -------------------------------------------------------------
#
# glibc serves an allocation of 32 MiB or more (a batch of per-example kernel gradients:
# 256 x 784 x 128 float32 is 100 MB) with fresh pages from the OS and gives them back when
# the array dies, so every call pays for the kernel zeroing each page on first touch: more
# than the kernel's own work (4-7 ms per 100 MB, single calls up to 200 ms on a shared VM).
# TensorFlow's allocator keeps such buffers; so does this, for the kernels above: an output
# of that size is taken from the buffers handed out before whose every user is gone (only
# this list refers to them: a Tensor, a view or a buffer export all hold a reference), else
# allocated and, while there is room, remembered. `release_recycled()` forgets them all.

RECYCLE_MIN_BYTES = 32 << 20
RECYCLE_PER_SHAPE = 2  # the previous call's result is usually still alive during the next
RECYCLE_MAX_BYTES = 512 << 20  # kept in all, alive or dead
_recycled: dict = {}  # (shape, dtype) -> [arrays]
_recycled_lock = threading.Lock()
# Refcount checks mean nothing without the GIL (free-threaded builds): no recycling there.
_RECYCLE = getattr(sys, "_is_gil_enabled", lambda: True)()


def recycled_empty(shape, dtype):
    """numpy.empty(shape, dtype), reusing a dead buffer of that shape when it is large."""
    dtype = numpy.dtype(dtype)
    nbytes = dtype.itemsize * math.prod(shape)
    if not _RECYCLE or nbytes < RECYCLE_MIN_BYTES:
        return numpy.empty(shape, dtype)
    key = (tuple(shape), dtype.str)
    with _recycled_lock:
        pool = _recycled.setdefault(key, [])
        for buffer in pool:
            # References: the list, `buffer`, getrefcount's argument; anything more is a user.
            if sys.getrefcount(buffer) == 3:
                return buffer
        out = numpy.empty(shape, dtype)
        if len(pool) < RECYCLE_PER_SHAPE and recycled_bytes() + nbytes <= RECYCLE_MAX_BYTES:
            pool.append(out)
        return out


def recycled_bytes() -> int:
    """The bytes of every buffer kept for reuse (alive or not)."""
    return sum(b.nbytes for pool in _recycled.values() for b in pool)


def release_recycled() -> None:
    """Forgets every kept buffer: their memory goes back once their users are gone."""
    with _recycled_lock:
        _recycled.clear()
