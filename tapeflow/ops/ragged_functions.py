"""The `tf.ragged` functions (map_flat_values, range, boolean_mask, stack) and `tf.map_fn`."""

from __future__ import annotations

import builtins

import numpy as np

from ..backend import to_backend
from ..core import dtypes, nest
from ..core.errors import InvalidArgumentError
from ..core.ragged import RaggedTensor
from ..core.ragged_spec import RaggedTensorSpec
from ..core.registry import get_op
from ..core.tensor import convert_to_tensor, wrap
from . import ragged_dispatch, ragged_structure


def map_flat_values(op, *args, **kwargs):
    """`op` applied to the flat values of the RaggedTensor arguments (all of one partition);
    the result has their ragged structure."""
    raggeds = [x for x in nest.flatten((args, kwargs)) if isinstance(x, RaggedTensor)]
    if not raggeds:
        return op(*args, **kwargs)
    ref = raggeds[0]
    for other in raggeds[1:]:
        ragged_dispatch._aligned_ragged(other, ref)

    def flat(x):
        return x.flat_values if isinstance(x, RaggedTensor) else x

    args2 = nest.map_structure(flat, args)
    kwargs2 = nest.map_structure(flat, kwargs)
    out = op(*args2, **kwargs2)
    nvals = int(ref.flat_values.shape[0])
    if out.shape.rank == 0 or int(out.shape[0]) != nvals:
        raise ValueError(
            f"tf.ragged.map_flat_values: the op must keep the number of values ({nvals}); "
            f"its result has shape {out.shape}"
        )
    return ref.with_flat_values(out)


def range(starts, limits=None, deltas=1, dtype=None, name=None, row_splits_dtype=dtypes.int64):
    """Row i is `tf.range(starts[i], limits[i], deltas[i])` (arguments broadcast)."""
    if limits is None:
        starts, limits = 0, starts
    parts = [convert_to_tensor(v, dtype=dtype) for v in (starts, limits, deltas)]
    dt = dtype or next(
        (p.dtype for p in parts if p.dtype.is_floating), parts[0].dtype
    )  # TF: the widest of the arguments' types
    arrays = [np.asarray(np.asarray(p.numpy())) for p in parts]
    if any(a.ndim > 1 for a in arrays):
        raise InvalidArgumentError(
            "tf.ragged.range: starts, limits and deltas must be scalars or vectors"
        )
    s, lim, d = np.broadcast_arrays(*[np.atleast_1d(a) for a in arrays])
    if np.any(d == 0):
        raise InvalidArgumentError("tf.ragged.range: Requires delta != 0")
    rows = [np.arange(a, b, c, dtype=dtypes.as_dtype(dt)._np) for a, b, c in zip(s, lim, d)]
    flat = np.concatenate(rows) if rows else np.zeros(0, dtypes.as_dtype(dt)._np)
    lengths = np.asarray([r.size for r in rows], np.int64)
    return RaggedTensor.from_row_lengths(wrap(to_backend(flat)), lengths, validate=False)


def boolean_mask(data, mask, name=None):
    """The values of `data` where `mask` is True, one row per row: ragged (TF's
    tf.ragged.boolean_mask). `mask`'s shape is a prefix of `data`'s."""
    from ..core.ragged_index import gather_rows

    if isinstance(mask, RaggedTensor):
        if not isinstance(data, RaggedTensor):
            data = RaggedTensor.from_tensor(data)
        m = np.asarray(mask.flat_values.numpy())
        if mask.ragged_rank != 1 or data.ragged_rank != 1:
            raise ValueError("tf.ragged.boolean_mask: tapeflow supports ragged_rank 1 only")
        ragged_dispatch._aligned_ragged(mask, data)
        keep = np.flatnonzero(m)
        rowids = np.asarray(data.value_rowids().numpy())
        lengths = np.bincount(rowids[keep], minlength=data.nrows_static())
        return RaggedTensor.from_row_lengths(gather_rows(data.values, keep), lengths)
    mask = convert_to_tensor(mask)
    if mask.dtype != dtypes.bool:
        raise ValueError(f"tf.ragged.boolean_mask: mask must be bool, got {mask.dtype.name}")
    m = np.asarray(np.asarray(mask.numpy()))
    if m.ndim == 1:  # drops rows
        keep = np.flatnonzero(m)
        if isinstance(data, RaggedTensor):
            return gather_rows(data, keep)
        return gather_rows(convert_to_tensor(data), keep)
    if m.ndim != 2:
        raise ValueError("tf.ragged.boolean_mask: tapeflow supports masks of rank 1 or 2")
    if isinstance(data, RaggedTensor):
        return boolean_mask(data, RaggedTensor.from_tensor(mask, lengths=data.row_lengths()))
    data = convert_to_tensor(data)
    if tuple(data.shape[:2]) != m.shape:
        raise ValueError(
            f"tf.ragged.boolean_mask: mask shape {list(m.shape)} must be a prefix of data "
            f"shape {list(data.shape)}"
        )
    flat = get_op("Reshape")(data, shape=(-1,) + tuple(data.shape[2:]))
    keep = np.flatnonzero(m.reshape(-1))
    return RaggedTensor.from_row_lengths(gather_rows(flat, keep), m.sum(axis=1))


