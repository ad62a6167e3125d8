"""fusion.fuse_bias_relu: a traced step's bias + relu and relu gradient + bias gradient run
as one native call each, bitwise equal to eager; the shapes it must not take stay as they
were."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import backend
from tapeflow.backend import native

pytestmark = [
    pytest.mark.skipif(not native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native kernels run on NumPy arrays only"),
]


def _bits(values):
    return [(np.asarray(v).dtype, np.asarray(v).tobytes()) for v in values]


def _with_specials(a):
    a.reshape(-1)[:3] = [0.0, -0.0, np.nan]
    return a


def _dense_step(x, w, b):
    with tf.GradientTape() as tape:
        tape.watch([w, b])
        h = tf.nn.relu(tf.matmul(x, w) + b)
        loss = tf.reduce_sum(h * h)
    return (h, *tape.gradient(loss, [w, b]))


def _conv_step(x, f, b):
    with tf.GradientTape() as tape:
        tape.watch([f, b])
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, f, 1, "SAME"), b))
        loss = tf.reduce_sum(tf.square(h - 0.5))
    return (h, *tape.gradient(loss, [f, b]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
def test_dense_and_conv_steps_fuse_and_equal_eager_bitwise(dtype, rng, native_calls):
    dense = [
        _with_specials(rng.standard_normal((40, 13)).astype(dtype)),
        rng.standard_normal((13, 24)).astype(dtype),
        rng.standard_normal(24).astype(dtype),
    ]
    conv = [
        rng.standard_normal((3, 9, 9, 2)).astype(dtype),
        rng.standard_normal((3, 3, 2, 8)).astype(dtype),
        rng.standard_normal(8).astype(dtype),
    ]
    for step, arrays in ((_dense_step, dense), (_conv_step, conv)):
        args = [tf.constant(a) for a in arrays]
        traced = tf.function(step)
        with np.errstate(invalid="ignore"):
            got, expected = traced(*args), step(*args)
        assert native_calls(traced.get_concrete_function(*args)) == [
            ["BiasAdd" if step is _conv_step else "AddV2", "Relu"],
            ["ReluGrad", "Sum"],
        ]
        assert _bits(got) == _bits(expected)


def test_shapes_that_must_not_fuse_compute_as_before(rng, native_calls):
    x = rng.standard_normal((30, 5)).astype(np.float32)
    w = rng.standard_normal((5, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)

    def used_twice(x, w, b):  # the pre-activation is a result too
        z = tf.matmul(x, w) + b
        return tf.nn.relu(z), z

    def broadcast_rows(x, w, b):  # the "bias" is a column: it broadcasts the other way
        return tf.nn.relu(tf.matmul(x, w) + tf.reshape(b[:1], (1, 1)) + x[:, :1])

    def one_channel(x, w, b):  # NumPy sums one channel pairwise: no row-after-row kernel
        w1 = w[:, :1]
        with tf.GradientTape() as tape:
            tape.watch([w1, b])
            h = tf.nn.relu(tf.matmul(x, w1) + b[:1])
            loss = tf.reduce_sum(h * x[:, :1])
        return tape.gradient(loss, [w1, b])

    args = [tf.constant(a) for a in (x, w, b)]
    for fn, expected_calls in (
        (used_twice, []),
        (broadcast_rows, []),
        (one_channel, [["AddV2", "Relu"], ["ReluGrad", "Sum"]]),
    ):
        traced = tf.function(fn)
        got = traced(*args)
        assert native_calls(traced.get_concrete_function(*args)) == expected_calls, fn.__name__
        assert _bits(tf.nest.flatten(got)) == _bits(tf.nest.flatten(fn(*args))), fn.__name__


def test_nothing_fuses_with_native_kernels_off(rng, native_calls):
    args = [tf.constant(rng.standard_normal(s).astype(np.float32)) for s in ((8, 6), (6, 5), (5,))]
    native.set_enabled(False)
    try:
        traced = tf.function(_dense_step)
        traced(*args)
        assert native_calls(traced.get_concrete_function(*args)) == []
    finally:
        native.set_enabled(True)
