"""`tf.saved_model.save`: an object's variables, structure and traced functions, as data.

One file, `<export_dir>/saved_model.tapeflow`, in tapeflow's safe tensor format (atomic,
checksummed, never unpickled): the variables' values and the graphs' constants as arrays,
and a JSON document (`metadata`) describing

- the objects reachable from the root (tf.Modules, Keras layers, lists, dicts, variables),
  as `train._object_graph` walks them for checkpoints, with their child names;
- the `tf.function`s found on those objects (class or instance attributes) and, for each,
  its concrete functions: the one of its `input_signature`, else every trace made so far;
- each concrete function's inputs (argument structure, specs with `None` dimensions),
  outputs, and graph IR (`function.ir_serialize`); `None` dimensions are handled by
  tracing three times (`generalize`); a RaggedTensor or SparseTensor argument or result is
  its component tensors plus its class by a fixed name (`documents.py`), and a trace
  from their specs is saved when it serves every value of them (`function.polymorphic`);
- the signatures (`serving_default`, ...), with their input and output names.
"""

from __future__ import annotations

import datetime
import os
import warnings

from ..backend import to_numpy
from ..core import nest
from ..core.ragged_spec import RaggedTensorSpec
from ..core.sparse import SparseTensorSpec
from ..core.spec import TensorSpec
from ..core.variable import Variable
from ..function.api import Function
from ..function.concrete import ConcreteFunction
from ..function.export import requested, trace_for_export
from ..function.ir_serialize import Unserializable, encode_graph
from ..io.safe_format import write_tensors
from ..train import _object_graph as graph_lib
from . import generalize
from .documents import _output_doc, _signature_doc, _spec_doc, _structure_doc

FILENAME = "saved_model.tapeflow"
FORMAT = "tapeflow.saved_model"
VERSION = 1
DEFAULT_SIGNATURE = "serving_default"


