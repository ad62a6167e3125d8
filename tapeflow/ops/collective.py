"""Collective ops across the replicas of a distributed job: all-reduce, all-gather,
broadcast and all-to-all, each with its gradient (Horovod's rules).

The forwards call the process group's communicator (`tapeflow.distribute.comm`, registered
in `core.distribution`); with none, the group is this process alone and each op returns its
input. The ops are stateful: a traced `tf.function` runs the collective on every call, in
program order, and never folds or merges two of them.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import distribution
from ..core.registry import Sample, op


def _comm():
    return distribution.communicator()


@op(
    "CollectiveReduceV2",
    stateful=True,
    samples=[Sample((3, 4), reduction="sum"), Sample((5,), reduction="mean")],
)
def all_reduce(x, reduction="sum", timeout_seconds=None, what="all_reduce"):
    """Every replica's `x` reduced elementwise ("sum", "mean", "min", "max", "prod")."""
    comm = _comm()
    if comm is None:
        return xp.array(x, copy=True)
    return comm.allreduce(x, reduction, what, timeout_seconds)


@all_reduce.vjp
def _all_reduce_vjp(g, ans, x, reduction="sum", timeout_seconds=None, what="all_reduce"):
    # d(sum_r x_r)/dx_r = 1 on every replica: the upstream gradients add up (mean: averaged).
    if reduction not in ("sum", "mean"):
        return (None,)
    return (all_reduce(g, reduction=reduction, timeout_seconds=timeout_seconds, what=what),)


@op("CollectiveGatherV2", stateful=True, samples=[Sample((3, 2)), Sample((4,))])
def all_gather(x, timeout_seconds=None, what="all_gather"):
    """Every replica's `x` concatenated along axis 0, in rank order."""
    comm = _comm()
    if comm is None:
        return xp.array(x, copy=True)
    return comm.allgather(x, what, timeout_seconds)


@all_gather.vjp
def _all_gather_vjp(g, ans, x, timeout_seconds=None, what="all_gather"):
    # Each replica's output holds every input: add the upstream gradients, keep own rows.
    total = all_reduce(g, reduction="sum", timeout_seconds=timeout_seconds, what=what + " grad")
    comm = _comm()
    if comm is None or comm.size == 1:
        return (total,)
    rows = x.shape[0] if x.ndim else 1
    counts = comm.allgather_object(int(rows), what + " grad", timeout_seconds)
    start = sum(counts[: comm.rank])
    own = total[start : start + rows]
    return (own if x.ndim else own[0],)


@op("CollectiveBcastV2", stateful=True, samples=[Sample((3, 2), root_rank=0)])
def broadcast(x, root_rank=0, timeout_seconds=None, what="broadcast"):
    """Replica `root_rank`'s `x`, on every replica."""
    comm = _comm()
    if comm is None:
        if root_rank != 0:
            raise ValueError(f"{what}: root rank {root_rank} is out of range for 1 rank")
        return xp.array(x, copy=True)
    return comm.broadcast(x, root_rank, what, timeout_seconds)


@broadcast.vjp
def _broadcast_vjp(g, ans, x, root_rank=0, timeout_seconds=None, what="broadcast"):
    # Only the root's input reaches the outputs: it collects every replica's gradient.
    total = all_reduce(g, reduction="sum", timeout_seconds=timeout_seconds, what=what + " grad")
    comm = _comm()
    if comm is not None and comm.rank != root_rank:
        return (total * 0,)
    return (total,)


@op(
    "AllToAll",
    stateful=True,
    same_dtype=(),
    multiple_outputs=True,
    samples=[Sample((4, 3), lambda rng: np.array([4], np.int32), wrt=[0])],
)
def all_to_all(x, splits, timeout_seconds=None, what="alltoall"):
    """Rows `splits[r]` of `x` go to replica r; returns (received rows, received splits)."""
    comm = _comm()
    if comm is None:
        n = int(x.shape[0]) if x.ndim else 1
        if [int(s) for s in np.ravel(splits)] != [n]:
            raise ValueError(
                f"{what}: splits must have one entry per rank (1) summing to the first "
                f"dimension {n}, got {np.ravel(splits).tolist()}"
            )
        return xp.array(x, copy=True), xp.asarray([n], np.int32)
    return comm.alltoall(x, splits, what, timeout_seconds)


@all_to_all.vjp
def _all_to_all_vjp(g, ans, x, splits, timeout_seconds=None, what="alltoall"):
    received_splits = ans[1]
    back, _ = all_to_all(g[0], received_splits, timeout_seconds=timeout_seconds, what=what)
    return (back, None)


API = {}
