"""The functions of a loaded SavedModel: concrete functions, tf.functions, signatures.

A `LoadedConcreteFunction` runs its graph IR without the Python code that traced it. Under
a GradientTape (or when a shape is new) it interprets the graph op by op through the
dispatcher, so tapes record it and gradients reach the restored variables; otherwise it runs
a plan compiled for that input shape (`function.codegen`, as tf.function does), built from
the first interpreted call at the shape. Sizes of `None` dimensions reach the graph's
attributes through `ir_serialize.Dim` references. A RaggedTensor or SparseTensor argument
or result is rebuilt from its component tensors with `_from_components` of a class looked
up by name in a fixed allow-list; a file naming anything else is refused when loaded.

A guard that fails means the call takes another path of Python control flow than the
traced one: the saved graph cannot serve it, and the error says so.
"""

from __future__ import annotations

import numpy as np

from ..core import dtypes, nest
from ..core.context import state
from ..core.errors import InvalidArgumentError
from ..core.registry import execute, get_op
from ..core.shape import TensorShape
from ..core.spec import TensorSpec
from ..core.tensor import Operand, convert_to_tensor, wrap
from ..function.codegen import build_plan
from ..function.ir import Graph, Node
from ..function.ir_serialize import has_dims, instantiate
from ..function.runtime import GuardFailure, guard_fails
from .composites import (
    _check_composites,
    _composite_class,
    _composite_classes,
    _composite_example,
    _composite_spec,
)

MAX_PLANS = 16  # compiled plans kept per function (one per input shape)


