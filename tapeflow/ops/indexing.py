"""Indexing: slicing, gather, where, boolean_mask, one_hot, repeat.

Part of the array family: the ops here build on array.py's reshape/transpose, and the vjps
of array_join.py slice with the ops here.
"""

import builtins
import math

import numpy as np

from ..backend import to_numpy, xp
from ..core import dtypes, string_values
from ..core.errors import ArgumentTypeError, InvalidArgumentError
from ..core.indexed_slices import IndexedSlices
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor, wrap
from . import _args
from ._common import batch_ndim
from .array import _axis, _check_same_dtype, _dims, _ndim, _reshape, _transpose

# ---- slicing -------------------------------------------------------------------------------


@op(
    "StridedSlice",
    batchable=True,
    samples=[
        Sample((4, 5), key=(builtins.slice(1, 3), builtins.slice(None, None, 2))),
        Sample((3, 4, 5), key=(Ellipsis, 1)),
        Sample((4, 3), key=(None, builtins.slice(None, None, -1), 0)),
        Sample((5,), key=(2,)),
    ],
)
def _strided_slice(x, key):
    return string_values.boxed(x[key])  # one string element comes back as bytes


@_strided_slice.vjp
def _strided_slice_vjp(g, ans, x, key):
    # x's shape when it runs, not now: a tf.function trace serves every batch size.
    return (_strided_slice_grad_like(g, x, key=key, ans_ndim=ans.ndim),)


@op(
    "StridedSliceGrad",
    batchable=True,
    samples=[
        Sample(
            (2, 3),
            shape=(4, 5),
            key=(builtins.slice(1, 3), builtins.slice(None, None, 2)),
            ans_ndim=2,
        )
    ],
)
def _strided_slice_grad(g, shape, key, ans_ndim):
    nb = g.ndim - ans_ndim
    out = xp.zeros(tuple(g.shape[:nb]) + tuple(shape), dtype=g.dtype)
    out[(builtins.slice(None),) * nb + key] = g
    return out


@op(
    "StridedSliceGradLike",
    batchable=True,
    samples=[
        Sample(
            (2, 3),
            (4, 5),
            key=(builtins.slice(1, 3), builtins.slice(None, None, 2)),
            ans_ndim=2,
            wrt=[0],
        )
    ],
)
def _strided_slice_grad_like(g, like, key, ans_ndim):
    """StridedSliceGrad into the shape of `like` (the sliced tensor) when it runs."""
    return _strided_slice_grad.forward(g, like.shape, key, ans_ndim)


@_strided_slice_grad_like.vjp
def _strided_slice_grad_like_vjp(gg, ans, g, like, key, ans_ndim):
    nb = batch_ndim(gg, ans)
    return _strided_slice(gg, key=(builtins.slice(None),) * nb + key), None


@_strided_slice_grad.vjp
def _strided_slice_grad_vjp(gg, ans, g, shape, key, ans_ndim):
    nb = batch_ndim(gg, ans)
    return (_strided_slice(gg, key=(builtins.slice(None),) * nb + key),)


def slice_key(key) -> tuple:
    """A `__getitem__` key with Tensors turned into ints, always as a tuple."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if hasattr(k, "_value"):
            v = k._value
            if v.ndim != 0 or v.dtype.kind not in "iu":
                raise TypeError(
                    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                    f"scalar tf.int32/tf.int64 tensors are valid indices, got {k!r}"
                )
            out.append(int(v))
        elif isinstance(k, builtins.slice):
            out.append(
                builtins.slice(
                    *(int(s) if hasattr(s, "_value") else s for s in (k.start, k.stop, k.step))
                )
            )
        elif k is None or k is Ellipsis or isinstance(k, (int, np.integer)):
            out.append(k)
        else:
            raise TypeError(
                "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                f"tf.int32/tf.int64 tensors are valid indices, got {k!r}"
            )
    return tuple(out)


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's public name
    """The block of `input_` starting at `begin` with extent `size` (-1: to the end)."""
    shape = _dims(input_)
    begin = _args.vector(begin, "Slice", "begin", cast_floats=False)
    size = _args.vector(size, "Slice", "size")
    if len(begin) != len(shape) or len(size) != len(shape):
        raise InvalidArgumentError(
            f"Slice: expected begin and size to have {len(shape)} "
            f"entries (the rank of the input), got begin {list(begin)} "
            f"and size {list(size)}"
        )
    key = []
    for i, (b, s, d) in enumerate(zip(begin, size, shape, strict=True)):
        if not 0 <= b <= d:
            raise InvalidArgumentError(f"Slice: expected begin[{i}] in [0, {d}], but got {b}")
        if s == -1:
            s = d - b
        if not 0 <= s <= d - b:
            raise InvalidArgumentError(f"Slice: expected size[{i}] in [0, {d - b}], but got {s}")
        key.append(builtins.slice(b, b + s))
    return _strided_slice(input_, key=tuple(key))


def strided_slice(
    input_,
    begin,
    end,
    strides=None,
    begin_mask=0,
    end_mask=0,
    ellipsis_mask=0,
    new_axis_mask=0,
    shrink_axis_mask=0,
    var=None,
    name=None,
):
    """NumPy-style slicing spelled as TF's begin/end/strides vectors and bit masks."""
    begin = _args.vector(begin, "StridedSlice", "begin", cast_floats=False)
    end = _args.vector(end, "StridedSlice", "end")
    strides = (
        (1,) * len(begin) if strides is None else _args.vector(strides, "StridedSlice", "strides")
    )
    if not len(begin) == len(end) == len(strides):
        raise InvalidArgumentError(
            f"StridedSlice: begin, end and strides must have the same "
            f"length, got {len(begin)}, {len(end)}, {len(strides)}"
        )
    key = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides, strict=True)):
        bit = 1 << i
        if s == 0:
            raise InvalidArgumentError(f"StridedSlice: strides[{i}] must be non-zero")
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(b)
        else:
            key.append(
                builtins.slice(None if begin_mask & bit else b, None if end_mask & bit else e, s)
            )
    return _strided_slice(input_, key=tuple(key))


