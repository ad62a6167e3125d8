"""The errors and behaviours TensorFlow's tf.function guide asserts, with TF 2.21's types.

(site/en/guide/function.ipynb in tensorflow/docs; where TF 2.21 differs from the guide's
text, TF 2.21 wins: input_signature mismatches are TypeError there, not ValueError.)
"""

import warnings

import numpy as np
import pytest

import tapeflow as tf


def test_variable_created_on_every_call_fails_on_the_first_call(capsys):
    @tf.function
    def f(x):
        print("tracing")
        return tf.Variable(1.0) + x

    with pytest.raises(ValueError, match="only supports singleton tf.Variables created on"):
        f(1.0)
    assert capsys.readouterr().out == "tracing\ntracing\n"  # TF traces twice, as here


def test_variable_created_once_traces_twice_on_the_first_call_then_never(capsys):
    class Count(tf.Module):
        def __init__(self):
            self.count = None

        @tf.function
        def __call__(self):
            print("tracing")
            if self.count is None:
                self.count = tf.Variable(0)
            return self.count.assign_add(1)

    c = Count()
    assert [int(c()) for _ in range(3)] == [1, 2, 3]
    assert capsys.readouterr().out == "tracing\ntracing\n"


def test_second_optimizer_creating_slots_in_a_traced_step_is_value_error():
    w = tf.Variable([2.0])
    x, y = tf.constant([-1.0]), tf.constant([2.0])

    @tf.function
    def train_step(w, x, y, optimizer):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(w * x - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))

    train_step(w, x, y, tf.keras.optimizers.Adam(learning_rate=1e-2))
    after_first = w.numpy().copy()
    with pytest.raises(ValueError, match="only supports singleton tf.Variables"):
        train_step(w, x, y, tf.keras.optimizers.Adam(learning_rate=1e-3))
    assert not np.array_equal(after_first, [2.0])


def test_the_retrace_leaves_random_draws_and_variables_as_one_trace_would():
    # TF gives a function that creates its variables the same numbers as one that does not.
    def draws(make_variable):
        tf.random.set_seed(1)
        holder = {}

        @tf.function
        def f():
            if make_variable and "v" not in holder:
                holder["v"] = tf.Variable(1.0)
            offset = holder["v"] if make_variable else 1.0
            return tf.random.uniform([2]) + tf.random.uniform([2], seed=7) + offset

        return [f().numpy() for _ in range(3)]

    np.testing.assert_array_equal(draws(True), draws(False))


def test_get_concrete_function_consumes_no_seeded_random_draws():
    def draws(concrete_first):
        tf.random.set_seed(3)
        f = tf.function(lambda: tf.random.normal([2], seed=5))
        if concrete_first:
            f.get_concrete_function()
        return [f().numpy() for _ in range(2)]

    np.testing.assert_array_equal(draws(True), draws(False))


