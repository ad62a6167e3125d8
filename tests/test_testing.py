"""`compute_gradient` (tf.test.compute_gradient): TF's layout, dtypes and numbers (golden),
and analytic jacobians."""

import json
import os

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.testing import compute_gradient as cg_module
from tapeflow.testing.compute_gradient import compute_gradient

GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "golden", "random_debug.json")))[
    "compute_gradient"
]


def _args(case):
    return [
        a if d is None else np.array(a, dtype=d)
        for a, d in zip(case["args"], case["arg_dtypes"], strict=True)
    ]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_matches_tf(name):
    case = GOLDEN[name]
    f = eval(case["source"], {"tf": tf})
    theoretical, numerical = compute_gradient(f, _args(case), delta=case["delta"])
    assert [type(theoretical).__name__, type(numerical).__name__] == case["structure"]
    assert [t.dtype.name for t in theoretical] == case["dtypes"]
    assert [n.dtype.name for n in numerical] == case["numerical_dtypes"]
    for ours, theirs in zip(theoretical, case["theoretical"], strict=True):
        np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-6, atol=1e-7)
    # Same step and dtype: the differences agree up to last-bit differences of f itself
    # (NumPy's log is not Eigen's), which the difference quotient amplifies by 1 / (2 delta).
    y = np.asarray(f(*[tf.constant(a) for a in _args(case)]))
    delta = case["delta"] or 1 / 1024
    tol = 2 * np.spacing(np.abs(y).max().astype(y.dtype)) / (2 * delta)
    for ours, theirs in zip(numerical, case["numerical"], strict=True):
        np.testing.assert_allclose(ours, np.array(theirs), rtol=0, atol=float(tol))


def test_real_matmul_when_available():
    if not hasattr(tf, "matmul"):
        pytest.skip("tf.matmul is not in this tapeflow yet")
    case = GOLDEN["matmul_f64"]
    f = eval(case["matmul_source"], {"tf": tf})
    theoretical, numerical = compute_gradient(f, _args(case))
    for ours, theirs in zip(theoretical, case["theoretical"], strict=True):
        np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-12)


# float64: the delta**2 truncation error of central differences dominates
@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-3), (np.float64, 2e-5)])
def test_against_analytic_jacobians(rng, dtype, tol):
    a = rng.normal(size=(3, 4)).astype(dtype)
    x = rng.normal(size=(4,)).astype(dtype)
    w = rng.uniform(0.5, 2.0, size=(3,)).astype(dtype)

    def f(a, x, w):  # y_i = w_i * exp(sum_j a_ij x_j)
        return w * tf.exp(tf.reduce_sum(a * x, axis=1))

    y = w * np.exp(a @ x)
    d_a = np.zeros((3, 3, 4), dtype)
    d_a[np.arange(3), np.arange(3)] = y[:, None] * x  # dy_i/da_jk = [i == j] y_i x_k
    expected = [d_a.reshape(3, 12), y[:, None] * a, np.diag(np.exp(a @ x))]
    theoretical, numerical = compute_gradient(f, [a, x, w])
    for t, n, e in zip(theoretical, numerical, expected, strict=True):
        assert t.dtype == dtype and n.dtype == dtype and t.shape == e.shape
        np.testing.assert_allclose(t, e, rtol=1e-5 if dtype == np.float32 else 1e-12)
        np.testing.assert_allclose(n, e, rtol=tol, atol=tol)


def test_row_by_row_path_matches_vectorised(rng, monkeypatch):
    x = rng.normal(size=(2, 3))
    y = rng.normal(size=(3,))

    def f(x, y):
        return tf.exp(x) * y

    fast = compute_gradient(f, [x, y])
    monkeypatch.setattr(cg_module, "_VECTORISED_MAX_ROWS", 0)
    slow = compute_gradient(f, [x, y])
    for a, b in zip(fast[0] + fast[1], slow[0] + slow[1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_identity_and_unchanged_inputs():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    saved = x.copy()
    theoretical, numerical = compute_gradient(lambda v: v, [x])
    np.testing.assert_array_equal(theoretical[0], np.eye(4))
    np.testing.assert_allclose(numerical[0], np.eye(4), atol=1e-12)  # f returns its argument
    np.testing.assert_array_equal(x, saved)


def test_scalar_argument_and_output():
    theoretical, numerical = compute_gradient(lambda v: v * v * 3.0, [np.float64(2.0)])
    assert theoretical[0].shape == (1, 1) and theoretical[0][0, 0] == 12.0
    np.testing.assert_allclose(numerical[0], [[12.0]])


def test_gather_gradient_is_densified():
    params = np.arange(6.0).reshape(3, 2)
    theoretical, _ = compute_gradient(lambda p: tf.gather(p, tf.constant([2, 0, 2])), [params])
    expected = np.zeros((6, 6))
    for row, src in enumerate([2, 0, 2]):
        expected[2 * row : 2 * row + 2, 2 * src : 2 * src + 2] = np.eye(2)
    np.testing.assert_array_equal(theoretical[0], expected)


def test_empty_output():
    theoretical, numerical = compute_gradient(lambda v: v[:0], [np.array([1.0, 2.0])])
    assert theoretical[0].shape == (0, 2) and numerical[0].shape == (0, 2)


def test_errors():
    with pytest.raises(ValueError, match="must be a list or tuple"):
        compute_gradient(lambda v: v, np.array([1.0]))
    with pytest.raises(AssertionError, match="unsupported type int32 of argument 0"):
        compute_gradient(lambda v: v, [np.array([1, 2], np.int32)])
