"""Checks an op's vjp against central finite differences along random directions.

Used by the generic test over the whole registry (`tests/ops/test_gradcheck.py`): for a
sample of an op, build float64 inputs, pick a random cotangent u for the outputs and a
random direction v for the inputs, and compare <grad <u, f(x)>, v> with the central
difference of <u, f(x)> along v. The second-order check does the same for the gradient
itself, through nested tapes.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core.indexed_slices import IndexedSlices
from ..core.registry import Op, Sample
from ..core.tape import GradientTape
from ..core.tensor import convert_to_tensor
from ..core.tensor import wrap as _wrap_array

DEFAULT_DOMAIN = (-2.0, 2.0)


def wrap(a):
    """A Tensor of a sample's host (NumPy) array, on the backend's device."""
    return _wrap_array(xp.asarray(a) if isinstance(a, np.ndarray) and a.dtype != object else a)


def sample_inputs(op: Op, sample: Sample, rng) -> list:
    """The concrete input arrays of one sample (float64 for the random ones)."""
    lo, hi = op.domain or DEFAULT_DOMAIN
    args = []
    for a in sample.args:
        if isinstance(a, tuple):
            args.append(rng.uniform(lo, hi, size=a).astype(np.float64))
        elif callable(a):
            args.append(np.asarray(a(rng)))
        else:
            args.append(np.asarray(a))
    return args


def differentiable_positions(sample: Sample, args) -> list:
    if sample.wrt is not None:
        return list(sample.wrt)
    return [i for i, a in enumerate(args) if a.dtype.kind == "f"]


def _outputs(op, tensors, attrs):
    out = op(*tensors, **attrs)
    return out if isinstance(out, tuple) else (out,)


def _dense(g):
    if isinstance(g, IndexedSlices):
        g = convert_to_tensor(g)
    return g


def _inner(tensors, arrays):
    """sum_i <t_i, a_i> as a tapeflow scalar (float outputs only)."""
    from ..ops.reduce import reduce_sum

    total = None
    for t, a in zip(tensors, arrays):
        if a is None:
            continue
        term = reduce_sum(t * wrap(a))
        total = term if total is None else total + term
    return total


def _cotangents(outputs, rng):
    return [rng.standard_normal(o.shape) if o.dtype.is_floating else None for o in outputs]


def first_order(op: Op, sample: Sample, rng, eps=1e-6):
    """(analytic, numeric) directional derivatives of <u, op(x)> along a random v."""
    args = sample_inputs(op, sample, rng)
    wrt = differentiable_positions(sample, args)
    attrs = sample.attrs
    probe = _outputs(op, [wrap(a) for a in args], attrs)
    us = _cotangents(probe, rng)
    vs = {i: rng.standard_normal(args[i].shape) for i in wrt}

    tensors = [wrap(a) for a in args]
    with GradientTape() as tape:
        tape._explain = False  # an input with no gradient is a case to check, not news
        for i in wrt:
            tape.watch(tensors[i])
        scalar = _inner(_outputs(op, tensors, attrs), us)
    grads = tape.gradient(scalar, [tensors[i] for i in wrt])
    analytic = sum(
        float(np.sum(_dense(g).numpy() * vs[i])) for i, g in zip(wrt, grads) if g is not None
    )

    def phi(step):
        shifted = [a + step * vs[i] if i in vs else a for i, a in enumerate(args)]
        outs = _outputs(op, [wrap(a) for a in shifted], attrs)
        return sum(float(np.sum(o.numpy() * u)) for o, u in zip(outs, us) if u is not None)

    numeric = (phi(eps) - phi(-eps)) / (2 * eps)
    return analytic, numeric


def second_order(op: Op, sample: Sample, rng, eps=1e-5):
    """(analytic, numeric) derivative along v of <w, grad <u, op(x)>>, via nested tapes."""
    args = sample_inputs(op, sample, rng)
    wrt = differentiable_positions(sample, args)
    attrs = sample.attrs
    probe = _outputs(op, [wrap(a) for a in args], attrs)
    us = _cotangents(probe, rng)
    ws = {i: rng.standard_normal(args[i].shape) for i in wrt}
    vs = {i: rng.standard_normal(args[i].shape) for i in wrt}

    def psi(arrays, outer=None):
        tensors = [wrap(a) for a in arrays]
        if outer is not None:
            for i in wrt:
                outer.watch(tensors[i])
        with GradientTape() as inner:
            inner._explain = False
            for i in wrt:
                inner.watch(tensors[i])
            scalar = _inner(_outputs(op, tensors, attrs), us)
        grads = inner.gradient(scalar, [tensors[i] for i in wrt])
        dense = [_dense(g) for g in grads]
        return _inner(
            [g for g in dense if g is not None],
            [ws[i] for i, g in zip(wrt, dense) if g is not None],
        ), tensors

    with GradientTape() as outer:
        outer._explain = False
        value, tensors = psi(args, outer)
    if value is None:
        return 0.0, 0.0
    grads = outer.gradient(value, [tensors[i] for i in wrt])
    analytic = sum(
        float(np.sum(_dense(g).numpy() * vs[i])) for i, g in zip(wrt, grads) if g is not None
    )

    def at(step):
        shifted = [a + step * vs[i] if i in vs else a for i, a in enumerate(args)]
        v, _ = psi(shifted)
        return 0.0 if v is None else float(v.numpy())

    numeric = (at(eps) - at(-eps)) / (2 * eps)
    return analytic, numeric


def batched_jacobian_matches(op: Op, sample: Sample, rng) -> tuple:
    """(vectorised, row-by-row) jacobians of a batchable op's first output."""
    args = sample_inputs(op, sample, rng)
    wrt = differentiable_positions(sample, args)
    tensors = [wrap(a) for a in args]
    sources = [tensors[i] for i in wrt]
    with GradientTape(persistent=True) as tape:
        tape.watch(sources)
        out = _outputs(op, tensors, sample.attrs)[0]
    fast = tape.jacobian(out, sources, unconnected_gradients="zero")
    rows = []
    n = int(np.prod(out.shape.as_list()))
    for k in range(n):
        seed = np.zeros(n)
        seed[k] = 1
        seed = wrap(seed.reshape(out.shape.as_list()).astype(out.dtype.as_numpy_dtype))
        g = tape.gradient(out, sources, output_gradients=seed, unconnected_gradients="zero")
        rows.append([_dense(x).numpy() for x in g])
    slow = [np.stack([r[j] for r in rows]).reshape(f.shape) for j, f in enumerate(fast)]
    return [f.numpy() for f in fast], slow


