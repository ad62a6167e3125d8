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
import keras_custom_steps_models as models  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_custom_steps.json")


def arr(a):
    return np.asarray(a).tolist()


CompiledLossModel, OwnMetricsModel = models.model_classes(tf, keras)


def build(cls, init):
    return models.build(keras, cls, init)


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
