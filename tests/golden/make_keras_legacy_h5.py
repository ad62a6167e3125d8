"""Golden legacy HDF5 model files for tests/keras/test_legacy_h5.py: `model.save("m.h5")` by
Keras 3.15 itself.

Run with the TensorFlow reference venv:
`/work/tfref/bin/python tests/golden/make_keras_legacy_h5.py`.
Writes into `keras_files/`: `legacy_sequential_adam.h5` (Dense, BatchNormalization, Dense,
trained an epoch with Adam, metrics), `legacy_two_outputs.h5` (a functional model with two
named inputs and two named outputs compiled with dict losses, loss weights and metrics,
trained with RMSprop), `legacy_masked_lstm.h5` (Embedding(mask_zero=True) and LSTM,
uncompiled), `legacy_nested_custom.h5` (a functional model around a Sequential holding a
registered custom layer `Golden>Scale`), and `keras_legacy_h5.json`: inputs, Keras' outputs,
the optimizer's variables, and for the trained models the outputs after one more step.
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
class Scale(keras.layers.Layer):
    """A registered custom layer with a weight and a config of its own."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _fixed(model, rng):
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.weights])


def _tolist(value):
    if isinstance(value, dict):
        return {k: _tolist(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tolist(v) for v in value]
    return np.asarray(value).tolist()


def main():
    DIR.mkdir(exist_ok=True)
    rng = np.random.default_rng(21)
    out = {}

    keras.utils.set_random_seed(2)
    seq = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(2),
        ],
        name="seq",
    )
    seq.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    _fixed(seq, rng)
    bn = seq.layers[1]
    bn.moving_variance.assign(np.abs(bn.moving_variance.numpy()) + 0.5)
    x_train = rng.normal(size=(16, 4)).astype("float32")
    y_train = rng.normal(size=(16, 2)).astype("float32")
    seq.fit(x_train, y_train, batch_size=8, epochs=1, verbose=0, shuffle=False)
    x = rng.normal(size=(5, 4)).astype("float32")
    seq.save(DIR / "legacy_sequential_adam.h5")
    before = seq.predict(x, verbose=0)
    optimizer_values = [v.numpy().tolist() for v in seq.optimizer.variables]
    seq.train_on_batch(x_train[:8], y_train[:8])
    out["legacy_sequential_adam"] = {
        "inputs": x.tolist(),
        "outputs": before.tolist(),
        "optimizer": optimizer_values,
        "optimizer_names": [v.path for v in seq.optimizer.variables],
        "train_x": x_train[:8].tolist(),
        "train_y": y_train[:8].tolist(),
        "outputs_after_step": seq.predict(x, verbose=0).tolist(),
        "metrics": seq.metrics_names,
    }

    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    h = keras.layers.Concatenate(name="cat")([keras.layers.Dense(4, name="da")(a), b])
    h = keras.layers.Dense(6, activation="tanh", name="hidden")(h)
    y1 = keras.layers.Dense(1, name="reg")(h)
    y2 = keras.layers.Dense(1, activation="sigmoid", name="cls")(h)
    two = keras.Model({"a": a, "b": b}, {"reg": y1, "cls": y2}, name="two_outputs")
    two.compile(
        optimizer=keras.optimizers.RMSprop(0.01),
        loss={"reg": "mse", "cls": "binary_crossentropy"},
        loss_weights={"reg": 1.0, "cls": 0.5},
        metrics={"cls": ["accuracy"]},
    )
    _fixed(two, rng)
    xa = rng.normal(size=(8, 3)).astype("float32")
    xb = rng.normal(size=(8, 2)).astype("float32")
    ys = {
        "reg": rng.normal(size=(8, 1)).astype("float32"),
        "cls": (rng.random(size=(8, 1)) > 0.5).astype("float32"),
    }
    two.fit({"a": xa, "b": xb}, ys, batch_size=4, epochs=1, verbose=0, shuffle=False)
    two.save(DIR / "legacy_two_outputs.h5")
    inputs = {"a": xa[:3], "b": xb[:3]}
    before = two.predict(inputs, verbose=0)
    two.train_on_batch({"a": xa, "b": xb}, ys)
    out["legacy_two_outputs"] = {
        "inputs": _tolist(inputs),
        "outputs": _tolist(before),
        "train_x": _tolist({"a": xa, "b": xb}),
        "train_y": _tolist(ys),
        "outputs_after_step": _tolist(two.predict(inputs, verbose=0)),
        "layer_names": [layer.name for layer in two.layers],
    }

    lstm = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(10, 4, mask_zero=True),
            keras.layers.LSTM(3),
            keras.layers.Dense(1),
        ]
    )
    _fixed(lstm, rng)
    tokens = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0], [6, 7, 8, 9, 1]], "int32")
    lstm.save(DIR / "legacy_masked_lstm.h5")
    out["legacy_masked_lstm"] = {
        "inputs": tokens.tolist(),
        "outputs": lstm.predict(tokens, verbose=0).tolist(),
    }

    inner = keras.Sequential(
        [keras.Input((3,)), Scale(1.5, name="scale"), keras.layers.Dense(2, name="inner_dense")],
        name="inner",
    )
    x_in = keras.Input((3,), name="x")
    nested = keras.Model(x_in, keras.layers.Dense(1, name="top")(inner(x_in)), name="nested")
    _fixed(nested, rng)
    xn = rng.normal(size=(4, 3)).astype("float32")
    nested.save(DIR / "legacy_nested_custom.h5")
    out["legacy_nested_custom"] = {
        "inputs": xn.tolist(),
        "outputs": nested.predict(xn, verbose=0).tolist(),
    }
    (HERE / "keras_legacy_h5.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
