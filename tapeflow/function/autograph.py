"""`tf.autograph`: what stands for AutoGraph in tapeflow, which has none.

TF's AutoGraph rewrites Python control flow on tensors into graph ops before tracing.
tapeflow traces on concrete values instead (Python control flow runs as written; guards
keep each trace to the path it took), so there is no converted code to show. `to_code`
shows what a call really runs: the generated Python of each trace's plan (the traced IR,
one statement per op), or the function's own source when it has not been traced yet.
"""

from __future__ import annotations

import inspect
import textwrap
import weakref


class StagingError(Exception):
    """TF's AutoGraph error for a tf.function that cannot be traced (TF 2.21 raises it,
    not a RecursionError, for a function that calls itself while it is being traced)."""


_HEADER = (
    "# tapeflow has no AutoGraph: tf.function runs the Python function on concrete values\n"
    "# and records what it did. Below is the code each call runs instead, one plan for\n"
    "# each trace (per input signature and path through Python control flow).\n"
)


def to_code(entity, recursive=True, experimental_optional_features=None) -> str:
    """The traced IR of `entity` (a tf.function or the Python function it wraps) as
    readable Python: one generated plan per trace. An untraced function gives its own
    source, with a comment saying why."""
    from .api import Function

    functions = [entity] if isinstance(entity, Function) else functions_of(entity)
    traces = [cf for f in functions for cf in f._concrete]
    if traces:
        parts = []
        for k, cf in enumerate(traces):
            signature = cf.pretty_printed_signature(verbose=False)
            parts.append(f"# trace {k + 1}: {signature}\n{cf.plan_source}")
        return _HEADER + "\n".join(parts)
    python = entity._python_function if isinstance(entity, Function) else entity
    try:
        source = textwrap.dedent(inspect.getsource(python))
    except (OSError, TypeError):
        source = f"# (the source of {python!r} is not available)\n"
    return (
        "# tapeflow has no AutoGraph: this function is not traced yet, so here is its\n"
        "# Python source, which tf.function runs as written on concrete values.\n" + source
    )


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """`entity` itself: tapeflow needs no conversion (use tf.function to trace it)."""
    return entity


def do_not_convert(func=None):
    """A decorator that leaves `func` as it is (there is no AutoGraph to keep away)."""
    if func is None:
        return lambda f: f
    return func


def set_verbosity(level, alsologtostdout=False):
    """Accepted for compatibility; AutoGraph's logging has nothing to report here."""


# The Functions of each Python function, for tf.autograph.to_code (weakly held).
_FUNCTIONS = weakref.WeakValueDictionary()


def track(function):
    _FUNCTIONS[id(function)] = function


def functions_of(python_function) -> list:
    """The live tf.functions made from `python_function` (newest last)."""
    return [
        f
        for f in list(_FUNCTIONS.values())
        if getattr(f._python_function, "__wrapped__", f._python_function) is python_function
        or f._python_function is python_function
    ]
