"""GradientTape semantics, checked by hand and against TensorFlow's behaviour."""

import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.registry import Op


def test_linear_fit_step_matches_hand_derivation():
    # The TF "custom training basics" step: f(x) = W*x + b with an L2 loss.
    w, b = tf.Variable(5.0), tf.Variable(0.0)
    x = tf.constant([1.0, 2.0, 3.0])
    y = tf.constant([5.0, 8.0, 11.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((w * x + b - y) * (w * x + b - y)) / 3.0
    dw, db = tape.gradient(loss, [w, b])
    err = 5.0 * np.array([1, 2, 3]) - np.array([5, 8, 11])
    assert np.isclose(float(dw), 2 * np.sum(err * [1, 2, 3]) / 3)
    assert np.isclose(float(db), 2 * np.sum(err) / 3)


def test_result_keeps_structure_of_sources():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = a * b
    g = tape.gradient(y, {"a": a, "pair": (b, [a])})
    assert set(g) == {"a", "pair"} and isinstance(g["pair"], tuple)
    assert float(g["a"]) == 2.0 and float(g["pair"][0]) == 1.0 and float(g["pair"][1][0]) == 2.0


def test_list_of_targets_is_summed():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y1, y2 = x * x, x * 4.0
    assert float(tape.gradient([y1, y2], x)) == 10.0


def test_output_gradients_weight_the_target():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([10.0, 100.0]))
    np.testing.assert_array_equal(g.numpy(), [20.0, 400.0])


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_unconnected_gradients():
    x, z = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * 3.0
    assert tape.gradient(y, z) is None
    assert float(tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)) == 0
    assert float(tape.gradient(y, z, unconnected_gradients="zero")) == 0


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_constants_are_not_watched_unless_asked():
    c = tf.constant(2.0)
    with tf.GradientTape() as tape:
        y = c * c
    assert tape.gradient(y, c) is None


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_watch_accessed_variables_false():
    v, w = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False, persistent=True) as tape:
        tape.watch(w)
        y = v * w
    assert tape.gradient(y, v) is None and float(tape.gradient(y, w)) == 2.0
    assert tape.watched_variables() == (w,)


def test_watched_variables_in_access_order():
    a, b, frozen = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as tape:
        _ = b * frozen + a
    assert [v.name for v in tape.watched_variables()] == [b.name, a.name]
    assert all(v is not frozen for v in tape.watched_variables())


def test_non_persistent_tape_is_single_use():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(y, x)


def test_persistent_tape_can_be_reused():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(y, x)) == 6.0
    assert float(tape.gradient(z, x)) == 108.0


def test_stop_recording_and_reset():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tape.stop_recording():
            hidden = x * x
        y = x * 3.0 + hidden
    assert float(tape.gradient(y, x)) == 3.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        _ = x * x
        tape.reset()
        tape.watch(x)
        y = x * 5.0
    assert float(tape.gradient(y, x)) == 5.0


def test_stop_gradient_cuts_the_path():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.stop_gradient(x * x)
    assert float(tape.gradient(y, x)) == 4.0


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_integer_source_gives_none_with_a_warning():
    x = tf.constant(3)
    with tf.GradientTape() as tape:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tape.watch(x)
        y = x * x
    with pytest.warns(UserWarning, match="must be floating"):
        assert tape.gradient(y, x) is None


def test_op_without_gradient_raises_lookup_error():
    no_grad = Op(
        "NoGradForTest",
        lambda x: x * 2,
        samples=None,
        domain=None,
        differentiable=True,
        same_dtype="all",
        multiple_outputs=False,
        batchable=False,
        second_order=True,
        check=None,
    )
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = no_grad(x)
    with pytest.raises(LookupError, match="NoGradForTest.*tf.stop_gradient"):
        tape.gradient(y, x)


def test_broadcasting_is_undone_by_the_engine():
    b = tf.Variable([1.0, 2.0, 3.0])
    x = tf.constant(np.ones((4, 3), dtype=np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x * b)
    np.testing.assert_array_equal(tape.gradient(y, b).numpy(), [4.0, 4.0, 4.0])


def test_second_and_third_order_through_nested_tapes():
    x = tf.constant(2.0)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = x * x * x
            dy = t1.gradient(y, x)
        d2y = t2.gradient(dy, x)
    d3y = t3.gradient(d2y, x)
    assert (float(dy), float(d2y), float(d3y)) == (12.0, 12.0, 6.0)


def test_persistent_tape_after_variable_update_uses_old_values():
    # The tape saved a snapshot of v; the in-place update must not change it (copy-on-write).
    v = tf.Variable(3.0)
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * v
    v.assign(100.0)
    assert float(tape.gradient(y, x)) == 3.0


def test_jacobian_vectorised_matches_definition():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.exp(x) * x
    j = tape.jacobian(y, x)
    ex = np.exp([1.0, 2.0, 3.0]) * np.array([2.0, 3.0, 4.0])
    np.testing.assert_allclose(j.numpy(), np.diag(ex), rtol=1e-6)


def test_jacobian_of_matrix_output_shape():
    w = tf.Variable(np.arange(6.0).reshape(2, 3))
    x = tf.constant(np.ones((4, 2)))
    with tf.GradientTape() as tape:
        y = tf.reshape(tf.transpose(x * tf.reduce_sum(w, axis=1)), (8,))
    j = tape.jacobian(y, w)
    assert j.shape == (8, 2, 3)


def test_batch_jacobian():
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    j = tape.batch_jacobian(y, x)
    expected = np.stack([np.diag(2 * r) for r in np.arange(6.0).reshape(2, 3)])
    np.testing.assert_array_equal(j.numpy(), expected)


def test_jacobian_falls_back_row_by_row_for_non_batchable_ops():
    params = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        y = tf.reshape(tf.gather(params, [2, 0]), (4,))
    j = tape.jacobian(y, params).numpy()
    expected = np.zeros((4, 3, 2))
    expected[0, 2, 0] = expected[1, 2, 1] = expected[2, 0, 0] = expected[3, 0, 1] = 1
    np.testing.assert_array_equal(j, expected)


def test_gather_on_variable_gives_indexed_slices():
    emb = tf.Variable(np.arange(8.0, dtype=np.float32).reshape(4, 2))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(emb, [1, 3, 1]) * 2.0)
    g = tape.gradient(y, emb)
    assert isinstance(g, tf.IndexedSlices)
    np.testing.assert_array_equal(g.indices.numpy(), [1, 3, 1])
    dense = tf.convert_to_tensor(g).numpy()
    np.testing.assert_array_equal(dense, [[0, 0], [4, 4], [0, 0], [2, 2]])


def test_gradient_through_gather_into_further_ops_is_dense():
    emb = tf.Variable(np.ones((3, 2), dtype=np.float32))
    with tf.GradientTape() as tape:
        rows = tf.gather(emb * 3.0, [0, 0])
        y = tf.reduce_sum(rows)
    g = tape.gradient(y, emb)
    assert isinstance(g, tf.Tensor)
    np.testing.assert_array_equal(g.numpy(), [[6, 6], [0, 0], [0, 0]])
