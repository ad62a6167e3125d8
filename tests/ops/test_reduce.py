"""Reductions and scans: forward against NumPy, TF golden numbers, axis forms and errors."""

import importlib.util
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError

_spec = importlib.util.spec_from_file_location(
    "make_math", pathlib.Path(__file__).parents[1] / "golden" / "make_math.py"
)
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)
GOLDEN = golden.load()

REDUCE_CASES = [
    "reduce_max_ties", "logsumexp_edges", "reduce_prod_zeros", "reduce_mean_int", "moments",
    "scans", "arg_and_top_k",
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf * 0 inside vjps, as TF computes
@pytest.mark.parametrize("name", REDUCE_CASES)
def test_matches_tensorflow(name):
    result = golden.CASES[name](tf)
    assert set(result) == set(GOLDEN[name])
    for key, expected in GOLDEN[name].items():
        golden.compare(expected, result[key], f"{name}.{key}")


# ---- forward against NumPy, over the axis forms TF accepts ---------------------------------


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


REDUCTIONS = [
    (tf.reduce_sum, np.sum),
    (tf.reduce_mean, np.mean),
    (tf.reduce_max, np.max),
    (tf.reduce_min, np.min),
    (tf.reduce_prod, np.prod),
    (tf.math.reduce_variance, np.var),
    (tf.math.reduce_std, np.std),
    (tf.reduce_logsumexp, _logsumexp),
    (tf.math.reduce_euclidean_norm, lambda x, axis, keepdims: np.sqrt(
        np.sum(x * x, axis=axis, keepdims=keepdims))),
]  # fmt: skip
AXES = [None, 0, -1, 1, (0, 2), [2, 0], ()]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("fn, ref", REDUCTIONS, ids=lambda f: getattr(f, "__name__", ""))
def test_reductions_match_numpy(fn, ref, axis, keepdims, rng):
    x = rng.uniform(0.5, 2.0, size=(2, 3, 4))
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    got = fn(tf.constant(x), axis=axis, keepdims=keepdims)
    want = ref(x, axis=np_axis, keepdims=keepdims)
    assert got.dtype == tf.float64
    assert tuple(got.shape) == np.shape(want)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


@pytest.mark.parametrize(
    "axis", [tf.constant(1), tf.constant([0, 2]), np.int64(1), np.array([0, 2])], ids=repr
)
def test_axis_as_tensor_or_numpy(axis, rng):
    x = rng.uniform(size=(2, 3, 4)).astype(np.float32)
    np_axis = tuple(int(a) for a in np.asarray(axis).reshape(-1))
    np.testing.assert_allclose(tf.reduce_sum(x, axis=axis).numpy(), x.sum(axis=np_axis), rtol=1e-6)


def test_reductions_keep_integer_dtypes():
    x = tf.constant([[1, 2, 3], [-4, -5, 7]])
    assert tf.reduce_sum(x).dtype == tf.int32
    np.testing.assert_array_equal(tf.reduce_prod(x, axis=1).numpy(), [6, 140])
    np.testing.assert_array_equal(tf.reduce_max(x, axis=0, keepdims=True).numpy(), [[1, 2, 7]])
    np.testing.assert_array_equal(tf.math.reduce_euclidean_norm(x, axis=1).numpy(), [3, 9])


def test_any_all():
    x = tf.constant([[True, False], [False, False]])
    np.testing.assert_array_equal(tf.reduce_any(x, axis=1).numpy(), [True, False])
    assert not tf.reduce_all(x).numpy()
    assert tf.reduce_any(x, keepdims=True).shape == (1, 1)
    assert tf.reduce_all(tf.constant(np.zeros((0,), bool))).numpy()
    with pytest.raises(InvalidArgumentError, match="Any: expected a bool tensor"):
        tf.reduce_any(tf.constant([1, 0]))


def test_count_nonzero():
    x = tf.constant([[0.0, 1.0, 3.0], [2.0, 0.0, 0.0]])
    out = tf.math.count_nonzero(x, axis=0, keepdims=True, dtype=tf.int32)
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), [[1, 1, 1]])
    assert tf.math.count_nonzero(tf.constant([True, False, True])).numpy() == 2


# ---- errors ---------------------------------------------------------------------------------


