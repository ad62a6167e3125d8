"""tapeflow.experimental.numpy_dispatch: NumPy's ufuncs and functions on tensors return
recorded tensors (gradients checked across the ufuncs); off by default, as TF."""

import numpy as np
import pytest

import tapeflow as tf

tnp = tf.experimental.numpy


@pytest.fixture
def dispatch():
    previous = tf.experimental.numpy_dispatch(True)
    yield
    tf.experimental.numpy_dispatch(previous)


def test_off_by_default_numpy_returns_arrays_as_in_tf():
    assert not tf.experimental.numpy_dispatch_enabled()
    t = tf.constant([0.5, 1.0])
    assert type(np.sin(t)) is np.ndarray
    assert isinstance(np.ones(2) + t, tf.Tensor)  # TF's reflected operator, unchanged
    assert type(np.mean(t)) in (np.float32, np.float64)


# Domains where every ufunc below is defined and smooth.
POSITIVE = {"sqrt", "log", "log1p", "log2", "log10", "reciprocal", "arccosh", "cbrt", "divide",
            "power"}  # fmt: skip
UNIT = {"arcsin", "arccos", "arctanh", "tan"}


def _float_ufuncs():
    out = []
    for ufunc, fn in tnp.UFUNCS.items():
        if ufunc.nin not in (1, 2) or ufunc.__name__ in ("floor", "ceil", "rint", "round",
                                                           "sign", "floor_divide",
                                                           "remainder", "fmod"):  # fmt: skip
            continue  # piecewise constant: no gradient to check
        probe = fn(*[tf.constant([0.3], tf.float64)] * ufunc.nin)
        if probe.dtype == tf.float64:
            out.append(ufunc)
    return sorted(out, key=lambda u: u.__name__)


UFUNCS = _float_ufuncs()


@pytest.mark.parametrize("ufunc", UFUNCS, ids=[u.__name__ for u in UFUNCS])
def test_ufunc_values_and_gradients(ufunc, dispatch, rng):
    name = ufunc.__name__
    low, high = (0.2, 2.0) if name in POSITIVE else (-0.8, 0.8) if name in UNIT else (-2.0, 2.0)
    if name == "arccosh":
        low, high = 1.2, 3.0
    args = [rng.uniform(low, high, (2, 3)) for _ in range(ufunc.nin)]
    tensors = [tf.constant(a) for a in args]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        out = ufunc(*tensors)
    assert isinstance(out, tf.Tensor), type(out)
    np.testing.assert_allclose(out.numpy(), ufunc(*args), rtol=1e-12, atol=1e-12)
    assert tape.gradient(out, tensors)[0] is not None
    theoretical, numerical = tf.test.compute_gradient(lambda *xs: ufunc(*xs), tensors)
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, rtol=1e-5, atol=1e-6)


def test_every_differentiable_numpy_ufunc_tapeflow_has_is_checked():
    names = {u.__name__ for u in UFUNCS}
    assert {"sin", "exp", "log", "tanh", "add", "multiply", "divide", "power",
            "maximum", "arctan2", "hypot", "logaddexp", "sqrt", "square"} <= names  # fmt: skip


def test_numpy_functions_record_and_differentiate(dispatch, rng):
    x = tf.constant(rng.standard_normal((3, 4)))
    w = rng.standard_normal((4, 2))
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = np.tanh(x @ w)  # Tensor @ ndarray
        m = np.mean(h, axis=0)  # __array_function__
        s = np.sum(np.concatenate([h, np.square(h)], axis=1))
        r = np.add.reduce(np.exp(x), axis=1)  # ufunc.reduce
        total = s + np.sum(m) + np.sum(r)
    assert all(isinstance(v, tf.Tensor) for v in (h, m, s, r, total))
    g = tape.gradient(total, x)
    xv = x.numpy()
    hv = np.tanh(xv @ w)
    dh = 1 + 2 * hv + 1 / 3
    want = (dh * (1 - hv**2)) @ w.T + np.exp(xv)
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-10)


def test_ndarray_on_the_left_dispatches_with_numpy_promotion(dispatch):
    t = tf.constant([1.0, 2.0], tf.float32)
    out = np.ones(2) @ t  # ndarray.__matmul__ -> np.matmul -> tnp.matmul
    assert isinstance(out, tf.Tensor) and out.dtype == tf.float64  # NumPy's rule
    assert (np.ones(2) + t).dtype == tf.float64


def test_unsupported_numpy_functions_run_on_arrays(dispatch):
    t = tf.constant([3.0, 1.0, 3.0])
    u = np.unique(t)
    assert type(u) is np.ndarray
    np.testing.assert_array_equal(u, [1.0, 3.0])
    out = np.add(t, t, out=np.empty(3))  # `out=`: NumPy writes the array
    assert type(out) is np.ndarray


def test_switching_off_restores_tf_behaviour():
    tf.experimental.numpy_dispatch(True)
    assert isinstance(np.sin(tf.constant([1.0])), tf.Tensor)
    tf.experimental.numpy_dispatch(False)
    assert type(np.sin(tf.constant([1.0]))) is np.ndarray


def test_explainer_names_a_numpy_function_tnp_lacks(dispatch):
    x = tf.constant([0.5, 0.25])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.constant(np.unique(x)) * 2.0  # np.unique: no tnp version
        loss = tf.reduce_sum(y)
    report = tf.debugging.explain_gradients(tape, loss, [x])
    assert report[0].cause == "numpy" and "np.unique" in report[0].site.code
