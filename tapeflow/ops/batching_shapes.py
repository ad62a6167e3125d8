"""Batching rules (see batching.py) of shape ops, the shape-generic ops of tf.function's
None dimensions, gathers and scatters: the batch is one more leading axis."""

from __future__ import annotations

from .batching import _all_batched, _example_shape, _op, _rank, batch, lift, loop, rule, shift

# ---- shapes ------------------------------------------------------------------------------


@rule("Reshape")
def reshape(op, args, batched, batch_size, shape):
    return op(args[0], shape=(batch_size,) + tuple(shape))


@rule("Transpose")
def transpose(op, args, batched, batch_size, perm):
    return op(args[0], perm=(0,) + tuple(int(p) + 1 for p in perm))


@rule("BroadcastTo")
def broadcast_to(op, args, batched, batch_size, shape):
    return op(lift(args[0], len(shape)), shape=(batch_size,) + tuple(shape))


@rule("Tile")
def tile(op, args, batched, batch_size, multiples):
    return op(args[0], multiples=(1,) + tuple(multiples))


@rule("Pack")
def pack(op, args, batched, batch_size, axis=0):
    return op(*_all_batched(args, batched, batch_size), axis=shift(axis, 0))


@rule("ConcatV2")
def concat(op, args, batched, batch_size, axis=0):
    return op(*_all_batched(args, batched, batch_size), axis=shift(axis, 0))


@rule("Unpack")
def unpack(op, args, batched, batch_size, num, axis):
    return op(args[0], num=num, axis=shift(axis, 0))


@rule("SplitV")
def split(op, args, batched, batch_size, size_splits, axis):
    return op(args[0], size_splits=size_splits, axis=shift(axis, 0))


@rule("ReverseV2")
def reverse(op, args, batched, batch_size, axis):
    return op(args[0], axis=shift(tuple(axis), 0) if axis else axis)


@rule("Roll")
def roll(op, args, batched, batch_size, shift, axis):
    return op(args[0], shift=shift, axis=tuple(a + 1 for a in axis))  # axes are non-negative


@rule("StridedSlice")
def strided_slice(op, args, batched, batch_size, key):
    return op(args[0], key=(slice(None),) + tuple(key))


@rule("StridedSliceGrad")
def strided_slice_grad(op, args, batched, batch_size, **attrs):
    return op(*args, **attrs)  # its forward takes leading batch axes already


@rule("PadV2")
def pad(op, args, batched, batch_size, paddings):
    x, value = args
    if batched[1]:
        return loop(op, args, batched, batch_size, paddings=paddings)
    return op(x, value, paddings=((0, 0),) + tuple(tuple(p) for p in paddings))


@rule("MirrorPad", "MirrorPadGrad")
def mirror_pad(op, args, batched, batch_size, paddings, mode):
    return op(args[0], paddings=((0, 0),) + tuple(tuple(p) for p in paddings), mode=mode)


@rule("OneHot")
def one_hot(op, args, batched, batch_size, depth, on_value, off_value, axis, dtype):
    return op(
        args[0], depth=depth, on_value=on_value, off_value=off_value, axis=axis + 1, dtype=dtype
    )


# ---- the shape-generic ops (shape_generic.py): shapes read from inputs when they run ------


@rule("ExpandDims", "Squeeze")
def expand_or_squeeze(op, args, batched, batch_size, axis):
    return op(args[0], axis=shift(axis, 0))


def _like_axis(d):
    """A `dims` entry of ReshapeFrom/ZerosFrom for a batched `like`: its axes move by one."""
    if isinstance(d, tuple) and d[1] >= 0:
        return (d[0], d[1] + 1)
    return d


@rule("ReshapeLike")
def reshape_like(op, args, batched, batch_size, lead):
    x, like = args
    if not batched[1]:
        return op(x, like, lead=lead + 1)
    x = x if batched[0] else batch(x, batch_size)
    shape = tuple(x._value.shape)[: lead + 1] + _example_shape(like, True)
    return _op("Reshape")(x, shape=shape)


@rule("ReshapeFrom")
def reshape_from(op, args, batched, batch_size, dims):
    x, like = args
    x = x if batched[0] else batch(x, batch_size)
    if not batched[1]:
        return op(x, like, dims=(batch_size,) + tuple(dims))
    return op(x, like, dims=(("like", 0),) + tuple(_like_axis(d) for d in dims))


