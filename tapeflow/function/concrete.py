"""`ConcreteFunction`: one trace of a Function, its graph and compiled plan.

It also knows how to pack the plan's flat arrays into the traced function's output
structure, and how to replay its graph op by op through the dispatcher (when a tape is
recording around the call).
"""

from __future__ import annotations

import numpy as np

from ..core import nest
from ..core.errors import InvalidArgumentError
from ..core.indexed_slices import IndexedSlices
from ..core.registry import execute, get_op
from ..core.shape import TensorShape
from ..core.tensor import Operand, Tensor, convert_to_tensor, wrap
from . import jit_config
from . import signature as sig
from .binding import bind_arguments
from .codegen import build_plan
from .fusion import fuse_bias_relu, fuse_conv_bias_relu, fuse_elementwise, fuse_sum_reshape
from .host import host_call
from .introspection import ConcreteInfo
from .passes import optimize
from .polymorphic import guard_clamped_sizes, relaxed_shape
from .runtime import GuardFailure, guard_fails


class _Out:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


_PYTHON_VALUES = (bool, int, float, complex, str, bytes, np.ndarray, np.generic)


def as_function_outputs(result, python_function):
    """What a tf.function returns for `result`: TF's rule for function outputs.

    Tensors, IndexedSlices and None stay; a Variable is read (its value at the return);
    Python and NumPy numbers, strings and arrays become constant Tensors (`return 0` gives
    an int32 Tensor), anywhere in a nested structure. Anything else is TF's TypeError.
    """

    def convert(x):
        if x is None or type(x) is Tensor or isinstance(x, IndexedSlices):
            return x
        if hasattr(x, "_components"):  # a composite tensor (SparseTensor)
            return x
        if isinstance(x, Operand):
            return execute(identity_op(), (x,), {}) if x._is_variable else x
        if isinstance(x, _PYTHON_VALUES):
            return convert_to_tensor(x)
        if isinstance(x, TensorShape) and x.is_fully_defined():
            return convert_to_tensor(x.as_list(), dtype="int32")
        raise TypeError(
            "To be compatible with tf.function, Python functions must return zero or more "
            "Tensors or ExtensionTypes or None values; in compilation of "
            f"{python_function!r}, found return value of type {type(x).__name__}, which is "
            "not a Tensor or ExtensionType."
        )

    if not nest.is_nested(result):
        return convert(result)
    return nest.map_structure(convert, result)


class _CompositeOut:
    """A composite output (SparseTensor): the _Out markers of its components."""

    __slots__ = ("cls", "parts")

    def __init__(self, cls, parts):
        self.cls = cls
        self.parts = parts

    def build(self, fill):
        return self.cls._from_components(tuple(fill(p) for p in self.parts))


def output_template(tracer, result):
    """`result` with each Tensor replaced by an _Out marker, and the flat value ids."""
    outputs = []

    def mark(x):
        if isinstance(x, Operand):
            outputs.append(tracer.output_value(x))
            return _Out(len(outputs) - 1)
        if isinstance(x, IndexedSlices):
            return IndexedSlices(mark(x.values), mark(x.indices), x.dense_shape)
        if hasattr(x, "_components"):
            return _CompositeOut(type(x), [mark(c) for c in x._components()])
        return x

    if isinstance(result, Operand):
        return mark(result), outputs
    leaves = [mark(x) for x in nest.flatten(result)]
    if not nest.is_nested(result):
        return leaves[0], outputs
    return nest.pack_sequence_as(result, leaves), outputs


def _fill(template, arrays):
    if isinstance(template, _Out):
        return wrap(arrays[template.index])
    if not nest.is_nested(template):
        return _fill_leaf(template, arrays)
    return nest.map_structure(lambda x: _fill_leaf(x, arrays), template)


def _fill_leaf(x, arrays):
    # A module function, not a closure that names itself: such a closure is a reference
    # cycle holding `arrays` (every output of the call) until the garbage collector runs.
    if isinstance(x, _Out):
        return wrap(arrays[x.index])
    if isinstance(x, IndexedSlices) and isinstance(x.values, _Out):
        return IndexedSlices(
            _fill_leaf(x.values, arrays), _fill_leaf(x.indices, arrays), x.dense_shape
        )
    if isinstance(x, _CompositeOut):
        return x.build(lambda c: _fill_leaf(c, arrays))
    return x


