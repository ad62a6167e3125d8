"""keras.callbacks: hook order, History, EarlyStopping, ModelCheckpoint, LR callbacks, CSV.

The model here scripts its logs: each epoch's training and validation loss come from lists,
and its one weight counts the training steps, so every callback decision can be checked.
"""

import csv
import sys

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import keras
from tapeflow.keras import callbacks as C
from tapeflow.keras import metrics as metrics_module


class _Mean:
    """Stand-in for keras.metrics.Mean (the loss tracker compile makes)."""

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


@pytest.fixture(autouse=True)
def standins(monkeypatch):
    if not hasattr(metrics_module, "Mean"):
        monkeypatch.setattr(metrics_module, "Mean", _Mean, raising=False)


class Scripted(keras.Model):
    """Logs `train[epoch]` as loss and `val[epoch]` as val_loss; `w` counts steps."""

    def __init__(self, train, val=None, steps_per_epoch=2):
        super().__init__()
        self.w = tf.Variable(0.0)
        self.train_script, self.val_script = train, val or train
        self.steps_per_epoch = steps_per_epoch
        self.steps = 0
        self.saved = []

    def call(self, x):
        return x * self.w

    def _epoch(self):
        return (self.steps - 1) // self.steps_per_epoch

    def train_step(self, data):
        self.steps += 1
        self.w.assign_add(1.0)
        self.metrics[0].update_state(self.train_script[self._epoch()])
        return {"loss": self.metrics[0].result()}

    def test_step(self, data):
        self.metrics[0].update_state(self.val_script[self._epoch()])
        return {"loss": self.metrics[0].result()}

    def save(self, filepath, overwrite=True):
        self.saved.append(("model", filepath, overwrite))

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(("weights", filepath, overwrite))


X = np.zeros((4, 1), np.float32)
Y = np.zeros((4, 1), np.float32)


def fit(model, epochs, callbacks, validation=True, **kwargs):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    return model.fit(
        X,
        Y,
        batch_size=2,
        epochs=epochs,
        callbacks=callbacks,
        validation_data=(X, Y) if validation else None,
        verbose=0,
        **kwargs,
    )


class Recorder(C.Callback):
    """Records every hook call as (hook name[, epoch or batch])."""

    def __init__(self):
        super().__init__()
        self.events = []


def _recording(name):
    def hook(self, *args, **kwargs):
        self.events.append((name,) + tuple(a for a in args[:1] if isinstance(a, int)))

    return hook


for _name in [n for n in vars(C.Callback) if n.startswith("on_")]:
    setattr(Recorder, _name, _recording(_name))


def test_hook_order_in_fit_evaluate_predict():
    recorder = Recorder()
    model = Scripted([1.0, 1.0])
    fit(model, 1, [recorder])
    epoch = [("on_train_batch_begin", 0), ("on_train_batch_end", 0)]
    epoch += [("on_train_batch_begin", 1), ("on_train_batch_end", 1)]
    validation = [("on_test_begin",)]
    validation += [("on_test_batch_begin", 0), ("on_test_batch_end", 0)]
    validation += [("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end",)]
    assert recorder.events == (
        [("on_train_begin",), ("on_epoch_begin", 0)]
        + epoch
        + validation
        + [("on_epoch_end", 0), ("on_train_end",)]
    )
    recorder.events.clear()
    model.predict(X, batch_size=4, callbacks=[recorder], verbose=0)
    assert recorder.events == [
        ("on_predict_begin",),
        ("on_predict_batch_begin", 0),
        ("on_predict_batch_end", 0),
        ("on_predict_end",),
    ]
    assert recorder.params == {"verbose": 0, "epochs": 1, "steps": 1}


def test_keras2_batch_hooks_and_logs_are_python_floats():
    seen = []

    class OldStyle(C.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs))

    fit(Scripted([3.0]), 1, [OldStyle()])
    assert seen == [(0, {"loss": 3.0}), (1, {"loss": 3.0})]
    assert all(type(logs["loss"]) is float for _, logs in seen)


def test_batch_logs_are_not_computed_when_nobody_reads_them(monkeypatch):
    calls = []

    class Counting(_Mean):
        def result(self):
            calls.append(1)
            return super().result()

    monkeypatch.setattr(metrics_module, "Mean", Counting, raising=False)

    class Linear(keras.Model):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(1.0)

        def call(self, x):
            return x * self.w

    model = Linear()
    model.compile(optimizer="sgd", loss=lambda y, p: tf.reduce_mean(tf.square(y - p), -1))
    model.fit(np.ones((40, 1), np.float32), np.ones((40, 1), np.float32), batch_size=4, verbose=0)
    assert len(calls) == 1  # ten steps, one result: the epoch's
    targets = C.CallbackList([C.History(), C.TerminateOnNaN()])._batch_targets(
        "on_train_batch_end"
    )
    assert [type(cb) for cb in targets] == [C.TerminateOnNaN]


