"""Checks that Keras 3 opens the legacy `.h5` model files tapeflow writes (`model.save("m.h5")`)
and predicts, and trains on, the same numbers.

Run with the TensorFlow reference venv from the repository root:
`/work/tfref/bin/python tests/golden/check_keras_opens_tapeflow_h5.py`. tapeflow is imported
from this checkout into the same process as Keras. tapeflow builds and saves: a Sequential
model (Dense, BatchNormalization, Dense) trained a step with Adam; a functional model with two
named inputs and two named outputs compiled with dict losses and loss weights and trained with
RMSprop; an uncompiled Embedding(mask_zero=True) + LSTM model; a functional model around a
Sequential holding a custom layer registered under the same name on both sides. Keras loads
each with `keras.models.load_model` and must predict what tapeflow predicts and, for the
compiled ones, hold the optimizer's variables under Keras' names; Keras'
`load_weights(..., by_name=True)` reads the same file; and the Sequential file has the same
datasets and name lists as Keras writes for the same model. (Keras 3.15 builds a loaded
legacy model's optimizer against no variables, so it cannot resume training from any legacy
file, its own included; tapeflow can.) Prints one line per check and exits non-zero on a
mismatch.
"""

import os
import pathlib
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import tapeflow as tf  # noqa: E402

TOLERANCE = 1e-5
failures = []


def check(name, got, want):
    if isinstance(want, dict):
        for key in want:
            check(f"{name}[{key}]", got[key], want[key])
        return
    error = float(np.max(np.abs(np.asarray(got) - np.asarray(want))))
    ok = error <= TOLERANCE
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max |keras - tapeflow| = {error:.2e}")
    if not ok:
        failures.append(name)


def _layout(path):
    """(dataset path, shape) of every dataset, and every name-list attribute, of an h5 file."""
    out = []
    with h5py.File(path) as f:
        f.visititems(
            lambda n, o: out.append((n, o.shape)) if isinstance(o, h5py.Dataset) else None
        )
        f.visititems(
            lambda n, o: out.extend(
                (n, name, [str(v) for v in np.asarray(o.attrs[name]).ravel()])
                for name in o.attrs
                if name in ("layer_names", "weight_names")
            )
        )
        out.append(("/", "layer_names", [str(v) for v in f["model_weights"].attrs["layer_names"]]))
    return sorted(out, key=str)


def check_layout(name, ours, keras_file):
    ok = _layout(ours) == _layout(keras_file)
    print(f"{'ok  ' if ok else 'FAIL'} {name}: the same datasets and name lists as Keras writes")
    if not ok:
        failures.append(name)


def check_optimizer(name, path, model):
    """Keras 3.15 builds a loaded legacy model's optimizer against no variables (its own files
    cannot resume training either), so the state is compared as stored, by name and value."""
    with h5py.File(path) as f:
        group = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        stored = [np.asarray(group[n]) for n in names]
    variables = model.optimizer.variables
    same_names = names == [v.path for v in variables]
    print(f"{'ok  ' if same_names else 'FAIL'} {name}: optimizer weight names")
    if not same_names:
        failures.append(name)
    check(
        f"{name} values",
        np.concatenate([np.ravel(v) for v in stored]).astype("float64"),
        np.concatenate([np.ravel(v.numpy()) for v in variables]).astype("float64"),
    )


