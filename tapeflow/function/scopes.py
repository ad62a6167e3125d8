"""`tf.init_scope` and `tf.control_dependencies`.

`init_scope` lifts the code inside it out of any tf.function being traced and pauses the
gradient tapes, as in TF: it runs once, at trace time, and nothing in it is recorded (the
place to create variables or read Python state).

`control_dependencies` orders effects in a graph. A tapeflow trace is the function's eager
run recorded in program order, and every effect (variable writes, `tf.print`, random draws,
host calls such as `tf.py_function`, checks) is kept in that order by every pass, never
pruned, so the listed ops already run before the block on every call: the context only
checks its argument, as TF's eager one ignores it.
"""

from __future__ import annotations

import contextlib

from ..core.tape import paused
from .trace import suspended


@contextlib.contextmanager
def init_scope():
    """Runs the block outside any tf.function trace, with gradient tapes paused."""
    with suspended(), paused():
        yield


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
