"""keras.callbacks.TensorBoard: Keras 3's tags, steps and values, read back with
TensorBoard's EventAccumulator."""

import json
import os

import numpy as np
import pytest

import tapeflow as tf

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)
from tensorboard.util import tensor_util  # noqa: E402

keras = tf.keras


def _read(directory):
    accumulator = EventAccumulator(str(directory), size_guidance={"tensors": 0})
    accumulator.Reload()
    return accumulator


def _series(accumulator, tag):
    return [
        (e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in accumulator.Tensors(tag)
    ]


def _fit(tmp_path, rng, **kwargs):
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(keras.optimizers.SGD(0.01), "mse", metrics=["mae"])
    x = rng.normal(size=(48, 3)).astype(np.float32)
    y = rng.normal(size=(48, 1)).astype(np.float32)
    callback = keras.callbacks.TensorBoard(str(tmp_path), **kwargs)
    history = model.fit(
        x, y, epochs=3, batch_size=16, validation_split=1 / 3, verbose=0, callbacks=[callback]
    )
    return model, history


def test_epoch_scalars_match_the_history(tmp_path, rng):
    model, history = _fit(tmp_path, rng)
    train, validation = _read(tmp_path / "train"), _read(tmp_path / "validation")
    assert set(train.Tags()["tensors"]) == {
        "epoch_loss",
        "epoch_mae",
        "epoch_learning_rate",
        "keras",
    }
    assert _series(train, "epoch_loss") == [
        (i, pytest.approx(v, rel=1e-6)) for i, v in enumerate(history.history["loss"])
    ]
    assert _series(validation, "epoch_mae") == [
        (i, pytest.approx(v, rel=1e-6)) for i, v in enumerate(history.history["val_mae"])
    ]
    assert _series(train, "epoch_learning_rate") == [(i, pytest.approx(0.01)) for i in range(3)]
    # evaluation_<metric>_vs_iterations at the optimizer's iterations after each epoch
    assert [s for s, _ in _series(validation, "evaluation_loss_vs_iterations")] == [2, 4, 6]
    # write_graph: the model's config for TensorBoard's conceptual graph
    [graph] = train.Tensors("keras")
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    config = json.loads(tensor_util.make_ndarray(graph.tensor_proto).item())
    assert config["class_name"] == "Sequential"


def test_batch_scalars_and_histograms(tmp_path, rng):
    model, history = _fit(tmp_path, rng, update_freq="batch", histogram_freq=2)
    train = _read(tmp_path / "train")
    assert [s for s, _ in _series(train, "batch_loss")] == list(range(1, 7))
    tags = train.Tags()["tensors"]
    kernel = f"{model.layers[0].kernel.path}/histogram"
    assert kernel in tags
    assert [e.step for e in train.Tensors(kernel)] == [0, 2]


def test_update_freq_every_n_batches(tmp_path, rng):
    _fit(tmp_path, rng, update_freq=2)
    assert [s for s, _ in _series(_read(tmp_path / "train"), "batch_loss")] == [2, 4, 6]


def test_profiler_is_refused_clearly():
    with pytest.raises(ValueError, match="Profiling is not available in tapeflow"):
        keras.callbacks.TensorBoard(profile_batch=2)
    assert not os.path.exists("logs")
