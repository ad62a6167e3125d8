"""ForwardAccumulator (jvp) and Hessian-vector products through a tape around it."""

import numpy as np

import tapeflow as tf


def test_jvp_matches_directional_derivative():
    x = tf.constant([0.5, 1.0, 2.0], dtype=tf.float64)
    v = tf.constant([1.0, -1.0, 0.5], dtype=tf.float64)
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        y = tf.reduce_sum(tf.exp(x) * x)
    expected = np.sum((np.exp(x.numpy()) * (1 + x.numpy())) * v.numpy())
    np.testing.assert_allclose(float(acc.jvp(y)), expected, rtol=1e-12)


def test_jvp_of_unrelated_value():
    x = tf.constant(1.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        z = tf.constant(3.0) * 2.0
    assert acc.jvp(z) is None
    assert float(acc.jvp(z, unconnected_gradients="zero")) == 0.0


def test_jvp_with_variable_primal():
    w = tf.Variable([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(w, tf.constant([1.0, 0.0])) as acc:
        y = tf.reduce_sum(w * w)
    assert float(acc.jvp(y)) == 2.0


def test_hessian_vector_product_reverse_over_forward():
    x = tf.constant([1.0, 2.0], dtype=tf.float64)
    v = tf.constant([1.0, 1.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.autodiff.ForwardAccumulator(x, v) as acc:
            y = tf.reduce_sum(x * x * x)  # Hessian diag(6x)
        jvp = acc.jvp(y)
    hvp = tape.gradient(jvp, x)
    np.testing.assert_allclose(hvp.numpy(), [6.0, 12.0])


def test_hessian_vector_product_forward_over_reverse():
    x = tf.constant([1.0, 2.0], dtype=tf.float64)
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0], dtype=tf.float64)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(x * x * x)
        g = tape.gradient(y, x)
    np.testing.assert_allclose(acc.jvp(g).numpy(), [6.0, 0.0])
