"""`tf.distribute.Strategy`, its replica context, the default strategy, and the functions that
say which strategy and context are current.

tapeflow runs one replica per process: a strategy's `run` calls the function once, in this
process's replica context, and per-replica values are plain Tensors (what TF gives with one
local device). Cross-replica work (`reduce`, `gather`, gradient all-reduce, the initial
values of variables) goes through the process group's collectives (`comm.py`).
"""

from __future__ import annotations

import contextlib

from ..core import distribution, nest
from ..core.indexed_slices import IndexedSlices
from ..core.tensor import Operand, constant, convert_to_tensor
from ..ops import collective
from ..ops.array import reshape, transpose
from ..ops.array_join import concat, split
from ..ops.math import cast, divide
from ..ops.reduce import reduce_sum
from . import comm as comm_module
from .options import CommunicationOptions, ReduceOp, as_reduce_op
from .reducer import GradientReducer


class StrategyExtended:
    """`strategy.extended`: what a strategy says about its workers and devices."""

    def __init__(self, strategy):
        self._container_strategy = strategy

    @property
    def _comm(self):
        return self._container_strategy._comm

    @property
    def should_checkpoint(self) -> bool:
        return self._container_strategy._is_chief_writer()

    @property
    def should_save_summary(self) -> bool:
        return self._container_strategy._is_chief_writer()

    @property
    def should_init(self) -> bool:
        return True

    @property
    def experimental_between_graph(self) -> bool:
        return self._comm.size > 1

    @property
    def experimental_require_static_shapes(self) -> bool:
        return False

    @property
    def worker_devices(self) -> tuple:
        return (f"/job:worker/replica:0/task:{self._comm.rank}/device:CPU:0",)

    @property
    def parameter_devices(self) -> tuple:
        return self.worker_devices

    def _in_multi_worker_mode(self) -> bool:
        return self._comm.size > 1


class Strategy:
    """The base of the strategies: one replica per process, `num_replicas_in_sync` processes."""

    def __init__(self, comm, communication_options=None, cluster_resolver=None):
        self._comm = comm
        self._options = communication_options or CommunicationOptions()
        self._cluster_resolver = cluster_resolver
        self._extended = StrategyExtended(self)

    # ---- identity -----------------------------------------------------------------------------

    @property
    def num_replicas_in_sync(self) -> int:
        return self._comm.size

    @property
    def extended(self) -> StrategyExtended:
        return self._extended

    @property
    def cluster_resolver(self):
        return self._cluster_resolver

    def _is_chief_writer(self) -> bool:
        return self._comm.rank == 0

    def __repr__(self):
        return f"<tapeflow {type(self).__name__}: {self.num_replicas_in_sync} replica(s)>"

    # ---- contexts -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def scope(self):
        """Variables created in the scope belong to this strategy (and start from rank 0's
        values); Keras models made here train under it."""
        current, replica_context = distribution.current()
        if current is not None and current is not self:
            raise ValueError(
                f"Mixing different tf.distribute.Strategy objects: {self!r} is not "
                f"{current!r}, whose scope is already entered"
            )
        with distribution.entered(self, replica_context):
            yield self

    def run(self, fn, args=(), kwargs=None, options=None):
        """Calls `fn(*args, **kwargs)` in this replica's context; returns its result."""
        context = ReplicaContext(self, self._comm.rank)
        with distribution.entered(self, context):
            return fn(*args, **(kwargs or {}))

    def _require_cross_replica(self, what: str) -> None:
        if distribution.replica_context() is not None:
            raise RuntimeError(
                f"`{what}` must be called in cross-replica context (in the strategy's "
                f"scope or outside it, not inside `run`); use the ReplicaContext's "
                f"all_reduce / all_gather there"
            )

    # ---- cross-replica operations --------------------------------------------------------------

    def reduce(self, reduce_op, value, axis=None):
        """Every replica's `value` combined (SUM or MEAN); with `axis`, that axis is reduced
        too, and MEAN divides by the total number of elements along it."""
        self._require_cross_replica("reduce")
        op = as_reduce_op(reduce_op)
        return nest.map_structure(lambda v: self._reduce_one(op, v, axis), value)

    def _reduce_one(self, op, value, axis):
        value = convert_to_tensor(value)
        if self.num_replicas_in_sync == 1:  # this process's value alone (no collective)
            if axis is None:
                return value
            total = reduce_sum(value, axis=axis)
            if op is ReduceOp.SUM:
                return total
            return total / float(value.shape[axis]) if value.shape[axis] else total * float("nan")
        timeout = self._options.timeout_seconds
        if axis is None:
            reduction = "mean" if op is ReduceOp.MEAN else "sum"
            return collective.all_reduce(
                value, reduction=reduction, timeout_seconds=timeout, what="strategy.reduce"
            )
        total = collective.all_reduce(
            reduce_sum(value, axis=axis), timeout_seconds=timeout, what="strategy.reduce"
        )
        if op is ReduceOp.SUM:
            return total
        count = constant(value.shape[axis], dtype="int64")
        count = collective.all_reduce(count, timeout_seconds=timeout, what="strategy.reduce")
        return divide(total, cast(count, total.dtype))

    def gather(self, value, axis):
        """Every replica's `value` concatenated along `axis`, in replica order."""
        self._require_cross_replica("gather")
        if self.num_replicas_in_sync == 1:
            return value
        return nest.map_structure(lambda v: _gather(v, axis, self._options), value)

    def experimental_local_results(self, value) -> tuple:
        """The values of this process's replicas: one, so `(value,)`."""
        return (value,)

    def experimental_distribute_values_from_function(self, value_fn):
        from .input import ValueContext

        return value_fn(ValueContext(self._comm.rank, self.num_replicas_in_sync))

    # ---- input ----------------------------------------------------------------------------------

    def experimental_distribute_dataset(self, dataset, options=None):
        """This replica's share of `dataset`, whose elements are global batches: each global
        batch is cut into one piece per replica (see `tapeflow.distribute.input`)."""
        from .input import DistributedDataset

        return DistributedDataset(self, dataset=dataset, options=options)

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        """`dataset_fn(InputContext)` on each worker; it shards and batches per replica."""
        from .input import DistributedDataset

        return DistributedDataset(self, dataset_fn=dataset_fn, options=options)

    # ---- hooks for the layers below ---------------------------------------------------------

    def _variable_created(self, variable) -> None:
        """Every replica starts from rank 0's value (one broadcast per variable)."""
        if self._comm.size > 1:
            value = self._comm.broadcast(
                variable._value, 0, f"initial value of variable {variable._name}",
                self._options.timeout_seconds,
            )  # fmt: skip
            variable._value[...] = value

    def _gradient_reducer(self, op="sum") -> GradientReducer:
        return GradientReducer(
            self._comm,
            op,
            bytes_per_pack=self._options.bytes_per_pack,
            timeout=self._options.timeout_seconds,
            what="apply_gradients all-reduce",
        )