# ---- gather --------------------------------------------------------------------------------


def _indices_sample(rng, high=3, shape=(4,)):
    return rng.integers(0, high, size=shape).astype("int32")


def _first_bad(bad) -> tuple:
    """The position of the first True of a boolean array, as a tuple of ints."""
    return tuple(int(i) for i in np.argwhere(to_numpy(bad))[0])


@op(
    "GatherV2",
    same_dtype=(),
    samples=[
        Sample((3, 4), _indices_sample, axis=0, batch_dims=0, wrt=(0,)),
        Sample((4, 3), _indices_sample, axis=1, batch_dims=0, wrt=(0,)),
        Sample(
            (2, 3, 4), lambda rng: _indices_sample(rng, 3, (2, 5)), axis=1, batch_dims=1, wrt=(0,)
        ),
        Sample(
            (2, 3, 4), lambda rng: _indices_sample(rng, 4, (2, 2)), axis=2, batch_dims=1, wrt=(0,)
        ),
    ],
)
def _gather(params, indices, axis=0, batch_dims=0):
    if indices.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"GatherV2: indices must be int16, int32 or int64, got {indices.dtype}"
        )
    n = params.shape[axis]
    bad = (indices < 0) | (indices >= n)
    if bad.any():
        pos = _first_bad(bad)
        raise InvalidArgumentError(
            f"GatherV2: indices{list(pos)} = {int(indices[pos])} is not in [0, {n}) (params "
            f"shape {tuple(params.shape)}, axis {axis})"
        )
    if batch_dims == 0:
        return string_values.boxed(xp.take(params, indices, axis=axis))
    b = batch_dims
    moved = xp.moveaxis(params, axis, b)  # B + (A,) + pre + post
    batch_shape = params.shape[:b]
    index = tuple(
        xp.arange(d).reshape((-1,) + (1,) * (indices.ndim - 1 - i))
        for i, d in enumerate(batch_shape)
    ) + (indices,)
    out = moved[index]  # B + I + pre + post
    n_pre = axis - b
    n_i = indices.ndim - b
    perm = (
        tuple(range(b))
        + tuple(range(b + n_i, b + n_i + n_pre))
        + tuple(range(b, b + n_i))
        + tuple(range(b + n_i + n_pre, out.ndim))
    )
    return xp.transpose(out, perm)


