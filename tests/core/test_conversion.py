"""TF's conversion rules (checked with TF 2.21): a Python float never becomes an integer
tensor (2.0 neither), a NumPy float does (truncated), None and unknown objects are
ValueError; the operators raise TF's conversion errors."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError


@pytest.mark.parametrize("value", [2.0, 2.5, [1.0, 2.0], [1, 2.0], (3.0,)])
@pytest.mark.parametrize("dtype", [tf.int32, tf.int64, tf.uint8, tf.bool])
def test_python_floats_never_become_integers(value, dtype):
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.convert_to_tensor(value, dtype=dtype)
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.constant(value, dtype=dtype)


def test_numpy_floats_are_cast_as_tf_does():
    assert tf.convert_to_tensor(np.float32(2.7), dtype=tf.int32).numpy() == 2
    np.testing.assert_array_equal(
        tf.convert_to_tensor(np.array([2.5, -1.5]), dtype=tf.int32).numpy(), [2, -1]
    )
    assert tf.constant(np.array([1.0]), dtype=tf.bool).numpy().tolist() == [True]


def test_python_ints_and_bools():
    assert tf.convert_to_tensor(True, dtype=tf.int32).numpy() == 1
    assert tf.convert_to_tensor(3, dtype=tf.float32).numpy() == 3.0
    with pytest.raises(TypeError):
        tf.convert_to_tensor(1, dtype=tf.bool)
    with pytest.raises(TypeError):
        tf.convert_to_tensor(1j, dtype=tf.float32)


@pytest.mark.parametrize("value", [None, [1, None], [None, 1], object(), {"a": 1}])
def test_unsupported_values_are_value_errors(value):
    with pytest.raises(ValueError, match="Attempt to convert a value|mixed types"):
        tf.convert_to_tensor(value)
    with pytest.raises(ValueError):
        tf.convert_to_tensor(value, dtype=tf.float32)


def test_ragged_lists_and_numbers_into_strings():
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.constant([[1, 2], [3]])
    with pytest.raises(ValueError, match="Failed to convert a NumPy array"):
        tf.convert_to_tensor(np.ones(2, np.float32), dtype=tf.string)


def test_int_tensor_times_python_float_is_tfs_type_error():
    i = tf.constant([1, 2])
    for operation in (
        lambda: i * 2.0,
        lambda: i - 2.5,
        lambda: 2.0 * i,
        lambda: i // 2.0,
        lambda: i**2.0,
        lambda: i < 2.0,
        lambda: i == 2.0,
        lambda: tf.multiply(i, 2.0),
        lambda: tf.constant([True]) & 1,
    ):
        with pytest.raises(TypeError, match="Cannot convert"):
            operation()
    with pytest.raises(InvalidArgumentError):  # `+` reaches AddV2, as in TF
        i + 2.5
    with pytest.raises(TypeError, match="must have the same dtype"):
        i / 2.0


def test_equality_of_tensors():
    i = tf.constant([1, 2])
    with pytest.raises(InvalidArgumentError, match="Equal"):
        i == tf.constant([1.0, 2.0])  # noqa: B015 - TF raises here
    assert not bool(i == tf.constant([1, 2, 3]))  # shapes that do not broadcast: False
    assert (i == None) is False  # noqa: E711
    assert (i != None) is True  # noqa: E711


def test_tensor_shapes_refuse_floats_and_negative_sizes():
    with pytest.raises(TypeError, match="Dimension value must be integer"):
        tf.TensorShape([2.0, 3])
    with pytest.raises(ValueError, match="must be >= 0"):
        tf.TensorShape([-2])
    assert tf.TensorShape([np.int64(2), None]).as_list() == [2, None]


def test_dtype_none_is_not_float64():
    with pytest.raises(TypeError, match="None"):
        tf.as_dtype(None)
    with pytest.raises(TypeError):
        tf.zeros([2], dtype=None)


@pytest.mark.parametrize("name", ["float32", "int64", "bool", "string", "bfloat16"])
def test_dtypes_print_as_tensorflow_prints_them(name):
    # TF 2.21: str(tf.float32) == "<dtype: 'float32'>", repr(tf.float32) == "tf.float32"
    dtype = getattr(tf, name)
    assert str(dtype) == f"<dtype: '{name}'>" == f"{dtype}" == format(dtype)
    assert repr(dtype) == f"tf.{name}"
    assert str(tf.constant([1.0]).dtype) == "<dtype: 'float32'>"
