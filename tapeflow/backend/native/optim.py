"""Numba kernels of the optimizer updates: one pass over variable, gradient and slots.

Each kernel does, element by element, the float operations of its NumPy fallback in
`tapeflow/backend/updates.py`, in the same order and in the arrays' dtype (the step's scalars
arrive packed in a small array `p` of that dtype, so no float64 constant slips in; no
fastmath, so no contraction into fused multiply-adds): the results are bitwise those of the
fallback. Arrays are 1-D and C-contiguous; the variable and slots are written in place.
"""

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def _maximum(a, b):
    # np.maximum's rule: NaN wins, ties keep the first operand.
    return a if (a >= b or a != a) else b


@_jit
def sgd(w, g, p):
    lr = p[0]
    for i in range(w.size):
        w[i] = w[i] - g[i] * lr


@_jit
def sgd_momentum(w, g, m, p, nesterov):
    lr, momentum = p[0], p[1]
    for i in range(w.size):
        gi = g[i]
        mi = m[i] * momentum
        mi = mi - gi * lr
        m[i] = mi
        if nesterov:
            w[i] = w[i] + (mi * momentum - gi * lr)
        else:
            w[i] = w[i] + mi


@_jit
def rmsprop(w, g, velocity, average, momentum_slot, p, centered, use_momentum):
    lr, rho, one_minus_rho, epsilon, momentum = p[0], p[1], p[2], p[3], p[4]
    for i in range(w.size):
        gi = g[i]
        vi = velocity[i] * rho
        vi = vi + one_minus_rho * (gi * gi)
        velocity[i] = vi
        if centered:
            ai = average[i] * rho
            ai = ai + one_minus_rho * gi
            average[i] = ai
            denominator = (vi - ai * ai) + epsilon
        else:
            denominator = vi + epsilon
        increment = (lr * gi) / np.sqrt(denominator)
        if use_momentum:
            mi = momentum_slot[i] * momentum
            mi = mi + increment
            momentum_slot[i] = mi
            w[i] = w[i] - mi
        else:
            w[i] = w[i] - increment


@_jit
def adagrad(w, g, accumulator, p):
    lr, epsilon = p[0], p[1]
    for i in range(w.size):
        gi = g[i]
        ai = accumulator[i] + gi * gi
        accumulator[i] = ai
        w[i] = w[i] - (lr * gi) / np.sqrt(ai + epsilon)


@_jit
def adadelta(w, g, acc_grad, acc_delta, p):
    lr, rho, one_minus_rho, epsilon = p[0], p[1], p[2], p[3]
    for i in range(w.size):
        gi = g[i]
        agi = acc_grad[i] * rho
        agi = agi + one_minus_rho * (gi * gi)
        acc_grad[i] = agi
        di = acc_delta[i]
        delta = np.sqrt(di + epsilon) * gi
        delta = -(delta / np.sqrt(agi + epsilon))
        di = di * rho
        acc_delta[i] = di + one_minus_rho * (delta * delta)
        w[i] = w[i] + delta * lr


@_jit
def adam(w, g, m, v, v_hat, p, amsgrad):
    alpha, one_minus_beta_1, one_minus_beta_2, epsilon = p[0], p[1], p[2], p[3]
    for i in range(w.size):
        gi = g[i]
        mi = m[i]
        mi = mi + (gi - mi) * one_minus_beta_1
        m[i] = mi
        vi = v[i]
        vi = vi + (gi * gi - vi) * one_minus_beta_2
        v[i] = vi
        if amsgrad:
            vi = _maximum(v_hat[i], vi)
            v_hat[i] = vi
        w[i] = w[i] - (mi * alpha) / (np.sqrt(vi) + epsilon)


@_jit
def adamax(w, g, m, u, p):
    lr, one_minus_beta_1, beta_2, epsilon, bias = p[0], p[1], p[2], p[3], p[4]
    for i in range(w.size):
        gi = g[i]
        mi = m[i]
        mi = mi + (gi - mi) * one_minus_beta_1
        m[i] = mi
        ui = _maximum(u[i] * beta_2, np.abs(gi))
        u[i] = ui
        w[i] = w[i] - (lr * mi) / (bias * (ui + epsilon))


@_jit
def nadam(w, g, m, v, p):
    lr, one_minus_beta_1, one_minus_beta_2, u_t_1 = p[0], p[1], p[2], p[3]
    one_minus_u_product_t_1, one_minus_u_t, one_minus_u_product_t = p[4], p[5], p[6]
    one_minus_beta_2_power, epsilon = p[7], p[8]
    for i in range(w.size):
        gi = g[i]
        mi = m[i]
        mi = mi + (gi - mi) * one_minus_beta_1
        m[i] = mi
        vi = v[i]
        vi = vi + (gi * gi - vi) * one_minus_beta_2
        v[i] = vi
        m_hat = (u_t_1 * mi) / one_minus_u_product_t_1
        m_hat = m_hat + (one_minus_u_t * gi) / one_minus_u_product_t
        denominator = np.sqrt(vi / one_minus_beta_2_power) + epsilon
        w[i] = w[i] - (m_hat * lr) / denominator


@_jit
def lion(w, g, m, p):
    lr, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2 = p[0], p[1], p[2], p[3], p[4]
    for i in range(w.size):
        gi = g[i]
        mi = m[i]
        direction = mi * beta_1 + gi * one_minus_beta_1
        # np.sign(direction) * lr: +-lr, +0 for either zero, NaN for NaN.
        if direction > 0:
            step = lr
        elif direction < 0:
            step = -lr
        elif direction == 0:
            step = lr - lr
        else:
            step = direction
        w[i] = w[i] - step
        m[i] = mi * beta_2 + gi * one_minus_beta_2


def _arrays(dtype, count, n=5):
    return [np.ones(n, dtype) for _ in range(count)]


def _params(dtype, count=9):
    return np.full(count, 0.5, dtype)


# Each kernel once on small arrays of a dtype: compiles it (or loads it from the disk cache).
WARM_UP = {
    "sgd": lambda dt: sgd(*_arrays(dt, 2), _params(dt)),
    "sgd_momentum": lambda dt: sgd_momentum(*_arrays(dt, 3), _params(dt), False),
    "rmsprop": lambda dt: rmsprop(*_arrays(dt, 5), _params(dt), False, False),
    "adagrad": lambda dt: adagrad(*_arrays(dt, 3), _params(dt)),
    "adadelta": lambda dt: adadelta(*_arrays(dt, 4), _params(dt)),
    "adam": lambda dt: adam(*_arrays(dt, 5), _params(dt), False),
    "adamax": lambda dt: adamax(*_arrays(dt, 4), _params(dt)),
    "nadam": lambda dt: nadam(*_arrays(dt, 4), _params(dt)),
    "lion": lambda dt: lion(*_arrays(dt, 3), _params(dt)),
}
