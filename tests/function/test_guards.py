"""Python control flow on tensor values: guards keep tf.function's results eager's."""

import sys
import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.function import cond, function, while_loop
from tapeflow.function import print as tf_print
from tapeflow.function.tracing import MAX_TRACES_PER_SIGNATURE


def _both(fn, *args):
    """fn's eager result and its tf.function result (after the trace, from the plan)."""
    return fn(*args), function(fn)


def test_if_on_a_tensor_takes_both_branches():
    def f(x):
        if tf.reduce_sum(x) > 0:
            return x * 2.0
        return x - 1.0

    tf_f = function(f)
    for v in ([1.0, 2.0], [-1.0, -2.0], [3.0, 1.0], [-3.0, 1.0], [0.5, 0.5]):
        x = tf.constant(v)
        np.testing.assert_array_equal(tf_f(x).numpy(), f(x).numpy())
    assert tf_f.experimental_get_tracing_count() == 2  # one trace per branch


def test_while_on_tensors_unrolls_per_iteration_count():
    def f(n):
        i, s = tf.constant(0), tf.constant(0.0)
        while i < n:
            s += tf.cast(i, tf.float32)
            i += 1
        return s

    tf_f = function(f)
    for n in (3, 5, 3, 0, 5):
        assert float(tf_f(tf.constant(n))) == float(f(tf.constant(n)))
    assert tf_f.experimental_get_tracing_count() == 3


