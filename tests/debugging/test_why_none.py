"""The why-None catalogue: each cause of a None gradient as a small program, and the
explanation (cause, variable, file and line) tapeflow gives for it."""

import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.debugging import NoneGradientWarning, explain_gradients


def _line_of(text: str) -> int:
    """The line number in this file of the first line containing `text`."""
    with open(__file__) as f:
        for k, line in enumerate(f, 1):
            if text in line and "_line_of" not in line:
                return k
    raise AssertionError(text)


def _none_warning(record) -> str:
    found = [w for w in record if issubclass(w.category, NoneGradientWarning)]
    assert len(found) == 1, [str(w.message) for w in record]
    return str(found[0].message)


def _gradient(tape, target, sources):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        grads = tape.gradient(target, sources)
    return grads, record


def test_loss_outside_the_tape():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = w * 3.0
    loss = tf.reduce_sum(y)  # CAUSE: outside
    grads, record = _gradient(tape, loss, [w])
    assert grads == [None]
    text = _none_warning(record)
    assert "after the `with tf.GradientTape() as tape:` block" in text
    assert f"test_why_none.py:{_line_of('with tf.GradientTape() as tape:')}" in text
    assert "variable 'Variable'" in text


def test_loss_before_the_tape():
    w = tf.Variable([1.0, 2.0])
    loss = tf.reduce_sum(w * w)
    with tf.GradientTape() as tape:
        pass
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "outside_tape"
    assert "before" in report[0].message


def test_numpy_call_cuts_the_path():
    w = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        h = tf.matmul(w, tf.ones((2, 1)))
        h_np = np.tanh(h.numpy())  # CAUSE: numpy
        loss = tf.reduce_sum(tf.constant(h_np) * 2.0)
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "numpy"
    assert report[0].site.lineno == _line_of("# CAUSE: numpy")
    assert "h.numpy()" in report[0].site.code
    _, record = _gradient(tape, loss, [w])
    assert f"test_why_none.py:{_line_of('# CAUSE: numpy')}" in _none_warning(record)


