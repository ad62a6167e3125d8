"""`GradientTape`: records ops on watched values and runs the backward pass.

A tape is an append-only list of entries `(op, inputs, attrs, outputs)` in execution
order, so `gradient()` walks it backwards with no topological sort (`backward.py`).

For the why-None explainer (`tapeflow/debugging/why_none.py`) a tape also notes, off the
hot path, where a gradient path could have been cut while it recorded: an op with no
gradient or an integer result applied to a watched value, a watched value converted to
NumPy or Python, a variable assigned a watched value, `stop_recording` blocks, and the
tensor-id span of its `with` block.
"""

from __future__ import annotations

import contextlib
import enum
import sys
import warnings

import numpy as np

from ..backend import xp
from . import nest
from .backward import backward, batched_backward, to_dense
from .context import hooks, pop, push, state
from .dtypes import is_float_array
from .indexed_slices import IndexedSlices
from .registry import Op, get_op, set_recorder
from .sites import user_site
from .tensor import Operand, _next_id, convert_to_tensor, wrap

_warned_inside_context = False  # TF logs its warning about that once per process
# Native-order float dtypes: a set lookup is twice as fast as `dtype.kind == "f"` on the
# recording path; anything else (bfloat16, byte-swapped) asks `is_float_array`.
_FLOAT_DTYPES = frozenset(np.dtype(t) for t in ("float16", "float32", "float64"))

# The why-None explainer: `explainer(tape, targets, sources, grads)` is installed by
# tapeflow.debugging and called when `gradient` returns None for a source. `_explaining`
# also gates the notes taken at cuts (see the module docstring).
_explainer = None
_explaining = True


def set_none_explainer(fn):
    """Installs the function `gradient` calls for sources whose gradient is None."""
    global _explainer
    _explainer = fn


def set_explaining(enabled: bool) -> bool:
    """Turns the why-None notes and warnings on or off; returns the previous setting."""
    global _explaining
    previous, _explaining = _explaining, bool(enabled)
    hooks.exported = _note_export if _explaining else None
    hooks.assigned = _note_assign if _explaining else None
    return previous


def explaining() -> bool:
    return _explaining


def _note_export(tensor, kind):
    """A tensor was converted to Python or NumPy: a cut, if a recording tape watches it."""
    site = None
    for tape in state.tapes:
        if tape._recording and tensor._id in tape._tracked:
            site = site or user_site()
            tape._cuts.append(("numpy", kind, (tensor._id,), (), site, _next_id(), None))


def _note_assign(variable, method, value):
    """A variable was written with a watched value: the path stops at the variable."""
    if not isinstance(value, Operand):
        return
    site = None
    for tape in state.tapes:
        if tape._recording and value._id in tape._tracked:
            site = site or user_site()
            tape._cuts.append(
                ("assign", method, (value._id,), (variable._id,), site, _next_id(), None)
            )


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def record(op: Op, inputs: tuple, attrs: dict, outputs: tuple):
    """Offers one executed op to the tracer, every recording tape and every accumulator."""
    s = state  # one global lookup; each attribute read goes through the thread-local dict
    if s.tracer is not None:
        s.tracer.record(op, inputs, attrs, outputs)
    for tape in s.tapes:
        if tape._recording:
            tape._record(op, inputs, attrs, outputs)
    accumulators = s.accumulators
    if accumulators:
        for acc in accumulators:
            if acc._recording:
                acc._record(op, inputs, attrs, outputs)


set_recorder(record)
set_explaining(True)


@contextlib.contextmanager
def paused():
    """Stops every tape and accumulator of this thread from recording for a while."""
    recorders = [r for r in state.tapes + state.accumulators if r._recording]
    for r in recorders:
        r._recording = False
    first = _next_id() if _explaining and recorders else None
    try:
        yield
    finally:
        for r in recorders:
            r._recording = True
        if first is not None:  # for the why-None explainer: what was made here is unrecorded
            gap = (first, _next_id(), user_site(), "paused")
            for r in recorders:
                if isinstance(r, GradientTape):
                    r._gaps.append(gap)


def _is_float(x) -> bool:
    return is_float_array(x._value.dtype)


