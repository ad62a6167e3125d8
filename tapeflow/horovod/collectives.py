"""Horovod's collective functions on tapeflow Tensors: differentiable, traced by tf.function
(they are stateful ops, `ops/collective.py`), with Horovod's arguments and defaults."""

from __future__ import annotations

import numpy as np

from ..core.indexed_slices import IndexedSlices
from ..core.tensor import Operand, convert_to_tensor
from ..ops import collective
from . import basics
from .basics import Compression, _check_process_set, _comm, global_process_set


def _scale(t, factor):
    if factor == 1.0:
        return t
    return t * np.asarray(factor, t.dtype.as_numpy_dtype)


def allreduce(
    tensor,
    average=None,
    device_dense="",
    device_sparse="",
    compression=Compression.none,
    op=None,
    prescale_factor=1.0,
    postscale_factor=1.0,
    name=None,
    process_set=global_process_set,
    ignore_name_scope=False,
):
    """The reduction of `tensor` over every rank (default: Average). IndexedSlices are
    all-gathered (values and indices), as Horovod does."""
    _check_process_set(process_set)
    reduction = basics.reduction_name(op, average)
    comm = _comm()
    if isinstance(tensor, IndexedSlices):
        if reduction not in ("mean", "sum"):
            raise NotImplementedError("tapeflow.horovod: sparse allreduce supports Sum/Average")
        values = collective.all_gather(tensor.values, what=name or "allreduce (sparse values)")
        indices = collective.all_gather(tensor.indices, what=name or "allreduce (sparse indices)")
        factor = prescale_factor * postscale_factor / (comm.size if reduction == "mean" else 1)
        return IndexedSlices(_scale(values, factor), indices, tensor.dense_shape)
    tensor = tensor if isinstance(tensor, Operand) else convert_to_tensor(tensor)
    compressed, ctx = compression.compress(tensor)
    summed = collective.all_reduce(
        _scale(compressed, prescale_factor),
        reduction="sum" if reduction == "mean" else reduction,
        what=name or "allreduce",
    )
    factor = postscale_factor / (comm.size if reduction == "mean" else 1)
    return compression.decompress(_scale(summed, factor), ctx)


def grouped_allreduce(tensors, average=None, device_dense="", device_sparse="",
                      compression=Compression.none, op=None, prescale_factor=1.0,
                      postscale_factor=1.0, process_set=global_process_set,
                      name=None):  # fmt: skip
    """`allreduce` of each tensor of a list."""
    return [
        allreduce(
            t,
            average,
            device_dense,
            device_sparse,
            compression,
            op,
            prescale_factor,
            postscale_factor,
            name,
            process_set,
        )  # fmt: skip
        for t in tensors
    ]


def allgather(tensor, name=None, ignore_name_scope=False, process_set=global_process_set):
    """Every rank's `tensor` concatenated along the first dimension (which may differ)."""
    _check_process_set(process_set)
    _comm()
    return collective.all_gather(tensor, what=name or "allgather")


def grouped_allgather(tensors, name=None, ignore_name_scope=False,
                      process_set=global_process_set):  # fmt: skip
    return [allgather(t, name, ignore_name_scope, process_set) for t in tensors]


def broadcast(tensor, root_rank, name=None, ignore_name_scope=False,
              process_set=global_process_set):  # fmt: skip
    """Rank `root_rank`'s `tensor`, on every rank."""
    _check_process_set(process_set)
    _comm()
    return collective.broadcast(tensor, root_rank=int(root_rank), what=name or "broadcast")


def alltoall(tensor, splits=None, name=None, ignore_name_scope=False,
             process_set=global_process_set):  # fmt: skip
    """Rows `splits[r]` go to rank r (equal parts without splits); returns the received
    rows, and with `splits` also the received splits."""
    _check_process_set(process_set)
    comm = _comm()
    tensor = convert_to_tensor(tensor)
    given = splits is not None
    if not given:
        n = int(tensor.shape[0])
        if n % comm.size:
            raise ValueError(
                f"alltoall: the first dimension ({n}) must be divisible by the number of "
                f"ranks ({comm.size}) when no splits are given"
            )
        splits = [n // comm.size] * comm.size
    out, received = collective.all_to_all(
        tensor, convert_to_tensor(np.asarray(splits, np.int32)), what=name or "alltoall"
    )
    return (out, received) if given else out


def reducescatter(tensor, name=None, op=None, ignore_name_scope=False,
                  process_set=global_process_set, prescale_factor=1.0,
                  postscale_factor=1.0):  # fmt: skip
    """The reduction over ranks (default Average), of which each rank keeps its part of the
    first dimension (the first ranks one row more when it does not divide)."""
    comm = _comm()
    reduced = allreduce(tensor, op=op, name=name or "reducescatter", process_set=process_set,
                        prescale_factor=prescale_factor,
                        postscale_factor=postscale_factor)  # fmt: skip
    n = int(reduced.shape[0])
    base, extra = divmod(n, comm.size)
    start = comm.rank * base + min(comm.rank, extra)
    return reduced[start : start + base + (1 if comm.rank < extra else 0)]


def broadcast_variables(variables, root_rank, process_set=global_process_set, inplace=False):
    """Assigns rank `root_rank`'s values to `variables` on every rank."""
    _check_process_set(process_set)
    _comm()
    for v in variables:  # an op per variable: a traced tf.function broadcasts on each call
        v.assign(collective.broadcast(v, root_rank=int(root_rank), what="broadcast_variables"))


def broadcast_object(obj, root_rank=0, session=None, name=None, process_set=global_process_set):
    """Rank `root_rank`'s Python object (pickled between the job's own ranks)."""
    _check_process_set(process_set)
    return _comm().broadcast_object(obj, int(root_rank), name or "broadcast_object")


def broadcast_object_fn(root_rank=0, session=None, name=None, process_set=global_process_set):
    return lambda obj: broadcast_object(obj, root_rank, session, name, process_set)


def allgather_object(obj, session=None, name=None, process_set=global_process_set):
    """Every rank's Python object, in rank order."""
    _check_process_set(process_set)
    return _comm().allgather_object(obj, name or "allgather_object")


def join(device=""):
    raise NotImplementedError(
        "tapeflow.horovod.join (uneven inputs) is not implemented: give every rank the same "
        "number of batches (experimental_distribute_dataset does)"
    )
