"""Elementwise fusion and peephole rewrites on the graph, before code generation."""

from __future__ import annotations

from .ir import Graph, Node
from .kernels import kernel_for


def fuse_sum_reshape(graph: Graph):
    """`Sum(keepdims=True)` whose only use is a Reshape dropping the kept axes becomes one
    `Sum(keepdims=False)` (the engine's unbroadcasting emits that pair for every bias)."""
    uses = {}
    for n in graph.nodes:
        for v in n.inputs:
            uses[v] = uses.get(v, 0) + 1
    for v in graph.outputs:
        uses[v] = uses.get(v, 0) + 2
    producer = {n.outputs[0]: n for n in graph.nodes if n.kind == "op" and len(n.outputs) == 1}
    drop = set()
    for n in graph.nodes:
        if n.kind != "op" or n.op.name != "Reshape":
            continue
        src = producer.get(n.inputs[0])
        if src is None or src.op.name != "Sum" or not src.attrs.get("keepdims"):
            continue
        if uses.get(n.inputs[0]) != 1 or src.attrs.get("axis") is None:
            continue
        shape_in = graph.shape(src.inputs[0])
        ndim = len(shape_in)
        axes = {
            a % ndim
            for a in (
                src.attrs["axis"]
                if isinstance(src.attrs["axis"], (tuple, list))
                else (src.attrs["axis"],)
            )
        }
        reduced = tuple(d for i, d in enumerate(shape_in) if i not in axes)
        if tuple(graph.shape(n.outputs[0])) != reduced or tuple(n.attrs["shape"]) != reduced:
            continue
        src.attrs = dict(src.attrs, keepdims=False)
        src.outputs = list(n.outputs)
        drop.add(id(n))
    graph.nodes = [n for n in graph.nodes if id(n) not in drop]


def fuse_elementwise(graph: Graph):
    """Groups chains of elementwise nodes into `fused` nodes computed in one buffer.

    A node joins the chain of the node that produced one of its inputs when that value has
    no other use and both have the same shape and dtype; the fused node takes the place of
    the chain's last member (its earlier members are pure, so they may run later).
    """
    uses = {}
    for n in graph.nodes:
        for v in n.inputs:
            uses[v] = uses.get(v, 0) + 1
    for v in graph.outputs:
        uses[v] = uses.get(v, 0) + 2
    chain_of = {}  # value id -> the chain (list of nodes) whose running value it is
    chains = []
    for n in graph.nodes:
        if kernel_for(graph, n) is None:
            continue
        out = n.outputs[0]
        joined = None
        for v in n.inputs:
            chain = chain_of.get(v)
            if (
                chain is not None
                and uses.get(v) == 1
                and graph.symbolic_shape(v) == graph.symbolic_shape(out)
                and chain[-1].outputs[0] == v
            ):
                joined = chain
                break
        if joined is None:
            joined = []
            chains.append(joined)
        joined.append(n)
        chain_of[out] = joined
    replace = {}  # id(last node) -> fused node; members to drop
    drop = set()
    for chain in chains:
        if len(chain) < 2:
            continue
        internal = {m.outputs[0] for m in chain[:-1]}
        inputs = []
        for m in chain:
            for v in m.inputs:
                if v not in internal and v not in inputs:
                    inputs.append(v)
        fused = Node("fused", None, inputs, {"nodes": chain}, chain[-1].outputs)
        replace[id(chain[-1])] = fused
        drop.update(id(m) for m in chain[:-1])
    graph.nodes = [replace.get(id(n), n) for n in graph.nodes if id(n) not in drop]
