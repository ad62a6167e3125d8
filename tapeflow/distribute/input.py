"""Distributed input: each replica's share of a dataset of global batches.

`experimental_distribute_dataset(dataset)` expects elements that are global batches (the
dataset ends with `.batch(GLOBAL_BATCH)`). Every worker runs the same pipeline and cuts each
global batch into one piece per replica, keeping its own: pieces of ceil(B / N) elements in
replica order, the last ones smaller (or empty) when N does not divide B, as TF's rebatching
does. So one step of all replicas consumes exactly one global batch, and gradients summed
over replicas (with `tf.nn.compute_average_loss`) are those of the whole batch. This is
the DATA policy; AUTO means DATA here (tapeflow does not rewrite file sources), and OFF gives
every replica every piece in turn (the whole dataset on each worker, as TF's OFF does). The
pipeline must yield the same elements in the same order on every worker: seed its shuffle.

`distribute_datasets_from_function(fn)` calls `fn(InputContext)` once per worker; the
function shards and batches by itself (per replica), as in TF.
"""

from __future__ import annotations

import math
import warnings

from ..core.errors import OutOfRangeError
from ..core.spec import TensorSpec
from ..data import structure
from ..data.dataset import Dataset
from ..data.options import AutoShardPolicy


class InputContext:
    """What `distribute_datasets_from_function` tells the dataset function."""

    def __init__(self, num_input_pipelines=1, input_pipeline_id=0, num_replicas_in_sync=1):
        self._num_input_pipelines = int(num_input_pipelines)
        self._input_pipeline_id = int(input_pipeline_id)
        self._num_replicas_in_sync = int(num_replicas_in_sync)

    @property
    def num_input_pipelines(self) -> int:
        return self._num_input_pipelines

    @property
    def input_pipeline_id(self) -> int:
        return self._input_pipeline_id

    @property
    def num_replicas_in_sync(self) -> int:
        return self._num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size) -> int:
        """`global_batch_size` divided by the number of replicas (which must divide it)."""
        if global_batch_size % self._num_replicas_in_sync != 0:
            raise ValueError(
                f"The `global_batch_size` {global_batch_size} is not divisible by "
                f"`num_replicas_in_sync` {self._num_replicas_in_sync} "
            )
        return global_batch_size // self._num_replicas_in_sync

    def __str__(self):
        return (
            f"tf.distribute.InputContext(input pipeline id {self._input_pipeline_id}, "
            f"total: {self._num_input_pipelines})"
        )


class ValueContext:
    """What `experimental_distribute_values_from_function` tells the value function."""

    def __init__(self, replica_id_in_sync_group=0, num_replicas_in_sync=1):
        self._replica_id = int(replica_id_in_sync_group)
        self._num_replicas = int(num_replicas_in_sync)

    @property
    def replica_id_in_sync_group(self) -> int:
        return self._replica_id

    @property
    def num_replicas_in_sync(self) -> int:
        return self._num_replicas


def piece_bounds(batch: int, replicas: int, index: int) -> tuple:
    """[start, stop) of replica `index`'s piece of a batch of `batch` elements."""
    size = math.ceil(batch / replicas) if batch else 0
    start = min(index * size, batch)
    return start, min(start + size, batch)


