"""What a tf.function returns, checked against TF 2.21: every leaf a Tensor (or None)."""

import collections

import numpy as np
import pytest

import tapeflow as tf

Pair = collections.namedtuple("Pair", "a b")


def _calls(fn, *args, n=2):
    """The results of `n` calls: the first traces, the later ones run the plan."""
    return [fn(*args) for _ in range(n)]


def _assert_tensor(t, dtype, value):
    assert type(t) is tf.Tensor, repr(t)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), value)


@pytest.mark.parametrize(
    "value, dtype",
    [(0, tf.int32), (1.5, tf.float32), (True, tf.bool), (2**40, tf.int64), (1j, tf.complex128)],
)
def test_python_number_comes_back_as_a_tensor(value, dtype):
    for r in _calls(tf.function(lambda: value)):
        _assert_tensor(r, dtype, value)


def test_numpy_values_keep_their_dtype():
    for r in _calls(tf.function(lambda: np.float64(2.0))):
        _assert_tensor(r, tf.float64, 2.0)
    for r in _calls(tf.function(lambda: np.arange(3))):
        _assert_tensor(r, tf.int64, [0, 1, 2])


def test_nested_python_values_become_tensors_and_none_stays():
    f = tf.function(lambda x: {"a": 1, "b": (x, [2.0, None]), "c": Pair(3, 4.0)})
    for r in _calls(f, tf.constant(5.0)):
        assert set(r) == {"a", "b", "c"} and type(r["c"]) is Pair
        _assert_tensor(r["a"], tf.int32, 1)
        _assert_tensor(r["b"][0], tf.float32, 5.0)
        _assert_tensor(r["b"][1][0], tf.float32, 2.0)
        assert r["b"][1][1] is None
        _assert_tensor(r["c"].a, tf.int32, 3)
        _assert_tensor(r["c"].b, tf.float32, 4.0)
    assert _calls(tf.function(lambda: None)) == [None, None]


def test_namedtuple_of_tensors_keeps_its_type_on_every_call():
    f = tf.function(lambda x: Pair(x, x * 2.0))
    for r in _calls(f, tf.constant(1.0), n=3):
        assert type(r) is Pair
        assert float(r.b) == 2.0


def test_fully_defined_shape_is_an_int32_tensor():
    f = tf.function(lambda x: x.shape)
    for r in _calls(f, tf.constant([[1.0, 2.0]])):
        _assert_tensor(r, tf.int32, [1, 2])


def test_variable_and_its_updates_come_back_as_tensors():
    v = tf.Variable(1.0)
    for r in _calls(tf.function(lambda: v)):
        _assert_tensor(r, tf.float32, 1.0)
    add = tf.function(lambda: v.assign_add(1.0))
    _assert_tensor(add(), tf.float32, 2.0)
    _assert_tensor(add(), tf.float32, 3.0)
    sub = tf.function(lambda: v.assign_sub(1.0))
    _assert_tensor(sub(), tf.float32, 2.0)
    _assert_tensor(sub(), tf.float32, 1.0)
    for r in _calls(tf.function(lambda: v.assign(5.0))):
        _assert_tensor(r, tf.float32, 5.0)
    # A returned Tensor is a snapshot: later writes do not change it.
    r = add()
    v.assign(0.0)
    assert float(r) == 6.0


def test_returned_variable_read_is_differentiable():
    v = tf.Variable(2.0)
    f = tf.function(lambda: v)
    for _ in range(2):
        with tf.GradientTape() as tape:
            y = f() * 3.0
        assert float(tape.gradient(y, v)) == 3.0


def test_assign_without_read_value_returns_none_eagerly():
    v = tf.Variable(1.0)
    assert v.assign(2.0, read_value=False) is None
    assert v.assign_add(1.0, read_value=False) is None
    assert v.assign_sub(1.0, read_value=False) is None
    assert float(v) == 2.0


@pytest.mark.parametrize("value", [object(), tf.float32, Ellipsis, tf.TensorShape([None, 2])])
def test_other_python_objects_are_a_type_error(value):
    f = tf.function(lambda: [1.0, value])
    for _ in range(2):
        with pytest.raises(TypeError, match="must return zero or more Tensors"):
            f()


def test_inner_function_called_while_tracing_returns_tensors():
    inner = tf.function(lambda: 0)
    seen = []

    @tf.function
    def outer():
        r = inner()
        seen.append(type(r))
        return r + 1

    _assert_tensor(outer(), tf.int32, 1)
    assert seen == [tf.Tensor]


def test_run_functions_eagerly_returns_the_python_result():
    tf.config.run_functions_eagerly(True)
    try:
        assert tf.function(lambda: 0)() == 0
    finally:
        tf.config.run_functions_eagerly(False)


def test_python_string_comes_back_as_a_string_tensor():
    for r in _calls(tf.function(lambda: ["hi", b"yo"])):
        assert [t.dtype for t in r] == [tf.string, tf.string]
        assert [t.numpy() for t in r] == [b"hi", b"yo"]
