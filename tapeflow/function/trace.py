"""The tracer: runs a function eagerly on concrete values and records what it did as a Graph.

Tracing is eager execution with a recorder attached (`state.tracer`), so Python control flow
on tensor values takes the same branch as eager code would. What the recorder sees:

- every op the dispatcher runs (`record`), including the backward pass of a GradientTape
  used inside the function, since a vjp is ordinary ops;
- variable reads (an op given a Variable, or a tape's snapshot of one) and writes
  (`assign*`, reported by `Variable`), in program order;
- every tensor-to-Python conversion (`bool(t)`, `float(t)`, `t.numpy()`, ...): a guard;
- variable creation (allowed on a function's first trace only, as in TF);
- an op that fails on its values (an index out of range): see `stand_in`;
- Python state that changes (a tf.data iterator advancing): see `python_state`.

A Tensor the recorder never saw produced (a closure capture, a value built with NumPy
while tracing) is a constant. At the end, `finish` checks that no variable was changed
behind the recorder's back (an in-place NumPy update outside the dispatcher): such a
function cannot be replayed from its graph.
"""

from __future__ import annotations

import collections

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import get_op
from ..core.tensor import Operand
from .ir import Graph, Node
from .polymorphic import Shadow, check_gradient_shape, watched_shape
from .scopes import _where, init_scope, suspended, tracing  # noqa: F401  (re-exported)

# Ops whose output shape follows from their inputs' shapes and attributes alone.
STATIC_SHAPE = frozenset(
    """AddV2 Sub Mul RealDiv Maximum Minimum SquaredDifference Neg Abs Sign Square FloorDiv
    FloorMod Pow Cast Equal NotEqual Less LessEqual Greater GreaterEqual LogicalAnd LogicalOr
    LogicalNot SelectV2 IsNan IsInf IsFinite Identity StopGradient ZerosLike OnesLike Shape
    Size Rank AddN Sum Mean Max Min Prod All Any ArgMax ArgMin Pack ConcatV2 GatherV2
    GatherNd OneHot SparseSoftmaxCrossEntropyWithLogits Reshape Transpose ExpandDims
    Squeeze BroadcastTo PrintV2 MatMul BatchMatMulV2 Cumsum Cumprod""".split()
)


# Ids of Tensors that ops made inside a finished trace: in TF they are graph tensors, out of
# scope after it ("leaked"), and another function capturing one is a TypeError. Tensor ids
# only grow, so the ids of the oldest traces are forgotten once LEAKED_LIMIT are kept (a
# program retracing without end must not grow without end; a tensor leaked that long ago
# is captured as a constant, as before this check).
LEAKED = set()
LEAKED_LIMIT = 1_000_000
_leaked_by_trace = collections.deque()  # the id sets of the traces, oldest first


def leaked_message(x) -> str:
    return (
        f"{x!r} is out of scope and cannot be used here. Use return values, explicit Python "
        "locals or TensorFlow collections to access it.\nPlease see "
        "https://www.tensorflow.org/guide/function#all_outputs_of_a_tffunction_must_be_return"
        "_values for more information."
    )


class Untraceable(Exception):
    """The trace cannot stand for later calls (the function then runs eagerly)."""


SINGLETON_MESSAGE = (
    "tf.function only supports singleton tf.Variables created on the first call. Make "
    "sure the tf.Variable is only created once or created outside tf.function. See "
    "https://www.tensorflow.org/guide/function#creating_tfvariables for more information."
)


