"""Tensor construction, conversion, dtype rules and Python protocol, checked against TF."""

import numpy as np
import pytest

import tapeflow as tf


def test_python_values_default_to_float32_and_int32():
    assert tf.constant(1.0).dtype == tf.float32
    assert tf.constant(1).dtype == tf.int32
    assert tf.constant([1, 2.5]).dtype == tf.float32
    assert tf.constant(True).dtype == tf.bool
    assert tf.constant(2**40).dtype == tf.int64  # does not fit int32, as in TF


def test_numpy_values_keep_their_dtype():
    assert tf.constant(np.array([1.0, 2.0])).dtype == tf.float64
    assert tf.constant(np.float64(1.0)).dtype == tf.float64
    assert tf.convert_to_tensor(np.arange(3, dtype=np.int64)).dtype == tf.int64


def test_constant_copies_its_numpy_input():
    a = np.ones(3, dtype=np.float32)
    t = tf.constant(a)
    a[0] = 5
    assert t.numpy()[0] == 1


def test_constant_with_shape_fills_or_reshapes():
    np.testing.assert_array_equal(tf.constant(7.0, shape=(2, 2)).numpy(), np.full((2, 2), 7.0))
    assert tf.constant([1, 2, 3, 4], shape=(2, 2)).shape == (2, 2)
    with pytest.raises(TypeError):
        tf.constant([1, 2, 3], shape=(2, 2))


def test_convert_to_tensor_dtype_request():
    assert tf.convert_to_tensor([1, 2], dtype=tf.float64).dtype == tf.float64
    assert tf.convert_to_tensor([1, 2], dtype_hint=tf.float32).dtype == tf.float32
    with pytest.raises(ValueError, match="requested dtype float64 for Tensor with dtype float32"):
        tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float64)
    with pytest.raises(TypeError, match="Cannot convert 1.5 to EagerTensor of dtype int32"):
        tf.convert_to_tensor(1.5, dtype=tf.int32)


def test_no_implicit_promotion_names_both_dtypes():
    with pytest.raises(tf.errors.InvalidArgumentError, match="float32, float64"):
        tf.constant(1.0) + tf.constant(1.0, dtype=tf.float64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="AddV2"):
        tf.add(tf.constant(1.0), tf.constant(1.0, dtype=tf.float64))


def test_python_scalars_take_the_tensor_dtype():
    x = tf.constant([1.0, 2.0], dtype=tf.float64)
    assert (x + 1.5).dtype == tf.float64
    assert (2 * x).dtype == tf.float64
    assert (tf.constant(3) + 1).dtype == tf.int32
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant(1) + 1.5  # TF: AddV2 input #1 expected int32, got float


def test_numpy_operand_takes_the_tensor_dtype():
    # TF converts the NumPy operand to the Tensor's dtype, in both operand orders.
    y = tf.constant([1.0, 2.0]) + np.array([1.0, 2.0])
    assert y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0])
    z = np.array([1.0, 2.0]) + tf.constant([1.0, 2.0])
    assert isinstance(z, tf.Tensor) and z.dtype == tf.float32


def test_str_and_repr_match_tensorflow():
    assert str(tf.constant(6.0)) == "tf.Tensor(6.0, shape=(), dtype=float32)"
    assert repr(tf.constant(6.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=6.0>"
    assert repr(tf.constant([1, 2])) == (
        "<tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>"
    )
    assert str(tf.constant([1.0, 2.0])) == "tf.Tensor([1. 2.], shape=(2,), dtype=float32)"


def test_python_protocol():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert len(t) == 2
    assert t.ndim == 2
    rows = list(t)
    assert len(rows) == 2 and isinstance(rows[0], tf.Tensor)
    np.testing.assert_array_equal(rows[1].numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(np.asarray(t), [[1, 2], [3, 4]])
    assert float(tf.constant(2.5)) == 2.5
    assert int(tf.constant(2.7)) == 2
    assert bool(tf.constant(True)) is True
    assert isinstance(tf.constant(1.0).numpy(), np.float32)
    assert list(range(tf.constant(3))) == [0, 1, 2]


def test_python_protocol_errors():
    with pytest.raises(TypeError, match="no `len"):
        len(tf.constant(1.0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="unhashable"):
        hash(tf.constant(1.0))
    t = tf.constant(1.0)
    assert {t.ref(): 1}[t.ref()] == 1 and t.ref().deref() is t


def test_tensor_shape_basics():
    s = tf.constant(np.zeros((2, 3))).shape
    assert s == (2, 3) and s == [2, 3] and s == tf.TensorShape([2, 3])
    assert s.as_list() == [2, 3] and s.rank == 2 and s.num_elements() == 6
    assert isinstance(s[0], int) and s[1:] == tf.TensorShape([3])
    assert repr(s) == "TensorShape([2, 3])" and str(s) == "(2, 3)"
    assert str(tf.TensorShape([5])) == "(5,)"
    partial = tf.TensorShape([None, 3])
    assert str(partial) == "(None, 3)" and not partial.is_fully_defined()
    assert partial.is_compatible_with([7, 3]) and not partial.is_compatible_with([7, 4])
    assert partial.merge_with([7, None]) == (7, 3)
    assert tf.TensorShape(None).rank is None and repr(tf.TensorShape(None)) == "TensorShape(None)"
    with pytest.raises(ValueError):
        tf.TensorShape(None).as_list()


def test_ids_are_unique_counters():
    a, b = tf.constant(1.0), tf.constant(1.0)
    assert a._id != b._id and isinstance(a._id, int)


@pytest.mark.parametrize(
    "key",
    [
        1,
        -1,
        slice(1, 3),
        (slice(None), 0),
        (Ellipsis, 1),
        (None, 0),
        (slice(None, None, -2),),
        (slice(0, 3, 2), slice(None), None),
    ],
)
def test_getitem_matches_numpy(key):
    a = np.arange(24, dtype=np.float32).reshape(4, 3, 2)
    np.testing.assert_array_equal(tf.constant(a)[key].numpy(), a[key])


def test_getitem_with_tensor_index_and_newaxis():
    t = tf.constant([1.0, 2.0, 3.0])
    assert float(t[tf.constant(1)]) == 2.0
    assert t[tf.newaxis, :].shape == (1, 3)
    with pytest.raises(TypeError, match="valid indices"):
        t[tf.constant(1.0)]


def test_getitem_is_differentiable_with_strides():
    x = tf.constant(np.arange(6.0))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x[::2] * x[1::2])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1, 0, 3, 2, 5, 4])


def test_conversion_order_follows_tensorflow():
    # TF 2.21: the first Tensor or array fixes the dtype; a later NumPy array is cast to it.
    assert tf.add(np.ones(2, np.float32), np.ones(2)).dtype == tf.float32
    assert tf.add(tf.ones(2), np.ones(2)).dtype == tf.float32
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.add(np.ones(2), tf.ones(2))
    assert tf.pow(2.0, 3).dtype == tf.float32  # all-Python: the first value decides
    with pytest.raises(TypeError, match="Cannot convert 0.5"):
        tf.maximum(tf.constant(1), 0.5)  # op functions: TypeError; `+` operator: above


def test_op_functions_accept_a_name():
    assert float(tf.exp(0.0, name="e")) == 1.0
