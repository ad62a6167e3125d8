"""A plain function as a layer's initializer or regularizer serializes as Keras 3 writes it
(TF guide "basics": `Dense(kernel_initializer=tf.random.normal)` then `model.save`)."""

import numpy as np

import tapeflow as tf


def my_init(shape, dtype=None):
    return tf.ones(shape, dtype=dtype)


def my_reg(w):
    return tf.reduce_sum(w)


# Keras 3.15 (TF 2.21): Dense(kernel_initializer=my_init, kernel_regularizer=my_reg)
# .get_config() gives these two entries.
KERAS_INIT = {"module": "builtins", "class_name": "function", "config": "my_init",
              "registered_name": "function"}  # fmt: skip
KERAS_REG = {"module": "builtins", "class_name": "function", "config": "my_reg",
             "registered_name": "function"}  # fmt: skip


def test_function_initializer_and_regularizer_configs():
    layer = tf.keras.layers.Dense(1, kernel_initializer=my_init, kernel_regularizer=my_reg)
    config = layer.get_config()
    assert config["kernel_initializer"] == KERAS_INIT
    assert config["kernel_regularizer"] == KERAS_REG


def test_model_with_function_initializer_saves(tmp_path, rng):
    model = tf.keras.Sequential(
        [tf.keras.Input((2,)), tf.keras.layers.Dense(1, kernel_initializer=tf.random.normal)]
    )
    model.compile(loss=tf.keras.losses.MSE, optimizer=tf.keras.optimizers.SGD(0.01))
    model.fit(rng.normal(size=(8, 2)), rng.normal(size=(8, 1)), verbose=0)
    model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").stat().st_size > 0
    kernel = model.layers[0].kernel.numpy()
    assert kernel.shape == (2, 1) and np.all(np.isfinite(kernel))