@_gather.vjp
def _gather_vjp(g, ans, params, indices, axis=0, batch_dims=0):
    from .math import _cast, unsorted_segment_sum

    pshape = tuple(params.shape)
    if axis == 0 and batch_dims == 0:
        # -1, not the count of indices: a tf.function trace serves every batch of indices.
        flat = (-1,) if math.prod(pshape[1:]) else (int(np.prod(indices._value.shape)),)
        values = _reshape(g, shape=flat + pshape[1:])
        return IndexedSlices(values, _reshape(indices, shape=flat), pshape), None
    b = batch_dims
    n_b = int(np.prod(pshape[:b]))
    n_a = pshape[axis]
    n_pre = axis - b
    n_i = indices.ndim - b
    # g is B + pre + I + post: bring I before pre, then flatten B*I into one segment axis.
    perm = (
        tuple(range(b))
        + tuple(range(b + n_pre, b + n_pre + n_i))
        + tuple(range(b, b + n_pre))
        + tuple(range(b + n_pre + n_i, g.ndim))
    )
    gt = _transpose(g, perm=perm)
    rest = tuple(gt.shape[b + n_i :])
    flat = _reshape(gt, shape=(-1,) + rest)
    # Segment ids from ops on `indices` (not read with NumPy), so a trace stays valid.
    offsets = wrap(xp.asarray(np.arange(n_b).reshape((-1,) + (1,) * n_i) * n_a))
    ids = _cast(_reshape(indices, shape=(n_b,) + tuple(indices.shape[b:])), dtype="int64")
    summed = unsorted_segment_sum(flat, _reshape(ids + offsets, shape=(-1,)), n_b * n_a)
    summed = _reshape(summed, shape=pshape[:b] + (n_a,) + rest)
    # B + (A,) + pre + post  ->  B + pre + (A,) + post
    back = (
        tuple(range(b))
        + tuple(range(b + 1, b + 1 + n_pre))
        + (b,)
        + tuple(range(b + 1 + n_pre, len(pshape)))
    )
    return _transpose(summed, perm=back), None


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Gathers slices of `params` along `axis` at `indices` (axis 0: the gradient is sparse).

    With `batch_dims=b` the first b dimensions of params and indices are batch dimensions.
    """
    ndim = _ndim(params)
    idx_ndim = _ndim(indices)
    batch_dims = _args.count(batch_dims, "GatherV2", "batch_dims", minimum=-idx_ndim)
    if batch_dims < 0:
        batch_dims += idx_ndim
    if axis is None:
        axis = batch_dims
    else:
        a = _args.scalar(axis, "GatherV2", "axis", cast_floats=False, bools=False)
        axis = _axis(a, ndim, "GatherV2")
    if not 0 <= batch_dims <= axis or batch_dims > idx_ndim:
        raise InvalidArgumentError(
            f"GatherV2: batch_dims ({batch_dims}) must be in [0, axis "
            f"({axis})] and <= the rank of indices ({idx_ndim})"
        )
    # The arrays' shapes: a check that holds at every size (a tf.function trace may serve
    # every batch size, so the public `.shape` would tie it to this one).
    pshape, ishape = np.shape(_array_of(params)), np.shape(_array_of(indices))
    for i in builtins.range(batch_dims):
        if pshape[i] != ishape[i]:
            raise InvalidArgumentError(
                f"GatherV2: params.shape[{i}]: {pshape[i]} should be equal to "
                f"indices.shape[{i}]: {ishape[i]} (batch_dims {batch_dims})"
            )
    return _gather(params, indices, axis=axis, batch_dims=batch_dims)


# ---- where and masks -----------------------------------------------------------------------


def _condition_sample(shape):
    return lambda rng: rng.random(shape) > 0.5


@op("Where", differentiable=False, samples=[Sample(_condition_sample((3, 4)))])
def _where_indices(condition):
    if condition.ndim == 0:
        raise InvalidArgumentError("Where: condition must have rank >= 1, got a scalar")
    return xp.argwhere(condition).astype(xp.int64)


@op(
    "SelectV2",
    same_dtype=(1, 2),
    batchable=True,
    samples=[
        Sample(_condition_sample((3, 4)), (3, 4), (3, 4)),
        Sample(_condition_sample((3, 1)), (4,), (3, 4)),
        Sample(_condition_sample(()), (2,), ()),
    ],
)
def _select(condition, x, y):
    return xp.where(condition, x, y)


@_select.vjp
def _select_vjp(g, ans, condition, x, y):
    return None, _select(condition, g, 0.0), _select(condition, 0.0, g)


def where(condition, x=None, y=None, name=None):
    """With x and y: elements of x where `condition`, else of y (all three broadcast).

    Alone: the int64 coordinates of the true (non-zero) elements of `condition`, one row each.
    """
    if (x is None) != (y is None):
        raise ValueError("where: x and y must both be non-None or both be None.")
    if x is None:
        return _where_indices(condition)
    if any(getattr(v, "ragged_rank", None) is not None for v in (condition, x, y)):
        from .ragged_dispatch import elementwise  # value by value, in the ragged structure

        return elementwise(_select, (condition, x, y), {})
    if not hasattr(condition, "_value"):
        condition = convert_to_tensor(condition, dtype=dtypes.bool)
    elif condition.dtype != dtypes.bool:
        raise InvalidArgumentError(
            f"SelectV2: condition must be a bool tensor, got {condition.dtype.name}"
        )
    _check_same_dtype("SelectV2", x, y)
    return _select(condition, x, y)


def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The entries of `tensor` where `mask` is true; mask covers dims axis..axis+mask.ndim-1.

    Those dimensions are flattened into one, which keeps the selected entries in order.
    """
    tensor = convert_to_tensor(tensor)
    mask = convert_to_tensor(mask)
    shape = tuple(tensor.shape)
    k = mask.ndim
    if k == 0:
        raise ValueError("boolean_mask: mask cannot be scalar.")
    a = 0 if axis is None else _args.count(axis, "boolean_mask", "axis")  # TF: no negative
    if a < 0 or shape[a : a + k] != tuple(mask.shape):
        raise ValueError(
            f"boolean_mask: mask shape {list(mask.shape)} is incompatible with "
            f"dimensions {a}..{a + k - 1} of tensor shape {list(shape)}"
        )
    flat = _reshape(tensor, shape=shape[:a] + (-1,) + shape[a + k :])
    rows = _reshape(_where_indices(_reshape(mask, shape=(-1,))), shape=(-1,))
    return _gather(flat, rows, axis=a, batch_dims=0)


