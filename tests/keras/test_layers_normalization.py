"""BatchNormalization, LayerNormalization and Normalization (adapt) against Keras 3.

The golden numbers come from tests/golden/make_keras_core.py (Keras 3 in TensorFlow 2.21).
"""

import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import keras
from tapeflow.keras import layers as L

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "keras_core.json").read_text()
)


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def _f32(x):
    return np.array(x, np.float32)


def _close(got, want, tol=1e-5):
    np.testing.assert_allclose(np.asarray(got), want, rtol=tol, atol=tol)


# ---- BatchNormalization ------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", sorted(GOLDEN["batch_norm"]))
def test_batch_norm_matches_keras(case_id):
    case = GOLDEN["batch_norm"][case_id]
    x = _f32(case["x"])
    layer = L.BatchNormalization(**case["kwargs"])
    layer.build(x.shape)
    assert [w.path for w in layer.weights] == case["paths"]
    layer.set_weights([_f32(w) for w in case["weights"]])
    _close(layer(x, training=False), case["infer"], 1e-6)
    _close(layer(x), case["infer"], 1e-6)  # training=None is inference
    for w, want in zip(layer.non_trainable_weights, case["weights"][-2:]):
        _close(w, want, 0)  # inference leaves the moving statistics alone

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        train = layer(xt, training=True)
        loss = tf.reduce_sum(train * train * _f32(np.arange(x.size) % 5).reshape(x.shape))
    grads = tape.gradient(loss, [xt] + layer.trainable_weights)
    _close(train, case["train"])
    for got, want in zip(grads, case["grads"]):
        _close(got, want, 1e-4)
    _close(layer.moving_mean, case["moving_after"][0], 1e-6)
    _close(layer.moving_variance, case["moving_after"][1], 1e-6)
    _close(layer(x, training=False), case["infer_after"], 1e-6)


def test_batch_norm_weights_and_training_flag():
    layer = L.BatchNormalization()
    layer(np.zeros((2, 3), np.float32))
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]
    x = np.array([[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]], np.float32)
    layer.trainable = False  # a frozen layer runs in inference mode even when training
    y = layer(x, training=True)
    _close(y, x / np.sqrt(1.0 + 1e-3), 1e-6)
    _close(layer.moving_mean, [0, 0, 0], 0)
    layer.trainable = True
    layer(x, training=True)
    _close(layer.moving_mean, [0.02, 0.04, 0.06], 1e-6)


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_batch_norm_moving_update_is_not_recorded():
    layer = L.BatchNormalization()
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
    grad = tape.gradient(tf.reduce_sum(y), layer.moving_mean)
    assert grad is None


def test_batch_norm_in_sequential_propagates_training():
    model = keras.Sequential([keras.Input((2,)), L.Dense(2, kernel_initializer="ones"),
                              L.BatchNormalization()])  # fmt: skip
    x = np.array([[1.0, 0.0], [0.0, 3.0]], np.float32)
    model(x)
    _close(model.layers[1].moving_mean, [0, 0], 0)
    model(x, training=True)
    _close(model.layers[1].moving_mean, [0.02, 0.02], 1e-6)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="BatchNormalization batch_normalization: axis 3"):
        L.BatchNormalization(axis=3)(np.zeros((2, 3), np.float32))


# ---- LayerNormalization ------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", sorted(GOLDEN["layer_norm"]))
def test_layer_norm_matches_keras(case_id):
    case = GOLDEN["layer_norm"][case_id]
    x = tf.constant(_f32(case["x"]))
    layer = L.LayerNormalization(**case["kwargs"])
    layer.build(x.shape)
    assert [w.path for w in layer.weights] == case["paths"]
    layer.set_weights([_f32(w) for w in case["weights"]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * _f32(case["w"]))
    grads = tape.gradient(loss, [x] + layer.trainable_weights)
    _close(y, case["y"])
    for got, want in zip(grads, case["grads"]):
        _close(got, want, 1e-4)
    assert layer.get_config()["axis"] == case["axis_after_build"]


def test_layer_norm_normalises_each_example(rng):
    x = rng.normal(size=(3, 8)).astype(np.float32) * 4 + 2
    y = L.LayerNormalization(epsilon=0.0)(x).numpy()
    _close(y.mean(-1), np.zeros(3), 1e-6)
    _close(y.std(-1), np.ones(3), 1e-5)
    with pytest.raises(TypeError, match="axis"):
        L.LayerNormalization(axis="last")


# ---- Normalization (preprocessing) --------------------------------------------------------------


def _normalization(case_id, case):
    config = case["config"]
    if case_id.startswith("given"):
        return L.Normalization(mean=config["mean"], variance=config["variance"])
    axis = config["axis"]
    return L.Normalization(axis=None if axis == [] else tuple(axis), invert=config["invert"])


@pytest.mark.parametrize("case_id", sorted(GOLDEN["normalization"]["cases"]))
def test_normalization_matches_keras(case_id):
    g = GOLDEN["normalization"]
    case = g["cases"][case_id]
    data = _f32(g[case["data"]])
    probe = _f32(g["probe"] if case["data"] == "x" else g["probe3"])
    layer = _normalization(case_id, case)
    if case_id == "tensor":
        layer.adapt(tf.constant(data))
    elif case_id == "batches":
        layer.adapt([data[:7], data[7:15], data[15:]])
    elif not case_id.startswith("given"):
        layer.adapt(data)
    y = layer(probe)
    assert [w.path for w in layer.weights] == case["paths"]
    assert [w.dtype.name for w in layer.weights] == case["dtypes"]
    for w, want in zip(layer.weights, case["weights"]):
        _close(w, want, 1e-5)
    _close(y, case["y"], 1e-5)
    config = json.loads(json.dumps(layer.get_config(), default=list))
    assert {k: config[k] for k in case["config"]} == case["config"]


def test_normalization_adapt_sources_agree(rng):
    x = rng.normal(size=(30, 2)).astype(np.float32) * 3
    whole = L.Normalization()
    whole.adapt(x)
    generator = L.Normalization()
    generator.adapt((x[i : i + 8], None) for i in range(0, 30, 8))  # (x, y) batches use x
    _close(generator.adapt_mean, whole.adapt_mean.numpy(), 1e-5)
    _close(generator.adapt_variance, whole.adapt_variance.numpy(), 1e-5)


def test_normalization_weights_take_effect_and_errors():
    layer = L.Normalization()
    _close(layer(np.full((1, 2), 3.0, np.float32)), [[3.0, 3.0]], 0)  # as Keras: mean 0, var 1
    layer.adapt(np.array([[0.0, 0.0], [2.0, 4.0]], np.float32))
    _close(layer(np.array([[1.0, 2.0]], np.float32)), [[0.0, 0.0]], 1e-6)
    layer.set_weights([np.array([1.0, 1.0]), np.array([4.0, 4.0]), np.array(0)])
    _close(layer(np.array([[3.0, 5.0]], np.float32)), [[1.0, 2.0]], 1e-6)
    with pytest.raises(ValueError, match="incompatible"):
        layer.adapt(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        L.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="empty"):
        L.Normalization().adapt([])
