"""Golden Keras 3 files for tests/keras/test_keras_files.py: models saved by Keras itself.

Run with the TensorFlow reference venv: `/work/tfref/bin/python tests/golden/make_keras_files.py`.
Writes small `.keras` archives and `.weights.h5` files into `keras_files/` (a Sequential model
trained one epoch with Adam, a functional model with two inputs and BatchNormalization, a
subclassed model of a registered class trained with SGD and momentum, a model holding a layer
tapeflow does not have) and `keras_files.json`: for each file, the inputs and Keras' outputs
for them, and for trained models the outputs after one more training step on fixed data.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = pathlib.Path(__file__).parent
DIR = HERE / "keras_files"


@keras.saving.register_keras_serializable(package="Golden")
class TwoDense(keras.Model):
    """A subclassed model of a registered class, with a config of its own."""

    def __init__(self, units=5, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units, activation="tanh")
        self.out = keras.layers.Dense(2)

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _fixed(model, rng):
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.weights])


def main():
    DIR.mkdir(exist_ok=True)
    rng = np.random.default_rng(10)
    out = {}

    keras.utils.set_random_seed(1)
    seq = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(3)]
    )
    seq.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    _fixed(seq, rng)
    x_train = rng.normal(size=(16, 4)).astype("float32")
    y_train = rng.normal(size=(16, 3)).astype("float32")
    seq.fit(x_train, y_train, batch_size=8, epochs=1, verbose=0, shuffle=False)
    x = rng.normal(size=(5, 4)).astype("float32")
    seq.save(DIR / "sequential_adam.keras")
    seq.save_weights(DIR / "sequential_adam.weights.h5")
    before = np.asarray(seq.predict(x, verbose=0))
    seq.train_on_batch(x_train[:8], y_train[:8])  # one more step: uses the optimizer state
    out["sequential_adam"] = {
        "inputs": x.tolist(),
        "outputs": before.tolist(),
        "train_x": x_train[:8].tolist(),
        "train_y": y_train[:8].tolist(),
        "outputs_after_step": np.asarray(seq.predict(x, verbose=0)).tolist(),
    }

    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    h = keras.layers.Concatenate()([keras.layers.Dense(4, name="da")(a), b])
    h = keras.layers.BatchNormalization(name="bn")(h)
    y = keras.layers.Dense(2, activation="sigmoid", name="head")(h)
    functional = keras.Model([a, b], y, name="two_inputs")
    _fixed(functional, rng)
    bn = functional.get_layer("bn")
    bn.moving_variance.assign(np.abs(bn.moving_variance.numpy()) + 0.5)
    xa = rng.normal(size=(4, 3)).astype("float32")
    xb = rng.normal(size=(4, 2)).astype("float32")
    functional.save(DIR / "functional.keras")
    out["functional"] = {
        "inputs": [xa.tolist(), xb.tolist()],
        "outputs": np.asarray(functional.predict([xa, xb], verbose=0)).tolist(),
    }

    sub = TwoDense(units=5)
    sub(np.zeros((1, 3), "float32"))
    sub.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse")
    _fixed(sub, rng)
    xs_train = rng.normal(size=(8, 3)).astype("float32")
    ys_train = rng.normal(size=(8, 2)).astype("float32")
    sub.fit(xs_train, ys_train, batch_size=8, epochs=2, verbose=0, shuffle=False)
    xs = rng.normal(size=(3, 3)).astype("float32")
    sub.save(DIR / "subclassed.keras")
    before = np.asarray(sub.predict(xs, verbose=0))
    sub.train_on_batch(xs_train, ys_train)
    out["subclassed"] = {
        "inputs": xs.tolist(),
        "outputs": before.tolist(),
        "train_x": xs_train.tolist(),
        "train_y": ys_train.tolist(),
        "outputs_after_step": np.asarray(sub.predict(xs, verbose=0)).tolist(),
    }

    unsupported = keras.Sequential(
        [
            keras.Input((4, 3, 2)),
            keras.layers.ConvLSTM1D(2, 2, name="clstm"),
            keras.layers.Flatten(),
        ]
    )
    unsupported.save(DIR / "unsupported_layer.keras")
    (HERE / "keras_files.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
