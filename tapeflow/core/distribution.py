"""Which distribution strategy and replica context are current: the stack `tf.distribute` and
the layers below it (ops, variables, optimizers) share.

The strategies live in `tapeflow.distribute`, above the core; the engine only needs to ask
"how many replicas are in sync?", "am I in a replica context?" and "must a new variable take
rank 0's value?". Those questions are answered here from a per-thread stack of
`(strategy, replica_context)` entries that the strategies push and pop, so nothing below
`distribute/` imports it, and with no strategy each question costs one list lookup.
"""

from __future__ import annotations

import contextlib
import threading


class _DistributionState(threading.local):
    def __init__(self):
        # (strategy, replica_context or None), innermost last; empty = the default strategy.
        self.stack = []


_state = _DistributionState()

# The process's multi-worker strategy, once one is made (saving consults it: only the chief
# writes a path shared by every worker).
_process_strategy = None


def current():
    """`(strategy, replica_context)`: the innermost entry, `(None, None)` by default."""
    stack = _state.stack
    return stack[-1] if stack else (None, None)


@contextlib.contextmanager
def entered(strategy, replica_context=None):
    """Makes `strategy` current (in a replica context when one is given) for a `with` body."""
    _state.stack.append((strategy, replica_context))
    try:
        yield
    finally:
        _state.stack.pop()


def has_strategy() -> bool:
    """True inside a non-default strategy's `scope()` or `run()`."""
    return bool(_state.stack)


def num_replicas_in_sync() -> int:
    strategy = current()[0]
    return 1 if strategy is None else strategy.num_replicas_in_sync


def in_cross_replica_context() -> bool:
    """True in a strategy's scope outside `run` (or inside `merge_call`)."""
    strategy, replica_context = current()
    return strategy is not None and replica_context is None


def replica_context():
    """The current non-default replica context, or None (default strategy or cross-replica)."""
    return current()[1]


def variable_created(variable) -> None:
    """Called by `Variable.__init__` when a strategy is current: it may overwrite the
    initial value (multi-worker: rank 0's value) before anyone reads it."""
    strategy = current()[0]
    if strategy is not None:
        strategy._variable_created(variable)


def register_process_strategy(strategy) -> None:
    global _process_strategy
    _process_strategy = strategy


def is_chief_writer() -> bool:
    """False on a non-chief worker of a multi-worker strategy: that worker must not write a
    file every worker names (`model.save`, checkpoints); the chief writes it."""
    strategy = _process_strategy
    return strategy is None or strategy._is_chief_writer()


# The process group's communicator (tapeflow.distribute.comm), once made: collective ops in
# `ops/collective.py` use it; None means a group of one.
_communicator = None


def communicator():
    return _communicator


def set_communicator(comm) -> None:
    global _communicator
    _communicator = comm
