"""Array manipulation: identity, reshape, transpose, stack/concat, gather, slicing."""

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.indexed_slices import IndexedSlices
from ..core.registry import Sample, op
from ._common import UNARY, batch_ndim, normalize_axis


@op("Identity", samples=UNARY, batchable=True)
def _identity(x):
    return x


@_identity.vjp
def _identity_vjp(g, ans, x):
    return (g,)


def identity(input, name=None):
    """A Tensor with the same values as `input` (a read, for a Variable)."""
    return _identity(input)


@op("StopGradient", differentiable=False, samples=UNARY)
def stop_gradient(input):
    return input


# ---- shapes --------------------------------------------------------------------------------

@op("Reshape", batchable=True, samples=[Sample((3, 4), shape=(4, 3)),
                                        Sample((2, 3, 2), shape=(-1,)),
                                        Sample((6,), shape=(2, 1, 3))])
def _reshape(x, shape):
    try:
        return xp.reshape(x, shape)
    except ValueError:
        raise InvalidArgumentError(
            f"Reshape: cannot reshape a tensor with {x.size} elements (shape "
            f"{tuple(x.shape)}) to shape {tuple(shape)}"
        ) from None


@_reshape.vjp
def _reshape_vjp(g, ans, x, shape):
    nb = batch_ndim(g, ans)
    return (_reshape(g, shape=tuple(g.shape[:nb]) + tuple(x.shape)),)


def reshape(tensor, shape, name=None):
    """`tensor` with a new shape of the same size; one dimension may be -1."""
    return _reshape(tensor, shape=_static_shape(shape))


def _static_shape(shape) -> tuple:
    if hasattr(shape, "_value"):
        return tuple(int(d) for d in np.asarray(shape._value).reshape(-1))
    if hasattr(shape, "as_list"):
        return tuple(-1 if d is None else d for d in shape.as_list())
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


@op("BroadcastTo", batchable=True, samples=[Sample((3, 1), shape=(2, 3, 4)),
                                            Sample((), shape=(2, 2))])
def _broadcast_to(x, shape):
    return xp.broadcast_to(x, shape)


@_broadcast_to.vjp
def _broadcast_to_vjp(g, ans, x, shape):
    return (g,)  # the engine sums the gradient back to x's shape


def broadcast_to(input, shape, name=None):
    """`input` broadcast to `shape` with NumPy's rules."""
    return _broadcast_to(input, shape=_static_shape(shape))


@op("Transpose", batchable=True, samples=[Sample((2, 3, 4), perm=(2, 0, 1)),
                                          Sample((3, 4), perm=(1, 0))])
def _transpose(x, perm):
    return xp.transpose(x, perm)


@_transpose.vjp
def _transpose_vjp(g, ans, x, perm):
    nb = batch_ndim(g, ans)
    inverse = tuple(int(i) + nb for i in np.argsort(perm))
    return (_transpose(g, perm=tuple(range(nb)) + inverse),)


def transpose(a, perm=None, conjugate=False, name=None):
    """Permutes the dimensions of `a` (reverses them when `perm` is None)."""
    ndim = a.ndim if hasattr(a, "ndim") else np.ndim(a)
    perm = tuple(range(ndim - 1, -1, -1)) if perm is None else _static_shape(perm)
    if sorted(perm) != list(range(ndim)):
        raise InvalidArgumentError(f"Transpose: perm {perm} is not a permutation of the "
                                   f"{ndim} dimensions")
    return _transpose(a, perm=perm)


# ---- joining -------------------------------------------------------------------------------

@op("Pack", batchable=True, samples=[Sample((3, 4), (3, 4), axis=0),
                                     Sample((2,), (2,), (2,), axis=1)])
def _pack(*xs, axis=0):
    return xp.stack(xs, axis=axis)


@_pack.vjp
def _pack_vjp(g, ans, *xs, axis=0):
    nb = batch_ndim(g, ans)
    a = normalize_axis(axis, ans.ndim)[0] + nb
    return tuple(_strided_slice(g, key=(slice(None),) * a + (i,)) for i in range(len(xs)))


def stack(values, axis=0, name="stack"):
    """Stacks tensors of one shape along a new axis."""
    values = list(values)
    if not values:
        raise ValueError("stack: values must be a non-empty list of tensors")
    return _pack(*values, axis=int(axis))


@op("ConcatV2", batchable=True, samples=[Sample((3, 4), (2, 4), axis=0),
                                         Sample((2, 1), (2, 3), (2, 2), axis=-1)])
def _concat(*xs, axis=0):
    return xp.concatenate(xs, axis=axis)


@_concat.vjp
def _concat_vjp(g, ans, *xs, axis=0):
    nb = batch_ndim(g, ans)
    a = normalize_axis(axis, ans.ndim)[0]
    grads, start = [], 0
    for x in xs:
        stop = start + x.shape[a]
        grads.append(_strided_slice(g, key=(slice(None),) * (a + nb) + (slice(start, stop),)))
        start = stop
    return tuple(grads)


def concat(values, axis, name="concat"):
    """Joins tensors along an existing axis."""
    values = list(values)
    if not values:
        raise ValueError("concat: values must be a non-empty list of tensors")
    if len(values) == 1:
        return identity(values[0])
    return _concat(*values, axis=int(axis))


# ---- slicing -------------------------------------------------------------------------------

@op("StridedSlice", batchable=True, samples=[
    Sample((4, 5), key=(slice(1, 3), slice(None, None, 2))),
    Sample((3, 4, 5), key=(Ellipsis, 1)),
    Sample((4, 3), key=(None, slice(None, None, -1), 0)),
    Sample((5,), key=(2,)),
])
def _strided_slice(x, key):
    return x[key]