class GradientTape:
    """Records operations for automatic differentiation (TF's `tf.GradientTape`)."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._entries = []
        self._tracked = set()  # ids of watched values and of recorded float outputs
        self._watched_variables = {}  # id -> Variable, in the order they were watched
        self._recording = False
        self._used = False
        # Called as `(k, gradient)` the moment source k's gradient is final, while the
        # backward pass goes on (Horovod's DistributedGradientTape starts all-reduces there).
        self._on_source_ready = None
        self._explain = True  # internal tapes (forward mode) turn the why-None warnings off
        # (kind, what, input ids, output ids, Site, id counter then, dtype) per cut
        self._cuts = []
        self._gaps = []  # (first id, last id, Site, kind) of each unrecorded stretch
        self._spans = []  # [first id, last id or None] of each stretch inside `with tape:`
        self._enter_site = None  # (file, line) of the last `with tape:`

    def __enter__(self):
        if self._recording:
            raise ValueError(
                "Tape is still recording, This can happen if you try to re-enter an "
                "already-active tape."
            )
        if self._used:  # a spent non-persistent tape starts afresh, as TF's does
            self.reset()
        push(self, state.tapes)
        self._recording = True
        self._spans.append([_next_id(), None])
        if _explaining:
            caller = sys._getframe(1)
            self._enter_site = (caller.f_code.co_filename, caller.f_lineno)
        return self

    def __exit__(self, *exc):
        if self._recording:
            self._stop()

    def _stop(self):
        self._recording = False
        pop(self, state.tapes)
        if self._spans:
            self._spans[-1][1] = _next_id()

    # ---- what to record -----------------------------------------------------------------------

    def watch(self, tensor):
        """Ensures `tensor` (a Tensor, Variable or nested structure of them) is traced."""
        for t in nest.flatten(tensor):
            if not isinstance(t, Operand):
                raise ValueError(
                    f"GradientTape.watch: expected Tensors or Variables, got {t!r} of type "
                    f"{type(t).__name__}"
                )
            if not _is_float(t):
                warnings.warn(
                    f"The dtype of the watched tensor must be floating (e.g. "
                    f"tf.float32), got {t.dtype!r}",
                    stacklevel=2,
                )
            if t._is_variable:
                self._watched_variables.setdefault(t._id, t)
            self._tracked.add(t._id)

    def watched_variables(self) -> tuple:
        return tuple(self._watched_variables.values())

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stops recording on this tape (other tapes go on)."""
        if not self._recording:
            raise ValueError("Tape.stop_recording() was called while the tape was not recording")
        self._recording = False
        first = _next_id()
        try:
            yield
        finally:
            self._recording = True
            if _explaining:
                self._gaps.append((first, _next_id(), user_site(), "stop_recording"))

    def reset(self):
        """Clears everything recorded so far, as if the tape were entered anew."""
        self._entries = []
        self._tracked = set()
        self._watched_variables = {}
        self._used = False
        self._cuts = []
        self._gaps = []
        self._spans = [[_next_id(), None]] if self._recording else []

    def _record(self, op, inputs, attrs, outputs):
        tracked = self._tracked
        hit = False
        reads_variable = False
        for x in inputs:
            if x._is_variable:
                reads_variable = True
                if x._id not in tracked and self._watch_accessed and x._trainable and _is_float(x):
                    self._watched_variables[x._id] = x
                    tracked.add(x._id)
            if x._id in tracked:
                hit = True
        if not hit:
            return
        if not op.differentiable:
            if _explaining:
                self._note_cut("no_gradient", op, inputs, outputs)
            return
        if reads_variable:
            inputs = tuple([x._snapshot() if x._is_variable else x for x in inputs])
        self._entries.append((op, inputs, attrs, outputs))
        if len(outputs) == 1:
            o = outputs[0]
            dt = o._value.dtype
            float_out = dt in _FLOAT_DTYPES or is_float_array(dt)  # the common case first
            if float_out:
                tracked.add(o._id)
        else:
            float_out = False
            for o in outputs:
                dt = o._value.dtype
                if dt in _FLOAT_DTYPES or is_float_array(dt):
                    tracked.add(o._id)
                    float_out = True
        if not float_out and _explaining:
            self._note_cut("integer", op, inputs, outputs)

    def _note_cut(self, kind, op, inputs, outputs):
        """An op on a watched value whose result carries no gradient (off the hot path)."""
        ids = tuple(x._id for x in inputs if x._id in self._tracked)
        outs = tuple(o._id for o in outputs)
        site = user_site()
        self._cuts.append((kind, op.name, ids, outs, site, max(outs), outputs[0].dtype.name))

    # ---- gradients ----------------------------------------------------------------------------

    def _start(self, what: str):
        if self._used:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                f"gradients (or jacobians); this {what} call is the second. Use "
                "tf.GradientTape(persistent=True) to call it several times."
            )

    def _finish(self):
        if not self._persistent:
            self._used = True
            self._entries = []
            self._tracked = set()
            self._cuts = []

    def _check_pfor(self, use_pfor, what):
        # TF's eager loop without pfor calls gradient once per row: a persistent tape only.
        if not use_pfor and not self._persistent:
            raise RuntimeError(
                f"GradientTape must be created with persistent=True to compute the {what} "
                f"with eager execution enabled and with experimental_use_pfor set to False."
            )

    def _prepare_backward(self):
        """TF's rule for a gradient taken inside the tape's own context.

        A non-persistent tape stops recording for good (it can answer only once, so
        recording more is useless). A persistent tape goes on recording, so its backward
        pass is itself recorded and a later `gradient` call differentiates it again.
        """
        global _warned_inside_context
        if not self._recording:
            return
        if not self._persistent:
            self._stop()
        elif not _warned_inside_context:
            _warned_inside_context = True
            warnings.warn(
                "Calling GradientTape.gradient on a persistent tape inside its context is "
                "significantly less efficient than calling it outside the context (it causes "
                "the gradient ops to be recorded on the tape, leading to increased CPU and "
                "memory usage). Only call GradientTape.gradient inside the context if you "
                "actually want to trace the gradient in order to compute higher order "
                "derivatives.",
                stacklevel=3,
            )

    def gradient(
        self,
        target,
        sources,
        output_gradients=None,
        unconnected_gradients=UnconnectedGradients.NONE,
    ):
        """Gradients of `target` (summed over its elements and leaves) w.r.t. `sources`.

        The result has the structure of `sources`; a source the target does not depend
        on gets None (or zeros with `unconnected_gradients="zero"`).
        """
        self._start("gradient")
        if target is None:
            raise TypeError(
                "Argument `target` should be a list or nested structure of Tensors, Variables "
                "or CompositeTensors to be differentiated, but received None."
            )
        self._prepare_backward()
        unconnected = (
            unconnected_gradients
            if unconnected_gradients is UnconnectedGradients.NONE
            else UnconnectedGradients(unconnected_gradients)
        )
        flat_targets = [_as_operand(t, "target") for t in _flat(target)]
        flat_sources = [_as_operand(s, "source") for s in _flat(sources)]
        seeds = _seeds(flat_targets, output_gradients)
        try:
            grads = backward(
                self._entries,
                flat_targets,
                seeds,
                flat_sources,
                self._tracked,
                on_ready=self._on_source_ready,
            )
            if (
                unconnected is UnconnectedGradients.NONE
                and _explainer is not None
                and _explaining
                and self._explain
                and any(g is None for g in grads)
            ):
                _explainer(self, flat_targets, flat_sources, grads)
        finally:
            self._finish()
        result = []
        for s, g in zip(flat_sources, grads):
            if not _is_float(s):
                warnings.warn(
                    f"The dtype of the source tensor must be floating (e.g. tf.float32) when "
                    f"calling GradientTape.gradient, got {s.dtype!r}; its gradient is None.",
                    stacklevel=2,
                )
                g = None
            elif g is None and unconnected is UnconnectedGradients.ZERO:
                g = wrap(xp.zeros_like(s._value))
            result.append(g)
        if type(sources) in (list, tuple) and len(result) == len(sources):
            if all(isinstance(x, Operand) for x in sources):
                return type(sources)(result)  # the common `[w, b]`: no structure to rebuild
        return nest.pack_sequence_as(sources, result)

    def jacobian(
        self,
        target,
        sources,
        unconnected_gradients=UnconnectedGradients.NONE,
        parallel_iterations=None,
        experimental_use_pfor=True,
    ):
        """d target[i...] / d source[j...], shaped `target.shape + source.shape`.

        Runs one backward pass with a batch of one-hot seeds when every recorded op's
        vjp accepts a batched upstream gradient, else one pass per target element.
        """
        self._start("jacobian")
        self._check_pfor(experimental_use_pfor, "jacobian")
        self._prepare_backward()
        unconnected = UnconnectedGradients(unconnected_gradients)
        t = _as_operand(target, "target")
        flat_sources = [_as_operand(s, "source") for s in nest.flatten(sources)]
        n = int(t._value.size)
        tshape = tuple(t._value.shape)
        eye = xp.eye(n, dtype=t._value.dtype).reshape((n,) + tshape)
        try:
            grads = batched_backward(self._entries, t, eye, flat_sources, self._tracked)
        finally:
            self._finish()
        result = []
        for s, g in zip(flat_sources, grads):
            sshape = tuple(s._value.shape)
            if g is None:
                if unconnected is UnconnectedGradients.ZERO:
                    g = wrap(xp.zeros(tshape + sshape, dtype=s._value.dtype))
            else:
                g = get_op("Reshape")(to_dense(g), shape=tshape + sshape)
            result.append(g)
        return nest.pack_sequence_as(sources, result)

    def batch_jacobian(
        self,
        target,
        source,
        unconnected_gradients=UnconnectedGradients.NONE,
        parallel_iterations=None,
        experimental_use_pfor=True,
    ):
        """Per-example jacobian: result[b, i..., j...] = d target[b, i...] / d source[b, j...].

        Assumes, as TF does, that example b of the target depends only on example b of the
        source, which lets one backward pass with `prod(target.shape[1:])` seeds do it all.
        """
        self._start("batch_jacobian")
        t = _as_operand(target, "target")
        s = _as_operand(source, "source")
        tshape = tuple(t._value.shape)
        for x in (t, s):
            if x._value.ndim < 2:  # TF's message: rank 1 has no per-example part
                raise ValueError(f"Shape {x.shape} must have rank at least 2")
        if tuple(s._value.shape)[:1] != tshape[:1]:
            raise ValueError(
                f"batch_jacobian: target and source need the same first (batch) dimension, "
                f"got target {t.shape} and source {s.shape}"
            )
        self._check_pfor(experimental_use_pfor, "batch_jacobian")
        self._prepare_backward()
        b, m = tshape[0], int(xp.prod(xp.asarray(tshape[1:]))) if len(tshape) > 1 else 1
        # seeds[k, b, i...] = 1 where i... is the k-th target position: every example at once.
        eye = xp.eye(m, dtype=t._value.dtype)
        seeds = xp.broadcast_to(eye[:, None, :], (m, b, m)).reshape((m,) + tshape)
        try:
            (g,) = batched_backward(
                self._entries, t, xp.ascontiguousarray(seeds), [s], self._tracked
            )
        finally:
            self._finish()
        sshape = tuple(s._value.shape)
        if g is None:
            if UnconnectedGradients(unconnected_gradients) is UnconnectedGradients.ZERO:
                return wrap(xp.zeros((b,) + tshape[1:] + sshape[1:], dtype=s._value.dtype))
            return None
        g = get_op("Reshape")(to_dense(g), shape=(m, b) + sshape[1:])
        perm = (1, 0) + tuple(range(2, len(sshape) + 1))
        g = get_op("Transpose")(g, perm=perm)
        return get_op("Reshape")(g, shape=(b,) + tshape[1:] + sshape[1:])


