"""tapeflow and TensorFlow: one implementation, written as a TF2 user writes a custom loop.

The same code runs on `import tapeflow as tf` and on `import tensorflow as tf`: Keras layers,
losses and optimizers with a GradientTape loop, eager or wrapped in `tf.function`.
"""

from __future__ import annotations

from .timing import Step
from .workloads import Workload


def _keras_parts(tf, w: Workload):
    """(model, loss object, optimizer) of workload `w`, the model holding `w.weights`."""
    keras = tf.keras
    layers = keras.layers
    if w.name == "W2":
        body = [keras.Input((11,)), *[layers.Dense(n, activation="relu") for n in w.hidden]]
        model = keras.Sequential([*body, layers.Dense(1)])
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        optimizer = keras.optimizers.RMSprop(w.lr)
    elif w.name == "W3":
        model = keras.Sequential(
            [
                keras.Input((28, 28)),
                layers.Flatten(),
                layers.Dense(w.hidden[0], activation="relu"),
                layers.Dense(10, activation="softmax"),
            ]
        )
        loss = keras.losses.SparseCategoricalCrossentropy()
        optimizer = keras.optimizers.Adam(w.lr)
    elif w.name == "W4":
        model = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                layers.Conv2D(w.hidden[0], 3, activation="relu"),
                layers.Flatten(),
                layers.Dense(10),
            ]
        )
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        optimizer = keras.optimizers.Adam(w.lr)
    elif w.name == "W6":
        model = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                layers.Conv2D(w.hidden[0], 3, activation="relu"),
                layers.Flatten(),
                layers.Dense(w.hidden[1], activation="relu"),
                layers.Dense(10),
            ]
        )
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        optimizer = keras.optimizers.Adam(w.lr)
    elif w.name == "W5":
        width = w.weights[0].shape[0]
        body = [keras.Input((width,)), *[layers.Dense(n, activation="relu") for n in w.hidden]]
        model = keras.Sequential([*body, layers.Dense(10)])
        loss = keras.losses.CategoricalCrossentropy(from_logits=True)
        optimizer = keras.optimizers.SGD(w.lr)
    else:
        raise ValueError(f"no Keras model for workload {w.name}")
    model.set_weights(w.weights)
    optimizer.build(model.trainable_variables)
    return model, loss, optimizer


def build(tf, w: Workload, compiled: bool, jit_compile: bool = False) -> Step:
    """Workload `w` on the TF-like module `tf`, eager or (`compiled`) under `tf.function`,
    with `jit_compile=True` when asked (XLA in TensorFlow)."""
    batches = [(tf.constant(x), tf.constant(y)) for x, y in w.batches]
    lr = w.lr
    if w.name == "W1":
        W = tf.Variable(w.weights[0])
        b = tf.Variable(w.weights[1])

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(W * x + b - y))
            dW, db = tape.gradient(loss, [W, b])
            W.assign_sub(lr * dW)
            b.assign_sub(lr * db)
            return loss

    else:
        model, loss_fn, optimizer = _keras_parts(tf, w)

        def step(x, y):
            with tf.GradientTape() as tape:
                predictions = model(x, training=True)
                loss = loss_fn(y, predictions)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

    if jit_compile:
        step = tf.function(step, jit_compile=True)
    elif compiled:
        step = tf.function(step)
    return Step(step, batches, to_float=lambda loss: float(loss.numpy()))
