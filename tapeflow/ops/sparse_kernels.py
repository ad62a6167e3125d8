"""The kernels under `tf.sparse`: SparseToDense, SparseTensorDenseMatMul and index planners.

`SparseTensor` (core/sparse.py) is a composite of dense tensors. Most `tf.sparse` functions
are built in `sparse.py` from the ops here plus ordinary differentiable ones (gather,
segment sums, concat): a planner op computes the new coordinates and which stored value goes
where (never differentiable: integers), and gathers move the values, so gradients to
`values` come from the gathers' vjps and tf.function traces every step.
"""

import builtins

import numpy as np

from ..backend import array_module, to_numpy, xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, get_op, op


def _fmt(values) -> str:
    return "[" + ",".join(str(int(v)) for v in values) + "]"


def _linear(indices, shape):
    """The row-major position of each coordinate row (shape holds Python ints)."""
    if indices.shape[1] == 0:
        return xp.zeros(indices.shape[0], np.int64)
    return xp.ravel_multi_index(tuple(indices.T), tuple(shape), mode="wrap").astype(np.int64)


def check_in_bounds(name, indices, shape):
    """TF's error for a coordinate outside `shape`."""
    bad = (indices < 0) | (indices >= xp.asarray(shape, np.int64))
    if bad.any():
        i = int(np.argmax(bad.any(axis=1)))
        raise InvalidArgumentError(
            f"{name}: indices[{i}] = {_fmt(indices[i])} is out of bounds: need 0 <= index < "
            f"{_fmt(shape)}"
        )


def check_ordered(name, indices, shape):
    """TF's validation of sorted, unique coordinates (validate_indices=True)."""
    check_in_bounds(name, indices, shape)
    if len(indices) < 2:
        return
    linear = _linear(indices, shape)
    step = np.diff(linear)
    if (step <= 0).any():
        i = int(np.argmax(step <= 0)) + 1
        if step[i - 1] == 0:
            raise InvalidArgumentError(f"{name}: indices[{i}] = {_fmt(indices[i])} is repeated")
        raise InvalidArgumentError(
            f"{name}: indices[{i}] = {_fmt(indices[i])} is out of order. Many sparse ops "
            f"require sorted indices.\n    Use `tf.sparse.reorder` to create a correctly "
            f"ordered copy.\n\n"
        )


# ---- to dense ------------------------------------------------------------------------------


def _coords_sample(rng):
    return np.array([[0, 1], [1, 0], [1, 2], [2, 2]], np.int64)


def _shape_sample(rng):
    return np.array([3, 3], np.int64)


@op(
    "SparseToDense",
    same_dtype=(2, 3),
    strings=True,
    samples=[
        Sample(_coords_sample, _shape_sample, (4,), (), validate_indices=True, wrt=[2]),
    ],
)
def _sparse_to_dense(indices, output_shape, values, default_value, validate_indices=True):
    shape = tuple(int(d) for d in np.asarray(to_numpy(output_shape)).reshape(-1))
    if indices.ndim < 2:  # TF's kernel also takes one coordinate per value of a vector
        indices = indices.reshape(-1, 1)
    if validate_indices:
        check_ordered("SparseToDense", indices, shape)
    elif ((indices < 0) | (indices >= xp.asarray(shape, np.int64))).any():
        raise InvalidArgumentError(
            f"SparseToDense: Indices are not valid (out of bounds).  Shape: {_fmt(shape)}"
        )
    m = array_module(values)
    if m is not xp:  # text stays on the host, and so does the index that places it
        indices = to_numpy(indices)
    out = m.empty(shape, dtype=values.dtype)
    out[...] = default_value
    out[tuple(indices.T)] = values
    return out


@_sparse_to_dense.vjp
def _sparse_to_dense_vjp(g, ans, indices, output_shape, values, default_value, **attrs):
    return None, None, get_op("GatherNd")(g, indices), None  # TF: no gradient to the default


# ---- sparse x dense matrix product ---------------------------------------------------------


def _matmul_indices(rng):
    return np.array([[0, 1], [1, 0], [1, 2], [2, 1]], np.int64)


def _matmul_shape(rng):
    return np.array([3, 3], np.int64)


