"""`tf.function`: trace once per input signature, then run the compiled plan.

A call looks up its key (see `signature.py`). The first call with a new key traces: the
Python function runs eagerly with the tracer attached (so that call's results are eager
results), and the recorded graph is optimised and compiled into a plan. Later calls with
the key run the plan. As in TensorFlow:

- Python side effects run while tracing only; `tf.print` is an op and runs on every call;
- a function may create variables on its first trace only; since that trace holds their
  initialisation, the next call traces again, and creating a variable then is TF's
  ValueError;
- frequent retracing warns, naming the argument that changed.

Control flow on tensor values is traced with concrete values: each conversion of a tensor
to Python is a guard. A call whose guards fail (the other branch of an `if`) is traced
again, and a signature keeps a few traces, one per path, tried most recent first.

Under an active GradientTape (or ForwardAccumulator) the plan is replayed op by op through
the dispatcher instead, so the tape records it and gradients flow through the call.
"""

from __future__ import annotations

import collections
import functools
import inspect
import types
import weakref

from ..core import nest
from ..core.context import state
from ..core.ragged_spec import RaggedTensorSpec
from ..core.sparse import SparseTensorSpec
from ..core.tensor import Tensor
from . import signature as sig
from .autograph import track
from .binding import bind_arguments, call_arguments
from .concrete import ConcreteFunction, as_function_outputs
from .export import note_requested
from .introspection import FunctionSpec, FunctionType
from .polymorphic import (
    composite_axes,
    differing_axes,
    dynamic_axes,
    relaxed_shape,
    resolved_axes,
    signature_axes,
)
from .runtime import GuardFailure
from .tracing import RETRACE_WINDOW, TracingMixin, end_of_sequence

_run_eagerly = False


def run_functions_eagerly(run_eagerly: bool):
    """`tf.config.run_functions_eagerly`: make every tf.function call its Python function."""
    global _run_eagerly
    _run_eagerly = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """Whether tf.function calls run their Python function (`run_functions_eagerly`)."""
    return _run_eagerly


