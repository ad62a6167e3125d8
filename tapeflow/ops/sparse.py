"""`tf.sparse`: SparseTensor conversions, products, sums, and structural ops.

Every function here is a composite: an index planner from `sparse_kernels.py` says where each
stored value goes, and ordinary ops (gather, segment sum, concat) move the values, so the
gradient to `values` is the one of those ops. Only `to_dense` and `sparse_dense_matmul` are
kernels of their own (with TF's gradients).

The handler at the end gives SparseTensor inputs to the few ops TF accepts them in (`tf.abs`,
`tf.math.square`, `tf.cast`, `tf.shape`, ...): the others raise TF's ValueError.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..backend import xp
from ..core import dtypes, nest
from ..core.errors import ArgumentTypeError, InvalidArgumentError
from ..core.registry import get_op, register_composite_handler
from ..core.sparse import (  # noqa: F401  (SparseTensorSpec: re-exported)
    SparseTensor,
    SparseTensorSpec,
    unsupported_conversion_message,
)
from ..core.tensor import Operand, convert_to_tensor, wrap
from . import (
    _args,
    sparse_kernels,  # noqa: F401  (registers the kernels)
)


def _op(name):
    return get_op(name)


def _sparse_arg(x, fn: str) -> SparseTensor:
    if not isinstance(x, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor. (tf.sparse.{fn} got {type(x).__name__})")
    return x


def _make(indices, values, dense_shape) -> SparseTensor:
    return SparseTensor._from_components((indices, values, dense_shape))


def _int64(values) -> Operand:
    return wrap(xp.asarray(values, np.int64))


def _column(indices, start, stop=None):
    return _op("StridedSlice")(indices, key=(builtins.slice(None), builtins.slice(start, stop)))


def _flat(x):
    return _op("Reshape")(x, shape=(-1,))


def _zero(dtype: dtypes.DType):
    if dtype == dtypes.string:
        return wrap(xp.asarray(b"", dtype=object))
    return wrap(xp.zeros((), dtype._np))


def _axes(axis, rank: int, name: str) -> tuple:
    if axis is None:
        return tuple(range(rank))
    found = _args.int_array(axis, name, "axis")
    if found.ndim > 1:
        raise ArgumentTypeError(f"{name}: axis must be an int or a list of ints, got {axis!r}")
    out = []
    for a in found.reshape(-1).tolist():
        if not -rank <= a < rank:
            raise InvalidArgumentError(
                f"{name}: Invalid reduction dimension {a}, for input with {rank} dimensions."
            )
        out.append(a % rank)
    return tuple(sorted(set(out)))


# ---- conversions -----------------------------------------------------------------------------


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense Tensor: stored values at their coordinates, `default_value` (0) elsewhere.

    With `validate_indices` (the default) the coordinates must be sorted and unique, as TF
    requires (`tf.sparse.reorder` sorts them). Differentiable with respect to the values.
    """
    sp = _sparse_arg(sp_input, "to_dense")
    if default_value is None:
        default = _zero(sp.dtype)
    else:
        default = convert_to_tensor(default_value, dtype=sp.dtype)
    return _op("SparseToDense")(
        sp.indices, sp.dense_shape, sp.values, default, validate_indices=bool(validate_indices)
    )


def from_dense(tensor, name=None) -> SparseTensor:
    """A SparseTensor holding the non-zero (non-empty, for strings) entries of `tensor`."""
    t = convert_to_tensor(tensor)
    if t.ndim == 0:
        raise InvalidArgumentError("WhereOp : Unhandled input dimensions: 0")
    indices = _op("Where")(_op("NotEqual")(t, _zero(t.dtype)))
    values = _op("GatherNd")(t, indices)
    return _make(indices, values, _op("Shape")(t, out_type="int64"))