class LoadedConcreteFunction:
    """One saved trace: call it with arguments fitting its `structured_input_signature`."""

    def __init__(self, doc, graph_parts, variables, where):
        self.name = doc["name"]
        self._where = where
        self._structure = [(name, value) for name, value in doc["structure"]]
        self._specs = [
            TensorSpec(s["shape"], dtypes.as_dtype(s["dtype"]), s.get("name"))
            for s in doc["specs"]
        ]
        self._outputs = doc["outputs"]
        self._output_specs = doc.get("output_specs", [])
        nodes, consts, inputs, slots, outputs = graph_parts
        self._nodes = nodes
        self._consts = consts
        self._inputs = inputs
        self._variables = [variables[i] for i in slots]
        self._graph_outputs = outputs
        self._dims = [tuple(d) for d in doc.get("dims", []) if d is not None]
        self._generic = any(has_dims(n.attrs) for n in nodes)
        self._plans = {}
        self._identity = get_op("Identity")
        if len(self._inputs) != len(self._specs):
            raise ValueError(f"{where}: a function's inputs do not match its specs")
        _check_composites([v for _, v in self._structure], "args", len(self._specs), where)
        _check_composites(self._outputs, "outs", len(outputs), where)

    # ---- inputs -------------------------------------------------------------------------

    @property
    def structured_input_signature(self):
        def spec(doc):
            if isinstance(doc, dict) and "arg" in doc:
                return self._specs[doc["arg"]]
            if isinstance(doc, dict) and "composite" in doc:
                return _composite_spec(doc, [self._specs[i] for i in doc["args"]])
            return _rebuild(doc, spec)

        return tuple(spec(value) for _, value in self._structure), {}

    def structured_output_spec(self, index):
        s = self._output_specs[index] if index < len(self._output_specs) else None
        return TensorSpec(s["shape"], dtypes.as_dtype(s["dtype"])) if s else None

    @property
    def structured_outputs(self):
        return _rebuild_outputs(self._outputs, self.structured_output_spec, specs=True)

    @property
    def variables(self) -> tuple:
        return tuple(self._variables)

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self._variables if v.trainable)

    def _flat_inputs(self, args, kwargs) -> list:
        names = [name for name, _ in self._structure]
        if len(args) > len(names):
            raise TypeError(
                f"{self.name}() takes {len(names)} arguments ({', '.join(names)}), got {len(args)}"
            )
        bound = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names or key in bound:
                raise TypeError(f"{self.name}() got an unexpected or repeated argument {key!r}")
            bound[key] = value
        flat = [None] * len(self._specs)
        for name, doc in self._structure:
            if name not in bound:
                if _has_args(doc):
                    raise TypeError(f"{self.name}() missing a required argument: {name!r}")
                continue
            self._bind(doc, bound[name], flat, name)
        return flat

    def _bind(self, doc, value, flat, where):
        if isinstance(doc, dict) and "arg" in doc:
            flat[doc["arg"]] = self._fit(doc["arg"], value)
        elif isinstance(doc, dict) and "composite" in doc:
            cls = _composite_class(doc, self._where)
            if not isinstance(value, cls):
                raise TypeError(f"{self.name}(): {where} must be a {cls.__name__}")
            components = value._components()
            if len(components) != len(doc["args"]):
                raise TypeError(
                    f"{self.name}(): {where} must be a {cls.__name__} of "
                    f"{len(doc['args'])} component tensors, got {len(components)}"
                )
            spec = _composite_spec(doc, [self._specs[i] for i in doc["args"]])
            if not spec.is_compatible_with(value):
                raise TypeError(f"{self.name}(): {where} {value!r:.100} does not fit {spec!r}")
            for index, component in zip(doc["args"], components):
                flat[index] = self._fit(index, component)
        elif isinstance(doc, dict) and "value" in doc:
            if value != doc["value"]:
                raise TypeError(f"{self.name}(): {where} was traced as {doc['value']!r}")
        elif isinstance(doc, dict) and "t" in doc or isinstance(doc, list):
            items = doc["t"] if isinstance(doc, dict) else doc
            if not isinstance(value, (list, tuple)) or len(value) != len(items):
                raise TypeError(f"{self.name}(): {where} must be a sequence of {len(items)}")
            for i, (d, v) in enumerate(zip(items, value)):
                self._bind(d, v, flat, f"{where}[{i}]")
        elif isinstance(doc, dict) and "d" in doc:
            if not isinstance(value, dict) or set(value) != set(doc["d"]):
                raise TypeError(f"{self.name}(): {where} must be a dict of {sorted(doc['d'])}")
            for k, d in doc["d"].items():
                self._bind(d, value[k], flat, f"{where}[{k!r}]")

    def _fit(self, index, value):
        spec = self._specs[index]
        if isinstance(value, Operand) or isinstance(value, (np.ndarray, np.generic)):
            tensor = convert_to_tensor(value)
            if tensor.dtype != spec.dtype:
                raise InvalidArgumentError(
                    f"{self.name}: input #{index} was saved as a {spec.dtype.name} tensor, got "
                    f"a {tensor.dtype.name} tensor"
                )
        else:
            tensor = convert_to_tensor(value, dtype=spec.dtype)
        if not spec.shape.is_compatible_with(tensor.shape):
            raise InvalidArgumentError(
                f"{self.name}: input #{index} has shape {tensor.shape}, the saved function "
                f"takes {spec.shape}"
            )
        return tensor

    def accepts(self, args, kwargs) -> bool:
        try:
            self._flat_inputs(args, kwargs)
        except (TypeError, ValueError, InvalidArgumentError):
            return False
        return True

    # ---- running ------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        return self._call_flat(self._flat_inputs(args, kwargs))

    def _call_flat(self, tensors):
        return self._pack(self._run(tensors))

    def _run(self, tensors) -> list:
        """The graph's output tensors, by output index."""
        dims = tuple(tensors[i].shape[axis] for i, axis in self._dims)
        key = tuple(t._value.shape for t in tensors)
        plan = None if state.recording or state.tracer is not None else self._plans.get(key)
        if plan is not None:
            try:
                out = plan.run([t._value for t in tensors], ())
            except GuardFailure:
                raise self._other_path() from None
            return [wrap(a) for a in out]
        env = self._interpret(tensors, dims)
        if not state.recording and state.tracer is None and len(self._plans) < MAX_PLANS:
            self._compile(key, dims, env)
        return [self._value(env, v) for v in self._graph_outputs]

    def _value(self, env, v):
        t = env.get(v)
        if t is None:
            t = env[v] = wrap(self._consts[v])
        return t

    def _interpret(self, tensors, dims) -> dict:
        env = dict(zip(self._inputs, tensors))
        for n in self._nodes:
            if n.kind == "op":
                attrs = instantiate(n.attrs, dims) if self._generic else n.attrs
                out = execute(n.op, tuple(self._value(env, v) for v in n.inputs), attrs)
                env.update(zip(n.outputs, out if n.op.multiple_outputs else (out,)))
            elif n.kind == "read":
                var = self._variables[n.attrs["var"]]
                env[n.outputs[0]] = execute(self._identity, (var,), {})
            elif n.kind == "write":
                var = self._variables[n.attrs["var"]]
                value = self._value(env, n.inputs[0])
                method = n.attrs["method"]
                if method == "assign_slice":
                    var._assign_slice(instantiate(n.attrs["key"], dims), value)
                elif method == "scatter_nd_update":
                    var.scatter_nd_update(self._value(env, n.inputs[1]), value)
                else:
                    getattr(var, method)(value)
            elif n.kind == "guard":
                expected = instantiate(n.attrs["expected"], dims)
                if guard_fails(n.attrs["kind"], self._value(env, n.inputs[0])._value, expected):
                    raise self._other_path()
        return env

    def _other_path(self):
        return InvalidArgumentError(
            f"{self.name}: these inputs take another path through the Python control flow "
            f"of the function than the one traced when it was saved; the SavedModel holds "
            f"only that path"
        )

    def _compile(self, key, dims, env):
        """A plan for this input shape, from the arrays of an interpreted call."""
        nodes = [
            Node(n.kind, n.op, n.inputs, instantiate(n.attrs, dims), n.outputs)
            for n in self._nodes
        ]
        arrays = {v: t._value for v, t in env.items()}
        arrays.update(self._consts)
        graph = Graph(
            self._inputs,
            [("capture", var) for var in self._variables],
            arrays,
            set(self._consts),
            nodes,
            self._graph_outputs,
        )
        try:
            plan = build_plan(graph, "saved_" + "".join(c for c in self.name if c.isalnum()))
        except Exception:  # noqa: BLE001 - the interpreter stays the way to run it
            return
        for v, a in list(graph.arrays.items()):
            if v not in graph.consts:
                dtype = a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype  # never off a GPU
                graph.arrays[v] = np.broadcast_to(np.zeros((), dtype), np.shape(a))
        self._plans[key] = plan

    def _pack(self, tensors):
        return _rebuild_outputs(self._outputs, lambda i: tensors[i])

    def __repr__(self):
        args, _ = self.structured_input_signature
        return f"<LoadedConcreteFunction {self.name}{args}>"


