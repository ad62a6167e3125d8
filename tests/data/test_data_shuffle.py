"""shuffle: TensorFlow's buffer semantics (checked statistically) and its seeding model."""

import numpy as np
import pytest

import tapeflow
from tapeflow.data.index_plan import shuffle_stream


def _slices(tf, n):
    return tf.data.Dataset.from_tensor_slices(np.arange(n))


def _generated(tf, n):  # the same elements, but one by one (no index plan)
    return tf.data.Dataset.from_generator(
        lambda: iter(range(n)), output_signature=tf.TensorSpec((), tapeflow.int64)
    )


SOURCES = {"slices": _slices, "generator": _generated}


def _epoch(ds):
    return np.array([int(x) for x in ds])


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_full_buffer_is_a_uniform_permutation(tf, source):
    n, epochs = 6, 1500
    ds = SOURCES[source](tf, n).shuffle(n, seed=7)
    counts = np.zeros((n, n))  # counts[value, position]
    for _ in range(epochs):
        order = _epoch(ds)
        assert sorted(order) == list(range(n))
        counts[order, np.arange(n)] += 1
    expected = epochs / n
    # each cell ~ Binomial(1500, 1/6): sd ~ 14.4; 5 sd is far outside chance
    assert np.abs(counts - expected).max() < 5 * np.sqrt(epochs * (1 / n) * (1 - 1 / n))


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_small_buffer_keeps_tf_semantics(tf, source):
    n, buffer, epochs = 40, 4, 400
    ds = SOURCES[source](tf, n).shuffle(buffer, seed=3)
    first = np.zeros(n)
    position_of_zero = []
    for _ in range(epochs):
        order = _epoch(ds)
        assert sorted(order) == list(range(n))
        # output t is drawn from the first t + buffer inputs
        assert np.all(order < np.arange(n) + buffer)
        first[order[0]] += 1
        position_of_zero.append(int(np.flatnonzero(order == 0)[0]))
    # the first output is uniform over the first `buffer` inputs
    assert first[buffer:].sum() == 0
    assert np.abs(first[:buffer] / epochs - 1 / buffer).max() < 0.08
    # element 0 leaves the buffer at step t with probability (1/B)(1 - 1/B)^t: mean B - 1
    assert abs(np.mean(position_of_zero) - (buffer - 1)) < 0.5


def test_vectorised_buffer_matches_a_sequential_buffer():
    # shuffle_stream's vectorised steady state against the plain loop with the same draws
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    values = np.arange(100, dtype=np.int64)
    got = np.concatenate(list(shuffle_stream([values[:30], values[30:]], 8, rng_a)))
    buf, out = list(values[:8]), []
    for chunk in (values[8:30], values[30:]):
        slots = rng_b.integers(0, 8, len(chunk))
        for slot, value in zip(slots, chunk):
            out.append(buf[slot])
            buf[slot] = value
    out.extend(rng_b.permutation(np.array(buf)))
    np.testing.assert_array_equal(got, out)


def test_op_seed_reproducible_and_reshuffled_each_epoch(tf):
    a = _slices(tf, 50).shuffle(50, seed=11)
    b = _slices(tf, 50).shuffle(50, seed=11)
    a1, a2 = _epoch(a), _epoch(a)
    assert not np.array_equal(a1, a2)  # a new order every iteration
    np.testing.assert_array_equal(_epoch(b), a1)  # the same seed, the same sequence
    np.testing.assert_array_equal(_epoch(b), a2)
    fixed = _slices(tf, 50).shuffle(50, seed=11, reshuffle_each_iteration=False)
    np.testing.assert_array_equal(_epoch(fixed), _epoch(fixed))
    other = _slices(tf, 50).shuffle(50, seed=12)
    assert not np.array_equal(_epoch(other), a1)


def test_global_seed_makes_programs_repeat(tf):
    def program():
        tapeflow.random.set_seed(1234)
        first = _slices(tf, 30).shuffle(30)
        second = _generated(tf, 30).shuffle(30)
        return _epoch(first), _epoch(first), _epoch(second)

    try:
        run1, run2 = program(), program()
    finally:
        tapeflow.random.set_seed(None)
    for x, y in zip(run1, run2):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(run1[0], run1[2])  # successive shuffles get their own seeds


def test_unseeded_shuffles_differ(tf):
    tapeflow.random.set_seed(None)
    assert not np.array_equal(
        _epoch(_slices(tf, 60).shuffle(60)), _epoch(_slices(tf, 60).shuffle(60))
    )


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_shuffle_repeat_batch_crosses_epochs(tf, source):
    ds = SOURCES[source](tf, 10).shuffle(10, seed=2).repeat(3).batch(4)
    batches = [b.numpy() for b in ds]
    assert [len(b) for b in batches] == [4] * 7 + [2]
    flat = np.concatenate(batches)
    epochs = flat.reshape(3, 10)
    for e in epochs:
        assert sorted(e) == list(range(10))
    assert not np.array_equal(epochs[0], epochs[1])


def test_repeat_then_shuffle_spans_epochs(tf):
    # the buffer runs across epoch boundaries: after t + 1 outputs, each value has been
    # output at most as often as it occurs among the first t + B inputs
    buffer = 3
    inputs = np.tile(np.arange(5), 4)
    for seed in range(20):
        order = _epoch(_slices(tf, 5).repeat(4).shuffle(buffer, seed=seed))
        assert sorted(order) == sorted(inputs)
        for v in range(5):
            out_counts = np.cumsum(order == v)
            in_counts = np.cumsum(inputs == v)
            available = in_counts[np.minimum(np.arange(20) + buffer - 1, 19)]
            assert np.all(out_counts <= available)
