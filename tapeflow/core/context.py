"""Per-thread execution state: the active gradient tapes and forward accumulators.

Kept in one thread-local object so the dispatch hot path asks a single question
(`state.recording`) before doing any tape work.
"""

import threading


class _State(threading.local):
    def __init__(self):
        self.tapes = []  # GradientTapes entered in this thread, innermost last
        self.accumulators = []  # ForwardAccumulators entered in this thread
        self.recording = False  # True while any tape or accumulator is entered
        self.name_scopes = []  # tf.name_scope prefixes, outermost first
        # The tf.function tracer recording this thread's ops, variable writes and
        # tensor-to-Python conversions (tapeflow/function/trace.py), or None.
        self.tracer = None

    def refresh(self):
        self.recording = bool(self.tapes or self.accumulators) or self.tracer is not None


def observed(tensor, kind: str, value):
    """`value`, a Python view of `tensor` (bool, float, array...): a tracer guards on it."""
    tracer = state.tracer
    if tracer is not None:
        tracer.guard(tensor, kind, value)
    return value


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
