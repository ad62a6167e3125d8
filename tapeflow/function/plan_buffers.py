"""Buffers of a generated plan: which values own their arrays, where each value dies, and
the pool of dead owned buffers a later kernel may write into (see codegen.py's docstring
for the rules). Used only by `codegen.build_plan`.
"""

from __future__ import annotations

import numpy as np

from .ir import Graph
from .kernels import kernel_for

# Ops whose output may be a view of an input: never treated as fresh buffers.
VIEW_OPS = frozenset(
    {
        "Identity",
        "StopGradient",
        "Reshape",
        "Transpose",
        "BroadcastTo",
        "StridedSlice",
        "Unpack",
        "SplitV",
        "Cast",
        "ExpandDims",
        "Squeeze",
        "ReverseV2",
    }
)


class BufferPool:
    """Dead owned buffers a later kernel may write into, by (shape, dtype).

    A buffer joins where its value dies; one that no later kernel takes is deleted right
    there (`settle`), so the plan frees it as eager code would instead of holding every
    dead buffer until it returns (that would keep all activations of a step alive).
    """

    def __init__(self, em):
        self.em = em
        self.free = {}  # key -> [(local, line index of its placeholder)]
        self.untaken = {}  # line index -> local

    def join(self, key, local):
        # The name now belongs to the pool: no value holds it, so free_dead must not also
        # delete it (a chain retiring an input's buffer joined it while that input's value,
        # dying at the same node, still named it: deleted, then taken: UnboundLocalError).
        self.em.holder[local] = None
        line = len(self.em.lines)
        self.em.emit(f"pass  # {local} joins the buffer pool")
        self.free.setdefault(key, []).append((local, line))
        self.untaken[line] = local

    def take(self, key):
        free = self.free.get(key)
        if not free:
            return None
        local, line = free.pop()
        del self.untaken[line]
        return local

    def settle(self):
        lines = self.em.lines
        for line, local in self.untaken.items():
            indent = lines[line][: len(lines[line]) - len(lines[line].lstrip())]
            lines[line] = f"{indent}del {local}"
        self.em.lines = [ln for ln in lines if not ln.endswith("joins the buffer pool")]


def last_uses(graph: Graph) -> dict:
    last = {}
    for i, n in enumerate(graph.nodes):
        ins = n.inputs
        for v in ins:
            last[v] = i
    end = len(graph.nodes)
    for v in graph.outputs:
        last[v] = end
    return last


def ownership(graph: Graph):
    """Per value, the owned buffers it may alias (`roots`), and which values own theirs."""
    roots, owned = {}, set()
    known = {id(graph.arrays[v]) for v in graph.consts | set(graph.inputs)}
    for n in graph.nodes:
        if n.kind == "read":
            known.add(id(graph.arrays[n.outputs[0]]))
    for n in graph.nodes:
        if "native" in n.attrs and n.kind == "fused":
            continue  # its results may be views of its inputs: never written, never pooled
        if "call" in n.attrs and n.kind == "fused":
            for v in n.outputs:  # fresh arrays from the call: the plan's to reuse
                roots[v] = {v}
                owned.add(v)
                known.add(id(graph.arrays[v]))
            continue
        if n.kind == "fused" or (n.kind == "op" and kernel_for(graph, n) is not None):
            if np.ndim(graph.arrays[n.outputs[0]]) > 0:
                roots[n.outputs[0]] = {n.outputs[0]}  # the kernel's buffer, planned below
                owned.add(n.outputs[0])
            continue
        if n.kind != "op":
            continue
        view_op = n.op.name in VIEW_OPS
        siblings = [graph.arrays[v] for v in n.outputs]
        for v in n.outputs:
            out = graph.arrays[v]
            rs, shares = set(), view_op
            for u in n.inputs:
                if view_op or np.may_share_memory(out, graph.arrays[u]):
                    rs.update(roots.get(u, ()))
                    shares = True
            shares = shares or sum(np.may_share_memory(out, s) for s in siblings) > 1
            if (
                isinstance(out, np.ndarray)
                and out.ndim >= 1
                and out.base is None
                and out.flags.c_contiguous
                and out.flags.writeable
                and not shares
                and id(out) not in known
            ):
                owned.add(v)
                rs.add(v)
            known.add(id(out))
            roots[v] = rs
    return roots, owned


def take_buffer(em, i, position, refs, key, owned, roots, root_last, pinned, pool):
    """An owned buffer free for the kernel's output: an input dying here that no later
    step reads, else a dead buffer of the same shape and dtype."""
    graph = em.graph
    for v, where in refs.items():
        if where != {position} or v not in owned or v in pinned:
            continue
        if roots.get(v) != {v} or root_last.get(v, -1) != i:
            continue
        arr = graph.arrays[v]
        if (graph.symbolic_shape(v), arr.dtype.str) != key or not arr.flags.c_contiguous:
            continue
        local = em.name[v]
        if em.holder.get(local) != v:
            continue
        root_last[v] = -1  # taken: not freed again below
        return local
    return pool.take(key)


def free_dead(em, graph, n, i, last_use, roots, root_last, owned, pinned, pool):
    """Deletes the names of values that died at node `i`; dead owned buffers join the pool."""
    varying = graph.shadow_shapes
    for v in set(n.inputs):
        if last_use.get(v) != i:
            continue
        local = em.name.get(v)
        if local is None or em.holder.get(local) != v:
            continue
        # A buffer whose shape varies with a None dimension is not pooled: two such values
        # may agree at the traced and shadow sizes and differ at another (see polymorphic.py).
        if v in owned and v not in pinned and root_last.get(v) == i and v not in varying:
            arr = graph.arrays[v]
            if isinstance(arr, np.ndarray) and arr.flags.c_contiguous:
                pool.join((graph.symbolic_shape(v), arr.dtype.str), local)
                em.holder[local] = None
                continue
        em.emit(f"del {local}")
        em.holder[local] = None
