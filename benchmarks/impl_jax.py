"""JAX: the whole training step (forward, loss, gradient, update) under one `jax.jit`.

The update comes from optax when it is installed, else from the hand-written functions
below (the same formulas as Keras). Parameters and optimizer state are donated to the step,
as a JAX user would; timing waits on the last loss (JAX dispatches asynchronously).
"""

from __future__ import annotations

import numpy as np

from .timing import Step
from .workloads import Workload

# Keras' defaults, which the other implementations use too.
RMS_RHO, EPSILON, BETA_1, BETA_2 = 0.9, 1e-7, 0.9, 0.999


def _hand_optimizer(jnp, kind: str, lr: float):
    """(init, update) of an optimizer written out, for when optax is missing."""

    def init(params):
        zeros = [jnp.zeros_like(p) for p in params]
        if kind == "adam":
            return (jnp.zeros((), jnp.float32), zeros, [jnp.zeros_like(p) for p in params])
        return zeros if kind == "rmsprop" else ()

    def update(grads, state, params):
        if kind == "sgd":
            return [p - lr * g for p, g in zip(params, grads)], state
        if kind == "rmsprop":
            vs = [RMS_RHO * v + (1 - RMS_RHO) * g * g for v, g in zip(state, grads)]
            new = [p - lr * g / jnp.sqrt(v + EPSILON) for p, g, v in zip(params, grads, vs)]
            return new, vs
        t, ms, vs = state
        t = t + 1
        alpha = lr * jnp.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
        ms = [m + (g - m) * (1 - BETA_1) for m, g in zip(ms, grads)]
        vs = [v + (g * g - v) * (1 - BETA_2) for v, g in zip(vs, grads)]
        new = [p - alpha * m / (jnp.sqrt(v) + EPSILON) for p, m, v in zip(params, ms, vs)]
        return new, (t, ms, vs)

    return init, update


def _optimizer(jnp, kind: str, lr: float):
    try:
        import optax
    except ImportError:
        return (*_hand_optimizer(jnp, kind, lr), "hand-written update")
    if kind == "sgd":
        tx = optax.sgd(lr)
    elif kind == "rmsprop":
        tx = optax.rmsprop(lr, decay=RMS_RHO, eps=EPSILON)  # eps inside the sqrt, as Keras
    else:
        tx = optax.adam(lr, b1=BETA_1, b2=BETA_2, eps=EPSILON)

    def update(grads, state, params):
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return tx.init, update, "optax"


def build(jax, w: Workload) -> Step:
    """Workload `w` as one jitted JAX step."""
    jnp = jax.numpy
    lr = w.lr

    def mlp(params, h):
        h = h.reshape(h.shape[0], -1)
        n = len(params) // 2
        for i in range(n):
            h = h @ params[2 * i] + params[2 * i + 1]
            if i < n - 1:
                h = jax.nn.relu(h)
        return h

    def cnn(params, x):
        kernel, bias, *dense = params
        dn = ("NHWC", "HWIO", "NHWC")
        h = jax.lax.conv_general_dilated(x, kernel, (1, 1), "VALID", dimension_numbers=dn)
        h = jax.nn.relu(h + bias)
        return mlp(dense, h)  # flattens, then Dense layers with relu between them

    def sparse_xent(logits, labels):
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    if w.name == "W1":

        def loss_fn(params, x, y):
            W, b = params
            return jnp.mean(jnp.square(W * x + b - y))

        kind = "assign_sub"
    elif w.name == "W2":

        def loss_fn(params, x, y):
            z = mlp(params, x)
            return jnp.mean(jax.nn.relu(z) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))

        kind = "rmsprop"
    elif w.name == "W3":
        kind = "adam"

        def loss_fn(params, x, y):
            return sparse_xent(mlp(params, x), y)

    elif w.name in ("W4", "W6"):
        kind = "adam"

        def loss_fn(params, x, y):
            return sparse_xent(cnn(params, x), y)

    elif w.name == "W5":
        kind = "sgd"

        def loss_fn(params, x, y):
            return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(mlp(params, x)), axis=1))

    else:
        raise ValueError(f"no JAX model for workload {w.name}")

    if kind == "assign_sub":
        init, update, source = (
            lambda params: (),
            lambda grads, state, params: ([p - lr * g for p, g in zip(params, grads)], state),
            "",
        )
    else:
        init, update, source = _optimizer(jnp, kind, lr)

    def train_step(params, state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        params, state = update(grads, state, params)
        return params, state, loss

    jitted = jax.jit(train_step, donate_argnums=(0, 1))
    params = [jnp.asarray(p) for p in w.weights]
    carry = [params, init(params)]
    batches = [
        (jnp.asarray(x), jnp.asarray(y.astype(np.int32) if y.dtype == np.int64 else y))
        for x, y in w.batches
    ]

    def step(x, y):
        carry[0], carry[1], loss = jitted(carry[0], carry[1], x, y)
        return loss

    return Step(step, batches, sync=lambda loss: loss.block_until_ready(), note=source)
