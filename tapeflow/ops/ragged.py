"""The ops under `tf.RaggedTensor` (to dense, row ids <-> row splits) and `tf.ragged`.

`RaggedTensor` itself lives in `core/ragged.py` as a composite of dense tensors; these are
the kernels its methods run (RaggedTensorToTensor is differentiable in the values and the
default), the `tf.ragged` functions, `tf.map_fn` and the Python operators on RaggedTensor;
dense ops given a RaggedTensor are routed by `ragged_dispatch.py`.
"""

import builtins

import numpy as np

from ..backend import array_module, to_backend, to_numpy, xp
from ..core import dtypes, string_values
from ..core.errors import InvalidArgumentError
from ..core.ragged import (  # noqa: F401  (re-exported in tf.ragged)
    RaggedTensor,
    row_splits_to_segment_ids,
    segment_ids_to_row_splits,
)
from ..core.ragged_partition import positions_from_splits
from ..core.ragged_spec import RaggedTensorSpec  # noqa: F401  (exported)
from ..core.registry import Sample, get_op, op
from ..core.tensor import convert_to_tensor, wrap
from . import ragged_dispatch
from .ragged_functions import boolean_mask, map_flat_values, map_fn, range, stack  # noqa: F401
from .ragged_shape import DynamicRaggedShape, RowPartition  # noqa: F401  (exported)


def _splits_sample(rng):
    return np.array([0, 2, 2, 5], np.int64)


@op(
    "RaggedTensorToTensor",
    same_dtype=(0, 1),
    strings=True,
    samples=[
        Sample((5,), np.float64(0.0), _splits_sample, shape=None),
        Sample((5, 2), np.float64(-1.0), _splits_sample, shape=(2, 3, 2)),
        Sample((5, 2), np.float64(-1.0), _splits_sample, shape=(4, 2, 3)),
    ],
)
def _ragged_to_dense(flat_values, default_value, *nested_splits, shape):
    """Pads the rows to the longest (innermost ragged dimension first) or to `shape`."""
    m = array_module(flat_values)  # text stays on the host
    dense = flat_values
    for splits in reversed(nested_splits):
        splits = to_numpy(splits)  # where each value goes: small index arithmetic, on the host
        lengths = np.diff(splits)
        nrows = lengths.size
        width = int(lengths.max()) if nrows else 0
        out = m.empty((nrows, width) + dense.shape[1:], dtype=dense.dtype)
        out[...] = default_value
        row_ids = np.repeat(np.arange(nrows), lengths)
        cols = np.arange(dense.shape[0]) - np.repeat(splits[:-1], lengths)
        out[m.asarray(row_ids), m.asarray(cols)] = dense
        dense = out
    if shape is not None:
        dense = _fit_to_shape(dense, shape, default_value)
    return dense


@_ragged_to_dense.vjp
def _ragged_to_dense_vjp(g, ans, flat_values, default_value, *nested_splits, shape):
    # Each value's gradient is g at its (row, position, ...) cell; the default value gets
    # what is left (the padding). Cells cut off by `shape` get nothing.
    splits = [np.asarray(s.numpy()) for s in nested_splits]
    positions = positions_from_splits(splits, int(flat_values.shape[0]))
    outer = tuple(g.shape[: len(splits) + 1])
    keep = np.all(positions < np.asarray(outer), axis=1)
    index = wrap(to_backend(positions[keep]))
    picked = get_op("GatherNd")(g, index)
    inner_natural = tuple(flat_values.shape[1:])
    inner_target = tuple(picked.shape[1:])
    if inner_target != inner_natural:
        cut = (builtins.slice(None),) + tuple(
            builtins.slice(0, min(a, b)) for a, b in zip(inner_target, inner_natural)
        )
        picked = picked[cut]
        pads = ((0, 0),) + tuple((0, max(0, b - a)) for a, b in zip(inner_target, inner_natural))
        zero = wrap(xp.zeros((), g.dtype._np))
        picked = get_op("PadV2")(picked, zero, paddings=pads)
    rows = wrap(to_backend(np.flatnonzero(keep).astype(np.int64)))
    grad_values = get_op("UnsortedSegmentSum")(
        picked, rows, num_segments=int(flat_values.shape[0])
    )
    grad_default = get_op("Sub")(
        get_op("Sum")(g, axis=None, keepdims=False),
        get_op("Sum")(grad_values, axis=None, keepdims=False),
    )
    return (grad_values, grad_default) + (None,) * len(nested_splits)


def _fit_to_shape(dense, shape, default_value):
    if len(shape) != dense.ndim:
        raise InvalidArgumentError(
            f"RaggedTensorToTensor: shape {list(shape)} has rank {len(shape)}, the ragged "
            f"tensor has rank {dense.ndim}"
        )
    target = tuple(d if d is not None else n for d, n in zip(shape, dense.shape))
    out = array_module(dense).empty(target, dtype=dense.dtype)
    out[...] = default_value
    common = tuple(slice(0, min(a, b)) for a, b in zip(target, dense.shape))
    out[common] = dense[common]
    return out


