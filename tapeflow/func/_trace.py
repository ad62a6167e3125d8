"""The recorder behind `vmap`: one eager run of a function on one example, as equations.

It plugs into the dispatcher where tf.function's tracer does (`state.tracer`, the same
hooks), but keeps only what batching needs: each op with its input and output values,
which values depend on the mapped inputs, and whether the run did anything a batched
replay cannot redo (Python control flow on an example's values, variable writes, host
callbacks, Python state), in which case `vmap` runs the function once per example.

Values: ("v", n) per recorded tensor; inputs are ("in", k); ("var", id) is a Variable
(read when the batched replay runs, so tapes around the call see it); anything else the
function used is a constant ("const", id), kept as its Tensor (`objects` holds both).
"""

from __future__ import annotations

from ..core.context import state
from ..core.registry import get_op
from ..core.sites import user_site

# Ops whose output depends only on their input's shape: unbatched even for a mapped input.
SHAPE_ONLY = frozenset({"Shape", "Size", "Rank"})


class Unbatchable(Exception):
    """The recorded run cannot stand for the other examples (the reason is the message)."""


class Equation:
    __slots__ = ("op", "inputs", "attrs", "outputs")

    def __init__(self, op, inputs, attrs, outputs):
        self.op = op
        self.inputs = inputs  # value references (see Recorder.ref)
        self.attrs = attrs
        self.outputs = outputs  # value ids

    def __repr__(self):
        return f"{self.outputs} = {self.op.name}({self.inputs}, {self.attrs})"


class Recorder:
    """Records one run (see the module docstring); install it with `recording(...)`."""

    def __init__(self):
        self.equations = []
        self.by_id = {}  # Tensor/Variable _id -> value reference
        self.objects = {}  # _id -> the Variable or constant Tensor of a ("var"/"const", _id)
        self.batched = set()  # value ids that depend on a mapped input
        self.problem = None  # why a batched replay cannot redo this run
        self.suspended = 0  # host callbacks and init_scope blocks are not recorded
        self.init_scopes = 0
        self.dry = False  # tf.print asks: this run is real, so it prints
        self._next = 0

    # ---- values --------------------------------------------------------------------------

    def add_input(self, tensor, k: int, batched: bool):
        ref = ("in", k)
        self.by_id[tensor._id] = ref
        if batched:
            self.batched.add(ref)

    def ref(self, x):
        """The value reference of an op input: a recorded value, a variable, a constant."""
        ref = self.by_id.get(x._id)
        if ref is not None:
            return ref
        ref = ("var" if x._is_variable else "const", x._id)
        self.objects[x._id] = x
        self.by_id[x._id] = ref
        return ref

    def is_batched(self, ref) -> bool:
        return ref in self.batched

    def output_ref(self, x):
        return self.ref(x)

    # ---- the tracer hooks ---------------------------------------------------------------

    def record(self, op, inputs, attrs, outputs):
        if self.suspended or not _registered(op):
            return  # custom_gradient's stand-in: its own ops were recorded already
        ins = [self.ref(x) for x in inputs]
        outs = []
        batched = op.name not in SHAPE_ONLY and any(r in self.batched for r in ins)
        for o in outputs:
            self._next += 1
            ref = ("v", self._next)
            self.by_id[o._id] = ref
            outs.append(ref)
            if batched:
                self.batched.add(ref)
        self.equations.append(Equation(op, ins, dict(attrs), outs))

    def guard(self, tensor, kind, value):
        if self.suspended:
            return
        if self.ref(tensor) in self.batched:
            self._unbatchable(
                f"Python code converted a value that depends on the mapped inputs ({kind}) at "
                f"{user_site() or 'an unknown line'}: its control flow may differ per example"
            )

    def watched_shape(self, tensor):
        from ..core.shape import TensorShape

        return TensorShape(tensor._value.shape)  # one example's shape: every example's

    def same_shape(self, gradient, x, op_name):
        pass  # tf.function's check for None dimensions; examples have fixed shapes

    def stand_in(self, op, inputs, attrs, error):
        return None  # errors are raised as they happen

    def require_arrays(self, arrays):
        pass

    def variable_created(self, var):
        pass  # a Keras layer built on first call: its variables are read like any other

    def variable_write(self, var, method, value, extra):
        if not self.suspended:
            self._unbatchable(f"the function writes variable {var.name} ({method})")

    def python_state(self, reason):
        if not self.suspended:
            self._unbatchable(reason)

    def callback(self, fn, inputs, outputs, writes):
        if self.suspended:
            return
        if writes == [] and not outputs and len(inputs) == 1:
            # A check that reads one value and changes nothing (anomaly mode's numeric
            # checks): the replay runs it on the batched value.
            self.equations.append(Equation(None, [self.ref(inputs[0])], {"check": fn}, []))
            return
        self._unbatchable("the function runs a host callback")

    def _slot(self, var):  # host_call asks for the slots it writes before its callback
        return 0

    def _unbatchable(self, reason):
        if self.problem is None:
            self.problem = reason


def _registered(op) -> bool:
    try:
        return get_op(op.name) is op
    except LookupError:
        return False


class recording:  # noqa: N801 - a context manager used like a function
    """Installs `recorder` as this thread's tracer for the block (the previous one after)."""

    def __init__(self, recorder):
        self.recorder = recorder

    def __enter__(self):
        self.previous = state.tracer
        state.tracer = self.recorder
        state.refresh()
        return self.recorder

    def __exit__(self, *exc):
        state.tracer = self.previous
        state.refresh()
