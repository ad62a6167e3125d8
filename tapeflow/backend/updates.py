"""Optimizer updates on arrays, in place: a native kernel (one pass) or the NumPy fallback.

Each function takes the variable, its gradient and its slots as backend arrays of one
floating dtype and shape (the variable and slots are written in place), then the step's
scalars, already in that dtype (the caller computes them as Keras does). With Numba the
update runs as one fused loop (`native/optim.py`); otherwise as the NumPy calls below.
Both do the same float operations in the same order, so they agree bitwise (checked by
tests/backend/test_updates.py); Keras' golden numbers hold for either.

The Keras optimizers call these from their `update_step`; a compiler of whole traced steps
can call them directly.
"""

from __future__ import annotations

import numpy

from . import native, xp

_NATIVE_DTYPES = (numpy.dtype("float32"), numpy.dtype("float64"))
# While set (see `capturing`), each update hands its arguments to this function instead of
# running: how a compiler of whole steps learns which kernel and scalars a step uses.
_capture = None


def _flat(a):
    return a.reshape(-1)


def _native(arrays, dtype):
    """The kernel module when every array can be handed to it, else None.

    The written arrays must be C-contiguous (their flat views are then the arrays
    themselves); the gradient may be copied into a contiguous array first."""
    if xp is not numpy or dtype not in _NATIVE_DTYPES:
        return None
    module = native.kernels("optim")
    if module is None:
        return None
    for a in arrays:
        if a is not None and (a.dtype != dtype or not a.flags.c_contiguous):
            return None
    return module


def _gradient(g, dtype):
    return numpy.ascontiguousarray(g, dtype=dtype).reshape(-1)


def _params(dtype, *scalars):
    return numpy.array(scalars, dtype=dtype)


def _at_least_1d(*arrays):
    # NumPy arithmetic on 0-d arrays returns scalars, which `out=` cannot write into.
    return [a.reshape(1) if a is not None and a.ndim == 0 else a for a in arrays]


def sgd(var, grad, lr, momentum_slot=None, momentum=None, nesterov=False):
    """`var -= grad * lr`; with a momentum slot `m = m * momentum - grad * lr` first, then
    `var += m` (or, nesterov, `var += m * momentum - grad * lr`)."""
    if _capture is not None:  # a compiler asking what this update would run
        return _capture("sgd", locals())
    k = _native((var, momentum_slot), var.dtype)
    if k is not None:
        g = _gradient(grad, var.dtype)
        if momentum_slot is None:
            k.sgd(_flat(var), g, _params(var.dtype, lr))
        else:
            p = _params(var.dtype, lr, momentum)
            k.sgd_momentum(_flat(var), g, _flat(momentum_slot), p, bool(nesterov))
        return
    var, grad, m = _at_least_1d(var, grad, momentum_slot)
    if m is None:
        var -= grad * lr
        return
    m *= momentum
    m -= grad * lr
    if nesterov:
        var += m * momentum - grad * lr
    else:
        var += m


def rmsprop(var, grad, velocity, lr, rho, one_minus_rho, epsilon, average=None,
            momentum_slot=None, momentum=None):  # fmt: skip
    """RMSprop: `velocity = velocity * rho + (1 - rho) * grad**2`, then
    `var -= lr * grad / sqrt(velocity + epsilon)`; `average` (centered) subtracts the squared
    moving mean of grad under the root, `momentum_slot` accumulates the increments."""
    if _capture is not None:  # a compiler asking what this update would run
        return _capture("rmsprop", locals())
    k = _native((var, velocity, average, momentum_slot), var.dtype)
    if k is not None:
        v = _flat(velocity)
        p = _params(var.dtype, lr, rho, one_minus_rho, epsilon, momentum or 0)
        k.rmsprop(
            _flat(var),
            _gradient(grad, var.dtype),
            v,
            v if average is None else _flat(average),
            v if momentum_slot is None else _flat(momentum_slot),
            p,
            average is not None,
            momentum_slot is not None,
        )
        return
    var, grad, velocity, average, momentum_slot = _at_least_1d(
        var, grad, velocity, average, momentum_slot
    )
    velocity *= rho
    velocity += one_minus_rho * (grad * grad)
    if average is not None:
        average *= rho
        average += one_minus_rho * grad
        denominator = velocity - average * average + epsilon
    else:
        denominator = velocity + epsilon
    increment = lr * grad
    increment /= xp.sqrt(denominator, out=denominator)
    if momentum_slot is not None:
        momentum_slot *= momentum
        momentum_slot += increment
        var -= momentum_slot
    else:
        var -= increment