def _has_args(doc) -> bool:
    if isinstance(doc, dict):
        return "arg" in doc or any(_has_args(v) for v in doc.get("t", doc.get("d", {})) or [])
    if isinstance(doc, list):
        return any(_has_args(v) for v in doc)
    return False


def _rebuild(doc, leaf):
    if isinstance(doc, dict) and "value" in doc:
        return doc["value"]
    if isinstance(doc, dict) and "t" in doc:
        return tuple(leaf(v) for v in doc["t"])
    if isinstance(doc, dict) and "d" in doc:
        return {k: leaf(v) for k, v in doc["d"].items()}
    if isinstance(doc, list):
        return [leaf(v) for v in doc]
    return leaf(doc)


def _rebuild_outputs(doc, leaf, specs=False):
    """The outputs from `leaf(index)` of each flat output (or, `specs`, their specs)."""
    if isinstance(doc, dict) and "out" in doc:
        return leaf(doc["out"])
    if isinstance(doc, dict) and "composite" in doc:
        if specs:
            return _composite_spec(doc, [leaf(i) for i in doc["outs"]])
        cls = _composite_classes()[doc["composite"]]  # checked when loaded
        return cls._from_components(tuple(leaf(i) for i in doc["outs"]))
    if isinstance(doc, dict) and "value" in doc:
        return doc["value"]
    if isinstance(doc, dict) and "t" in doc:
        return tuple(_rebuild_outputs(v, leaf, specs) for v in doc["t"])
    if isinstance(doc, dict) and "d" in doc:
        return {k: _rebuild_outputs(v, leaf, specs) for k, v in doc["d"].items()}
    if isinstance(doc, list):
        return [_rebuild_outputs(v, leaf, specs) for v in doc]
    return None