class Function(TracingMixin):
    """A callable that traces its Python function and runs the compiled plan (tf.function)."""

    def __init__(
        self,
        python_function,
        input_signature=None,
        autograph=True,
        jit_compile=None,
        reduce_retracing=False,
        name=None,
        **experimental,
    ):
        for key in experimental:
            if not key.startswith("experimental_"):
                raise TypeError(f"function() got an unexpected keyword argument {key!r}")
        if not callable(python_function):
            raise TypeError(f"tf.function needs a callable, got {python_function!r}")
        functools.update_wrapper(self, python_function, updated=())
        self._python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self._input_signature = None if input_signature is None else tuple(input_signature)
        # Per flat TensorSpec of the signature, the axes of its None dimensions: a trace may
        # then serve every size of them (see polymorphic.py).
        self._dynamic = signature_axes(self._input_signature)
        self._fast_dynamic = None  # the same per positional argument, for the fast path
        self._general = []  # (dynamic axes) of concrete functions traced from None specs
        self._autograph = autograph
        self._jit_compile = jit_compile
        self._reduce_retracing = bool(
            reduce_retracing or experimental.get("experimental_relax_shapes")
        )
        try:
            self._signature = inspect.signature(python_function)
        except (TypeError, ValueError):
            self._signature = None
        self._fast_names = _positional_names(self._signature)
        if (
            self._dynamic is not None
            and self._fast_names is not None
            and len(self._fast_names) == len(self._input_signature)
            and all(isinstance(s, sig.TensorSpec) for s in self._input_signature)
        ):
            self._fast_dynamic = self._dynamic
        self._cache = {}
        self._tracing_count = 0
        self._traced_once = False
        self._recent = collections.deque(maxlen=RETRACE_WINDOW)
        self._last_parts = None
        self._last_traced_key = None  # reduce_retracing: the key of the last call traced
        self._warned_eager = set()
        self._calls_since_warning = RETRACE_WINDOW
        self._instances = weakref.WeakKeyDictionary()
        self._concrete = []  # every kept trace, in the order they were made
        self._in_progress = []  # keys of the traces (and inlined calls) running now
        track(self)

    # ---- methods ------------------------------------------------------------------------------

    def __get__(self, instance, owner=None):
        """A Function bound to `instance`: it traces separately for each instance."""
        if instance is None:
            return self
        try:
            bound = self._instances.get(instance)
        except TypeError:  # unhashable instance: keep the bound function on it
            return self._bound_for(instance)
        if bound is None:
            bound = self._make_bound(instance)
            self._instances[instance] = bound
        return bound

    def _bound_for(self, instance):
        key = f"_tf_function_{id(self)}"
        bound = instance.__dict__.get(key)
        if bound is None:
            bound = self._make_bound(instance)
            instance.__dict__[key] = bound
        return bound

    def _make_bound(self, instance):
        ref = weakref.ref(instance)
        fn = self._python_function

        @functools.wraps(fn)
        def method(*args, **kwargs):
            return fn(ref(), *args, **kwargs)

        method.__signature__ = inspect.signature(types.MethodType(fn, instance))
        return Function(
            method,
            input_signature=self._input_signature,
            autograph=self._autograph,
            jit_compile=self._jit_compile,
            reduce_retracing=self._reduce_retracing,
            name=self._name,
        )

    # ---- calling ------------------------------------------------------------------------------

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    def experimental_get_tracing_count(self) -> int:
        """How many times the Python function was traced."""
        return self._tracing_count

    @property
    def name(self) -> str:
        return self._name

    @property
    def function_spec(self):
        """The Python signature and input_signature (TF's FunctionSpec)."""
        return FunctionSpec(self)

    @property
    def function_type(self):
        return FunctionType(self)

    def pretty_printed_concrete_signatures(self, verbose: bool = True) -> str:
        """The signature of every trace kept, in the order they were made (TF's text)."""
        sep = "\n\n" if verbose else "\n"
        return sep.join(cf.pretty_printed_signature(verbose) for cf in self._concrete)

    def __call__(self, *args, **kwargs):
        if _run_eagerly:
            return self._python_function(*args, **kwargs)  # as TF: the raw Python result
        if state.tracer is not None:  # called while another function is traced: inline it
            key = self._enter_trace(self._split(args, kwargs).key)
            try:
                return self._outputs(self._python_function(*args, **kwargs))
            finally:
                self._in_progress.remove(key)
        tried = None
        if not kwargs and self._fast_names is not None and len(args) == len(self._fast_names):
            # The common call, Tensors only: the key without building a CallArgs.
            try:
                key = tuple([(a._value.dtype, a._value.shape) for a in args if type(a) is Tensor])
            except AttributeError:
                key = None
            entry = self._cache.get(key) if key is not None and len(key) == len(args) else None
            if entry is None and self._fast_dynamic is not None and key is not None:
                entry = self._cache.get(
                    tuple(
                        (d, relaxed_shape(shape, axes))
                        for (d, shape), axes in zip(key, self._fast_dynamic)
                    )
                )
            if entry is not None and entry.eager is None and not state.differentiating:
                self._recent.append(False)
                self._calls_since_warning += 1
                arrays = [a._value for a in args]
                for cf in entry.traces:
                    try:
                        out = cf._plan.run(arrays, ())
                    except GuardFailure:
                        continue
                    if cf is not entry.traces[0]:
                        entry.traces.remove(cf)
                        entry.traces.insert(0, cf)
                    return cf._pack(out)
                self._recent.pop()
                self._calls_since_warning -= 1
                tried = entry  # every trace failed a guard: a new path to trace
        return self._dispatch(self._split(args, kwargs), tried)

    def _dispatch(self, call, tried=None):
        """Runs a bound call: the kept trace of its key, a new trace, or the Python function."""
        if _run_eagerly:
            return self._python_function(*self._args(call), **self._kwargs(call))
        if state.tracer is not None:
            return self._run_eagerly(call)
        entry = self._lookup(call)
        if entry is None:
            if self._reduce_retracing and call.relaxed_key is None:
                self._generalise(call)
            self._note_call(traced=True, call=call)
            return self._trace_and_keep(call)
        self._note_call(traced=False, call=call)
        if entry.eager is not None:
            return self._run_eagerly(call)
        if state.differentiating:
            return self._replay(entry, call)
        variables = call.variables
        arrays = [t._value for t in call.tensors]
        for cf in entry.traces if entry is not tried else ():
            try:
                out = cf._plan.run(arrays, variables)
            except GuardFailure:
                continue
            if cf is not entry.traces[0]:
                entry.traces.remove(cf)
                entry.traces.insert(0, cf)
            return cf._pack(out)
        return self._retrace_for_guards(entry, call)

    def _lookup(self, call):
        """The entry for `call`: its exact shapes' first, else one serving every size of its
        None dimensions (of the input_signature, or of a concrete function's specs)."""
        entry = self._cache.get(call.key)
        if entry is not None:
            return entry
        if call.relaxed_key is not None:
            entry = self._cache.get(call.relaxed_key)
            if entry is not None:
                return entry
        for dynamic in self._general:
            if len(dynamic) == len(call.tensors):
                key = sig.relax_key(call.key, resolved_axes(dynamic, call.tensors))
                entry = self._cache.get(key)
                if entry is not None:
                    call.dynamic = resolved_axes(dynamic, call.tensors)
                    call.relaxed_key = key
                    return entry
        return None

    def _generalise(self, call):
        """reduce_retracing: a call whose sizes differ from the previous trace's only in
        some dimensions is traced with those dimensions as None (as TF does), so that the
        trace serves every size of them where it can (polymorphic.py)."""
        previous = self._last_traced_key
        self._last_traced_key = call.key
        dynamic = differing_axes(previous, call.key) if previous is not None else None
        if dynamic is None or not any(dynamic):
            return
        call.dynamic = dynamic
        call.relaxed_key = sig.relax_key(call.key, dynamic)
        if dynamic not in self._general:
            self._general.append(dynamic)

    def _outputs(self, result):
        return as_function_outputs(result, self._python_function)

    def _run_eagerly(self, call):
        """A call no trace can serve, run as Python; it returns what a trace would."""
        with end_of_sequence():
            return self._outputs(self._python_function(*self._args(call), **self._kwargs(call)))

    def _split(self, args, kwargs) -> sig.CallArgs:
        if self._input_signature is not None:
            names, values = self._bind(args, kwargs)
            values = sig.bind_to_signature(
                self._input_signature, values, lambda: self._describe_call(args, kwargs)
            )
            call = sig.split_arguments(names, values, self._dynamic)
            markers = nest.flatten([template for _, template in call.structure])
            for marker, spec in zip(markers, nest.flatten(list(self._input_signature))):
                if isinstance(marker, sig._Composite):  # the signature's spec describes it
                    marker.spec = spec
            return call
        if not kwargs and self._fast_names is not None and len(args) == len(self._fast_names):
            return sig.split_arguments(self._fast_names, args)
        names, values = self._bind(args, kwargs)
        return sig.split_arguments(names, values)

    def _bind(self, args, kwargs):
        return bind_arguments(
            self._signature, args, kwargs, lambda: self._describe_call(args, kwargs)
        )

    def _describe_call(self, args, kwargs) -> str:
        spec = ", ".join(map(repr, self._input_signature or ()))
        return f"Received args: {args} and kwargs: {kwargs} for signature: ({spec})."

    def _args(self, call):
        """Positional and keyword arguments rebuilt from a CallArgs (bound names)."""
        return self._rebuilt(call, call.tensors, call.variables)[0]

    def _kwargs(self, call):
        return self._rebuilt(call, call.tensors, call.variables)[1]

    def _rebuilt(self, call, tensors, variables):
        pairs = sig.rebuild(call.structure, tensors, variables)
        return call_arguments(self._signature, pairs)

    # ---- concrete functions -------------------------------------------------------------------

    def get_concrete_function(self, *args, **kwargs):
        """The trace for these arguments (Tensors, TensorSpecs or Python values).

        With no arguments, the `input_signature`'s. Tracing here runs the function on the
        given values (ones for TensorSpecs, size 2 in their None dimensions) and undoes its
        variable writes afterwards. A trace from specs with None dimensions serves every size
        of them where it can (see polymorphic.py), also for later calls of this Function.
        """
        if not args and not kwargs and self._input_signature is not None:
            args = self._input_signature
        requested = (tuple(args), dict(kwargs))
        spec_axes = {}  # id(example tensor) -> the None axes of the spec it stands for
        specs = {}  # id(example tensor) -> the spec

        def example(x):
            if isinstance(x, (SparseTensorSpec, RaggedTensorSpec)):
                # Size 2 in the varying dimensions, so that the trace may serve them all.
                value = x._example(2)
                components = value._components() if hasattr(value, "_components") else [value]
                for t, axes in zip(components, composite_axes(x)):
                    spec_axes[id(t)] = axes
                specs[id(components[0])] = x
                return value
            if not isinstance(x, sig.TensorSpec):
                return x
            t = x._example()
            spec_axes[id(t)] = dynamic_axes(x)
            specs[id(t)] = x
            return t

        args = nest.map_structure(example, list(args))
        kwargs = nest.map_structure(example, dict(kwargs))
        call = self._split(tuple(args), kwargs)
        for _, template in call.structure:  # a composite's spec as given describes it
            for marker in nest.flatten(template):
                if isinstance(marker, sig._Composite):
                    marker.spec = specs.get(id(call.tensors[marker.markers[0].index]), marker.spec)
        if call.relaxed_key is None and any(spec_axes.values()):
            dynamic = [spec_axes.get(id(t), ()) for t in call.tensors]
            call.dynamic = resolved_axes(dynamic, call.tensors)
            call.relaxed_key = sig.relax_key(call.key, call.dynamic)
            if dynamic not in self._general:
                self._general.append(dynamic)
        entry = self._cache.get(call.relaxed_key if call.relaxed_key is not None else call.key)
        if entry is not None and entry.traces:
            note_requested(entry.traces[0], *requested)
            return entry.traces[0]
        _, cf = self._trace(call, dry=True)
        if cf is None:  # it created variables: trace once more, as the next call would
            _, cf = self._trace(call, dry=True)
        self._keep(call, cf)
        if not isinstance(cf, ConcreteFunction):
            raise ValueError(f"tf.function {self._name} cannot be traced: {cf}")
        for k, t in enumerate(call.tensors):  # the specs as given describe the new trace
            if isinstance(specs.get(id(t)), sig.TensorSpec):
                cf._input_specs[k] = spec = specs[id(t)]
                if spec.name:
                    cf.graph.input_names[k] = spec.name
                cf.graph.input_shapes[cf.graph.inputs[k]] = spec.shape
        note_requested(cf, *requested)  # tf.saved_model keeps None dimensions
        return cf

    def experimental_get_compiler_ir(self, *args, **kwargs):
        return lambda stage="hlo": str(self.get_concrete_function(*args, **kwargs).graph)

    def __repr__(self):
        return f"<tapeflow.function.Function {self._name}>"