def test_history_and_model_history():
    model = Scripted([3.0, 2.0], [4.0, 5.0])
    history = fit(model, 2, None)
    assert isinstance(history, C.History) and model.history is history
    assert history.history == {"loss": [3.0, 2.0], "val_loss": [4.0, 5.0]}
    assert history.epoch == [0, 1]


def test_history_plot(tmp_path):
    pytest.importorskip("matplotlib")
    history = fit(Scripted([3.0, 2.0, 1.5], [4.0, 5.0, 2.0]), 3, None)
    path = tmp_path / "history.png"
    figure = history.plot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    axes = figure.axes
    assert [ax.get_title() for ax in axes] == ["loss"]
    lines = axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["train", "validation"]
    np.testing.assert_allclose(lines[1].get_ydata(), [4.0, 5.0, 2.0])
    np.testing.assert_allclose(lines[0].get_xdata(), [1, 2, 3])
    figure = keras.utils.plot_history(history.history, tmp_path / "h.png", metrics="loss")
    assert (tmp_path / "h.png").exists()
    with pytest.raises(ValueError, match="no metric named"):
        history.plot(metrics=["accuracy"])


def test_history_plot_without_matplotlib(monkeypatch):
    history = fit(Scripted([3.0]), 1, None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install tapeflow\[plot\]"):
        history.plot()


def test_early_stopping_patience_and_restore_best_weights():
    model = Scripted([9] * 6, [5.0, 4.0, 4.5, 4.2, 4.1, 1.0])
    stop = C.EarlyStopping(patience=2, restore_best_weights=True)
    history = fit(model, 6, [stop])
    assert history.epoch == [0, 1, 2, 3]  # no improvement on 4.0 at epochs 2 and 3
    assert stop.stopped_epoch == 3 and stop.best == 4.0 and stop.best_epoch == 1
    assert float(model.w) == 4.0  # the weights after epoch 1 (two steps per epoch)


def test_early_stopping_min_delta_baseline_start_mode():
    # min_delta: 4.95 is no improvement over 5.0 when at least 0.1 is required.
    history = fit(
        Scripted([9] * 5, [5.0, 4.95, 4.9, 4.0, 3.0]), 5, [C.EarlyStopping(min_delta=0.1)]
    )
    assert history.epoch == [0, 1]
    # baseline: waiting does not restart until the baseline (3.0) is beaten.
    val = [5.0, 4.0, 4.5, 3.2, 1.0]
    history = fit(Scripted([9] * 5, val), 5, [C.EarlyStopping(baseline=3.0, patience=2)])
    assert history.epoch == [0, 1, 2]
    history = fit(Scripted([9] * 5, val), 5, [C.EarlyStopping(patience=2)])
    assert history.epoch == [0, 1, 2, 3, 4]
    # start_from_epoch: the first epochs are not watched.
    history = fit(
        Scripted([9] * 5, [1.0, 2.0, 3.0, 4.0, 5.0]), 5, [C.EarlyStopping(start_from_epoch=2)]
    )
    assert history.epoch == [0, 1, 2, 3]
    # mode="max" on the training loss, without validation.
    stop = C.EarlyStopping(monitor="loss", mode="max")
    history = fit(Scripted([1.0, 2.0, 1.5, 3.0]), 4, [stop], validation=False)
    assert history.epoch == [0, 1, 2]


def test_early_stopping_auto_mode_and_unknown_monitor():
    accuracy_like = C.EarlyStopping(monitor="val_accuracy")
    accuracy_like.set_model(Scripted([1.0]))
    accuracy_like._set_monitor_op()
    assert accuracy_like.monitor_op is np.greater
    unknown = C.EarlyStopping(monitor="val_widgets")
    unknown.set_model(Scripted([1.0]))
    with pytest.raises(ValueError, match="maximized or minimized"):
        unknown._set_monitor_op()
    with pytest.warns(UserWarning, match="not available"):
        fit(Scripted([1.0, 1.0]), 2, [C.EarlyStopping(monitor="val_loss")], validation=False)


def test_model_checkpoint_formats_paths_and_saves_best_only(tmp_path):
    model = Scripted([9] * 4, [5.0, 4.0, 4.5, 3.0])
    path = str(tmp_path / "ckpt" / "model_{epoch:02d}_{val_loss:.2f}.keras")
    fit(model, 4, [C.ModelCheckpoint(path, save_best_only=True)])
    assert [p for _, p, _ in model.saved] == [
        str(tmp_path / "ckpt" / name)
        for name in ("model_01_5.00.keras", "model_02_4.00.keras", "model_04_3.00.keras")
    ]
    assert (tmp_path / "ckpt").is_dir()
    assert all(kind == "model" and overwrite for kind, _, overwrite in model.saved)

    model = Scripted([9] * 2)
    fit(model, 2, [C.ModelCheckpoint(str(tmp_path / "w.weights.h5"), save_weights_only=True)])
    assert model.saved == [("weights", str(tmp_path / "w.weights.h5"), True)] * 2


def test_model_checkpoint_save_freq_and_path_checks(tmp_path):
    model = Scripted([9] * 2)
    path = str(tmp_path / "e{epoch}b{batch}.keras")
    fit(model, 2, [C.ModelCheckpoint(path, save_freq=3, monitor="loss")])
    assert [p.rsplit("/", 1)[1] for _, p, _ in model.saved] == ["e2b1.keras"]
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        C.ModelCheckpoint(str(tmp_path / "w.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        C.ModelCheckpoint(str(tmp_path / "model.ckpt"))
    with pytest.raises(ValueError, match="save_freq"):
        C.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    with pytest.raises(KeyError, match="Failed to format"):
        fit(Scripted([9]), 1, [C.ModelCheckpoint(str(tmp_path / "{val_acc}.keras"))])


def test_reduce_lr_on_plateau():
    model = Scripted([9] * 6, [5.0, 5.0, 5.0, 5.0, 5.0, 5.0])
    reduce = C.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.03)
    history = fit(model, 6, [reduce])
    # Learning rate as logged at each epoch end (before that epoch's decision): halved on a
    # plateau, then the cooldown (counted down from the next epoch on, as Keras does), never
    # below min_lr.
    np.testing.assert_allclose(
        history.history["learning_rate"], [0.1, 0.1, 0.05, 0.05, 0.03, 0.03]
    )
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.03)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        C.ReduceLROnPlateau(factor=1.5)


def test_learning_rate_scheduler():
    model = Scripted([9] * 3)
    history = fit(
        model, 3, [C.LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * 0.5)]
    )
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.025], rtol=1e-6)
    one_arg = C.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    history = fit(Scripted([9] * 2), 2, [one_arg])
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.02], rtol=1e-6)
    tensor = C.LearningRateScheduler(lambda epoch, lr: lr * tf.math.exp(-0.5))
    history = fit(Scripted([9]), 1, [tensor])
    np.testing.assert_allclose(history.history["learning_rate"], [0.1 * np.exp(-0.5)], rtol=1e-6)
    with pytest.raises(ValueError, match="should be a float"):
        fit(Scripted([9]), 1, [C.LearningRateScheduler(lambda epoch, lr: "fast")])


