"""`tf.distribute.cluster_resolver`: `TFConfigClusterResolver` reads TF_CONFIG, and checks
that it agrees with the MPI job this process belongs to.

tapeflow's workers are the ranks of an MPI job: they find each other through the launcher,
not through the addresses in TF_CONFIG. A TF_CONFIG naming several workers in a process that
no launcher started would make TF's program train alone on its shard while believing it is
one of N: that is an error here, with the command that runs it properly.
"""

from __future__ import annotations

import json
import os


class ClusterSpec:
    """`tf.train.ClusterSpec`: job name -> list of task addresses."""

    def __init__(self, cluster=None):
        cluster = cluster or {}
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        self._cluster = {job: list(tasks) for job, tasks in dict(cluster).items()}

    def as_dict(self) -> dict:
        return {job: list(tasks) for job, tasks in self._cluster.items()}

    @property
    def jobs(self) -> list:
        return list(self._cluster)

    def num_tasks(self, job_name) -> int:
        if job_name not in self._cluster:
            raise ValueError(f"No such job in cluster: {job_name!r}")
        return len(self._cluster[job_name])

    def task_address(self, job_name, task_index):
        return self._cluster[job_name][task_index]

    def __bool__(self):
        return bool(self._cluster)

    def __eq__(self, other):
        return isinstance(other, ClusterSpec) and self.as_dict() == other.as_dict()

    def __repr__(self):
        return f"ClusterSpec({self._cluster!r})"


def _worker_count(cluster: dict) -> int:
    return len(cluster.get("chief", [])) + len(cluster.get("worker", []))


class TFConfigClusterResolver:
    """The cluster, task type and index from the TF_CONFIG environment variable (JSON)."""

    def __init__(self, task_type=None, task_id=None, rpc_layer=None, environment=None):
        text = os.environ.get("TF_CONFIG", "")
        try:
            config = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as e:
            raise ValueError(f"TF_CONFIG is not valid JSON ({e}): {text[:200]!r}") from None
        if not isinstance(config, dict):
            raise ValueError(f"TF_CONFIG must hold a JSON object, got {type(config).__name__}")
        task = config.get("task") or {}
        self._cluster = ClusterSpec(config.get("cluster") or {})
        self.task_type = task_type if task_type is not None else task.get("type")
        self.task_id = task_id if task_id is not None else task.get("index")
        self.rpc_layer = rpc_layer if rpc_layer is not None else config.get("rpc_layer")
        self.environment = environment if environment is not None else config.get("environment")

    def cluster_spec(self) -> ClusterSpec:
        return self._cluster

    def master(self, task_type=None, task_id=None, rpc_layer=None) -> str:
        task_type = task_type if task_type is not None else self.task_type
        task_id = task_id if task_id is not None else self.task_id
        if task_type is None or task_id is None or not self._cluster:
            return ""
        address = self._cluster.task_address(task_type, task_id)
        layer = rpc_layer or self.rpc_layer
        return f"{layer}://{address}" if layer else address

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None) -> dict:
        return {}

    def _check_against(self, comm, launched: bool) -> None:
        """Raises when TF_CONFIG's worker count cannot be this job's."""
        workers = _worker_count(self._cluster.as_dict())
        if workers <= 1:
            return
        if not launched:
            raise ValueError(
                f"TF_CONFIG lists {workers} workers, but this process was not started by an "
                f"MPI launcher, so it would train alone. tapeflow runs one process per "
                f"worker under MPI and does not connect to the addresses in TF_CONFIG: start "
                f"the job with `mpiexec -n {workers} python -m mpi4py YOUR_SCRIPT.py` (Slurm: "
                f"`srun -n {workers} ...`), or unset TF_CONFIG to train in one process."
            )
        if workers != comm.size:
            raise ValueError(
                f"TF_CONFIG lists {workers} workers but the MPI job has {comm.size} ranks; "
                f"start it with `mpiexec -n {workers}`, or fix or unset TF_CONFIG."
            )


class SimpleClusterResolver:
    """A resolver holding a given ClusterSpec, task type and index."""

    def __init__(self, cluster_spec, master="", task_type=None, task_id=None,
                 environment="", num_accelerators=None, rpc_layer=None):  # fmt: skip
        self._cluster = ClusterSpec(cluster_spec)
        self._master = master
        self.task_type, self.task_id = task_type, task_id
        self.environment, self.rpc_layer = environment, rpc_layer
        self._accelerators = num_accelerators or {}

    def cluster_spec(self) -> ClusterSpec:
        return self._cluster

    def master(self, task_type=None, task_id=None, rpc_layer=None) -> str:
        return self._master

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None) -> dict:
        return dict(self._accelerators)

    _check_against = TFConfigClusterResolver._check_against