@op(
    "SegmentIdsToRowSplits",
    differentiable=False,
    samples=[Sample(lambda rng: np.array([0, 0, 2], np.int64), num_segments=-1)],
)
def _segment_ids_to_row_splits(segment_ids, num_segments):
    ids = segment_ids.astype(np.int64, copy=False)
    if ids.size and (ids[0] < 0 or (xp.diff(ids) < 0).any()):
        raise InvalidArgumentError(
            f"segment_ids_to_row_splits: segment ids must be non-negative and sorted, got "
            f"{ids.tolist()}"
        )
    n = int(ids[-1]) + 1 if ids.size else 0
    if num_segments >= 0:
        if num_segments < n:
            raise InvalidArgumentError(
                f"segment_ids_to_row_splits: num_segments {num_segments} is less than the "
                f"largest segment id + 1 ({n})"
            )
        n = num_segments
    counts = xp.bincount(ids, minlength=n)
    return xp.concatenate([xp.zeros(1, np.int64), xp.cumsum(counts)]).astype(np.int64)


@op(
    "RowSplitsToSegmentIds",
    differentiable=False,
    samples=[Sample(_splits_sample)],
)
def _row_splits_to_segment_ids(splits):
    lengths = np.diff(to_numpy(splits))  # CuPy repeats by a host count per element
    return to_backend(np.repeat(np.arange(lengths.size, dtype=np.int64), lengths))


# ---- tf.ragged.constant --------------------------------------------------------------------


def _depth(value) -> int:
    """The deepest nesting of lists/tuples in `value` (a scalar has depth 0)."""
    if isinstance(value, (list, tuple)):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def constant(
    pylist,
    dtype=None,
    ragged_rank=None,
    inner_shape=None,
    name=None,
    row_splits_dtype=dtypes.int64,
):
    """A RaggedTensor from nested Python lists whose rows may differ in length.

    `ragged_rank` (default: all but the innermost dimension) says how many dimensions are
    ragged; dimensions below it must be uniform. A flat list gives a plain Tensor, as in TF.
    """
    depth = _depth(pylist)
    if inner_shape is not None:
        inner_rank = len(inner_shape)
    else:
        inner_rank = 0
    if ragged_rank is None:
        ragged_rank = max(0, depth - 1 - inner_rank)
    if ragged_rank == 0:
        return convert_to_tensor(pylist, dtype=dtype)
    nested_splits = [[0] for _ in builtins.range(ragged_rank)]
    leaves = []

    def walk(rows, level):
        if not isinstance(rows, (list, tuple)):
            raise ValueError(
                f"tf.ragged.constant: expected a list at ragged level {level}, got {rows!r}"
            )
        splits = nested_splits[level]
        for row in rows:
            if level + 1 < ragged_rank:
                walk(row, level + 1)
                splits.append(len(nested_splits[level + 1]) - 1)
            else:
                if not isinstance(row, (list, tuple)):
                    raise ValueError(
                        f"tf.ragged.constant: all scalar values must have the same nesting "
                        f"depth; got {row!r} at depth {level + 1}"
                    )
                leaves.extend(row)
                splits.append(len(leaves))

    walk(pylist, 0)
    if leaves:
        flat = convert_to_tensor(list(leaves), dtype=dtype)
    else:
        inner = tuple(inner_shape or ())
        dt = dtypes.as_dtype(dtype or dtypes.float32)
        empty = (
            string_values.empty((0,) + inner)
            if dt == dtypes.string
            else np.zeros((0,) + inner, dt._np)
        )
        flat = wrap(empty)
    splits = [wrap(xp.asarray(s, np.int64)) for s in nested_splits]
    return RaggedTensor.from_nested_row_splits(flat, splits, validate=False)


# ---- operators -----------------------------------------------------------------------------


def _install_operators():
    binary = {
        "add": "AddV2", "sub": "Sub", "mul": "Mul", "truediv": "RealDiv",
        "floordiv": "FloorDiv", "mod": "FloorMod", "pow": "Pow",
        "and": "LogicalAnd", "or": "LogicalOr",
    }  # fmt: skip
    for name, op_name in binary.items():

        def forward(self, other, _op=op_name):
            return ragged_dispatch.elementwise(get_op(_op), (self, other), {})

        def reflected(self, other, _op=op_name):
            return ragged_dispatch.elementwise(get_op(_op), (other, self), {})

        setattr(RaggedTensor, f"__{name}__", forward)
        setattr(RaggedTensor, f"__r{name}__", reflected)
    comparisons = {"lt": "Less", "le": "LessEqual", "gt": "Greater", "ge": "GreaterEqual",
                   "eq": "Equal", "ne": "NotEqual"}  # fmt: skip
    for name, op_name in comparisons.items():

        def compare(self, other, _op=op_name):
            return ragged_dispatch.elementwise(get_op(_op), (self, other), {})

        setattr(RaggedTensor, f"__{name}__", compare)
    for name, op_name in {"neg": "Neg", "abs": "Abs", "invert": "LogicalNot"}.items():

        def unary(self, _op=op_name):
            return ragged_dispatch.elementwise(get_op(_op), (self,), {})

        setattr(RaggedTensor, f"__{name}__", unary)
    RaggedTensor.__div__ = RaggedTensor.__truediv__
    RaggedTensor.__hash__ = None  # == is elementwise, as TF's

    def __bool__(self):
        raise TypeError("RaggedTensor may not be used as a boolean.")

    RaggedTensor.__bool__ = __bool__


_install_operators()

API = {
    "tf": ["RaggedTensor", "RaggedTensorSpec", "map_fn"],
    "ragged": [
        "constant",
        "segment_ids_to_row_splits",
        "row_splits_to_segment_ids",
        "map_flat_values",
        "range",
        "boolean_mask",
        "stack",
        "RaggedTensorSpec",
    ],
    "experimental": ["DynamicRaggedShape", "RowPartition"],
}
