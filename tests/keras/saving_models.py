"""Layers, models and helpers shared by test_saving.py and test_saving_files.py. MyDense and
Merge are registered as "Golden>..." as tests/golden/make_saving.py registers them in Keras.
"""

import inspect
import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import saving
from tapeflow.keras.layers.input_layer import InputLayer
from tapeflow.keras.layers.layer import Layer

keras = tf.keras
GOLDEN = json.loads((pathlib.Path(__file__).parent.parent / "golden" / "saving.json").read_text())
KERAS_INPUT_LAYER = "ragged" in inspect.signature(InputLayer.__init__).parameters


# ---- test layers and models (Golden>* are registered under the same names in Keras) ----------


@saving.register_keras_serializable(package="Golden")
class MyDense(Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        return x @ self.kernel + self.bias

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@saving.register_keras_serializable(package="Golden")
class Merge(Layer):
    def call(self, a, b, scale=1.0):
        return (a + b) * scale


class Scale(Layer):
    """Unregistered: loads only through custom_objects."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Sub(keras.Model):
    """Keras' key layout for subclassed models: attributes, then the `layers` container."""

    def __init__(self, hidden=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.d1 = MyDense(hidden)
        self.blocks = [MyDense(hidden), MyDense(hidden)]
        self.out = MyDense(1)

    def call(self, x):
        x = self.d1(x)
        for block in self.blocks:
            x = block(x)
        return self.out(x)

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


class NoConfig(keras.Model):
    def __init__(self, units):
        super().__init__()
        self.d = MyDense(units)

    def call(self, x):
        return self.d(x)


def _x(rng, *shape):
    return rng.normal(size=shape).astype(np.float32)


def _sequential():
    return keras.Sequential([keras.Input((3,)), MyDense(4), MyDense(2)])


def _two_input_model():
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    shared = MyDense(4, name="shared")
    merged = Merge(name="merge")(shared(a), shared(b), scale=0.5)
    return keras.Model([a, b], Scale(3.0, name="scale")(merged), name="two_inputs")


def _randomize(model, rng):
    model.set_weights([rng.normal(size=w.shape.as_list()) for w in model.weights])


def _train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))


def _keys(path):
    """[key, shape] of every dataset of an HDF5 weights file, as the golden lists them."""
    h5py = pytest.importorskip("h5py")
    keys = []
    with h5py.File(path) as f:
        f.visititems(
            lambda name, obj: (
                keys.append([name, list(obj.shape)]) if isinstance(obj, h5py.Dataset) else None
            )
        )
    return sorted(keys)


def _legacy_weights(model, path):
    """`model`'s weights in tapeflow's own format: what tapeflow wrote before HDF5."""
    from tapeflow.io import write_tensors
    from tapeflow.keras.saving import weights as weights_lib

    write_tensors(path, *weights_lib.model_tensors(model, include_optimizer=True))
