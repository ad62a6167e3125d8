"""keras.utils.Progbar and the progress output of fit: Keras 3's text, drawn cheaply.

The expected text comes from Keras' own Progbar under a fake clock
(tests/golden/make_keras_fit.py, "progbar").
"""

import json
import pathlib
import re

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import keras
from tapeflow.keras import metrics as metrics_module
from tapeflow.keras.utils import progbar as progbar_module

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "keras_fit.json").read_text()
)["progbar"]


@pytest.fixture
def clock(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(progbar_module.time, "time", lambda: now[0])
    return now


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_output_is_keras_text(name, clock, capsys):
    case = GOLDEN[name]
    kwargs = dict(case["kwargs"])
    if "stateless_metrics" in kwargs:
        kwargs["stateless_metrics"] = set(kwargs["stateless_metrics"])
    bar = keras.utils.Progbar(**kwargs)
    for dt, (current, values), update_kwargs in case["steps"]:
        clock[0] += dt
        bar.update(current, [tuple(v) for v in values], **update_kwargs)
    assert capsys.readouterr().out == case["output"]


def test_values_are_made_only_when_a_line_is_drawn(clock, capsys):
    bar = keras.utils.Progbar(100, stateless_metrics=set())
    made = []

    def values():
        made.append(1)
        return [("loss", 1.0)]

    for step in range(1, 101):
        clock[0] += 0.001  # 100 steps in 0.1 s: a redraw every 0.05 s at most
        bar._update(step, None, values, None)
    out = capsys.readouterr().out
    assert len(made) == out.count("\r") == 3  # first step, one redraw, the final line
    assert out.endswith("loss: 1.0000\n")


def test_silent_and_add(clock, capsys):
    bar = keras.utils.Progbar(10, verbose=0)
    bar.add(1, [("loss", 1.0)])
    bar.add(2, [("loss", 2.0)])
    assert capsys.readouterr().out == ""
    assert bar._seen_so_far == 3
    # The average is weighted by the steps each update covers: (1 * 1 + 2 * 2) / 3.
    assert bar._values["loss"] == [5.0, 3]


def test_tensor_values_are_displayed(clock, capsys):
    bar = keras.utils.Progbar(1, stateless_metrics=set())
    bar.update(1, [("loss", tf.constant(0.25))])
    assert "loss: 0.2500" in capsys.readouterr().out


class _Mean:
    def __init__(self, name="mean", dtype=None):
        self.name = name
        self.total = self.count = 0.0

    def update_state(self, values, sample_weight=None):
        w = 1.0 if sample_weight is None else float(sample_weight)
        self.total += float(np.mean(values)) * w
        self.count += w

    def result(self):
        return tf.constant(self.total / self.count if self.count else 0.0)

    def reset_state(self):
        self.total = self.count = 0.0


class _Linear(keras.Model):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.ones((2, 1), np.float32))

    def call(self, x):
        return tf.matmul(x, self.w)


def _fit(monkeypatch, verbose, **kwargs):
    if not hasattr(metrics_module, "Mean"):
        monkeypatch.setattr(metrics_module, "Mean", _Mean, raising=False)
    model = _Linear()
    model.compile(optimizer="sgd", loss=lambda y, p: tf.reduce_mean(tf.square(p - y), -1))
    x = np.ones((8, 2), np.float32)
    y = np.zeros((8, 1), np.float32)
    return model.fit(x, y, batch_size=4, verbose=verbose, validation_data=(x, y), **kwargs)


def test_fit_verbose_levels(monkeypatch, capsys):
    _fit(monkeypatch, 0, epochs=2)
    assert capsys.readouterr().out == ""

    _fit(monkeypatch, 2, epochs=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(r"2/2 - \d+s - \d+[mu]?s/step - loss: \S+ - val_loss: \S+", lines[1])

    _fit(monkeypatch, "auto", epochs=1)
    out = capsys.readouterr().out
    assert not out.startswith("Epoch")  # no epoch header for a single epoch
    assert out.startswith("\r\x1b[1m1/2\x1b[0m") and out.endswith("\n")
    assert "2/2" in out and "val_loss:" in out.splitlines()[-1]


def test_evaluate_and_predict_bars(monkeypatch, capsys):
    if not hasattr(metrics_module, "Mean"):
        monkeypatch.setattr(metrics_module, "Mean", _Mean, raising=False)
    model = _Linear()
    model.compile(optimizer="sgd", loss=lambda y, p: tf.reduce_mean(tf.square(p - y), -1))
    x = np.ones((6, 2), np.float32)
    model.evaluate(x, np.zeros((6, 1), np.float32), batch_size=4, verbose=1)
    assert "2/2" in capsys.readouterr().out
    model.predict(x, batch_size=4, verbose=2)
    assert re.fullmatch(r"2/2 - \d+s - \d+[mu]?s/step\n", capsys.readouterr().out)
