"""backend/native/pool.py: the pooling kernels against the NumPy code they replace, bitwise
(values, NaN and inf, ties, padding, overlapping and disjoint windows). Run when Numba is
installed."""

import numpy as np
import pytest

from tapeflow import backend
from tapeflow.backend import conv, native
from tapeflow.ops.conv import _window

pytestmark = [
    pytest.mark.skipif(not native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native kernels run on NumPy arrays only"),
]

# (input shape, kernel, strides, padding)
CASES = [
    ((2, 8, 8, 3), (2, 2), (2, 2), "VALID"),  # disjoint windows
    ((2, 7, 9, 4), (3, 3), (2, 2), "SAME"),  # overlapping, padded
    ((1, 6, 5, 2), (2, 3), (1, 2), ((1, 0), (1, 1))),  # explicit padding
    ((3, 5, 5, 1), (5, 5), (1, 1), "VALID"),  # one window
]


def _both(function, *args):
    """(native result, NumPy result) of `function(*args)`."""
    got = function(*args)
    native.set_enabled(False)
    try:
        return got, function(*args)
    finally:
        native.set_enabled(True)


def _bits(a):
    return a.dtype, a.shape, a.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_pooling_kernels_equal_the_numpy_code_bitwise(case, dtype, rng):
    shape, kernel, strides, padding = case
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[:5] = [np.nan, np.inf, -np.inf, 0.0, 0.0]
    flat[7:10] = flat[10]  # ties: the gradient goes to the first of them
    win = _window("MaxPool", shape, kernel, strides, padding)
    y, y_ref = _both(conv.max_pool, x, win)
    np.testing.assert_array_equal(y, y_ref)  # (NaN equal; a tied zero's sign may differ)
    g = rng.standard_normal(y.shape).astype(dtype)
    g.reshape(-1)[-1] = np.inf  # leaks into its window as NaN, in both
    with np.errstate(invalid="ignore"):
        dx, dx_ref = _both(conv.max_pool_grad, x, y_ref, g, win)
        assert _bits(dx) == _bits(dx_ref)
        a, a_ref = _both(conv.avg_pool, x, win)
        assert _bits(a) == _bits(a_ref)
        da, da_ref = _both(conv.avg_pool_grad, g, shape, win)
        assert _bits(da) == _bits(da_ref)
    assert dx.shape == da.shape == shape


def test_max_pool_values_and_gradient_by_hand():
    x = np.array([[1, 5, 2, 2], [3, 5, 0, 1], [7, 0, 4, 4], [0, 0, 4, 1]], np.float32)
    x = x.reshape(1, 4, 4, 1)
    win = _window("MaxPool", x.shape, (2, 2), (2, 2), "VALID")
    y = conv.max_pool(x, win)
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 2], [7, 4]])
    dx = conv.max_pool_grad(x, y, np.array([10, 20, 30, 40], np.float32).reshape(y.shape), win)
    # Ties at (0, 2)/(0, 3) and (2, 2)/(2, 3)/(3, 2): the first in row-major order takes it.
    expected = [[0, 10, 20, 0], [0, 0, 0, 0], [30, 0, 40, 0], [0, 0, 0, 0]]
    np.testing.assert_array_equal(dx[0, :, :, 0], expected)
    np.testing.assert_array_equal(conv.avg_pool(x, win)[0, :, :, 0], [[3.5, 1.25], [1.75, 3.25]])


def test_integer_pooling_keeps_the_numpy_code(rng):
    x = rng.integers(-50, 50, (2, 6, 6, 2)).astype(np.int32)
    win = _window("MaxPool", x.shape, (2, 2), (2, 2), "VALID")
    y, y_ref = _both(conv.max_pool, x, win)
    assert _bits(y) == _bits(y_ref) and y.dtype == np.int32
