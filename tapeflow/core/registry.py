"""The op registry and dispatch: one `Op` per TensorFlow op type, run by `execute`.

An op is declared once, in `tapeflow/ops/<family>.py`:

    @op("Exp", samples=UNARY, domain=(-3, 3))
    def exp(x):
        return xp.exp(x)

    @exp.vjp
    def _exp_vjp(g, ans, x):
        return (g * ans,)

The forward takes and returns backend arrays; the vjp takes Tensors and is written in
tapeflow ops, so a tape around the backward pass records it (higher-order gradients). A hot
op may add `@exp.array_vjp`, the same formulas on arrays, for unrecorded backward passes.
An op declared `host=True` computes in NumPy on the host (text, files, Python parsing): on a
GPU its forward gets NumPy arrays and its numeric results go back to the device.
"""

from __future__ import annotations

import numpy as np

from ..backend import name as backend_name
from ..backend import to_backend, to_numpy
from .context import state
from .op_inputs import (
    _DIRECT_TYPES,
    ALL_INPUTS,
    _convert_inputs,
    _forward_error,
    _raise_dtype_mismatch,
)
from .string_values import OBJECT as _STRING
from .tensor import Tensor, _next_id

_REGISTRY: dict[str, Op] = {}
_REFUSED = frozenset({_STRING})
_REFUSED_NUMBERS = frozenset({_STRING, np.dtype(bool)})


class Sample:
    """Inputs for the generic gradient and forward tests of one op.

    Positional `args` are input shapes (tuples: random float64 in the op's domain),
    callables `rng -> array` (for inputs with a structure: SPD matrices, indices) or
    fixed arrays. Keyword arguments are the op's attributes. `wrt` lists the input
    positions to differentiate (default: every floating input).
    """

    def __init__(self, *args, wrt=None, **attrs):
        self.args = args
        self.attrs = attrs
        self.wrt = wrt

    def __repr__(self):
        attrs = "".join(f", {k}={v!r}" for k, v in self.attrs.items())
        return f"Sample({', '.join(map(_short, self.args))}{attrs})"


def _short(a):
    return repr(a) if isinstance(a, tuple) else type(a).__name__


