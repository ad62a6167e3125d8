"""`tapeflow.horovod`: Horovod's TensorFlow API (`horovod.tensorflow` 0.28) on tapeflow.

`import tapeflow.horovod as hvd` in place of `import horovod.tensorflow as hvd`; start the job
with `mpiexec -n N python -m mpi4py train.py` (or `horovodrun`'s equivalent `mpirun`). The
collectives run on MPI through mpi4py (`tapeflow[distributed]`); without a launcher the job
is one rank. Not implemented: Adasum, process sets other than the global one, `join`,
timelines, elastic training.
"""

from .basics import (
    Adasum,
    Average,
    Compression,
    Max,
    Min,
    ProcessSet,
    Product,
    Sum,
    ccl_built,
    cross_rank,
    cross_size,
    cuda_built,
    ddl_built,
    global_process_set,
    gloo_built,
    gloo_enabled,
    init,
    is_homogeneous,
    is_initialized,
    local_rank,
    local_size,
    mpi_built,
    mpi_enabled,
    mpi_threads_supported,
    nccl_built,
    rank,
    rocm_built,
    shutdown,
    size,
)
from .collectives import (
    allgather,
    allgather_object,
    allreduce,
    alltoall,
    broadcast,
    broadcast_object,
    broadcast_object_fn,
    broadcast_variables,
    grouped_allgather,
    grouped_allreduce,
    join,
    reducescatter,
)
from .gradients import DistributedGradientTape, DistributedOptimizer

__all__ = [
    "Adasum", "Average", "Compression", "DistributedGradientTape", "DistributedOptimizer",
    "Max", "Min", "ProcessSet", "Product", "Sum", "allgather", "allgather_object", "allreduce",
    "alltoall", "broadcast", "broadcast_object", "broadcast_object_fn", "broadcast_variables",
    "ccl_built", "cross_rank", "cross_size", "cuda_built", "ddl_built", "global_process_set",
    "gloo_built", "gloo_enabled", "grouped_allgather", "grouped_allreduce", "init",
    "is_homogeneous", "is_initialized", "join", "local_rank", "local_size", "mpi_built",
    "mpi_enabled", "mpi_threads_supported", "nccl_built", "rank", "reducescatter",
    "rocm_built", "shutdown", "size",
]  # fmt: skip
