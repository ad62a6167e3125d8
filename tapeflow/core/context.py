"""Per-thread execution state: the active gradient tapes and forward accumulators.

Kept in one thread-local object so the dispatch hot path asks a single question
(`state.recording`) before doing any tape work.
"""

import threading


class _State(threading.local):
    def __init__(self):
        self.tapes = []  # GradientTapes entered in this thread, innermost last
        self.accumulators = []  # ForwardAccumulators entered in this thread
        self.recording = False  # True while any tape, accumulator, tracer or check is active
        self.differentiating = False  # True while any tape or accumulator is entered
        self.name_scopes = []  # tf.name_scope prefixes, outermost first
        # The tf.function tracer recording this thread's ops, variable writes and
        # tensor-to-Python conversions (tapeflow/function/trace.py), or None.
        self.tracer = None
        # The numeric checks of `tf.debugging.enable_check_numerics` / anomaly mode
        # (tapeflow/debugging/numerics.py), or None: while set, every op goes through the
        # recorder, which checks its outputs.
        self.numerics = None

    def refresh(self):
        self.recording = (
            bool(self.tapes or self.accumulators)
            or self.tracer is not None
            or self.numerics is not None
        )
        # Only tapes and accumulators differentiate: tf.function replays its plan op by op
        # through the dispatcher for them, not for the tracer or the numeric checks.
        self.differentiating = bool(self.tapes or self.accumulators)


def observed(tensor, kind: str, value):
    """`value`, a Python view of `tensor` (bool, float, array...): a tracer guards on it,
    and a recording tape notes where a watched value left it (the why-None explainer)."""
    tracer = state.tracer
    if tracer is not None:
        tracer.guard(tensor, kind, value)
    if state.tapes and hooks.exported is not None:
        hooks.exported(tensor, kind)
    return value


class _Hooks:
    """Functions the tape module installs, called from lower modules (no import cycle)."""

    exported = None  # (tensor, kind): a value converted to Python or NumPy
    assigned = None  # (variable, method, value): a variable written while a tape records


hooks = _Hooks()


def python_state_changes(reason: str):
    """Code that changes Python-side state a traced plan cannot redo (a tf.data iterator's
    position) calls this first: a tf.function being traced then runs such calls eagerly."""
    tracer = state.tracer
    if tracer is not None:
        tracer.python_state(reason)


state = _State()


def push(recorder, stack):
    stack.append(recorder)
    state.refresh()


def pop(recorder, stack):
    # Tapes may be exited out of order (a tape kept and exited later): remove this one.
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] is recorder:
            del stack[i]
            break
    state.refresh()
