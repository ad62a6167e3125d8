"""A keras.Model subclass built functionally, with its own train/test/predict steps.

Numbers from Keras 3.15 on TF 2.21: tests/golden/make_keras_custom_steps.py (the models of
Keras' guide "Customizing what happens in fit() with TensorFlow").
"""

import json
import pathlib
import sys

import numpy as np

import tapeflow as tf
from tapeflow import keras

GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
sys.path.insert(0, str(GOLDEN_DIR))
import keras_custom_steps_models as models  # noqa: E402

GOLDEN = json.loads((GOLDEN_DIR / "keras_custom_steps.json").read_text())


CompiledLossModel, OwnMetricsModel = models.model_classes(tf, keras)


def _build(cls):
    return models.build(keras, cls, [np.array(w, np.float32) for w in GOLDEN["init"]])


def _data():
    x = np.array(GOLDEN["x"], np.float32)
    y = np.array(GOLDEN["y"], np.float32)
    return x, y, np.array(GOLDEN["sample_weight"], np.float32)


def _close(got, expected):
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-7)


def test_a_subclass_built_from_inputs_and_outputs_is_functional_with_its_own_steps():
    model = _build(CompiledLossModel)
    assert isinstance(model, keras.Model) and isinstance(model, keras.models.Functional)
    assert isinstance(model, CompiledLossModel)
    assert [layer.name for layer in model.layers][1:] == ["hidden", "out"]
    x, y, _ = _data()
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    expected = GOLDEN["compiled"]
    assert [m.name for m in model.metrics] == expected["metric_names"]
    assert sorted(history.history) == sorted(expected["history"])
    for key, values in expected["history"].items():
        _close(history.history[key], values)
    for got, want in zip(model.get_weights(), expected["final"]):
        _close(got, want)
    evaluated = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert sorted(evaluated) == sorted(expected["evaluate"])
    for key, value in expected["evaluate"].items():
        _close(evaluated[key], value)
    predicted = model.predict(x[:7], batch_size=4, verbose=0)
    assert sorted(predicted) == ["scaled"]
    _close(predicted["scaled"], expected["predict"]["scaled"])


def test_sample_weights_reach_a_custom_train_step():
    model = _build(CompiledLossModel)
    x, y, sw = _data()
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(x, y, sample_weight=sw, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for key, values in GOLDEN["weighted"]["history"].items():
        _close(history.history[key], values)


def test_a_functional_subclass_with_its_own_metrics_and_init():
    model = _build(OwnMetricsModel)
    x, y, _ = _data()
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for key, values in GOLDEN["own"]["history"].items():
        _close(history.history[key], values)
    for got, want in zip(model.get_weights(), GOLDEN["own"]["final"]):
        _close(got, want)