@op(
    "SparseTensorDenseMatMul",
    same_dtype=(1, 3),
    samples=[
        Sample(_matmul_indices, (4,), _matmul_shape, (3, 2), wrt=[1, 3]),
        Sample(_matmul_indices, (4,), _matmul_shape, (3, 2), adjoint_a=True, wrt=[1, 3]),
        Sample(_matmul_indices, (4,), _matmul_shape, (2, 3), adjoint_b=True, wrt=[1, 3]),
    ],
)
def _sparse_dense_matmul(a_indices, a_values, a_shape, b, adjoint_a=False, adjoint_b=False):
    name = "SparseTensorDenseMatMul"
    if a_shape.size != 2:
        raise InvalidArgumentError(f"{name}: Tensor 'a_shape' must have 2 elements")
    if b.ndim != 2:
        raise InvalidArgumentError(f"{name}: Tensor 'b' is not a matrix")
    m, k = (int(d) for d in a_shape)
    rows, cols = a_indices[:, 0], a_indices[:, 1]
    for what, ids, n, column in (("m", rows, m, 0), ("k", cols, k, 1)):
        bad = (ids < 0) | (ids >= n)
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidArgumentError(
                f"{name}: {what} ({int(ids[i])}) from index[{i},{column}] out of bounds (>={n})"
            )
    if adjoint_a:
        rows, cols, m, k = cols, rows, k, m
        a_values = a_values.conj()
    b = b.T.conj() if adjoint_b else b
    if b.shape[0] != k:
        shape_b = b.shape[::-1] if adjoint_b else b.shape
        raise InvalidArgumentError(
            f"{name}: Cannot multiply A and B because inner dimension does not match: {k} vs. "
            f"{b.shape[0]}.  Did you forget a transpose?  Dimensions of A: [{int(a_shape[0])}, "
            f"{int(a_shape[1])}).  Dimensions of B: {_fmt(shape_b)}"
        )
    out = xp.zeros((m, b.shape[1]), dtype=b.dtype)
    xp.add.at(out, rows, a_values[:, None] * b[cols])
    return out


@_sparse_dense_matmul.vjp
def _sparse_dense_matmul_vjp(g, ans, a_indices, a_values, a_shape, b, adjoint_a=False,
                             adjoint_b=False):  # fmt: skip
    matmul, gather, transpose = (get_op(n) for n in ("SparseTensorDenseMatMul", "GatherV2",
                                                     "Transpose"))  # fmt: skip
    b_grad = matmul(a_indices, a_values, a_shape, g, adjoint_a=not adjoint_a)
    if adjoint_b:
        b_grad = transpose(b_grad, perm=(1, 0))
    column = get_op("StridedSlice")
    rows = column(a_indices, key=(builtins.slice(None), 0))
    cols = column(a_indices, key=(builtins.slice(None), 1))
    parts_a = gather(g, cols if adjoint_a else rows)
    dense_b = transpose(b, perm=(1, 0)) if adjoint_b else b
    parts_b = gather(dense_b, rows if adjoint_a else cols)
    values_grad = get_op("Sum")(get_op("Mul")(parts_a, parts_b), axis=1)
    return None, values_grad, None, b_grad


# ---- index planners (integers only, never differentiable) ------------------------------------


@op("SparseReorderPermutation", differentiable=False, samples=[Sample(_coords_sample)])
def _reorder_permutation(indices):
    """The stable permutation sorting coordinate rows lexicographically."""
    if indices.shape[1] == 0:
        return xp.arange(indices.shape[0], dtype=np.int64)
    return xp.lexsort(indices.T[::-1]).astype(np.int64)


def _reshape_target(rng):
    return np.array([-1, 1], np.int64)


@op(
    "SparseReshape",
    differentiable=False,
    multiple_outputs=True,
    samples=[Sample(_coords_sample, _shape_sample, _reshape_target)],
)
def _sparse_reshape(input_indices, input_shape, new_shape):
    """New coordinates for a reshape; one dimension of `new_shape` may be -1."""
    name = "SparseReshape"
    shape = [int(d) for d in input_shape]
    target = [int(d) for d in new_shape]
    size = int(np.prod(shape, dtype=np.int64))
    unknown = [i for i, d in enumerate(target) if d == -1]
    if len(unknown) > 1:
        raise InvalidArgumentError(
            f"{name}: only one output dimension may be -1, not both {unknown[0]} and {unknown[1]}"
        )
    known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
    if unknown:
        if known == 0 or size % known:
            raise InvalidArgumentError(
                f"{name}: Input to reshape is a SparseTensor with {size} dense values, but the "
                f"requested shape requires a multiple of {known}. input_shape={_fmt(shape)} "
                f"output_shape={_fmt([d if d != -1 else size // max(known, 1) for d in target])}"
            )
        target[unknown[0]] = size // known
    elif known != size:
        raise InvalidArgumentError(
            f"{name}: Input to reshape is a tensor with {size} dense values, but the requested "
            f"shape has {known}. input_shape={_fmt(shape)} output_shape={_fmt(target)}"
        )
    linear = _linear(input_indices, shape)
    if target:
        out = np.stack(np.unravel_index(linear, tuple(target)), axis=1).astype(np.int64)
    else:
        out = np.zeros((len(linear), 0), np.int64)
    return xp.asarray(out), xp.asarray(target, dtype=np.int64)


