"""`fit` and `evaluate` under a multi-replica `tf.distribute` strategy (Keras 3's behaviour).

When a model was made in (or is trained in) the scope of a strategy with several replicas:
each global batch is cut into one piece per replica (as `experimental_distribute_dataset`
does), the step runs in the replica context (so `apply_gradients` sums the gradients over
the replicas) on a loss scaled by 1/replicas, the metric states are summed over the replicas
whenever epoch-level logs are read (so History, callbacks and early stopping see the same
numbers on every worker), and only the chief (rank 0) shows a progress bar. Per-batch logs
are the local replica's, as in Keras.
"""

from __future__ import annotations

import numpy as np

from ...core import distribution, nest
from ...core.tensor import Operand
from ...core.variable import VariableAggregation


class DistributedRun:
    """One `fit` / `evaluate` call under a strategy with several replicas."""

    def __init__(self, strategy):
        self.strategy = strategy
        self.comm = strategy._comm
        self._scope = None

    def verbose(self, verbose):
        """Only the chief reports progress."""
        return verbose if self.comm.rank == 0 else 0

    def enter(self):
        """Enters the strategy's scope and makes NumPy's global generator rank 0's, so that
        the per-epoch shuffles of array inputs agree on every worker."""
        self._scope = self.strategy.scope()
        self._scope.__enter__()
        state = self.comm.broadcast_object(np.random.get_state(), 0, "fit: shuffle seed")
        np.random.set_state(state)

    def exit(self):
        if self._scope is not None:
            scope, self._scope = self._scope, None
            scope.__exit__(None, None, None)

    def step(self, function):
        """`function(batches)` run on this replica's pieces, in its replica context."""
        from ...distribute.input import piece_bounds

        replicas, rank = self.strategy.num_replicas_in_sync, self.comm.rank

        def piece(data):
            leaves = [x for x in nest.flatten(data) if x is not None]
            batch = int(leaves[0].shape[0]) if leaves else 0
            start, stop = piece_bounds(batch, replicas, rank)
            return nest.map_structure(
                lambda x: x if x is None or not _sliceable(x) else x[start:stop], data
            )

        def run(batches):
            return self.strategy.run(function, args=([piece(b) for b in batches],))

        return run

    def synchronized(self, model, read_logs, *args):
        """`read_logs(*args)` with every metric state reduced over the replicas."""
        saved = []
        try:
            for metric in model.metrics:
                for variable in _state_variables(metric):
                    reduced = self._reduce(variable)
                    if reduced is not None:
                        saved.append((variable, variable._value))
                        variable._value = reduced
            return read_logs(*args)
        finally:
            for variable, value in saved:
                variable._value = value

    def _reduce(self, variable):
        aggregation = variable._aggregation
        what = f"metric state {variable._name}"
        if aggregation == VariableAggregation.SUM:
            return self.comm.allreduce(variable._value, "sum", what)
        if aggregation == VariableAggregation.MEAN:
            return self.comm.allreduce(variable._value, "mean", what)
        if aggregation == VariableAggregation.ONLY_FIRST_REPLICA:
            return self.comm.broadcast(variable._value, 0, what)
        return None


def _state_variables(metric) -> list:
    """A metric's state variables; a container of metrics (compiled metrics): theirs."""
    variables = getattr(metric, "variables", None)
    if variables is not None:
        return list(variables)
    return [v for m in getattr(metric, "metrics", []) for v in _state_variables(m)]


def _sliceable(x) -> bool:
    return isinstance(x, (Operand, np.ndarray)) and len(getattr(x, "shape", ())) > 0


def for_model(model) -> DistributedRun | None:
    """The run for `model`'s strategy (the current one, else the one it was made under),
    or None when that strategy has a single replica."""
    strategy = distribution.current()[0] or getattr(model, "_distribution_strategy", None)
    if strategy is None or strategy.num_replicas_in_sync == 1:
        return None
    return DistributedRun(strategy)


def scale_loss(loss):
    """The loss a replica differentiates: divided by the number of replicas, so that the
    summed gradients are those of the mean over the global batch (Keras 3)."""
    replicas = distribution.num_replicas_in_sync()
    if replicas == 1 or distribution.replica_context() is None:
        return loss
    return loss * np.asarray(1.0 / replicas, loss.dtype.as_numpy_dtype)
