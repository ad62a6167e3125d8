"""Writes keras_fit.json: Keras 3 fit/evaluate/predict numbers for tests/keras/test_training.py.

Run with the reference environment: `/work/tfref/bin/python tests/golden/make_keras_fit.py`.
Every model has fixed data and explicit initial weights (stored in the JSON), shuffle=False,
so tapeflow can rebuild the same model and must reproduce every logged number.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_fit.json")


def arr(a):
    return np.asarray(a).tolist()


def weights_of(model):
    return [arr(w) for w in model.get_weights()]


def sgd_mse(rng):
    """Sequential MLP, SGD, mse + mae, validation_data with a partial batch."""
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1)) + 0.1 * rng.normal(size=(64, 1))).astype("float32")
    xv = rng.normal(size=(20, 4)).astype("float32")
    yv = (xv @ rng.normal(size=(4, 1))).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(1, name="out"),
        ]
    )
    init = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(init)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse", metrics=["mae"])
    history = model.fit(
        x, y, batch_size=16, epochs=2, shuffle=False, validation_data=(xv, yv), verbose=0
    )
    return {
        "x": arr(x),
        "y": arr(y),
        "x_val": arr(xv),
        "y_val": arr(yv),
        "init": [arr(w) for w in init],
        "history": history.history,
        "evaluate": model.evaluate(xv, yv, batch_size=8, verbose=0, return_dict=True),
        "evaluate_list": model.evaluate(xv, yv, batch_size=8, verbose=0),
        "predict": arr(model.predict(xv, batch_size=7, verbose=0)),
        "final": weights_of(model),
        "metrics_names": model.metrics_names,
    }


def rmsprop_bce(rng):
    """Sigmoid output, RMSprop, binary crossentropy + accuracy, sample weights, an L2
    penalty (model.losses), validation_split."""
    x = rng.normal(size=(50, 3)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    w = rng.uniform(0.5, 2.0, size=(50,)).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(
                6,
                activation="relu",
                kernel_regularizer=keras.regularizers.L2(0.01),
                name="hidden",
            ),
            keras.layers.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    init = [rng.normal(scale=0.5, size=v.shape).astype("float32") for v in model.get_weights()]
    model.set_weights(init)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.01),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        x,
        y,
        sample_weight=w,
        batch_size=10,
        epochs=2,
        shuffle=False,
        validation_split=0.2,
        verbose=0,
    )
    return {
        "x": arr(x),
        "y": arr(y),
        "sample_weight": arr(w),
        "init": [arr(v) for v in init],
        "history": history.history,
        "evaluate": model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True),
        "predict": arr(model.predict(x[:9], verbose=0)),
        "final": weights_of(model),
    }


def multi_output(rng):
    """Functional model with two heads: per-output losses, loss weights and metrics."""
    x = rng.normal(size=(40, 4)).astype("float32")
    ya = (x[:, :1] - x[:, 1:2]).astype("float32")
    yb = rng.integers(0, 3, size=(40,)).astype("int32")
    inputs = keras.Input((4,), name="features")
    h = keras.layers.Dense(5, activation="relu", name="trunk")(inputs)
    out_a = keras.layers.Dense(1, name="reg")(h)
    out_b = keras.layers.Dense(3, activation="softmax", name="cls")(h)
    model = keras.Model(inputs, [out_a, out_b])
    init = [rng.normal(scale=0.5, size=v.shape).astype("float32") for v in model.get_weights()]
    model.set_weights(init)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
        loss=["mse", "sparse_categorical_crossentropy"],
        loss_weights=[1.0, 0.5],
        metrics=[["mae"], ["accuracy"]],
    )
    history = model.fit(
        x,
        [ya, yb],
        batch_size=8,
        epochs=2,
        shuffle=False,
        validation_data=(x, [ya, yb]),
        verbose=0,
    )
    pa, pb = model.predict(x, batch_size=16, verbose=0)
    return {
        "x": arr(x),
        "ya": arr(ya),
        "yb": arr(yb),
        "init": [arr(v) for v in init],
        "history": history.history,
        "evaluate": model.evaluate(x, [ya, yb], batch_size=40, verbose=0, return_dict=True),
        "predict_a": arr(pa),
        "predict_b": arr(pb),
        "final": weights_of(model),
    }


def train_on_batch_case(rng):
    """train_on_batch / test_on_batch (metrics reset per call in Keras 3)."""
    x = rng.normal(size=(12, 3)).astype("float32")
    y = rng.normal(size=(12, 2)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="out")])
    init = [rng.normal(scale=0.5, size=v.shape).astype("float32") for v in model.get_weights()]
    model.set_weights(init)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    first = model.train_on_batch(x[:6], y[:6], return_dict=True)
    second = model.train_on_batch(x[6:], y[6:])
    test = model.test_on_batch(x, y, return_dict=True)
    return {
        "x": arr(x),
        "y": arr(y),
        "init": [arr(v) for v in init],
        "first": first,
        "second": second,
        "test": test,
        "predict_on_batch": arr(model.predict_on_batch(x[:4])),
    }


def progbar_outputs():
    """What keras.utils.Progbar prints for scripted updates, under a fake clock."""
    import io
    import sys

    from keras.src.utils import progbar as progbar_module

    clock = [100.0]
    real_time = progbar_module.time.time
    progbar_module.time.time = lambda: clock[0]

    def run(make, steps):
        buffer, stdout = io.StringIO(), sys.stdout
        sys.stdout = buffer
        try:
            bar = make()
            for dt, args, kwargs in steps:
                clock[0] += dt
                bar.update(*args, **kwargs)
        finally:
            sys.stdout = stdout
        return buffer.getvalue()

    cases = {
        "averaged": (
            {"target": 5},
            [
                (0.01, [1, [["loss", 2.5], ["acc", 0.5]]], {}),
                (0.01, [2, [["loss", 1.5], ["acc", 0.75]]], {}),
                (0.10, [3, [["loss", 1.0], ["acc", 0.0001]]], {}),
                (2.00, [5, [["loss", 0.5], ["acc", 1.0]]], {}),
            ],
        ),
        "stateful": (
            {"target": 4, "stateless_metrics": []},
            [
                (0.3, [1, [["loss", 2.0]]], {}),
                (0.3, [2, [["loss", 1.0]]], {}),
                (70.0, [3, [["loss", 0.5]]], {}),
                (0.3, [4, [["loss", 0.25], ["val_loss", 0.0001]]], {"finalize": True}),
            ],
        ),
        "verbose2": (
            {"target": 3, "verbose": 2, "stateless_metrics": []},
            [
                (0.002, [1, [["loss", 2.0]]], {}),
                (0.002, [2, [["loss", 1.0]]], {}),
                (0.002, [3, [["loss", 0.5], ["mae", -0.25]]], {"finalize": True}),
            ],
        ),
        "unknown_target": (
            {"target": None, "stateless_metrics": []},
            [
                (0.5, [1, [["loss", 2.0]]], {}),
                (0.5, [7, [["loss", 1.0]]], {}),
                (4000.0, [8, [["loss", 1.0]]], {"finalize": True}),
            ],
        ),
        "long_eta": (
            {"target": 10000, "stateless_metrics": []},
            [(1.0, [1, []], {}), (2.0, [2, []], {})],
        ),
    }
    out = {}
    for name, (kwargs, steps) in cases.items():
        text = run(
            lambda kwargs=kwargs: keras.utils.Progbar(**kwargs),
            [(dt, (c, [tuple(v) for v in values]), kw) for dt, (c, values), kw in steps],
        )
        out[name] = {"kwargs": kwargs, "steps": steps, "output": text}
    progbar_module.time.time = real_time
    return out


def main():
    rng = np.random.default_rng(20240601)
    cases = {
        "sgd_mse": sgd_mse(rng),
        "rmsprop_bce": rmsprop_bce(rng),
        "multi_output": multi_output(rng),
        "train_on_batch": train_on_batch_case(rng),
    }
    cases["progbar"] = progbar_outputs()
    cases["keras_version"] = keras.__version__
    OUT.write_text(json.dumps(cases, default=float) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
