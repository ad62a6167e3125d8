"""The backward pass of a GradientTape: walks recorded entries in reverse, sums contributions.

Broadcasting is undone here, once, by summing each input gradient to the input's shape; a
vjp never does it. `batch_dims=1` runs many seeds at once (jacobians).
"""

from __future__ import annotations

import warnings

from ..backend import fused, xp
from .context import state
from .dtypes import is_float_array
from .indexed_slices import IndexedSlices
from .registry import get_op
from .tensor import Tensor, _next_id, convert_to_tensor, wrap


def _is_float(x) -> bool:
    return is_float_array(x._value.dtype)


def backward(entries, targets, seeds, sources, tracked, batch_dims: int = 0, on_ready=None):
    """Gradients of the targets w.r.t. the sources (None where unconnected).

    `seeds` holds one upstream gradient per target (None means ones). `tracked` is the
    tape's set of watched and recorded ids: a source outside it was never watched, so its
    gradient is None even if a recorded op read it. With `batch_dims=1` every seed and
    gradient carries one extra leading dimension.

    This loop runs once per training step over every recorded op, so it is written for
    speed: plain loops, a gradient slot holds one Tensor until a second contribution
    arrives, and shapes are compared before anything is unbroadcast.

    `on_ready(k, gradient)`, when given, is called for each source k as soon as no entry
    left to walk can add to its gradient (after its earliest reader), and at the end for
    the sources that get no gradient.
    """
    source_ids = {s._id for s in sources if s._id in tracked and is_float_array(s._value.dtype)}
    tracer = state.tracer
    # Nothing records this pass (no outer tape, tracer, vmap recorder or numeric check), so
    # no op of it needs to be seen: vjps with array formulas run on arrays, and broadcasting
    # is undone and contributions are summed on arrays, with no op dispatched.
    direct = not batch_dims and not state.recording
    grads = {}  # id -> a Tensor / IndexedSlices, or a list of them once several arrive
    for t, seed in zip(targets, seeds):
        if not _is_float(t):
            warnings.warn(
                f"The dtype of the target tensor must be floating (e.g. tf.float32) "
                f"when calling GradientTape.gradient, got {t.dtype!r}",
                stacklevel=3,
            )
            continue
        if seed is None:
            # Traced, an op: a trace serving every size of a None dimension holds no shape.
            if tracer is not None:
                seed = get_op("OnesLike")(t)
            elif t._value.ndim == 0:  # a scalar loss: np.ones_like's wrapper costs more
                seed = wrap(xp.asarray(1, dtype=t._value.dtype))
            else:
                seed = wrap(xp.ones_like(t._value))
        _add_contribution(grads, t._id, seed)

    # Forward sweep: only entries that depend on a source can carry its gradient, and
    # only float outputs carry gradients on.
    reach = set(source_ids)
    relevant = []
    for entry in entries:
        for x in entry[1]:
            if x._id in reach:
                relevant.append(entry)
                for o in entry[3]:
                    dt = o._value.dtype
                    if dt.kind == "f" or is_float_array(dt):  # the common case first
                        reach.add(o._id)
                break

    ready_at = _ready_positions(relevant, sources, source_ids) if on_ready else {}
    for position in range(len(relevant) - 1, -1, -1):
        if position + 1 in ready_at:  # the entry just walked was the earliest reader
            _fire_ready(on_ready, ready_at.pop(position + 1), sources, grads, direct)
        op, inputs, attrs, outputs = relevant[position]
        if op.multiple_outputs:
            upstream = [_take(grads, o._id, source_ids, direct) for o in outputs]
            if all(g is None for g in upstream):
                continue
            g_in = tuple(
                g if g is not None else _zeros_for(o, upstream, batch_dims)
                for g, o in zip(upstream, outputs)
            )
            ans = outputs
        else:
            ans = outputs[0]
            g_in = _take(grads, ans._id, source_ids, direct)
            if g_in is None:
                continue
            # (An upstream gradient of another dtype, from a custom gradient, takes the ops'
            # route, whose dtype check reports it.)
            if (
                direct
                and op.array_vjp_fn is not None
                and type(g_in) is Tensor
                and g_in._value.dtype == ans._value.dtype
            ):
                _array_vjp(op, g_in, ans, inputs, attrs, reach, grads)
                continue
        if op.vjp_fn is None:
            raise LookupError(
                f"No gradient defined for operation '{op.name}'. If the gradient is not "
                f"needed there, wrap that op's inputs in tf.stop_gradient(...)."
            )
        if op.vjp_needs:
            needs = tuple(x._id in reach for x in inputs)
            input_grads = op.vjp_fn(g_in, ans, *inputs, needs=needs, **attrs)
        else:
            input_grads = op.vjp_fn(g_in, ans, *inputs, **attrs)
        if len(input_grads) != len(inputs):
            raise AssertionError(
                f"vjp of {op.name} returned {len(input_grads)} gradients for {len(inputs)} inputs"
            )
        for x, gx in zip(inputs, input_grads):
            if gx is None or x._id not in reach:
                continue
            if type(gx) is not IndexedSlices and gx._value.shape != x._value.shape:
                summed = _unbroadcast_array(gx._value, x._value.shape) if direct else None
                gx = _unbroadcast(gx, x, batch_dims) if summed is None else wrap(summed)
            if tracer is not None and type(gx) is not IndexedSlices:
                tracer.same_shape(gx, x, op.name)  # at every size (tapeflow/function)
            _add_contribution(grads, x._id, gx)

    if on_ready is not None:
        for ks in ready_at.values():  # position 0, and the sources no entry reads
            _fire_ready(on_ready, ks, sources, grads, direct)
    out = []
    for s in sources:
        g = grads.get(s._id)
        out.append(_accumulate(g, direct) if type(g) is list else g)
    return out


