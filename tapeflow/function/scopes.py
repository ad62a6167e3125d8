"""Scopes around traced code: `tf.control_dependencies`, `tf.init_scope`, the context that
installs a tracer and the one that pauses it; and where in the user's code a traced event
happened.

`control_dependencies` orders effects in a graph. A tapeflow trace is the function's eager
run recorded in program order, and every effect (variable writes, `tf.print`, random draws,
host calls such as `tf.py_function`, checks) is kept in that order by every pass, never
pruned, so the listed ops already run before the block on every call: the context only
checks its argument, as TF's eager one ignores it.
"""

from __future__ import annotations

import contextlib
import os
import sys

from ..core.context import state
from ..core.tape import paused

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _where() -> str:
    """'file.py:12' of the first caller outside tapeflow (for guard messages)."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR):
            return f"{os.path.basename(filename)}:{frame.f_lineno}"
        frame = frame.f_back
    return "?"


class tracing:  # noqa: N801 - a context manager used like a function
    """Installs `tracer` as this thread's tracer for the duration of the block."""

    def __init__(self, tracer):
        self.tracer = tracer

    def __enter__(self):
        self.previous = state.tracer
        state.tracer = self.tracer
        state.refresh()
        return self.tracer

    def __exit__(self, *exc):
        state.tracer = self.previous
        state.refresh()


class suspended:  # noqa: N801
    """Stops the current tracer (if any) from recording inside the block."""

    def __enter__(self):
        self.tracer = state.tracer
        if self.tracer is not None:
            self.tracer.suspended += 1
        return self.tracer

    def __exit__(self, *exc):
        if self.tracer is not None:
            self.tracer.suspended -= 1


class init_scope:  # noqa: N801 - TF's name for a context manager
    """`tf.init_scope`: the block runs once, eagerly, outside any function being traced.

    Its ops and variable writes are not part of the trace (a traced function does them on
    its tracing call only), and, as in TF, gradient tapes do not record it.
    """

    def __enter__(self):
        self._suspended = suspended()
        tracer = self._suspended.__enter__()
        if tracer is not None:
            tracer.init_scopes += 1
        self._paused = paused()
        self._paused.__enter__()
        return None

    def __exit__(self, *exc):
        self._paused.__exit__(*exc)
        if self._suspended.tracer is not None:
            self._suspended.tracer.init_scopes -= 1
        self._suspended.__exit__(*exc)


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """A context in which the ops of `control_inputs` have run (see the module docstring).

    Args:
        control_inputs: a list of Tensors or ops (None entries, as `tf.no_op()` returns when
            executing eagerly, are accepted), or None.
    """
    if control_inputs is not None and callable(control_inputs):
        raise TypeError(
            "tf.control_dependencies takes a list of tensors or operations, not a function"
        )
    yield
