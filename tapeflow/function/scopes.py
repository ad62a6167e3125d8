"""`tf.control_dependencies` (`tf.init_scope` is in trace.py).

`control_dependencies` orders effects in a graph. A tapeflow trace is the function's eager
run recorded in program order, and every effect (variable writes, `tf.print`, random draws,
host calls such as `tf.py_function`, checks) is kept in that order by every pass, never
pruned, so the listed ops already run before the block on every call: the context only
checks its argument, as TF's eager one ignores it.
"""

from __future__ import annotations

import contextlib


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