class LoadedFunction:
    """A restored tf.function: calls go to the first concrete function that accepts them."""

    def __init__(self, name, concrete_functions):
        self.name = name
        self.concrete_functions = list(concrete_functions)

    def __call__(self, *args, **kwargs):
        for concrete in self.concrete_functions:
            if concrete.accepts(args, kwargs):
                return concrete(*args, **kwargs)
        expected = "\n".join(
            f"  Option {i + 1}: {c.structured_input_signature[0]}"
            for i, c in enumerate(self.concrete_functions)
        )
        raise ValueError(
            f"Could not find matching concrete function to call loaded from the SavedModel. "
            f"Got: {args!r:.200} {kwargs!r:.100}\nExpected one of:\n{expected}"
        )

    def get_concrete_function(self, *args, **kwargs):
        """The concrete function that accepts these arguments (TensorSpecs or values)."""
        examples = nest.map_structure(
            lambda x: x._example() if isinstance(x, TensorSpec) else _composite_example(x),
            (list(args), kwargs),
        )
        for concrete in self.concrete_functions:
            if concrete.accepts(tuple(examples[0]), examples[1]):
                return concrete
        raise ValueError(f"{self.name}: no saved concrete function accepts {args!r:.200}")

    def __repr__(self):
        return f"<restored tf.function {self.name}: {len(self.concrete_functions)} traces>"


class SignatureFunction:
    """A signature (`loaded.signatures["serving_default"]`): named inputs (keyword, or
    positional in order) and a dict of named outputs."""

    def __init__(self, concrete: LoadedConcreteFunction, inputs: list, outputs: dict, composites):
        self._concrete = concrete
        self._input_names = list(inputs)
        self._output_names = {int(k): v for k, v in outputs.items()}
        self.name = concrete.name
        # name -> document of a RaggedTensor or SparseTensor output (its component outputs)
        self._composites = dict(composites or {})
        for k, v in self._composites.items():
            if not (isinstance(k, str) and isinstance(v, dict) and "composite" in v):
                raise ValueError(f"{concrete._where}: signature composite output {k!r:.40}")
        count = len(concrete._graph_outputs)
        _check_composites(list(self._composites.values()), "outs", count, concrete._where)

    @property
    def structured_input_signature(self):
        specs = self._concrete._specs
        return (), {
            name: TensorSpec(specs[i].shape, specs[i].dtype, name)
            for i, name in enumerate(self._input_names)
        }

    @property
    def structured_outputs(self):
        out = {}
        for index, name in sorted(self._output_names.items(), key=lambda kv: kv[1]):
            spec = self._concrete._output_specs[index]
            shape = TensorShape(spec["shape"])
            out[name] = TensorSpec(shape, dtypes.as_dtype(spec["dtype"]), name)
        for name, doc in self._composites.items():
            specs = [self._concrete.structured_output_spec(i) for i in doc["outs"]]
            out[name] = _composite_spec(doc, specs)
        return dict(sorted(out.items()))

    @property
    def variables(self):
        return self._concrete.variables

    @property
    def trainable_variables(self):
        return self._concrete.trainable_variables

    def __call__(self, *args, **kwargs):
        if len(args) > len(self._input_names):
            raise TypeError(
                f"signature {self.name} takes {len(self._input_names)} inputs "
                f"({self._input_names}), got {len(args)} positional arguments"
            )
        values = dict(zip(self._input_names, args))
        for key, value in kwargs.items():
            if key not in self._input_names or key in values:
                raise TypeError(
                    f"signature {self.name}: unexpected or repeated input {key!r}; its "
                    f"inputs are {self._input_names}"
                )
            values[key] = value
        missing = [name for name in self._input_names if name not in values]
        if missing:
            raise TypeError(f"signature {self.name}: missing inputs {missing}")
        flat = [self._concrete._fit(i, values[name]) for i, name in enumerate(self._input_names)]
        outputs = self._concrete._run(flat)
        result = {self._output_names[i]: outputs[i] for i in sorted(self._output_names)}
        for name, doc in self._composites.items():
            result[name] = _rebuild_outputs(doc, lambda i: outputs[i])
        return result

    def __repr__(self):
        return f"<signature {self.name}: inputs {self._input_names}>"
