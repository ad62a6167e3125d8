"""`tf.distribute`: data-parallel training with one process per replica, over MPI.

`MultiWorkerMirroredStrategy` under `mpiexec -n N python -m mpi4py train.py` (the
`tapeflow[distributed]` extra installs mpi4py and an MPI); without a launcher every strategy
is one replica in this process and nothing of MPI is imported. See docs/distributed.md.
"""

import sys as _sys
import types as _types

from .cluster_resolver import ClusterSpec, SimpleClusterResolver, TFConfigClusterResolver
from .input import DistributedDataset, DistributedIterator, InputContext, ValueContext
from .mirrored import (
    MirroredStrategy,
    MultiWorkerMirroredStrategy,
    OneDeviceStrategy,
    _CollectiveAllReduceExperimental,
)
from .options import (
    CollectiveCommunication,
    CollectiveHints,
    CommunicationImplementation,
    CommunicationOptions,
    InputOptions,
    InputReplicationMode,
    ReduceOp,
)
from .strategy import (
    ReplicaContext,
    Strategy,
    StrategyExtended,
    experimental_set_strategy,
    get_replica_context,
    get_strategy,
    has_strategy,
    in_cross_replica_context,
)

experimental = _types.ModuleType(
    "tapeflow.distribute.experimental", "tapeflow's `tf.distribute.experimental` namespace."
)
experimental.MultiWorkerMirroredStrategy = _CollectiveAllReduceExperimental
experimental.CommunicationOptions = CommunicationOptions
experimental.CommunicationImplementation = CommunicationImplementation
experimental.CollectiveCommunication = CollectiveCommunication
experimental.CollectiveHints = CollectiveHints
experimental.ValueContext = ValueContext
experimental.__all__ = [
    "CollectiveCommunication", "CollectiveHints", "CommunicationImplementation",
    "CommunicationOptions", "MultiWorkerMirroredStrategy", "ValueContext",
]  # fmt: skip
_sys.modules[experimental.__name__] = experimental

cluster_resolver = _types.ModuleType(
    "tapeflow.distribute.cluster_resolver",
    "tapeflow's `tf.distribute.cluster_resolver` namespace.",
)
cluster_resolver.TFConfigClusterResolver = TFConfigClusterResolver
cluster_resolver.SimpleClusterResolver = SimpleClusterResolver
cluster_resolver.ClusterSpec = ClusterSpec
cluster_resolver.__all__ = ["ClusterSpec", "SimpleClusterResolver", "TFConfigClusterResolver"]
_sys.modules[cluster_resolver.__name__] = cluster_resolver

__all__ = [
    "DistributedDataset",
    "DistributedIterator",
    "InputContext",
    "InputOptions",
    "InputReplicationMode",
    "MirroredStrategy",
    "MultiWorkerMirroredStrategy",
    "OneDeviceStrategy",
    "ReduceOp",
    "ReplicaContext",
    "Strategy",
    "StrategyExtended",
    "cluster_resolver",
    "experimental",
    "experimental_set_strategy",
    "get_replica_context",
    "get_strategy",
    "has_strategy",
    "in_cross_replica_context",
]