def test_axis_errors():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(InvalidArgumentError, match="Sum"):
        tf.reduce_sum(x, axis=2)
    with pytest.raises(InvalidArgumentError, match="Max"):
        tf.reduce_max(x, axis=-3)
    with pytest.raises(InvalidArgumentError, match="duplicate"):
        tf.reduce_sum(x, axis=[1, 1])
    with pytest.raises(TypeError, match="Cannot convert 1.0"):
        tf.reduce_mean(x, axis=1.0)
    with pytest.raises(TypeError, match="integer tensor"):
        tf.reduce_sum(x, axis=tf.constant(1.0))


def test_bool_inputs_are_refused_by_arithmetic_reductions():
    for fn in (tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_prod):
        with pytest.raises(InvalidArgumentError, match="got bool"):
            fn(tf.constant([True, False]))


def test_variance_of_integers_is_a_type_error():
    with pytest.raises(TypeError, match="Received integer type"):
        tf.math.reduce_std(tf.constant([1, 2]))


def test_argmax_arguments():
    x = tf.constant([[1.0, 5.0], [3.0, 2.0]])
    assert tf.math.argmax(x, axis=tf.constant(1)).dtype == tf.int64
    np.testing.assert_array_equal(tf.argmin(x, axis=-1, output_type=tf.int32).numpy(), [0, 1])
    with pytest.raises(TypeError, match="axis must be int"):
        tf.math.argmax(x, axis=[1])
    with pytest.raises(InvalidArgumentError, match="output_type"):
        tf.math.argmax(x, output_type=tf.float32)
    with pytest.raises(InvalidArgumentError, match=r"range \[-2, 2\), but got 2"):
        tf.math.argmax(x, axis=2)
    with pytest.raises(InvalidArgumentError, match="empty"):
        tf.math.argmax(tf.constant(np.zeros((0,), np.float32)))
    with pytest.raises(InvalidArgumentError, match="range"):
        tf.math.argmax(tf.constant(3.0))


def test_top_k_result_and_errors():
    top = tf.math.top_k(tf.constant([1.0, 3.0, 2.0]), k=tf.constant(2))
    assert type(top).__name__ == "TopKV2" and top._fields == ("values", "indices")
    values, indices = top
    np.testing.assert_array_equal(values.numpy(), [3.0, 2.0])
    assert indices.dtype == tf.int32
    assert tf.nn.top_k is tf.math.top_k
    assert tf.math.top_k(tf.constant([1, 3]), index_type=tf.int64).indices.dtype == tf.int64
    with pytest.raises(InvalidArgumentError, match="at least k columns. Had 2, needed 3"):
        tf.math.top_k(tf.constant([1, 3]), k=3)
    with pytest.raises(InvalidArgumentError, match="Need k >= 0"):
        tf.math.top_k(tf.constant([1, 3]), k=-1)
    with pytest.raises(InvalidArgumentError, match=">= 1-D"):
        tf.math.top_k(tf.constant(1.0))


def test_scan_errors_and_dtypes():
    with pytest.raises(InvalidArgumentError, match=r"range \[-1, 1\), but got 1"):
        tf.cumsum(tf.constant([1, 2, 3]), axis=1)
    with pytest.raises(InvalidArgumentError, match="Cumsum"):
        tf.cumsum(tf.constant([True, False]))
    assert tf.cumsum(tf.constant([1, 2], tf.int8)).dtype == tf.int8
    empty = tf.cumsum(tf.constant(np.zeros((2, 0), np.float32)), axis=1, exclusive=True)
    assert empty.shape == (2, 0)


# ---- batched (jacobian) backward passes ----------------------------------------------------


def test_jacobian_through_a_chain_of_reductions(rng):
    x = tf.constant(rng.uniform(0.5, 2.0, size=(3, 4)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.reduce_max(tf.math.cumprod(x, axis=1), axis=0) * tf.reduce_mean(x, axis=0)
        z = tf.math.top_k(y, k=2).values
    fast = tape.jacobian(z, x).numpy()
    rows = [tape.gradient(z, x, output_gradients=tf.constant(np.eye(2)[i])).numpy()
            for i in range(2)]  # fmt: skip
    np.testing.assert_allclose(fast, np.stack(rows), rtol=1e-12)
