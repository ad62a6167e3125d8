"""How a Function traces: runs the Python function under a tracer, keeps the trace under
the key it serves, traces again for a new path, warns about frequent retracing, and replays
a trace through the dispatcher when a tape records the call (mixed into Function)."""

from __future__ import annotations

import warnings

from ..core import nest
from ..core.context import state
from ..core.errors import OutOfRangeError
from ..core.registry import execute
from ..core.tensor import Tensor, wrap
from ..ops import random as random_ops
from .autograph import StagingError
from .concrete import ConcreteFunction, identity_op, output_template
from .polymorphic import shadow_sparse_inputs
from .retracing import changed_arguments, retracing_message
from .runtime import GuardFailure
from .trace import Tracer, Untraceable, tracing

MAX_TRACES_PER_SIGNATURE = 8  # traces kept per key, one per path through the guards
RETRACE_WINDOW = 10  # frequent retracing: traces among the last calls...
RETRACE_THRESHOLD = 5  # ...reaching this many warns


class _Entry:
    """The traces of one key: usable plans (most recently used first) or an eager verdict."""

    __slots__ = ("traces", "eager")

    def __init__(self):
        self.traces = []
        self.eager = None  # why this key runs eagerly, once it must


class TracingMixin:
    # ---- tracing ------------------------------------------------------------------------------

    def _trace(self, call, dry=False, replay_from=None):
        """Runs the Python function under a tracer; returns (result, ConcreteFunction|None).

        The ConcreteFunction is None when this trace cannot serve later calls: it created
        variables (their initialisation is in it), or it is Untraceable (then the key is
        marked eager, with a warning). A dry trace leaves variables and the shared random
        streams as it found them; `replay_from` (the random op counter when the trace it
        repeats began) gives its random ops the op seeds of that trace.
        """
        if dry:
            with random_ops.undone_draws(replay_from):
                return self._trace_once(call, dry)
        return self._trace_once(call, dry)

    def _trace_once(self, call, dry):
        tracer = Tracer(
            allow_variable_creation=not self._traced_once,
            variable_args={id(v): k for k, v in enumerate(call.variables)},
            dynamic=call.dynamic,
        )
        tracer.dry = dry
        # Fresh Tensors stand for the arguments (an argument that is also captured stays a
        # constant). Under a tape they are Identity ops of the arguments, so it records them.
        identity = identity_op()
        traced = [
            execute(identity, (t,), {}) if state.differentiating else wrap(t._value)
            for t in call.tensors
        ]
        for w in traced:
            tracer.add_input(w)
        shadow_sparse_inputs(tracer, call.structure)
        args, kwargs = self._rebuilt(call, traced, call.variables)
        self._tracing_count += 1
        self._enter_trace(call.key)
        try:
            with tracing(tracer):
                try:
                    with end_of_sequence():
                        result = self._outputs(self._python_function(*args, **kwargs))
                except Untraceable as e:  # a dry trace stops before changing Python state
                    return None, e
            self._traced_once = True
            if tracer.unreplayable is not None:
                if dry and not tracer.created:  # get_concrete_function: a graph to look at
                    return result, self._eager_concrete(call, tracer, result)
                return result, Untraceable(tracer.unreplayable)
            if tracer.created:
                return result, None
            template, outputs = output_template(tracer, result)
            try:
                graph = tracer.finish(outputs)
            except Untraceable as e:
                return result, e
        finally:
            self._in_progress.remove(call.key)
            tracer.leak_ids()
            if dry:
                tracer.restore_variables()
                for undo in reversed(tracer.undo):
                    undo()
        try:
            return result, ConcreteFunction(self, call, graph, template)
        except Untraceable as e:
            return result, e

    def _eager_concrete(self, call, tracer, result):
        """A dry trace that no plan can redo (a loop over a dataset inside the function):
        its graph, for introspection, in a ConcreteFunction whose calls run eagerly."""
        template, outputs = output_template(tracer, result)
        try:
            cf = ConcreteFunction(self, call, tracer.finish(outputs), template)
        except Untraceable as e:
            return e
        cf.eager_reason = tracer.unreplayable
        return cf

    def _enter_trace(self, key):
        """Notes that a trace (or an inlined call) of `key` runs now. Calling the function
        again with the same key inside it is TF's endless retracing: TF traces that call
        too, since no trace of the key is finished (also behind a tensor condition, whose
        branches AutoGraph both traces), until Python's recursion limit."""
        if key in self._in_progress:
            raise StagingError(
                "in user code:\n\n    RecursionError: maximum recursion depth exceeded while "
                f"calling a Python object\n\n(tf.function {self._name} calls itself with the "
                "input signature it is being traced for; TensorFlow traces that call again, "
                "without end)"
            )
        self._in_progress.append(key)
        return key

    def _trace_and_keep(self, call):
        counter = random_ops.op_counter()
        result, cf = self._trace(call)
        result = _fresh_outputs(result)
        if cf is None:
            # It created variables, so this trace holds their initialisation. TF traces again
            # at once, allowing no variable creation: a function that creates variables on
            # every call is its ValueError on the first call, and later calls need no trace.
            _, cf = self._trace(call, dry=True, replay_from=counter)
        self._keep(call, cf)
        return result

    def _keep(self, call, cf):
        """Keeps a trace under the key it serves: the relaxed key when it serves every size
        of the call's None dimensions, else the call's exact shapes."""
        polymorphic = isinstance(cf, ConcreteFunction) and cf.polymorphic
        key = call.relaxed_key if polymorphic else call.key
        entry = self._cache.get(key)
        if entry is None:
            entry = self._cache[key] = _Entry()
        if isinstance(cf, ConcreteFunction) and cf.eager_reason is not None:
            entry.eager = cf.eager_reason  # the calls run eagerly; the graph is to look at
            self._warn_eager(cf.eager_reason)
        elif isinstance(cf, ConcreteFunction):
            entry.traces.insert(0, cf)
            self._concrete.append(cf)
        elif isinstance(cf, Untraceable):
            entry.eager = str(cf)
            self._warn_eager(str(cf))
        return entry

    def _retrace_for_guards(self, entry, call):
        """No trace of this key fits the call's values: trace the new path, or run eagerly."""
        if len(entry.traces) >= MAX_TRACES_PER_SIGNATURE:
            self._warn_eager(
                f"more than {MAX_TRACES_PER_SIGNATURE} paths through Python control flow on "
                f"tensor values for one input signature"
            )
            return self._run_eagerly(call)
        return self._trace_and_keep(call)

    def _warn_eager(self, reason):
        if reason in self._warned_eager:
            return
        self._warned_eager.add(reason)
        warnings.warn(
            f"tf.function {self._name}: {reason}; these calls run the Python function "
            f"eagerly instead.",
            stacklevel=4,
        )

    def _note_call(self, traced, call):
        self._recent.append(traced)
        self._calls_since_warning += 1
        if not traced:
            return
        previous, self._last_parts = self._last_parts, call.parts
        count = sum(self._recent)
        if (
            previous is None
            or count < RETRACE_THRESHOLD
            or self._calls_since_warning < RETRACE_WINDOW
            or self._input_signature is not None
        ):
            return
        changed = changed_arguments(previous, call.parts, self._reduce_retracing)
        if not changed:
            return
        self._calls_since_warning = 0
        warnings.warn(
            retracing_message(self._name, count, len(self._recent), changed), stacklevel=3
        )

    # ---- tapes --------------------------------------------------------------------------------

    def _replay(self, entry, call):
        """Runs a trace op by op through the dispatcher, so active tapes record it.

        A trace that would need undoing when a guard fails (effects before a guard) is not
        replayed: the Python function runs eagerly instead, which the tapes record too.
        """
        for cf in entry.traces:
            if cf._has_rollback:
                return self._run_eagerly(call)
            try:
                return cf._replay(call.tensors, call.variables)
            except GuardFailure:
                continue
        return self._retrace_for_guards(entry, call)


class end_of_sequence:  # noqa: N801 - used as a context manager
    """`next(iterator)` past a tf.data iterator's end inside a tf.function is TF's
    OutOfRangeError (its IteratorGetNext op), not the StopIteration of eager Python; so
    in the calls that run the Python function (the trace, the eager fallback)."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is not None and issubclass(kind, StopIteration):
            raise OutOfRangeError("End of sequence") from error
        return False


def _fresh_outputs(result):
    """The trace's results as new Tensors (its own Tensors are out of scope, as TF's graph
    tensors); under a tape, Identity ops that it records, so gradients still flow."""

    def fresh(x):
        if type(x) is not Tensor:
            return x
        if state.differentiating:
            return execute(identity_op(), (x,), {})
        return wrap(x._value)

    return nest.map_structure(fresh, result) if nest.is_nested(result) else fresh(result)
