"""tf.recompute_grad: same gradients to the last bit, activations really dropped (eagerly
and in tf.function plans), random draws replayed, higher orders."""

import numpy as np
import pytest

import tapeflow as tf
from benchmarks import recompute_memory


def _blocks(rng, n=4, width=6):
    layers = [tf.keras.layers.Dense(width, activation="tanh") for _ in range(n)]
    for layer in layers:
        layer.build((None, width))
        layer.kernel.assign(rng.standard_normal((width, width)).astype("f4") * 0.5)
    return layers


def _loss(layers, x, wrap):
    h = x
    for layer in layers:
        h = (tf.recompute_grad(layer) if wrap else layer)(h)
    return tf.reduce_sum(h * h)


def _grads(layers, x, wrap):
    variables = [v for layer in layers for v in layer.trainable_variables]
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = _loss(layers, x, wrap)
    return [g.numpy() for g in tape.gradient(loss, [x] + variables)]


def test_gradients_are_bitwise_equal_eagerly(rng):
    layers = _blocks(rng)
    x = tf.constant(rng.standard_normal((5, 6)).astype("f4"))
    for plain, recomputed in zip(_grads(layers, x, False), _grads(layers, x, True)):
        np.testing.assert_array_equal(plain, recomputed)


def test_gradients_are_bitwise_equal_in_tf_function(rng):
    layers = _blocks(rng)
    x = tf.constant(rng.standard_normal((5, 6)).astype("f4"))
    variables = [v for layer in layers for v in layer.trainable_variables]

    def make(wrap):
        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                loss = _loss(layers, x, wrap)
            return tape.gradient(loss, variables)

        return step

    plain, recomputed = make(False), make(True)
    for _ in range(2):  # the trace, then the plan
        for a, b in zip(plain(x), recomputed(x)):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    graph = recomputed.get_concrete_function(x).graph
    assert graph.op_counts().get("OptimizationBarrier") == len(layers)


def test_without_a_tape_it_is_the_function_itself(rng):
    layers = _blocks(rng, n=1)
    x = tf.constant(rng.standard_normal((2, 6)).astype("f4"))
    np.testing.assert_array_equal(tf.recompute_grad(layers[0])(x).numpy(), layers[0](x).numpy())


def test_keyword_arguments_and_several_outputs(rng):
    w = tf.Variable(rng.standard_normal((3,)).astype("f4"))

    def block(x, scale=1.0):
        return x * w * scale, tf.reduce_sum(x * x)

    x = tf.constant(rng.standard_normal((3,)).astype("f4"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, b = tf.recompute_grad(block)(x, scale=3.0)
        loss = tf.reduce_sum(a) + b
    gx, gw = tape.gradient(loss, [x, w])
    np.testing.assert_allclose(gx.numpy(), 3.0 * w.numpy() + 2 * x.numpy(), rtol=1e-6)
    np.testing.assert_allclose(gw.numpy(), 3.0 * x.numpy(), rtol=1e-6)


def test_random_draws_are_replayed_in_the_recomputation(rng):
    dense = tf.keras.layers.Dense(8)
    dense.build((None, 8))
    dropout = tf.keras.layers.Dropout(0.5)

    def block(x):
        return dropout(dense(x), training=True)

    x = tf.constant(rng.standard_normal((4, 8)).astype("f4"))
    results = []
    for wrap in (False, True):
        tf.random.set_seed(7)
        with tf.GradientTape() as tape:
            y = (tf.recompute_grad(block) if wrap else block)(x)
            loss = tf.reduce_sum(y * y)
        results.append(tape.gradient(loss, dense.kernel).numpy())
    np.testing.assert_array_equal(results[0], results[1])


def test_second_order_through_a_recomputed_block():
    x = tf.Variable([0.3, -1.2])

    def block(v):
        return tf.sin(v) * v

    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.recompute_grad(block)(x))
        g = inner.gradient(y, x)
    h = outer.gradient(g, x)
    xv = x.numpy()
    np.testing.assert_allclose(h.numpy(), 2 * np.cos(xv) - xv * np.sin(xv), rtol=1e-5)


@pytest.mark.parametrize("mode, per_block", [("eager", 1), ("function", 2)])
def test_activation_memory_is_at_least_40_percent_lower(mode, per_block):
    results = recompute_memory.run(layers=8, width=64, batch=256, repeat=0, per_block=per_block)
    plain, recomputed = results[(mode, False)], results[(mode, True)]
    assert recomputed["activations_mb"] <= 0.6 * plain["activations_mb"]
    for a, b in zip(plain["grads"], recomputed["grads"]):
        np.testing.assert_array_equal(a, b)
