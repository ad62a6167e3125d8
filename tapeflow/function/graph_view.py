"""TF's view of a traced graph: `get_operations()`, `as_graph_def()` and symbolic tensors.

A ConcreteFunction's `graph` is tapeflow's IR (`ir.Graph`, the optimised graph its plan
runs). This module presents it as TF presents a FuncGraph: Placeholder operations for the
inputs and captured variables, Const for constants, one operation per op (fused chains
listed member by member), ReadVariableOp and Assign*VariableOp for variable reads and
writes, Identity for each output. tapeflow's own node kinds keep honest names: "Guard" (a
check that Python control flow on a tensor value goes the traced way) and "HostCall" (a
Python callback, such as a Keras optimizer's update). `as_graph_def()` is a readable
listing in the shape of TF's GraphDef text, not a protocol buffer.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..core import dtypes
from ..core.shape import TensorShape

_WRITE_OPS = {
    "assign": "AssignVariableOp",
    "assign_add": "AssignAddVariableOp",
    "assign_sub": "AssignSubVariableOp",
    "assign_slice": "ResourceStridedSliceAssign",
    "scatter_nd_update": "ResourceScatterNdUpdate",
}


class _Resource:
    """The dtype of a variable handle (TF's tf.resource)."""

    name = "resource"

    def __repr__(self):
        return "tf.resource"


RESOURCE = _Resource()


class SymbolicTensor:
    """One output of an Operation: a name ("op:index"), a shape (None where it follows a
    None dimension of the input_signature) and a dtype, as a graph tensor in TF."""

    __slots__ = ("op", "value_index", "shape", "dtype")

    def __init__(self, op, value_index, shape, dtype):
        self.op = op
        self.value_index = value_index
        self.shape = shape
        self.dtype = dtype

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    def get_shape(self) -> TensorShape:
        return self.shape

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self.shape} dtype={self.dtype.name}>"


class Operation:
    """A node of the graph: `name`, `type`, `inputs` and `outputs` (SymbolicTensors)."""

    __slots__ = ("name", "type", "inputs", "outputs", "attrs")

    def __init__(self, name, type_, inputs, attrs):
        self.name = name
        self.type = type_
        self.inputs = list(inputs)
        self.outputs = []
        self.attrs = attrs

    def get_attr(self, name):
        return self.attrs[name]

    @property
    def node_def(self):
        return NodeDef(self)

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


class NodeDef:
    """One entry of `as_graph_def().node`: name, op, input (names) and attr."""

    __slots__ = ("name", "op", "input", "attr", "device")

    def __init__(self, operation):
        self.name = operation.name
        self.op = operation.type
        self.input = [t.op.name if t.value_index == 0 else t.name for t in operation.inputs]
        self.attr = dict(operation.attrs)
        self.device = ""

    def __str__(self):
        lines = [f'name: "{self.name}"', f'op: "{self.op}"']
        lines += [f'input: "{name}"' for name in self.input]
        for key, value in self.attr.items():
            lines.append("attr {")
            lines.append(f'  key: "{key}"')
            lines += ["  " + line for line in _attr_value(value)]
            lines.append("}")
        return "\n".join(lines)


class GraphDef:
    """`graph.as_graph_def()`: the nodes, printed in the shape of TF's GraphDef text."""

    __slots__ = ("node",)

    def __init__(self, operations):
        self.node = [op.node_def for op in operations]

    def __str__(self):
        out = []
        for n in self.node:
            out.append("node {")
            out += ["  " + line for line in str(n).split("\n")]
            out.append("}")
        return "\n".join(out)

    __repr__ = __str__


def _dtype_enum(dtype) -> str:
    if dtype is RESOURCE:
        return "DT_RESOURCE"
    return "DT_" + {"float32": "FLOAT", "float64": "DOUBLE", "float16": "HALF"}.get(
        dtype.name, dtype.name.upper()
    )


def _attr_value(value) -> list:
    """The lines of an attr's `value { ... }` block."""
    if isinstance(value, (dtypes.DType, _Resource)):
        body = [f"type: {_dtype_enum(value)}"]
    elif isinstance(value, TensorShape):
        if value.rank is None:
            body = ["shape {", "  unknown_rank: true", "}"]
        else:
            dims = [f"  dim {{ size: {-1 if d is None else d} }}" for d in value.as_list()]
            body = ["shape {", *dims, "}"]
    elif isinstance(value, np.ndarray):
        dtype = dtypes.from_numpy(value.dtype)
        shown = value.reshape(-1)[:8].tolist()
        dims = [f"    dim {{ size: {d} }}" for d in value.shape]
        body = [
            "tensor {",
            f"  dtype: {_dtype_enum(dtype)}",
            "  tensor_shape {",
            *dims,
            "  }",
            *[f"  val: {v!r}" for v in shown],
            *(["  ..."] if value.size > len(shown) else []),
            "}",
        ]
    elif isinstance(value, bool):
        body = [f"b: {str(value).lower()}"]
    elif isinstance(value, int):
        body = [f"i: {value}"]
    elif isinstance(value, float):
        body = [f"f: {value!r}"]
    elif isinstance(value, (tuple, list)) and all(isinstance(v, int) for v in value):
        body = ["list {", *[f"  i: {v}" for v in value], "}"]
    else:
        text = value if isinstance(value, str) else repr(value)
        body = [f's: "{text}"']
    return ["value {", *["  " + line for line in body], "}"]