def adagrad(var, grad, accumulator, lr, epsilon):
    """`accumulator += grad**2; var -= lr * grad / sqrt(accumulator + epsilon)`."""
    if _capture is not None:  # a compiler asking what this update would run
        return _capture("adagrad", locals())
    k = _native((var, accumulator), var.dtype)
    if k is not None:
        p = _params(var.dtype, lr, epsilon)
        k.adagrad(_flat(var), _gradient(grad, var.dtype), _flat(accumulator), p)
        return
    var, grad, accumulator = _at_least_1d(var, grad, accumulator)
    accumulator += grad * grad
    var -= lr * grad / xp.sqrt(accumulator + epsilon)


def adadelta(var, grad, acc_grad, acc_delta, lr, rho, one_minus_rho, epsilon):
    """Adadelta: `delta = -sqrt(acc_delta + eps) * grad / sqrt(acc_grad + eps)` with the
    decayed `acc_grad`, then `acc_delta` decays toward delta**2 and `var += lr * delta`."""
    if _capture is not None:  # a compiler asking what this update would run
        return _capture("adadelta", locals())
    k = _native((var, acc_grad, acc_delta), var.dtype)
    if k is not None:
        p = _params(var.dtype, lr, rho, one_minus_rho, epsilon)
        g = _gradient(grad, var.dtype)
        k.adadelta(_flat(var), g, _flat(acc_grad), _flat(acc_delta), p)
        return
    var, grad, acc_grad, acc_delta = _at_least_1d(var, grad, acc_grad, acc_delta)
    acc_grad *= rho
    acc_grad += one_minus_rho * (grad * grad)
    delta = xp.sqrt(acc_delta + epsilon) * grad
    delta /= xp.sqrt(acc_grad + epsilon)
    xp.negative(delta, out=delta)
    acc_delta *= rho
    acc_delta += one_minus_rho * (delta * delta)
    delta *= lr
    var += delta


def adam(var, grad, m, v, alpha, one_minus_beta_1, one_minus_beta_2, epsilon, v_hat=None):
    """Adam with Keras' epsilon placement: `m += (g - m) * (1 - beta_1)`,
    `v += (g*g - v) * (1 - beta_2)`, `var -= m * alpha / (sqrt(v) + epsilon)`; with `v_hat`
    (amsgrad) its running maximum of v replaces v in the root."""
    if _capture is not None:  # a compiler asking what this update would run
        return _capture("adam", locals())
    k = _native((var, m, v, v_hat), var.dtype)
    if k is not None:
        p = _params(var.dtype, alpha, one_minus_beta_1, one_minus_beta_2, epsilon)
        mv = _flat(m)
        k.adam(
            _flat(var),
            _gradient(grad, var.dtype),
            mv,
            _flat(v),
            mv if v_hat is None else _flat(v_hat),
            p,
            v_hat is not None,
        )
        return
    var, grad, m, v, v_hat = _at_least_1d(var, grad, m, v, v_hat)
    scratch = grad - m
    scratch *= one_minus_beta_1
    m += scratch
    xp.multiply(grad, grad, out=scratch)
    scratch -= v
    scratch *= one_minus_beta_2
    v += scratch
    if v_hat is not None:
        xp.maximum(v_hat, v, out=v_hat)
        v = v_hat
    xp.sqrt(v, out=scratch)
    scratch += epsilon
    step = m * alpha
    step /= scratch
    var -= step


def adamax(var, grad, m, u, lr, one_minus_beta_1, beta_2, epsilon, bias_correction):
    """Adamax: `m += (g - m) * (1 - beta_1)`, `u = max(u * beta_2, |g|)`,
    `var -= lr * m / (bias_correction * (u + epsilon))`, bias_correction = 1 - beta_1**t."""
    if _capture is not None:  # a compiler asking what this update would run
        return _capture("adamax", locals())
    k = _native((var, m, u), var.dtype)
    if k is not None:
        p = _params(var.dtype, lr, one_minus_beta_1, beta_2, epsilon, bias_correction)
        k.adamax(_flat(var), _gradient(grad, var.dtype), _flat(m), _flat(u), p)
        return
    var, grad, m, u = _at_least_1d(var, grad, m, u)
    m += (grad - m) * one_minus_beta_1
    u *= beta_2
    xp.maximum(u, xp.abs(grad), out=u)
    step = lr * m
    step /= bias_correction * (u + epsilon)
    var -= step