def test_for_over_tf_range_of_an_argument():
    @function
    def f(n, x):
        total = tf.zeros_like(x)
        for i in tf.range(n):
            total += x * tf.cast(i, tf.float32)
        return total

    x = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(f(tf.constant(3), x).numpy(), [3.0, 6.0])
    np.testing.assert_array_equal(f(tf.constant(4), x).numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(f(tf.constant(3), x).numpy(), [3.0, 6.0])
    assert f.experimental_get_tracing_count() == 2


def test_conversions_to_python_are_guarded():
    @function
    def f(x, k):
        n = int(k)  # a shape from a tensor's value
        return tf.fill([n], float(x)) + x

    np.testing.assert_array_equal(f(tf.constant(1.5), tf.constant(2)).numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(f(tf.constant(2.5), tf.constant(3)).numpy(), [5.0] * 3)
    np.testing.assert_array_equal(f(tf.constant(1.5), tf.constant(2)).numpy(), [3.0, 3.0])
    assert f.experimental_get_tracing_count() == 2


def test_numpy_values_are_guarded():
    @function
    def f(x):
        table = {0: 10.0, 1: 20.0}
        return x * table[int(x.numpy()[0])]

    # Float inputs: `int32 tensor * 10.0` is TF's TypeError (a Python float never converts
    # to an integer tensor).
    assert float(f(tf.constant([0.0]))[0]) == 0
    assert int(f(tf.constant([1.0]))[0]) == 20
    assert int(f(tf.constant([1.0]))[0]) == 20


def test_dynamic_shapes_are_guarded():
    @function
    def f(x):
        positives = tf.gather(x, tf.reshape(tf.where(x > 0), [-1]))
        return len(positives) * 1.0 + tf.reduce_sum(positives)

    assert float(f(tf.constant([1.0, -1.0, 2.0]))) == 5.0
    assert float(f(tf.constant([1.0, 3.0, 2.0]))) == 9.0
    assert float(f(tf.constant([-1.0, 3.0, -2.0]))) == 4.0


def test_guards_are_checked_before_effects():
    v = tf.Variable(0.0)

    @function
    def f(x):
        v.assign_add(1.0)
        if x > 0:
            return v * 2.0
        return v * -1.0

    f(tf.constant(1.0))
    cf = next(iter(f._cache.values())).traces[0]
    kinds = [n.kind for n in cf.graph.nodes]
    assert kinds.index("guard") < kinds.index("write")
    assert not cf._plan.rollback
    assert float(f(tf.constant(-1.0))) == -2.0
    assert float(f(tf.constant(1.0))) == 6.0
    assert float(v) == 3.0


def test_a_guard_after_effects_undoes_them_when_it_fails(capsys):
    v = tf.Variable(0.0)

    def f(x):
        v.assign_add(x)
        tf_print("v", v)
        if v > 2.0:
            return v * 10.0
        return v

    tf_f = function(f)
    results = [float(tf_f(tf.constant(1.0))) for _ in range(4)]
    assert results == [1.0, 2.0, 30.0, 40.0] and float(v) == 4.0
    assert capsys.readouterr().err == "v 1\nv 2\nv 3\nv 4\n"
    assert tf_f.experimental_get_tracing_count() == 2
    assert all(cf._plan.rollback for cf in next(iter(tf_f._cache.values())).traces)


def test_too_many_paths_run_eagerly_with_a_warning():
    @function
    def f(n):
        i = tf.constant(0)
        while i < n:
            i += 1
        return i

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(MAX_TRACES_PER_SIGNATURE + 3):
            assert int(f(tf.constant(n))) == n
    assert f.experimental_get_tracing_count() == MAX_TRACES_PER_SIGNATURE
    assert sum("eagerly" in str(w.message) for w in caught) == 1


# ---- tf.cond and tf.while_loop --------------------------------------------------------------


def test_cond_eager_and_traced():
    def f(x):
        return cond(x > 0, lambda: x * 2.0, lambda: (x, -x))

    assert float(f(tf.constant(2.0))) == 4.0
    a, b = f(tf.constant(-2.0))
    assert (float(a), float(b)) == (-2.0, 2.0)
    tf_f = function(f)
    for v in (2.0, -2.0, 3.0, -3.0):
        expected = f(tf.constant(v))
        got = tf_f(tf.constant(v))
        assert np.array_equal(np.array(got, dtype=object), np.array(expected, dtype=object)) or (
            [float(t) for t in tf.nest.flatten(got)]
            == [float(t) for t in tf.nest.flatten(expected)]
        )
    assert tf_f.experimental_get_tracing_count() == 2
    with pytest.raises(TypeError, match="'true_fn' must be callable"):
        cond(True, 1, lambda: 2)


def test_while_loop_eager_and_traced():
    def f(n):
        return while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i), [0, 0])

    i, s = f(tf.constant(5))
    assert (int(i), int(s)) == (5, 10)
    tf_f = function(f)
    for n in (5, 3, 5):
        i, s = tf_f(tf.constant(n))
        assert (int(i), int(s)) == (n, n * (n - 1) // 2)
    # TF: maximum_iterations stops the loop; the result has loop_vars' structure (a list).
    out = while_loop(lambda x: x < 100, lambda x: [x * 2], [tf.constant(1)], maximum_iterations=3)
    assert isinstance(out, list) and int(out[0]) == 8
    with pytest.raises(TypeError, match="Cannot iterate over a scalar tensor"):
        while_loop(lambda x: x < 100, lambda x: x * 2, [tf.constant(1)])
    with pytest.raises(TypeError, match="'body' must be callable"):
        while_loop(lambda: True, None, [1])


def test_print_of_sys_stdout_in_while_loop(capsys):
    @function
    def f(n):
        def body(i):
            tf_print("i", i, output_stream=sys.stdout)
            return (i + 1,)

        return while_loop(lambda i: i < n, body, (tf.constant(0),))

    f(tf.constant(2))
    f(tf.constant(2))
    assert capsys.readouterr().out == "i 0\ni 1\ni 0\ni 1\n"


def test_branches_under_an_outer_tape():
    w = tf.Variable(2.0)

    @function
    def f(x):
        if x > 0:
            return w * x
        return w * x * x

    for v, grad in ((3.0, 3.0), (-3.0, 9.0), (2.0, 2.0), (-2.0, 4.0)):
        with tf.GradientTape() as tape:
            y = f(tf.constant(v))
        assert float(tape.gradient(y, w)) == grad
    assert f.experimental_get_tracing_count() == 2
