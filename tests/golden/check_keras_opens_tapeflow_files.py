"""Checks that Keras 3 opens the files tapeflow writes and predicts the same numbers.

Run with the TensorFlow reference venv from the repository root:
`/work/tfref/bin/python tests/golden/check_keras_opens_tapeflow_files.py`. tapeflow (NumPy and
h5py only) is imported from this checkout into the same process as Keras. For a Sequential
model trained a step with Adam, a functional model with two inputs and BatchNormalization, and
a subclassed model of a class registered under the same name on both sides (SGD with
momentum), tapeflow saves `.keras` and `.weights.h5` files; Keras loads each and must predict
what tapeflow predicts, and, for the compiled ones, take the same next training step (so the
optimizer state came across). Prints one line per check and exits non-zero on a mismatch.
"""

import os
import pathlib
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

import keras  # noqa: E402
import numpy as np  # noqa: E402

import tapeflow as tf  # noqa: E402

TOLERANCE = 1e-5
failures = []


def check(name, got, want):
    error = float(np.max(np.abs(np.asarray(got) - np.asarray(want))))
    ok = error <= TOLERANCE
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max |keras - tapeflow| = {error:.2e}")
    if not ok:
        failures.append(name)


def two_dense(base, namespace):
    @namespace.saving.register_keras_serializable(package="Golden")
    class TwoDense(base):
        def __init__(self, units=5, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = namespace.layers.Dense(units, activation="tanh")
            self.out = namespace.layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return TwoDense


def fixed(model, rng):
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])


def main():
    tk = tf.keras
    rng = np.random.default_rng(3)
    directory = pathlib.Path(tempfile.mkdtemp())
    TwoDenseTF = two_dense(tk.Model, tk)
    two_dense(keras.Model, keras)

    seq = tk.Sequential(
        [tk.Input((4,)), tk.layers.Dense(6, activation="relu"), tk.layers.Dense(3)]
    )
    seq.compile(optimizer=tk.optimizers.Adam(0.01), loss="mse")
    fixed(seq, rng)
    x_train = rng.normal(size=(8, 4)).astype("float32")
    y_train = rng.normal(size=(8, 3)).astype("float32")
    seq.fit(x_train, y_train, batch_size=8, epochs=2, verbose=0, shuffle=False)
    x = rng.normal(size=(5, 4)).astype("float32")
    seq.save(directory / "seq.keras")
    seq.save_weights(directory / "seq.weights.h5")
    loaded = keras.models.load_model(directory / "seq.keras")
    check("Sequential .keras predict", loaded.predict(x, verbose=0), seq.predict(x, verbose=0))
    blank = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(3)]
    )
    blank.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    blank.optimizer.build(blank.trainable_variables)
    blank.load_weights(directory / "seq.weights.h5")
    check("Sequential .weights.h5 predict", blank.predict(x, verbose=0), seq.predict(x, verbose=0))
    loaded.train_on_batch(x_train, y_train)
    blank.train_on_batch(x_train, y_train)
    seq.train_on_batch(x_train, y_train)
    check("Sequential .keras, Adam step", loaded.predict(x, verbose=0), seq.predict(x, verbose=0))
    check(
        "Sequential .weights.h5, Adam step", blank.predict(x, verbose=0), seq.predict(x, verbose=0)
    )

    a = tk.Input((3,), name="a")
    b = tk.Input((2,), name="b")
    h = tk.layers.Concatenate()([tk.layers.Dense(4, name="da")(a), b])
    h = tk.layers.BatchNormalization(name="bn")(h)
    functional = tk.Model([a, b], tk.layers.Dense(2, activation="sigmoid")(h), name="two")
    fixed(functional, rng)
    bn = functional.get_layer("bn")
    bn.moving_variance.assign(np.abs(bn.moving_variance.numpy()) + 0.5)
    xs = [rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 2)).astype("float32")]
    functional.save(directory / "functional.keras")
    loaded = keras.models.load_model(directory / "functional.keras")
    check(
        "functional .keras predict",
        loaded.predict(xs, verbose=0),
        functional.predict(xs, verbose=0),
    )

    sub = TwoDenseTF(units=5)
    sub(np.zeros((1, 3), "float32"))
    sub.compile(optimizer=tk.optimizers.SGD(0.05, momentum=0.9), loss="mse")
    fixed(sub, rng)
    xt = rng.normal(size=(8, 3)).astype("float32")
    yt = rng.normal(size=(8, 2)).astype("float32")
    sub.fit(xt, yt, batch_size=8, epochs=2, verbose=0, shuffle=False)
    x = rng.normal(size=(3, 3)).astype("float32")
    sub.save(directory / "sub.keras")
    loaded = keras.models.load_model(directory / "sub.keras")
    check("subclassed .keras predict", loaded.predict(x, verbose=0), sub.predict(x, verbose=0))
    loaded.train_on_batch(xt, yt)
    sub.train_on_batch(xt, yt)
    check(
        "subclassed .keras, SGD momentum step",
        loaded.predict(x, verbose=0),
        sub.predict(x, verbose=0),
    )

    print(f"{'FAILED: ' + ', '.join(failures) if failures else 'all checks passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
