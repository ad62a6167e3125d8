"""Unused ops are pruned from a tf.function, effects never: TF 2.21's behaviour.

TF checks values (an index in range) only when the graph runs and never runs an op whose
result is unused, so a dead `tf.gather(x, 10)` does not fail; a live one, or one whose
result reaches an effect, does (InvalidArgumentError).
"""

import numpy as np
import pytest

import tapeflow as tf

X = np.array([1.0, 2.0], np.float32)


def _twice(f, *args):
    return [f(*args) for _ in range(2)]  # the tracing call, then the plan


def test_dead_gather_with_a_bad_index_does_not_raise():
    @tf.function
    def f(x):
        tf.gather(x, 10)
        unused = tf.reduce_sum(tf.gather(x, [0, 7]) * 2.0 + 1.0)  # a dead chain
        del unused
        return x + 1.0

    for r in _twice(f, tf.constant(X)):
        np.testing.assert_array_equal(r.numpy(), [2.0, 3.0])


def test_dead_gather_keeps_static_shape_and_dtype():
    seen = []

    @tf.function
    def f(x):
        y = tf.gather(x, [[3, 4, 5]])
        seen.append((y.shape.as_list(), y.dtype))
        return x * 2.0

    np.testing.assert_array_equal(f(tf.constant(X)).numpy(), [2.0, 4.0])
    assert seen == [([1, 3], tf.float32)]


def test_dead_gather_with_a_bad_argument_index_is_pruned_from_the_plan():
    @tf.function
    def f(x, i):
        tf.gather(x, i)
        return tf.reduce_sum(x)

    for i in (0, 10, 10):
        assert float(f(tf.constant(X), tf.constant(i))) == 3.0


def test_live_gather_with_a_bad_index_raises():
    @tf.function
    def f(x):
        return tf.gather(x, 10) + 1.0

    for _ in range(2):
        with pytest.raises(tf.errors.InvalidArgumentError, match="GatherV2"):
            f(tf.constant(X))


def test_a_needed_failed_value_raises_wherever_it_is_needed(capsys):
    v = tf.Variable(0.0)
    uses = {
        "print": lambda y: tf.print(y),
        "assign": lambda y: v.assign(y),
        "python": lambda y: float(y),
        "branch": lambda y: 1 if y > 0 else 2,
        "check_numerics": lambda y: tf.debugging.check_numerics(y, "y"),
    }
    for use in uses.values():

        @tf.function
        def f(x, use=use):
            use(tf.gather(x, 10))
            return x

        with pytest.raises(tf.errors.InvalidArgumentError, match="GatherV2"):
            f(tf.constant(X))
    assert float(v) == 0.0
    assert capsys.readouterr().err == ""  # the stand-in value was never printed


def test_a_host_callback_never_runs_on_a_failed_value():
    v = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.SGD(0.1)

    @tf.function
    def step():
        opt.apply_gradients([(tf.gather(v, [5, 6]), v)])

    with pytest.raises(tf.errors.InvalidArgumentError, match="GatherV2"):
        step()
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_shape_errors_still_raise_while_tracing():
    @tf.function
    def f(x):
        tf.matmul(x, x)  # TF's shape inference rejects this even though it is unused
        return x

    with pytest.raises(ValueError, match="MatMul"):
        f(tf.constant([[1.0, 2.0]]))


def test_dead_gradient_of_a_failed_op_inside_the_function():
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f():
        with tf.GradientTape() as tape:
            tf.gather(v, 5) * 3.0
            y = tf.reduce_sum(v * v)
        return tape.gradient(y, v)

    for r in _twice(f):
        np.testing.assert_array_equal(r.numpy(), [2.0, 4.0])


def test_unused_effects_are_never_pruned(capsys):
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        tf.print("called")
        v.assign_add(1.0)
        tf.debugging.check_numerics(x, "x")
        tf.random.uniform([2])
        return tf.constant(0.0)

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert capsys.readouterr().err == "called\ncalled\n"
    assert float(v) == 2.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="x : Tensor had NaN"):
        f(tf.constant(np.nan))
