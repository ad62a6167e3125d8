"""tf.experimental.numpy against TensorFlow's answers (tests/golden/tnp.json) and NumPy,
experimental_enable_numpy_behavior, and gradients through tnp functions."""

import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf

tnp = tf.experimental.numpy
GOLDEN = json.loads((pathlib.Path(__file__).parent.parent / "golden" / "tnp.json").read_text())


def _compare(case, value):
    if "error" in case:
        raise AssertionError(f"TF raised {case['error']}, tapeflow returned {value!r}")
    if case["type"] in ("list", "int"):
        assert value == case["value"]
        return
    assert (case["type"] == "tensor") == isinstance(value, tf.Tensor), type(value)
    arr = np.asarray(value)
    assert arr.dtype.name == case["dtype"], (arr.dtype, case["dtype"])
    assert list(arr.shape) == case["shape"]
    np.testing.assert_allclose(arr, np.asarray(case["value"], arr.dtype), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(GOLDEN["before"]))
def test_matches_tensorflow(name):
    case = GOLDEN["before"][name]
    _compare(case, eval(case["source"], {"tf": tf, "tnp": tnp, "np": np}))


@pytest.fixture
def numpy_behavior():
    tnp.experimental_enable_numpy_behavior()
    yield
    from tapeflow.experimental.numpy._behavior import _disable_numpy_behavior

    _disable_numpy_behavior()


@pytest.mark.parametrize("name", sorted(GOLDEN["after"]))
def test_numpy_behavior_matches_tensorflow(name, numpy_behavior):
    case = GOLDEN["after"][name]
    _compare(case, eval(case["source"], {"tf": tf, "tnp": tnp, "np": np}))


def test_numpy_behavior_is_off_by_default_and_restored():
    assert not hasattr(tf.constant(1.0), "T")
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant(1) + 1.5


def test_prefer_float32(numpy_behavior):
    tnp.experimental_enable_numpy_behavior(prefer_float32=True)
    assert tnp.asarray(1.5).dtype == tf.float32
    assert tnp.zeros(2).dtype == tf.float32


@pytest.mark.parametrize(
    "name, args",
    [
        ("sin", [[1, 2]]),  # NumPy: integers become float64 (TF 2.21's tnp raises)
        ("isnan", [[1, 2]]),
        ("exp2", [[0.5, 2.0]]),
        ("cbrt", [[-8.0, 27.0]]),
        ("fix" if hasattr(np, "fix") and hasattr(tnp, "fix") else "floor", [[-1.5, 1.5]]),
        ("deg2rad", [[180.0]]),
        ("logical_xor", [[True, False], [True, True]]),
        ("ptp", [[[1.0, 5.0], [2.0, 3.0]]]),
        ("count_nonzero", [[0, 1, 2, 0]]),
        ("moveaxis", [np.zeros((2, 3, 4)), 0, -1]),
        ("atleast_2d", [[1.0, 2.0]]),
        ("dstack", [[np.ones((2, 2)), np.zeros((2, 2))]]),
        ("split", [np.arange(6.0), [1, 4]]),
        ("take_along_axis", [np.array([[3.0, 1.0], [2.0, 4.0]]), np.array([[1], [0]]), 1]),
        ("tril", [np.arange(9.0).reshape(3, 3), -1]),
        ("inner", [np.arange(3.0), np.arange(3.0)]),
        ("tensordot", [np.ones((2, 3)), np.ones((3, 2)), 1]),
        ("einsum", ["ij,jk->ik", np.ones((2, 3)), np.ones((3, 2))]),
        ("diagonal", [np.arange(9.0).reshape(3, 3), 1]),
        ("round", [[0.5, 1.5, 2.675], 2]),
        ("pad", [[1, 2], 1]),
        ("meshgrid", [np.arange(2.0), np.arange(3.0)]),
    ],
)
def test_agrees_with_numpy(name, args):
    got = getattr(tnp, name)(*args)
    want = getattr(np, name)(*args)
    for g, w in zip(tf.nest.flatten(got), tf.nest.flatten(want) if isinstance(want, (list, tuple))
                    else [want]):  # fmt: skip
        g = np.asarray(g)
        assert g.dtype == np.asarray(w).dtype, (g.dtype, np.asarray(w).dtype)
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_tnp_is_differentiable(rng):
    x = tf.constant(rng.standard_normal((3, 4)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tnp.sum(tnp.tanh(tnp.matmul(x, tnp.transpose(x))) * tnp.exp(-tnp.square(x[:, :3])))
    g = tape.gradient(y, x)
    theoretical, numerical = tf.test.compute_gradient(
        lambda x: tnp.sum(tnp.tanh(tnp.matmul(x, tnp.transpose(x))) * tnp.exp(-tnp.square(
            x[:, :3]))), [x])  # fmt: skip
    np.testing.assert_allclose(theoretical[0], numerical[0], rtol=1e-4, atol=1e-5)
    assert g.shape == (3, 4)


def test_ndarray_is_the_tensor_type():
    assert tnp.ndarray is tf.Tensor
    assert isinstance(tnp.asarray([1.0]), tnp.ndarray)