def _positional_names(signature):
    """Parameter names when every parameter is plainly positional (the fast path)."""
    if signature is None:
        return None
    names = []
    for p in signature.parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            return None
        names.append(p.name)
    return names


def function(
    func=None,
    input_signature=None,
    autograph=True,
    jit_compile=None,
    reduce_retracing=False,
    experimental_implements=None,
    experimental_autograph_options=None,
    experimental_attributes=None,
    experimental_relax_shapes=None,
    experimental_compile=None,
    experimental_follow_type_hints=None,
):
    """`tf.function`: compiles `func` into a traced plan (a decorator, with or without args).

    Args:
        func: the Python function (or method) to compile.
        input_signature: a list of `tf.TensorSpec` (None dimensions allowed); calls must
            fit it (TypeError otherwise) and never count as retracing.
        autograph, jit_compile, experimental_*: accepted for compatibility; tracing runs on
            concrete values, so Python control flow needs no AutoGraph.
        reduce_retracing: shape changes alone do not count as frequent retracing.

    Returns:
        A `Function` (or, without `func`, a decorator making one).
    """
    options = dict(
        input_signature=input_signature,
        autograph=autograph,
        jit_compile=jit_compile,
        reduce_retracing=reduce_retracing,
        experimental_relax_shapes=experimental_relax_shapes,
    )
    if func is None:
        return lambda f: Function(f, **options)
    return Function(func, **options)