class ConcreteFunction(ConcreteInfo):
    """One trace of a Function: its graph (`graph`), plan (`plan_source`) and outputs;
    TF's introspection (signatures, graph tensors, variables) comes from ConcreteInfo."""

    def __init__(self, function, call, graph, template):
        self._function = function
        self.eager_reason = None  # why calls of this trace run eagerly (its plan is not used)
        self._structure = call.structure
        self.polymorphic = graph.polymorphic
        self.polymorphic_reason = graph.polymorphic_reason
        self._input_specs = [sig._spec_of(t) for t in call.tensors]
        if self.polymorphic:
            self._input_specs = [
                sig.TensorSpec(relaxed_shape(s.shape.as_list(), axes), s.dtype)
                for s, axes in zip(self._input_specs, call.dynamic)
            ]
        self._template = template
        self._variable_args = list(call.variables)
        self.graph = graph
        graph.name = function._name
        graph.input_names = _input_names(call)
        graph.input_shapes = {v: spec.shape for v, spec in zip(graph.inputs, self._input_specs)}
        if graph.polymorphic:
            guard_clamped_sizes(graph)
        optimize(graph)
        fuse_sum_reshape(graph)
        self.native = None  # what jit_compile did (function/native/NativeInfo)
        if jit_config.wanted(function._jit_compile):
            from . import native  # the compiler: loaded only when a trace is lowered

            self.native = native.lower(graph, function._name)
        fuse_bias_relu(graph)
        fuse_conv_bias_relu(graph)
        fuse_elementwise(graph)
        self._plan = build_plan(graph, _identifier(function._name))
        self._has_rollback = self._plan.rollback
        _forget_traced_values(graph)
        if isinstance(template, _Out):
            self._pack = self._pack_single
        elif type(template) is tuple and all(isinstance(t, _Out) for t in template):
            self._pack = self._pack_tuple

    @property
    def plan_source(self) -> str:
        """The generated Python code of the plan (for reading and debugging)."""
        return self._plan.source

    def _pack_single(self, arrays):
        return wrap(arrays[0])

    def _pack_tuple(self, arrays):
        return tuple(wrap(a) for a in arrays)

    def _pack(self, arrays):
        return _fill(self._template, arrays)

    def __call__(self, *args, **kwargs):
        """Calls this trace. As in TF, Tensor arguments must have the traced dtypes
        (InvalidArgumentError), Python values are converted to them, and Python arguments
        must equal (or, left out, take) the traced values (TypeError). Positional
        arguments that do not bind so may be the Tensors alone, in order (TF's flat
        signature): the Python arguments then take their traced values."""
        try:
            call = self._structured_call(args, kwargs)
        except TypeError:
            if kwargs or len(args) != len(self._input_specs):
                raise
            call = self._flat_call(args)
        return self._function._dispatch(call)

    def _flat_call(self, tensors):
        """The call of this trace with `tensors` for its Tensor inputs, in order."""
        tensors = [self._fit_tensor(k, t) for k, t in enumerate(tensors)]
        pairs = sig.rebuild(self._structure, tensors, self._variable_args)
        return sig.split_arguments(
            [n for n, _ in pairs], [v for _, v in pairs], self._function._dynamic
        )

    @property
    def inference_fn(self):
        """This trace called with its Tensor inputs only, flat (TF's AtomicFunction)."""
        return lambda *tensors: self._function._dispatch(self._flat_call(tensors))

    def _structured_call(self, args, kwargs):
        fn = self._function
        names, values = bind_arguments(
            fn._signature, args, kwargs, lambda: self._describe_call() + ".", partial=True
        )
        bound = dict(zip(names, values))
        traced = dict(self._structure)
        unknown = [name for name in bound if name not in traced]
        if unknown:
            raise TypeError(self._binding_error(f"got an unexpected argument {unknown[0]!r}"))
        names, values = [], []
        for name, template in self._structure:
            if name in bound:
                value = self._fit(name, template, bound[name])
            elif any(isinstance(x, sig._Leaf) for x in nest.flatten(template)):
                raise TypeError(self._binding_error(f"missing a required argument: {name!r}"))
            else:
                value = template  # a Python argument left out takes its traced value
            names.append(name)
            values.append(value)
        return sig.split_arguments(names, values, fn._dynamic)

    def _fit(self, name, template, value):
        if isinstance(template, sig._Leaf) and template.kind == "t":
            return self._fit_tensor(template.index, value)  # a list here is data, not nesting
        markers = nest.flatten(template)
        leaves = nest.flatten(value)
        if len(markers) != len(leaves) or (
            nest.is_nested(template) and sig._treedef(template) != sig._treedef(value)
        ):
            raise TypeError(
                self._binding_error(f"Can not cast {value!r} to {self._describe(template)}")
            )
        out = []
        for marker, leaf in zip(markers, leaves):
            if isinstance(marker, sig._Composite):  # a SparseTensor or RaggedTensor argument
                if not marker.spec.is_compatible_with(leaf):
                    raise TypeError(
                        self._binding_error(f"Can not cast {leaf!r} to {marker.spec!r}")
                    )
            elif not isinstance(marker, sig._Leaf):
                if type(leaf) is not type(marker) or leaf != marker:
                    raise TypeError(
                        self._binding_error(f"Can not cast {leaf!r} to Literal[{marker!r}]")
                    )
            elif marker.kind == "t":
                leaf = self._fit_tensor(marker.index, leaf)
            elif not (isinstance(leaf, Operand) and leaf._is_variable):
                raise TypeError(
                    self._binding_error(f"{name}: expected a tf.Variable, got {leaf!r}")
                )
            out.append(leaf)
        return nest.pack_sequence_as(value, out) if nest.is_nested(value) else out[0]

    def _fit_tensor(self, index, value):
        spec = self._input_specs[index]
        if isinstance(value, Operand) or isinstance(value, (np.ndarray, np.generic)):
            tensor = convert_to_tensor(value)
            if tensor.dtype != spec.dtype:
                raise InvalidArgumentError(
                    f"cannot compute {self._function._name} as input #{index}(zero-based) was "
                    f"expected to be a {spec.dtype.name} tensor but is a {tensor.dtype.name} "
                    f"tensor"
                )
            return tensor
        try:
            return convert_to_tensor(value, dtype=spec.dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(self._binding_error(f"Can not cast {value!r} to {spec!r}")) from e

    def _describe(self, template) -> str:
        def spec(x):
            if not isinstance(x, sig._Leaf):
                return x
            return self._input_specs[x.index] if x.kind == "t" else "tf.Variable"

        return repr(nest.map_structure(spec, template) if nest.is_nested(template) else template)

    def _describe_call(self):
        return f"for signature: ({', '.join(name for name, _ in self._structure)})"

    def _binding_error(self, why: str) -> str:
        return f"Binding inputs to tf.function failed due to `{why}`. {self._describe_call()}."

    def _replay(self, tensors, variables):
        """Executes the graph through the dispatcher (active tapes record every op)."""
        graph = self.graph
        env = {v: t for v, t in zip(graph.inputs, tensors)}
        slots = [variables[w] if kind == "arg" else w for kind, w, *_ in graph.var_sources]
        identity = identity_op()

        def value(v):
            t = env.get(v)
            if t is None:
                t = env[v] = wrap(graph.arrays[v])
            return t

        for n in graph.nodes:
            members = n.attrs["nodes"] if n.kind == "fused" else [n]
            for m in members:
                if m.kind == "op":
                    out = execute(m.op, tuple(value(v) for v in m.inputs), m.attrs)
                    outs = out if m.op.multiple_outputs else (out,)
                    env.update(zip(m.outputs, outs))
                elif m.kind == "read":
                    env[m.outputs[0]] = execute(identity, (slots[m.attrs["var"]],), {})
                elif m.kind == "write":
                    var = slots[m.attrs["var"]]
                    if m.attrs["method"] == "assign_slice":
                        var._assign_slice(m.attrs["key"], value(m.inputs[0]))
                    elif m.attrs["method"] == "scatter_nd_update":
                        var.scatter_nd_update(value(m.inputs[1]), value(m.inputs[0]))
                    else:
                        getattr(var, m.attrs["method"])(value(m.inputs[0]))
                elif m.kind == "callback":
                    ins = [value(v) for v in m.inputs]
                    result = host_call(m.attrs["fn"], *ins)
                    outs = (
                        ()
                        if result is None
                        else (result if isinstance(result, tuple) else (result,))
                    )
                    env.update(zip(m.outputs, outs))
                    # A callback with a gradient (tf.py_function) records it on the tapes.
                    record_gradient = getattr(m.attrs["fn"], "record_gradient", None)
                    if record_gradient is not None:
                        record_gradient(ins, list(outs))
                elif m.kind == "guard":
                    x = value(m.inputs[0])._value
                    failed = guard_fails(m.attrs["kind"], x, m.attrs["expected"])
                    if failed:
                        raise GuardFailure(0)
        return self._fill_tensors([value(v) for v in graph.outputs])

    def _fill_tensors(self, tensors):
        def fill(x):
            if isinstance(x, _Out):
                return tensors[x.index]
            if isinstance(x, IndexedSlices) and isinstance(x.values, _Out):
                return IndexedSlices(fill(x.values), fill(x.indices), x.dense_shape)
            if isinstance(x, _CompositeOut):
                return x.build(fill)
            return x

        if isinstance(self._template, _Out):
            return tensors[self._template.index]
        if not nest.is_nested(self._template):
            return fill(self._template)
        return nest.map_structure(fill, self._template)


def _input_names(call) -> list:
    """Placeholder names: each Tensor argument's name; nested ones numbered (x, x_1, ...)."""
    names = []
    for name, template in call.structure:
        count = 0
        for x in nest.flatten(template):
            if isinstance(x, sig._Composite):  # a SparseTensor: its component tensors
                count += sum(isinstance(m, sig._Leaf) and m.kind == "t" for m in x.markers)
            elif isinstance(x, sig._Leaf) and x.kind == "t":
                count += 1
        names += [name if k == 0 else f"{name}_{k}" for k in range(count)]
    return [n.replace("[", "_").replace("]", "") for n in names]


def _forget_traced_values(graph):
    """Keeps constants; other values keep only their shape and dtype (no memory)."""
    for v, a in graph.arrays.items():
        if v not in graph.consts:
            dtype = a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype  # never off a GPU
            graph.arrays[v] = np.broadcast_to(np.zeros((), dtype), np.shape(a))


def identity_op():
    return get_op("Identity")


def _identifier(name: str) -> str:
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return text if text and not text[0].isdigit() else "f_" + text
