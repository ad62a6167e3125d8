"""tf.custom_gradient, with and without variables."""

import numpy as np
import pytest

import tapeflow as tf


@tf.custom_gradient
def clip_gradient_norm(x):
    def grad(upstream):
        return upstream * 0.5

    return tf.identity(x), grad


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1.0 - 1.0 / (1.0 + e))

    return tf.math.log(1.0 + e), grad


def test_custom_gradient_replaces_the_vjp():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(clip_gradient_norm(x) * 4.0)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 2.0])


def test_tf_docs_log1pexp_is_stable():
    x = tf.constant(100.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == 1.0


def test_custom_gradient_with_variables():
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled(x):
        def grad(upstream, variables):
            return upstream * 10.0, [upstream * 100.0 for _ in variables]

        return x * v, grad

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x)
    gx, gv = tape.gradient(y, [x, v])
    assert (float(gx), float(gv)) == (10.0, 100.0)


def test_grad_fn_must_accept_variables_when_f_uses_them():
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def bad(x):
        return x * v, lambda upstream: upstream

    with pytest.raises(TypeError, match="variables"):
        bad(tf.constant(1.0))


def test_custom_gradient_second_order():
    @tf.custom_gradient
    def cube(x):
        def grad(upstream):
            return upstream * 3.0 * x * x

        return x * x * x, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        dy = inner.gradient(y, x)
    assert float(dy) == 12.0 and float(outer.gradient(dy, x)) == 12.0