@op(
    "OneHot",
    differentiable=False,
    samples=[
        Sample(
            lambda rng: rng.integers(-1, 4, (3, 2)).astype("int32"),
            depth=4,
            on_value=1.0,
            off_value=0.0,
            axis=1,
            dtype="float32",
        )
    ],
)
def _one_hot(indices, depth, on_value, off_value, axis, dtype):
    if indices.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"OneHot: indices must be uint8, int32 or int64, got {indices.dtype}"
        )
    labels = xp.arange(depth).reshape((depth,) + (1,) * (indices.ndim - axis))
    hot = xp.expand_dims(indices, axis) == labels  # out-of-range indices match no label
    return xp.where(hot, on_value, off_value).astype(dtype)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """`on_value` at position `indices` of a new axis of size `depth`, `off_value` elsewhere.

    The new axis goes last (or at `axis`); indices outside [0, depth) give an all-off row.
    The dtype is `dtype`, else that of on_value/off_value, else float32.
    """
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    values = {}
    for label, v in (("on_value", on_value), ("off_value", off_value)):
        if v is not None:
            v = convert_to_tensor(v, dtype_hint=dtype)
            if dtype is not None and v.dtype != dtype:
                raise TypeError(
                    f"one_hot: dtype {v.dtype.name} of {label} does not match "
                    f"dtype parameter {dtype.name}"
                )
            values[label] = v
    if dtype is None:
        dtype = next(iter(values.values())).dtype if values else dtypes.float32
    if len({v.dtype for v in values.values()}) > 1:
        raise TypeError(
            f"one_hot: dtype {values['on_value'].dtype.name} of on_value does not "
            f"match dtype {values['off_value'].dtype.name} of off_value"
        )
    on = values["on_value"].numpy().item() if "on_value" in values else 1
    off = values["off_value"].numpy().item() if "off_value" in values else 0
    ndim = _ndim(indices)
    axis = -1 if axis is None else _args.count(axis, "OneHot", "axis", minimum=-1)
    if not -1 <= axis <= ndim:
        raise InvalidArgumentError(f"OneHot: expected axis to be -1 or in [0, {ndim}], got {axis}")
    depth = _args.count(depth, "OneHot", "depth")
    return _one_hot(
        indices,
        depth=depth,
        on_value=on,
        off_value=off,
        axis=ndim if axis == -1 else axis,
        dtype=dtype.name,
    )


def repeat(input, repeats, axis=None, name=None):
    """Repeats each element (each slice along `axis`) of `input` `repeats` times.

    With `axis=None` the input is flattened first.
    """
    input = convert_to_tensor(input)
    if axis is None:
        input = _reshape(input, shape=(-1,))
        axis = 0
    if isinstance(axis, (bool, np.bool_)):
        raise ArgumentTypeError(f"repeat: axis must be an int, got {axis!r}")
    a = _args.axis(axis, input.ndim, "repeat", cast_floats=False)
    n = input.shape[a]
    reps = _args.int_array(repeats, "repeat", "repeats").reshape(-1)
    if reps.size == 1:
        reps = np.full(n, reps[0])
    if reps.size != n or (reps < 0).any():
        raise InvalidArgumentError(
            f"repeat: repeats must be one non-negative count or one per "
            f"element of dimension {a} (size {n}), got {reps.tolist()}"
        )
    return _gather(input, np.repeat(np.arange(n, dtype=np.int64), reps), axis=a, batch_dims=0)


API = {
    "tf": [
        "slice",
        "strided_slice",
        "gather",
        "where",
        "boolean_mask",
        "one_hot",
        "repeat",
    ],
}


def _array_of(x):
    return x._value if hasattr(x, "_value") else x