def scale_layer(namespace):
    @namespace.saving.register_keras_serializable(package="Golden")
    class Scale(namespace.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return Scale


def main():
    k = tf.keras
    scale_layer(keras)
    TapeflowScale = scale_layer(k)
    rng = np.random.default_rng(5)
    directory = pathlib.Path(tempfile.mkdtemp())

    def sequential(ns):
        return ns.Sequential(
            [
                ns.Input((4,)),
                ns.layers.Dense(5, activation="relu", name="d1"),
                ns.layers.BatchNormalization(name="bn"),
                ns.layers.Dense(2, name="d2"),
            ],
            name="seq",
        )

    # Loss objects: Keras 3.15 cannot load a legacy file compiled with loss="mse" (its own
    # too: "Could not deserialize 'keras.metrics.mse'"); tapeflow loads those.
    seq = sequential(k)
    seq.compile(
        optimizer=k.optimizers.Adam(0.01),
        loss=k.losses.MeanSquaredError(),
        metrics=[k.metrics.MeanAbsoluteError()],
    )
    x_train = rng.normal(size=(8, 4)).astype("float32")
    y_train = rng.normal(size=(8, 2)).astype("float32")
    seq.fit(x_train, y_train, batch_size=8, epochs=2, verbose=0)
    x = rng.normal(size=(5, 4)).astype("float32")
    seq.save(directory / "seq.h5")
    loaded = keras.models.load_model(directory / "seq.h5")
    check("sequential predict", loaded.predict(x, verbose=0), seq.predict(x, verbose=0))
    check_optimizer("sequential Adam state", directory / "seq.h5", seq)
    reference = sequential(keras)
    reference.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.MeanSquaredError())
    reference.fit(x_train, y_train, batch_size=8, epochs=1, verbose=0)
    reference.save(directory / "seq_keras.h5")
    check_layout("sequential", directory / "seq.h5", directory / "seq_keras.h5")
    by_name = sequential(keras)
    by_name.load_weights(directory / "seq.h5", by_name=True)
    check("load_weights by_name", by_name.predict(x, verbose=0), seq.predict(x, verbose=0))

    a = k.Input((3,), name="a")
    b = k.Input((2,), name="b")
    h = k.layers.Concatenate(name="cat")([k.layers.Dense(4, name="da")(a), b])
    h = k.layers.Dense(6, activation="tanh", name="hidden")(h)
    two = k.Model(
        {"a": a, "b": b},
        {
            "reg": k.layers.Dense(1, name="reg")(h),
            "cls": k.layers.Dense(1, "sigmoid", name="cls")(h),
        },
    )
    two.compile(
        optimizer=k.optimizers.RMSprop(0.01),
        loss={"reg": k.losses.MeanSquaredError(), "cls": k.losses.BinaryCrossentropy()},
        loss_weights={"reg": 1.0, "cls": 0.5},
    )
    xs = {
        "a": rng.normal(size=(8, 3)).astype("float32"),
        "b": rng.normal(size=(8, 2)).astype("float32"),
    }
    ys = {
        "reg": rng.normal(size=(8, 1)).astype("float32"),
        "cls": (rng.random(size=(8, 1)) > 0.5).astype("float32"),
    }
    two.fit(xs, ys, batch_size=4, epochs=1, verbose=0, shuffle=False)
    two.save(directory / "two.h5")
    loaded = keras.models.load_model(directory / "two.h5")
    check("two outputs predict", loaded.predict(xs, verbose=0), two.predict(xs, verbose=0))
    check_optimizer("two outputs RMSprop state", directory / "two.h5", two)

    lstm = k.Sequential(
        [
            k.Input((None,), dtype="int32"),
            k.layers.Embedding(10, 4, mask_zero=True),
            k.layers.LSTM(3),
            k.layers.Dense(1),
        ]
    )
    tokens = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0], [6, 7, 8, 9, 1]], "int32")
    lstm.save(directory / "lstm.h5")
    loaded = keras.models.load_model(directory / "lstm.h5")
    check(
        "masked LSTM predict", loaded.predict(tokens, verbose=0), lstm.predict(tokens, verbose=0)
    )

    inner = k.Sequential(
        [k.Input((3,)), TapeflowScale(1.5, name="scale"), k.layers.Dense(2, name="inner_dense")],
        name="inner",
    )
    x_in = k.Input((3,), name="x")
    nested = k.Model(x_in, k.layers.Dense(1, name="top")(inner(x_in)), name="nested")
    nested.get_layer("inner").get_layer("scale").w.assign([0.5, 2.0, -1.0])
    xn = rng.normal(size=(4, 3)).astype("float32")
    nested.save(directory / "nested.h5")
    loaded = keras.models.load_model(directory / "nested.h5")
    check("nested custom predict", loaded.predict(xn, verbose=0), nested.predict(xn, verbose=0))

    if failures:
        print(f"{len(failures)} mismatches: {failures}")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
