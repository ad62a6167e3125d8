"""tf.SparseTensor beyond the golden cases: printing, tf.function arguments and results,
tf.data elements, Keras inputs, and gradients checked against dense computations."""

import numpy as np
import pytest

import tapeflow as tf


def _sparse(rng, shape=(4, 5), nnz=6, dtype=np.float64):
    flat = rng.choice(int(np.prod(shape)), size=nnz, replace=False)
    flat.sort()
    indices = np.stack(np.unravel_index(flat, shape), axis=1).astype(np.int64)
    values = rng.standard_normal(nnz).astype(dtype)
    return tf.SparseTensor(indices, values, shape)


def test_printed_as_tf_prints_it():
    sp = tf.sparse.SparseTensor(indices=[[0, 3], [2, 4]], values=[10, 20], dense_shape=[3, 10])
    assert str(sp) == (
        "SparseTensor(indices=tf.Tensor(\n[[0 3]\n [2 4]], shape=(2, 2), dtype=int64), "
        "values=tf.Tensor([10 20], shape=(2,), dtype=int32), "
        "dense_shape=tf.Tensor([ 3 10], shape=(2,), dtype=int64))"
    )
    assert repr(sp) == str(sp)
    assert sp.shape == tf.TensorShape([3, 10]) and sp.dtype == tf.int32
    assert tf.sparse.SparseTensor is tf.SparseTensor


def test_matmul_and_to_dense_match_dense_math(rng):
    sp = _sparse(rng)
    dense = tf.sparse.to_dense(sp).numpy()
    b = rng.standard_normal((5, 3))
    got = tf.sparse.sparse_dense_matmul(sp, b).numpy()
    np.testing.assert_allclose(got, dense @ b, rtol=1e-12)
    c = rng.standard_normal((4, 2))
    got_adj = tf.sparse.sparse_dense_matmul(sp, c, adjoint_a=True).numpy()
    np.testing.assert_allclose(got_adj, dense.T @ c, rtol=1e-12)
    left = rng.standard_normal((2, 4))
    np.testing.assert_allclose(
        tf.sparse.sparse_dense_matmul(left, sp).numpy(), left @ dense, rtol=1e-12
    )


def test_matmul_gradients_equal_the_dense_product_gradients(rng):
    sp = _sparse(rng)
    b = tf.Variable(rng.standard_normal((5, 3)))
    values = tf.Variable(sp.values)
    with tf.GradientTape(persistent=True) as tape:
        s = tf.SparseTensor(sp.indices, values, sp.dense_shape)
        sparse_loss = tf.reduce_sum(tf.sin(tf.sparse.sparse_dense_matmul(s, b)))
        dense_loss = tf.reduce_sum(tf.sin(tf.matmul(tf.sparse.to_dense(s), b)))
    for v in (values, b):
        np.testing.assert_allclose(
            tape.gradient(sparse_loss, v).numpy(), tape.gradient(dense_loss, v).numpy(), rtol=1e-10
        )


def test_sparse_argument_of_tf_function_traces_once_per_dense_shape(rng):
    calls = []

    @tf.function
    def f(sp, b):
        calls.append(1)
        return tf.sparse.sparse_dense_matmul(sp, b), sp * 2.0

    b = rng.standard_normal((5, 2))
    for _ in range(3):
        sp = _sparse(rng)
        product, doubled = f(sp, b)
        np.testing.assert_allclose(product.numpy(), tf.sparse.to_dense(sp).numpy() @ b)
        assert isinstance(doubled, tf.SparseTensor)
        np.testing.assert_array_equal(doubled.indices.numpy(), sp.indices.numpy())
        np.testing.assert_allclose(doubled.values.numpy(), 2 * sp.values.numpy())
    assert len(calls) == 1  # same component shapes and dense shape: one trace
    f(_sparse(rng, shape=(4, 6)), rng.standard_normal((6, 2)))
    assert len(calls) == 2


