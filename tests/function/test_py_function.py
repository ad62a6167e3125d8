"""tf.py_function / tf.numpy_function as host calls, tf.init_scope, tf.control_dependencies,
and tf.TensorArray inside tf.function (values are checked against TF in the golden test)."""

import numpy as np
import pytest

import tapeflow as tf


def test_py_function_runs_on_every_call_not_at_trace_time_only():
    seen = []

    def record(x):
        seen.append(float(x))
        return x + 1.0

    @tf.function
    def f(x):
        return tf.py_function(record, [x], tf.float32) * 2.0

    results = [float(f(tf.constant(v))) for v in (1.0, 5.0, 7.0)]
    assert results == [4.0, 12.0, 16.0]
    assert seen == [1.0, 5.0, 7.0]
    assert f.experimental_get_tracing_count() == 1


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_numpy_function_gets_arrays_and_has_no_gradient():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.numpy_function(lambda a: np.square(a), [x], tf.float32)
        assert isinstance(y, tf.Tensor)
        loss = tf.reduce_sum(y)
    assert tape.gradient(loss, x) is None


def test_py_function_second_order_gradient_eagerly():
    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.py_function(lambda a: a**3, [x], tf.float32)
        dy = inner.gradient(y, x)
    assert float(dy) == 12.0
    assert float(outer.gradient(dy, x)) == 12.0


def test_py_function_errors_become_tf_errors():
    with pytest.raises(tf.errors.UnknownError, match="ZeroDivisionError"):
        tf.py_function(lambda x: 1 / 0, [1.0], tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="float64"):
        tf.py_function(lambda x: x, [1.0], tf.float64)
    with pytest.raises(TypeError, match="Tout"):
        tf.py_function(lambda x: x, [1.0])

    @tf.function
    def f(x):
        return tf.py_function(lambda v: v / 0 if False else 1 / 0, [x], tf.float32)

    with pytest.raises(tf.errors.UnknownError):
        f(tf.constant(1.0))


def test_py_function_in_dataset_map_with_python_state():
    table = {0: 10.0, 1: 20.0, 2: 30.0}
    ds = tf.data.Dataset.range(3).map(
        lambda i: tf.py_function(lambda j: table[int(j)], [i], tf.float32)
    )
    assert [float(v) for v in ds] == [10.0, 20.0, 30.0]


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_init_scope_runs_once_outside_the_trace_with_tapes_paused():
    counter = tf.Variable(0.0)
    traced = []

    @tf.function
    def f(x):
        with tf.init_scope():
            traced.append(1)
            lifted = tf.constant(3.0)  # a constant of the trace
        return x * lifted

    assert float(f(tf.constant(2.0))) == 6.0
    assert float(f(tf.constant(4.0))) == 12.0
    assert len(traced) == 1
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        with tf.init_scope():
            hidden = x * x
        seen = x * 3.0
    assert tape.gradient(hidden, x) is None
    assert float(tape.gradient(seen, x)) == 3.0
    del counter


def test_control_dependencies_keep_effects_in_tf_function():
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        update = v.assign_add(1.0)
        check = tf.debugging.assert_non_negative(x)
        with tf.control_dependencies([update, check, tf.no_op(), tf.group(update)]):
            return tf.identity(x) + v

    assert float(f(tf.constant(1.0))) == 2.0
    assert float(f(tf.constant(1.0))) == 3.0  # the write ran again
    assert float(v) == 2.0
    with tf.control_dependencies(None):
        pass


def test_ensure_shape_inside_tf_function():
    @tf.function
    def f(x):
        return tf.ensure_shape(x, [None, 2]) * 2

    np.testing.assert_allclose(f(tf.ones([3, 2])).numpy(), 2 * np.ones((3, 2)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[3,3\]"):
        f(tf.ones([3, 3]))


def test_tensor_array_built_in_a_python_loop_of_a_function():
    @tf.function
    def fib(n):
        ta = tf.TensorArray(tf.float32, size=n, clear_after_read=False)
        ta = ta.write(0, 0.0).write(1, 1.0)
        for i in range(2, n):
            ta = ta.write(i, ta.read(i - 1) + ta.read(i - 2))
        return ta.stack()

    np.testing.assert_allclose(fib(8).numpy(), [0, 1, 1, 2, 3, 5, 8, 13])
