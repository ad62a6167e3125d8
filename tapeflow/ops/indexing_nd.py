"""Indexing by coordinate tuples: gather_nd, scatter_nd, tensor_scatter_nd_update/add/sub/
min/max."""

import numpy as np

from ..backend import array_module, to_numpy, xp
from ..core import string_values
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor, wrap
from . import _args
from .array import _check_same_dtype, _dims, _zeros_like
from .array_join import _concat
from .indexing import _first_bad, _indices_sample

# ---- gather_nd and scatter -----------------------------------------------------------------


def _nd_index(op_name, indices, shape, what="shape"):
    """The last axis of `indices` as a tuple of index arrays, checked against `shape`."""
    if indices.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"{op_name}: indices must be int32 or int64, got {indices.dtype}"
        )
    if indices.ndim == 0:
        raise InvalidArgumentError(f"{op_name}: indices must be at least a vector, got a scalar")
    k = indices.shape[-1]
    if k > len(shape):
        raise InvalidArgumentError(
            f"{op_name}: the last dimension of indices ({k}) must be <= "
            f"the rank of the {what} {list(shape)}"
        )
    m = array_module(indices)  # host indices pick text
    bad = m.any((indices < 0) | (indices >= m.asarray(shape[:k], dtype=indices.dtype)), -1)
    if bad.any():
        pos = _first_bad(bad)
        raise InvalidArgumentError(
            f"{op_name}: indices{list(pos)} = {indices[pos].tolist()} "
            f"does not index into {what} {list(shape)}"
        )
    return tuple(m.moveaxis(indices, -1, 0))


def _nd_sample(rng, high=(3, 4), rows=(5,)):
    return np.stack([rng.integers(0, h, size=rows) for h in high], -1).astype("int32")


@op(
    "GatherNd",
    same_dtype=(),
    samples=[
        Sample((3, 4, 2), _nd_sample, wrt=(0,)),
        Sample((3, 4), lambda rng: _nd_sample(rng, (3,), (2, 2)), wrt=(0,)),
    ],
)
def _gather_nd(params, indices):
    if params.dtype == object:  # text stays on the host, so do the indices that pick it
        indices = to_numpy(indices)
    index = _nd_index("GatherNd", indices, params.shape, "param shape")
    if not index:  # an empty index picks all of params for every row
        return xp.broadcast_to(params, indices.shape[:-1] + params.shape).copy()
    return string_values.boxed(params[index])


@_gather_nd.vjp
def _gather_nd_vjp(g, ans, params, indices):
    return _scatter_nd(indices, g, shape=tuple(params.shape)), None


def gather_nd(params, indices, batch_dims=0, name=None):
    """Gathers `params[indices[..., :]]`: the last axis of `indices` indexes params' first ones.

    With `batch_dims=b`, row `i` of the first b (batch) dimensions of indices indexes
    `params[i]`.
    """
    indices = convert_to_tensor(indices)
    b = int(batch_dims)
    if b:
        batch = tuple(_dims(params)[:b])
        if tuple(indices.shape[:b]) != batch:
            raise InvalidArgumentError(
                f"GatherNd: the first {b} (batch) dimensions of params "
                f"{list(_dims(params))} and indices "
                f"{list(indices.shape)} must match"
            )
        # Prepend each row's batch coordinates, then gather from params with the batch
        # dimensions flattened into one.
        coords = np.stack(np.meshgrid(*[np.arange(d) for d in batch], indexing="ij"), -1)
        lead = tuple(indices.shape[:-1])
        coords = coords.reshape(batch + (1,) * (len(lead) - b) + (b,))
        coords = wrap(xp.asarray(np.broadcast_to(coords, lead + (b,)), dtype=indices._value.dtype))
        indices = _concat(coords, indices, axis=-1)
    return _gather_nd(params, indices)


def _scatter_index(op_name, indices, updates, shape):
    index = _nd_index(op_name, indices, shape)
    expected = tuple(indices.shape[:-1]) + tuple(shape[indices.shape[-1] :])
    if tuple(updates.shape) != expected:
        raise InvalidArgumentError(
            f"{op_name}: updates must have shape indices.shape[:-1] + shape[indices.shape[-1]:]"
            f" = {list(expected)}, got {list(updates.shape)} (indices {list(indices.shape)}, "
            f"shape {list(shape)})"
        )
    if not index:
        raise InvalidArgumentError(
            f"{op_name}: indices with an empty last dimension are not supported"
        )
    return index


def _unique_rows(rng, high=5, n=3):
    return rng.permutation(high)[:n].reshape(n, 1).astype("int32")


@op(
    "ScatterNd",
    same_dtype=(),
    samples=[
        Sample(lambda rng: _indices_sample(rng, 5, (4, 1)), (4, 3), shape=(5, 3), wrt=(1,)),
        Sample(_nd_sample, (5,), shape=(3, 4), wrt=(1,)),
    ],
)
def _scatter_nd(indices, updates, shape):
    index = _scatter_index("ScatterNd", indices, updates, shape)
    out = xp.zeros(shape, dtype=updates.dtype)
    xp.add.at(out, index, updates)  # repeated indices add up
    return out


