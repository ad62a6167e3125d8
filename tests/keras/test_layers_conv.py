"""Convolution, pooling and reshaping layers: Keras 3's numbers, weights, shapes and configs.

The golden numbers come from tests/golden/make_keras_conv_rnn.py (Keras 3 in TF 2.21).
"""

import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import layers as L

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "keras_conv_rnn.json").read_text()
)
CLASSES = {
    "Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D",
    "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D",
    "Cropping2D", "UpSampling1D", "UpSampling2D", "Flatten", "Reshape", "Permute",
    "RepeatVector",
}  # fmt: skip
CASES = [c for c in GOLDEN["cases"] if c["class"] in CLASSES]


def _golden_layer(case):
    layer = getattr(L, case["class"])(name=case["id"], **case["kwargs"])
    inputs = [np.array(x, np.float32) for x in case["inputs"]]
    kwargs = {k: np.array(v, bool) if k == "mask" else v for k, v in case["call_kwargs"].items()}
    layer(*inputs, **kwargs)
    layer.set_weights([np.array(w, np.float32) for w in case["weights"]])
    return layer, inputs, kwargs


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_keras(case):
    layer, inputs, kwargs = _golden_layer(case)
    assert [w.name for w in layer.weights] == case["weight_names"]
    assert [w.path for w in layer.weights] == case["weight_paths"]
    assert [list(w.shape) for w in layer.weights] == case["weight_shapes"]
    assert list(layer.get_config()) == case["config_keys"]
    out = layer(*inputs, **kwargs)
    assert isinstance(out, tf.Tensor) and case["structure"] == "tensor"
    np.testing.assert_allclose(out.numpy(), case["outputs"][0], rtol=1e-5, atol=1e-5)
    assert tuple(layer.compute_output_shape(inputs[0].shape)) == tuple(case["output_shapes"][0])
    if "grads" in case:
        x = tf.constant(inputs[0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x) * np.array(case["probes"][0], np.float32))
        grads = tape.gradient(loss, layer.trainable_weights + [x])
        for g, expected in zip(grads, case["grads"]):
            np.testing.assert_allclose(g.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_config_round_trip(case):
    layer = getattr(L, case["class"])(name=case["id"], **case["kwargs"])
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_conv2d_defaults_and_kernel_layout():
    layer = L.Conv2D(8, 3)
    y = layer(np.zeros((2, 10, 9, 3), np.float32))
    assert y.shape == (2, 8, 7, 8) and y.dtype == tf.float32
    assert layer.kernel.shape == (3, 3, 3, 8) and layer.bias.shape == (8,)
    assert not np.any(layer.bias.numpy())  # zeros
    limit = np.sqrt(6 / (27 + 72))  # glorot_uniform with conv fans
    assert np.all(np.abs(layer.kernel.numpy()) <= limit) and layer.kernel.numpy().std() > 0
    config = layer.get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1)
    assert config["activation"] == "linear" and config["padding"] == "valid"
    assert config["data_format"] == "channels_last"


def test_conv2d_channels_first_matches_channels_last(rng):
    x = rng.normal(size=(2, 6, 5, 3)).astype(np.float32)
    last = L.Conv2D(4, 3, padding="same", activation="relu")
    first = L.Conv2D(4, 3, padding="same", activation="relu", data_format="channels_first")
    last(x)
    first(np.transpose(x, (0, 3, 1, 2)))
    first.set_weights(last.get_weights())
    y = first(np.transpose(x, (0, 3, 1, 2))).numpy()
    np.testing.assert_allclose(np.transpose(y, (0, 2, 3, 1)), last(x).numpy(), atol=1e-6)


def test_conv_activation_callable_and_unknown_name():
    layer = L.Conv1D(2, 2, activation=tf.nn.relu)
    # Not a keras.activations function: serialized as a function reference, as Dense does.
    assert layer.get_config()["activation"]["config"] == "relu"
    assert L.Conv1D(2, 2, activation="relu").get_config()["activation"] == "relu"
    y = layer(np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32))
    assert y.numpy().min() >= 0
    with pytest.raises(ValueError, match="no_such_thing"):
        L.Conv2D(2, 3, activation="no_such_thing")