class Tracer:
    """Records one eager run of a function as a `Graph` (see the module docstring)."""

    def __init__(self, allow_variable_creation: bool, variable_args: dict, dynamic=None):
        self.allow_variable_creation = allow_variable_creation
        # Per input, the axes of its None dimensions (see polymorphic.py); None: no shadow run.
        self.dynamic = dynamic
        self.shadow = Shadow() if dynamic is not None else None
        self.variable_args = variable_args  # id(Variable) -> position among variable args
        self.nodes = []
        self.arrays = {}  # value id -> trace-time array (keeps every array alive)
        self.consts = set()
        self.by_tensor = {}  # Tensor._id -> value id
        self.variables = []  # slot -> Variable
        self.var_sources = []  # slot -> ("arg", k) or ("capture", variable)
        self.var_slot = {}  # Variable._id -> slot
        self.reads = {}  # (Variable._id, id(array)) -> value id of that read
        self.expected = {}  # slot -> the array the variable should hold now
        self.free_writer = set()  # slots a callback may write without declaring them
        self.created = []  # variables created while tracing
        self.inputs = []
        self.suspended = 0  # > 0 inside a host callback or init_scope: nothing is recorded
        self.init_scopes = 0  # how many of those suspensions are tf.init_scope blocks
        self.dry = False  # get_concrete_function: undo variable writes, print nothing
        self.original = {}  # slot -> the variable's array when the trace first saw it
        self.pending = []  # slots written just now: their new array is not known yet
        self.failed = {}  # value id -> the error of the failed op it comes from
        self.failed_arrays = {}  # id(array) of such a value -> the error (for print)
        self._failing = None  # the error of the op whose stand-in outputs come next
        self.unreplayable = None  # why a plan could not redo this run (see `python_state`)
        self.undo = []  # what a dry trace puts back when it ends (see `local_state`)
        self._next_value = 0

    # ---- values -----------------------------------------------------------------------------

    def _new(self, array, const=False) -> int:
        v = self._next_value
        self._next_value += 1
        self.arrays[v] = array
        if const:
            self.consts.add(v)
        return v

    def add_input(self, tensor) -> int:
        v = self._new(tensor._value)
        self.by_tensor[tensor._id] = v
        if self.shadow is not None:
            self.shadow.add_input(v, tensor._value, self.dynamic[len(self.inputs)])
        self.inputs.append(v)
        return v

    def value_of(self, x) -> int:
        """The value id of a Tensor or Variable seen now (a read, for a Variable)."""
        if x._is_variable:
            return self._read(x)
        v = self.by_tensor.get(x._id)
        if v is not None:
            return v
        if x._id in self.var_slot:  # a tape's snapshot of a variable read
            v = self.reads.get((x._id, id(x._value)))
            if v is not None:
                return v
            return self._new(x._value, const=True)
        if x._id in LEAKED:
            raise TypeError(leaked_message(x))
        v = self._new(x._value, const=True)
        self.by_tensor[x._id] = v
        return v

    def leak_ids(self):
        """Notes the Tensors this trace's ops made as out of scope once it ends (TF's graph
        tensors); the caller gets its results as new Tensors."""
        kept = set(self.inputs) | self.consts
        ids = {tid for tid, v in self.by_tensor.items() if v not in kept}
        LEAKED.update(ids)
        _leaked_by_trace.append(ids)
        while len(LEAKED) > LEAKED_LIMIT and len(_leaked_by_trace) > 1:
            LEAKED.difference_update(_leaked_by_trace.popleft())

    def is_const(self, v) -> bool:
        return v in self.consts

    def _slot(self, var) -> int:
        slot = self.var_slot.get(var._id)
        if slot is None:
            slot = len(self.variables)
            self.variables.append(var)
            k = self.variable_args.get(id(var))
            self.var_sources.append(("arg", k, type(var)) if k is not None else ("capture", var))
            self.var_slot[var._id] = slot
            self.expected[slot] = var._value
            self.original[slot] = var._value
        return slot

    def _read(self, var) -> int:
        slot = self._slot(var)
        arr = var._value
        v = self.reads.get((var._id, id(arr)))
        if v is not None and self.arrays[v] is arr:
            return v
        v = self._new(arr)
        self.nodes.append(Node("read", None, (), {"var": slot}, (v,)))
        self.reads[(var._id, id(arr))] = v
        self.expected[slot] = arr
        return v

    # ---- hooks called by the core -----------------------------------------------------------

    def record(self, op, inputs, attrs, outputs):
        """An op ran (called by `tape.record`): append it with its input and output values."""
        self._settle()
        failing, self._failing = self._failing, None
        if self.suspended or not _registered(op):
            return  # custom_gradient's stand-in op: its own ops were recorded already
        ins = [self.value_of(x) for x in inputs]
        if failing is None and self.failed:
            failing = next((self.failed[v] for v in ins if v in self.failed), None)
            if failing is not None and op.stateful:
                raise_failed(failing)  # never pruned, so the failed value is needed
        outs = []
        for o in outputs:
            v = self._new(o._value)
            self.by_tensor[o._id] = v
            outs.append(v)
            if failing is not None:
                self.failed[v] = failing
                self.failed_arrays[id(o._value)] = failing
        self.nodes.append(Node("op", op, ins, dict(attrs), outs))
        shadow = self.shadow
        if shadow is not None:
            shadow.record(op, ins, attrs, outs, self.arrays)
        if op.name not in STATIC_SHAPE and (
            op.name in ("Range", "LinSpace")
            or any(x._value.dtype.kind not in "fc" for x in inputs)
        ):
            # Integer or bool inputs may decide the output's shape (Range, Where, Tile...):
            # everything after this op was traced for the shape it gave.
            for o, v in zip(outputs, outs):
                self.nodes.append(
                    Node("guard", None, (v,), {"kind": "shape", "expected": o._value.shape}, ())
                )
                if shadow is not None and shadow.varies(v, o._value):
                    shadow.specialise(
                        f"the output shape of {op.name} depends on values that follow a None "
                        f"dimension"
                    )

    def guard(self, tensor, kind: str, value):
        """A conversion of `tensor` to a Python `value`: later calls must convert alike."""
        self._settle()
        if self.suspended:
            return
        v = self.value_of(tensor)
        self.require_value(v)
        if v in self.consts:
            return  # a constant converts to the same value on every call
        if kind == "array":
            value = np.array(value, copy=True)
        if self.shadow is not None:
            self.shadow.converted(v, kind, value, self.arrays[v], _where())
        self.nodes.append(
            Node("guard", None, (v,), {"kind": kind, "expected": value, "where": _where()}, ())
        )

    def watched_shape(self, tensor):
        """`tensor.shape` while tracing (see polymorphic.watched_shape)."""
        return watched_shape(self, tensor)

    def same_shape(self, gradient, x, op_name):
        """The backward pass made `gradient` for `x` (see polymorphic.check_gradient_shape)."""
        check_gradient_shape(self, gradient, x, op_name)

    def stand_in(self, op, inputs, attrs, error):
        """Outputs standing in for an op that failed on its values, or None to raise now.

        TF checks values (an index in range) only when the graph runs, and prunes the ops
        whose results nothing uses, so a dead `tf.gather(x, 10)` never fails there. A trace
        here runs eagerly, so such an op gets outputs of the right shape and dtype (the op
        run with every integer input zeroed) and its error is kept: raised as soon as a
        result that depends on it is needed (returned, converted to Python, written to a
        variable, given to a stateful op or a host callback). An unused one is pruned.

        Only ops whose output shape follows from input shapes qualify (the error then
        depends on values alone; TF raises shape errors while tracing); stateful ops never.
        """
        if self.suspended or op.stateful or op.name not in STATIC_SHAPE or not _registered(op):
            return None
        arrays = [x._value for x in inputs]
        if not any(a.dtype.kind in "iu" for a in arrays):
            return None
        try:
            out = op.forward(
                *[xp.zeros_like(a) if a.dtype.kind in "iu" else a for a in arrays], **attrs
            )
        except Exception:  # noqa: BLE001 - not a value-only failure: the original error it is
            return None
        self._failing = _Failed(error, _where())
        return out

    def require_value(self, v) -> int:
        """`v` itself; the deferred error when it comes from an op that failed."""
        failing = self.failed.get(v)
        if failing is not None:
            raise_failed(failing)
        return v

    def require_arrays(self, arrays):
        """For code that only sees arrays (tf.print, host callbacks): as `require_value`."""
        if self.failed_arrays:
            for a in arrays:
                failing = self.failed_arrays.get(id(a))
                if failing is not None:
                    raise_failed(failing)

    def python_state(self, reason: str):
        """Python-side state changes here (a tf.data iterator advances): a plan could not
        redo it, so the calls this trace stands for run eagerly. A dry trace stops now,
        before the change (it must leave no trace of itself)."""
        if self.suspended:
            return
        if self.dry:
            raise Untraceable(reason)
        if self.unreplayable is None:
            self.unreplayable = reason

    def local_state(self, reason: str, undo=None):
        """State of the function's own changes here (an iterator it made advances): a dry
        trace may go on, since only `undo` (run when it ends) reaches outside; the calls
        this trace stands for still run eagerly."""
        if self.suspended:
            return
        if self.unreplayable is None:
            self.unreplayable = reason
        if self.dry and undo is not None:
            self.undo.append(undo)

    def variable_created(self, var):
        if self.suspended:
            return
        if not self.allow_variable_creation:
            raise ValueError(SINGLETON_MESSAGE)
        self.created.append(var)

    def variable_write(self, var, method: str, value, extra: dict):
        self._settle()
        if self.suspended:
            if var._id in self.var_slot and self.init_scopes == self.suspended:
                # tf.init_scope writes before TF's graph runs, so every read in the graph
                # sees the new value; this trace, an eager run, has already read the old one.
                raise ValueError(
                    f"tf.init_scope: variable {var.name} is written inside init_scope after "
                    f"the traced function already used it; TF would run the write before the "
                    f"whole function. Move the init_scope block before the first use of "
                    f"{var.name}."
                )
            return
        slot = self._slot(var)
        if isinstance(value, Operand):
            v = self.value_of(value)
            self.require_value(v)
        else:
            v = self._new(var._converted(value, method), const=True)
        if self.shadow is not None and self.shadow.varies(v, self.arrays[v]):
            self.shadow.specialise(
                f"{var.name}.{method} takes a value whose shape follows a None dimension"
            )
        ins = [v]
        attrs = {"var": slot, "method": method}
        if method == "assign_slice":
            attrs["key"] = extra["key"]
        elif method == "scatter_nd_update":
            indices = extra["indices"]
            if isinstance(indices, Operand):
                ins.append(self.require_value(self.value_of(indices)))
            else:
                ins.append(self._new(np.asarray(indices), const=True))
        self.nodes.append(Node("write", None, ins, attrs, ()))
        self.pending.append(slot)  # the write happens after this hook returns

    def _settle(self):
        """Notes what the variables written since the last event hold now."""
        for slot in self.pending:
            self.expected[slot] = self.variables[slot]._value
        self.pending.clear()

    def callback(self, fn, inputs, outputs, writes):
        """A host callback ran on `inputs` (see `host.host_call`)."""
        self._settle()
        ins = [self.value_of(x) for x in inputs]
        outs = []
        for o in outputs:
            v = self._new(o._value)
            self.by_tensor[o._id] = v
            outs.append(v)
        shadow = self.shadow
        if shadow is not None and any(shadow.tainted(v) for v in ins):
            if outs and any(shadow.varies(v, self.arrays[v]) for v in ins):
                shadow.specialise(
                    "a host callback with results takes a value whose shape follows a None "
                    "dimension"
                )
            for v in outs:  # same shapes at any size; the values follow the inputs
                shadow.arrays[v] = self.arrays[v]
        slots = None
        if writes is not None:
            slots = [self._slot(w) for w in writes]
            for s, w in zip(slots, writes):
                self.expected[s] = w._value
        else:
            self.free_writer.update(range(len(self.variables)))
        self.nodes.append(Node("callback", None, ins, {"fn": fn, "writes": slots}, outs))

    def restore_variables(self):
        """Puts back every variable's array as the trace first saw it (a dry trace).

        The originals are intact: while the tracer holds them, writes copy (variables are
        copy-on-write).
        """
        self._settle()
        for slot, var in enumerate(self.variables):
            if var._value is not self.original[slot]:
                var._value = self.original[slot]

    # ---- the result -------------------------------------------------------------------------

    def output_value(self, x) -> int:
        if isinstance(x, Operand):
            return self.require_value(self.value_of(x))
        raise TypeError(f"not a tensor: {x!r}")

    def finish(self, outputs) -> Graph:
        """The Graph of this trace; Untraceable if a variable changed outside the record."""
        self._settle()
        for slot, var in enumerate(self.variables):
            if slot in self.free_writer:
                continue
            if var._value is not self.expected[slot]:
                raise Untraceable(
                    f"variable {var.name} was modified outside tapeflow's ops (an in-place "
                    f"NumPy update?) while tracing, so the trace cannot replay it"
                )
        graph = Graph(self.inputs, self.var_sources, self.arrays, self.consts, self.nodes, outputs)
        if self.shadow is not None:
            graph.polymorphic_reason = self.shadow.reason
            graph.polymorphic = self.shadow.reason is None
            if graph.polymorphic:  # a specialised graph has fixed shapes, as without a shadow
                graph.shadow_shapes = self.shadow.shapes(self.arrays)
        return graph


class _Failed:
    """An op's error kept by a trace, and where the op was called."""

    __slots__ = ("error", "where")

    def __init__(self, error, where):
        self.error = error
        self.where = where


def raise_failed(failing: _Failed):
    error = failing.error
    raise InvalidArgumentError(
        f"{error} (the op ran at {failing.where} while tf.function traced; its result is "
        f"needed, so its error stands)"
    ) from error


def _registered(op) -> bool:
    try:
        return get_op(op.name) is op
    except LookupError:
        return False
