"""Graph passes: constant folding, common subexpressions, dead code, guard scheduling.

Every pass keeps effects (variable writes, host callbacks, guards, stateful ops such as
random draws and tf.print) exactly: never folded, merged or dropped, never reordered among
themselves. Pure nodes may move, but a variable read never crosses a write of the same
variable or a host callback.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from .ir import Graph

_SMALL_CONST = 64  # constants up to this many elements are merged by value


def optimize(graph: Graph) -> Graph:
    """The standard pipeline: fold, merge, drop, then check guards as early as possible."""
    fold_constants(graph)
    merge_constants(graph)
    eliminate_common_subexpressions(graph)
    eliminate_dead_code(graph)
    schedule_guards(graph)
    return graph


def _rename(graph: Graph, renames: dict):
    if not renames:
        return
    for n in graph.nodes:
        n.inputs = [renames.get(v, v) for v in n.inputs]
    graph.outputs = [renames.get(v, v) for v in graph.outputs]


# Inputs of which an op reads only the shape (and dtype): fixed shape, fixed result.
_SHAPE_INPUTS = {
    "Shape": (0,),
    "Size": (0,),
    "Rank": (0,),
    "ZerosLike": (0,),
    "OnesLike": (0,),
    "BroadcastLike": (1,),
    "ReshapeLike": (1,),
    "ReducedCount": (0,),
    "ReshapeFrom": (1,),
    "ZerosFrom": (0,),
    "StridedSliceGradLike": (1,),
}


def fold_constants(graph: Graph):
    """An op whose inputs are all constants is replaced by the value it gave while tracing.

    The traced value is exactly what the op computes on those inputs, so folding needs no
    evaluation. An input of which the op reads only the shape counts as constant unless
    that shape follows a None dimension in a graph serving every size of it. Stateful ops
    (random draws, checks, prints) are never folded.
    """
    varying = graph.shadow_shapes if graph.polymorphic else {}

    def constant_inputs(n):
        if n.op.name == "ReducedCount" and graph.fixed_axes(n.inputs[0], n.attrs.get("axis")):
            return True  # the reduced sizes are fixed: so is the count
        shape_only = _SHAPE_INPUTS.get(n.op.name, ())
        return all(
            v in graph.consts or (i in shape_only and v not in varying)
            for i, v in enumerate(n.inputs)
        )

    kept = []
    for n in graph.nodes:
        if n.kind == "op" and not n.op.stateful and constant_inputs(n):
            graph.consts.update(n.outputs)
        elif n.kind == "guard" and n.inputs[0] in graph.consts:
            continue  # a constant converts alike on every call
        else:
            kept.append(n)
    graph.nodes = kept


def _const_key(a):
    if np.size(a) > _SMALL_CONST:
        return None
    a_arr = np.asarray(to_numpy(a))  # a few bytes off the device, at trace time only
    if a_arr.dtype == object:
        return None
    return (type(a), a_arr.dtype.str, a_arr.shape, a_arr.tobytes())


def merge_constants(graph: Graph):
    """Small constants with equal type, dtype, shape and bytes become one value."""
    seen, renames = {}, {}
    for v in sorted(graph.consts):
        key = _const_key(graph.arrays[v])
        if key is None:
            continue
        first = seen.setdefault(key, v)
        if first != v:
            renames[v] = first
    _rename(graph, renames)


def freeze(value):
    """A hashable stand-in for an attribute value (None when it has none)."""
    if isinstance(value, (list, tuple)):
        items = tuple(freeze(v) for v in value)
        return (
            None
            if any(i is None and v is not None for i, v in zip(items, value))
            else (
                type(value).__name__,
                items,
            )
        )
    if isinstance(value, dict):
        return freeze(sorted(value.items()))
    if isinstance(value, np.ndarray):
        return ("nd", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, float) and value != value:
        return ("nan",)
    try:
        hash(value)
    except TypeError:
        return None
    return (type(value).__name__, value)


def eliminate_common_subexpressions(graph: Graph):
    """A pure op applied again to the same inputs and attributes reuses the first result;
    a variable read with no write of that variable in between reuses the earlier read."""
    seen, renames, kept = {}, {}, []
    epoch = {}  # variable slot -> number of writes so far; "all" counts host callbacks
    for n in graph.nodes:
        n.inputs = [renames.get(v, v) for v in n.inputs]
        key = None
        if n.kind == "op" and not n.op.stateful:
            attrs = freeze(n.attrs)
            if attrs is not None:
                key = (n.op.name, tuple(n.inputs), attrs)
        elif n.kind == "read":
            slot = n.attrs["var"]
            key = ("read", slot, epoch.get(slot, 0), epoch.get("all", 0))
        elif n.kind == "write":
            epoch[n.attrs["var"]] = epoch.get(n.attrs["var"], 0) + 1
        elif n.kind == "callback":
            epoch["all"] = epoch.get("all", 0) + 1
        if key is not None:
            first = seen.get(key)
            if first is not None:
                renames.update(zip(n.outputs, first.outputs))
                continue
            seen[key] = n
        kept.append(n)
    graph.nodes = kept
    graph.outputs = [renames.get(v, v) for v in graph.outputs]


def eliminate_dead_code(graph: Graph):
    """Drops pure nodes none of whose outputs reach an output or an effect."""
    live = set(graph.outputs)
    kept = []
    for n in reversed(graph.nodes):
        if n.is_effect() or any(v in live for v in n.outputs):
            live.update(n.inputs)
            kept.append(n)
    kept.reverse()
    graph.nodes = kept


def _order_predecessors(nodes):
    """For each node, the earlier nodes it must stay after besides its data inputs."""
    preds = [[] for _ in nodes]
    last_effects = []  # indices of effects seen so far (writes, callbacks, stateful ops)
    reads_of, writes_of = {}, {}  # slot -> indices
    callbacks = []
    for i, n in enumerate(nodes):
        if n.kind == "read":
            slot = n.attrs["var"]
            preds[i] = writes_of.get(slot, [])[-1:] + callbacks[-1:]
            reads_of.setdefault(slot, []).append(i)
        elif n.kind == "write":
            slot = n.attrs["var"]
            preds[i] = reads_of.get(slot, []) + writes_of.get(slot, [])[-1:] + last_effects[-1:]
            writes_of.setdefault(slot, []).append(i)
            last_effects.append(i)
        elif n.kind == "callback":
            preds[i] = [j for idx in reads_of.values() for j in idx] + last_effects[-1:]
            callbacks.append(i)
            last_effects.append(i)
        elif n.kind == "guard":
            pass
        elif n.is_effect():  # a stateful op
            preds[i] = last_effects[-1:]
            last_effects.append(i)
    return preds


def schedule_guards(graph: Graph):
    """Moves each guard, with just what it needs, as early as the data allows.

    A guard that fails means the trace does not apply to this call: the earlier it is
    checked, the less work is wasted, and when it comes before every effect the call can
    be redone eagerly with nothing to undo. Guards keep their relative order.
    """
    nodes = graph.nodes
    if not any(n.kind == "guard" for n in nodes):
        return
    producer = {}
    for i, n in enumerate(nodes):
        for v in n.outputs:
            producer[v] = i
    preds = _order_predecessors(nodes)
    placed = [False] * len(nodes)
    order = []

    def place(i):
        stack = [i]
        needed = []
        while stack:  # every transitive predecessor (data and order) not yet placed
            j = stack.pop()
            if placed[j]:
                continue
            placed[j] = True
            needed.append(j)
            stack.extend(producer[v] for v in nodes[j].inputs if v in producer)
            stack.extend(preds[j])
        order.extend(sorted(needed))

    for i, n in enumerate(nodes):
        if n.kind == "guard":
            place(i)
    for i in range(len(nodes)):
        if not placed[i]:
            order.append(i)
    graph.nodes = [nodes[i] for i in order]


def effects_before_guards(graph: Graph) -> list:
    """The effects scheduled before the last guard: what a failing guard must undo."""
    last = max((i for i, n in enumerate(graph.nodes) if n.kind == "guard"), default=-1)
    return [n for n in graph.nodes[:last] if n.is_effect() and n.kind != "guard"]
