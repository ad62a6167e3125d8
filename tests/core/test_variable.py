"""tf.Variable: fixed dtype and shape, in-place updates, copy-on-write, slices."""

import numpy as np
import pytest

import tapeflow as tf


def test_attributes():
    v = tf.Variable([1.0, 2.0], name="w")
    assert v.name == "w:0" and v.dtype == tf.float32 and v.shape == (2,)
    assert v.trainable and not tf.Variable(1.0, trainable=False).trainable
    assert tf.Variable(1.0).name == "Variable:0"
    assert tf.Variable(1).dtype == tf.int32
    assert tf.Variable(lambda: tf.constant(3.0)).numpy() == 3.0
    assert isinstance(v.numpy(), np.ndarray) and isinstance(tf.Variable(1.0).numpy(), np.float32)


def test_repr_matches_tensorflow():
    v = tf.Variable([3.0, 4.0])
    expected = (
        "<tf.Variable 'Variable:0' shape=(2,) dtype=float32, numpy=array([3., 4.], dtype=float32)>"
    )
    assert repr(v) == expected and str(v) == expected


def _address(array) -> int:
    """Where the array's buffer starts (CuPy's `data.ptr` on a GPU)."""
    if isinstance(array, np.ndarray):
        return array.__array_interface__["data"][0]
    return array.data.ptr


def test_assign_family_updates_in_place_and_returns_the_variable():
    v = tf.Variable([1.0, 2.0])
    address = _address(v._value)  # no reference kept to the array
    assert v.assign([5.0, 6.0]) is v
    v.assign_add([1.0, 1.0])
    v.assign_sub(tf.constant([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), [5.5, 6.5])
    # Nothing else held the array, so every update wrote into the same buffer.
    assert _address(v._value) == address


def test_reads_are_snapshots_copy_on_write():
    v = tf.Variable([1.0, 2.0])
    before = v.read_value()
    ident = tf.identity(v)
    as_tensor = tf.convert_to_tensor(v)
    v.assign_add([10.0, 10.0])
    for t in (before, ident, as_tensor):
        np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(v.numpy(), [11.0, 12.0])


def test_numpy_returns_a_copy():
    v = tf.Variable([1.0, 2.0])
    a = v.numpy()
    a[0] = 100
    assert v.numpy()[0] == 1.0


def test_wrong_shape_is_a_value_error():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="shapes must be equal"):
        v.assign_add(1.0)


def test_wrong_dtype_is_a_type_error():
    v = tf.Variable([1.0, 2.0])
    # TF raises ValueError for a Tensor of another dtype and TypeError for a Python value
    # that does not fit; tapeflow's error is both.
    with pytest.raises(TypeError, match="float32.*int32"):
        v.assign(tf.constant([1, 2]))
    with pytest.raises(ValueError):
        v.assign(tf.constant([1.0, 2.0], dtype=tf.float64))
    with pytest.raises(TypeError):
        tf.Variable([1, 2]).assign([1.5, 2.0])
    v.assign(np.array([3.0, 4.0]))  # NumPy float64 converts to the variable's dtype
    assert v.dtype == tf.float32


def test_slice_assign():
    v = tf.Variable(np.zeros((3, 2), dtype=np.float32))
    v[0:2].assign([[1.0, 2.0], [3.0, 4.0]])
    v[2, 1].assign(9.0)
    np.testing.assert_array_equal(v.numpy(), [[1, 2], [3, 4], [0, 9]])
    with pytest.raises(ValueError):
        v[0:2].assign([1.0, 2.0, 3.0])


def test_operators_and_hash():
    v = tf.Variable(3.0)
    assert float(v * 2.0) == 6.0 and float(1.0 - v) == -2.0
    with pytest.raises(TypeError, match="unhashable"):
        hash(v)
    assert v.ref().deref() is v


def test_variable_in_ops_is_read_without_copy_and_is_differentiable():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v * v)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, 4.0])