def _gather(value, axis, options):
    value = convert_to_tensor(value)
    if value.shape.rank == 0:
        raise ValueError("gather: the value must have rank >= 1 to be gathered along an axis")
    rank = value.shape.rank
    axis = axis % rank
    if not axis:
        return collective.all_gather(value, timeout_seconds=options.timeout_seconds, what="gather")
    # Bring `axis` to the front, gather along it, and put it back.
    perm = [axis] + [d for d in range(rank) if d != axis]
    out = collective.all_gather(
        transpose(value, perm), timeout_seconds=options.timeout_seconds, what="gather"
    )
    return transpose(out, [perm.index(d) for d in range(rank)])


class ReplicaContext:
    """`tf.distribute.ReplicaContext`: what code inside `strategy.run` sees."""

    def __init__(self, strategy, replica_id_in_sync_group):
        self._strategy = strategy
        self._replica_id = int(replica_id_in_sync_group)

    @property
    def strategy(self):
        return self._strategy

    @property
    def num_replicas_in_sync(self) -> int:
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self):
        return constant(self._replica_id, dtype="int32")

    @property
    def devices(self) -> tuple:
        return self._strategy.extended.worker_devices

    def __enter__(self):
        self._entered = distribution.entered(self._strategy, self)
        self._entered.__enter__()
        return self

    def __exit__(self, *exc):
        return self._entered.__exit__(*exc)

    def merge_call(self, merge_fn, args=(), kwargs=None):
        """Calls `merge_fn(strategy, *args, **kwargs)` in cross-replica context."""
        with distribution.entered(self._strategy, None):
            return merge_fn(self._strategy, *args, **(kwargs or {}))

    def all_reduce(self, reduce_op, value, options=None):
        """`value` (a nest of Tensors / IndexedSlices) reduced over the replicas, packed into
        buckets of `bytes_per_pack`; differentiable, like TF's."""
        op = as_reduce_op(reduce_op)
        if self.num_replicas_in_sync == 1:
            return value
        options = self._strategy._options.merge(options)
        flat = nest.flatten(value)
        reduction = "mean" if op is ReduceOp.MEAN else "sum"
        out = _all_reduce_packed(flat, reduction, options, self.num_replicas_in_sync)
        return nest.pack_sequence_as(value, out)

    def all_gather(self, value, axis, options=None):
        """Every replica's `value` (a nest of Tensors) concatenated along `axis`."""
        if self.num_replicas_in_sync == 1:
            return value
        options = self._strategy._options.merge(options)
        return nest.map_structure(lambda v: _gather(v, axis, options), value)

    def _reduce_gradients(self, grads):
        """The optimizer's all-reduce (SUM) of its gradients, bucketed (None stays None)."""
        if self.num_replicas_in_sync == 1:
            return grads
        return self._strategy._gradient_reducer("sum").reduce_tensors(grads)


