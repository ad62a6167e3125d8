"""Horovod's process-group basics: `init`, `size`, `rank`, the reduction constants,
`Compression`, and the global process set, over `tapeflow.distribute.comm`."""

from __future__ import annotations

import numpy as np

from ..core import distribution
from ..distribute import comm as comm_module

# Horovod's reduction constants (horovod.tensorflow.Average, Sum, ...).
Average, Sum, Adasum, Min, Max, Product = 0, 1, 2, 3, 4, 5
_OP_NAMES = {Average: "mean", Sum: "sum", Min: "min", Max: "max", Product: "prod"}

_state = {"initialized": False}


def init(comm=None, process_sets=None) -> None:
    """Joins the job's process group (MPI under a launcher, else a group of one)."""
    if comm is not None and not isinstance(comm, list | tuple):
        raise NotImplementedError(
            "tapeflow.horovod.init: a custom MPI communicator is not supported; the job's "
            "world (every rank) is the group"
        )
    if process_sets:
        raise NotImplementedError("tapeflow.horovod: process sets other than the global one")
    comm_module.get()
    _state["initialized"] = True


def shutdown() -> None:
    """Leaves the group (MPI itself is finalized when the process exits)."""
    _state["initialized"] = False


def is_initialized() -> bool:
    return _state["initialized"]


def _comm():
    if not _state["initialized"]:
        raise ValueError(
            "Horovod has not been initialized; use hvd.init() (tapeflow.horovod.init())."
        )
    return distribution.communicator()


def size() -> int:
    return _comm().size


def rank() -> int:
    return _comm().rank


def local_size() -> int:
    return _comm().local_size


def local_rank() -> int:
    return _comm().local_rank


def cross_size() -> int:
    return _comm().cross_size


def cross_rank() -> int:
    return _comm().cross_rank


def is_homogeneous() -> bool:
    """Whether every node runs the same number of ranks."""
    comm = _comm()
    return len(set(comm.allgather_object(comm.local_size, "is_homogeneous"))) == 1


def mpi_enabled() -> bool:
    return _comm().is_mpi


def mpi_built() -> bool:
    return True


def mpi_threads_supported() -> bool:
    comm = _comm()
    if not comm.is_mpi:
        return False
    MPI = comm._MPI
    return MPI.Query_thread() == MPI.THREAD_MULTIPLE


def gloo_enabled() -> bool:
    return False


def gloo_built() -> bool:
    return False


def nccl_built() -> int:
    return 0


def ddl_built() -> bool:
    return False


def ccl_built() -> bool:
    return False


def cuda_built() -> bool:
    return False


def rocm_built() -> bool:
    return False


class ProcessSet:
    """Horovod's process set; tapeflow has the global one (every rank) only."""

    process_set_id = 0

    def size(self) -> int:
        return size()

    def rank(self) -> int:
        return rank()

    def included(self) -> bool:
        return True

    def __repr__(self):
        return "ProcessSet(process_set_id=0, ranks=all)"


global_process_set = ProcessSet()


def _check_process_set(process_set) -> None:
    if process_set is not global_process_set and process_set is not None:
        raise NotImplementedError("tapeflow.horovod: process sets other than the global one")


def reduction_name(op, average=None) -> str:
    """The communicator's name of a Horovod op ("mean", "sum", ...)."""
    if average is not None:
        op = Average if average else Sum
    if op is None:
        op = Average
    if op == Adasum:
        raise NotImplementedError("tapeflow.horovod: the Adasum reduction is not implemented")
    if op not in _OP_NAMES:
        raise ValueError(f"tapeflow.horovod: unknown reduction op {op!r}")
    return _OP_NAMES[op]


class Compressor:
    """Horovod's compressor interface: `compress(tensor) -> (tensor, ctx)`, `decompress`."""

    wire_dtype = None

    @staticmethod
    def compress(tensor):
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        return tensor


class NoneCompressor(Compressor):
    """No compression."""


class FP16Compressor(Compressor):
    """Floating tensors travel as float16 and come back in their own dtype."""

    wire_dtype = np.float16

    @staticmethod
    def compress(tensor):
        from ..ops.math import cast

        if tensor.dtype.is_floating and tensor.dtype.name != "float16":
            return cast(tensor, "float16"), tensor.dtype
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        from ..ops.math import cast

        return tensor if ctx is None else cast(tensor, ctx)


class Compression:
    """`hvd.Compression.none` and `hvd.Compression.fp16`."""

    none = NoneCompressor
    fp16 = FP16Compressor
