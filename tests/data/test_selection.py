"""choose_from_datasets / sample_from_datasets / unique: errors as TF 2.21 raises them, and
sampling statistics (the element lists are golden cases in tests/golden/make_data.py)."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError


def test_choice_dataset_must_be_scalar_int64():
    a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(3)
    int32_choices = tf.data.Dataset.range(2).map(lambda x: tf.cast(x, tf.int32))
    with pytest.raises(TypeError, match="scalar tf.int64"):
        tf.data.Dataset.choose_from_datasets([a, b], int32_choices)


def test_choice_out_of_range_is_invalid_argument():
    a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(3)
    choices = tf.data.Dataset.from_tensors(tf.constant(5, tf.int64))
    with pytest.raises(InvalidArgumentError, match="out of range"):
        list(tf.data.Dataset.choose_from_datasets([a, b], choices))


def test_unique_needs_int_or_string_scalars():
    with pytest.raises(TypeError, match="tf.int32, tf.int64 or tf.string"):
        tf.data.Dataset.from_tensor_slices([[1.0]]).unique()


def test_weights_must_match_datasets():
    a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(3)
    with pytest.raises(ValueError, match="2 datasets but 1 weights"):
        tf.data.Dataset.sample_from_datasets([a, b], [0.5])


def test_sampling_follows_weights_and_seed():
    ones = tf.data.Dataset.from_tensors(tf.constant(1, tf.int64)).repeat()
    zeros = tf.data.Dataset.from_tensors(tf.constant(0, tf.int64)).repeat()
    ds = tf.data.Dataset.sample_from_datasets([ones, zeros], [0.8, 0.2], seed=7).take(4000)
    draws = np.array(list(ds.as_numpy_iterator()))
    assert abs(draws.mean() - 0.8) < 0.03  # 4000 draws: 5 standard deviations is 0.032
    again = np.array(list(ds.as_numpy_iterator()))
    np.testing.assert_array_equal(draws, again)  # same seed, no rerandomize: same draws
    assert int(ds.cardinality()) == 4000