def _array_vjp(op, g_in, ans, inputs, attrs, reach, grads):
    """One entry of an unrecorded pass through the op's array vjp: its input gradients,
    summed to the inputs' shapes, are added to `grads` as Tensors."""
    n = len(inputs)
    if n == 1:
        values = (inputs[0]._value,)
    elif n == 2:
        values = (inputs[0]._value, inputs[1]._value)
    else:
        values = tuple([x._value for x in inputs])
    if op.vjp_needs:
        needs = tuple([x._id in reach for x in inputs])
        input_grads = op.array_vjp_fn(g_in._value, ans._value, *values, needs=needs, **attrs)
    else:
        input_grads = op.array_vjp_fn(g_in._value, ans._value, *values, **attrs)
    if len(input_grads) != n:
        raise AssertionError(
            f"array vjp of {op.name} returned {len(input_grads)} gradients for {n} inputs"
        )
    for x, gx, value in zip(inputs, input_grads, values):
        if gx is None or x._id not in reach:
            continue
        if gx.shape != value.shape:
            summed = _unbroadcast_array(gx, value.shape)
            if summed is None:
                _add_contribution(grads, x._id, _unbroadcast(wrap(gx), x, 0))
                continue
            gx = summed
        t = _new_tensor(Tensor)
        t._value = gx
        t._id = _next_id()
        _add_contribution(grads, x._id, t)


_new_tensor = Tensor.__new__


def _unbroadcast_array(g, shape):
    """`_unbroadcast` on arrays (the Sum and ReshapeLike ops' own array calls), or None for a
    gradient that does not broadcast to `shape`: the ops then raise their errors."""
    inner = g.shape
    lead = len(inner) - len(shape)
    if lead < 0:
        return None
    stretched = tuple(lead + i for i, d in enumerate(shape) if d == 1 and inner[lead + i] != 1)
    for i, d in enumerate(shape):
        if d != 1 and inner[lead + i] != d:
            return None
    if not stretched:
        if lead:  # a bias gradient: one native pass where Numba runs, same bits
            return fused.sum_leading(g, lead)
        return xp.add.reduce(g, (), g.dtype, None, False)
    g = xp.add.reduce(g, tuple(range(lead)) + stretched, g.dtype, None, True)
    return g if not lead else xp.reshape(g, shape)


def _ready_positions(relevant, sources, source_ids) -> dict:
    """position of the earliest entry reading each source -> the source indices read there
    (key -1: sources no relevant entry reads)."""
    first = {}
    for position, entry in enumerate(relevant):
        for x in entry[1]:
            if x._id in source_ids and x._id not in first:
                first[x._id] = position
    ready_at = {}
    for k, s in enumerate(sources):
        ready_at.setdefault(first.get(s._id, -1), []).append(k)
    return ready_at


def _fire_ready(on_ready, ks, sources, grads, direct=False):
    for k in ks:
        key = sources[k]._id
        g = grads.get(key)
        if type(g) is list:
            g = grads[key] = _accumulate(g, direct)
        on_ready(k, g)


def _add_contribution(grads: dict, key: int, g):
    held = grads.get(key)
    if held is None:
        grads[key] = g
    elif type(held) is list:
        held.append(g)
    else:
        grads[key] = [held, g]