class _Exporter:
    def __init__(self, root):
        self.root = root
        self.objects = []
        self.index = {}  # id(object) -> object index
        self.keep = []
        self.variables = []
        self.var_index = {}  # Variable._id -> variable index
        self.arrays = {}
        self.functions = []
        self.concrete = []
        self.concrete_index = {}  # id(ConcreteFunction) or (id(Function), specs) -> index

    # ---- objects ------------------------------------------------------------------------

    def walk(self):
        queue = [self.root]
        self._add(self.root)
        head = 0
        while head < len(queue):
            obj = queue[head]
            head += 1
            doc = self.objects[self.index[id(obj)]]
            if doc["kind"] == "variable":
                continue
            for name, child in graph_lib.children(obj) or []:
                if isinstance(child, type) or not (
                    isinstance(child, (Variable, list, tuple, dict))
                    or graph_lib.children(child) is not None
                ):
                    continue
                if id(child) not in self.index:
                    self._add(child)
                    queue.append(child)
                doc["children"][str(name)] = self.index[id(child)]

    def _add(self, obj):
        self.index[id(obj)] = len(self.objects)
        self.keep.append(obj)
        if isinstance(obj, Variable):
            self.objects.append({"kind": "variable", "variable": self.variable(obj)})
            return
        kind = (
            "list"
            if isinstance(obj, list)
            else "tuple"
            if isinstance(obj, tuple)
            else "dict"
            if isinstance(obj, dict)
            else "object"
        )
        self.objects.append({"kind": kind, "children": {}, "functions": {}})

    def variable(self, var) -> int:
        index = self.var_index.get(var._id)
        if index is None:
            index = self.var_index[var._id] = len(self.variables)
            self.variables.append(var)
        return index

    def slot_of(self, where):
        def slot(source):
            if source[0] != "capture":
                raise Unserializable(
                    f"{where}: a tf.Variable passed as an argument cannot be saved (capture "
                    f"it from the object instead)"
                )
            return self.variable(source[1])

        return slot

    # ---- functions ----------------------------------------------------------------------

    def attach_functions(self):
        for obj in list(self.keep):
            doc = self.objects[self.index[id(obj)]]
            if doc["kind"] != "object":
                continue
            for name, function in _functions_of(obj):
                saved = self.function(function, f"{type(obj).__name__}.{name}")
                if saved is not None:
                    doc["functions"][name] = saved

    def function(self, function, where):
        if function.input_signature is not None:
            concrete = [self.from_specs(function, function.input_signature, {}, where)]
        else:
            concrete = []
            for entry in function._cache.values():
                for cf in entry.traces:
                    concrete.append(self.from_concrete(cf, where))
        if not concrete:
            warnings.warn(
                f"tf.saved_model.save: {where} was never traced and has no input_signature; "
                f"it is not saved",
                stacklevel=4,
            )
            return None
        self.functions.append({"name": function._name, "concrete": sorted(set(concrete))})
        return len(self.functions) - 1

    def from_concrete(self, cf, where) -> int:
        """A concrete function: for the specs it was asked for, else exactly as traced."""
        asked = requested(cf)
        if asked is not None and _has_composite_specs(asked):
            _check_serves_specs(cf, where)
        elif asked is not None and _has_unknown_dims(asked):
            return self.from_specs(cf._function, asked[0], asked[1], where)
        key = id(cf)
        if key not in self.concrete_index:
            doc = self._document(cf, where)
            doc["specs"] = [_spec_doc(s) for s in cf._input_specs]
            self.concrete_index[key] = self._keep_concrete(doc, cf)
        return self.concrete_index[key]

    def from_specs(self, function, args, kwargs, where) -> int:
        key = (id(function), repr((args, kwargs)))
        if key in self.concrete_index:
            return self.concrete_index[key]
        if _has_composite_specs((args, kwargs)):
            # Composite inputs: one trace serving every value of the specs (polymorphic.py).
            cf = function.get_concrete_function(*args, **kwargs)
            _check_serves_specs(cf, where)
            doc = self._document(cf, where)
            doc["specs"] = [_spec_doc(s) for s in cf._input_specs]
        elif not _has_unknown_dims((args, kwargs)):
            cf = trace_for_export(function, args, kwargs)
            doc = self._document(cf, where)
            doc["specs"] = [_spec_doc(s) for s in cf._input_specs]
        else:
            doc, cf = self._generic(function, args, kwargs, where)
        names = [
            x.name for x in nest.flatten((list(args), dict(kwargs))) if isinstance(x, TensorSpec)
        ]
        if len(names) == len(doc["specs"]):
            for spec, name in zip(doc["specs"], names):
                spec["name"] = name
        self.concrete_index[key] = self._keep_concrete(doc, cf)
        return self.concrete_index[key]

    def _keep_concrete(self, doc, cf) -> int:
        self.concrete.append(doc)
        self.keep.append(cf)
        return len(self.concrete) - 1

    def _document(self, cf, where, prefix=None) -> dict:
        prefix = prefix or f"functions/{len(self.concrete)}"
        graph = encode_graph(cf.graph, self.slot_of(where), where, self.arrays, prefix)
        return {
            "name": cf._function._name,
            "structure": [[name, _structure_doc(value, where)] for name, value in cf._structure],
            "outputs": _output_doc(cf._template, where),
            "output_specs": [
                {"shape": _output_shape(cf, v), "dtype": str(cf.graph.dtype(v))}
                for v in cf.graph.outputs
            ],
            "graph": graph,
            "dims": [],
        }

    def _generic(self, function, args, kwargs, where):
        """Three traces at the PROBES sizes merged into one document (`generalize`)."""
        traces = []
        for t in range(3):
            probe_args, probe_kwargs = _probed((list(args), dict(kwargs)), t)
            traces.append(trace_for_export(function, probe_args, probe_kwargs))
        base = len(self.concrete)
        docs = [
            self._document(cf, where, prefix=f"functions/{base}/probe{t}")
            for t, cf in enumerate(traces)
        ]
        shapes = [[s.shape.as_list() for s in cf._input_specs] for cf in traces]
        dims, specs = [], []
        for i, spec in enumerate(traces[0]._input_specs):
            ranks = {len(shapes[t][i]) for t in range(3)}
            if len(ranks) > 1:
                specs.append(_spec_doc(TensorSpec(None, spec.dtype)))
                continue
            shape = []
            for axis, size in enumerate(shapes[0][i]):
                if size == shapes[1][i][axis]:
                    shape.append(size)
                    continue
                k = generalize.PROBES[0].index(size)
                while len(dims) <= k:
                    dims.append(None)
                dims[k] = [i, axis]
                shape.append(None)
            specs.append(_spec_doc(TensorSpec(shape, spec.dtype)))
        graphs = [d.pop("graph") for d in docs]
        consts = [g.pop("consts") for g in graphs]
        output_specs = [d.pop("output_specs") for d in docs]
        try:
            if docs[0] != docs[1] or docs[0] != docs[2]:
                raise generalize.NotGeneric("the function's inputs or outputs differ")
            merged = generalize.merge(graphs, self.arrays, len(dims))
            merged["consts"] = generalize.merge_consts(consts, self.arrays, "constants")
        except generalize.NotGeneric as e:
            raise ValueError(
                f"tf.saved_model.save: {where}: the traced graph depends on the size of a "
                f"None dimension of its input signature in a way a saved graph cannot express "
                f"({e}{_op_at(graphs[0], str(e))}). Use tf.shape(x) (or -1 in reshapes) rather "
                f"than Python ints taken from x.shape."
            ) from None
        for key in [k for k in self.arrays if k.startswith(f"functions/{base}/probe")]:
            if not key.startswith(f"functions/{base}/probe0/"):
                del self.arrays[key]
        doc = docs[0]
        doc.update(graph=merged, specs=specs, dims=dims, output_specs=_merged_specs(output_specs))
        return doc, traces[0]

    # ---- signatures ---------------------------------------------------------------------

    def signatures(self, signatures) -> dict:
        if signatures is None:
            return {}
        if not isinstance(signatures, dict):
            signatures = {DEFAULT_SIGNATURE: signatures}
        out = {}
        for name, target in signatures.items():
            where = f"signature {name!r}"
            if isinstance(target, ConcreteFunction):
                index = self.from_concrete(target, where)
            elif isinstance(target, Function):
                if target.input_signature is None:
                    raise ValueError(
                        f"tf.saved_model.save: {where} is a tf.function without an "
                        f"input_signature; pass f.get_concrete_function(...) instead"
                    )
                index = self.from_specs(target, target.input_signature, {}, where)
            else:
                raise ValueError(
                    f"tf.saved_model.save: {where} must be a tf.function with an "
                    f"input_signature or a ConcreteFunction, got {type(target).__name__}"
                )
            out[name] = _signature_doc(self.concrete[index], index, where)
        return out


