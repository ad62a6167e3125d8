"""`tf.vectorized_map` and `tapeflow.func.vmap`: a function of one example, run on a batch.

The function runs once, eagerly, on the first example with a recorder attached
(`_trace.py`): that gives the ops it applies, GradientTape backward passes included. The
recorded ops are then replayed on the whole batch, each through its batching rule
(`ops/batching.py`): an op that reads no batched value runs once, as recorded; the others
run once on the stacked examples. The replay goes through the dispatcher, so tapes,
accumulators and tf.function traces around the call see ordinary ops.

When the recorded run cannot stand for the other examples (Python control flow on an
example's values, variable writes, host callbacks) the function runs once per example
instead (TF's `fallback_to_while_loop`); an op with no rule runs once per example on its
own. With `fallback_to_while_loop=False` both are errors.
"""

from __future__ import annotations

import warnings

from ..core import backward as backward_module
from ..core import nest
from ..core.indexed_slices import IndexedSlices
from ..core.registry import execute, get_op
from ..core.tape import paused
from ..core.tensor import Operand, convert_to_tensor, wrap
from ._trace import SHAPE_ONLY, Recorder, recording

_warned = set()


class _Fallback(Exception):
    pass


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """`tf.vectorized_map`: `fn` applied to each slice `elems[i]`, as one vectorised pass.

    Args:
        fn: a function of one example (a structure like `elems`, leading axis removed).
        elems: a Tensor or nested structure of Tensors with the same leading dimension.
        fallback_to_while_loop: run what cannot be vectorised once per example (else it is
            an error).
        warn: say (once per reason) when something runs once per example.

    Returns:
        `fn`'s results for every example, stacked on a new leading axis.
    """
    flat = [convert_to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("vectorized_map: elems must hold at least one Tensor")
    sizes = {int(e._value.shape[0]) if e._value.ndim else None for e in flat}
    if None in sizes:
        raise ValueError("vectorized_map: every element of elems needs a leading dimension")
    if len(sizes) != 1:
        raise ValueError(
            f"vectorized_map: the elements of elems have different leading dimensions "
            f"{sorted(sizes)}; they must all be the batch size"
        )
    (size,) = sizes

    def call(*examples):
        return fn(nest.pack_sequence_as(elems, list(examples)))

    return batched_call(call, flat, [True] * len(flat), size, fallback_to_while_loop, warn)


def batched_call(fn, args, batched, size, fallback=True, warn=True):
    """`fn(*args)` for every example: batched args carry the examples on axis 0."""
    if size == 0:
        return _empty(fn, args, batched)
    # A slice, not `[0]`: an array of the backend's type even for rank 0 (CuPy, NumPy).
    examples = [
        wrap(a._value[:1].reshape(a._value.shape[1:])) if b else a for a, b in zip(args, batched)
    ]
    recorder = Recorder()
    for k, (e, b) in enumerate(zip(examples, batched)):
        recorder.add_input(e, k, b)
    with paused(), recording(recorder):
        result = fn(*examples)
        leaves = [_dense(x) for x in nest.flatten(result)]
    if recorder.problem is not None:
        return _per_example(fn, args, batched, size, recorder.problem, fallback, warn)
    try:
        outputs = _replay(recorder, leaves, args, batched, size, fallback, warn)
    except _Fallback as e:
        return _per_example(fn, args, batched, size, str(e), fallback, warn)
    return _pack(result, outputs)


def _vectorized_rows(fn, seeds, n):
    """For the tape's jacobians: fn(seed) for each of the n seeds, in one batched pass."""
    return batched_call(fn, [wrap(seeds)], [True], n, fallback=True, warn=False)


backward_module.set_vectorizer(_vectorized_rows)


def _dense(x):
    if isinstance(x, IndexedSlices):
        return convert_to_tensor(x)
    if isinstance(x, Operand) and x._is_variable:
        return get_op("Identity")(x)
    return x


def _pack(result, outputs):
    if not nest.is_nested(result):
        return outputs[0]
    return nest.pack_sequence_as(result, outputs)


def _replay(recorder, leaves, args, batched, size, fallback, warn):
    from ..ops.batching import RANDOM_SHAPED  # the rules load on the first vmap

    env = {("in", k): (a, b) for k, (a, b) in enumerate(zip(args, batched))}
    equations = _live(recorder, leaves)

    def value(ref):
        if ref[0] in ("var", "const"):
            return recorder.objects[ref[1]], False
        return env[ref]

    for eq in equations:
        op = eq.op
        pairs = [value(r) for r in eq.inputs]
        ins = [v for v, _ in pairs]
        flags = [b for _, b in pairs]
        if eq.op is None:  # a numeric check (anomaly mode): it works on any shape
            eq.attrs["check"](ins[0]._value)
            continue
        if not any(flags) and op.name not in RANDOM_SHAPED:
            out = execute(op, tuple(ins), eq.attrs)
            outs, out_batched = (out if op.multiple_outputs else (out,)), False
        elif op.name in SHAPE_ONLY:
            outs, out_batched = (_shape_only(op, ins[0], eq.attrs),), False
        else:
            outs, out_batched = _batched_op(op, ins, flags, size, eq.attrs, fallback, warn), True
        for ref, o in zip(eq.outputs, outs):
            env[ref] = (o, out_batched)
    results = []
    for leaf in leaves:
        if not isinstance(leaf, Operand):
            results.append(leaf)
            continue
        v, b = value(recorder.ref(leaf))
        if not b:
            v = get_op("BroadcastTo")(v, shape=(size,) + tuple(v._value.shape))
        results.append(v)
    return results


def _batched_op(op, ins, flags, size, attrs, fallback, warn):
    from ..ops.batching import RULES, loop

    rule = RULES.get(op.name)
    if rule is None:
        if op.stateful:
            raise _Fallback(f"{op.name} is stateful and has no batching rule")
        if not fallback:
            raise ValueError(
                f"vectorized_map: no vectorization rule for op {op.name} and "
                f"fallback_to_while_loop=False"
            )
        _warn(warn, f"op {op.name} has no batching rule: it runs once per example")
        out = loop(op, ins, flags, size, **attrs)
    else:
        out = rule(op, ins, flags, size, **attrs)
    return out if op.multiple_outputs else (out,)


def _shape_only(op, x, attrs):
    shape = tuple(x._value.shape)[1:]
    dtype = attrs.get("out_type", "int32")
    if op.name == "Shape":
        return convert_to_tensor(list(shape), dtype=dtype)
    if op.name == "Size":
        n = 1
        for d in shape:
            n *= d
        return convert_to_tensor(n, dtype=dtype)
    return convert_to_tensor(len(shape), dtype="int32")


def _live(recorder, leaves):
    """The equations the outputs need, and every stateful one (checks, draws, prints)."""
    needed = {recorder.ref(x) for x in leaves if isinstance(x, Operand)}
    kept = []
    for eq in reversed(recorder.equations):
        if (eq.op is None or eq.op.stateful) or any(r in needed for r in eq.outputs):
            kept.append(eq)
            needed.update(eq.inputs)
    kept.reverse()
    return kept


def _per_example(fn, args, batched, size, reason, fallback, warn):
    if not fallback:
        raise ValueError(
            f"vectorized_map: cannot vectorize this function ({reason}) and "
            f"fallback_to_while_loop=False"
        )
    _warn(warn, f"{reason}; the function runs once per example")
    unstack = get_op("Unpack")
    parts = [unstack(a, num=size, axis=0) if b else None for a, b in zip(args, batched)]
    results = []
    first = None
    for i in range(size):
        example = [p[i] if p is not None else a for a, p in zip(args, parts)]
        out = fn(*example)
        first = out if first is None else first
        results.append([_dense(x) for x in nest.flatten(out)])
    pack = get_op("Pack")
    stacked = [
        pack(*[convert_to_tensor(r[k]) for r in results], axis=0) for k in range(len(results[0]))
    ]
    return _pack(first, stacked)


def _empty(fn, args, batched):
    """A batch of no examples: the outputs' shapes come from a run on zeros."""
    from ..backend import xp

    zeros = [
        wrap(xp.zeros(tuple(a._value.shape[1:]), a._value.dtype)) if b else a
        for a, b in zip(args, batched)
    ]
    with paused():
        result = fn(*zeros)
    leaves = [_dense(x) for x in nest.flatten(result)]
    outs = [
        wrap(xp.zeros((0,) + tuple(x._value.shape), x._value.dtype))
        if isinstance(x, Operand)
        else x
        for x in leaves
    ]
    return _pack(result, outs)


def _warn(warn, reason):
    if warn and reason not in _warned:
        _warned.add(reason)
        warnings.warn(f"vectorized_map: {reason}", stacklevel=4)
