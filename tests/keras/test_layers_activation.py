"""Keras' activation layers: configs, saving, training (values are in the golden test)."""

import numpy as np
import pytest

import tapeflow as tf

keras = tf.keras


def test_configs_round_trip():
    for layer in (
        keras.layers.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5, name="r"),
        keras.layers.LeakyReLU(negative_slope=0.2),
        keras.layers.ELU(alpha=0.5),
        keras.layers.Softmax(axis=[1, 2]),
        keras.layers.PReLU(shared_axes=[1], alpha_initializer="ones"),
    ):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_leaky_relu_alpha_is_the_deprecated_spelling():
    with pytest.warns(UserWarning, match="negative_slope"):
        layer = keras.layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1


def test_model_of_activation_layers_saves_and_loads(tmp_path, rng):
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3),
            keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.3)),
            keras.layers.ReLU(max_value=2.0),
            keras.layers.LeakyReLU(0.2),
            keras.layers.ELU(0.5),
            keras.layers.Softmax(),
        ]
    )
    x = rng.standard_normal((5, 4)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6)
    assert loaded.layers[4].alpha == 0.5


def test_prelu_learns_its_slopes(rng):
    x = rng.standard_normal((64, 3)).astype("float32")
    y = np.where(x > 0, x, 0.25 * x)  # a PReLU with alpha 0.25
    layer = keras.layers.PReLU()
    model = keras.Sequential([keras.Input((3,)), layer])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    model.fit(x, y, epochs=60, batch_size=64, verbose=0)
    np.testing.assert_allclose(layer.alpha.numpy(), np.full(3, 0.25), atol=1e-3)


def test_prelu_shared_axes_must_exist():
    with pytest.raises(ValueError, match="shared axis 3"):
        keras.layers.PReLU(shared_axes=[3])(np.zeros((1, 2, 2), "float32"))