class _ReplicaPieces(Dataset):
    """Each element (a global batch) cut into `replicas` pieces; yields piece `index` (DATA)
    or every piece in turn (`index=None`: OFF)."""

    def __init__(self, dataset, replicas: int, index):
        super().__init__(dataset)
        self._replicas = replicas
        self._index = index
        for path, spec in structure.flatten_with_paths(dataset.element_spec):
            if not isinstance(spec, TensorSpec) or spec.shape.rank == 0:
                raise ValueError(
                    f"experimental_distribute_dataset: element{path} is {spec}; each "
                    f"element must be a batch of Tensors (rank >= 1) to be split among "
                    f"{replicas} replicas: end the pipeline with .batch(global_batch_size)"
                )

    def _compute_spec(self):
        spec = self._inputs[0].element_spec
        leaves = [TensorSpec([None] + list(s.shape)[1:], s.dtype) for s in structure.flatten(spec)]
        return structure.pack(spec, leaves)

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        return n * self._replicas if self._index is None and n >= 0 else n

    def _iter_flat(self):
        replicas = self._replicas
        for flat in self._inputs[0]._iter_flat():
            batch = int(flat[0].shape[0])
            for a in flat[1:]:
                if int(a.shape[0]) != batch:
                    raise ValueError(
                        f"experimental_distribute_dataset: the components of a batch have "
                        f"different first dimensions ({batch} and {int(a.shape[0])})"
                    )
            indices = range(replicas) if self._index is None else (self._index,)
            for i in indices:
                start, stop = piece_bounds(batch, replicas, i)
                yield tuple(a[start:stop] for a in flat)


def _policy(dataset) -> AutoShardPolicy:
    distribute_options = dataset.options().experimental_distribute
    policy = getattr(distribute_options, "auto_shard_policy", None)
    return AutoShardPolicy.AUTO if policy is None else AutoShardPolicy(policy)


def local_share(dataset, replicas: int, index: int):
    """Replica `index`'s share of a dataset of global batches (module docstring)."""
    if replicas == 1:
        return dataset
    policy = _policy(dataset)
    if policy == AutoShardPolicy.OFF:
        return _ReplicaPieces(dataset, replicas, None)
    if policy in (AutoShardPolicy.FILE, AutoShardPolicy.HINT):
        warnings.warn(
            f"AutoShardPolicy.{policy.name}: tapeflow does not shard file sources; the "
            f"dataset is sharded by DATA (every worker reads every file and keeps its piece "
            f"of each batch)",
            stacklevel=3,
        )
    return _ReplicaPieces(dataset, replicas, index)


class DistributedDataset:
    """`tf.distribute.DistributedDataset`: iterate it (or `iter()` it) for this replica's
    batches, and pass each to `strategy.run`."""

    def __init__(self, strategy, dataset=None, dataset_fn=None, options=None):
        self._strategy = strategy
        self._options = options
        comm = strategy._comm
        if dataset_fn is not None:
            context = InputContext(comm.size, comm.rank, strategy.num_replicas_in_sync)
            dataset = dataset_fn(context)
            if not isinstance(dataset, Dataset):
                raise TypeError(
                    f"distribute_datasets_from_function: the function must return a "
                    f"tf.data.Dataset, got {type(dataset).__name__}"
                )
            self._local = dataset
        else:
            if not isinstance(dataset, Dataset):
                raise TypeError(
                    f"experimental_distribute_dataset expects a tf.data.Dataset, got "
                    f"{type(dataset).__name__}"
                )
            self._local = local_share(dataset, strategy.num_replicas_in_sync, comm.rank)

    @property
    def element_spec(self):
        return self._local.element_spec

    @property
    def cardinality(self):
        return self._local.cardinality()

    def __iter__(self):
        return DistributedIterator(self)

    def reduce(self, initial_state, reduce_func):
        """Folds `reduce_func(state, value)` over this replica's elements."""
        state = initial_state
        for value in self:
            state = reduce_func(state, value)
        return state

    def __repr__(self):
        return f"<DistributedDataset element_spec={self.element_spec!r}>"


class DistributedIterator:
    """`tf.distribute.DistributedIterator` over a DistributedDataset."""

    def __init__(self, distributed: DistributedDataset):
        self._distributed = distributed
        self._iterator = iter(distributed._local)

    @property
    def element_spec(self):
        return self._distributed.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._iterator)

    def get_next(self):
        """The next element; `tf.errors.OutOfRangeError` at the end."""
        try:
            return next(self._iterator)
        except StopIteration:
            raise OutOfRangeError("End of sequence") from None
