"""`keras.utils.to_categorical` and `keras.utils.normalize`."""

from __future__ import annotations

import numpy as np

from ...core.tensor import Operand


def to_categorical(x, num_classes: int | None = None):
    """One-hot encodes class indices; a trailing axis of size 1 is dropped, as in Keras.

    NumPy input (or a list) gives a float64 NumPy array as Keras does; a Tensor gives a
    float32 Tensor.
    """
    if isinstance(x, Operand):
        from ...ops.array import reshape
        from ...ops.indexing import one_hot

        shape = tuple(x.shape)
        if len(shape) > 1 and shape[-1] == 1:
            x = reshape(x, shape[:-1])
        if num_classes is None:
            num_classes = int(np.max(np.asarray(x))) + 1
        return one_hot(x, int(num_classes))
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            f"to_categorical: class indices must lie in [0, {num_classes}), "
            f"got values from {x.min()} to {x.max()}"
        )
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(input_shape + (num_classes,))


def normalize(x, axis: int = -1, order: int = 2):
    """Divides `x` by its `order`-norm along `axis` (zero norms are left alone)."""
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        axis = axis or -1
        return x / np.expand_dims(norm, axis)
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1, got order={order}")
    from ...core.tensor import convert_to_tensor
    from ...ops.math import maximum, pow
    from ...ops.math_unary import abs as abs_
    from ...ops.math_unary import sqrt, square
    from ...ops.reduce import reduce_sum

    x = convert_to_tensor(x)
    if order == 2:
        norm = sqrt(maximum(reduce_sum(square(x), axis=axis, keepdims=True), 1e-12))
    else:
        norm = pow(reduce_sum(pow(abs_(x), float(order)), axis=axis, keepdims=True), 1.0 / order)
        norm = maximum(norm, 1e-12)
    return x / norm
