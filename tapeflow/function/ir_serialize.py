"""The graph IR of a traced function as data: a JSON document plus named arrays, and back.

Used by `tf.saved_model`. Nothing is pickled and nothing names Python code: an op node
names its registered op (`"MatMul"`) and holds attributes of plain types (numbers, strings,
tuples, lists, dicts, dtypes, slices, arrays stored beside the document, NumPy PCG64
generator states for random ops, and `{"dim": k, "scale": a, "offset": b}` for a size that
follows dimension k of the inputs). A node whose attributes hold anything else (a Python
function: host callbacks of optimizers and metrics, py_function) cannot be saved and is
named in the error. Fused nodes are saved as their member ops.

Reading (`decode_graph`) checks everything before the graph can run: ops must be registered
and not touch files, attribute names must be parameters of the op's forward, variable writes
use Variable's own methods, guards are of known kinds, and every value is defined before use.
The document is untrusted input: a check that fails is a `ValueError` naming the function.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from ..backend import to_backend, to_numpy
from ..core import dtypes as dtypes_lib
from ..core.registry import get_op
from .ir import Node

# Ops a loaded graph may not hold: they read or write files.
FORBIDDEN_OPS = frozenset({"ReadFile", "WriteFile"})
WRITE_METHODS = frozenset(
    {"assign", "assign_add", "assign_sub", "assign_slice", "scatter_nd_update"}
)
GUARD_KINDS = frozenset({"bool", "int", "float", "complex", "shape", "array"})
_NUMPY_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64 "
    "complex64 complex128".split()
)
MAX_NODES = 1_000_000
MAX_DEPTH = 32


class Unserializable(ValueError):
    """A traced graph holds something that cannot be saved as data (named in the message)."""


# ---- encoding ---------------------------------------------------------------------------


class _Encoder:
    def __init__(self, where: str, arrays: dict, prefix: str):
        self.where = where
        self.arrays = arrays  # key -> np.ndarray, shared by every graph of one file
        self.prefix = prefix
        self._by_id = {}

    def array(self, value) -> str:
        key = self._by_id.get(id(value))
        if key is None:
            key = f"{self.prefix}/{len(self._by_id)}"
            self._by_id[id(value)] = key
            array = np.asarray(to_numpy(value))  # files hold host arrays
            if array.dtype.kind not in "biufcO":
                raise Unserializable(
                    f"{self.where}: an array of dtype {array.dtype} cannot be saved"
                )
            self.arrays[key] = array
        return key

    def value(self, v, what: str, depth=0):
        if depth > MAX_DEPTH:
            raise Unserializable(f"{self.where}: {what} is nested too deeply to be saved")
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            return v if math.isfinite(v) else {"float": repr(v)}
        if isinstance(v, tuple):
            return {"t": [self.value(x, what, depth + 1) for x in v]}
        if isinstance(v, list):
            return [self.value(x, what, depth + 1) for x in v]
        if isinstance(v, dict) and all(isinstance(k, str) for k in v):
            return {"d": {k: self.value(x, what, depth + 1) for k, x in v.items()}}
        if isinstance(v, slice):
            return {"slice": [self.value(x, what, depth + 1) for x in (v.start, v.stop, v.step)]}
        if v is Ellipsis:
            return {"ellipsis": True}
        if isinstance(v, np.dtype) and v.name in _NUMPY_DTYPES:
            return {"np_dtype": v.name}
        if isinstance(v, dtypes_lib.DType):
            return {"dtype": v.name}
        if isinstance(v, np.generic) and v.dtype.name in _NUMPY_DTYPES:
            return {"scalar": [v.dtype.name, v.item() if v.dtype.kind != "c" else repr(v.item())]}
        if isinstance(v, np.ndarray):
            return {"array": self.array(v)}
        if isinstance(v, np.random.Generator) and type(v.bit_generator) is np.random.PCG64:
            state = v.bit_generator.state
            return {
                "pcg64": [
                    str(state["state"]["state"]),
                    str(state["state"]["inc"]),
                    int(state["has_uint32"]),
                    int(state["uinteger"]),
                ]
            }
        raise Unserializable(
            f"{self.where}: {what} is {type(v).__name__} {v!r:.80}, which cannot be saved "
            f"as data (a Python object or function)"
        )


def _members(node):
    return node.attrs["nodes"] if node.kind == "fused" else [node]


def encode_graph(graph, slot_of, where: str, arrays: dict, prefix: str) -> dict:
    """The document of `graph` (a ConcreteFunction's graph); its constants and array
    attributes go into `arrays` under `prefix`. `slot_of(var_source)` gives the saved
    variable index of each variable slot, or raises Unserializable.

    Raises:
        Unserializable: a host callback, an attribute that is a Python object, a variable
            passed as an argument; the message names the op.
    """
    encoder = _Encoder(where, arrays, prefix)
    nodes = []
    used = set(graph.outputs)
    for n in graph.nodes:
        for m in _members(n):
            used.update(m.inputs)
            if m.kind == "callback":
                fn = m.attrs.get("fn")
                name = getattr(fn, "__qualname__", type(fn).__name__)
                raise Unserializable(
                    f"{where}: a host callback ({name}) runs Python code inside the function "
                    f"(an optimizer or metric update, a py_function); it cannot be saved"
                )
            if m.kind == "op":
                attrs = {
                    k: encoder.value(v, f"attribute {k!r} of op {m.op.name}")
                    for k, v in m.attrs.items()
                }
                nodes.append({"kind": "op", "op": m.op.name, "in": m.inputs, "out": m.outputs,
                              "attrs": attrs})  # fmt: skip
            elif m.kind == "read":
                nodes.append({"kind": "read", "var": m.attrs["var"], "out": m.outputs})
            elif m.kind == "write":
                extra = {}
                if "key" in m.attrs:
                    extra["key"] = encoder.value(m.attrs["key"], "a variable slice key")
                nodes.append({"kind": "write", "var": m.attrs["var"], "method": m.attrs["method"],
                              "in": m.inputs, **extra})  # fmt: skip
            elif m.kind == "guard":
                expected = encoder.value(m.attrs["expected"], "a guard")
                nodes.append(
                    {
                        "kind": "guard",
                        "guard": m.attrs["kind"],
                        "in": m.inputs,
                        "expected": expected,
                    }
                )
            else:
                raise Unserializable(f"{where}: a node of kind {m.kind!r} cannot be saved")
    consts = {str(v): encoder.array(graph.arrays[v]) for v in sorted(graph.consts) if v in used}
    return {
        "inputs": list(graph.inputs),
        "variables": [slot_of(source) for source in graph.var_sources],
        "consts": consts,
        "nodes": nodes,
        "outputs": list(graph.outputs),
    }


# ---- decoding ---------------------------------------------------------------------------


def _fail(where, what):
    raise ValueError(f"{where}: {what}")


def decode_value(v, arrays, where, depth=0):
    """An attribute value back from the document (checked)."""
    if depth > MAX_DEPTH:
        _fail(where, "an attribute is nested too deeply")
    if v is None or isinstance(v, (bool, str, int, float)):
        return v
    if isinstance(v, list):
        return [decode_value(x, arrays, where, depth + 1) for x in v]
    if not isinstance(v, dict) or len(v) != 1 and "dim" not in v:
        _fail(where, f"malformed attribute {v!r:.80}")
    (tag, body), *_ = v.items()
    if tag == "t" and isinstance(body, list):
        return tuple(decode_value(x, arrays, where, depth + 1) for x in body)
    if tag == "d" and isinstance(body, dict):
        return {str(k): decode_value(x, arrays, where, depth + 1) for k, x in body.items()}
    if tag == "slice" and isinstance(body, list) and len(body) == 3:
        parts = [decode_value(x, arrays, where, depth + 1) for x in body]
        if not all(p is None or isinstance(p, int) for p in parts):
            _fail(where, "a slice holds non-integers")
        return slice(*parts)
    if tag == "ellipsis":
        return Ellipsis
    if tag == "float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "np_dtype" and body in _NUMPY_DTYPES:
        return np.dtype(body)
    if tag == "dtype" and isinstance(body, str) and (body in _NUMPY_DTYPES or body == "string"):
        return dtypes_lib.as_dtype(body)
    if tag == "scalar" and isinstance(body, list) and len(body) == 2 and body[0] in _NUMPY_DTYPES:
        dtype = np.dtype(body[0])
        value = complex(body[1]) if dtype.kind == "c" and isinstance(body[1], str) else body[1]
        if not isinstance(value, (bool, int, float, complex)):
            _fail(where, "a scalar attribute is not a number")
        return dtype.type(value)
    if tag == "array" and isinstance(body, str) and body in arrays:
        return arrays[body]
    if tag == "pcg64" and isinstance(body, list) and len(body) == 4:
        return _generator(body, where)
    if "dim" in v:
        return Dim.decode(v, where)
    return _fail(where, f"unknown attribute encoding {tag!r:.40}")


def _generator(body, where) -> np.random.Generator:
    try:
        state, inc = int(body[0]), int(body[1])
        has_uint32, uinteger = int(body[2]), int(body[3])
    except (TypeError, ValueError):
        _fail(where, "a random generator state is not numbers")
    if not (0 <= state < 1 << 128 and 0 <= inc < 1 << 128 and has_uint32 in (0, 1)):
        _fail(where, "a random generator state is out of range")
    if not 0 <= uinteger < 1 << 32:
        _fail(where, "a random generator state is out of range")
    bit_generator = np.random.PCG64()
    bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": state, "inc": inc},
        "has_uint32": has_uint32,
        "uinteger": uinteger,
    }
    return np.random.Generator(bit_generator)


class Dim:
    """A size that follows an input dimension: `scale * dims[index] + offset`."""

    __slots__ = ("index", "scale", "offset")

    def __init__(self, index: int, scale: int = 1, offset: int = 0):
        self.index, self.scale, self.offset = index, scale, offset

    def encode(self) -> dict:
        return {"dim": self.index, "scale": self.scale, "offset": self.offset}

    @classmethod
    def decode(cls, v, where):
        index, scale, offset = v.get("dim"), v.get("scale", 1), v.get("offset", 0)
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (index, scale, offset)):
            _fail(where, f"malformed dimension reference {v!r:.80}")
        return cls(index, scale, offset)

    def value(self, dims) -> int:
        return self.scale * dims[self.index] + self.offset


def instantiate(value, dims):
    """`value` with every `Dim` replaced by its size for the input dimensions `dims`."""
    if isinstance(value, Dim):
        return value.value(dims)
    if isinstance(value, tuple):
        return tuple(instantiate(v, dims) for v in value)
    if isinstance(value, list):
        return [instantiate(v, dims) for v in value]
    if isinstance(value, dict):
        return {k: instantiate(v, dims) for k, v in value.items()}
    return value


def has_dims(value) -> bool:
    if isinstance(value, Dim):
        return True
    if isinstance(value, (tuple, list)):
        return any(has_dims(v) for v in value)
    if isinstance(value, dict):
        return any(has_dims(v) for v in value.values())
    return False


def _ints(value, where, what) -> list:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        _fail(where, f"malformed {what}")
    return value


def _op_parameters(op) -> set | None:
    """The keyword parameters of an op's forward (None: it takes **kwargs)."""
    signature = inspect.signature(op.forward)
    if any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
        return None
    return set(signature.parameters)


def decode_graph(doc, arrays: dict, n_variables: int, where: str) -> tuple:
    """(nodes, consts, inputs, variable indices, outputs) of a graph document, every part
    checked: nodes are `ir.Node`s whose attributes may hold `Dim`s; consts maps value ids
    to arrays; variable indices index the file's variables."""
    if not isinstance(doc, dict):
        _fail(where, "a function's graph is not a JSON object")
    inputs = _ints(doc.get("inputs"), where, "graph inputs")
    slots = _ints(doc.get("variables"), where, "graph variables")
    if any(s >= n_variables for s in slots):
        _fail(where, "a graph refers to a variable the file does not hold")
    consts_doc = doc.get("consts")
    if not isinstance(consts_doc, dict):
        _fail(where, "malformed graph constants")
    consts = {}
    for v, key in consts_doc.items():
        if not (isinstance(v, str) and v.isdigit() and key in arrays):
            _fail(where, f"malformed constant {v!r:.40}")
        consts[int(v)] = to_backend(arrays[key])  # graph values live on the device
    defined = set(inputs) | set(consts)
    raw_nodes = doc.get("nodes")
    if not isinstance(raw_nodes, list) or len(raw_nodes) > MAX_NODES:
        _fail(where, "malformed graph nodes")
    nodes = []
    for raw in raw_nodes:
        node = _decode_node(raw, arrays, len(slots), defined, where)
        defined.update(node.outputs)
        nodes.append(node)
    outputs = _ints(doc.get("outputs"), where, "graph outputs")
    if any(v not in defined for v in outputs):
        _fail(where, "a graph output is never computed")
    return nodes, consts, inputs, slots, outputs


def _decode_node(raw, arrays, n_slots, defined, where) -> Node:
    if not isinstance(raw, dict):
        _fail(where, "a graph node is not an object")
    kind = raw.get("kind")
    ins = _ints(raw.get("in", []), where, "node inputs")
    if any(v not in defined for v in ins):
        _fail(where, "a node uses a value before it is computed")
    outs = _ints(raw.get("out", []), where, "node outputs")
    if any(v in defined for v in outs):
        _fail(where, "a node redefines a value")
    if kind == "op":
        name = raw.get("op")
        if not isinstance(name, str) or name in FORBIDDEN_OPS:
            _fail(
                where, f"op {name!r:.40} is not allowed in a loaded function (it accesses files)"
            )
        try:
            op = get_op(name)
        except LookupError:
            _fail(where, f"op {name!r:.40} is not an op of this tapeflow")
        attrs_doc = raw.get("attrs", {})
        if not isinstance(attrs_doc, dict):
            _fail(where, f"malformed attributes of op {name}")
        allowed = _op_parameters(op)
        attrs = {}
        for key, value in attrs_doc.items():
            if not (isinstance(key, str) and key.isidentifier()) or (
                allowed is not None and key not in allowed
            ):
                _fail(where, f"op {name} has no attribute {key!r:.40}")
            attrs[key] = decode_value(value, arrays, f"{where}: op {name}")
        expected = len(outs)
        if (op.multiple_outputs and expected < 1) or (not op.multiple_outputs and expected != 1):
            _fail(where, f"op {name} has a wrong number of outputs")
        return Node("op", op, ins, attrs, outs)
    slot = raw.get("var")
    if kind in ("read", "write") and not (isinstance(slot, int) and 0 <= slot < n_slots):
        _fail(where, "a node refers to a variable slot that does not exist")
    if kind == "read":
        if ins or len(outs) != 1:
            _fail(where, "malformed variable read")
        return Node("read", None, (), {"var": slot}, outs)
    if kind == "write":
        method = raw.get("method")
        if (
            method not in WRITE_METHODS
            or outs
            or len(ins) != (2 if method == "scatter_nd_update" else 1)
        ):
            _fail(where, f"malformed variable write {method!r:.40}")
        attrs = {"var": slot, "method": method}
        if method == "assign_slice":
            attrs["key"] = decode_value(raw.get("key"), arrays, where)
        return Node("write", None, ins, attrs, ())
    if kind == "guard":
        guard = raw.get("guard")
        if guard not in GUARD_KINDS or len(ins) != 1 or outs:
            _fail(where, "malformed guard")
        expected = decode_value(raw.get("expected"), arrays, where)
        return Node("guard", None, ins, {"kind": guard, "expected": expected}, ())
    return _fail(where, f"unknown node kind {kind!r:.40}")
