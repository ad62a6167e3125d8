"""fusion.fuse_conv_bias_relu: a traced step's Conv2D + bias + relu, and its relu gradient +
bias gradient + filter gradient, run as one native call each where the direct convolution
kernels apply; bitwise equal to eager (and to jit_compile's loops); the graphs it must not
touch stay as they were."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import backend
from tapeflow.backend import native

pytestmark = [
    pytest.mark.skipif(not native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native kernels run on NumPy arrays only"),
]

FUSED_FORWARD = ["Conv2D", "BiasAdd", "Relu"]
FUSED_BACKWARD = ["ReluGrad", "Sum", "Conv2DBackpropFilter"]


def _bits(values):
    return [(np.asarray(v).dtype, np.asarray(v).shape, np.asarray(v).tobytes()) for v in values]


def _conv_step(x, f, b, padding="SAME", strides=1):
    with tf.GradientTape() as tape:
        tape.watch([f, b])
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, f, strides, padding), b))
        loss = tf.reduce_sum(tf.square(h - 0.5))
    return (h, *tape.gradient(loss, [f, b]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("padding,strides", [("SAME", 1), ("VALID", 2)])
def test_conv_bias_relu_step_fuses_and_equals_eager_bitwise(
    dtype, padding, strides, rng, native_calls
):
    x = rng.standard_normal((3, 10, 9, 1)).astype(dtype)
    x.reshape(-1)[:2] = [np.nan, -0.0]
    args = [
        tf.constant(x),
        tf.constant(rng.standard_normal((3, 3, 1, 12)).astype(dtype)),
        tf.constant(rng.standard_normal(12).astype(dtype)),
    ]
    traced = tf.function(lambda x, f, b: _conv_step(x, f, b, padding, strides))
    with np.errstate(invalid="ignore"):
        got = traced(*args)
        expected = _conv_step(*args, padding, strides)
    assert native_calls(traced.get_concrete_function(*args)) == [FUSED_FORWARD, FUSED_BACKWARD]
    assert _bits(got) == _bits(expected)
    assert np.isnan(got[1].numpy()).all()  # the NaN input reaches every filter tap


def _keras_cnn(dtype="float32"):
    tf.keras.utils.set_random_seed(3)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((12, 12, 1), dtype=dtype),
            tf.keras.layers.Conv2D(8, 3, activation="relu", dtype=dtype),
            tf.keras.layers.Flatten(dtype=dtype),
            tf.keras.layers.Dense(10, dtype=dtype),
        ]
    )
    return model


def test_keras_cnn_training_equals_eager_bitwise_and_jit_to_float_tolerance(
    rng, train_keras, native_calls
):
    x = tf.constant(rng.standard_normal((16, 12, 12, 1)).astype(np.float32))
    y = tf.constant(rng.integers(0, 10, 16))
    _, eager = train_keras(_keras_cnn(), x, y)
    traced, values = train_keras(_keras_cnn(), x, y, wrap=tf.function)
    keras_forward = ["Conv2D", "AddV2", "Relu"]  # Keras adds its bias with a broadcast add
    assert native_calls(traced.get_concrete_function(x, y))[:2] == [keras_forward, FUSED_BACKWARD]
    assert _bits(values) == _bits(eager)
    _, jit = train_keras(_keras_cnn(), x, y, wrap=lambda f: tf.function(f, jit_compile=True))
    for a, b in zip(jit, eager, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_graphs_that_must_not_fuse_compute_as_before(rng, native_calls):
    x = tf.constant(rng.standard_normal((2, 7, 7, 1)).astype(np.float32))
    f = tf.constant(rng.standard_normal((3, 3, 1, 4)).astype(np.float32))
    b = tf.constant(rng.standard_normal(4).astype(np.float32))

    def conv_used_twice(x, f, b):  # the convolution's value is a result too
        z = tf.nn.conv2d(x, f, 1, "SAME")
        return tf.nn.relu(tf.nn.bias_add(z, b)), z

    def many_taps(x, f, b):  # 3x3 over two channels: im2col + GEMM
        x2 = tf.concat([x, x], axis=3)
        return _conv_step(x2, tf.concat([f, f], axis=2), b)

    def relu_grad_used_twice(x, f, b):  # the relu gradient is a result too
        with tf.GradientTape() as tape:
            tape.watch(f)
            z = tf.nn.bias_add(tf.nn.conv2d(x, f, 1, "SAME"), b)
            h = tf.nn.relu(z)
            loss = tf.reduce_sum(h * h)
        return tape.gradient(loss, [f, z])

    for fn, expected in (
        (conv_used_twice, [["BiasAdd", "Relu"]]),
        (many_taps, [["BiasAdd", "Relu"], ["ReluGrad", "Sum"]]),
        (relu_grad_used_twice, [FUSED_FORWARD]),
    ):
        traced = tf.function(fn)
        got = traced(x, f, b)
        assert native_calls(traced.get_concrete_function(x, f, b)) == expected, fn.__name__
        assert _bits(tf.nest.flatten(got)) == _bits(tf.nest.flatten(fn(x, f, b))), fn.__name__


def test_a_polymorphic_image_size_keeps_the_op_by_op_plan(rng, native_calls):
    f = tf.constant(rng.standard_normal((3, 3, 1, 4)).astype(np.float32))
    b = tf.constant(rng.standard_normal(4).astype(np.float32))
    traced = tf.function(
        lambda x: _conv_step(x, f, b),
        input_signature=[tf.TensorSpec([None, None, None, 1], tf.float32)],
    )
    for size in (6, 9):
        x = tf.constant(rng.standard_normal((2, size, size, 1)).astype(np.float32))
        assert _bits(traced(x)) == _bits(_conv_step(x, f, b))
    calls = native_calls(traced.get_concrete_function())
    assert FUSED_FORWARD not in calls and FUSED_BACKWARD not in calls