class Op:
    """A primitive: forward on arrays, vjp in tapeflow ops, and its test metadata."""

    def __init__(
        self,
        name,
        forward,
        *,
        samples,
        domain,
        differentiable,
        same_dtype,
        multiple_outputs,
        batchable,
        second_order,
        check,
        stateful=False,
        strings=False,
        numbers=False,
    ):
        self.name = name
        # "tf.multiply" when exported under another name than its op type (`_api.install`);
        # errors then name both.
        self.public_name = None
        self.forward = forward
        self.vjp_fn = None
        self.vjp_needs = False  # the vjp takes `needs=`: which input gradients are used
        # The same vjp on arrays (optional, for the ops a training step runs most): the
        # backward pass calls it when nothing records that pass (see backward.py).
        self.array_vjp_fn = None
        self.jvp_fn = None
        self.samples = samples
        self.domain = domain
        self.differentiable = differentiable
        self.same_dtype = same_dtype
        self.multiple_outputs = multiple_outputs
        # The vjp accepts an upstream gradient with extra leading (batch) dimensions;
        # jacobian() then runs one vectorised backward pass instead of one per row.
        self.batchable = batchable
        self.second_order = second_order  # False: skip the second-order gradient test
        self.check = check  # extra keyword args for the gradient check (eps, tolerances)
        # Draws random numbers or raises on values: a tracer must not fold, merge or drop it.
        self.stateful = stateful
        # Accepts string tensors. Off by default: NumPy would happily "sum" or compare the
        # bytes in an object array, where TF refuses; each op that handles strings opts in.
        self.strings = strings
        # Inputs that take the slow path in `execute`: strings always (checked against
        # `strings` there), and bools too for an op that computes on numbers only (TF's
        # kernels have no bool version of Add, Relu, MatMul...: InvalidArgumentError).
        self.numbers = numbers
        self.refused = _REFUSED_NUMBERS if numbers else _REFUSED
        # An op run instead when the inputs are strings (TF's `+` joins strings: AddV2 ->
        # StringJoin), so a numeric kernel never sees them.
        self.string_variant = None
        self.__name__ = forward.__name__
        self.__doc__ = forward.__doc__
        self.__wrapped__ = forward

    @classmethod
    def python(cls, name, forward, vjp_fn, second_order=True) -> Op:
        """An unregistered op standing for a Python function on the tape (custom_gradient,
        recompute_grad, py_function): several outputs, `vjp_fn` its gradient, no samples."""
        op = cls(
            name,
            forward,
            samples=None,
            domain=None,
            differentiable=True,
            same_dtype=(),
            multiple_outputs=True,
            batchable=False,
            second_order=second_order,
            check=None,
        )
        op.vjp_fn = vjp_fn
        return op

    def __call__(self, *inputs, name=None, **attrs):  # `name`: TF's node name, unused eagerly
        return execute(self, inputs, attrs)

    def vjp(self, fn=None, *, needs=False):
        """Decorator: registers the vector-Jacobian product of this op.

        With `@op.vjp(needs=True)` the backward pass also passes `needs=` (one bool per
        input: does a gradient for it lead to a source?) so that an expensive vjp (conv
        backprop) can skip the gradients nobody asked for.
        """

        def register(fn):
            self.vjp_fn = fn
            self.vjp_needs = needs
            return fn

        return register if fn is None else register(fn)

    def array_vjp(self, fn):
        """Decorator: registers the vjp's formulas on backend arrays, for the backward pass of
        a tape when nothing records it (a first-order gradient: no outer tape, tracer or
        numeric check). It takes and returns arrays (and `needs=` like the vjp), composes
        the forwards of the ops the vjp calls, so it gives the vjp's values bit for bit
        (tests/core/test_array_vjp.py checks it on every sample), and saves their dispatch.
        """
        self.array_vjp_fn = fn
        return fn

    def jvp(self, fn):
        """Decorator: registers a Jacobian-vector product (else it is derived from the vjp)."""
        self.jvp_fn = fn
        return fn

    def __repr__(self):
        return f"<Op {self.name}>"


def op(
    name,
    *,
    samples=None,
    domain=None,
    differentiable=True,
    same_dtype=ALL_INPUTS,
    multiple_outputs=False,
    batchable=False,
    second_order=True,
    check=None,
    stateful=False,
    strings=False,
    numbers=False,
    host=False,
):
    """Declares an op: `same_dtype` names the input positions that must share a dtype;
    `strings=True` lets string tensors in, `numbers=True` keeps bool tensors out;
    `host=True` marks a forward written in NumPy for the host (see the module docstring)."""

    def register(forward):
        if name in _REGISTRY:
            raise ValueError(f"op {name!r} is registered twice")
        o = Op(
            name,
            _on_host(forward) if host and backend_name != "numpy" else forward,
            samples=samples,
            domain=domain,
            differentiable=differentiable,
            same_dtype=same_dtype,
            multiple_outputs=multiple_outputs,
            batchable=batchable,
            second_order=second_order,
            check=check or {},
            stateful=stateful,
            strings=strings,
            numbers=numbers,
        )
        _REGISTRY[name] = o
        return o

    return register


def _on_host(forward):
    """`forward` behind the host boundary of a GPU backend: inputs come off the device, numeric
    results go back (text stays on the host). On NumPy the forward is used as it is."""

    def run(*arrays, **attrs):
        out = forward(*[to_numpy(a) for a in arrays], **attrs)
        if isinstance(out, tuple):
            return tuple(to_backend(o) for o in out)
        return to_backend(out)

    run.__name__ = forward.__name__
    return run


def get_op(name: str) -> Op:
    """The registered op of this TensorFlow op-type name."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no op named {name!r} is registered") from None


def registered_ops() -> dict:
    """A copy of the registry, name -> Op (used by the generic tests and the docs)."""
    return dict(_REGISTRY)


# ---- dispatch --------------------------------------------------------------------------------

# Composite types (SparseTensor) -> handler(op, inputs, attrs): the ops TF applies to them.
_COMPOSITE_HANDLERS = {}


def register_composite_handler(cls, handler):
    """Routes an op given a `cls` input (first among its non-Tensor inputs) to `handler`,
    which returns the result or raises TF's error for an op that does not take `cls`."""
    _COMPOSITE_HANDLERS[cls] = handler


