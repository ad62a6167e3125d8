"""enable_check_numerics and anomaly mode: the op (forward) or the forward op whose
gradient (backward) first holds NaN or Inf is named with the user's line, eagerly and
under tf.function."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.debugging import detect_anomaly, is_anomaly_enabled, set_detect_anomaly


def _line_of(text: str) -> int:
    with open(__file__) as f:
        for k, line in enumerate(f, 1):
            if text in line and "_line_of" not in line:
                return k
    raise AssertionError(text)


@pytest.fixture
def check_numerics():
    tf.debugging.enable_check_numerics()
    yield
    tf.debugging.disable_check_numerics()


def test_eager_op_with_inf_raises_naming_op_and_line(check_numerics):
    x = tf.constant([0.0, 1.0])
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.math.log(x)  # LOG-EAGER
    text = str(info.value)
    assert 'output 0 of eagerly-executing op "Log"' in text
    assert "# of -Inf elements: 1" in text
    assert f"test_numerics.py:{_line_of('# LOG-EAGER')}" in text
    assert text.endswith(" : Tensor had -Inf values")


def test_tf_message_for_several_kinds(check_numerics):
    x = tf.constant([[0.0, 1.0], [2.0, -1.0]])
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        x / 0.0
    text = str(info.value)
    assert '"RealDiv"' in text and "Input tensors (2):" in text
    assert "# of -Inf elements: 1" in text and "# of +Inf elements: 2" in text
    assert "# of +NaN elements: 1" in text
    assert text.endswith("Tensor had -Inf, +Inf, and NaN values")


def test_finite_values_pass_and_integers_are_not_checked(check_numerics):
    x = tf.constant([1.0, 4.0])
    assert np.allclose(tf.sqrt(x).numpy(), [1.0, 2.0])
    assert (tf.constant([1, 2]) // 1).numpy().tolist() == [1, 2]


def test_off_by_default_and_after_disable():
    x = tf.constant([0.0])
    assert np.isneginf(tf.math.log(x).numpy()[0])
    tf.debugging.enable_check_numerics()
    tf.debugging.disable_check_numerics()
    assert np.isneginf(tf.math.log(x).numpy()[0])


def test_backward_ops_are_checked_too(check_numerics):
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.sqrt(x))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Infinity or NaN"):
        tape.gradient(y, x)


def test_tf_function_plan_keeps_its_checks(check_numerics):
    @tf.function
    def f(x):
        y = x * 2.0
        return tf.math.log(y)  # LOG-FUNCTION

    assert np.allclose(f(tf.constant([1.0, 2.0])).numpy(), np.log([2.0, 4.0]))
    # The second call runs the plan, not Python: the check is in the plan.
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        f(tf.constant([0.0, 2.0]))
    text = str(info.value)
    assert 'graph op "Log"' in text
    assert f"test_numerics.py:{_line_of('# LOG-FUNCTION')}" in text
    assert f.experimental_get_tracing_count() == 1
    assert "Log" in f.get_concrete_function(tf.constant([1.0, 2.0])).graph.op_counts()


def test_a_function_traced_with_checks_off_is_not_checked():
    @tf.function
    def f(x):
        return tf.math.log(x)

    f(tf.constant([1.0]))
    tf.debugging.enable_check_numerics()
    try:
        out = f(tf.constant([0.0]))  # as TF: a graph made before enabling is not instrumented
    finally:
        tf.debugging.disable_check_numerics()
    assert np.isneginf(out.numpy()[0])


# ---- anomaly mode ------------------------------------------------------------------------


def test_detect_anomaly_names_the_forward_op_of_a_nan_gradient():
    x = tf.Variable([0.0, 4.0])
    with detect_anomaly():
        with tf.GradientTape() as tape:
            y = tf.sqrt(x)  # SQRT-FORWARD
            loss = tf.reduce_sum(y)
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            tape.gradient(loss, x)
    text = str(info.value)
    assert 'backward pass of op "Sqrt"' in text or 'of op "Sqrt"' in text
    assert f"test_numerics.py:{_line_of('# SQRT-FORWARD')}" in text
    assert not is_anomaly_enabled()


def test_detect_anomaly_blames_the_vjp_that_made_the_nan():
    # The forward values are finite; the gradient of x * log(x)-free max is not: 0/0.
    x = tf.Variable([0.0, 3.0])
    with detect_anomaly():
        with tf.GradientTape() as tape:
            n = tf.norm(x * 0.0)  # NORM-FORWARD: sqrt(0) has an infinite slope
            loss = n + tf.reduce_sum(x)
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            tape.gradient(loss, x)
    text = str(info.value)
    assert f"test_numerics.py:{_line_of('# NORM-FORWARD')}" in text
    assert "detect_anomaly" in text or "backward pass" in text


def test_anomaly_vjp_check_names_op_and_upstream():
    # Custom gradient that returns NaN: the forward op is fine, only its vjp is not.
    @tf.custom_gradient
    def bad(x):
        def grad(dy):
            return dy * float("nan")

        return tf.identity(x), grad

    x = tf.Variable([1.0])
    with detect_anomaly():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(bad(x) * 2.0)  # BAD-FORWARD
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            tape.gradient(loss, x)
    assert f"test_numerics.py:{_line_of('# BAD-FORWARD')}" in str(info.value)


def test_gradient_check_of_a_clean_vjp_output():
    # The vjp of Sqrt at 0: every op inside it is finite except the final product.
    x = tf.Variable([0.0])
    with detect_anomaly():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sqrt(x))  # SQRT-ZERO
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            tape.gradient(loss, x)
    text = str(info.value)
    assert '"Sqrt"' in text
    assert f"test_numerics.py:{_line_of('# SQRT-ZERO')}" in text


def test_detect_anomaly_passes_clean_training_steps_unchanged():
    rng = np.random.default_rng(0)
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3, "relu")])
    x = tf.constant(rng.standard_normal((5, 4)).astype("f4"))
    with tf.GradientTape() as tape:
        plain = tf.reduce_sum(model(x))
    expected = tape.gradient(plain, model.trainable_variables)
    with detect_anomaly():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x))
        grads = tape.gradient(loss, model.trainable_variables)
    for g, e in zip(grads, expected):
        np.testing.assert_array_equal(g.numpy(), e.numpy())


def test_set_detect_anomaly_is_a_global_switch_and_a_context_manager():
    assert not is_anomaly_enabled()
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
        with set_detect_anomaly(False):
            assert not is_anomaly_enabled()
        assert is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()


def test_detect_anomaly_as_a_decorator():
    @detect_anomaly()
    def step():
        return is_anomaly_enabled()

    assert step() and not is_anomaly_enabled()


def test_detect_anomaly_under_tf_function_checks_the_backward_pass_of_the_plan():
    x = tf.Variable([1.0, 4.0])

    @tf.function
    def grad_of_sqrt():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sqrt(x))  # SQRT-IN-FUNCTION
        return tape.gradient(loss, x)

    with detect_anomaly():
        assert np.allclose(grad_of_sqrt().numpy(), [0.5, 0.25])
        x.assign([0.0, 4.0])
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            grad_of_sqrt()  # the plan, not a new trace
    assert grad_of_sqrt.experimental_get_tracing_count() == 1
    text = str(info.value)
    assert '"Sqrt"' in text
    assert f"test_numerics.py:{_line_of('# SQRT-IN-FUNCTION')}" in text