def to_indicator(sp_input, vocab_size, name=None):
    """A bool tensor [..., vocab_size]: True at each stored (integer) id of each row."""
    sp = _sparse_arg(sp_input, "to_indicator")
    if not sp.dtype.is_integer:
        raise TypeError(f"tf.sparse.to_indicator: values must be integers, got {sp.dtype.name}")
    ids = _op("Reshape")(_op("Cast")(sp.values, dtype="int64"), shape=(-1, 1))
    indices = _op("ConcatV2")(_column(sp.indices, 0, -1), ids, axis=1)
    shape = list(sp.shape)[:-1] + [_args.count(vocab_size, "to_indicator", "vocab_size",
                                                cast_floats=False)]  # fmt: skip
    order = _op("SparseReorderPermutation")(indices)
    ones = _op("Cast")(_op("OnesLike")(sp.values), dtype="bool")
    return _op("SparseToDense")(
        _op("GatherV2")(indices, order), _int64(shape), ones, wrap(xp.asarray(False)),
        validate_indices=False,
    )  # fmt: skip


# ---- arithmetic ------------------------------------------------------------------------------


def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """`sp_a @ b` for a rank-2 SparseTensor and a dense matrix (either may come first).

    Gradients flow to the sparse values and to the dense operand, as in TF.
    """
    if isinstance(b, SparseTensor) and not isinstance(sp_a, SparseTensor):
        # dense @ sparse = (sparse^T @ dense^T)^T
        if adjoint_a != adjoint_b:
            product = sparse_dense_matmul(b, sp_a, adjoint_a, adjoint_b)
        else:
            product = sparse_dense_matmul(b, sp_a, not adjoint_a, not adjoint_b)
        return _op("Transpose")(product, perm=(1, 0))
    sp = _sparse_arg(sp_a, "sparse_dense_matmul")
    b = convert_to_tensor(b)  # as TF: a NumPy b keeps its dtype, which must be the values'
    if b.dtype != sp.dtype:
        raise InvalidArgumentError(
            f"SparseTensorDenseMatMul: the dense operand is {b.dtype.name}, the sparse values "
            f"are {sp.dtype.name}; use tf.cast"
        )
    return _op("SparseTensorDenseMatMul")(
        sp.indices, sp.values, sp.dense_shape, b,
        adjoint_a=bool(adjoint_a), adjoint_b=bool(adjoint_b),
    )  # fmt: skip


def add(a, b, threshold=0, name=None):
    """SparseTensor + SparseTensor (a SparseTensor) or SparseTensor + dense (dense).

    Of two stored values at one coordinate, the sum is kept only if its magnitude is at
    least `threshold`; a value stored in one operand alone is always kept (TF's kernel).
    """
    a_sparse, b_sparse = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not (a_sparse or b_sparse):
        raise TypeError("At least one input should be SparseTensor; do you mean to use tf.add()?")
    if not (a_sparse and b_sparse):
        sp, dense = (a, b) if a_sparse else (b, a)
        dense = convert_to_tensor(dense, dtype=sp.dtype)
        if list(dense.shape) != sp.shape.as_list():
            raise InvalidArgumentError(
                f"SparseTensorDenseAdd: Dimensions of the sparse ({sp.shape}) and dense "
                f"({dense.shape}) operands must match"
            )
        return _op("TensorScatterAdd")(dense, sp.indices, sp.values)
    if a.dtype != b.dtype:
        raise InvalidArgumentError(
            f"SparseAdd: the operands' values have different dtypes: {a.dtype.name} and "
            f"{b.dtype.name}"
        )
    a_shape, b_shape = a.shape.as_list(), b.shape.as_list()
    if len(a_shape) != len(b_shape):
        raise InvalidArgumentError(
            f"SparseAdd: Operands do not have the same ranks; got shapes: {a_shape} and {b_shape}"
        )
    for d, (x, y) in enumerate(zip(a_shape, b_shape)):
        if x != y:
            raise InvalidArgumentError(
                f"SparseAdd: Operands' shapes do not match: got {x} and {y} for dimension {d}"
            )
    coords, slots, counts = _op("SparseAddPlan")(a.indices, b.indices, a.dense_shape)
    both = _op("ConcatV2")(a.values, b.values, axis=0)
    summed = _op("UnsortedSegmentSum")(both, slots, num_segments=int(counts.shape[0]))
    thresh = convert_to_tensor(threshold, dtype=a.dtype)
    if float(thresh.numpy()) > 0:
        keep = _op("LogicalOr")(
            _op("Equal")(counts, _int64(1)),
            _op("GreaterEqual")(_op("Abs")(summed), thresh),
        )
        kept = _flat(_op("Where")(keep))
        coords, summed = _op("GatherV2")(coords, kept), _op("GatherV2")(summed, kept)
    return _make(coords, summed, a.dense_shape)