def _start_sample(rng):
    return np.array([1, 0], np.int64)


def _size_sample(rng):
    return np.array([2, 2], np.int64)


@op(
    "SparseSlicePlan",
    differentiable=False,
    multiple_outputs=True,
    samples=[Sample(_coords_sample, _shape_sample, _start_sample, _size_sample)],
)
def _slice_plan(indices, shape, start, size):
    """(kept positions, their new coordinates, the new dense shape) of a slice."""
    shape = shape.astype(np.int64, copy=False)
    start = start.astype(np.int64, copy=False)
    if start.shape != shape.shape or size.shape != shape.shape:
        raise InvalidArgumentError(
            f"SparseSlice: start and size must have the rank of the input ({shape.size}), got "
            f"{_fmt(start)} and {_fmt(size)}"
        )
    stop = xp.minimum(start + size.astype(np.int64, copy=False), shape)
    out_shape = xp.maximum(stop - start, 0)
    inside = ((indices >= start) & (indices < stop)).all(axis=1)
    keep = xp.flatnonzero(inside).astype(np.int64)
    return keep, (indices[keep] - start).astype(np.int64), out_shape.astype(np.int64)


def _other_coords(rng):
    return np.array([[0, 1], [0, 2], [2, 2]], np.int64)


@op(
    "SparseAddPlan",
    differentiable=False,
    multiple_outputs=True,
    samples=[Sample(_coords_sample, _other_coords, _shape_sample)],
)
def _add_plan(a_indices, b_indices, shape):
    """The union of two coordinate sets, sorted: (coordinates, the output slot of each
    value of a then b, how many values land in each slot)."""
    shape = [int(d) for d in shape]
    both = xp.concatenate([a_indices, b_indices]).astype(np.int64)
    linear = _linear(both, shape)
    # `first`: the first row of each slot (a stable sort, on CuPy too).
    _, first, slots, counts = xp.unique(
        linear, return_index=True, return_inverse=True, return_counts=True
    )
    return both[first], slots.reshape(-1).astype(np.int64), counts.astype(np.int64)


@op(
    "SparseReduceSlots",
    differentiable=False,
    multiple_outputs=True,
    samples=[Sample(_coords_sample, _shape_sample, axes=(1,))],
)
def _reduce_slots(indices, shape, axes):
    """(the output slot of each value, row-major over the kept dimensions; the kept shape)."""
    shape = [int(d) for d in shape]
    kept = [d for d in range(len(shape)) if d not in axes]
    kept_shape = [shape[d] for d in kept]
    slots = _linear(indices[:, kept], kept_shape) if kept else xp.zeros(len(indices), np.int64)
    return slots.astype(np.int64), xp.asarray(kept_shape, np.int64)


def _values_sample(rng):
    return np.array([1.0, -2.0, 3.0, -4.0])


@op(
    "SparseReduceMax",
    same_dtype=(),
    samples=[
        Sample(_coords_sample, _values_sample, _shape_sample, axes=(1,), keepdims=False, wrt=[])
    ],
)
def _sparse_reduce_max(indices, values, shape, axes, keepdims):
    """The largest stored value per output position (implicit zeros do not count; a
    position with no stored value gives 0), as TF's kernel."""
    shape = [int(d) for d in shape]
    kept = [d for d in range(len(shape)) if d not in axes]
    kept_shape = [shape[d] for d in kept]
    slots = _linear(indices[:, kept], kept_shape) if kept else xp.zeros(len(indices), np.int64)
    n = int(np.prod(kept_shape, dtype=np.int64))
    out = xp.zeros(n, values.dtype)
    if len(values):
        # By slot, then by value (NaN last): two stable sorts, as lexsort((values, slots)).
        order = xp.argsort(values, kind="stable")
        order = order[xp.argsort(slots[order], kind="stable")]
        ordered = slots[order]
        last = xp.concatenate([ordered[1:] != ordered[:-1], xp.ones(1, bool)])
        out[ordered[last]] = values[order][last]
    if keepdims:
        return out.reshape([1 if d in axes else s for d, s in enumerate(shape)])
    return out.reshape(kept_shape)


@_sparse_reduce_max.vjp
def _sparse_reduce_max_vjp(g, ans, indices, values, shape, axes, keepdims):
    raise LookupError("gradient registry has no entry for: SparseReduceMax")  # as TF


@op("PreventGradient", samples=[Sample((3,), message="no gradient", wrt=[])])
def _prevent_gradient(x, message):
    """The identity, whose gradient is an error (TF's op; used where TF has no gradient)."""
    return x


@_prevent_gradient.vjp
def _prevent_gradient_vjp(g, ans, x, message):
    raise LookupError(message)


API = {}