def _symbolic_shape(graph, v) -> TensorShape:
    shape = tuple(np.shape(graph.arrays[v]))
    shadow = graph.shadow_shapes.get(v)
    if shadow is None:
        return TensorShape(shape)
    return TensorShape([d if d == s else None for d, s in zip(shape, shadow)])


def _dtype_of(graph, v):
    return dtypes.from_numpy(graph.arrays[v].dtype)


class _Names:
    def __init__(self):
        self.used = {}

    def __call__(self, base: str) -> str:
        n = self.used.get(base, 0)
        self.used[base] = n + 1
        return base if n == 0 else f"{base}_{n}"


def operations(graph) -> list:
    """The graph's Operations in program order (see the module docstring)."""
    unique = _Names()
    ops = []
    tensors = {}  # value id -> SymbolicTensor

    def add(type_, inputs, attrs, name=None, outputs=()):
        op = Operation(unique(name or type_), type_, inputs, attrs)
        for k, v in enumerate(outputs):
            t = SymbolicTensor(op, k, _symbolic_shape(graph, v), _dtype_of(graph, v))
            op.outputs.append(t)
            tensors[v] = t
        ops.append(op)
        return op

    input_names = getattr(graph, "input_names", None) or [
        f"arg{k}" for k in range(len(graph.inputs))
    ]
    for v, name in zip(graph.inputs, input_names):
        shape = getattr(graph, "input_shapes", {}).get(v, _symbolic_shape(graph, v))
        add("Placeholder", [], {"dtype": _dtype_of(graph, v), "shape": shape}, name, (v,))
    handles = []
    for kind, what, *_ in graph.var_sources:
        name = (
            what.name.split(":")[0] if kind == "capture" else f"variable_arg{what}"
        ) + "/resource"
        op = Operation(unique(name), "Placeholder", [], {"dtype": RESOURCE})
        op.outputs.append(SymbolicTensor(op, 0, TensorShape([]), RESOURCE))
        ops.append(op)
        handles.append(op.outputs[0])
    for v in sorted(graph.consts):
        if any(v in n.inputs for n in graph.nodes) or v in graph.outputs:
            value = to_numpy(graph.arrays[v])
            add("Const", [], {"dtype": _dtype_of(graph, v), "value": value}, outputs=(v,))

    def inputs_of(n):
        return [tensors[v] for v in n.inputs if v in tensors]

    for node in graph.nodes:
        for n in node.attrs["nodes"] if node.kind == "fused" else [node]:
            if n.kind == "op":
                attrs = {k: _shown(a) for k, a in n.attrs.items()}
                add(n.op.name, inputs_of(n), attrs, outputs=n.outputs)
            elif n.kind == "read":
                add("ReadVariableOp", [handles[n.attrs["var"]]], {}, outputs=n.outputs)
            elif n.kind == "write":
                type_ = _WRITE_OPS.get(n.attrs["method"], "AssignVariableOp")
                add(type_, [handles[n.attrs["var"]], *inputs_of(n)], {})
            elif n.kind == "callback":
                fn = n.attrs["fn"]
                attrs = {"function": getattr(fn, "__qualname__", repr(fn))}
                add("HostCall", inputs_of(n), attrs, outputs=n.outputs)
            elif n.kind == "guard":
                attrs = {"kind": n.attrs["kind"], "expected": _shown(n.attrs["expected"])}
                add("Guard", inputs_of(n), attrs)
    for v in graph.outputs:
        add("Identity", [tensors[v]] if v in tensors else [], {}, outputs=(v,))
    return ops


def _shown(value):
    """An attribute as a graph listing shows it (Generators and functions by name)."""
    if isinstance(value, np.random.Generator):
        return "<random stream>"
    if isinstance(value, np.dtype):
        return dtypes.from_numpy(value)
    if callable(value) and not isinstance(value, type):
        return getattr(value, "__qualname__", repr(value))
    return value
