"""RaggedTensor behaviour TF's golden values do not pin: gradients, traces, tf.data, errors."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError


def _ragged(rng, lengths, inner=()):
    values = rng.standard_normal((sum(lengths),) + inner).astype(np.float32)
    return tf.RaggedTensor.from_row_lengths(values, lengths)


# ---- gradients reach the flat values --------------------------------------------------------


def test_gradients_flow_through_ragged_ops(rng):
    values = tf.Variable(rng.standard_normal(7).astype(np.float32))
    with tf.GradientTape() as tape:
        rt = tf.RaggedTensor.from_row_lengths(values, [3, 0, 4])
        parts = [
            tf.reduce_sum(rt[:, 1:]),
            tf.reduce_sum(tf.concat([rt, rt * 2.0], axis=1)),
            tf.reduce_sum(tf.tile(rt, [1, 2])),
            tf.reduce_sum(tf.reverse(rt, [1])[:, :1]),
            tf.reduce_sum(rt.to_tensor()),
        ]
        loss = tf.add_n(parts)
    got = tape.gradient(loss, values).numpy()
    # Hand count of how often each value is used: concat (1 + 2), tile (2), to_tensor (1),
    # then slice [1:] (all but the first of a row), the first of each reversed row (the last).
    want = np.full(7, 3.0 + 2.0 + 1.0)
    want[[1, 2, 4, 5, 6]] += 1.0
    want[[2, 6]] += 1.0
    np.testing.assert_allclose(got, want)


def test_dense_operand_gets_its_broadcast_gradient(rng):
    rt = _ragged(rng, [2, 1, 3])
    y = tf.Variable([[1.0], [2.0], [3.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(rt * y)
    g = tape.gradient(loss, y).numpy()
    sums = [v.sum() for v in rt.numpy()]
    np.testing.assert_allclose(g[:, 0], sums, rtol=1e-6)


def test_from_tensor_is_differentiable(rng):
    x = tf.Variable(rng.standard_normal((3, 4)).astype(np.float32))
    with tf.GradientTape() as tape:
        rt = tf.RaggedTensor.from_tensor(x, lengths=[1, 4, 0])
        loss = tf.reduce_sum(rt * rt)
    want = 2 * x.numpy() * (np.arange(4)[None, :] < np.array([1, 4, 0])[:, None])
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), want, rtol=1e-6)


# ---- tf.function ------------------------------------------------------------------------------


def test_a_trace_never_reuses_row_positions_of_another_partition():
    # Same component shapes, other splits: host-computed row positions must not be reused
    # (the host read of the splits guards the trace), while elementwise math needs no retrace.
    traces = []

    @tf.function
    def palindrome(x):
        traces.append(1)
        return tf.concat([x, tf.reverse(x, [1])], 1)

    a = palindrome(tf.ragged.constant([[1, 2], [3], [4, 5, 6]]))
    b = palindrome(tf.ragged.constant([[1], [2, 3], [4, 5, 6]]))
    assert a.to_list() == [[1, 2, 2, 1], [3, 3], [4, 5, 6, 6, 5, 4]]
    assert b.to_list() == [[1, 1], [2, 3, 3, 2], [4, 5, 6, 6, 5, 4]]
    assert len(traces) == 2

    @tf.function
    def inc(x):
        traces.append(1)
        return x + 1

    for rows in ([[1], [2, 3]], [[1, 2], [3]], [[1, 2, 3], []]):
        assert inc(tf.ragged.constant(rows)).to_list() == [[v + 1 for v in r] for r in rows]
    assert len(traces) == 3


def test_splits_made_inside_a_trace_are_guarded():
    # The splits are a traced tensor here (not an argument): reading them on the host must
    # guard the trace, or the second call would reuse the first call's row positions.
    values = tf.Variable([1.0, 5.0, 3.0])

    @tf.function
    def reversed_rows(splits):
        rt = tf.RaggedTensor.from_row_splits(values, splits, validate=False)
        return tf.reverse(rt, [1]).flat_values

    first = reversed_rows(tf.constant([0, 1, 3], tf.int64)).numpy().tolist()
    second = reversed_rows(tf.constant([0, 2, 3], tf.int64)).numpy().tolist()
    assert first == [1.0, 3.0, 5.0]
    assert second == [5.0, 1.0, 3.0]


def test_concrete_function_checks_the_ragged_spec():
    @tf.function
    def inc(x):
        return x + 1

    cf = inc.get_concrete_function(tf.ragged.constant([[1], [2, 3]]))
    assert cf(tf.ragged.constant([[4, 5], [6]])).to_list() == [[5, 6], [7]]
    with pytest.raises(TypeError, match="RaggedTensorSpec"):
        cf(tf.ragged.constant([[1.0], [2.0]]))


# ---- tf.data ----------------------------------------------------------------------------------


def test_ragged_dataset_shuffles_caches_and_rebatches():
    rt = tf.ragged.constant([[1, 2], [], [3, 4, 5], [6]])
    ds = tf.data.Dataset.from_tensor_slices(rt)
    rows = sorted(tuple(r.numpy().tolist()) for r in ds.shuffle(4, seed=3))
    assert rows == [(), (1, 2), (3, 4, 5), (6,)]
    assert [b.to_list() for b in ds.cache().batch(3)] == [[[1, 2], [], [3, 4, 5]], [[6]]]
    assert [b.to_list() for b in ds.batch(3).unbatch().batch(2)] == [
        [[1, 2], []],
        [[3, 4, 5], [6]],
    ]
    nested = tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[[1], [2, 3]], [[4]]]))
    assert [r.to_list() for r in nested] == [[[1], [2, 3]], [[4]]]


def test_ragged_batch_of_fixed_size_rows_is_ragged():
    ds = tf.data.Dataset.from_tensor_slices(np.arange(6).reshape(3, 2)).ragged_batch(2)
    batches = list(ds)
    assert isinstance(batches[0], tf.RaggedTensor)
    assert [b.to_list() for b in batches] == [[[0, 1], [2, 3]], [[4, 5]]]


# ---- errors -----------------------------------------------------------------------------------


def test_bad_partitions_are_tf_errors():
    with pytest.raises(InvalidArgumentError, match="row_splits"):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 1, 3])
    with pytest.raises(InvalidArgumentError, match="row_splits"):
        tf.RaggedTensor.from_row_lengths([1, 2, 3], [1, 1])
    with pytest.raises(ValueError, match="from_uniform_row_length"):
        tf.RaggedTensor.from_uniform_row_length([1, 2, 3], 2)


def test_mismatched_operands_name_the_splits():
    with pytest.raises(InvalidArgumentError, match="Condition x == y did not hold"):
        tf.ragged.constant([[1, 2, 3], [4], [5, 6]]) + tf.ragged.constant(
            [[10, 20], [30, 40], [50]]
        )
    with pytest.raises(InvalidArgumentError, match="Condition x == y"):
        tf.ragged.constant([[1, 2], [3, 4, 5, 6], [7]]) + tf.ones([3, 4], tf.int32)


def test_ops_without_a_ragged_version_say_so():
    rt = tf.ragged.constant([[1.0], [2.0, 3.0]])
    with pytest.raises(ValueError, match="to_tensor"):
        tf.linalg.inv(rt)
    with pytest.raises(ValueError, match="inner ragged dimension"):
        rt[:, 0]


def test_keras_ragged_input_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="to_tensor"):
        tf.keras.Input(shape=(None,), ragged=True)


def test_map_flat_values_must_keep_the_values():
    with pytest.raises(ValueError, match="number of values"):
        tf.ragged.map_flat_values(lambda v: v[:1], tf.ragged.constant([[1, 2]]))


def test_ragged_softmax_matches_row_by_row(rng):
    lengths = [3, 1, 0, 2]
    values = tf.Variable(rng.standard_normal(6))
    weights = tf.constant(rng.standard_normal(6))
    with tf.GradientTape(persistent=True) as tape:
        rt = tf.RaggedTensor.from_row_lengths(values, lengths)
        ragged = tf.reduce_sum(tf.nn.softmax(rt).flat_values * weights)
        rows, start = [], 0
        for n in lengths:
            if n:
                rows.append(tf.nn.softmax(values[start : start + n]))
            start += n
        dense = tf.reduce_sum(tf.concat(rows, 0) * weights)
    np.testing.assert_allclose(ragged.numpy(), dense.numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        tape.gradient(ragged, values).numpy(), tape.gradient(dense, values).numpy(), rtol=1e-10
    )
