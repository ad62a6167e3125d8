"""Elementwise fusion and peephole rewrites on the graph, before code generation."""

from __future__ import annotations

import functools

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


# ---- convolutions with their bias and relu (direct kernels) ----------------------------------


def fuse_conv_bias_relu(graph: Graph):
    """Folds a Conv2D into the bias + relu call that follows it (conv + bias + relu in one
    pass), and a Conv2DBackpropFilter into the relu gradient + bias gradient call that makes
    its output gradient (the relu gradient then never stored), where backend/conv_direct.py's
    kernels compute that convolution. Runs after `fuse_bias_relu`; bitwise equal to the
    calls it merges (the same kernels, the same order of operations)."""
    from ..backend import conv_direct, fused

    uses = _use_counts(graph)
    producer = _single_output_producers(graph)
    position = {id(n): i for i, n in enumerate(graph.nodes)}
    consumers = {}
    for n in graph.nodes:
        for v in n.inputs:
            consumers.setdefault(v, []).append(n)
    replace, drop = {}, set()
    for n in graph.nodes:
        if n.kind != "fused" or "call" not in n.attrs:
            continue
        fn = n.attrs["call"][0]
        if fn is fused.bias_relu:
            conv = producer.get(n.inputs[0])
            if conv is None or conv.op.name != "Conv2D" or uses.get(n.inputs[0]) != 1:
                continue
            win = _direct_window(graph, conv, conv.inputs[0], graph.shape(conv.inputs[1]))
            if win is None or not _stateless_between(graph, position[id(conv)], position[id(n)]):
                continue
            call = (functools.partial(conv_direct.conv2d_bias_relu, win=win), 1)
            members = [conv, *n.attrs["nodes"]]
            inputs = [*conv.inputs, n.inputs[1]]
            replace[id(n)] = Node("fused", None, inputs, _call(call, *members), n.outputs)
            drop.add(id(conv))
        elif fn is fused.relu_grad_bias_grad:
            dx, db = n.outputs
            if uses.get(dx) != 1:  # read once, by one node, and not a result
                continue
            (grad,) = consumers[dx]
            if grad.kind != "op" or grad.op.name != "Conv2DBackpropFilter" or grad.inputs[1] != dx:
                continue
            f_shape = tuple(grad.attrs["filter_sizes"])
            win = _direct_window(graph, grad, grad.inputs[0], f_shape)
            start, stop = position[id(n)], position[id(grad)]
            if win is None or not _stateless_between(graph, start, stop):
                continue
            if any(position[id(u)] <= stop for u in consumers.get(db, [])):
                continue  # the bias gradient is wanted before the filter gradient is made
            call = (functools.partial(conv_direct.filter_grad_relu, f_shape=f_shape, win=win), 2)
            inputs = [grad.inputs[0], *n.inputs]
            members = [*n.attrs["nodes"], grad]
            outputs = [grad.outputs[0], db]
            replace[id(grad)] = Node("fused", None, inputs, _call(call, *members), outputs)
            drop.add(id(n))
    graph.nodes = [replace.get(id(n), n) for n in graph.nodes if id(n) not in drop]


def _direct_window(graph: Graph, node, x, f_shape):
    """The Window of convolution `node` (input value `x`, filter of `f_shape`) when its
    spatial shape is fixed and the direct kernels compute it; else None."""
    from ..backend import conv_direct
    from ..ops.conv import _window

    traced, shadow = graph.symbolic_shape(x)
    if len(traced) != 4 or traced[1:] != shadow[1:] or -1 in f_shape:
        return None  # a polymorphic height, width or channel count
    attrs = node.attrs
    try:
        win = _window(
            node.op.name,
            graph.shape(x),
            f_shape[:2],
            attrs["strides"],
            attrs["padding"],
            attrs["dilations"],
        )
    except Exception:  # the op reports a bad geometry itself when it runs
        return None
    dtype = graph.arrays[x].dtype
    return win if conv_direct.applies(graph.shape(x), dtype, f_shape, win) else None


def _stateless_between(graph: Graph, start: int, stop: int) -> bool:
    """Whether no node between positions `start` and `stop` writes a variable or calls back
    (a merged call runs at `stop` what ran at `start`)."""
    return not any(m.kind in ("write", "callback") for m in graph.nodes[start + 1 : stop])
