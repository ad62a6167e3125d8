"""The graph IR of a traced function: a list of nodes over numbered values (like a jaxpr).

A value is an integer. Its trace-time array gives its shape and dtype (every trace is
specialised on concrete shapes), and, for constants, its contents. A node is one of:

- ``op``: a registered op, ``forward(*inputs, **attrs)`` on arrays;
- ``read``: the array of variable slot ``attrs["var"]`` at this point of the program;
- ``write``: ``variable.<attrs["method"]>(inputs[0])`` (assign, assign_add, assign_sub,
  assign_slice, scatter_nd_update), an effect in program order;
- ``callback``: an opaque host function run on the input arrays (see `host.py`);
- ``guard``: a tensor-to-Python conversion seen while tracing; the plan checks that the
  value converts to the same Python value, else the trace does not apply to this call;
- ``fused``: a chain of elementwise ops computed into shared buffers (made by `fusion.py`).
"""

from __future__ import annotations

import numpy as np

EFFECT_KINDS = frozenset({"write", "callback", "guard"})


class Node:
    """One equation: ``outputs = kind/op(inputs, **attrs)``."""

    __slots__ = ("kind", "op", "inputs", "attrs", "outputs")

    def __init__(self, kind: str, op, inputs, attrs, outputs):
        self.kind = kind
        self.op = op
        self.inputs = list(inputs)
        self.attrs = attrs
        self.outputs = list(outputs)

    @property
    def name(self) -> str:
        if self.kind == "op":
            return self.op.name
        if self.kind == "fused":
            label = "Native" if "native" in self.attrs else "Fused"
            return label + "[" + ",".join(n.name for n in self.attrs["nodes"]) + "]"
        return self.kind

    def is_effect(self) -> bool:
        """Effects are never dropped, merged or folded, and keep their relative order."""
        return self.kind in EFFECT_KINDS or (self.kind == "op" and self.op.stateful)

    def __repr__(self):
        outs = ", ".join(f"%{v}" for v in self.outputs)
        ins = ", ".join(f"%{v}" for v in self.inputs)
        attrs = {k: v for k, v in self.attrs.items() if k not in ("nodes", "fn", "native")}
        shown = ", ".join(([ins] if ins else []) + [f"{k}={_short(v)}" for k, v in attrs.items()])
        return f"{outs + ' = ' if outs else ''}{self.name}({shown})"


def _short(v):
    if isinstance(v, np.ndarray):
        return f"array{v.shape}"
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


class Graph:
    """A traced function: inputs, variable slots, constants, nodes and outputs.

    Attributes:
        inputs: value ids of the flat Tensor arguments, in order.
        var_sources: per variable slot, ``("arg", position, type)`` (a Variable argument,
            bound per call; its type is part of the call's key) or ``("capture", variable)``
            (a variable the function closes over).
        arrays: value id -> its trace-time array (shape, dtype; contents for constants).
        consts: the value ids that are constants.
        nodes: the equations, in execution order.
        outputs: value ids of the flat Tensor results.
        polymorphic: whether the graph serves every size of its inputs' None dimensions
            (see polymorphic.py); then `shadow_shapes` gives, for each value whose shape
            follows such a dimension, its shape at the shadow size.
    """

    def __init__(self, inputs, var_sources, arrays, consts, nodes, outputs):
        self.inputs = list(inputs)
        self.var_sources = list(var_sources)
        self.arrays = arrays
        self.consts = set(consts)
        self.nodes = list(nodes)
        self.outputs = list(outputs)
        self.polymorphic = False
        self.polymorphic_reason = None
        self.shadow_shapes = {}
        self.name = "graph"
        self.input_names = None  # the Placeholder names (set by ConcreteFunction)
        self.input_shapes = {}  # input value id -> its TensorShape, None dimensions included
        self._operations = None

    def shape(self, v) -> tuple:
        return tuple(np.shape(self.arrays[v]))

    def fixed_axes(self, v, axis) -> bool:
        """Whether value `v`'s sizes along `axis` (None: all) are the same at every size of
        the None dimensions (always, in a graph that does not serve several sizes)."""
        shadow = self.shadow_shapes.get(v)
        if shadow is None:
            return True
        shape = np.shape(self.arrays[v])
        axes = range(len(shape)) if axis is None else (axis,) if isinstance(axis, int) else axis
        return all(shape[a] == shadow[a] for a in axes)

    def symbolic_shape(self, v) -> tuple:
        """A key equal for two values only when their shapes agree at every size: the traced
        shape, and the shadow shape where it follows a None dimension."""
        shape = tuple(np.shape(self.arrays[v]))
        return shape, self.shadow_shapes.get(v, shape)

    def dtype(self, v):
        return np.asarray(self.arrays[v]).dtype if v in self.arrays else None

    def get_operations(self) -> list:
        """TF's view of this graph: Operations with name, type, inputs and outputs (see
        graph_view.py)."""
        from .graph_view import operations

        if self._operations is None:  # the graph no longer changes once its plan is built
            self._operations = operations(self)
        return list(self._operations)

    def as_graph_def(self):
        """A readable listing of the graph in the shape of TF's GraphDef (`.node`)."""
        from .graph_view import GraphDef

        return GraphDef(self.get_operations())

    def op_counts(self) -> dict:
        """How many nodes of each name: a quick view of what the passes did."""
        counts: dict = {}
        for n in self.nodes:
            counts[n.name] = counts.get(n.name, 0) + 1
        return counts

    def __str__(self):
        lines = [f"graph({', '.join(f'%{v}' for v in self.inputs)}) {{"]
        for v in sorted(self.consts):
            if _used(self, v):
                lines.append(f"  %{v} = const {_describe(self.arrays[v])}")
        for n in self.nodes:
            lines.append(f"  {n!r}")
        lines.append(f"  return {', '.join(f'%{v}' for v in self.outputs)}")
        lines.append("}")
        return "\n".join(lines)


def _used(graph, v) -> bool:
    return v in graph.outputs or any(v in n.inputs for n in graph.nodes)


def _describe(a) -> str:
    if not hasattr(a, "dtype"):  # a Python value; arrays (on a GPU too) describe themselves
        a = np.asarray(a)
    if a.size <= 4:
        return f"{a.dtype}{list(a.shape)} {a.tolist()}"
    return f"{a.dtype}{list(a.shape)}"
