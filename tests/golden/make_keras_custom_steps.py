"""Writes keras_custom_steps.json: Keras 3 numbers for functional models that override
train_step / test_step / predict_step (tests/keras/test_custom_steps.py).

Run with the reference environment:
`/work/tfref/bin/python tests/golden/make_keras_custom_steps.py`. The models are built
functionally from a subclass of keras.Model (`CustomModel(inputs, outputs)`), as in Keras'
guide "Customizing what happens in fit() with TensorFlow", with fixed data and weights.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_custom_steps.json")


def arr(a):
    return np.asarray(a).tolist()


class CompiledLossModel(keras.Model):
    """The guide's first example: compute_loss, then every metric of self.metrics."""

    def train_step(self, data):
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def predict_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return {"scaled": self(x, training=False) * 10.0}


class OwnMetricsModel(keras.Model):
    """The guide's lower-level example: its own loss and metrics, listed in `metrics`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


def build(cls, init):
    inputs = keras.Input(shape=(5,))
    hidden = keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(1, name="out")(hidden)
    model = cls(inputs, outputs)
    model.set_weights(init)
    return model


def main():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(40, 5)).astype("float32")
    y = rng.normal(size=(40, 1)).astype("float32")
    sw = rng.uniform(0.5, 1.5, size=(40, 1)).astype("float32")
    shapes = [(5, 4), (4,), (4, 1), (1,)]
    init = [rng.normal(scale=0.5, size=s).astype("float32") for s in shapes]

    compiled = build(CompiledLossModel, init)
    compiled.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = compiled.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    weighted = build(CompiledLossModel, init)
    weighted.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    weighted_history = weighted.fit(
        x, y, sample_weight=sw, batch_size=16, epochs=2, shuffle=False, verbose=0
    )
    evaluated = compiled.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    predicted = compiled.predict(x[:7], batch_size=4, verbose=0)

    own = build(OwnMetricsModel, init)
    own.compile(optimizer=keras.optimizers.Adam(0.01))
    own_history = own.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)

    golden = {
        "x": arr(x),
        "y": arr(y),
        "sample_weight": arr(sw),
        "init": [arr(w) for w in init],
        "compiled": {
            "history": history.history,
            "final": [arr(w) for w in compiled.get_weights()],
            "evaluate": evaluated,
            "predict": {k: arr(v) for k, v in predicted.items()},
            "metric_names": [m.name for m in compiled.metrics],
            "is_functional": isinstance(compiled, keras.src.models.functional.Functional),
        },
        "weighted": {"history": weighted_history.history},
        "own": {
            "history": own_history.history,
            "final": [arr(w) for w in own.get_weights()],
        },
    }
    OUT.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