def stack(values, axis=0, name=None):
    """Stacks RaggedTensors and Tensors along a new axis 0: `result[i]` is `values[i]`."""
    if axis != 0:
        raise ValueError("tf.ragged.stack: tapeflow stacks along axis 0 only")
    parts = []
    for v in values:
        if not isinstance(v, RaggedTensor):
            v = convert_to_tensor(v)
            if v.shape.rank > 1:
                v = RaggedTensor.from_tensor(v)
        parts.append(v)
    if not parts:
        raise ValueError("tf.ragged.stack: expected at least one value")
    ranks = {p.shape.rank for p in parts}
    if len(ranks) != 1 or 0 in ranks:
        raise ValueError(
            f"tf.ragged.stack: values must have one rank (at least 1), got ranks {sorted(ranks)}"
        )
    if isinstance(parts[0], RaggedTensor):
        rows = ragged_structure._concat_rows(parts)
        return RaggedTensor.from_row_lengths(rows, [p.nrows_static() for p in parts])
    rows = ragged_structure._concat_values(parts)
    return RaggedTensor.from_row_lengths(rows, [int(p.shape[0]) for p in parts])


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None, fn_output_signature=None):  # fmt: skip
    """`fn` on each row of `elems` (a Tensor, a RaggedTensor or a nested structure of
    them), results stacked: a RaggedTensor when the rows differ in shape or `elems` (or
    `fn_output_signature`) is ragged."""
    from .array_join import stack as dense_stack

    leaves = nest.flatten(elems)
    leaves = [x if isinstance(x, RaggedTensor) else convert_to_tensor(x) for x in leaves]
    if not leaves:
        raise ValueError("tf.map_fn: elems must be a Tensor or a nested structure of them")
    n = int(leaves[0].shape[0])
    if any(int(x.shape[0]) != n for x in leaves):
        raise ValueError("tf.map_fn: all elems must have the same first dimension")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    results = []
    for i in builtins.range(n):
        row = nest.pack_sequence_as(elems, [x[i] for x in leaves])
        results.append(fn(row))
    ragged_out = isinstance(signature, RaggedTensorSpec) or (
        signature is None and any(isinstance(x, RaggedTensor) for x in leaves)
    )

    def stack_rows(rows):
        rows = [r if isinstance(r, (RaggedTensor,)) else convert_to_tensor(r) for r in rows]
        shapes = {tuple(r.shape) for r in rows if not isinstance(r, RaggedTensor)}
        if ragged_out or len(shapes) > 1 or any(isinstance(r, RaggedTensor) for r in rows):
            if rows and all(not isinstance(r, RaggedTensor) and r.shape.rank == 0 for r in rows):
                return dense_stack(rows)
            return stack(rows)
        if not rows:
            return convert_to_tensor(np.zeros((0,)))
        return dense_stack(rows)

    if not results:
        return stack_rows([])
    flat = [nest.flatten(r) for r in results]
    stacked = [stack_rows([f[j] for f in flat]) for j in builtins.range(len(flat[0]))]
    return nest.pack_sequence_as(results[0], stacked)
