"""`tf.test.compute_gradient`: theoretical (tape) and numerical (central difference) jacobians.

Same contract as TF's gradient_checker_v2: for y = f(*x), one 2-D jacobian per argument with
y.size rows and x[i].size columns (row r = d y.flat[r] / d x[i].flat), in x[i]'s dtype.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..core.indexed_slices import IndexedSlices
from ..core.tape import GradientTape
from ..core.tensor import convert_to_tensor

# Above this many outputs the theoretical jacobian is built row by row: the vectorised
# jacobian holds a (y.size, y.size) identity, too much memory for large outputs.
_VECTORISED_MAX_ROWS = 1024
_ALLOWED = ("float16", "float32", "float64")


def compute_gradient(f, x, delta=None):
    """Computes the theoretical and numeric Jacobian of `f` at the arguments `x`.

    Args:
      f: a function of `len(x)` tensors returning one tensor.
      x: a list or tuple of the arguments (values convertible to tensors).
      delta: the step of the central differences, by default 1/1024 (exact in binary
        floating point, which keeps rounding noise out of the differences).

    Returns:
      A pair `(theoretical, numerical)` of tuples with one 2-D NumPy array per argument,
      each with `y.size` rows and `x[i].size` columns.
    """
    if not isinstance(x, (list, tuple)):
        raise ValueError(
            "`x` must be a list or tuple of values convertible to a Tensor (arguments to "
            f"`f`), not a {type(x)}"
        )
    delta = 1.0 / 1024 if delta is None else delta
    xs = [convert_to_tensor(v) for v in x]
    y = convert_to_tensor(f(*xs))
    pairs = [_compute_gradient(f, y, xs, i, delta) for i in range(len(xs))]
    return tuple(zip(*pairs, strict=True))


def _compute_gradient(f, y, xs, param, delta):
    # TF asserts here too: a test helper, not a user-input check.
    for what, dtype in ((f"argument {param}", xs[param].dtype), ("y", y.dtype)):
        assert dtype.name in _ALLOWED, (
            f"Cannot compute gradient for unsupported type {dtype.name} of {what}"
        )
    return _theoretical(f, y, xs, param), _numerical(f, y, xs, param, delta)


def _theoretical(f, y, xs, param):
    """Row r: the gradient of f w.r.t. xs[param] with a one-hot upstream gradient at r."""
    x = xs[param]
    y_size, x_size = int(np.prod(y.shape.as_list())), int(np.prod(x.shape.as_list()))
    dtype = x.dtype.as_numpy_dtype
    if y_size == 0:
        _check_empty_output(f, xs, param)
        return np.zeros((0, x_size), dtype=dtype)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        out = f(*xs)
    if y_size <= _VECTORISED_MAX_ROWS:
        jac = tape.jacobian(out, x, unconnected_gradients="zero")
        return np.asarray(jac.numpy(), dtype=dtype).reshape(y_size, x_size)
    jacobian = np.zeros((y_size, x_size), dtype=dtype)
    seed = np.zeros(y_size, dtype=y.dtype.as_numpy_dtype)
    shape = tuple(y.shape.as_list())
    for row in range(y_size):
        seed[row] = 1
        g = tape.gradient(out, x, output_gradients=seed.reshape(shape))
        seed[row] = 0
        if g is not None:
            jacobian[row] = _dense(g).reshape(-1)
    return jacobian


def _check_empty_output(f, xs, param):
    """TF runs the backward pass of an empty output once: its gradient must be zeros."""
    with GradientTape() as tape:
        tape.watch(xs[param])
        out = f(*xs)
    g = tape.gradient(out, xs[param])
    if g is None:
        return
    g = _dense(g)
    if g.shape != tuple(xs[param].shape.as_list()):
        raise ValueError(
            f"Empty gradient has wrong shape: expected {xs[param].shape}, got {g.shape}"
        )
    if np.any(g):
        raise ValueError("Empty tensor with nonzero gradients")


def _numerical(f, y, xs, param, delta):
    """Column c: (f(x + delta e_c) - f(x - delta e_c)) / (2 delta), in y's dtype as TF does."""
    values = [np.array(to_numpy(v._value), copy=True) for v in xs]
    x = values[param]
    flat = x.reshape(-1)  # a view: perturbing it perturbs the argument
    y_dtype = y.dtype.as_numpy_dtype
    y_size = int(np.prod(y.shape.as_list()))
    scale = np.asarray(2 * delta, dtype=y_dtype)[()]
    jacobian = np.zeros((y_size, flat.size), dtype=x.dtype)

    def evaluate():
        # Copied at once: f may return (a view of) its argument, which is perturbed next.
        return np.array(to_numpy(convert_to_tensor(f(*map(convert_to_tensor, values)))._value))

    for col in range(flat.size):
        original = flat[col]
        flat[col] += delta
        y_pos = evaluate()
        flat[col] = original
        flat[col] -= delta
        y_neg = evaluate()
        flat[col] = original
        jacobian[:, col] = ((y_pos - y_neg) / scale).reshape(-1)
    return jacobian


def _dense(g) -> np.ndarray:
    if isinstance(g, IndexedSlices):
        g = convert_to_tensor(g)
    return np.asarray(g.numpy())