def test_csv_logger(tmp_path):
    path = tmp_path / "log.csv"
    fit(Scripted([3.0, 2.0], [4.0, 5.0]), 2, [C.CSVLogger(path)])
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "0,3.0,4.0", "1,2.0,5.0"]
    fit(Scripted([1.0]), 1, [C.CSVLogger(path, append=True)])
    rows = list(csv.reader(path.open()))
    assert rows[-1] == ["0", "1.0", "1.0"] and rows.count(["epoch", "loss", "val_loss"]) == 1
    semicolon = tmp_path / "semi.csv"
    fit(Scripted([3.0]), 1, [C.CSVLogger(semicolon, separator=";")], validation=False)
    assert semicolon.read_text().splitlines() == ["epoch;loss;val_loss", "0;3.0;NA"]
    fit(Scripted([7.0]), 1, [C.CSVLogger(semicolon, separator=";")], validation=False)
    assert semicolon.read_text().splitlines() == ["epoch;loss;val_loss", "0;7.0;NA"]


def test_lambda_callback_and_terminate_on_nan(capsys):
    ends, tests = [], []
    callback = C.LambdaCallback(
        on_epoch_end=lambda epoch, logs: ends.append((epoch, logs["loss"])),
        on_test_begin=lambda logs: tests.append(1),
    )
    fit(Scripted([3.0, 2.0]), 2, [callback])
    assert ends == [(0, 3.0), (1, 2.0)] and tests == [1, 1]

    history = fit(Scripted([1.0, float("nan"), 1.0]), 3, [C.TerminateOnNaN()], validation=False)
    assert history.epoch == [0, 1]
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        fit(Scripted([float("inf")]), 1, [C.TerminateOnNaN(raise_error=True)], validation=False)


def test_callback_list_passed_to_fit_and_stop_training_flags():
    history = C.History()
    callbacks = C.CallbackList([history], add_progbar=False, verbose=0, epochs=1, steps=2)
    model = Scripted([3.0, 2.0])
    fit(model, 2, callbacks)
    assert history.history["loss"] == [3.0, 2.0] and model.history is history

    class StopEvaluating(C.Callback):
        def on_test_batch_end(self, batch, logs=None):
            self.model.stop_evaluating = True

    model = Scripted([3.0], steps_per_epoch=1)
    model.compile(optimizer="sgd")
    model.steps = 1
    batches = []
    recorder = C.LambdaCallback(on_test_batch_begin=lambda b, logs: batches.append(b))
    model.evaluate(X, Y, batch_size=1, callbacks=[StopEvaluating(), recorder], verbose=0)
    assert batches == [0]
