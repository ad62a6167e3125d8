"""Per-example outer products under vmap (a Dense kernel's per-example gradient): the matmul
rule turns x^T dy of two batched vectors into one BatchOuter op; its own batching rule and
gradient; each against a loop over the examples, at sizes where the native kernel runs."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import func
from tapeflow.ops.linalg_outer import batch_outer


def _loop(fn, *arrays):
    return np.stack(
        [np.asarray(fn(*[tf.constant(a[i]) for a in arrays])) for i in range(len(arrays[0]))]
    )


def _outer_of_rows(a, b):
    """What a Dense layer's kernel gradient is for one example: a (m,), b (n,) -> (m, n)."""
    return tf.matmul(tf.reshape(a, (1, -1)), tf.reshape(b, (1, -1)), transpose_a=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matmul_of_two_batched_vectors_matches_the_loop_bitwise(dtype, rng):
    a = rng.standard_normal((16, 40)).astype(dtype)
    b = rng.standard_normal((16, 9)).astype(dtype)
    got = tf.vectorized_map(lambda ab: _outer_of_rows(*ab), (tf.constant(a), tf.constant(b)))
    want = _loop(_outer_of_rows, a, b)
    assert got.dtype == dtype and got.shape == (16, 40, 9)
    np.testing.assert_array_equal(got.numpy(), want)  # one product per element: exact


def test_per_example_dense_gradients_are_one_batch_outer_in_the_plan(rng):
    model = tf.keras.Sequential(
        [tf.keras.Input((30,)), tf.keras.layers.Dense(20, "relu"), tf.keras.layers.Dense(3)]
    )
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    x = tf.constant(rng.standard_normal((12, 30)).astype("float32"))
    y = tf.constant(rng.integers(0, 3, 12))

    def per_example(args):
        xi, yi = args
        with tf.GradientTape() as tape:
            loss = loss_fn(yi[None], model(xi[None]))
        return tape.gradient(loss, model.trainable_variables)

    step = tf.function(lambda x, y: tf.vectorized_map(per_example, (x, y)))
    got = step(x, y)
    source = step.get_concrete_function(x, y).plan_source
    assert source.count("BatchOuter") == 2  # both kernels; no (B, m, 1) * (B, 1, n) multiply
    for i in range(12):
        with tf.GradientTape() as tape:
            loss = loss_fn(y[i : i + 1], model(x[i : i + 1]))
        for g, w in zip(got, tape.gradient(loss, model.trainable_variables)):
            np.testing.assert_allclose(g[i].numpy(), w.numpy(), rtol=1e-5, atol=1e-6)


def test_batch_outer_rule_with_one_input_unbatched(rng):
    a = rng.standard_normal((6, 3, 40)).astype("float32")
    b = rng.standard_normal((3, 7)).astype("float32")
    got = func.vmap(batch_outer, in_axes=(0, None))(tf.constant(a), tf.constant(b))
    want = _loop(lambda ai: batch_outer(ai, tf.constant(b)), a)
    np.testing.assert_array_equal(got.numpy(), want)
    got = func.vmap(batch_outer, in_axes=(None, 0))(tf.constant(b[:, :6]), tf.constant(a))
    want = _loop(lambda ai: batch_outer(tf.constant(b[:, :6]), ai), a)
    np.testing.assert_array_equal(got.numpy(), want)


def test_vmap_of_vmap_of_outer_products(rng):
    a = rng.standard_normal((4, 5, 40)).astype("float32")
    b = rng.standard_normal((4, 5, 8)).astype("float32")
    got = func.vmap(func.vmap(_outer_of_rows))(tf.constant(a), tf.constant(b))
    np.testing.assert_array_equal(got.numpy(), np.einsum("abi,abj->abij", a, b))


def test_gradient_through_per_example_outer_products(rng):
    a = tf.constant(rng.standard_normal((8, 40)))
    b = tf.Variable(rng.standard_normal((8, 9)))
    c = rng.standard_normal((8, 40, 9))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        out = tf.vectorized_map(lambda ab: _outer_of_rows(*ab), (a, b))
        loss = tf.reduce_sum(out * c)
    np.testing.assert_allclose(
        tape.gradient(loss, a).numpy(), np.einsum("bij,bj->bi", c, b.numpy()), rtol=1e-12
    )
    np.testing.assert_allclose(
        tape.gradient(loss, b).numpy(), np.einsum("bij,bi->bj", c, a.numpy()), rtol=1e-12
    )


def test_batch_outer_errors_name_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError, match="BatchOuter: .*same leading"):
        batch_outer(tf.zeros((2, 3)), tf.zeros((3, 3)))


def test_tf_function_outputs_die_with_their_last_user(rng):
    # The plan's outputs were held by a reference cycle until the garbage collector ran, so a
    # recycled output buffer looked alive on the next call and a new one was allocated.
    import gc
    import weakref

    f = tf.function(lambda x: (x * 2.0, {"b": [x + 1.0]}))
    x = tf.constant(rng.standard_normal((4, 3)).astype("float32"))
    f(x)
    gc.disable()
    try:
        out = f(x)
        refs = [weakref.ref(out[0]._value), weakref.ref(out[1]["b"][0]._value)]
        del out
        assert [r() for r in refs] == [None, None]
    finally:
        gc.enable()


def _vector_as(v, transposed, column):
    """A 1-D example as the (1, n) or (n, 1) matrix whose product contracts its size-1 axis."""
    return tf.reshape(v, (-1, 1) if column != transposed else (1, -1))


@pytest.mark.parametrize("batched_matmul", [False, True], ids=["MatMul", "BatchMatMulV2"])
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_every_transpose_of_a_size_one_contraction_is_one_batch_outer(ta, tb, batched_matmul, rng):
    a = rng.standard_normal((12, 40)).astype("float32")
    b = rng.standard_normal((12, 9)).astype("float32")

    def fn(ab):
        ai, bi = ab
        left, right = _vector_as(ai, ta, column=True), _vector_as(bi, tb, column=False)
        if batched_matmul:
            return tf.linalg.matmul(left[None], right[None], adjoint_a=ta, adjoint_b=tb)[0]
        return tf.matmul(left, right, transpose_a=ta, transpose_b=tb)

    step = tf.function(lambda a, b: tf.vectorized_map(fn, (a, b)))
    got = step(tf.constant(a), tf.constant(b))
    assert "BatchOuter" in step.get_concrete_function(tf.constant(a), tf.constant(b)).plan_source
    np.testing.assert_array_equal(got.numpy(), a[:, :, None] * b[:, None, :])
    np.testing.assert_array_equal(got.numpy(), _loop(lambda ai, bi: fn((ai, bi)), a, b))


def test_complex_adjoint_outer_products_stay_conjugated(rng):
    a = (rng.standard_normal((6, 4)) + 1j * rng.standard_normal((6, 4))).astype("complex64")
    b = (rng.standard_normal((6, 3)) + 1j * rng.standard_normal((6, 3))).astype("complex64")

    def fn(ab):
        ai, bi = ab
        return tf.linalg.matmul(ai[None, None], bi[None, None], adjoint_a=True)[0]

    got = tf.vectorized_map(fn, (tf.constant(a), tf.constant(b)))
    np.testing.assert_allclose(got.numpy(), np.conj(a)[:, :, None] * b[:, None, :], rtol=1e-6)