def _take(grads: dict, key: int, source_ids: set, direct: bool = False):
    """The total upstream gradient of `key`, dense; a source's total stays for the result."""
    g = grads.get(key) if key in source_ids else grads.pop(key, None)
    if g is None:
        return None
    if type(g) is list:
        g = _accumulate(g, direct)
    if type(g) is IndexedSlices:
        g = convert_to_tensor(g)
    if key in source_ids:
        grads[key] = g
    return g


# `vectorize(fn, seeds, n)`: fn(seed) for each of n seeds, vectorised by `vmap`'s batching
# rules (installed by tapeflow.func, which sits above core), or None when it cannot.
_vectorize = None


def set_vectorizer(fn):
    global _vectorize
    _vectorize = fn


def batched_backward(entries, target, seeds, sources, tracked):
    """One backward pass over a batch of seeds: directly when every vjp involved takes a
    batched gradient, else through the ops' batching rules (vmap), else one pass per seed."""
    # A persistent tape inside its context records these passes: later rows need not walk
    # the backward ops that earlier rows appended.
    entries = list(entries)
    relevant_ops = _ops_between(entries, sources)
    if all(op.batchable for op in relevant_ops):
        return backward(entries, [target], [wrap(seeds)], sources, tracked, batch_dims=1)
    if _vectorize is not None and len(seeds):

        def one_row(seed):
            grads = backward(entries, [target], [seed], sources, tracked)
            return [None if g is None else to_dense(g) for g in grads]

        stacked = _vectorize(one_row, seeds, len(seeds))
        if stacked is not None:
            return stacked
    rows = [backward(entries, [target], [wrap(seed)], sources, tracked) for seed in seeds]
    stacked = []
    for k in range(len(sources)):
        parts = [row[k] for row in rows]
        if all(p is None for p in parts):
            stacked.append(None)
            continue
        s = sources[k]
        parts = [to_dense(p) if p is not None else wrap(xp.zeros_like(s._value)) for p in parts]
        stacked.append(get_op("Pack")(*parts, axis=0))
    return stacked


def _ops_between(entries, sources):
    reach = {s._id for s in sources}
    ops = set()
    for op, inputs, _, outputs in entries:
        if any(x._id in reach for x in inputs):
            ops.add(op)
            reach.update(o._id for o in outputs)
    return ops


def _zeros_for(output, upstream, batch_dims):
    if not _is_float(output):
        return None
    lead = ()
    if batch_dims:
        lead = next(tuple(g._value.shape[:batch_dims]) for g in upstream if g is not None)
    return wrap(xp.zeros(lead + tuple(output._value.shape), dtype=output._value.dtype))


def _accumulate(parts, direct: bool = False):
    """The sum of gradient contributions; IndexedSlices stay sparse when all parts are.

    `direct` (an unrecorded pass): dense parts of one dtype are summed on arrays, as the
    AddN op's forward does, without dispatching it."""
    if len(parts) == 1:
        return parts[0]
    if direct:
        first = parts[0]._value if type(parts[0]) is Tensor else None
        if first is not None and all(
            type(p) is Tensor and p._value.dtype == first.dtype for p in parts
        ):
            out = first + parts[1]._value
            for p in parts[2:]:
                out += p._value
            return wrap(out)
    if all(isinstance(p, IndexedSlices) for p in parts):
        concat = get_op("ConcatV2")
        return IndexedSlices(
            concat(*[p.values for p in parts], axis=0),
            concat(*[p.indices for p in parts], axis=0),
            parts[0].dense_shape,
        )
    return get_op("AddN")(*[to_dense(p) for p in parts])


def to_dense(g):
    if isinstance(g, IndexedSlices):
        return convert_to_tensor(g)
    return g


def _unbroadcast(g: Tensor, x: Tensor, batch_dims: int) -> Tensor:
    """Sums `g` down to x's shape (plus its leading batch dims): undoes broadcasting."""
    shape = tuple(x._value.shape)
    gshape = tuple(g._value.shape)
    inner = gshape[batch_dims:]
    if inner == shape:
        return g
    lead = len(inner) - len(shape)
    stretched = tuple(
        batch_dims + lead + i for i, d in enumerate(shape) if d == 1 and inner[lead + i] != 1
    )
    if not stretched:  # only leading axes were added (a bias): one Sum does it
        return get_op("Sum")(g, axis=tuple(range(batch_dims, batch_dims + lead)), keepdims=False)
    g = get_op("Sum")(
        g, axis=tuple(range(batch_dims, batch_dims + lead)) + stretched, keepdims=True
    )
    if not lead:  # the kept axes already give x's shape
        return g
    return get_op("ReshapeLike")(g, x, lead=batch_dims)  # x's shape when it runs
