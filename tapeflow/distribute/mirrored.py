"""The concrete strategies: `MultiWorkerMirroredStrategy` (one replica per MPI rank),
`MirroredStrategy` and `OneDeviceStrategy` (one replica in this process)."""

from __future__ import annotations

from ..core import distribution
from . import comm as comm_module
from .cluster_resolver import TFConfigClusterResolver
from .options import CommunicationOptions
from .strategy import Strategy


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous data-parallel training, one replica per process of an MPI job.

    Start it with `mpiexec -n N python -m mpi4py train.py` (or `srun`); a process started
    any other way is a job of one replica. Variables created in `scope()` start from rank 0's
    values; `Optimizer.apply_gradients` inside `run` sums the gradients over the replicas in
    buckets of `communication_options.bytes_per_pack`; a collective that does not complete
    within `timeout_seconds` aborts the job, naming the rank.
    """

    def __init__(self, cluster_resolver=None, communication_options=None):
        if communication_options is None:
            communication_options = CommunicationOptions()
        if not isinstance(communication_options, CommunicationOptions):
            raise ValueError(
                "communication_options must be a tf.distribute.experimental."
                f"CommunicationOptions, got {type(communication_options).__name__}"
            )
        launched = comm_module.started_by_mpi()
        comm = comm_module.get()
        if cluster_resolver is None:
            cluster_resolver = TFConfigClusterResolver()
        check = getattr(cluster_resolver, "_check_against", None)
        if check is not None:
            check(comm, launched)
        if comm.size > 1 and getattr(cluster_resolver, "task_type", None) is None:
            # No TF_CONFIG: the MPI ranks are the workers.
            cluster_resolver.task_type, cluster_resolver.task_id = "worker", comm.rank
        super().__init__(comm, communication_options, cluster_resolver)
        distribution.register_process_strategy(self)


class _CollectiveAllReduceExperimental(MultiWorkerMirroredStrategy):
    """`tf.distribute.experimental.MultiWorkerMirroredStrategy` (the older spelling)."""

    def __init__(self, communication=None, cluster_resolver=None, communication_options=None):
        if communication_options is None and communication is not None:
            communication_options = CommunicationOptions(implementation=communication)
        super().__init__(cluster_resolver, communication_options)


def _one_device(devices, what) -> None:
    devices = [devices] if isinstance(devices, str) else list(devices or [])
    if len(devices) > 1:
        raise NotImplementedError(
            f"{what} over several devices in one process ({devices}) is not supported: "
            f"tapeflow runs one replica per process. Use "
            f"tf.distribute.MultiWorkerMirroredStrategy and start one process per replica "
            f"with `mpiexec -n {len(devices)} python -m mpi4py YOUR_SCRIPT.py`."
        )


class MirroredStrategy(Strategy):
    """One replica in this process: what TF's MirroredStrategy does on a CPU-only machine."""

    def __init__(self, devices=None, cross_device_ops=None):
        _one_device(devices, "MirroredStrategy")
        super().__init__(comm_module.LocalCommunicator())


class OneDeviceStrategy(Strategy):
    """All computation on one device of this process."""

    def __init__(self, device):
        _one_device(device, "OneDeviceStrategy")
        super().__init__(comm_module.LocalCommunicator())