def test_input_signature_mismatches_are_type_errors():
    @tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),))
    def next_collatz(x):
        return tf.where(x % 2 == 0, x // 2, 3 * x + 1)

    np.testing.assert_array_equal(next_collatz(tf.constant([1, 2])).numpy(), [4, 1])
    np.testing.assert_array_equal(next_collatz([1, 2]).numpy(), [4, 1])
    for bad in (tf.constant([[1, 2], [3, 4]]), tf.constant([1.0, 2.0]), [1.0, 2.0], 3, None):
        with pytest.raises(TypeError, match="Binding inputs to tf.function failed"):
            next_collatz(bad)


def test_concrete_function_checks_its_arguments_as_tf():
    @tf.function
    def double(a):
        return a + a

    cf = double.get_concrete_function(tf.constant(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float32 tensor"):
        cf(tf.constant(1))
    r = cf(1.0)  # a Python value is converted to the traced dtype
    assert type(r) is tf.Tensor and float(r) == 2.0
    with pytest.raises(TypeError, match="too many positional arguments"):
        cf(tf.constant(2.0), tf.constant(2.0))


def test_concrete_function_python_arguments_are_bound_to_the_traced_values():
    @tf.function
    def power(a, b):
        return a**b

    square = power.get_concrete_function(a=tf.TensorSpec(None, tf.float32), b=2)
    assert float(square(tf.constant(10.0))) == 100.0
    assert float(square(tf.constant(10.0), b=2)) == 100.0
    with pytest.raises(TypeError, match="Can not cast 3 to Literal"):
        square(tf.constant(10.0), b=3)


def test_python_globals_and_object_attributes_are_frozen_at_trace():
    holder = {"foo": 1}

    @tf.function
    def buggy_add():
        return 1 + holder["foo"]

    assert int(buggy_add()) == 2
    holder["foo"] = 100
    assert int(buggy_add()) == 2  # as in TF: the traced value


def test_python_side_effect_guarded_by_a_counter_runs_in_the_graph():
    class Model(tf.Module):
        def __init__(self):
            self.v = tf.Variable(0)
            self.counter = 0

        @tf.function
        def __call__(self):
            if self.counter == 0:
                self.counter += 1
                self.v.assign_add(1)
            return self.v

    m = Model()
    assert [int(m()) for _ in range(3)] == [1, 2, 3]


def test_init_scope_lifts_the_write_out_of_the_graph():
    class Model(tf.Module):
        def __init__(self):
            self.v = tf.Variable(0)
            self.counter = 0

        @tf.function
        def __call__(self):
            if self.counter == 0:
                with tf.init_scope():
                    self.counter += 1
                    self.v.assign_add(1)
            return self.v

    m = Model()
    assert [int(m()) for _ in range(3)] == [1, 1, 1]


def test_init_scope_write_after_a_use_in_the_trace_is_an_error():
    v = tf.Variable(0)

    @tf.function
    def f():
        before = v + 0
        with tf.init_scope():
            v.assign_add(10)
        return before

    with pytest.raises(ValueError, match="init_scope"):
        f()


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_init_scope_is_not_recorded_by_tapes():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.init_scope():
            y = x * x
    assert tape.gradient(y, x) is None


def test_a_tf_data_iterator_advances_on_every_call():
    @tf.function
    def good_consume_next(iterator):
        return next(iterator)

    iterator = iter(tf.data.Dataset.from_tensor_slices([1, 2, 3]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the plan pulls each element: no eager fallback
        values = [int(good_consume_next(iterator)) for _ in range(3)]
    assert values == [1, 2, 3]  # TF's values; a frozen trace gave 1, 1, 1
    assert good_consume_next.experimental_get_tracing_count() == 1


def test_a_dataset_loop_sees_each_epoch():
    def dataset():
        return tf.data.Dataset.range(5).shuffle(5, seed=1, reshuffle_each_iteration=True)

    def order(ds):
        out = tf.constant(0, tf.int64)
        for x in ds:
            out = out * 10 + x
        return out

    ds = dataset()
    traced = tf.function(order)
    with pytest.warns(UserWarning, match="tf.data iterator"):
        got = [int(traced(ds)) for _ in range(3)]
    ds = dataset()
    expected = [int(order(ds)) for _ in range(3)]
    assert got == expected and len(set(got)) > 1  # a new order each epoch, as eagerly


def test_a_variable_creating_function_does_not_consume_the_iterator_twice():
    holder = {}

    @tf.function
    def f(iterator):
        if "v" not in holder:
            holder["v"] = tf.Variable(10)
        return next(iterator) + holder["v"]

    iterator = iter(tf.data.Dataset.from_tensor_slices([1, 2, 3]))
    assert [int(f(iterator)) for _ in range(3)] == [11, 12, 13]


def test_a_function_calling_itself_while_traced_raises_as_tf():
    # TF 2.21 traces the inner call again (both branches of the tensor `if` are traced) until
    # Python's recursion limit, and raises autograph's StagingError (an Exception, not a
    # RecursionError) whose message begins "in user code:" and names the RecursionError.
    @tf.function
    def recursive_fn(n):
        if n > 0:
            return recursive_fn(n - 1)
        return 1

    with pytest.raises(Exception) as caught:
        recursive_fn(tf.constant(5))
    assert type(caught.value).__name__ == "StagingError"
    assert not isinstance(caught.value, RecursionError)
    assert str(caught.value).startswith("in user code:")
    assert "RecursionError: maximum recursion depth exceeded" in str(caught.value)


def test_recursion_through_python_values_traces_each_level():
    @tf.function
    def factorial(n):  # a Python int: each level is a new input signature, as in TF
        return 1 if n == 0 else n * factorial(n - 1)

    assert int(factorial(5)) == 120


def test_a_tensor_leaked_from_a_trace_cannot_be_captured_by_another_function():
    # TF 2.21: "<tf.Tensor 'add:0' ...> is out of scope and cannot be used here. Use return
    # values, explicit Python locals or TensorFlow collections to access it." (TypeError)
    leaked = {}

    @tf.function
    def leaky_function(a):
        leaked["x"] = a + 1
        return leaked["x"]

    assert int(leaky_function(tf.constant(1))) == 2  # the returned value is fine

    @tf.function
    def captures_leaked_tensor(b):
        return b + leaked["x"]

    with pytest.raises(TypeError, match="is out of scope and cannot be used here. Use return"):
        captures_leaked_tensor(tf.constant(2))

    @tf.function
    def uses_the_returned_value(b, returned):
        return b + returned

    assert int(uses_the_returned_value(tf.constant(2), leaky_function(tf.constant(1)))) == 4


def test_the_leaked_ids_kept_are_bounded(monkeypatch):
    # A program that retraces without end must not grow the set of leaked ids without end:
    # past the limit, the oldest traces' ids are forgotten (the newest are still refused).
    import collections
    import importlib
    import warnings

    trace = importlib.import_module("tapeflow.function.trace")
    monkeypatch.setattr(trace, "LEAKED", set())
    monkeypatch.setattr(trace, "_leaked_by_trace", collections.deque())
    monkeypatch.setattr(trace, "LEAKED_LIMIT", 10)
    leaked = []

    @tf.function
    def leaky(a):
        leaked.append(a * 2 + 1)
        return a

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the retracing warning
        for n in range(1, 13):  # a new shape each time: twelve traces
            leaky(tf.zeros((n,)))
    per_trace = len(trace._leaked_by_trace[-1])
    assert 0 < len(trace.LEAKED) <= 10 + per_trace
    with pytest.raises(TypeError, match="out of scope"):
        tf.function(lambda: leaked[-1] + 1)()
    assert float(tf.function(lambda: leaked[0][0] + 1)()) == 2.0  # forgotten: a constant
