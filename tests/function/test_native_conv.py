"""jit_compile=True on convolutions: Conv2D and its filter gradient as direct loops
(function/native/emit_conv.py), fused with bias, relu and their gradients, against eager.

Tolerances as in test_native.py (the taps are added in another order than im2col + GEMM).
"""

import re
import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import backend
from tapeflow.backend import native as backend_native
from tapeflow.function import native
from tapeflow.function.native import emit_conv

pytestmark = [
    pytest.mark.skipif(not backend_native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native code runs on NumPy arrays only"),
]

TOLERANCE = {"float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12)}


def _traces(fn):
    return [t for entry in fn._cache.values() for t in entry.traces]


def _step(f, b, epilogue, strides, padding, dilations, input_grad=False):
    """A training step of one conv layer: forward, loss, gradients, an SGD update."""

    def step(x):
        with tf.GradientTape() as tape:
            if input_grad:
                tape.watch(x)
            y = tf.nn.conv2d(x, f, strides, padding, dilations=dilations)
            if epilogue == "bias_relu":
                y = tf.nn.relu(y + b)
            elif epilogue == "bias_add":
                y = tf.nn.bias_add(y, b)
            elif epilogue == "twice":  # the conv value used by two ops: stored
                y = y - 0.5 * tf.nn.relu(y)
            loss = tf.reduce_sum(y * y) / 7.0 + tf.reduce_mean(y) + tf.reduce_sum(b * b)
        grads = tape.gradient(loss, [f, b, x] if input_grad else [f, b])
        f.assign_sub(0.01 * grads[0])
        b.assign_sub(0.01 * grads[1])
        return [loss] + [g for g in grads if g is not None]

    return step


def _run(dtype, x_shape, f_shape, epilogue, strides=1, padding="VALID", dilations=1, **kw):
    rng = np.random.default_rng(sum(x_shape) + sum(f_shape))
    xs = [rng.standard_normal(x_shape).astype(dtype) for _ in range(3)]
    f0 = rng.standard_normal(f_shape).astype(dtype) * 0.5
    b0 = rng.standard_normal(f_shape[3]).astype(dtype) * 0.1
    results = []
    for jit in (False, True):
        f, b = tf.Variable(f0), tf.Variable(b0)
        step = _step(f, b, epilogue, strides, padding, dilations, **kw)
        fn = tf.function(step, jit_compile=True) if jit else step
        out = [[t.numpy() for t in fn(tf.constant(x))] for x in xs]
        results.append((out, f.numpy(), b.numpy(), fn))
    (eager, fe, be, _), (got, fg, bg, fn) = results
    rtol, atol = TOLERANCE[dtype]
    for e_step, g_step in zip(eager, got):
        for e, g in zip(e_step, g_step):
            assert e.dtype == g.dtype and e.shape == g.shape
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
    np.testing.assert_allclose(fg, fe, rtol=rtol, atol=atol)
    np.testing.assert_allclose(bg, be, rtol=rtol, atol=atol)
    (cf,) = _traces(fn)
    return cf.native


GEOMETRIES = {
    "valid": ((2, 7, 6, 1), (3, 3, 1, 4), 1, "VALID", 1),
    "same": ((2, 7, 6, 1), (3, 3, 1, 4), 1, "SAME", 1),
    "stride2-same-rgb": ((2, 8, 7, 3), (3, 2, 3, 5), 2, "SAME", 1),
    "stride1x2": ((1, 9, 8, 2), (2, 3, 2, 3), (1, 2), "VALID", 1),
    "dilated-same": ((2, 9, 9, 2), (2, 2, 2, 3), 1, "SAME", 2),
    "explicit": ((1, 6, 5, 1), (3, 2, 1, 2), 1, [[0, 0], [1, 0], [2, 1], [0, 0]], 1),
}
# Every geometry with the fused epilogue; the other epilogues and float64 on a few (each
# case compiles its own step: seconds apiece).
CASES = (
    [("float32", "bias_relu", g) for g in GEOMETRIES]
    + [("float32", e, g) for e in ("bias_add", "none", "twice") for g in ("valid", "same")]
    + [("float64", "bias_relu", g) for g in ("same", "stride2-same-rgb")]
)


@pytest.mark.parametrize("dtype, epilogue, geometry", CASES)
def test_conv_step_matches_eager(dtype, epilogue, geometry):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback: every op of the step is lowered
        info = _run(dtype, *GEOMETRIES[geometry][:2], epilogue, *GEOMETRIES[geometry][2:])
    assert info.fallback == [] and info.segments
    stored = re.search(r"\bcv\d+ = np\.empty", info.source) is not None
    assert stored == (epilogue in ("none", "twice"))  # else computed in its user's loop


def test_relu_and_bias_gradients_ride_in_the_filter_gradient_loop():
    info = _run("float32", (2, 7, 6, 1), (3, 3, 1, 4), "bias_relu")
    # The relu gradient is not stored: the only 4-D arrays made are the conv's relu output
    # and the gradient reaching it.
    four_d = re.findall(r"= np\.empty\(\(2, 5, 4, 4\)", info.source)
    assert len(four_d) == 2
    assert re.search(r"\brs\d+\[i3\] \+= x_", info.source)  # the bias gradient rides along


def test_input_gradient_runs_the_numpy_plan(monkeypatch):
    monkeypatch.setitem(native._state, "warned", set())  # warned once per process
    # Conv2DBackpropInput has no lowering: the plan runs it, the rest is native.
    with pytest.warns(UserWarning, match="Conv2DBackpropInput"):
        info = _run("float32", (2, 6, 6, 2), (3, 3, 2, 3), "bias_relu", input_grad=True)
    assert set(info.fallback) == {"Conv2DBackpropInput"}


def test_many_taps_run_the_numpy_plan(monkeypatch):
    monkeypatch.setitem(native._state, "warned", set())
    channels = emit_conv.DIRECT_MAX_TAPS // 9 + 1  # 3x3 windows past the limit
    with pytest.warns(UserWarning, match="no native lowering for Conv2D, Conv2DBackpropFilter"):
        info = _run("float32", (2, 6, 6, channels), (3, 3, channels, 2), "bias_relu")
    assert set(info.fallback) == {"Conv2D", "Conv2DBackpropFilter"}


def test_nan_and_inf_inputs_match_eager():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 6, 1)).astype("float32")
    x[0, 2, 3, 0], x[1, 0, 0, 0] = np.nan, np.inf
    f = tf.Variable(rng.standard_normal((3, 3, 1, 2)).astype("float32"))
    b = tf.Variable(np.zeros(2, "float32"))

    def forward(x):
        return tf.nn.relu(tf.nn.conv2d(x, f, 1, "SAME") + b)

    expected = forward(tf.constant(x)).numpy()
    traced = tf.function(forward, jit_compile=True)
    got = traced(tf.constant(x)).numpy()
    assert _traces(traced)[0].native.fallback == []
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
