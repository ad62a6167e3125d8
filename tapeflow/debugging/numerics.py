"""Numeric checks: `tf.debugging.enable_check_numerics` and anomaly mode (`detect_anomaly`).

Both work through the op recorder, so they cost nothing while off: turning one on sets
`state.numerics`, which makes the dispatcher hand every op to `_checking_record` below.

- check numerics (TF's): the first op whose floating output holds NaN or Inf raises
  InvalidArgumentError naming the op, its inputs and the user's line that called it.
- anomaly mode (PyTorch's `detect_anomaly` is the model) also checks the backward pass:
  a tape records each op with the line that called it, and when the gradient an op's vjp
  returns holds NaN or Inf, the error names that forward op and that line.

Under tf.function both act while tracing (a trace is an eager run) and leave a check in
the plan after each op they checked (a host callback of the trace), so every later call
of the function checks too, naming the op and the line inside the function.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from ..backend import to_numpy, xp
from ..core import registry
from ..core import tape as tape_module
from ..core.context import state
from ..core.errors import InvalidArgumentError
from ..core.indexed_slices import IndexedSlices
from ..core.sites import user_site

_lock = threading.Lock()
_active_threads = 0  # threads with a mode on: the checking recorder stays installed


class _Mode:
    """What one thread checks: op outputs (`check_numerics`) and/or gradients (`anomaly`)."""

    __slots__ = ("check_numerics", "anomaly")

    def __init__(self, check_numerics=False, anomaly=False):
        self.check_numerics = check_numerics
        self.anomaly = anomaly


def _set(check_numerics=None, anomaly=None):
    """Updates this thread's mode; installs or removes the checking recorder."""
    global _active_threads
    mode = state.numerics
    was_on = mode is not None
    new = _Mode(
        mode.check_numerics if mode and check_numerics is None else bool(check_numerics),
        mode.anomaly if mode and anomaly is None else bool(anomaly),
    )
    on = new.check_numerics or new.anomaly
    state.numerics = new if on else None
    state.refresh()
    with _lock:
        if on and not was_on:
            _active_threads += 1
            if _active_threads == 1:
                registry.set_recorder(_checking_record)
        elif was_on and not on:
            _active_threads -= 1
            if _active_threads == 0:
                registry.set_recorder(tape_module.record)


# ---- the public switches -------------------------------------------------------------------


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    """`tf.debugging.enable_check_numerics`: every op's floating outputs are checked.

    The first op that produces NaN or Inf raises InvalidArgumentError naming the op, its
    inputs and the line of user code that called it. Functions traced (tf.function) while
    it is on keep their checks. The limits are TF's arguments for its stack printout,
    accepted for compatibility.
    """
    _set(check_numerics=True)


def disable_check_numerics():
    """`tf.debugging.disable_check_numerics`: turns `enable_check_numerics` off."""
    _set(check_numerics=False)


def is_anomaly_enabled() -> bool:
    """Whether anomaly mode is on in this thread."""
    mode = state.numerics
    return bool(mode and mode.anomaly)