def execute(op: Op, inputs: tuple, attrs: dict):
    """Runs `op` on `inputs`, wraps the result, and records it on the active tapes.

    This is every op's hot path: one or two Tensors or Variables of one dtype (nearly every
    op a training step runs) take a route with no helper calls, no loop and no list; the
    rest goes through the general checks below it.
    """
    refused = op.refused
    arrays = None
    n = len(inputs)
    if n == 2:
        x, y = inputs
        # A string (or for a number op, bool) input takes the general route too, where
        # `_convert_inputs` checks the op takes it.
        if type(x) in _DIRECT_TYPES and type(y) in _DIRECT_TYPES:
            xv = x._value
            yv = y._value
            xd = xv.dtype
            yd = yv.dtype
            if xd not in refused and yd not in refused:
                same = op.same_dtype
                if same is ALL_INPUTS:
                    if xd is not yd and xd != yd:
                        _raise_dtype_mismatch(op, inputs)
                    arrays = (xv, yv)
                elif not same:
                    arrays = (xv, yv)
    elif n == 1:
        x = inputs[0]
        if type(x) in _DIRECT_TYPES:
            xv = x._value
            if xv.dtype not in refused:
                arrays = (xv,)
    if arrays is None:
        for x in inputs:
            if type(x) not in _DIRECT_TYPES or x._value.dtype in refused:
                handler = _COMPOSITE_HANDLERS.get(type(x))
                if handler is None and _COMPOSITE_HANDLERS:  # a composite after a Python value
                    handler = next(
                        (
                            _COMPOSITE_HANDLERS[type(y)]
                            for y in inputs
                            if type(y) in _COMPOSITE_HANDLERS
                        ),
                        None,
                    )
                if handler is not None:
                    return handler(op, inputs, attrs)
                inputs = _convert_inputs(op, inputs)
                if op.string_variant is not None and inputs[0]._value.dtype is _STRING:
                    return execute(op.string_variant, inputs, attrs)
                break
        else:
            if len(inputs) > 1 and op.same_dtype:
                same = op.same_dtype
                group = inputs if same is ALL_INPUTS else [inputs[i] for i in same]
                d = group[0]._value.dtype
                for x in group:
                    xd = x._value.dtype
                    if xd is not d and xd != d:
                        _raise_dtype_mismatch(op, inputs)
        arrays = [x._value for x in inputs]
    try:
        out = op.forward(*arrays, **attrs) if attrs else op.forward(*arrays)
    except (ValueError, IndexError, TypeError) as e:
        error = _forward_error(op, inputs, e)
        # A tf.function trace defers an error that depends on values (TF raises those when
        # the graph runs, and never runs an op whose result is unused): see trace.py.
        out = None
        if state.tracer is not None and not isinstance(error, TypeError):
            out = state.tracer.stand_in(op, inputs, attrs, error)
        if out is None:
            if error is e:
                raise
            raise error from e
    if op.multiple_outputs:
        outputs = tuple(_wrap(o) for o in out)
        if state.recording:
            _record(op, inputs, attrs, outputs)
        return outputs
    t = _new_tensor(Tensor)
    t._value = out
    t._id = _next_id()
    if state.recording:
        _record(op, inputs, attrs, (t,))
    return t


_new_tensor = Tensor.__new__


def _record(op, inputs, attrs, outputs):
    # Replaced by tape.record when tapeflow.core.tape is imported; nothing can be recording
    # before that, since only tapes and accumulators turn `state.recording` on.
    raise AssertionError("recording without tapeflow.core.tape")


def set_recorder(fn):
    global _record
    _record = fn


def _wrap(value):
    t = Tensor.__new__(Tensor)
    t._value = value
    t._id = _next_id()
    return t
