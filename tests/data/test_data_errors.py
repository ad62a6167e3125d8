"""Bad input to tf.data: the error types and messages TensorFlow gives (or clearer ones)."""

import re

import numpy as np
import pytest

import tapeflow
from tapeflow.core.errors import InvalidArgumentError
from tapeflow.data import TensorSpec


def test_ragged_slices_name_the_components_and_sizes(tf):
    with pytest.raises(ValueError, match=re.escape("[0]: 3, [1]: 4")):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match=re.escape("['a']: 3, ['b']: 4")):
        tf.data.Dataset.from_tensor_slices({"a": np.zeros(3), "b": np.zeros((4, 2))})


def test_scalar_slices(tf):
    with pytest.raises(ValueError, match="rank >= 1"):
        tf.data.Dataset.from_tensor_slices(1)
    with pytest.raises(ValueError, match=re.escape("component [1]")):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), 2.0))


def test_batch_of_different_shapes(tf):
    ds = tf.data.Dataset.from_generator(
        lambda: iter([(1, np.zeros(2)), (2, np.zeros(3))]),
        output_types=(tapeflow.int32, tapeflow.float32),
    )
    message = (
        "Cannot batch tensors with different shapes in component 1. First element had "
        "shape [2] and element 1 had shape [3]."
    )
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        list(ds.batch(2))
    # unbatch().batch() re-cuts batches: the same error when rows differ in shape
    rows = tf.data.Dataset.from_generator(
        lambda: iter([np.zeros((2, 2)), np.zeros((2, 3))]), output_types=tapeflow.float32
    )
    with pytest.raises(InvalidArgumentError, match="Cannot batch tensors with different"):
        list(rows.unbatch().batch(4))


def test_generator_shape_structure_and_type_errors(tf):
    ds = tf.data.Dataset.from_generator(
        lambda: iter([np.zeros(2), np.zeros(3)]),
        output_signature=TensorSpec((2,), tapeflow.float64),
    )
    it = iter(ds)
    next(it)
    message = "`generator` yielded an element of shape (3,) where an element of shape (2,)"
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        next(it)
    pairs = tf.data.Dataset.from_generator(
        lambda: iter([1]),
        output_signature=(TensorSpec((), tapeflow.int32), TensorSpec((), tapeflow.int32)),
    )
    with pytest.raises(InvalidArgumentError, match="did not match the expected structure"):
        list(pairs)
    strings = tf.data.Dataset.from_generator(
        lambda: iter(["a"]), output_signature=TensorSpec((), tapeflow.int32)
    )
    with pytest.raises(InvalidArgumentError, match="could not be converted"):
        list(strings)
    with pytest.raises(TypeError, match="must be a Python callable"):
        tf.data.Dataset.from_generator(iter([1]), output_types=tapeflow.int64)
    with pytest.raises(TypeError, match="`output_signature` argument or the `output_types`"):
        tf.data.Dataset.from_generator(lambda: iter([1]))


def test_argument_checks(tf):
    ds = tf.data.Dataset.range(3)
    with pytest.raises(InvalidArgumentError, match="Batch size must be greater than zero"):
        ds.batch(0)
    with pytest.raises(InvalidArgumentError, match="buffer_size must be greater than zero"):
        ds.shuffle(0)
    with pytest.raises(InvalidArgumentError, match=re.escape("currently index = 2")):
        ds.shard(2, 2)
    with pytest.raises(InvalidArgumentError, match="step must be a non-zero integer"):
        tf.data.Dataset.range(0, 3, 0)
    with pytest.raises(TypeError):
        tf.data.Dataset.range(0, 1, 0.5)
    with pytest.raises(ValueError, match="Cannot unbatch an input with scalar components"):
        _ = ds.unbatch().element_spec
    with pytest.raises(ValueError, match="Expected dataset with rank of >= 1"):
        ds.rebatch(2)


def test_concatenate_incompatible(tf):
    with pytest.raises(TypeError, match="Incompatible dataset elements"):
        tf.data.Dataset.range(3).concatenate(tf.data.Dataset.from_tensor_slices([1.0]))
    with pytest.raises(TypeError, match="Incompatible dataset elements"):
        tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(3).map(lambda x: (x, x)))


def test_predicates_must_return_scalar_bools(tf):
    with pytest.raises(ValueError, match="must return a `tf.bool` scalar tensor"):
        list(tf.data.Dataset.range(3).filter(lambda x: x))
    with pytest.raises(ValueError, match="must return a `tf.bool` scalar tensor"):
        list(tf.data.Dataset.range(3).filter(lambda x: tapeflow.stack([x > 1, x > 2])))
    with pytest.raises(ValueError, match="must return a `tf.bool` scalar tensor"):
        list(tf.data.Dataset.range(3).take_while(lambda x: x))


def test_single_element_and_padding(tf):
    with pytest.raises(InvalidArgumentError, match="Dataset was empty"):
        tf.data.Dataset.range(0).get_single_element()
    with pytest.raises(InvalidArgumentError, match="Dataset had more than one element"):
        tf.data.Dataset.range(2).get_single_element()
    ragged = tf.data.Dataset.range(1, 4).map(lambda x: tapeflow.fill([x], x))
    with pytest.raises(TypeError, match="does not match type <dtype: 'int64'>"):
        ragged.padded_batch(2, padding_values=-1)  # a Python int is int32, as in TF
    long_rows = tf.data.Dataset.from_generator(
        lambda: iter([np.zeros(2), np.zeros(5)]),
        output_types=tapeflow.float32,
        output_shapes=(None,),
    )
    with pytest.raises(InvalidArgumentError, match="pad to a smaller size"):
        list(long_rows.padded_batch(2, padded_shapes=(3,)))
    with pytest.raises(ValueError, match="not compatible with the shape"):
        tf.data.Dataset.from_tensor_slices(np.zeros((2, 3))).padded_batch(2, padded_shapes=(2,))
    unknown = tf.data.Dataset.from_generator(lambda: iter([1.0]), output_types=tapeflow.float32)
    with pytest.raises(ValueError, match="component 0 has unknown rank"):
        unknown.padded_batch(2)


def test_errors_in_map_functions_reach_the_caller(tf):
    def bad(x):
        if int(x) == 3:
            raise RuntimeError("boom at 3")
        return x

    for parallel in (None, 4):
        ds = tf.data.Dataset.range(6).map(bad, num_parallel_calls=parallel).prefetch(2)
        with pytest.raises(RuntimeError, match="boom at 3"):
            list(ds)