class detect_anomaly(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """Anomaly mode for a block (or a decorated function): forward and backward checks.

    Every op's floating outputs are checked as with `enable_check_numerics`, and every
    gradient a vjp returns is checked too: when a gradient turns NaN or Inf, the
    InvalidArgumentError names the forward op whose vjp produced it, the line that called
    that op, and its inputs. Tapes record the calling line of each op while it is on, so
    it is slower; use it to find a NaN, not to train.

        with tapeflow.debugging.detect_anomaly():
            with tf.GradientTape() as tape:
                loss = model(x)
            grads = tape.gradient(loss, model.trainable_variables)

    `set_detect_anomaly(True)` turns it on for the rest of the program.
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = bool(check_nan)
        self._previous = []

    def __enter__(self):
        self._previous.append(is_anomaly_enabled())
        _set(anomaly=self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(anomaly=self._previous.pop())
        return False


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turns anomaly mode on or off now; as a context manager, restores it at the end."""

    def __init__(self, mode: bool):
        self._previous = is_anomaly_enabled()
        _set(anomaly=bool(mode))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(anomaly=self._previous)
        return False


# ---- the recorder --------------------------------------------------------------------------

_backward = threading.local()  # .entry: the _AnomalyOp whose vjp is running, or None


def _checking_record(op, inputs, attrs, outputs):
    """`tape.record` plus the checks of this thread's mode."""
    mode = state.numerics
    if mode is None or not mode.anomaly or not state.tapes:
        tape_module.record(op, inputs, attrs, outputs)
    else:
        _record_with_sites(op, inputs, attrs, outputs)
    if mode is not None:
        _check_outputs(op, inputs, outputs)


def _record_with_sites(op, inputs, attrs, outputs):
    """`tape.record`, but tapes get the op wrapped with the line that called it."""
    tracer = state.tracer
    if tracer is not None:
        tracer.record(op, inputs, attrs, outputs)
    wrapped = None
    for tape in state.tapes:
        if tape._recording:
            if wrapped is None:
                wrapped = _AnomalyOp(op, user_site(), inputs)
            tape._record(wrapped, inputs, attrs, outputs)
    for acc in state.accumulators:
        if acc._recording:
            acc._record(op, inputs, attrs, outputs)


def _check_outputs(op, inputs, outputs):
    for k, out in enumerate(outputs):
        arr = out._value
        if arr.dtype.kind not in "fc":
            continue
        tracer = state.tracer
        if tracer is not None and not tracer.suspended and _registered(op):
            # The plan checks this output on every call of the function.
            message = _forward_message(op, k, len(outputs), inputs, arr, user_site(), True)
            tracer.callback(_Checker(message), [out], (), [])
        if not xp.isfinite(arr).all():
            site = user_site()
            raise InvalidArgumentError(
                _forward_message(op, k, len(outputs), inputs, arr, site, tracer is not None)
                + _nonfinite_summary(arr)
            )


class _Checker:
    """A plan's check of one value: raises its message if the array holds NaN or Inf."""

    __slots__ = ("message",)

    def __init__(self, message):
        self.message = message

    def __call__(self, arr):
        if not np.isfinite(to_numpy(arr)).all():
            raise InvalidArgumentError(self.message + _nonfinite_summary(arr))


def _registered(op) -> bool:
    try:
        return registry.get_op(op.name) is op
    except LookupError:
        return False


# ---- anomaly mode: gradients -----------------------------------------------------------------


class _AnomalyOp:
    """An op as a tape records it in anomaly mode: the op, plus the line that called it.

    The backward pass uses it like the op itself; its vjp checks what the op's vjp
    returns and blames this op and line when a gradient is NaN or Inf.
    """

    def __init__(self, op, site, inputs):
        self.op = op
        self.site = site
        self.name = op.name
        self.differentiable = op.differentiable
        self.multiple_outputs = op.multiple_outputs
        self.batchable = op.batchable
        self.vjp_needs = op.vjp_needs
        self.stateful = op.stateful
        self.jvp_fn = op.jvp_fn
        self.vjp_fn = None if op.vjp_fn is None else self._vjp
        self.input_summary = [(x.dtype.name, tuple(x._value.shape)) for x in inputs]

    def __getattr__(self, name):
        return getattr(self.op, name)

    def _vjp(self, g, ans, *inputs, **attrs):
        previous = getattr(_backward, "entry", None)
        _backward.entry = self
        try:
            grads = self.op.vjp_fn(g, ans, *inputs, **attrs)
        finally:
            _backward.entry = previous
        tracer = state.tracer
        for k, gx in enumerate(grads):
            if gx is None:
                continue
            values = gx.values if isinstance(gx, IndexedSlices) else gx
            arr = values._value
            if arr.dtype.kind not in "fc":
                continue
            if tracer is not None and not tracer.suspended:
                message = self._message(k, inputs, arr, g, traced=True)
                tracer.callback(_Checker(message), [values], (), [])
            if not xp.isfinite(arr).all():
                raise InvalidArgumentError(
                    self._message(k, inputs, arr, g, traced=False) + _nonfinite_summary(arr)
                )
        return grads

    def _message(self, k, inputs, arr, g, traced):
        where = "in a tf.function" if traced else "while computing gradients"
        lines = [
            f"!!! Detected Infinity or NaN in the gradient of input {k} of op "
            f'"{self.name}" {where} (detect_anomaly) !!!',
            f"  The forward op was called at: {_site_text(self.site)}",
            f"  gradient dtype: {arr.dtype.name}, shape: {tuple(arr.shape)}",
        ]
        if not traced:
            lines.append(_counts(arr))
            lines.append(f"  upstream gradient: {_finiteness(g)}")
            lines.append("")
            lines.extend(_describe_inputs(inputs))
        lines.append("")
        return "\n".join(lines)


def _finiteness(g) -> str:
    parts = g if isinstance(g, (tuple, list)) else (g,)
    for p in parts:
        if p is not None and p._value.dtype.kind in "fc" and not xp.isfinite(p._value).all():
            return "already NaN or Inf (the anomaly is further downstream)"
    return "finite (this op's vjp made the NaN or Inf)"


# ---- messages --------------------------------------------------------------------------------


def _forward_message(op, k, n_outputs, inputs, arr, site, traced):
    kind = "graph op" if traced else "eagerly-executing op"
    entry = getattr(_backward, "entry", None)
    if entry is not None:  # anomaly mode, inside a vjp: blame the forward op first
        lines = [
            f'!!! Detected Infinity or NaN in the gradient of op "{entry.name}" '
            f"(detect_anomaly) !!!",
            f"  The forward op was called at: {_site_text(entry.site)}",
            f'  Its gradient computation made it: output {k} of {kind} "{op.name}" '
            f"(called by {_site_text(site)})",
        ]
    else:
        lines = [
            f'!!! Detected Infinity or NaN in output {k} of {kind} "{op.name}" '
            f"(# of outputs: {n_outputs}) !!!"
        ]
    lines += [f"  dtype: <dtype: '{arr.dtype.name}'>", f"  shape: {tuple(arr.shape)}"]
    if not traced:
        lines.append(_counts(arr))
    lines.append("")
    if traced:
        lines.extend(
            f"  Input {i}: dtype {x.dtype.name}, shape {tuple(x._value.shape)}"
            for i, x in enumerate(inputs)
        )
        lines.append("  (in a tf.function: its plan checks this op on every call)")
    else:
        lines.extend(_describe_inputs(inputs))
    if entry is None:
        lines.append(f"  Op called at: {_site_text(site)}")
    lines.append("")
    return "\n".join(lines)


def _describe_inputs(inputs) -> list:
    from ..core.tensor import wrap

    if len(inputs) == 1:
        return [f"  Input tensor: {str(wrap(inputs[0]._value))}"]
    lines = [f"  Input tensors ({len(inputs)}):"]
    lines += [f"         {i}: {str(wrap(x._value))}" for i, x in enumerate(inputs)]
    return lines


def _counts(arr) -> str:
    a = np.asarray(to_numpy(arr))
    lines = []
    n_neg = int(np.sum(np.isneginf(a))) if a.dtype.kind == "f" else 0
    n_pos = int(np.sum(np.isposinf(a))) if a.dtype.kind == "f" else 0
    n_nan = int(np.sum(np.isnan(a)))
    if n_neg:
        lines.append(f"  # of -Inf elements: {n_neg}")
    if n_pos:
        lines.append(f"  # of +Inf elements: {n_pos}")
    if n_nan:
        lines.append(f"  # of +NaN elements: {n_nan}")
    return "\n".join(lines)


def _nonfinite_summary(arr) -> str:
    """TF's last line: ' : Tensor had -Inf, +Inf, and NaN values'."""
    a = np.asarray(to_numpy(arr))
    kinds = []
    if a.dtype.kind == "f":
        if np.isneginf(a).any():
            kinds.append("-Inf")
        if np.isposinf(a).any():
            kinds.append("+Inf")
    elif not np.isfinite(a).all() and not np.isnan(a).any():
        kinds.append("Inf")
    if np.isnan(a).any():
        kinds.append("NaN")
    if len(kinds) > 2:
        what = ", ".join(kinds[:-1]) + ", and " + kinds[-1]
    else:
        what = " and ".join(kinds)
    return f" : Tensor had {what} values"


def _site_text(site) -> str:
    return str(site) if site is not None else "(no user code on the stack)"
