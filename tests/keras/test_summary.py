"""`Model.summary()` prints what Keras 3 prints: the texts of tests/golden/summary.json, made by
make_summary.py from the models of summary_cases.py (same models here, built by tapeflow)."""

import json
import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"
TEXTS = json.loads((GOLDEN / "summary.json").read_text())["texts"]
sys.path.insert(0, str(GOLDEN))
try:
    import summary_cases
finally:
    sys.path.remove(str(GOLDEN))

keras = tf.keras


def _text(model, monkeypatch, columns=summary_cases.COLUMNS, **kwargs):
    monkeypatch.setenv("COLUMNS", str(columns))
    printed = []
    model.summary(print_fn=printed.append, **kwargs)
    (text,) = printed  # one call with the whole text, as Keras 3 makes it
    return text


@pytest.mark.parametrize("name", list(summary_cases.cases(keras)))
def test_summary_is_keras_text(name, monkeypatch):
    model, kwargs, columns = summary_cases.cases(keras)[name]
    assert _text(model, monkeypatch, columns, **kwargs) == TEXTS[name]


def test_summary_counts_the_optimizer_once_trained(monkeypatch):
    model = summary_cases.cases(keras)["sequential"][0]
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x, y = summary_cases.training_data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    text = _text(model, monkeypatch)
    assert text == TEXTS["sequential_trained"]
    assert " Optimizer params: 1,924 (7.52 KB)\n" in text


def test_subclassed_model_unbuilt_then_called(monkeypatch):
    model = summary_cases.subclassed(keras)
    assert _text(model, monkeypatch) == TEXTS["subclassed_unbuilt"]
    model(summary_cases.subclassed_input())
    assert _text(model, monkeypatch) == TEXTS["subclassed"]


def test_summary_prints_to_stdout_by_default(capsys, monkeypatch):
    model = summary_cases.cases(keras)["sequential"][0]
    monkeypatch.setenv("COLUMNS", str(summary_cases.COLUMNS))
    model.summary()
    assert capsys.readouterr().out == TEXTS["sequential"]


def test_output_shapes_of_a_large_batch_come_from_a_batch_of_one(monkeypatch):
    # The shape of a layer of a subclassed model is inferred by running it on one example,
    # not on zeros the size of the batch it was called with; its losses stay as they were.
    calls = []

    class Probe(keras.layers.Layer):
        def call(self, x):
            calls.append(tuple(x.shape))
            self.add_loss(tf.reduce_sum(x))
            return x * 2.0

    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.probe = Probe(name="probe")

        def call(self, x):
            return self.probe(x)

    model = Net()
    model(np.ones((1000, 3), "float32"))
    losses = [float(v) for v in model.losses]
    del calls[:]
    text = _text(model, monkeypatch)
    assert "│ probe (Probe)                        │ (1000, 3)  " in text
    assert calls == [(1, 3)]
    assert [float(v) for v in model.losses] == losses == [3000.0]


def test_summary_errors(monkeypatch):
    model = summary_cases.cases(keras)["sequential"][0]
    with pytest.raises(ValueError, match="Insufficient console width to print summary"):
        model.summary(line_length=8, print_fn=lambda text: None)
    with pytest.raises(ValueError, match="layer_range must be a list or tuple of length 2"):
        model.summary(layer_range=("hidden",), print_fn=lambda text: None)
    with pytest.raises(ValueError, match="do not match the layer names"):
        model.summary(layer_range=("nothing", "hidden"), print_fn=lambda text: None)


@pytest.mark.parametrize(
    "layer, built, shape",
    [
        (lambda: keras.layers.Flatten(), False, (2, 4, 3)),
        (lambda: keras.layers.RepeatVector(2), False, (2, 3)),
        (lambda: keras.layers.Rescaling(0.5), False, (2, 3)),
        (lambda: keras.layers.MaxPooling2D(), True, (2, 4, 4, 3)),
        (lambda: keras.layers.AveragePooling1D(2), True, (2, 4, 3)),
        (lambda: keras.layers.GlobalAveragePooling2D(), True, (2, 4, 4, 3)),
    ],
    ids=["Flatten", "RepeatVector", "Rescaling", "MaxPooling2D", "AveragePooling1D", "GAP2D"],
)
def test_built_at_construction_as_in_keras(layer, built, shape):
    # What the summary shows before a call ("0 (unbuilt)" or "0"), and whether a call
    # records the shape it was built for.
    layer = layer()
    assert layer.built is built
    layer(np.ones(shape, "float32"))
    assert layer.built and (layer._build_shapes_dict is None) is built