@_strided_slice.vjp
def _strided_slice_vjp(g, ans, x, key):
    return (_strided_slice_grad(g, shape=tuple(x.shape), key=key, ans_ndim=ans.ndim),)


@op("StridedSliceGrad", batchable=True, samples=[
    Sample((2, 3), shape=(4, 5), key=(slice(1, 3), slice(None, None, 2)), ans_ndim=2)])
def _strided_slice_grad(g, shape, key, ans_ndim):
    nb = g.ndim - ans_ndim
    out = xp.zeros(tuple(g.shape[:nb]) + tuple(shape), dtype=g.dtype)
    out[(slice(None),) * nb + key] = g
    return out


@_strided_slice_grad.vjp
def _strided_slice_grad_vjp(gg, ans, g, shape, key, ans_ndim):
    nb = batch_ndim(gg, ans)
    return (_strided_slice(gg, key=(slice(None),) * nb + key),)


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
                    f"scalar tf.int32/tf.int64 tensors are valid indices, got {k!r}")
            out.append(int(v))
        elif isinstance(k, slice):
            out.append(slice(*(int(s) if hasattr(s, "_value") else s
                               for s in (k.start, k.stop, k.step))))
        elif k is None or k is Ellipsis or isinstance(k, (int, np.integer)):
            out.append(k)
        else:
            raise TypeError(
                "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                f"tf.int32/tf.int64 tensors are valid indices, got {k!r}")
    return tuple(out)


# ---- gather --------------------------------------------------------------------------------

def _indices_sample(rng, high=3, shape=(4,)):
    return rng.integers(0, high, size=shape).astype("int32")


@op("GatherV2", same_dtype=(), samples=[
    Sample((3, 4), _indices_sample, axis=0, batch_dims=0, wrt=(0,)),
    Sample((4, 3), _indices_sample, axis=1, batch_dims=0, wrt=(0,)),
    Sample((2, 3, 4), lambda rng: _indices_sample(rng, 3, (2, 5)), axis=1, batch_dims=1,
           wrt=(0,)),
])
def _gather(params, indices, axis=0, batch_dims=0):
    n = params.shape[axis]
    if indices.size and (indices.min() < -n or indices.max() >= n):
        bad = indices[(indices < -n) | (indices >= n)].reshape(-1)[0]
        raise InvalidArgumentError(
            f"GatherV2: indices contains {int(bad)}, not in [0, {n}) (params shape "
            f"{tuple(params.shape)}, axis {axis})")
    if batch_dims == 0:
        return xp.take(params, indices, axis=axis)
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
    perm = (tuple(range(b)) + tuple(range(b + n_i, b + n_i + n_pre))
            + tuple(range(b, b + n_i)) + tuple(range(b + n_i + n_pre, out.ndim)))
    return xp.transpose(out, perm)


@_gather.vjp
def _gather_vjp(g, ans, params, indices, axis=0, batch_dims=0):
    from .math import unsorted_segment_sum

    pshape = tuple(params.shape)
    if axis == 0 and batch_dims == 0:
        n_idx = int(np.prod(indices.shape))
        values = _reshape(g, shape=(n_idx,) + pshape[1:])
        return IndexedSlices(values, _reshape(indices, shape=(n_idx,)), pshape), None
    b = batch_dims
    n_b = int(np.prod(pshape[:b]))
    n_a = pshape[axis]
    n_pre = axis - b
    n_i = indices.ndim - b
    # g is B + pre + I + post: bring I before pre, then flatten B*I into one segment axis.
    perm = (tuple(range(b)) + tuple(range(b + n_pre, b + n_pre + n_i))
            + tuple(range(b, b + n_pre)) + tuple(range(b + n_pre + n_i, g.ndim)))
    gt = _transpose(g, perm=perm)
    rest = tuple(gt.shape[b + n_i:])
    flat = _reshape(gt, shape=(-1,) + rest)
    offsets = np.arange(n_b).reshape((-1,) + (1,) * n_i) * n_a
    ids = (np.asarray(indices._value) % n_a).reshape((n_b,) + tuple(indices.shape[b:])) + offsets
    summed = unsorted_segment_sum(flat, ids.reshape(-1), n_b * n_a)
    summed = _reshape(summed, shape=pshape[:b] + (n_a,) + rest)
    # B + (A,) + pre + post  ->  B + pre + (A,) + post
    back = (tuple(range(b)) + tuple(range(b + 1, b + 1 + n_pre)) + (b,)
            + tuple(range(b + 1 + n_pre, len(pshape))))
    return _transpose(summed, perm=back), None


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Gathers slices of `params` along `axis` at `indices` (rows of a variable: sparse grad)."""
    ndim = params.ndim if hasattr(params, "ndim") else np.ndim(params)
    axis = batch_dims if axis is None else int(axis)
    if axis < 0:
        axis += ndim
    idx_ndim = indices.ndim if hasattr(indices, "ndim") else np.ndim(indices)
    if batch_dims < 0:
        batch_dims += idx_ndim
    if batch_dims > axis:
        raise InvalidArgumentError(f"GatherV2: batch_dims ({batch_dims}) must be <= axis "
                                   f"({axis})")
    return _gather(params, indices, axis=axis, batch_dims=int(batch_dims))


API = {
    "tf": ["identity", "stop_gradient", "reshape", "broadcast_to", "transpose", "stack",
           "concat", "gather"],
}