def _merged_specs(per_trace) -> list:
    """Output specs of the three traces: a size that differs is None, a rank that differs
    is an unknown shape."""
    out = []
    for a, b, c in zip(*per_trace):
        if not len(a["shape"]) == len(b["shape"]) == len(c["shape"]):
            out.append({"shape": None, "dtype": a["dtype"]})
            continue
        shape = [x if x == y == z else None for x, y, z in zip(a["shape"], b["shape"], c["shape"])]
        out.append({"shape": shape, "dtype": a["dtype"]})
    return out


def _functions_of(obj):
    """(name, bound Function) of the tf.functions on `obj`: class attributes (methods) and
    instance attributes, public names and __call__."""
    names = {}
    for klass in reversed(type(obj).__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Function):
                names[name] = None
    for name, value in vars(obj).items():
        if isinstance(value, Function):
            names[name] = None
    for name in sorted(names):
        if name.startswith("_") and name != "__call__":
            continue
        yield name, getattr(obj, name)


def _output_shape(cf, v) -> list:
    """An output's shape; in a trace serving every size, None where it follows one."""
    shape = list(cf.graph.shape(v))
    other = getattr(cf.graph, "shadow_shapes", {}).get(v) if cf.polymorphic else None
    if other is None or len(other) != len(shape):
        return shape
    return [a if a == b else None for a, b in zip(shape, other)]


def _has_composite_specs(structure) -> bool:
    return any(
        isinstance(x, (RaggedTensorSpec, SparseTensorSpec)) for x in nest.flatten(structure)
    )