def map_values(op, *args, **kwargs) -> SparseTensor:
    """`op` applied to the values of the SparseTensor arguments (which must share their
    coordinates); the result keeps those coordinates."""
    found = [x for x in nest.flatten([args, kwargs]) if isinstance(x, SparseTensor)]
    if not found:
        raise ValueError("No SparseTensor in argument list of map_values")
    first = found[0]
    for other in found[1:]:
        if other.indices is first.indices:
            continue
        same = other.indices.shape == first.indices.shape and np.array_equal(
            other.indices.numpy(), first.indices.numpy()
        )
        if not same:
            raise InvalidArgumentError("Mismatched indices!\nCondition x == y did not hold.")

    def values_of(x):
        return x.values if isinstance(x, SparseTensor) else x

    new_args = [nest.map_structure(values_of, a) for a in args]
    new_kwargs = {k: nest.map_structure(values_of, v) for k, v in kwargs.items()}
    return _make(first.indices, op(*new_args, **new_kwargs), first.dense_shape)


# ---- reductions ------------------------------------------------------------------------------


def _reduce(sp, axis, keepdims, output_is_sparse, name, kernel):
    shape = sp.shape.as_list()
    axes = _axes(axis, len(shape), name)
    kept_shape = [s for d, s in enumerate(shape) if d not in axes]
    out_shape = [1 if d in axes else s for d, s in enumerate(shape)] if keepdims else kept_shape
    slots, _ = _op("SparseReduceSlots")(sp.indices, sp.dense_shape, axes=axes)
    n = int(np.prod(kept_shape, dtype=np.int64))
    dense = kernel(slots, n, axes)
    if not output_is_sparse:
        return _op("Reshape")(dense, shape=tuple(out_shape))
    # As TF: SparseReduceSumSparse (and the max) have no gradient.
    dense = _op("PreventGradient")(
        dense, message=f"gradient registry has no entry for: {name}Sparse"
    )
    ones = _op("Cast")(_op("OnesLike")(slots), dtype="int32")
    counts = _op("UnsortedSegmentSum")(ones, slots, num_segments=n)
    zero = wrap(xp.asarray(0, np.int32))
    present = _op("Where")(_op("Greater")(counts, zero))  # [M, 1] positions
    coords, out_dense_shape = _op("SparseReshape")(present, _int64([n]), _int64(out_shape))
    return _make(coords, _op("GatherV2")(dense, _flat(present)), out_dense_shape)


def reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The sum of the stored values over `axis` (all axes by default): a dense Tensor, or
    with `output_is_sparse` a SparseTensor of the positions that received a value (which,
    as in TF, has no gradient)."""
    sp = _sparse_arg(sp_input, "reduce_sum")

    def kernel(slots, n, axes):
        return _op("UnsortedSegmentSum")(sp.values, slots, num_segments=n)

    return _reduce(sp, axis, bool(keepdims), output_is_sparse, "SparseReduceSum", kernel)


def reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The largest stored value over `axis`. As TF: implicit zeros are not values, and a
    position that received no value is 0. TF has no gradient for it: asking for one is
    TF's LookupError."""
    sp = _sparse_arg(sp_input, "reduce_max")

    def kernel(slots, n, axes):
        reduced = _op("SparseReduceMax")(
            sp.indices, sp.values, sp.dense_shape, axes=axes, keepdims=False
        )
        return _flat(reduced)

    return _reduce(sp, axis, bool(keepdims), output_is_sparse, "SparseReduceMax", kernel)


# ---- structure -------------------------------------------------------------------------------


def reorder(sp_input, name=None) -> SparseTensor:
    """The same SparseTensor with its coordinates in row-major (lexicographic) order."""
    sp = _sparse_arg(sp_input, "reorder")
    order = _op("SparseReorderPermutation")(sp.indices)
    gather = _op("GatherV2")
    return _make(gather(sp.indices, order), gather(sp.values, order), sp.dense_shape)


