"""The documents of a saved concrete function's inputs, outputs and signatures (JSON).

An argument structure holds `{"arg": i}` for the i-th input tensor, Python values, nesting
(`{"t": [...]}` a tuple, a list, `{"d": {...}}` a dict) and, for a RaggedTensor or
SparseTensor, `{"composite": name, "args": [...], "shape": [...]}`: its component inputs and
its class by a fixed name (`COMPOSITE_NAMES`); outputs likewise with `{"out": i}` and
`{"composite": name, "outs": [...]}`. The loader maps a name back through its own allow-list
(`loaded_function`), never by importing what a file names.
"""

from __future__ import annotations

from ..core.ragged import RaggedTensor
from ..core.sparse import SparseTensor
from ..function.concrete import _CompositeOut, _Out
from ..function.ir_serialize import Unserializable
from ..function.signature import _Composite, _Leaf

# Composite tensors saved as their component tensors, recorded under these fixed names; the
# loader maps each name back to its class (never a class a file names).
COMPOSITE_NAMES = {RaggedTensor: "RaggedTensor", SparseTensor: "SparseTensor"}


def _spec_doc(spec) -> dict:
    shape = spec.shape
    return {
        "shape": None if shape.rank is None else shape.as_list(),
        "dtype": spec.dtype.name,
        "name": spec.name,
    }


def _structure_doc(value, where):
    if isinstance(value, _Leaf):
        if value.kind != "t":
            raise Unserializable(f"{where}: a tf.Variable argument cannot be saved")
        return {"arg": value.index}
    if isinstance(value, tuple):
        return {"t": [_structure_doc(v, where) for v in value]}
    if isinstance(value, list):
        return [_structure_doc(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"d": {k: _structure_doc(v, where) for k, v in value.items()}}
    if isinstance(value, _Composite):
        return {
            "composite": _composite_name(value.cls, where),
            "args": [_structure_doc(m, where)["arg"] for m in value.markers],
            "shape": None if value.spec.shape.rank is None else value.spec.shape.as_list(),
        }
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value}
    raise Unserializable(f"{where}: an argument {value!r:.60} of a Python type cannot be saved")


def _output_doc(template, where):
    if isinstance(template, _Out):
        return {"out": template.index}
    if isinstance(template, tuple):  # a namedtuple too: it comes back as a plain tuple
        return {"t": [_output_doc(v, where) for v in template]}
    if isinstance(template, list):
        return [_output_doc(v, where) for v in template]
    if isinstance(template, dict) and all(isinstance(k, str) for k in template):
        return {"d": {k: _output_doc(v, where) for k, v in template.items()}}
    if isinstance(template, _CompositeOut):
        return {
            "composite": _composite_name(template.cls, where),
            "outs": [_output_doc(p, where)["out"] for p in template.parts],
        }
    if template is None or isinstance(template, (bool, int, float, str)):
        return {"value": template}
    raise Unserializable(f"{where}: a result of type {type(template).__name__} cannot be saved")


def _composite_name(cls, where) -> str:
    name = COMPOSITE_NAMES.get(cls)
    if name is None:
        raise Unserializable(f"{where}: a composite tensor {cls.__name__} cannot be saved")
    return name


def _signature_doc(concrete: dict, index: int, where: str) -> dict:
    """Input names (per flat input) and output names (per flat output) of a signature."""
    names = []
    for arg_name, value in concrete["structure"]:
        leaves = _arg_leaves(value)
        for j, leaf in enumerate(leaves):
            spec_name = concrete["specs"][leaf]["name"]
            if spec_name is None and _is_composite(value):  # TF's names: x, x_1, x_2
                spec_name = arg_name if j == 0 else f"{arg_name}_{j}"
            names.append(
                (leaf, spec_name or (arg_name if len(leaves) == 1 else f"{arg_name}_{j}"))
            )
    inputs = [name for _, name in sorted(names)]
    outputs = concrete["outputs"]
    if isinstance(outputs, dict) and "d" in outputs:
        items = list(outputs["d"].items())
        if not all(isinstance(v, dict) and ("out" in v or _is_composite(v)) for _, v in items):
            raise ValueError(f"tf.saved_model.save: {where} must return tensors or a flat dict")
    else:
        items = [(f"output_{i}", v) for i, v in enumerate(_output_items(outputs))]
    output_names = {v["out"]: k for k, v in items if "out" in v}
    doc = {"function": index, "inputs": inputs, "outputs": output_names}
    composites = {k: v for k, v in items if _is_composite(v)}
    if composites:  # a RaggedTensor or SparseTensor output stays one, as in TF
        doc["composite_outputs"] = composites
    return doc


def _is_composite(doc) -> bool:
    return isinstance(doc, dict) and "composite" in doc


def _output_items(doc) -> list:
    """The flat outputs of an outputs document: tensors' and composites' documents."""
    if isinstance(doc, dict) and ("out" in doc or "composite" in doc):
        return [doc]
    if isinstance(doc, dict) and "t" in doc:
        return [x for v in doc["t"] for x in _output_items(v)]
    if isinstance(doc, dict) and "d" in doc:
        return [x for k in sorted(doc["d"]) for x in _output_items(doc["d"][k])]
    if isinstance(doc, list):
        return [x for v in doc for x in _output_items(v)]
    return []


def _arg_leaves(doc) -> list:
    if isinstance(doc, dict) and "arg" in doc:
        return [doc["arg"]]
    if _is_composite(doc):
        return list(doc["args"])
    if isinstance(doc, dict) and "t" in doc:
        return [x for v in doc["t"] for x in _arg_leaves(v)]
    if isinstance(doc, dict) and "d" in doc:
        return [x for k in sorted(doc["d"]) for x in _arg_leaves(doc["d"][k])]
    if isinstance(doc, list):
        return [x for v in doc for x in _arg_leaves(v)]
    return []