def test_sparse_tensor_spec_signature():
    @tf.function(input_signature=[tf.SparseTensorSpec([None, 3], tf.float32)])
    def total(sp):
        return tf.sparse.reduce_sum(sp)

    sp = tf.SparseTensor([[0, 1], [1, 2]], [1.0, 2.0], [2, 3])
    assert float(total(sp)) == 3.0
    with pytest.raises(TypeError, match="SparseTensorSpec"):
        total(tf.constant([1.0]))
    with pytest.raises(TypeError):
        total(tf.SparseTensor([[0, 1]], [1.0], [2, 4]))
    concrete = total.get_concrete_function()
    assert isinstance(concrete.structured_input_signature[0][0], tf.SparseTensorSpec)


def test_gradient_inside_tf_function_is_right_on_later_calls(rng):
    v = tf.Variable([1.0, 1.0])
    w = tf.Variable(np.ones((10, 2), np.float32))

    @tf.function
    def step(sp):
        with tf.GradientTape() as tape:
            s = tf.SparseTensor(sp.indices, v, sp.dense_shape)
            loss = tf.reduce_sum(tf.sparse.sparse_dense_matmul(s, w) ** 2)
        return tape.gradient(loss, [v, w])

    first = tf.SparseTensor([[0, 3], [2, 4]], [1.0, 1.0], [3, 10])
    second = tf.SparseTensor([[1, 3], [2, 5]], [1.0, 1.0], [3, 10])
    step(first)
    gv, gw = step(second)  # same key, other coordinates: the trace must use them
    np.testing.assert_allclose(gv.numpy(), [4.0, 4.0])
    assert np.flatnonzero(gw.numpy().sum(axis=1)).tolist() == [3, 5]


def test_dataset_of_sparse_rows_shuffles_batches_and_caches():
    sp = tf.SparseTensor([[0, 0], [0, 1], [4, 3], [5, 0]], [1, 2, 3, 4], [6, 4])
    dense = tf.sparse.to_dense(sp).numpy()
    ds = tf.data.Dataset.from_tensor_slices((sp, tf.range(6))).shuffle(6, seed=3).batch(4)
    for rows, ids in ds:
        np.testing.assert_array_equal(tf.sparse.to_dense(rows).numpy(), dense[ids.numpy()])
    cached = tf.data.Dataset.from_tensor_slices(sp).cache()
    for _ in range(2):  # the second pass replays the cache
        got = [tf.sparse.to_dense(e).numpy().tolist() for e in cached.batch(3)]
        assert got == [dense[:3].tolist(), dense[3:].tolist()]
    with pytest.raises(TypeError, match="padded_batch"):
        tf.data.Dataset.from_tensor_slices(sp).padded_batch(2)


def test_dataset_batch_takes_the_largest_dense_shape():
    parts = [tf.SparseTensor([[0]], [1.0], [2]), tf.SparseTensor([[3]], [2.0], [4])]
    base = tf.data.Dataset.range(2).map(lambda i: parts[int(i)])
    (batch,) = list(base.batch(2))
    assert batch.shape == tf.TensorShape([2, 4])
    assert batch.indices.numpy().tolist() == [[0, 0], [1, 3]]


def test_keras_dense_layer_takes_a_sparse_input():
    x = tf.keras.Input(shape=(4,), sparse=True)
    y = tf.keras.layers.Dense(2, kernel_initializer="ones")(x)
    model = tf.keras.Model(x, y)
    sp = tf.SparseTensor([[0, 0], [0, 1], [2, 3]], [1, 2, 5], [3, 4])
    expected = [[3, 3], [0, 0], [5, 5]]
    np.testing.assert_allclose(model(sp).numpy(), expected)
    np.testing.assert_allclose(model.predict(sp, batch_size=2, verbose=0), expected)


def test_values_of_a_variable_are_a_recorded_read():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        sp = tf.SparseTensor([[0], [2]], v, [3])
        loss = tf.reduce_sum(tf.sparse.to_dense(sp) * tf.constant([3.0, 5.0, 7.0]))
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), [3.0, 7.0])
