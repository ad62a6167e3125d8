"""Array helpers of the optimizers: gradients to arrays, sparse rows, clipping, in-place writes.

Everything here works on backend arrays (`xp`), never on Tensors, so an optimizer step
dispatches no op and records nothing on an active tape.
"""

from __future__ import annotations

import numpy as np

from ...backend import xp
from ...core.indexed_slices import IndexedSlices
from ...core.tensor import Operand, convert_to_tensor


def inplace(variable):
    """The array of `variable`, safe to write into: copied first if anything else holds it.

    Variables are copy-on-write (see `core/variable.py`): a Tensor read from the variable or
    a tape's saved input may share its array, and must not see the write.
    """
    if not variable._owns_array():
        # In the array's own memory layout: the next matmul on it then takes the same BLAS
        # path (and rounding) whether the write was in place (eager) or copied (a plan).
        variable._value = variable._value.copy(order="K")
    return variable._value


def as_array(x):
    """The backend array of a Tensor, Variable, NumPy array or Python value."""
    if isinstance(x, Operand):
        return x._value
    return convert_to_tensor(x)._value


def scatter_add(target, indices, values):
    """`target[indices] += values`, with repeated indices adding up."""
    if xp is np:
        np.add.at(target, indices, values)
    else:  # pragma: no cover - needs a GPU
        import cupyx

        cupyx.scatter_add(target, indices, values)


def sparse_rows(grad: IndexedSlices, variable, dtype):
    """(values, indices) of a sparse gradient: indices in range and unique, duplicates summed.

    Summing first makes a sparse gradient update exactly as its dense sum does. Keras 3
    squares each slice before adding repeated rows (`ops.square` on IndexedSlices), so with
    repeated rows its Adam, RMSprop, Adagrad, Adadelta and Nadam moments differ from those
    of the same gradient given dense; with unique rows both agree."""
    values = as_array(grad.values)
    if values.dtype != dtype:
        values = values.astype(dtype)
    indices = as_array(grad.indices).reshape(-1)
    n = variable._value.shape[0] if variable._value.ndim else 0
    expected = (indices.shape[0],) + tuple(variable._value.shape[1:])
    if tuple(values.shape) != expected:
        raise ValueError(
            f"Optimizer: the IndexedSlices gradient of variable {variable.name} has values of "
            f"shape {tuple(values.shape)} for {indices.shape[0]} indices; the variable has "
            f"shape {tuple(variable._value.shape)}, so values should be {expected}"
        )
    if indices.size:
        low, high = int(indices.min()), int(indices.max())
        if low < -n or high >= n:
            bad = low if low < -n else high
            raise ValueError(
                f"Optimizer: the IndexedSlices gradient of variable "
                f"{variable.name} has index {bad}, not in [0, {n})"
            )
        if low < 0:
            indices = xp.where(indices < 0, indices + n, indices)
    unique, inverse = xp.unique(indices, return_inverse=True)
    if unique.shape[0] == indices.shape[0]:
        return values, indices
    summed = xp.zeros((unique.shape[0],) + tuple(values.shape[1:]), dtype=values.dtype)
    scatter_add(summed, inverse.reshape(-1), values)
    return summed, unique


def densify(values, indices, shape):
    dense = xp.zeros(shape, dtype=values.dtype)
    dense[indices] = values  # indices are unique here
    return dense


def values_of(g):
    """The array holding a gradient's numbers (its rows for a sparse gradient)."""
    return g.values if isinstance(g, IndexedSlices) else g


def map_values(g, fn):
    """`fn` applied to a gradient's numbers, keeping it sparse if it is."""
    if isinstance(g, IndexedSlices):
        return IndexedSlices(fn(g.values), g.indices, g.dense_shape)
    return fn(g)


def clip_by_norm(a, clip_norm):
    """TF's `clip_by_norm` over all axes: `a * clip_norm / max(norm(a), clip_norm)`."""
    c = a.dtype.type(clip_norm)
    l2norm = xp.sqrt(xp.sum(a * a))
    return a * c / xp.maximum(l2norm, c)


def clip_by_global_norm(grads: list, clip_norm) -> list:
    """Keras 3's global clipping: every gradient scaled by `clip_norm / max(global_norm, ...)`.

    A non-finite global norm makes the scale NaN (Keras does the same, on purpose).
    """
    arrays = [values_of(g) for g in grads]
    dt = arrays[0].dtype.type
    use_norm = xp.sqrt(xp.sum(xp.stack([xp.sum(a * a).astype(dt) for a in arrays])))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_for_finite = clip_norm * xp.minimum(1.0 / use_norm, 1.0 / clip_norm)
        scale = scale_for_finite + (use_norm - use_norm)
    return [map_values(g, lambda a: a * scale.astype(a.dtype)) for g in grads]


_casts = {}


def keras_cast(value, dt):
    """Keras' `ops.cast(python_number, dtype)`: TensorFlow first makes a Python float a
    float32 tensor, so float64 variables see float32-rounded hyperparameters in Keras.
    Reproduced so that float64 runs give Keras' numbers too. Memoized: it runs per step."""
    key = (value, dt)
    out = _casts.get(key)
    if out is None:
        out = dt(np.float32(value)) if isinstance(value, float) else dt(value)
        if len(_casts) < 4096:
            _casts[key] = out
    return out