def _all_reduce_packed(flat, reduction, options, replicas) -> list:
    """All-reduces Tensors in buckets: concat (same dtype, up to bytes_per_pack) -> one
    collective -> split, all as ops so tapes and tf.function see them."""
    out = [None] * len(flat)
    timeout = options.timeout_seconds
    buckets, current, size = [], [], 0
    for k, v in enumerate(flat):
        if isinstance(v, IndexedSlices):
            values = collective.all_gather(v.values, timeout_seconds=timeout, what="all_reduce")
            indices = collective.all_gather(v.indices, timeout_seconds=timeout, what="all_reduce")
            if reduction == "mean":
                values = values / float(replicas)
            out[k] = IndexedSlices(values, indices, v.dense_shape)
            continue
        t = v if isinstance(v, Operand) else convert_to_tensor(v)
        flat[k] = t
        if current and flat[current[0]].dtype != t.dtype:
            buckets.append(current)
            current, size = [], 0
        current.append(k)
        size += t._value.nbytes
        if options.bytes_per_pack and size >= options.bytes_per_pack:
            buckets.append(current)
            current, size = [], 0
    if current:
        buckets.append(current)
    for bucket in buckets:
        tensors = [flat[k] for k in bucket]
        if len(tensors) == 1:
            out[bucket[0]] = collective.all_reduce(
                tensors[0], reduction=reduction, timeout_seconds=timeout, what="all_reduce"
            )
            continue
        packed = concat([reshape(t, [-1]) for t in tensors], axis=0)
        reduced = collective.all_reduce(
            packed, reduction=reduction, timeout_seconds=timeout, what="all_reduce"
        )
        pieces = split(reduced, [int(t._value.size) for t in tensors])
        for k, t, piece in zip(bucket, tensors, pieces):
            out[k] = reshape(piece, t.shape)
    return out


class _DefaultStrategy(Strategy):
    """The strategy in force when none is entered: one replica, no collectives."""

    def __init__(self):
        super().__init__(comm_module.LocalCommunicator())

    @contextlib.contextmanager
    def scope(self):
        yield self

    def run(self, fn, args=(), kwargs=None, options=None):
        return fn(*args, **(kwargs or {}))

    def _variable_created(self, variable):
        pass


class _DefaultReplicaContext(ReplicaContext):
    def merge_call(self, merge_fn, args=(), kwargs=None):
        return merge_fn(self._strategy, *args, **(kwargs or {}))


_DEFAULT = {}


def _default_strategy() -> _DefaultStrategy:
    if "strategy" not in _DEFAULT:
        _DEFAULT["strategy"] = _DefaultStrategy()
        _DEFAULT["replica"] = _DefaultReplicaContext(_DEFAULT["strategy"], 0)
    return _DEFAULT["strategy"]


def get_strategy():
    """The current strategy: the one whose scope or `run` is entered, else the default."""
    strategy = distribution.current()[0]
    return strategy if strategy is not None else _default_strategy()


def has_strategy() -> bool:
    """Whether a non-default strategy is current."""
    return distribution.has_strategy()


def in_cross_replica_context() -> bool:
    """True in a strategy's scope outside `run` (or in `merge_call`)."""
    return distribution.in_cross_replica_context()


def get_replica_context():
    """The current ReplicaContext; None in cross-replica context; the default one when no
    strategy is entered."""
    strategy, context = distribution.current()
    if strategy is None:
        _default_strategy()
        return _DEFAULT["replica"]
    return context


def experimental_set_strategy(strategy) -> None:
    """Makes `strategy` current for the rest of the program (None restores the default)."""
    stack = distribution._state.stack
    stack[:] = [] if strategy is None else [(strategy, None)]
