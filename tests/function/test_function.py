"""tf.function's tracing semantics: one trace per signature, side effects, variables, methods."""

import sys
import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.function import (
    ConcreteFunction,
    Function,
    TensorSpec,
    function,
    functions_run_eagerly,
    run_functions_eagerly,
)
from tapeflow.function import print as tf_print


def test_decorator_with_and_without_arguments():
    @function
    def f(x):
        return x * 2.0

    @function(reduce_retracing=True, jit_compile=False)
    def g(x):
        return x * 3.0

    assert isinstance(f, Function) and isinstance(g, Function)
    assert f.__name__ == "f"
    x = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(f(x).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(g(x).numpy(), [3.0, 6.0])
    np.testing.assert_array_equal(function(lambda x: x + 1.0)(x).numpy(), [2.0, 3.0])


@pytest.mark.filterwarnings("ignore:.*triggered tf.function retracing:UserWarning")  # provoked
def test_one_trace_per_dtype_and_shape_python_values_by_value(capsys):
    @function
    def f(x, n):
        print("trace")
        return x * n

    f(tf.constant(1.0), 2)
    f(tf.constant(5.0), 2)  # same signature: the plan, no trace
    assert f.experimental_get_tracing_count() == 1
    np.testing.assert_array_equal(f(tf.constant(5.0), 2).numpy(), 10.0)
    f(tf.constant(1.0), 3)  # a new Python value
    f(tf.constant([1.0, 2.0]), 3)  # a new shape
    f(tf.constant(1.0, tf.float64), 3)  # a new dtype
    f(tf.constant(1.0), 3.0)  # 3 and 3.0 are different Python values
    assert f.experimental_get_tracing_count() == 5
    assert capsys.readouterr().out == "trace\n" * 5
    np.testing.assert_array_equal(f(tf.constant([2.0, 4.0]), 3).numpy(), [6.0, 12.0])
    assert f.experimental_get_tracing_count() == 5


def test_numpy_arrays_are_tensors_and_structures_are_keyed():
    @function
    def f(d):
        return d["a"] + d["b"][0]

    x = np.ones((2,), np.float32)
    np.testing.assert_array_equal(f({"a": x, "b": [x * 2]}).numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(f({"a": x * 5, "b": [x]}).numpy(), [6.0, 6.0])
    assert f.experimental_get_tracing_count() == 1
    f({"a": x, "b": (x,)})  # a tuple instead of a list: another structure
    assert f.experimental_get_tracing_count() == 2


def test_outputs_keep_their_structure():
    @function
    def f(x):
        return {"double": x * 2.0, "pair": (x, None), "n": 3}

    for v in (1.0, 2.0):
        out = f(tf.constant(v))
        assert set(out) == {"double", "pair", "n"} and out["n"] == 3 and out["pair"][1] is None
        assert float(out["double"]) == 2 * v and float(out["pair"][0]) == v


def test_keyword_arguments_and_defaults():
    @function
    def f(x, scale=2.0, *, shift=0.0):
        return x * scale + shift

    x = tf.constant(1.0)
    assert float(f(x)) == 2.0
    assert float(f(x, shift=1.0)) == 3.0
    assert float(f(x=x, scale=3.0)) == 3.0
    assert float(f(tf.constant(2.0), shift=1.0)) == 5.0
    assert f.experimental_get_tracing_count() == 3


def test_python_side_effects_only_while_tracing_tf_print_every_call(capsys):
    calls = []

    @function
    def f(x):
        calls.append(1)
        tf_print("x =", x, output_stream=sys.stdout)
        return x + 1

    for v in range(3):
        f(tf.constant(v))
    assert len(calls) == 1
    assert capsys.readouterr().out == "x = 0\nx = 1\nx = 2\n"


def test_variables_created_on_the_first_trace_only(capsys):
    class Scale(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = None

        @function
        def __call__(self, x):
            print("trace")
            if self.v is None:
                self.v = tf.Variable(2.0)
            return self.v * x

    m = Scale()
    assert [float(m(tf.constant(v))) for v in (1.0, 2.0, 3.0)] == [2.0, 4.0, 6.0]
    # As TF: the first trace initialises the variable, a second one runs without it.
    assert capsys.readouterr().out == "trace\ntrace\n"
    assert m.__call__.experimental_get_tracing_count() == 2


def test_creating_a_variable_on_every_call_is_tf_error():
    @function
    def f(x):
        v = tf.Variable(1.0)
        return v + x

    # TF traces again at once when a trace created variables, so the first call raises.
    with pytest.raises(ValueError, match="only supports singleton tf.Variables created on"):
        f(tf.constant(1.0))


def test_methods_trace_per_instance():
    class Dense(tf.Module):
        def __init__(self, w):
            super().__init__()
            self.w = tf.Variable(w)

        @function
        def __call__(self, x):
            return x * self.w

    a, b = Dense(2.0), Dense(3.0)
    x = tf.constant(1.0)
    assert float(a(x)) == 2.0 and float(b(x)) == 3.0
    assert float(a(x)) == 2.0 and float(b(x)) == 3.0
    assert a.__call__ is a.__call__ and a.__call__ is not b.__call__
    assert a.__call__.experimental_get_tracing_count() == 1
    assert b.__call__.experimental_get_tracing_count() == 1
    assert isinstance(Dense.__call__, Function)


def test_variables_as_arguments_by_reference():
    @function
    def bump(v, x):
        v.assign_add(x)
        return v.read_value() * 2.0

    a, b = tf.Variable(1.0), tf.Variable(10.0)
    assert float(bump(a, tf.constant(1.0))) == 4.0
    assert float(bump(b, tf.constant(1.0))) == 22.0  # the same trace, another variable
    assert float(bump(a, tf.constant(1.0))) == 6.0
    assert (float(a), float(b)) == (3.0, 11.0)
    assert bump.experimental_get_tracing_count() == 1


def test_closure_variables_are_read_at_call_time():
    v = tf.Variable(1.0)

    @function
    def f(x):
        return x * v

    assert float(f(tf.constant(2.0))) == 2.0
    v.assign(5.0)
    assert float(f(tf.constant(2.0))) == 10.0


def test_input_signature_with_none_dimensions(capsys):
    @function(input_signature=[TensorSpec([None, 2], tf.float32)])
    def f(x):
        return tf.reduce_sum(x, axis=1)

    assert f(tf.ones([3, 2])).shape == (3,)
    assert f(tf.ones([5, 2])).shape == (5,)
    np.testing.assert_array_equal(f([[1.0, 2.0]]).numpy(), [3.0])  # a Python list fits too
    for bad in (tf.zeros([3, 3]), tf.zeros([3, 2], tf.float64), tf.zeros([2]), 1.0):
        with pytest.raises(TypeError, match="Binding inputs to tf.function failed due to"):
            f(bad)
    with pytest.raises(TypeError, match="too many positional arguments"):
        f(tf.zeros([3, 2]), tf.zeros([3, 2]))


def test_tensor_spec():
    spec = TensorSpec([None, 2], tf.float32, name="x")
    assert repr(spec) == "TensorSpec(shape=(None, 2), dtype=tf.float32, name='x')"
    assert spec.is_compatible_with(tf.zeros([7, 2]))
    assert not spec.is_compatible_with(tf.zeros([7, 3]))
    assert not spec.is_compatible_with(tf.zeros([7, 2], tf.int32))
    assert TensorSpec([1]) == TensorSpec([1], tf.float32)
    assert TensorSpec.from_tensor(tf.zeros([2, 3])) == TensorSpec([2, 3])


def test_run_functions_eagerly():
    traces = []

    @function
    def f(x):
        traces.append(1)
        return x + 1

    assert not functions_run_eagerly()
    run_functions_eagerly(True)
    try:
        assert functions_run_eagerly()
        for v in range(3):
            assert float(f(tf.constant(v))) == v + 1
        assert len(traces) == 3 and f.experimental_get_tracing_count() == 0
    finally:
        run_functions_eagerly(False)
    f(tf.constant(1))
    f(tf.constant(2))
    assert len(traces) == 4


def test_frequent_retracing_warns_naming_the_argument():
    @function
    def f(x, n):
        return x * n

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(6):
            f(tf.constant(1.0), n)
    messages = [str(w.message) for w in caught if "retracing" in str(w.message)]
    assert len(messages) == 1
    assert "5 out of the last 5 calls to f triggered tf.function retracing" in messages[0]
    assert "argument 'n' changed from 3 to 4" in messages[0]


def test_reduce_retracing_does_not_warn_for_shapes():
    @function(reduce_retracing=True)
    def f(x):
        return x * 2.0

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 8):
            f(tf.zeros([n]))
    assert not [w for w in caught if "retracing" in str(w.message)]


def test_nested_functions_are_inlined():
    @function
    def inner(x):
        return x * 2.0

    @function
    def outer(x):
        return inner(x) + 1.0

    assert float(outer(tf.constant(1.0))) == 3.0
    assert float(outer(tf.constant(2.0))) == 5.0
    assert inner.experimental_get_tracing_count() == 0  # traced as part of outer


def test_get_concrete_function_traces_without_side_effects(capsys):
    v = tf.Variable(1.0)

    @function
    def f(x):
        v.assign_add(1.0)
        tf_print("called")
        return x * v

    cf = f.get_concrete_function(TensorSpec([2]))
    assert isinstance(cf, ConcreteFunction)
    assert float(v) == 1.0 and capsys.readouterr().err == ""
    assert "assign_add" in str(cf.graph) or "write" in str(cf.graph)
    np.testing.assert_array_equal(cf(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    assert float(v) == 2.0 and capsys.readouterr().err == "called\n"
    assert f.get_concrete_function(tf.constant([5.0, 6.0])) is cf
    assert f.experimental_get_tracing_count() == 1


def test_gradient_through_a_function_call():
    w = tf.Variable([1.0, 2.0])

    @function
    def f(x):
        return tf.reduce_sum(w * x * x)

    x = tf.constant([3.0, 4.0])
    for _ in range(2):  # the trace, then a replay through the tape
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        gw, gx = tape.gradient(y, [w, x])
        np.testing.assert_array_equal(gw.numpy(), [9.0, 16.0])
        np.testing.assert_array_equal(gx.numpy(), [6.0, 16.0])


def test_errors_at_run_time_are_tf_errors():
    @function
    def f(x):
        return tf.debugging.check_numerics(x, "bad")

    f(tf.constant([1.0]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        f(tf.constant([np.nan]))


def test_an_error_while_tracing_propagates_and_leaves_no_tracer():
    from tapeflow.core.context import state

    calls = []

    @function
    def f(x):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return x * 2.0

    with pytest.raises(RuntimeError, match="boom"):
        f(tf.constant(1.0))
    assert state.tracer is None and not state.recording
    assert float(f(tf.constant(2.0))) == 4.0
    assert float(f(tf.constant(3.0))) == 6.0
    assert len(calls) == 2
