"""What the preprocessing layers share: inputs as NumPy arrays, `adapt`'s batches, Keras'
categorical encodings (one_hot, multi_hot, count) and argument checks.

Preprocessing runs on NumPy (strings included) and returns Tensors: none of it is
differentiable, and in `Dataset.map` or a model it runs eagerly, as Keras' layers do in a
tf.data pipeline. Inside a `tf.function` the NumPy part is a host callback (`on_host`), run
again on every call, so a trace never keeps the values of the call that made it.
"""

from __future__ import annotations

import numpy as np

from ....backend import to_backend, to_numpy, xp
from ....core import string_values
from ....core.context import state
from ....core.errors import InvalidArgumentError
from ....core.ragged import RaggedTensor
from ....core.tensor import Operand, wrap

ENCODINGS = ("one_hot", "multi_hot", "count")


def on_host(fn, *inputs):
    """`fn(*arrays)` (an array, or a tuple of arrays) as Tensors: run now, and inside a
    tf.function being traced, recorded as a host callback that runs on every call. `fn`
    works on NumPy arrays: on a GPU its inputs come off the device and its results go back.
    """

    host_fn = fn if xp is np else _across_the_device_boundary(fn)
    if state.tracer is None:
        result = host_fn(*[x._value if isinstance(x, Operand) else x for x in inputs])
        return tuple(wrap(r) for r in result) if isinstance(result, tuple) else wrap(result)
    from ....function.host import host_call

    return host_call(host_fn, *inputs)


def _across_the_device_boundary(fn):
    def host_fn(*arrays):
        result = fn(*[to_numpy(a) for a in arrays])
        if isinstance(result, tuple):
            return tuple(to_backend(r) for r in result)
        return to_backend(result)

    return host_fn


def to_array(x) -> np.ndarray:
    """`x` (Tensor, Variable, array, list, scalar) as a NumPy array; text as bytes objects."""
    if isinstance(x, Operand):
        return np.asarray(x.numpy())
    array = np.asarray(x)
    if array.dtype.kind in "US" or (array.dtype == object and array.size):
        return string_array(array)
    return array


def string_array(x) -> np.ndarray:
    """`x` as an object array of `bytes` (str is encoded as UTF-8)."""
    if isinstance(x, Operand):
        return np.asarray(x.numpy())
    array = np.asarray(x)
    if array.dtype == object and all(isinstance(v, bytes) for v in array.reshape(-1).tolist()):
        return array
    flat = [v.encode("utf-8") if isinstance(v, str) else v for v in array.reshape(-1).tolist()]
    if not all(isinstance(v, bytes) for v in flat):
        bad = next(v for v in flat if not isinstance(v, bytes))
        raise TypeError(f"expected text (str or bytes), got {type(bad).__name__} {bad!r}")
    return string_values.bytes_array(flat, array.shape)


def is_string(x) -> bool:
    dtype = getattr(x, "dtype", None)
    if isinstance(x, (Operand, RaggedTensor)):
        return dtype.name == "string"
    array = np.asarray(x) if not isinstance(x, np.ndarray) else x
    if array.dtype.kind in "US":
        return True
    return array.dtype == object and array.size > 0 and isinstance(array.flat[0], (str, bytes))


def is_dataset(x) -> bool:
    from ....data.dataset import Dataset

    return isinstance(x, Dataset)


def adapt_batches(data, steps=None, whole=None):
    """The batches `adapt(data, steps)` learns from, as Keras walks them: each element of a
    Dataset or other iterable (a generator, a PyDataset), else `data` itself as one batch,
    passed through `whole` (lists, tuples, arrays and tensors)."""
    if is_dataset(data):
        if steps is not None:
            data = data.take(steps)
        return iter(data)
    if hasattr(data, "__iter__") and not isinstance(data, (list, tuple, np.ndarray, Operand)):
        if isinstance(data, RaggedTensor):
            return iter([data])

        def limited():
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    return
                yield batch

        return limited()
    return iter([whole(data) if whole is not None else data])


def check_mode(layer, output_mode, allowed):
    if output_mode not in allowed:
        raise ValueError(
            f"{layer}: invalid value for argument `output_mode`. Expected one of "
            f"{list(allowed)}. Received: output_mode={output_mode!r}"
        )


def refuse_sparse(layer, sparse):
    if sparse:
        raise ValueError(
            f"{layer}: sparse=True is not supported by tapeflow (it has no SparseTensor "
            f"outputs yet); use sparse=False for a dense output"
        )


def encode_categorical(indices, output_mode, depth, dtype, count_weights=None, drop=None):
    """Keras' `encode_categorical_inputs` on integer `indices`.

    `one_hot` encodes every element (a last dimension of 1 is replaced by `depth`);
    `multi_hot` and `count` encode each sample along the last axis (axis 1 for rank 3+, as
    Keras does). Indices equal to `drop` (a lookup's mask) count nowhere; any other index
    outside [0, depth) is an error.
    """
    indices = np.asarray(indices)
    if indices.ndim == 0:
        indices = indices.reshape(1)
    valid = np.ones(indices.shape, bool) if drop is None else indices != drop
    bad = valid & ((indices < 0) | (indices >= depth))
    if bad.any():
        raise InvalidArgumentError(
            f"expected category indices in [0, {depth}), got {indices[bad][:5].tolist()}"
        )
    safe = np.where(valid, indices, 0)
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            safe, valid = safe[..., 0], valid[..., 0]
        out = np.zeros(safe.shape + (depth,), dtype)
        np.put_along_axis(out, safe[..., None], 1, axis=-1)
        return out * valid[..., None].astype(dtype)
    # multi_hot / count: one row of counts per sample.
    axis = 1 if indices.ndim > 1 else 0
    moved = np.moveaxis(safe, axis, -1)
    weights = valid.astype(np.float64)
    if count_weights is not None:
        weights = weights * np.broadcast_to(np.asarray(count_weights, np.float64), valid.shape)
    weights = np.moveaxis(weights, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    counts = np.zeros((rows.shape[0], depth), np.float64)
    np.add.at(counts, (np.arange(rows.shape[0])[:, None], rows), weights.reshape(rows.shape))
    counts = counts.reshape(moved.shape[:-1] + (depth,))
    if output_mode == "multi_hot":
        counts = (counts > 0).astype(np.float64)
    out_dtype = dtype if count_weights is None else np.asarray(count_weights).dtype
    return counts.astype(out_dtype)


def count_rows(indices, row_splits, depth, drop=None) -> np.ndarray:
    """Per-row counts (rows, depth) of the flat `indices` of a ragged tensor."""
    rows = np.repeat(np.arange(len(row_splits) - 1), np.diff(row_splits))
    keep = np.ones(indices.shape, bool) if drop is None else indices != drop
    bad = keep & ((indices < 0) | (indices >= depth))
    if bad.any():
        raise InvalidArgumentError(
            f"expected category indices in [0, {depth}), got {indices[bad][:5].tolist()}"
        )
    counts = np.zeros((len(row_splits) - 1, depth), np.float64)
    np.add.at(counts, (rows[keep], indices[keep]), 1.0)
    return counts
