"""`tf.dynamic_partition` (split a tensor into groups by an index per element) and its
inverse `tf.dynamic_stitch` (merge groups back by positions), each the other's gradient."""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy, xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor
from . import _args
from .array import range as _range_op
from .array import reshape, size
from .array import shape as _shape_op
from .indexing import gather


@op(
    "DynamicPartition",
    multiple_outputs=True,
    same_dtype=(),
    samples=[
        # Fixed partitions: the output sizes depend on them (a trace serves one set of sizes).
        Sample((6,), np.array([2, 0, 2, 1, 0, 2], np.int32), num_partitions=3, wrt=(0,)),
        Sample((5, 2), np.array([1, 1, 0, 1, 0], np.int32), num_partitions=2, wrt=(0,)),
        Sample((2, 3), np.array([[0, 1, 0], [1, 1, 0]], np.int32), num_partitions=3, wrt=(0,)),
    ],
)
def _dynamic_partition(data, partitions, num_partitions):
    p = to_numpy(partitions)
    if data.shape[: p.ndim] != p.shape:
        raise InvalidArgumentError(
            f"DynamicPartition: data.shape must start with partitions.shape, got data.shape "
            f"{list(data.shape)}, partitions.shape {list(p.shape)}"
        )
    bad = (p < 0) | (p >= num_partitions)
    if bad.any():
        i = np.unravel_index(int(np.argmax(bad)), p.shape)
        where = ",".join(map(str, i))
        raise InvalidArgumentError(
            f"DynamicPartition: partitions[{where}] = {int(p[i])} is not in [0, {num_partitions})"
        )
    flat = data.reshape((-1,) + data.shape[p.ndim :])
    p = p.reshape(-1)
    return tuple(flat[xp.asarray(np.flatnonzero(p == k))] for k in range(num_partitions))


@_dynamic_partition.vjp
def _dynamic_partition_vjp(g, ans, data, partitions, num_partitions):
    # TF's rule: partition the element positions the same way, then stitch the gradients back.
    positions = reshape(_range_op(0, size(partitions), 1), _shape_op(partitions))
    parts = _dynamic_partition(positions, partitions, num_partitions=num_partitions)
    stitched = _dynamic_stitch(*parts, *g, n=num_partitions)
    return reshape(stitched, _shape_op(data)), None


def dynamic_partition(data, partitions, num_partitions, name=None):
    """Splits `data` into `num_partitions` tensors: element (or slice) i goes to output
    `partitions[i]`, in order."""
    data = convert_to_tensor(data)
    partitions = convert_to_tensor(partitions)
    if partitions.dtype.name != "int32":
        raise TypeError(
            f"dynamic_partition: partitions must be int32, got {partitions.dtype.name}"
        )
    n = _args.count(num_partitions, "DynamicPartition", "num_partitions", minimum=1)
    return list(_dynamic_partition(data, partitions, num_partitions=n))


@op(
    "DynamicStitch",
    same_dtype=(),
    samples=[
        Sample(np.array([0, 2], np.int32), np.array([1, 3], np.int32), (2,), (2,), n=2,
               wrt=(2, 3)),
        Sample(np.array([[0, 2], [1, 4]], np.int32), np.array([3], np.int32), (2, 2, 3),
               (1, 3), n=2, wrt=(2, 3)),
    ],
)  # fmt: skip
def _dynamic_stitch(*args, n):
    indices = [to_numpy(i) for i in args[:n]]
    data = args[n:]
    tail = data[0].shape[indices[0].ndim :]
    for k, (i, d) in enumerate(zip(indices, data)):
        if d.shape != i.shape + tail:
            raise InvalidArgumentError(
                f"DynamicStitch: data[{k}].shape = {list(d.shape)} does not start with "
                f"indices[{k}].shape = {list(i.shape)} followed by {list(tail)}"
            )
        if (i < 0).any():
            raise InvalidArgumentError(f"DynamicStitch: indices[{k}] has a negative index")
    size = max((int(i.max()) + 1 for i in indices if i.size), default=0)
    out = xp.zeros((size,) + tail, dtype=data[0].dtype)
    for i, d in zip(indices, data):  # in order: a later index overwrites an earlier one
        out[xp.asarray(i.reshape(-1))] = d.reshape((-1,) + tail)
    return out


@_dynamic_stitch.vjp
def _dynamic_stitch_vjp(g, ans, *args, n):
    # TF's rule: each data tensor reads the gradient at its indices, overwritten or not.
    indices = args[:n]
    return (None,) * n + tuple(gather(g, i) for i in indices)


def dynamic_stitch(indices, data, name=None):
    """Merges `data` tensors into one: result[indices[m][i]] = data[m][i] (later lists win
    where indices repeat); its length is the largest index + 1."""
    indices = [convert_to_tensor(i) for i in indices]
    data = list(data)
    if data:  # Python values take the first tensor's dtype, as TF's op conversion does
        first = convert_to_tensor(data[0])
        data = [first] + [_like(d, first.dtype) for d in data[1:]]
    if len(indices) != len(data) or not indices:
        raise InvalidArgumentError(
            f"DynamicStitch: expected as many data tensors as index tensors (at least one), "
            f"got {len(indices)} and {len(data)}"
        )
    if any(i.dtype.name != "int32" for i in indices):
        raise TypeError("dynamic_stitch: indices must be int32 tensors")
    if any(d.dtype is not data[0].dtype for d in data):
        raise TypeError(
            f"dynamic_stitch: data tensors must share a dtype, got {[d.dtype.name for d in data]}"
        )
    return _dynamic_stitch(*indices, *data, n=len(indices))


def _like(value, dtype):
    if isinstance(value, Operand):
        return value
    return convert_to_tensor(value, dtype=dtype)


API = {"tf": ["dynamic_partition", "dynamic_stitch"]}