def test_numpy_function_on_a_tensor_cuts_the_path():
    x = tf.constant([0.5, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = np.sin(x)  # CAUSE: np.sin
        loss = tf.reduce_sum(tf.constant(y))
    report = explain_gradients(tape, loss, [x])
    assert report[0].cause == "numpy"
    assert report[0].site.lineno == _line_of("# CAUSE: np.sin")
    assert report[0].name == "`x`"


def test_variable_replaced_by_a_tensor():
    W = tf.Variable([1.0, 2.0])
    x = tf.constant([3.0, 4.0])
    W = W + 1  # CAUSE: replaced
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(W * x)
    grads, record = _gradient(tape, loss, [W])
    assert grads == [None]
    text = _none_warning(record)
    assert "`W` (source 1 of 1): it is a tf.Tensor, not a tf.Variable" in text
    assert f"test_why_none.py:{_line_of('# CAUSE: replaced')} (`W = W + 1" in text


def test_training_loop_that_rebinds_the_variable():
    W = tf.Variable(2.0)
    report = None
    for step in range(2):
        with tf.GradientTape() as tape:
            loss = (W * 3.0 - 1.0) ** 2
        if step == 1:
            report = explain_gradients(tape, loss, [W])
            break
        (g,) = tape.gradient(loss, [W])
        W = W - 0.1 * g  # CAUSE: loop rebinding
    assert report[0].cause == "replaced_by_tensor"
    assert report[0].site.lineno == _line_of("# CAUSE: loop rebinding")


def test_integer_cast_cuts_the_path():
    w = tf.Variable([1.5, 2.5])
    with tf.GradientTape() as tape:
        k = tf.cast(w * 2.0, tf.int32)  # CAUSE: cast
        loss = tf.reduce_sum(tf.cast(k, tf.float32))
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "integer_cast"
    assert report[0].site.lineno == _line_of("# CAUSE: cast")
    assert "int32" in report[0].message


def test_bool_comparison_cuts_the_path():
    w = tf.Variable([1.5, -2.5])
    with tf.GradientTape() as tape:
        positive = w > 0.0  # CAUSE: bool
        loss = tf.reduce_sum(tf.cast(positive, tf.float32))
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "no_gradient"
    assert "Greater has no gradient" in report[0].message
    assert report[0].site.lineno == _line_of("# CAUSE: bool")


def test_stop_gradient_cuts_the_path():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        h = tf.stop_gradient(w * 2.0)  # CAUSE: stop_gradient
        loss = tf.reduce_sum(h * h)
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "stop_gradient"
    assert report[0].site.lineno == _line_of("# CAUSE: stop_gradient")


def test_stop_recording_cuts_the_path():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        h = w * 2.0
        with tape.stop_recording():  # CAUSE: stop_recording
            h2 = h * 3.0
        loss = tf.reduce_sum(h2 + 0.0)
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "stop_recording"
    assert report[0].site.lineno == _line_of("# CAUSE: stop_recording")


def test_target_computed_inside_stop_recording():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        with tape.stop_recording():  # CAUSE: target in stop_recording
            loss = tf.reduce_sum(w * w)
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "stop_recording"
    assert report[0].site.lineno == _line_of("# CAUSE: target in stop_recording")


def test_assign_cuts_the_path():
    w = tf.Variable([1.0, 2.0])
    v = tf.Variable([0.0, 0.0], name="v")
    with tf.GradientTape() as tape:
        v.assign(w * 2.0)  # CAUSE: assign
        loss = tf.reduce_sum(v * v)
    report = explain_gradients(tape, loss, [w, v])
    assert report[0].cause == "assign"
    assert report[0].site.lineno == _line_of("# CAUSE: assign")
    assert report[1].connected


def test_variable_not_used_names_its_layer():
    model = tf.keras.Sequential(
        [tf.keras.Input((3,)), tf.keras.layers.Dense(2), tf.keras.layers.Dense(1)]
    )
    unused = tf.keras.layers.Dense(4, name="head_b")
    unused.build((None, 3))
    x = tf.ones((2, 3))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    variables = model.trainable_variables + unused.trainable_variables
    grads, record = _gradient(tape, loss, variables)
    assert [g is None for g in grads] == [False] * 4 + [True] * 2
    text = _none_warning(record)
    assert "head_b/kernel" in text and "layer 'head_b'" in text
    report = explain_gradients(tape, loss, variables) if False else None
    assert report is None


def test_variable_used_but_not_by_the_loss():
    a = tf.Variable([1.0, 2.0], name="a")
    b = tf.Variable([3.0, 4.0], name="b")
    with tf.GradientTape() as tape:
        side = tf.reduce_sum(b * 2.0)
        loss = tf.reduce_sum(a * a)
    report = explain_gradients(tape, loss, [a, b])
    assert report[0].connected and report[0].path == ["Mul", "Sum"]
    assert report[1].cause == "not_used"
    assert "Mul" in report[1].message
    del side


def test_non_trainable_variable():
    w = tf.Variable([1.0, 2.0], trainable=False, name="frozen")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "non_trainable"
    assert "frozen" in report[0].name and "trainable=False" in report[0].message


def test_layer_built_after_watch_with_watch_accessed_variables_false():
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, name="late")])
    x = tf.ones((2, 3))
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(model.trainable_variables)  # nothing yet: the model is not built
        loss = tf.reduce_sum(model(x))
    grads, record = _gradient(tape, loss, model.trainable_variables)
    assert grads == [None, None]
    text = _none_warning(record)
    assert "layer 'late' was built inside" in text
    assert "watch_accessed_variables=False" in text


def test_watch_accessed_variables_false_and_never_watched():
    w = tf.Variable(1.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        loss = w * w
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "not_watched"


def test_tensor_never_watched():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(x * x)
    report = explain_gradients(tape, loss, [x])
    assert report[0].cause == "not_watched"
    assert "tape.watch(x)" in report[0].message


def test_integer_source_and_target():
    k = tf.constant([1, 2])
    w = tf.Variable([1.0])
    with tf.GradientTape() as tape:
        tape.watch(k) if False else None
        loss = tf.reduce_sum(k * 2)
    report = explain_gradients(tape, loss, [w])
    assert report[0].cause == "integer_target"
    report = explain_gradients(tape, tf.reduce_sum(w), [k])
    assert report[0].cause == "integer_source"


def test_connected_path_and_report_structure():
    w = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.nn.relu(tf.matmul(w, tf.ones((2, 3)))))
    report = explain_gradients(tape, loss, {"w": w})
    assert report[0].connected and report[0].path == ["MatMul", "Relu", "Sum"]
    d = report.as_dict()
    assert d["sources"][0]["cause"] == "connected"
    assert tape.gradient(loss, w) is not None  # the report did not use the tape up