def _flat(structure) -> list:
    """nest.flatten, with the common cases (one Tensor, a flat list of them) taken directly."""
    if isinstance(structure, Operand):
        return [structure]
    if type(structure) in (list, tuple) and all(isinstance(x, Operand) for x in structure):
        return list(structure)
    return nest.flatten(structure)


def _as_operand(x, role: str):
    if isinstance(x, Operand):
        return x
    if isinstance(x, IndexedSlices):
        raise TypeError(
            f"GradientTape: an IndexedSlices cannot be a {role}; convert it with "
            "tf.convert_to_tensor first"
        )
    raise ValueError(
        f"GradientTape: the {role} must be a tf.Tensor or tf.Variable, got "
        f"{x!r} of type {type(x).__name__}"
    )


def _seeds(targets, output_gradients):
    if output_gradients is None:
        return [None] * len(targets)
    flat = nest.flatten(output_gradients)
    if len(flat) != len(targets):
        raise ValueError(
            f"GradientTape.gradient: {len(targets)} targets but {len(flat)} output_gradients"
        )
    seeds = []
    for t, g in zip(targets, flat):
        if g is None:
            seeds.append(None)
            continue
        g = convert_to_tensor(g, dtype=t.dtype)
        if tuple(g._value.shape) != tuple(t._value.shape):
            raise ValueError(
                f"GradientTape.gradient: output_gradients entry has shape "
                f"{g.shape}, its target has shape {t.shape}"
            )
        seeds.append(g)
    return seeds
