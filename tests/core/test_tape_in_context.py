"""Gradients taken inside a tape's own context, with TensorFlow's rules and numbers.

A persistent tape records its own backward pass (so a second `gradient` differentiates the
first), a non-persistent one stops recording; the expected values are TF 2.21's.
"""

import warnings

import numpy as np
import pytest

import tapeflow as tf
import tapeflow.core.tape as tape_module


@pytest.fixture(autouse=True)
def _quiet_inside_context_warning(monkeypatch):
    monkeypatch.setattr(tape_module, "_warned_inside_context", True, raising=False)


def test_persistent_tape_records_its_own_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x**3
        dy = tape.gradient(y, x)
        d2y = tape.gradient(dy, x)
        d3y = tape.gradient(d2y, x)
    assert (float(dy), float(d2y), float(d3y)) == (27.0, 18.0, 6.0)


def test_persistent_tape_records_gradients_of_variables():
    v = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = v**3
        dy = tape.gradient(y, v)
        d2y = tape.gradient(dy, v)
    assert (float(dy), float(d2y)) == (12.0, 12.0)


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_gradient_under_stop_recording_is_not_recorded():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x**3
        with tape.stop_recording():
            dy = tape.gradient(y, x)
        d2y = tape.gradient(dy, x)
    assert float(dy) == 27.0 and d2y is None


def test_persistent_tape_records_jacobian_and_batch_jacobian():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        j = tape.jacobian(x**3, x)
        g = tape.gradient(tf.reduce_sum(j), x)
    np.testing.assert_array_equal(j.numpy(), [[3.0, 0.0], [0.0, 12.0]])
    np.testing.assert_array_equal(g.numpy(), [6.0, 12.0])
    xb = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xb)
        bj = tape.batch_jacobian(xb**3, xb)
        g = tape.gradient(tf.reduce_sum(bj), xb)
    np.testing.assert_array_equal(g.numpy(), [[6.0, 12.0], [18.0, 24.0]])


def test_row_by_row_jacobian_is_recorded_too():
    params = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reshape(tf.gather(params * params, [1, 0]), (4,))
        j = tape.jacobian(y, params)  # gather is not batchable: one pass per row
        g = tape.gradient(tf.reduce_sum(j), params)
    expected = np.zeros((4, 2, 2))
    expected[0, 1, 0], expected[1, 1, 1], expected[2, 0, 0], expected[3, 0, 1] = 6, 8, 2, 4
    np.testing.assert_array_equal(j.numpy(), expected)
    np.testing.assert_array_equal(g.numpy(), np.full((2, 2), 2.0))


def test_non_persistent_tape_stops_recording_after_gradient_inside_context():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        assert float(tape.gradient(y, x)) == 6.0
        z = y * 2.0  # no longer recorded, and the tape is spent
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(z, x)


def test_spent_non_persistent_tape_can_be_entered_again():
    x = tf.constant(3.0)
    tape = tf.GradientTape()
    with tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0
    with tape:
        tape.watch(x)
        y = x * x * x
    assert float(tape.gradient(y, x)) == 27.0


def test_entering_an_active_tape_is_an_error():
    tape = tf.GradientTape()
    with tape:
        with pytest.raises(ValueError, match="Tape is still recording"):
            tape.__enter__()


def test_none_target_is_a_type_error():
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
    with pytest.raises(TypeError, match="received None"):
        tape.gradient(None, x)


def test_nested_tapes_of_both_kinds():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x**3
        dy = inner.gradient(y, x)
        d2y = outer.gradient(dy, x)
    assert (float(dy), float(d2y)) == (27.0, 18.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape(persistent=True) as inner:
            inner.watch(x)
            y = x**3
            dy = inner.gradient(y, x)
            d2y = inner.gradient(dy, x)
        d3y = outer.gradient(d2y, x)
    assert (float(dy), float(d2y), float(d3y)) == (27.0, 18.0, 6.0)


def test_forward_accumulator_sees_a_gradient_recorded_inside_the_tape():
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x**3
            g = tape.gradient(y, x)
            h = tape.gradient(g, x)
    assert (float(g), float(h)) == (12.0, 12.0)
    assert (float(acc.jvp(g)), float(acc.jvp(h))) == (12.0, 6.0)


def test_gradient_recorded_inside_a_traced_function():
    @tf.function
    def derivatives(x):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x**3
            dy = tape.gradient(y, x)
            d2y = tape.gradient(dy, x)
        return dy, d2y

    dy, d2y = derivatives(tf.constant(3.0))
    assert (float(dy), float(d2y)) == (27.0, 18.0)


def test_warns_once_about_the_cost_of_recording_a_gradient(monkeypatch):
    monkeypatch.setattr(tape_module, "_warned_inside_context", False, raising=False)
    x = tf.constant(1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            with tf.GradientTape(persistent=True) as tape:
                tape.watch(x)
                tape.gradient(x * x, x)
    messages = [str(w.message) for w in caught]
    assert sum("persistent tape inside its context" in m for m in messages) == 1


def test_jacobian_argument_errors_are_tf_errors():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    checks = [
        (
            RuntimeError,
            "persistent=True",
            lambda t, y: t.jacobian(y, x, experimental_use_pfor=False),
        ),
        (
            RuntimeError,
            "persistent=True",
            lambda t, y: t.batch_jacobian(y, x, experimental_use_pfor=False),
        ),
        (ValueError, "rank at least 2", lambda t, y: t.batch_jacobian(y[:, 0], x)),
        (ValueError, "rank at least 2", lambda t, y: t.batch_jacobian(y, x[:, 0])),
    ]
    for error, message, call in checks:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        with pytest.raises(error, match=message):
            call(tape, y)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    j = tape.jacobian(y, x, experimental_use_pfor=False)
    assert j.shape == (2, 2, 2, 2) and float(j[1, 1, 1, 1]) == 8.0