def test_explain_after_a_non_persistent_gradient_is_an_error():
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = w * 2.0
    tape.gradient(loss, w)
    with pytest.raises(RuntimeError, match="before tape.gradient"):
        explain_gradients(tape, loss, [w])


def test_no_warning_when_connected_or_zero_requested():
    w = tf.Variable(1.0)
    u = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = w * 2.0
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        grads = tape.gradient(loss, [w, u], unconnected_gradients="zero")
    assert float(grads[1]) == 0.0
    assert not [w for w in record if issubclass(w.category, NoneGradientWarning)]


def test_switched_off_it_is_silent():
    w = tf.Variable(1.0)
    previous = tf.debugging.set_gradient_explanations(False)
    try:
        with tf.GradientTape() as tape:
            pass
        loss = w * 2.0
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            assert tape.gradient(loss, w) is None
        assert not record
    finally:
        tf.debugging.set_gradient_explanations(previous)


def test_the_warning_points_at_the_gradient_call():
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        pass
    loss = w * 2.0
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        tape.gradient(loss, w)  # the warning's line
    (found,) = [r for r in record if issubclass(r.category, NoneGradientWarning)]
    assert found.filename == __file__
    assert found.lineno == _line_of("# the warning's line")


def test_apply_gradients_explains_the_none():
    w = tf.Variable([1.0, 2.0], name="w")
    v = tf.Variable([1.0], name="unused_v")
    opt = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    grads, _ = _gradient(tape, loss, [w, v])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        opt.apply_gradients(zip(grads, [w, v]))
    texts = [str(r.message) for r in record]
    assert any("unused_v" in t and "was not read while the tape recorded" in t for t in texts)


def test_apply_gradients_with_no_gradient_at_all_explains_in_the_error():
    w = tf.Variable([1.0, 2.0], name="w_outside")
    opt = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        pass
    loss = tf.reduce_sum(w * w)
    grads, _ = _gradient(tape, loss, [w])
    with pytest.raises(ValueError, match="No gradients provided") as info:
        opt.apply_gradients(zip(grads, [w]))
    assert "after the `with tf.GradientTape() as tape:` block" in str(info.value)


def test_target_computed_in_init_scope():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        with tf.init_scope():  # CAUSE: paused
            hidden = x * x
    report = explain_gradients(tape, hidden, [x])
    assert report[0].cause == "paused"
    assert report[0].site.lineno == _line_of("# CAUSE: paused")


def test_an_op_constant_in_one_input_gives_none_though_connected():
    # PadV2's gradient function gives None for its constant_values input (as TF's): the
    # path is recorded, yet no gradient passes (the warning once named no cause at all here).
    c = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.pad(tf.ones(2), [[1, 1]], constant_values=c))
    report = explain_gradients(tape, loss, [c])
    assert report[0].cause == "no_input_gradient" and not report[0].connected
    assert "PadV2" in report[0].message and "input 2" in report[0].message
    assert report[0].path == ["PadV2", "Sum"]
    grads, record = _gradient(tape, loss, [c])
    assert grads == [None]
    assert "through PadV2" in _none_warning(record)


@pytest.mark.parametrize("activation", ["relu", "relu6", "leaky_relu"])
def test_second_derivative_of_a_rectifier_is_zero_not_none(activation):
    # TF's ReluGrad, Relu6Grad and LeakyReluGrad gradients give zeros for the features
    # input: d2 relu(x) / dx2 is [0, 0, 0] there, not None.
    x = tf.constant([1.0, -2.0, 3.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = getattr(tf.nn, activation)(x)
        g = inner.gradient(y, x)
    second = outer.gradient(g, x)
    assert second is not None and second.dtype == tf.float32
    np.testing.assert_array_equal(second.numpy(), [0.0, 0.0, 0.0])


def test_custom_gradient_that_returns_none():
    @tf.custom_gradient
    def doubled(a):
        def grad(upstream):
            return None

        return a * 2.0, grad

    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(doubled(w) * 3.0)
    grads, record = _gradient(tape, loss, [w])
    assert grads == [None]
    text = _none_warning(record)
    assert "tf.custom_gradient function doubled" in text and "returned None" in text


def test_a_probe_of_gradient_functions_records_nothing():
    from tapeflow.core.registry import get_op

    x = tf.Variable([1.0, -2.0])
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(get_op("ReluGrad")(tf.ones(2), x))
        recorded = len(tape._entries)
        explain_gradients(tape, loss, [x])  # inside the block: the tape still records
        assert len(tape._entries) == recorded
        assert tape._recording