def reshape(sp_input, shape, name=None) -> SparseTensor:
    """The SparseTensor of another dense shape (one dimension may be -1), same values."""
    sp = _sparse_arg(sp_input, "reshape")
    if hasattr(shape, "as_list"):
        shape = [-1 if d is None else d for d in shape.as_list()]
    new_shape = _int64(list(_args.vector(shape, "SparseReshape", "shape")))
    coords, out_shape = _op("SparseReshape")(sp.indices, sp.dense_shape, new_shape)
    return _make(coords, sp.values, out_shape)


def retain(sp_input, to_retain) -> SparseTensor:
    """The stored values where the bool vector `to_retain` (one per value) is True."""
    sp = _sparse_arg(sp_input, "retain")
    keep = convert_to_tensor(to_retain)
    if keep.dtype == dtypes.string:
        raise InvalidArgumentError(
            "tf.sparse.retain: to_retain must be a bool vector, got strings"
        )
    keep = convert_to_tensor(to_retain, dtype=dtypes.bool)
    if keep.ndim != 1:
        raise ValueError(f"Shape {keep.shape} must have rank 1")
    n = sp.values.shape[0]
    if keep.shape[0] != n:
        raise ValueError(f"Dimensions {n} and {keep.shape[0]} are not compatible")
    kept = _flat(_op("Where")(keep))
    gather = _op("GatherV2")
    return _make(gather(sp.indices, kept), gather(sp.values, kept), sp.dense_shape)


def concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None) -> SparseTensor:
    """Joins SparseTensors along `axis`. Other dimensions must match, or with
    `expand_nonconcat_dims` take the largest. The result is in row-major order. As in TF,
    no gradient flows back through it (the values' gradient is None)."""
    inputs = [_sparse_arg(x, "concat") for x in sp_inputs]
    if not inputs:
        raise ValueError("tf.sparse.concat: sp_inputs is empty")
    shapes = [x.shape.as_list() for x in inputs]
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise InvalidArgumentError(
            f"SparseConcat: Input indices should have rank {rank}, got shapes {shapes}"
        )
    axis = _args.scalar(axis, "SparseConcat", "axis", cast_floats=False)
    if not -rank <= axis < rank:
        raise InvalidArgumentError(
            f"SparseConcat: Concat dimension must be in range [{-rank}, {rank}), got {axis}"
        )
    axis %= rank
    out_shape = list(shapes[0])
    for i, s in enumerate(shapes[1:], 1):
        for d in range(rank):
            if d == axis or s[d] == out_shape[d]:
                continue
            if not expand_nonconcat_dims:
                raise InvalidArgumentError(
                    f"SparseConcat: Input shapes must match: expected {shapes[0][d]} for "
                    f"dimension {d} but got {s[d]} at position {i}"
                )
            out_shape[d] = max(out_shape[d], s[d])
    shifted, offset = [], 0
    for x, s in zip(inputs, shapes):
        step = np.zeros(rank, np.int64)
        step[axis] = offset
        shifted.append(_op("AddV2")(x.indices, _int64(step)) if offset else x.indices)
        offset += s[axis]
    out_shape[axis] = offset
    indices = _op("ConcatV2")(*shifted, axis=0)
    # TF's SparseConcat has no gradient: the values' gradient is None there, so here too.
    values = _op("StopGradient")(_op("ConcatV2")(*[x.values for x in inputs], axis=0))
    return reorder(_make(indices, values, _int64(out_shape)))


def slice(sp_input, start, size, name=None) -> SparseTensor:  # noqa: A001 - TF's name
    """The stored values inside the box [start, start + size), shifted to start at 0."""
    sp = _sparse_arg(sp_input, "slice")
    rank = sp.shape.rank
    start = _args.vector(start, "SparseSlice", "start")
    size = _args.shape(size, "SparseSlice", "size")
    if len(start) != rank or len(size) != rank:
        raise InvalidArgumentError(
            f"SparseSlice: start and size must have {rank} entries (the rank), got "
            f"{list(start)} and {list(size)}"
        )
    start, size = _int64(list(start)), _int64(list(size))
    kept, coords, shape = _op("SparseSlicePlan")(sp.indices, sp.dense_shape, start, size)
    return _make(coords, _op("GatherV2")(sp.values, kept), shape)