def test_conv_errors_name_the_layer():
    with pytest.raises(ValueError, match="divisible by the number of groups"):
        L.Conv2D(4, 3, groups=2, name="grouped")(np.zeros((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="of layer 'c' is incompatible .* expected min_ndim=4"):
        L.Conv2D(4, 3, name="c")(np.zeros((1, 5, 3), np.float32))
    with pytest.raises(ValueError, match="strides > 1 not supported"):
        L.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding must be one of"):
        L.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match="negative or zero"):
        L.Conv2D(4, 5)(np.zeros((1, 3, 3, 1), np.float32))


def test_conv_regularizers_add_losses():
    layer = L.Conv2D(2, 3, kernel_regularizer="l2", bias_regularizer=tf.keras.regularizers.L1(0.5))
    layer(np.zeros((1, 4, 4, 1), np.float32))
    layer.bias.assign(np.array([1.0, -2.0], np.float32))
    kernel = layer.kernel.numpy()
    losses = [float(v) for v in layer.losses]
    assert losses == pytest.approx([0.01 * np.sum(kernel**2), 1.5], rel=1e-5)
    assert layer.get_config()["kernel_regularizer"]["class_name"] == "L2"


def test_conv_in_functional_and_sequential_models(rng):
    model = tf.keras.Sequential(
        [
            tf.keras.Input((8, 8, 1)),
            L.Conv2D(4, 3, activation="relu"),
            L.MaxPooling2D(),
            L.ZeroPadding2D(1),
            L.DepthwiseConv2D(3, depth_multiplier=2),
            L.GlobalAveragePooling2D(),
        ]
    )
    x = rng.normal(size=(3, 8, 8, 1)).astype(np.float32)
    assert model(x).shape == (3, 8)
    inputs = tf.keras.Input((6, 6, 2))
    y = L.Conv2DTranspose(3, 3, strides=2, padding="same")(inputs)
    y = L.Flatten()(L.Cropping2D(((1, 1), (2, 0)))(y))
    assert tuple(y.shape.as_list()) == (None, 10 * 10 * 3)


def test_pooling_defaults_and_config():
    assert L.MaxPooling2D().get_config()["strides"] == (2, 2)
    assert L.AveragePooling1D(3).get_config()["strides"] == (3,)
    assert L.MaxPooling1D(3, strides=1).get_config()["pool_size"] == (3,)
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(L.MaxPooling2D()(x).numpy()[0, :, :, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(
        L.AveragePooling2D(2)(x).numpy()[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]]
    )
    np.testing.assert_array_equal(L.GlobalMaxPooling2D()(x).numpy(), [[15.0]])


def test_pooling_gradients_flow_to_the_window_max(rng):
    x = tf.constant(rng.normal(size=(1, 4, 4, 2)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(L.MaxPooling2D()(x))
    g = tape.gradient(y, x).numpy()
    assert g.sum() == 8 and set(np.unique(g)) == {0.0, 1.0}


def test_reshaping_layers_shapes(rng):
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(L.Permute((2, 1))(x).numpy(), np.transpose(x, (0, 2, 1)))
    assert L.Reshape((-1, 2))(x).shape == (2, 6, 2)
    assert L.Reshape((-1, 2)).compute_output_shape((None, 3, 4)) == (None, 6, 2)
    with pytest.raises(ValueError, match="cannot reshape inputs of shape"):
        L.Reshape((5,))(x)
    np.testing.assert_array_equal(L.UpSampling1D(2)(x).numpy(), np.repeat(x, 2, axis=1))
    with pytest.raises(ValueError, match="too high"):
        L.Cropping1D((2, 1))(x)
    with pytest.raises(NotImplementedError, match="interpolation"):
        L.UpSampling2D(interpolation="bicubic")


def test_upsampling_gradient_sums_the_copies(rng):
    x = tf.constant(rng.normal(size=(1, 2, 2, 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(L.UpSampling2D((2, 3))(x))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.full((1, 2, 2, 1), 6.0))