def _check_serves_specs(cf, where):
    """A trace from composite specs is saved as it runs in this process: it must serve
    every value of its specs (their component tensors' None dimensions)."""
    if not cf.polymorphic:
        raise ValueError(
            f"tf.saved_model.save: {where}: the trace for its RaggedTensorSpec or "
            f"SparseTensorSpec arguments holds the sizes it was traced with "
            f"({cf.polymorphic_reason}); a saved graph cannot serve other values"
        )


def _has_unknown_dims(structure) -> bool:
    return any(
        isinstance(x, TensorSpec) and (x.shape.rank is None or None in x.shape.as_list())
        for x in nest.flatten(structure)
    )


def _probed(structure, t):
    """`structure` with each TensorSpec's None dimensions set to trace t's PROBES sizes
    (in order of appearance) and an unknown rank set to rank t + 1."""
    counter = [0]

    def probe(x):
        if not isinstance(x, TensorSpec):
            return x
        if x.shape.rank is None:
            return TensorSpec(generalize.UNKNOWN_RANK_SHAPES[t], x.dtype, x.name)
        dims = []
        for d in x.shape.as_list():
            if d is None:
                if counter[0] >= generalize.MAX_NONE_DIMS:
                    raise ValueError(
                        f"tf.saved_model.save: at most {generalize.MAX_NONE_DIMS} None "
                        f"dimensions in one input signature"
                    )
                d = generalize.PROBES[t][counter[0]]
                counter[0] += 1
            dims.append(d)
        return TensorSpec(dims, x.dtype, x.name)

    return nest.map_structure(probe, structure)


def _op_at(graph, message) -> str:
    import re

    match = re.search(r"\.nodes\[(\d+)\]", message)
    if match is None:
        return ""
    node = graph["nodes"][int(match.group(1))]
    return f", in op {node.get('op', node.get('kind'))}"


def save(obj, export_dir, signatures=None, options=None):
    """Saves `obj` (a tf.Module, Keras model, ...) to `export_dir`: its variables, the
    structure of its trackable objects and its traced tf.functions, loadable without the
    Python code that made them (`tf.saved_model.load`).

    Args:
        obj: the root object.
        export_dir: the directory (created if needed; its SavedModel file is replaced).
        signatures: a tf.function with an input_signature, a ConcreteFunction, or a dict
            name -> either; the first is `serving_default`. A Keras model saved without
            signatures gets `serving_default` from its call, as in TF.
        options: accepted for compatibility (`tf.saved_model.SaveOptions`); ignored.

    Raises:
        ValueError: a function holds something that cannot be saved as data (a host
            callback, a Python object as an op attribute), or depends on the size of a None
            dimension in a way a graph cannot express; the message names it.
    """
    from .. import __version__

    if signatures is None:
        signatures = _keras_default_signature(obj)
    exporter = _Exporter(obj)
    exporter.walk()
    try:
        exporter.attach_functions()
        signature_docs = exporter.signatures(signatures)
    except Unserializable as e:
        raise ValueError(f"tf.saved_model.save: {e}") from None
    tensors = dict(exporter.arrays)
    variables = []
    for i, var in enumerate(exporter.variables):
        key = f"variables/{i}"
        tensors[key] = to_numpy(var._value)
        name = getattr(var, "path", None) or var.name
        variables.append(
            {
                "name": name[:-2] if name.endswith(":0") else name,
                "key": key,
                "dtype": var.dtype.name,
                "shape": list(var.shape.as_list()),
                "trainable": bool(var.trainable),
            }
        )
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "tapeflow_version": __version__,
        "date_saved": datetime.datetime.now().isoformat(timespec="seconds"),
        "objects": exporter.objects,
        "variables": variables,
        "functions": exporter.functions,
        "concrete_functions": exporter.concrete,
        "signatures": signature_docs,
    }
    export_dir = os.fspath(export_dir)
    os.makedirs(export_dir, exist_ok=True)
    write_tensors(os.path.join(export_dir, FILENAME), tensors, metadata)


def _keras_default_signature(obj):
    """Keras models saved with no signatures get `serving_default` from their call (input
    "inputs", outputs "output_0", ...), as TF saves Keras 3 models."""
    method = getattr(obj, "_default_serving_signature", None)
    return method() if callable(method) else None