def sample_step(op: Op, sample: Sample, rng):
    """`(first_inputs, step)` for comparing a compiled plan of `op` with eager execution:
    `step(*tensors)` runs `op` on `sample`'s attributes under a tape and returns its outputs
    and the gradients of a random projection of them (fixed by `rng` on `first_inputs`)."""
    from ..ops.reduce import reduce_sum

    first = sample_inputs(op, sample, rng)
    wrt = differentiable_positions(sample, first)
    probe = op(*[convert_to_tensor(a) for a in first], **sample.attrs)
    probe = probe if isinstance(probe, tuple) else (probe,)
    cotangents = [
        convert_to_tensor(rng.standard_normal(p.shape).astype(p.dtype.as_numpy_dtype))
        if p.dtype.is_floating
        else None
        for p in probe
    ]

    def step(*xs):
        with GradientTape() as tape:
            for i in wrt:
                tape.watch(xs[i])
            outs = op(*xs, **sample.attrs)
            outs = outs if isinstance(outs, tuple) else (outs,)
            scalar = None
            for o, u in zip(outs, cotangents):
                if u is not None:
                    term = reduce_sum(o * u)
                    scalar = term if scalar is None else scalar + term
        grads = []
        if op.differentiable and scalar is not None and wrt:
            grads = tape.gradient(scalar, [xs[i] for i in wrt])
        return list(outs), list(grads)

    return first, step
