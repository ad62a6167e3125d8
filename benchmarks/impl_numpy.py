"""The floor: each workload's forward, backward and update written by hand in NumPy.

Plain vectorised NumPy as a careful NumPy programmer writes it (in-place optimizer updates,
no input gradient for the first layer, convolution as im2col + one matmul), with no engine,
tape or dispatch. The optimizers follow Keras' formulas exactly, so the losses match the
tapeflow and TensorFlow runs step for step.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .timing import Step
from .workloads import Workload

RMS_RHO, EPSILON, BETA_1, BETA_2 = 0.9, 1e-7, 0.9, 0.999


# ---- optimizers (in place) ------------------------------------------------------------------


def _sgd(lr):
    def update(params, grads):
        for p, g in zip(params, grads):
            p -= lr * g

    return update


def _rmsprop(lr, params):
    velocities = [np.zeros_like(p) for p in params]

    def update(params, grads):
        for p, g, v in zip(params, grads, velocities):
            v *= RMS_RHO
            v += (1 - RMS_RHO) * (g * g)
            p -= lr * g / np.sqrt(v + EPSILON)

    return update


def _adam(lr, params):
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    t = [0]

    def update(params, grads):
        t[0] += 1
        alpha = lr * np.sqrt(1 - BETA_2 ** t[0]) / (1 - BETA_1 ** t[0])
        for p, g, m, v in zip(params, grads, ms, vs):
            m += (g - m) * (1 - BETA_1)
            v += (g * g - v) * (1 - BETA_2)
            p -= alpha * m / (np.sqrt(v) + EPSILON)

    return update


# ---- losses: (loss, gradient of the mean loss with respect to the logits) -------------------


def _bce_logits(z, y):
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    sigmoid = 0.5 * (1.0 + np.tanh(0.5 * z))  # tanh form: no overflow for large |z|
    return loss, (sigmoid - y) / z.size


def _log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _sparse_xent(z, labels):
    n = len(labels)
    logp = _log_softmax(z)
    rows = np.arange(n)
    loss = -logp[rows, labels].mean()
    grad = np.exp(logp)
    grad[rows, labels] -= 1.0
    return loss, grad / n


def _xent(z, onehot):
    logp = _log_softmax(z)
    n = len(onehot)
    return -(onehot * logp).sum() / n, (np.exp(logp) - onehot) / n


# ---- models ---------------------------------------------------------------------------------


def _mlp_step(params, loss_fn, update, input_grad=False):
    """Dense layers with relu between them; the last one gives logits. With `input_grad`,
    `step(x, y, loss_fn)` returns (loss, gradients, gradient of x) and updates nothing."""
    n_layers = len(params) // 2

    def step(x, y, loss_fn=loss_fn):
        h = x.reshape(len(x), -1)
        activations = [h]
        for i in range(n_layers):
            h = h @ params[2 * i] + params[2 * i + 1]
            if i < n_layers - 1:
                np.maximum(h, 0, out=h)
            activations.append(h)
        loss, d = loss_fn(h, y)
        grads = [None] * len(params)
        for i in reversed(range(n_layers)):
            a = activations[i]
            grads[2 * i] = a.T @ d
            grads[2 * i + 1] = d.sum(axis=0)
            if i > 0 or input_grad:
                d = d @ params[2 * i].T
            if i > 0:
                d *= a > 0
        if input_grad:
            return loss, grads, d
        update(params, grads)
        return loss

    return step


def _cnn_step(params, update):
    """Conv2D 3x3 valid (im2col + matmul) + relu -> flatten (h, w, c) -> Dense layers (relu
    between them) -> logits."""
    kernel = params[0]
    kh, kw, cin, cout = kernel.shape
    dense_step = _mlp_step(params[2:], None, None, input_grad=True)

    def step(x, y):
        n = len(x)
        # (n, oh, ow, c, kh, kw) -> rows of (kh, kw, c) patches, the kernel's order
        windows = sliding_window_view(x, (kh, kw), axis=(1, 2))
        oh, ow = windows.shape[1:3]
        cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * oh * ow, kh * kw * cin)
        h = cols @ params[0].reshape(-1, cout) + params[1]
        np.maximum(h, 0, out=h)
        flat = h.reshape(n, -1)
        loss, dense_grads, dh = dense_step(flat, y, _sparse_xent)
        dh *= flat > 0
        dh = dh.reshape(n * oh * ow, cout)
        g_kernel = (cols.T @ dh).reshape(kernel.shape)
        update(params, [g_kernel, dh.sum(axis=0), *dense_grads])
        return loss

    return step


def build(w: Workload) -> Step:
    """Workload `w` written by hand in NumPy."""
    params = [np.array(p, dtype=np.float32) for p in w.weights]  # own copies, updated in place
    lr = w.lr
    if w.name == "W1":
        W, b = params

        def step(x, y):
            r = W * x + b - y
            loss = np.mean(r * r)
            g = (2.0 / r.size) * r
            W[...] -= lr * np.dot(g, x)
            b[...] -= lr * g.sum()
            return loss

    elif w.name == "W2":
        step = _mlp_step(params, _bce_logits, _rmsprop(lr, params))
    elif w.name == "W3":
        step = _mlp_step(params, _sparse_xent, _adam(lr, params))
    elif w.name in ("W4", "W6"):
        step = _cnn_step(params, _adam(lr, params))
    elif w.name == "W5":
        step = _mlp_step(params, _xent, _sgd(lr))
    else:
        raise ValueError(f"no NumPy implementation of workload {w.name}")
    return Step(step, list(w.batches))