def nadam(var, grad, m, v, lr, one_minus_beta_1, one_minus_beta_2, u_t_1,
          one_minus_u_product_t_1, one_minus_u_t, one_minus_u_product_t,
          one_minus_beta_2_power, epsilon):  # fmt: skip
    """Nadam (Keras 3): Adam's moments, then
    `m_hat = u_t_1 * m / (1 - u_product_t_1) + (1 - u_t) * g / (1 - u_product_t)` and
    `var -= lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)`."""
    if _capture is not None:  # a compiler asking what this update would run
        return _capture("nadam", locals())
    k = _native((var, m, v), var.dtype)
    if k is not None:
        p = _params(
            var.dtype,
            lr,
            one_minus_beta_1,
            one_minus_beta_2,
            u_t_1,
            one_minus_u_product_t_1,
            one_minus_u_t,
            one_minus_u_product_t,
            one_minus_beta_2_power,
            epsilon,
        )
        k.nadam(_flat(var), _gradient(grad, var.dtype), _flat(m), _flat(v), p)
        return
    var, grad, m, v = _at_least_1d(var, grad, m, v)
    m += (grad - m) * one_minus_beta_1
    v += (grad * grad - v) * one_minus_beta_2
    m_hat = u_t_1 * m
    m_hat /= one_minus_u_product_t_1
    m_hat += one_minus_u_t * grad / one_minus_u_product_t
    denominator = v / one_minus_beta_2_power
    xp.sqrt(denominator, out=denominator)
    denominator += epsilon
    m_hat *= lr
    m_hat /= denominator
    var -= m_hat


def lion(var, grad, m, lr, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2):
    """Lion: `var -= lr * sign(m * beta_1 + g * (1 - beta_1))`, then
    `m = m * beta_2 + g * (1 - beta_2)`."""
    if _capture is not None:  # a compiler asking what this update would run
        return _capture("lion", locals())
    k = _native((var, m), var.dtype)
    if k is not None:
        p = _params(var.dtype, lr, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2)
        k.lion(_flat(var), _gradient(grad, var.dtype), _flat(m), p)
        return
    var, grad, m = _at_least_1d(var, grad, m)
    direction = m * beta_1
    direction += grad * one_minus_beta_1
    xp.sign(direction, out=direction)
    direction *= lr
    var -= direction
    m *= beta_2
    m += grad * one_minus_beta_2


# ---- what a compiled step calls -------------------------------------------------------------

# Per update: the arrays of its native kernel's call in order (an "a|b" entry passes `b`
# when `a` is None: the kernel ignores it then), its scalars in the order of `p`, and its
# flags. Mirrors the native branch of each function above.
_NATIVE_CALLS = {
    "rmsprop": (
        "rmsprop",
        ("var", "grad", "velocity", "average|velocity", "momentum_slot|velocity"),
        ("lr", "rho", "one_minus_rho", "epsilon", "momentum|0"),
        ("average", "momentum_slot"),
    ),
    "adagrad": ("adagrad", ("var", "grad", "accumulator"), ("lr", "epsilon"), ()),
    "adadelta": (
        "adadelta",
        ("var", "grad", "acc_grad", "acc_delta"),
        ("lr", "rho", "one_minus_rho", "epsilon"),
        (),
    ),
    "adam": (
        "adam",
        ("var", "grad", "m", "v", "v_hat|m"),
        ("alpha", "one_minus_beta_1", "one_minus_beta_2", "epsilon"),
        ("v_hat",),
    ),
    "adamax": (
        "adamax",
        ("var", "grad", "m", "u"),
        ("lr", "one_minus_beta_1", "beta_2", "epsilon", "bias_correction"),
        (),
    ),
    "nadam": (
        "nadam",
        ("var", "grad", "m", "v"),
        (
            "lr",
            "one_minus_beta_1",
            "one_minus_beta_2",
            "u_t_1",
            "one_minus_u_product_t_1",
            "one_minus_u_t",
            "one_minus_u_product_t",
            "one_minus_beta_2_power",
            "epsilon",
        ),
        (),
    ),  # fmt: skip
    "lion": (
        "lion",
        ("var", "grad", "m"),
        ("lr", "beta_1", "one_minus_beta_1", "beta_2", "one_minus_beta_2"),
        (),
    ),
}


def native_call(update: str, args: dict):
    """How the native branch of `update` (called with `args`) calls its kernel:
    (kernel name in `native/optim.py`, argument names of its arrays in order, its scalars
    in the order of `p`, its flags). A flag named after an argument is whether that
    argument was given."""
    if update == "sgd":
        if args["momentum_slot"] is None:
            return "sgd", ("var", "grad"), (args["lr"],), ()
        return (
            "sgd_momentum",
            ("var", "grad", "momentum_slot"),
            (args["lr"], args["momentum"]),
            (bool(args["nesterov"]),),
        )
    kernel, arrays, scalars, flags = _NATIVE_CALLS[update]
    names = []
    for entry in arrays:
        first, _, other = entry.partition("|")
        names.append(first if args[first] is not None or not other else other)
    values = []
    for entry in scalars:
        first, _, default = entry.partition("|")
        values.append(args[first] if args[first] is not None else int(default))
    return kernel, tuple(names), tuple(values), tuple(args[f] is not None for f in flags)


class capturing:
    """`with capturing() as calls:` updates called inside record `(name, args)` in `calls`
    and compute nothing."""

    def __enter__(self):
        global _capture
        self.calls = []
        self._previous = _capture
        _capture = lambda name, args: self.calls.append((name, args))  # noqa: E731
        return self.calls

    def __exit__(self, *exc):
        global _capture
        _capture = self._previous