@_scatter_nd.vjp
def _scatter_nd_vjp(g, ans, indices, updates, shape):
    return None, _gather_nd(g, indices)


def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape` with `updates` added at `indices` (repeated indices add up)."""
    return _scatter_nd(indices, updates, shape=_args.shape(shape, "ScatterNd"))


_TENSOR_SCATTER = [
    Sample((5, 3), _unique_rows, (3, 3), wrt=(0, 2)),
    Sample((3, 4), lambda rng: _nd_sample(rng, (3, 4), (2,)), (2,), wrt=(0, 2)),
]


@op("TensorScatterUpdate", same_dtype=(0, 2), samples=_TENSOR_SCATTER)
def _tensor_scatter_update(tensor, indices, updates):
    out = tensor.copy()
    out[_scatter_index("TensorScatterUpdate", indices, updates, tensor.shape)] = updates
    return out


@_tensor_scatter_update.vjp
def _tensor_scatter_update_vjp(g, ans, tensor, indices, updates):
    g_updates = _gather_nd(g, indices)
    return _tensor_scatter_update(g, indices, _zeros_like(g_updates)), None, g_updates


@op("TensorScatterAdd", numbers=True, same_dtype=(0, 2), samples=_TENSOR_SCATTER)
def _tensor_scatter_add(tensor, indices, updates):
    out = tensor.copy()
    xp.add.at(out, _scatter_index("TensorScatterAdd", indices, updates, tensor.shape), updates)
    return out


@_tensor_scatter_add.vjp
def _tensor_scatter_add_vjp(g, ans, tensor, indices, updates):
    return g, None, _gather_nd(g, indices)


@op("TensorScatterSub", numbers=True, same_dtype=(0, 2), samples=_TENSOR_SCATTER)
def _tensor_scatter_sub(tensor, indices, updates):
    out = tensor.copy()
    xp.subtract.at(
        out, _scatter_index("TensorScatterSub", indices, updates, tensor.shape), updates
    )
    return out


@_tensor_scatter_sub.vjp
def _tensor_scatter_sub_vjp(g, ans, tensor, indices, updates):
    return g, None, -_gather_nd(g, indices)


@op("TensorScatterMin", numbers=True, same_dtype=(0, 2), samples=_TENSOR_SCATTER)
def _tensor_scatter_min(tensor, indices, updates):
    out = tensor.copy()
    xp.minimum.at(out, _scatter_index("TensorScatterMin", indices, updates, tensor.shape), updates)
    return out


@op("TensorScatterMax", numbers=True, same_dtype=(0, 2), samples=_TENSOR_SCATTER)
def _tensor_scatter_max(tensor, indices, updates):
    out = tensor.copy()
    xp.maximum.at(out, _scatter_index("TensorScatterMax", indices, updates, tensor.shape), updates)
    return out


@_tensor_scatter_min.vjp
def _tensor_scatter_min_or_max_vjp(g, ans, tensor, indices, updates):
    # TF's rule: the gradient of each output entry is shared evenly by the inputs (the old
    # entry and the updates) that equal it.
    from .logic import equal
    from .math import _cast

    x_hits = _cast(equal(tensor, ans), dtype=g.dtype.name)
    y_hits = _cast(equal(updates, _gather_nd(ans, indices)), dtype=g.dtype.name)
    hits = x_hits + _scatter_nd(indices, y_hits, shape=tuple(tensor.shape))  # >= 1 everywhere
    return g * x_hits / hits, None, _gather_nd(g / hits, indices) * y_hits


_tensor_scatter_max.vjp(_tensor_scatter_min_or_max_vjp)


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of `tensor` with the entries (or slices) at `indices` replaced by `updates`."""
    _check_same_dtype("TensorScatterUpdate", tensor, updates)
    return _tensor_scatter_update(tensor, indices, updates)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` added at `indices` (repeated indices add up)."""
    _check_same_dtype("TensorScatterAdd", tensor, updates)
    return _tensor_scatter_add(tensor, indices, updates)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` subtracted at `indices`."""
    _check_same_dtype("TensorScatterSub", tensor, updates)
    return _tensor_scatter_sub(tensor, indices, updates)


def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """A copy of `tensor` where each entry at `indices` is the minimum of it and its updates."""
    _check_same_dtype("TensorScatterMin", tensor, updates)
    return _tensor_scatter_min(tensor, indices, updates)


def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """A copy of `tensor` where each entry at `indices` is the maximum of it and its updates."""
    _check_same_dtype("TensorScatterMax", tensor, updates)
    return _tensor_scatter_max(tensor, indices, updates)


API = {
    "tf": [
        "gather_nd",
        "scatter_nd",
        "tensor_scatter_nd_update",
        "tensor_scatter_nd_add",
        "tensor_scatter_nd_sub",
        "tensor_scatter_nd_min",
        "tensor_scatter_nd_max",
    ],
}
