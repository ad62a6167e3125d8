"""Elementwise fusion and peephole rewrites on the graph, before code generation."""

from __future__ import annotations

import numpy as np

from .ir import Graph, Node
from .kernels import kernel_for


def _use_counts(graph: Graph) -> dict:
    """Value id -> how many node inputs read it (a graph output counts as two: never alone)."""
    uses = {}
    for n in graph.nodes:
        for v in n.inputs:
            uses[v] = uses.get(v, 0) + 1
    for v in graph.outputs:
        uses[v] = uses.get(v, 0) + 2
    return uses


def _single_output_producers(graph: Graph) -> dict:
    """Value id -> the op node that made it, for ops with one output."""
    return {n.outputs[0]: n for n in graph.nodes if n.kind == "op" and len(n.outputs) == 1}


def fuse_sum_reshape(graph: Graph):
    """`Sum(keepdims=True)` whose only use is a Reshape dropping the kept axes becomes one
    `Sum(keepdims=False)` (the engine's unbroadcasting emits that pair for every bias)."""
    uses = _use_counts(graph)
    producer = _single_output_producers(graph)
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
    uses = _use_counts(graph)
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


# ---- native chains: bias + relu, relu gradient + bias gradient ------------------------------

_FLOATS = ("float32", "float64")


def fuse_bias_relu(graph: Graph):
    """Replaces `Relu(BiasAdd(x, b))` and `ReluGrad(g, y)` followed by the bias gradient
    `Sum(over every axis but the last)` by one call each of the native one-pass kernels in
    backend/fused.py (bitwise equal to the ufuncs they replace: the sum runs row after row,
    as NumPy's reduction over the outer axes does). Only where those kernels run (Numba
    installed, native kernels on, NumPy backend); the members stay in the node for saving
    and the graph views."""
    from ..backend import fused, native, xp

    if xp is not np or not native.enabled():
        return
    uses = _use_counts(graph)
    producer = _single_output_producers(graph)
    bias_grad = {n.inputs[0]: n for n in graph.nodes if _is_bias_grad(graph, n)}
    replace, drop = {}, set()
    for n in graph.nodes:
        if n.kind != "op" or id(n) in drop:
            continue
        if n.op.name == "Relu":
            add = producer.get(n.inputs[0])
            pair = _bias_operands(graph, add) if uses.get(n.inputs[0]) == 1 else None
            if pair is not None and _float_like(graph, n.outputs[0], n.inputs[0]):
                call = (fused.bias_relu, 1)
                replace[id(n)] = Node("fused", None, list(pair), _call(call, add, n), n.outputs)
                drop.add(id(add))
        elif n.op.name == "ReluGrad":
            dx = n.outputs[0]
            total = bias_grad.get(dx)
            if total is None or not _float_like(graph, dx, *n.inputs):
                continue
            call = (fused.relu_grad_bias_grad, 2)
            outputs = [dx, total.outputs[0]]
            replace[id(n)] = Node("fused", None, list(n.inputs), _call(call, n, total), outputs)
            drop.add(id(total))
    graph.nodes = [replace.get(id(n), n) for n in graph.nodes if id(n) not in drop]


def _call(call, *members):
    return {"nodes": list(members), "call": call}


def _float_like(graph: Graph, out, *inputs) -> bool:
    """Same shape at every size, one float dtype, more than a handful of elements."""
    arr = graph.arrays[out]
    if not isinstance(arr, np.ndarray) or arr.dtype.name not in _FLOATS or arr.ndim < 1:
        return False
    return all(
        graph.symbolic_shape(v) == graph.symbolic_shape(out) and graph.arrays[v].dtype == arr.dtype
        for v in inputs
    )


def _bias_operands(graph: Graph, node):
    """(x, bias) of an add of a 1-D bias along the last axis of x, else None."""
    if node is None or node.op.name not in ("BiasAdd", "AddV2"):
        return None
    if node.attrs.get("data_format", "NHWC").startswith("NC"):
        return None
    out = graph.arrays[node.outputs[0]]
    for x, b in (node.inputs, node.inputs[::-1]):
        bias = graph.arrays[b]
        if (
            isinstance(bias, np.ndarray)
            and bias.ndim == 1
            and bias.dtype == out.dtype
            and graph.fixed_axes(b, None)
            and graph.symbolic_shape(x) == graph.symbolic_shape(node.outputs[0])
            and out.ndim >= 1
            and bias.shape[0] == out.shape[-1]
            and graph.arrays[x].dtype == out.dtype
        ):
            return x, b
    return None


def _is_bias_grad(graph: Graph, node) -> bool:
    """Whether `node` sums its input over every axis but the last (keepdims False)."""
    if node.kind != "op" or node.op.name != "Sum":
        return False
    ndim = np.ndim(graph.arrays[node.inputs[0]])
    axis = node.attrs.get("axis")
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if ndim < 1 or axis is None or node.attrs.get("keepdims"):
        return False
    return sorted(int(a) % ndim for a in axes) == list(range(ndim - 1))
