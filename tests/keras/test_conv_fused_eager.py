"""Keras Conv2D with a relu and a bias, run eagerly: one _FusedConv2D op (ops/conv_fused.py)
where the direct kernels apply, bitwise equal to the three ops it replaces and to the
tf.function plan; the three ops everywhere else."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import backend
from tapeflow.backend import native
from tapeflow.ops import conv_fused

pytestmark = [
    pytest.mark.skipif(not native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native kernels run on NumPy arrays only"),
]


@pytest.fixture
def fused_calls(monkeypatch):
    """A list that receives the input shape of every _FusedConv2D call."""
    calls = []
    real = conv_fused.fused_conv2d

    def counting(x, *args):
        calls.append(tuple(x.shape))
        return real(x, *args)

    monkeypatch.setattr(conv_fused, "fused_conv2d", counting)
    return calls


def _unfused(monkeypatch):
    monkeypatch.setattr(conv_fused, "eager_conv_bias_relu", lambda *args: None)


def _bits(values):
    return [(np.asarray(v).dtype, np.asarray(v).tobytes()) for v in values]


def _model(channels=1, **conv):
    tf.keras.utils.set_random_seed(5)
    conv = {"activation": "relu", **conv}
    return tf.keras.Sequential(
        [
            tf.keras.Input((10, 10, channels)),
            tf.keras.layers.Conv2D(6, 3, **conv),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(4),
        ]
    )


def _data(rng, channels=1):
    x = tf.constant(rng.standard_normal((8, 10, 10, channels)).astype(np.float32))
    return x, tf.constant(rng.integers(0, 4, 8))


def test_eager_training_runs_the_fused_op_bitwise_as_the_three_ops(
    fused_calls, rng, monkeypatch, train_keras
):
    x, y = _data(rng)
    _, fused = train_keras(_model(), x, y)
    assert fused_calls.count((8, 10, 10, 1)) == 3  # (building the model calls it once more)
    _, traced = train_keras(_model(), x, y, wrap=tf.function)
    with monkeypatch.context() as m:
        _unfused(m)
        _, unfused = train_keras(_model(), x, y)
    assert _bits(fused) == _bits(unfused) == _bits(traced)
    assert fused_calls.count((8, 10, 10, 1)) == 3  # the trace ran the three ops


def test_a_trace_shows_the_three_ops(rng):
    x, _ = _data(rng)
    model = _model()
    traced = tf.function(lambda x: model(x))
    traced(x)
    types = {op.type for op in traced.get_concrete_function(x).graph.get_operations()}
    assert {"Conv2D", "Relu"} <= types and "_FusedConv2D" not in types


@pytest.mark.parametrize(
    "conv,channels",
    [
        ({"activation": "relu6"}, 1),
        ({"activation": None}, 1),
        ({"use_bias": False}, 1),
        ({}, 2),  # 18 taps: im2col + GEMM
        ({"filters": 40}, 1),  # more filters than the direct kernels take
    ],
    ids=["relu6", "linear", "no bias", "two channels", "40 filters"],
)
def test_other_layers_run_the_three_ops(conv, channels, fused_calls, rng):
    conv = dict(conv)
    filters = conv.pop("filters", 6)
    tf.keras.utils.set_random_seed(5)
    layer = tf.keras.layers.Conv2D(filters, 3, **{"activation": "relu", **conv})
    x, _ = _data(rng, channels)
    layer(x)
    assert fused_calls == []


def test_second_order_gradients_through_the_fused_op(fused_calls, rng, monkeypatch):
    """A gradient penalty (the gradient of |d loss / d x|^2 with respect to the weights)
    differentiates the fused op's vjp, written in ops: equal to the three ops'."""
    x, _ = _data(rng)

    def penalty(model):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                loss = tf.reduce_sum(tf.square(model(x)))
            gx = inner.gradient(loss, x)
            total = tf.reduce_sum(gx * gx)
        return [total, *outer.gradient(total, model.trainable_variables)]

    fused = penalty(_model())
    assert fused_calls
    with monkeypatch.context() as m:
        _unfused(m)
        unfused = penalty(_model())
    assert _bits(fused) == _bits(unfused)
    assert all(np.isfinite(np.asarray(v)).all() for v in fused)


def test_bad_bias_names_the_op(rng):
    x = tf.constant(rng.standard_normal((1, 5, 5, 1)).astype(np.float32))
    f = tf.constant(rng.standard_normal((3, 3, 1, 2)).astype(np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="_FusedConv2D: bias"):
        conv_fused.fused_conv2d(x, f, tf.zeros(3), (1, 1), "SAME", (1, 1))
