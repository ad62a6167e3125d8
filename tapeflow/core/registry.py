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

import threading

import numpy as np

from ..backend import name as backend_name
from ..backend import to_backend, to_numpy
from .context import state
from .error_context import leaf, names, rewrite_message
from .errors import InvalidArgumentError
from .string_values import OBJECT as _STRING
from .tensor import Operand, Tensor, _next_id, convert_to_tensor
from .variable import Variable

_REGISTRY: dict[str, Op] = {}
_REFUSED = frozenset({_STRING})
_REFUSED_NUMBERS = frozenset({_STRING, np.dtype(bool)})

ALL_INPUTS = "all"


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

# Types whose `_value` dispatch reads directly; anything else is converted first.
_DIRECT_TYPES = {Tensor, Variable}
# Composite types (SparseTensor) -> handler(op, inputs, attrs): the ops TF applies to them.
_COMPOSITE_HANDLERS = {}


def register_direct_type(cls):
    """Lets a Tensor or Variable subclass (Keras' variables) take the no-conversion path."""
    if not issubclass(cls, (Tensor, Variable)):
        raise TypeError(f"{cls.__name__} is not a Tensor or Variable subclass")
    with _substituting_lock:
        if _substituting["active"] and issubclass(cls, Variable):
            _substituting["removed"].add(cls)  # joins the direct path when the blocks end
        else:
            _DIRECT_TYPES.add(cls)
    return cls


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


class substituting:  # noqa: N801 - a context manager used like a function
    """Ops given one of the Variables in `mapping` (by id) get its Tensor instead, in this
    thread.

    For `tapeflow.func.functional_call`: a Keras model runs on given parameter values,
    and tapes, accumulators and traces see those Tensors as the ops' inputs. While any
    thread is in such a block, Variables leave the no-conversion path of `execute` so that
    `_convert_inputs` can swap them; the mapping itself is the thread's own, so another
    thread running the same model meanwhile reads the Variables' values.
    """

    def __init__(self, mapping: dict):
        self.mapping = mapping

    def __enter__(self):
        self.previous = getattr(_thread_substitutes, "mapping", None)
        _thread_substitutes.mapping = {**(self.previous or {}), **self.mapping}
        with _substituting_lock:
            if not _substituting["active"]:
                removed = {t for t in _DIRECT_TYPES if issubclass(t, Variable)}
                _DIRECT_TYPES.difference_update(removed)
                _substituting["removed"] = removed
            _substituting["active"] += 1
        return self

    def __exit__(self, *exc):
        _thread_substitutes.mapping = self.previous
        with _substituting_lock:
            _substituting["active"] -= 1
            if not _substituting["active"]:
                _DIRECT_TYPES.update(_substituting["removed"])


# Variable id -> Tensor of each thread's `substituting` blocks, and how many blocks are open
# in all threads (while any is, no Variable type takes the no-conversion path).
_thread_substitutes = threading.local()
_substituting = {"active": 0, "removed": set()}
_substituting_lock = threading.Lock()


def _convert_inputs(op: Op, inputs) -> tuple:
    """Converts Python values and arrays; values in a dtype group take the group's dtype.

    As in TF, `tf.add(float32_tensor, np.float64_array)` is float32. A
    Python value that cannot take that dtype (1.5 into int32) is a TypeError, as in TF's
    op functions (the `+` operator turns it into TF's InvalidArgumentError instead).
    """
    if _substituting["active"]:
        mapping = getattr(_thread_substitutes, "mapping", None)
        if mapping:
            inputs = tuple(mapping.get(x._id, x) if isinstance(x, Variable) else x for x in inputs)
    group = range(len(inputs)) if op.same_dtype is ALL_INPUTS else op.same_dtype
    # TF converts in order: the first Tensor or array fixes the dtype (so np.float64 then a
    # float32 Tensor is an error, the other way round gives float32); Python values adapt.
    ref = next((inputs[i].dtype for i in group if hasattr(inputs[i], "dtype")), None)
    if ref is None and len(group):
        ref = _convert_value(op, group[0], inputs[group[0]], None).dtype
    converted = []
    for i, x in enumerate(inputs):
        if isinstance(x, Operand) and not isinstance(x, (Tensor, Variable)):
            x = convert_to_tensor(x)
        elif not isinstance(x, Operand):
            x = _convert_value(op, i, x, ref if i in group else None)
        converted.append(x)
    if len(group) > 1:
        members = [converted[i] for i in group]
        if any(m._value.dtype != members[0]._value.dtype for m in members):
            _raise_dtype_mismatch(op, converted)
    if not (op.strings or op.string_variant) and any(x._value.dtype is _STRING for x in converted):
        raise InvalidArgumentError(
            f"{label(op)} does not support string tensors (got {describe(converted)}); "
            f"tf.strings has the string operations"
        )
    if op.numbers and any(x._value.dtype.kind == "b" for x in converted):
        raise InvalidArgumentError(
            f"{label(op)}: expected number tensors, got bool (inputs {describe(converted)}); "
            f"use tf.cast for arithmetic on bools"
        )
    return tuple(converted)


def _convert_value(op: Op, position: int, value, dtype):
    try:
        return convert_to_tensor(value, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{label(op)}: input {position}: {e}") from None


def label(op: Op) -> str:
    """How errors name `op`: its TF op type, and the public name when that differs
    ("Mul (tf.multiply)"), so the message names what the user called either way."""
    public = op.public_name
    if public is None or names(op.name, leaf(public)):
        return op.name
    return f"{op.name} ({public})"


def _forward_error(op: Op, inputs, e: Exception) -> Exception:
    """The error to raise for `e` from `op`'s forward, naming the op: InvalidArgumentError
    for bad values and for a dtype NumPy has no kernel for (TF's type for both); tapeflow's
    own TypeErrors and InvalidArgumentErrors keep their type."""
    own_type_error = isinstance(e, TypeError) and not type(e).__module__.startswith("numpy")
    if not own_type_error and not isinstance(e, InvalidArgumentError):
        error = InvalidArgumentError(f"{label(op)}: {e} (got {describe(inputs)})")
        error.__cause__ = e
        return error
    if not names(str(e), op.name):
        rewrite_message(e, f"{label(op)}: {e}")
    elif op.public_name is not None and not names(str(e), leaf(op.public_name)):
        rewrite_message(e, f"{e} (in {op.public_name})")
    return e


def _raise_dtype_mismatch(op: Op, inputs):
    dtype_names = ", ".join(f"{x.dtype.name}" for x in inputs)
    raise InvalidArgumentError(
        f"{label(op)}: inputs must have the same dtype, got {dtype_names} "
        f"(shapes {', '.join(str(x.shape) for x in inputs)}); tapeflow does not promote "
        f"dtypes implicitly: use tf.cast"
    )


def describe(inputs) -> str:
    """'float32 (32, 11), float32 (12, 64)': the inputs as an error message shows them."""
    return ", ".join(f"{x.dtype.name} {tuple(x._value.shape)}" for x in inputs)
