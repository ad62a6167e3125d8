"""`tapeflow.horovod.keras`: Horovod's Keras API (`horovod.tensorflow.keras` 0.28): the
basics and collectives of `tapeflow.horovod`, `DistributedOptimizer`, and the callbacks."""

from .. import (
    Adasum,
    Average,
    Compression,
    Max,
    Min,
    Product,
    Sum,
    allgather,
    allgather_object,
    allreduce,
    broadcast,
    broadcast_object,
    cross_rank,
    cross_size,
    global_process_set,
    init,
    is_initialized,
    local_rank,
    local_size,
    mpi_built,
    mpi_enabled,
    mpi_threads_supported,
    rank,
    reducescatter,
    shutdown,
    size,
)
from ..gradients import DistributedOptimizer
from . import callbacks

__all__ = [
    "Adasum", "Average", "Compression", "DistributedOptimizer", "Max", "Min", "Product",
    "Sum", "allgather", "allgather_object", "allreduce", "broadcast", "broadcast_object",
    "callbacks", "cross_rank", "cross_size", "global_process_set", "init", "is_initialized",
    "local_rank", "local_size", "mpi_built", "mpi_enabled", "mpi_threads_supported", "rank",
    "reducescatter", "shutdown", "size",
]  # fmt: skip