@rule("ZerosFrom")
def zeros_from(op, args, batched, batch_size, dims, dtype):
    return op(args[0], dims=(("like", 0),) + tuple(_like_axis(d) for d in dims), dtype=dtype)


@rule("BroadcastLike")
def broadcast_like(op, args, batched, batch_size):
    x, like = args
    if not batched[1]:  # x batched: ranked up to like's, its batch axis leads the result
        return op(lift(x, like._value.ndim), like)
    x_shape, like_shape = _example_shape(x, batched[0]), _example_shape(like, True)
    lead = x_shape[: max(len(x_shape) - len(like_shape), 0)]
    shape = (batch_size,) + lead + like_shape
    return _op("BroadcastTo")(lift(x, len(shape) - 1) if batched[0] else x, shape=shape)


@rule("ReducedCount")
def reduced_count(op, args, batched, batch_size, axis, dtype):
    (x,) = args  # the same count for every example
    return batch(op(x, axis=shift(axis, _rank(x, True)), dtype=dtype), batch_size)


@rule("StridedSliceGradLike")
def strided_slice_grad_like(op, args, batched, batch_size, key, ans_ndim):
    g, like = args
    if not batched[1]:
        return op(g, like, key=key, ans_ndim=ans_ndim)  # g's batch axis leads, as any
    g = g if batched[0] else batch(g, batch_size)
    shape = _example_shape(like, True)
    return _op("StridedSliceGrad")(g, shape=shape, key=key, ans_ndim=ans_ndim)


# ---- gathers and scatters ------------------------------------------------------------------


@rule("GatherV2")
def gather(op, args, batched, batch_size, axis=0, batch_dims=0):
    params, indices = args
    if batched[0] and not batched[1] and batch_dims == 0:
        return op(params, indices, axis=axis + 1, batch_dims=0)
    if batched[1] and not batched[0] and batch_dims == 0 and axis == 0:
        return op(params, indices, axis=0, batch_dims=0)
    params, indices = _all_batched(args, batched, batch_size)
    return op(params, indices, axis=axis + 1, batch_dims=batch_dims + 1)


def _with_example_index(indices, batch_size):
    """Batched nd-indices (B, ..., K) with each example's number put in front: (B, ..., K+1)."""
    shape = tuple(indices._value.shape)
    ids = _op("Cast")(_ids_range(batch_size), dtype=indices._value.dtype.name)
    ids = _op("Reshape")(ids, shape=(batch_size,) + (1,) * (len(shape) - 1))
    ids = _op("BroadcastTo")(ids, shape=shape[:-1] + (1,))
    return _op("ConcatV2")(ids, indices, axis=-1)


@rule("GatherNd")
def gather_nd(op, args, batched, batch_size):
    params, indices = args
    if batched[1] and not batched[0]:
        return op(params, indices)
    params, indices = _all_batched(args, batched, batch_size)
    return op(params, _with_example_index(indices, batch_size))


@rule("ScatterNd")
def scatter_nd(op, args, batched, batch_size, shape):
    indices, updates = _all_batched(args, batched, batch_size)
    return op(
        _with_example_index(indices, batch_size), updates, shape=(batch_size,) + tuple(shape)
    )


@rule("TensorScatterUpdate", "TensorScatterAdd", "TensorScatterSub")
def tensor_scatter(op, args, batched, batch_size):
    tensor, indices, updates = _all_batched(args, batched, batch_size)
    return op(tensor, _with_example_index(indices, batch_size), updates)


@rule("UnsortedSegmentSum")
def unsorted_segment_sum(op, args, batched, batch_size, num_segments):
    """Example b's segment k becomes segment b * num_segments + k of one big segment sum
    (negative ids, which drop their rows, stay negative)."""
    data, ids = _all_batched(args, batched, batch_size)
    ids_rank = ids._value.ndim
    offsets = _op("Reshape")(
        _op("Cast")(_op("Mul")(_ids_range(batch_size), num_segments), dtype=ids._value.dtype.name),
        shape=(batch_size,) + (1,) * (ids_rank - 1),
    )
    zero = _op("ZerosLike")(ids)
    shifted = _op("SelectV2")(_op("GreaterEqual")(ids, zero), _op("AddV2")(ids, offsets), ids)
    out = op(data, shifted, num_segments=batch_size * num_segments)
    return _op("Reshape")(out, shape=(batch_size, num_segments) + tuple(out._value.shape[1:]))


def _ids_range(batch_size):
    from .array import range as tf_range

    return tf_range(batch_size, dtype="int64")
