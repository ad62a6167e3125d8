"""The array family: forward values against NumPy, TensorFlow golden cases, hand checks."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError

GOLDEN_DIR = pathlib.Path(__file__).resolve().parent.parent / "golden"


def _load_cases():
    spec = importlib.util.spec_from_file_location("make_array", GOLDEN_DIR / "make_array.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = _load_cases()
GOLDEN = json.loads((GOLDEN_DIR / "array.json").read_text())["cases"]


# ---- TensorFlow golden numbers -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_matches_tensorflow(name):
    got = CASES.flatten(CASES.CASES[name](tf))
    want = GOLDEN[name]
    assert len(got) == len(want), f"{name}: {len(got)} outputs, TF gave {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        where = f"{name}[{i}]"
        assert g["dtype"] == w["dtype"], f"{where}: dtype {g['dtype']}, TF {w['dtype']}"
        assert g["shape"] == w["shape"], f"{where}: shape {g['shape']}, TF {w['shape']}"
        if w["dtype"].startswith("float"):
            rtol = 1e-6 if w["dtype"] == "float32" else 1e-12
            np.testing.assert_allclose(g["value"], w["value"], rtol=rtol, atol=rtol, err_msg=where)
        else:
            assert g["value"] == w["value"], f"{where}: {g['value']} vs TF {w['value']}"


# ---- forward values against NumPy ----------------------------------------------------------


def _x(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


FORWARD = {
    "reshape": (lambda x: tf.reshape(x, [4, -1]), lambda x: x.reshape(4, -1), (2, 3, 2)),
    "squeeze": (lambda x: tf.squeeze(x, [0, 2]), lambda x: x.squeeze((0, 2)), (1, 3, 1, 2)),
    "expand_dims": (lambda x: tf.expand_dims(x, -1), lambda x: x[..., None], (2, 3)),
    "broadcast_to": (
        lambda x: tf.broadcast_to(x, [2, 3, 4]),
        lambda x: np.broadcast_to(x, (2, 3, 4)),
        (3, 1),
    ),
    "transpose": (lambda x: tf.transpose(x), lambda x: x.T, (2, 3, 4)),
    "transpose_perm": (
        lambda x: tf.transpose(x, [1, 2, 0]),
        lambda x: x.transpose(1, 2, 0),
        (2, 3, 4),
    ),
    "stack": (lambda x: tf.stack([x, 2 * x], axis=-1), lambda x: np.stack([x, 2 * x], -1), (2, 3)),
    "unstack": (lambda x: tf.unstack(x, axis=1), lambda x: list(np.moveaxis(x, 1, 0)), (2, 3, 4)),
    "concat": (
        lambda x: tf.concat([x, x[:, :1]], -1),
        lambda x: np.concatenate([x, x[:, :1]], -1),
        (2, 3),
    ),
    "split": (
        lambda x: tf.split(x, [1, 3], axis=2),
        lambda x: np.split(x, [1], axis=2),
        (2, 3, 4),
    ),
    "tile": (lambda x: tf.tile(x, [2, 1, 3]), lambda x: np.tile(x, (2, 1, 3)), (2, 3, 1)),
    "pad": (
        lambda x: tf.pad(x, [[1, 2], [0, 1]], constant_values=3.0),
        lambda x: np.pad(x, ((1, 2), (0, 1)), constant_values=3.0),
        (2, 3),
    ),
    "pad_reflect": (
        lambda x: tf.pad(x, [[2, 1], [3, 3]], "REFLECT"),
        lambda x: np.pad(x, ((2, 1), (3, 3)), "reflect"),
        (3, 4),
    ),
    "pad_symmetric": (
        lambda x: tf.pad(x, [[3, 1], [0, 4]], "SYMMETRIC"),
        lambda x: np.pad(x, ((3, 1), (0, 4)), "symmetric"),
        (3, 4),
    ),
    "reverse": (lambda x: tf.reverse(x, [0, 2]), lambda x: x[::-1, :, ::-1], (2, 3, 4)),
    "getitem": (lambda x: x[1:, ::-2, None, 0], lambda x: x[1:, ::-2, None, 0], (3, 4, 5)),
    "slice": (lambda x: tf.slice(x, [0, 1, 2], [2, -1, 2]), lambda x: x[0:2, 1:, 2:4], (3, 4, 5)),
    "gather_axis1": (
        lambda x: tf.gather(x, [[2, 0], [1, 1]], axis=1),
        lambda x: np.take(x, [[2, 0], [1, 1]], axis=1),
        (2, 3, 4),
    ),
    "gather_nd": (
        lambda x: tf.gather_nd(x, [[1, 2], [0, 0], [1, 2]]),
        lambda x: x[[1, 0, 1], [2, 0, 2]],
        (2, 3, 4),
    ),
    "where": (
        lambda x: tf.where(x > 0 if False else tf.constant(np.arange(4) % 2 == 0), x, -x),
        lambda x: np.where(np.arange(4) % 2 == 0, x, -x),
        (3, 4),
    ),
    "boolean_mask": (
        lambda x: tf.boolean_mask(x, np.array([True, False, True])),
        lambda x: x[[0, 2]],
        (3, 2),
    ),
    "sort": (lambda x: tf.sort(x, axis=0), lambda x: np.sort(x, axis=0), (5, 3)),
    "sort_desc": (
        lambda x: tf.sort(x, direction="DESCENDING"),
        lambda x: -np.sort(-x, axis=-1),
        (2, 3, 6),
    ),
    "argsort": (
        lambda x: tf.argsort(x, axis=1),
        lambda x: np.argsort(x, 1).astype(np.int32),
        (3, 5, 2),
    ),
    "repeat": (
        lambda x: tf.repeat(x, [2, 0, 1], axis=1),
        lambda x: np.repeat(x, [2, 0, 1], axis=1),
        (2, 3),
    ),
    "zeros_like": (lambda x: tf.zeros_like(x), np.zeros_like, (2, 3)),
    "ones_like": (lambda x: tf.ones_like(x), np.ones_like, (2, 3)),
    "shape": (lambda x: tf.shape(x), lambda x: np.array(x.shape, np.int32), (2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_matches_numpy(name, rng):
    fn, ref, shape = FORWARD[name]
    x = _x(rng, *shape)
    got, want = fn(tf.constant(x)), ref(x)
    if isinstance(want, list):
        assert len(got) == len(want)
    else:
        got, want = [got], [want]
    for g, w in zip(got, want, strict=True):
        w = np.asarray(w)
        assert g.dtype == w.dtype, f"{name}: dtype {g.dtype.name}, numpy {w.dtype}"
        assert g.shape.as_list() == list(w.shape)
        np.testing.assert_array_equal(g.numpy(), w)


# ---- gradients -----------------------------------------------------------------------------


def _grad(fn, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)


def test_gather_axis0_gradient_of_a_variable_is_indexed_slices():
    v = tf.Variable(np.arange(12.0).reshape(4, 3))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [[3, 1], [3, 0]]) * 2.0)
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)
    assert g.indices.numpy().tolist() == [3, 1, 3, 0]
    assert g.values.shape.as_list() == [4, 3]
    np.testing.assert_array_equal(
        tf.convert_to_tensor(g).numpy(), [[2.0] * 3, [2.0] * 3, [0.0] * 3, [4.0] * 3]
    )


def test_gather_batch_dims_gradient_is_dense_and_adds_repeats():
    p = np.zeros((2, 3, 2))
    g = _grad(lambda x: tf.reduce_sum(tf.gather(x, [[1, 1], [0, 2]], axis=1, batch_dims=1)), p)
    assert not isinstance(g, tf.IndexedSlices)
    np.testing.assert_array_equal(g.numpy()[:, :, 0], [[0, 2, 0], [1, 0, 1]])


def test_gather_rejects_negative_and_out_of_range_indices():
    p = tf.constant([1.0, 2.0, 3.0])
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = -1 is not in \[0, 3\)"):
        tf.gather(p, [0, -1])
    with pytest.raises(InvalidArgumentError, match="3 is not in"):
        tf.gather(p, [3])
    with pytest.raises(InvalidArgumentError, match="does not index into param shape"):
        tf.gather_nd(p, [[3]])


def test_unstack_and_split_gradients_with_unused_outputs():
    x = np.arange(6.0).reshape(2, 3)
    g = _grad(lambda t: tf.unstack(t, axis=1)[2] * 3.0, x)
    np.testing.assert_array_equal(g.numpy(), [[0, 0, 3], [0, 0, 3]])
    g = _grad(lambda t: tf.split(t, [1, -1], axis=1)[1], x)
    np.testing.assert_array_equal(g.numpy(), [[0, 1, 1], [0, 1, 1]])


def test_where_gradient_goes_to_the_chosen_side_and_is_summed_to_shape():
    cond = tf.constant([[True, False, True], [False, False, True]])
    x = tf.constant([1.0, 2.0, 3.0])
    y = tf.constant(5.0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        out = tf.where(cond, x, y)
    gx, gy = tape.gradient(out, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [1.0, 0.0, 2.0])
    assert gy.numpy() == 3.0


def test_where_python_scalar_takes_the_tensor_dtype():
    out = tf.where([True, False], 1.0, tf.constant([2.0, 3.0], tf.float64))
    assert out.dtype == tf.float64
    np.testing.assert_array_equal(out.numpy(), [1.0, 3.0])


def test_where_errors():
    with pytest.raises(ValueError, match="both be non-None"):
        tf.where([True], 1.0)
    with pytest.raises(TypeError):
        tf.where([1, 0], 1.0, 2.0)  # TF will not convert ints to a bool condition
    with pytest.raises(InvalidArgumentError, match="bool"):
        tf.where(tf.constant([1, 0]), 1.0, 2.0)
    with pytest.raises(InvalidArgumentError, match="rank >= 1"):
        tf.where(True)


def test_sort_gradient_follows_each_value():
    x = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, -1.0]])
    w = tf.constant([[1.0, 10.0, 100.0], [1.0, 10.0, 100.0]], tf.float64)
    g = _grad(lambda t: tf.reduce_sum(tf.sort(t) * w), x)
    np.testing.assert_array_equal(g.numpy(), [[100.0, 1.0, 10.0], [10.0, 100.0, 1.0]])
    assert not isinstance(g, tf.IndexedSlices)  # 1-D sort too: dense, as in TF
    g1 = _grad(lambda t: tf.sort(t, direction="DESCENDING")[0], np.array([1.0, 3.0, 2.0]))
    assert isinstance(g1, tf.Tensor)
    np.testing.assert_array_equal(g1.numpy(), [0.0, 1.0, 0.0])


def test_sort_errors():
    with pytest.raises(ValueError, match="direction"):
        tf.sort([1.0, 2.0], direction="UP")
    with pytest.raises(InvalidArgumentError):
        tf.sort(tf.constant(1.0))
    with pytest.raises(InvalidArgumentError, match="bool"):
        tf.argsort([True, False])


def test_scatter_nd_gradient_gathers_back_duplicates_included():
    upd = np.array([1.0, 2.0, 3.0])
    w = tf.constant([10.0, 20.0, 30.0, 40.0], tf.float64)
    g = _grad(lambda u: tf.reduce_sum(tf.scatter_nd([[1], [3], [1]], u, [4]) * w), upd)
    np.testing.assert_array_equal(g.numpy(), [20.0, 40.0, 20.0])


def test_scatter_shape_errors():
    with pytest.raises(InvalidArgumentError, match="updates must have shape"):
        tf.scatter_nd([[1], [1]], [1.0, 2.0, 3.0], [3])
    with pytest.raises(InvalidArgumentError, match="does not index into shape"):
        tf.tensor_scatter_nd_update(tf.zeros([4]), [[4]], [5.0])


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_creation_ops_defaults_and_no_gradient():
    assert tf.zeros([2, 3]).dtype == tf.float32
    assert tf.ones(3, dtype=tf.int64).numpy().tolist() == [1, 1, 1]
    assert tf.fill([2], 1.5).dtype == tf.float32
    assert tf.eye(0).shape.as_list() == [0, 0]
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = tf.zeros_like(x) + tf.ones_like(x)
    assert tape.gradient(z, x) is None


def test_fill_is_differentiable_in_value():
    g = _grad(lambda v: tf.fill([2, 3], v), np.float64(2.0))
    assert g.numpy() == 6.0


def test_range_errors_and_conversions():
    with pytest.raises(InvalidArgumentError, match="delta != 0"):
        tf.range(0, 5, 0)
    with pytest.raises(InvalidArgumentError, match="start <= limit"):
        tf.range(5, 0)
    with pytest.raises(TypeError):
        tf.range(0.5, 3, dtype=tf.int32)
    assert tf.range(tf.constant(2), 5).dtype == tf.int32


def test_split_and_unstack_errors():
    x = tf.zeros([2, 10])
    with pytest.raises(InvalidArgumentError, match="evenly divide"):
        tf.split(x, 3, axis=1)
    with pytest.raises(InvalidArgumentError, match="only be one -1"):
        tf.split(x, [-1, -1], axis=1)
    with pytest.raises(InvalidArgumentError, match="add up"):
        tf.split(x, [2, 3], axis=1)
    with pytest.raises(InvalidArgumentError, match="must equal 3"):
        tf.unstack(x, num=3)


def test_shape_op_errors():
    x = tf.zeros([2, 3])
    with pytest.raises(InvalidArgumentError, match="can not squeeze dim\\[1\\]"):
        tf.squeeze(x, axis=1)
    with pytest.raises(InvalidArgumentError, match="expand dim index 3"):
        tf.expand_dims(x, 3)
    with pytest.raises(InvalidArgumentError, match="multiples"):
        tf.tile(x, [2])
    with pytest.raises(InvalidArgumentError, match="more than once"):
        tf.reverse(x, [1, -1])
    with pytest.raises(InvalidArgumentError, match="size\\[0\\] in \\[0, 1\\]"):
        tf.slice(x, [1, 0], [2, 1])
    with pytest.raises(InvalidArgumentError, match="Reshape"):
        tf.reshape(x, [4, -1])


def test_pad_errors():
    x = tf.zeros([2, 3])
    with pytest.raises(InvalidArgumentError, match="less than the dimension size"):
        tf.pad(x, [[2, 0], [0, 0]], "REFLECT")
    with pytest.raises(InvalidArgumentError, match="no greater than"):
        tf.pad(x, [[3, 0], [0, 0]], "SYMMETRIC")
    with pytest.raises(ValueError, match="mode"):
        tf.pad(x, [[1, 0], [0, 0]], "WRAP")
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.pad(x, [[-1, 0], [0, 1]])
    with pytest.raises(InvalidArgumentError, match="same dtype"):
        tf.pad(x, [[1, 0], [0, 1]], constant_values=tf.constant(7))


def test_one_hot_dtype_rules():
    with pytest.raises(TypeError, match="does not match"):
        tf.one_hot([0, 1], 3, on_value=5.0, dtype=tf.int32)
    with pytest.raises(TypeError, match="does not match"):
        tf.one_hot([0, 1], 3, on_value=1.0, off_value=tf.constant(0.0, tf.float64))
    with pytest.raises(InvalidArgumentError, match="axis"):
        tf.one_hot([0, 1], 3, axis=-2)
    assert tf.one_hot([1], 2, dtype=tf.bool).numpy().tolist() == [[False, True]]


def test_boolean_mask_checks_the_mask_shape_and_keeps_sparse_gradient():
    x = tf.zeros([2, 3])
    with pytest.raises(ValueError, match="scalar"):
        tf.boolean_mask(x, True)
    with pytest.raises(ValueError, match="incompatible"):
        tf.boolean_mask(x, [True, False, True])
    g = _grad(lambda t: tf.boolean_mask(t, [True, False, True]) * 2.0, np.ones((3, 2)))
    np.testing.assert_array_equal(tf.convert_to_tensor(g).numpy(), [[2, 2], [0, 0], [2, 2]])


def test_mirror_pad_jacobian_is_vectorised_and_correct(rng):
    x = tf.constant(rng.standard_normal((3, 4)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.pad(x, [[2, 1], [1, 3]], "SYMMETRIC")
    jac = tape.jacobian(y, x).numpy()
    # d y[i, j] / d x[p, q] is 1 exactly where y[i, j] is a copy of x[p, q].
    marker = np.arange(12.0).reshape(3, 4)
    copies = np.pad(marker, ((2, 1), (1, 3)), "symmetric")
    np.testing.assert_array_equal(jac, (copies[:, :, None, None] == marker).astype(float))


def test_ops_with_dtype_groups_refuse_mixed_tensors():
    f32, f64 = tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0], tf.float64)
    with pytest.raises(InvalidArgumentError, match="same dtype"):
        tf.where([True, False], f32, f64)
    with pytest.raises(InvalidArgumentError, match="same dtype"):
        tf.tensor_scatter_nd_add(f32, [[0]], tf.constant([1.0], tf.float64))