def transpose(sp_input, perm=None, name=None) -> SparseTensor:
    """Permutes the dimensions (reverses them by default); the result is reordered."""
    sp = _sparse_arg(sp_input, "transpose")
    rank = sp.shape.rank
    if perm is None:
        perm = list(range(rank))[::-1]
    else:
        perm = list(_args.vector(perm, "SparseTranspose", "perm", cast_floats=False))
    if sorted(perm) != list(range(rank)):
        raise InvalidArgumentError(
            f"SparseTranspose: perm {perm} is not a permutation of [0, ..., {rank - 1}]"
        )
    indices = _op("GatherV2")(sp.indices, _int64(perm), axis=1)
    shape = [sp.shape[p] for p in perm]
    return reorder(_make(indices, sp.values, _int64(shape)))


def expand_dims(sp_input, axis=None, name=None) -> SparseTensor:
    """A dimension of size 1 inserted at `axis` (-1: last)."""
    sp = _sparse_arg(sp_input, "expand_dims")
    rank = sp.shape.rank
    axis = -1 if axis is None else _args.scalar(axis, "tf.sparse.expand_dims", "axis",
                                                cast_floats=False)  # fmt: skip
    if not -rank - 1 <= axis <= rank:
        raise InvalidArgumentError(
            f"tf.sparse.expand_dims: axis {axis} is out of range for rank {rank}"
        )
    axis %= rank + 1
    zeros = _op("Cast")(_op("ZerosLike")(_column(sp.indices, 0, 1)), dtype="int64")
    parts = [_column(sp.indices, 0, axis), zeros, _column(sp.indices, axis, None)]
    shape = list(sp.shape)
    shape.insert(axis, 1)
    return _make(_op("ConcatV2")(*parts, axis=1), sp.values, _int64(shape))


def eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None) -> SparseTensor:
    """The identity matrix [num_rows, num_columns] as a SparseTensor."""
    rows = _args.count(num_rows, "tf.sparse.eye", "num_rows", cast_floats=False)
    cols = rows
    if num_columns is not None:
        cols = _args.count(num_columns, "tf.sparse.eye", "num_columns", cast_floats=False)
    n = min(rows, cols)
    diag = np.repeat(np.arange(n, dtype=np.int64)[:, None], 2, axis=1)
    values = wrap(xp.ones(n, dtypes.as_dtype(dtype)._np))
    return _make(_int64(diag), values, _int64([rows, cols]))


# ---- SparseTensor given to dense ops ---------------------------------------------------------

# The ops TF applies to a SparseTensor's values (f(0) = 0, so the result stays sparse).
_VALUE_OPS = frozenset(
    "Abs Neg Sign Sin Sqrt Square Tan Tanh Asin Asinh Atan Atanh Erf BesselI0e BesselI1e Cast "
    "Identity StopGradient".split()
)


def _sparse_inputs(op, inputs, attrs):
    sp = inputs[0]
    if len(inputs) == 1:
        if op.name in _VALUE_OPS:
            return _make(sp.indices, op(sp.values, **attrs), sp.dense_shape)
        if op.name == "Shape":
            return _op("Cast")(sp.dense_shape, dtype=attrs.get("out_type", "int32"))
        if op.name == "Size":
            total = _op("Prod")(sp.dense_shape, axis=0)
            return _op("Cast")(total, dtype=attrs.get("out_type", "int32"))
        if op.name == "Rank":
            return wrap(xp.asarray(sp.shape.rank, np.int32))
    raise ValueError(unsupported_conversion_message(sp))


register_composite_handler(SparseTensor, _sparse_inputs)


matmul = sparse_dense_matmul

API = {
    "tf": ["SparseTensor", "SparseTensorSpec"],
    "sparse": [
        "SparseTensor",
        "add",
        "concat",
        "expand_dims",
        "eye",
        "from_dense",
        "map_values",
        "matmul",
        "reduce_max",
        "reduce_sum",
        "reorder",
        "reshape",
        "retain",
        "slice",
        "sparse_dense_matmul",
        "to_dense",
        "to_indicator",
        "transpose",
    ],
}
