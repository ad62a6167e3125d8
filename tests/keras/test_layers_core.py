"""Core and merging layers: Keras 3's numbers, weights, configs and shapes; a trained MLP.

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


# ---- Dense --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", sorted(GOLDEN["dense"]["cases"]))
def test_dense_matches_keras(case_id):
    case = GOLDEN["dense"]["cases"][case_id]
    layer = L.Dense(5, **case["kwargs"])
    x = tf.constant(_f32(case["x"]))
    layer.build(x.shape)
    kernel, bias = _f32(GOLDEN["dense"]["kernel"]), _f32(GOLDEN["dense"]["bias"])
    layer.set_weights([kernel, bias] if layer.use_bias else [kernel])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * y) / 2.0
    grads = tape.gradient(loss, [x] + layer.trainable_weights)
    assert [w.path for w in layer.weights] == case["paths"]
    np.testing.assert_allclose(y.numpy(), case["y"], rtol=1e-5, atol=1e-6)
    for got, want in zip(grads, case["grads"]):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)


def test_dense_builds_lazily_with_keras_initialisers():
    tf.random.set_seed(0)
    layer = L.Dense(64)
    assert not layer.built and layer.weights == []
    y = layer(np.zeros((2, 11), np.float32))
    assert y.shape == (2, 64) and layer.built
    kernel = layer.kernel.numpy()
    limit = np.sqrt(6.0 / (11 + 64))
    assert kernel.shape == (11, 64) and np.abs(kernel).max() <= limit
    assert kernel.std() > limit / 3  # glorot_uniform, not zeros
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(64))
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]


def test_dense_input_shape_kwarg_builds_in_sequential():
    model = keras.Sequential([L.Dense(3, input_shape=(4,)), L.Dense(2)])
    assert model.built
    assert [w.path for w in model.weights] == [
        "sequential/dense/kernel",
        "sequential/dense/bias",
        "sequential/dense_1/kernel",
        "sequential/dense_1/bias",
    ]


def test_dense_casts_integer_inputs_and_names_itself_in_errors():
    layer = L.Dense(2, kernel_initializer="ones")
    y = layer(np.array([[1, 2, 3]], np.int32))
    assert y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy(), [[6.0, 6.0]])
    # Keras 3's InputSpec message, naming the layer.
    with pytest.raises(ValueError, match=r"layer 'dense' .* axis -1 .* value 3, .*\(1, 4\)"):
        layer(np.ones((1, 4), np.float32))
    with pytest.raises(ValueError, match="units"):
        L.Dense(0)


def test_dense_regularizers_add_losses():
    layer = L.Dense(2, kernel_initializer="ones", kernel_regularizer=keras.regularizers.L2(0.1))
    layer(np.ones((1, 3), np.float32))
    (penalty,) = layer.losses
    np.testing.assert_allclose(float(penalty), 0.1 * 6)


# ---- Embedding ----------------------------------------------------------------------------------


def test_embedding_matches_keras_and_has_sparse_gradient():
    g = GOLDEN["embedding"]
    layer = L.Embedding(7, 3)
    layer.build()
    layer.set_weights([_f32(g["table"])])
    with tf.GradientTape() as tape:
        y = layer(np.array(g["ids"], np.int32))
        loss = tf.reduce_sum(y * _f32(g["w"]))
    grad = tape.gradient(loss, layer.embeddings)
    assert isinstance(grad, tf.IndexedSlices) and g["grad_type"] == "IndexedSlices"
    assert [w.path for w in layer.weights] == g["paths"]
    np.testing.assert_array_equal(y.numpy(), g["y"])
    np.testing.assert_allclose(tf.convert_to_tensor(grad).numpy(), g["grad_dense"], rtol=1e-6)


def test_embedding_defaults_and_float_ids():
    tf.random.set_seed(1)
    layer = L.Embedding(50, 4)
    y = layer(np.array([[1.0, 2.0]], np.float32))  # cast to int32, as Keras does
    assert y.shape == (1, 2, 4) and y.dtype == tf.float32
    table = layer.embeddings.numpy()
    assert np.abs(table).max() <= 0.05 and table.std() > 0.01  # RandomUniform(-0.05, 0.05)
    np.testing.assert_array_equal(y.numpy()[0], table[[1, 2]])
    masked = L.Embedding(5, 2, mask_zero=True)
    mask = masked.compute_mask(tf.constant([[0, 3]]))
    np.testing.assert_array_equal(mask.numpy(), [[False, True]])
    pre = L.Embedding(3, 2, weights=np.arange(6, dtype=np.float32).reshape(3, 2))
    np.testing.assert_array_equal(pre(np.array([2]))[0].numpy(), [4.0, 5.0])


# ---- Activation, Dropout, Flatten, Reshape, RepeatVector, Identity, Lambda, Rescaling -----------


def test_activation_layer():
    x = np.array([[-1.0, 2.0]], np.float32)
    np.testing.assert_array_equal(L.Activation("relu")(x).numpy(), [[0.0, 2.0]])
    np.testing.assert_array_equal(L.Activation(tf.math.negative)(x).numpy(), [[1.0, -2.0]])
    assert L.Activation(None)(x) is not None


def test_dropout_only_in_training(rng):
    x = tf.constant(rng.uniform(1, 2, size=(200, 50)).astype(np.float32))
    layer = L.Dropout(0.3, seed=7)
    assert layer(x) is x and layer(x, training=False) is x
    y = layer(x, training=True).numpy()
    kept = y != 0
    assert 0.65 < kept.mean() < 0.75
    np.testing.assert_allclose(y[kept], x.numpy()[kept] / 0.7, rtol=1e-6)
    assert not np.array_equal(layer(x, training=True).numpy(), y)  # a fresh mask per call


def test_dropout_noise_shape_and_training_propagation(rng):
    x = tf.constant(np.ones((6, 40), np.float32))
    y = L.Dropout(0.5, noise_shape=(None, 1))(x, training=True).numpy()
    assert all(len(set(row)) == 1 for row in y)  # one decision per example
    model = keras.Sequential([keras.Input((40,)), L.Dropout(0.5)])
    assert np.array_equal(model(x).numpy(), x.numpy())
    assert (model(x, training=True).numpy() == 0).any()
    with pytest.raises(ValueError, match="rate"):
        L.Dropout(1.5)


def test_flatten_reshape_repeat(rng):
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(L.Flatten()(x).numpy(), x.reshape(2, 12))
    first = L.Flatten(data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(first, x.transpose(0, 2, 1).reshape(2, 12))
    np.testing.assert_array_equal(L.Reshape((-1, 2))(x).numpy(), x.reshape(2, 6, 2))
    np.testing.assert_array_equal(L.Reshape((4, 3))(x).numpy(), x.reshape(2, 4, 3))
    with pytest.raises(ValueError, match="Reshape"):
        L.Reshape((5, -1))(x)
    v = x[:, 0]
    np.testing.assert_array_equal(L.RepeatVector(3)(v).numpy(), np.repeat(v[:, None], 3, 1))
    assert L.Identity()(x).numpy() is not None
    shapes = GOLDEN["configs"]["shapes"]
    assert list(L.Flatten().compute_output_shape((None, 2, 3))) == shapes["Flatten"]
    assert list(L.Reshape((-1, 2)).compute_output_shape((None, 6))) == shapes["Reshape"]
    assert list(L.Reshape((-1, 2)).compute_output_shape((None, None))) == shapes["Reshape_unknown"]
    assert list(L.RepeatVector(3).compute_output_shape((None, 4))) == shapes["RepeatVector"]
    assert list(L.Dense(5).compute_output_shape((None, 2, 4))) == shapes["Dense"]
    assert list(L.Embedding(5, 2).compute_output_shape((None, 7))) == shapes["Embedding"]


def test_functional_model_with_flatten_and_reshape():
    inputs = keras.Input((2, 3))
    x = L.Flatten()(inputs)
    x = L.Dense(4)(x)
    outputs = L.Reshape((2, 2))(x)
    assert tuple(outputs.shape.as_list()) == (None, 2, 2)
    model = keras.Model(inputs, outputs)
    assert model(np.ones((5, 2, 3), np.float32)).shape == (5, 2, 2)


def test_lambda():
    layer = L.Lambda(lambda x, k: x * k, arguments={"k": 3.0})
    np.testing.assert_array_equal(layer(np.ones((1, 2), np.float32)).numpy(), [[3.0, 3.0]])
    assert layer.compute_output_shape((None, 2)) == (None, 2)
    shaped = L.Lambda(lambda x: x[:, :1], output_shape=(1,))
    assert shaped.compute_output_shape((None, 5)) == (None, 1)
    config = layer.get_config()
    assert config["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="safe_mode=False"):
        L.Lambda.from_config(config)
    clone = L.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_array_equal(clone(np.ones((1, 2), np.float32)).numpy(), [[3.0, 3.0]])
    named = L.Lambda(tf.nn.relu)
    restored = L.Lambda.from_config(named.get_config())
    # Keras 3 saves a function by name and finds "relu" among its activations.
    assert restored.function is tf.keras.activations.relu
    assert json.dumps(named.get_config())  # plain JSON


def test_lambda_training_argument():
    layer = L.Lambda(lambda x, training=None: x * (2.0 if training else 1.0))
    x = np.ones((1, 1), np.float32)
    assert float(layer(x)[0, 0]) == 1.0 and float(layer(x, training=True)[0, 0]) == 2.0


def test_rescaling():
    x = np.array([[0, 128, 255]], np.uint8)
    y = L.Rescaling(1.0 / 255, offset=-0.5)(x)
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), x / 255.0 - 0.5, atol=1e-7)
    per_channel = L.Rescaling([1.0, 2.0, 3.0])(np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(per_channel.numpy(), [[1, 2, 3], [1, 2, 3]])


# ---- merging ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", sorted(GOLDEN["merging"]["cases"]))
def test_merging_matches_keras(case_id):
    case = GOLDEN["merging"]["cases"][case_id]
    values = {k: _f32(v) for k, v in GOLDEN["merging"]["inputs"].items()}
    kwargs = dict(case["kwargs"])
    if isinstance(kwargs.get("axes"), list):
        kwargs["axes"] = tuple(kwargs["axes"])
    layer = getattr(L, case["class"])(**kwargs)
    xs = [tf.constant(values[n]) for n in case["inputs"]]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = layer(xs)
        loss = tf.reduce_sum(y * y)
    grads = tape.gradient(loss, xs)
    np.testing.assert_allclose(y.numpy(), case["y"], rtol=1e-5, atol=1e-6)
    for got, want in zip(grads, case["grads"]):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    shapes = [(None,) + values[n].shape[1:] for n in case["inputs"]]
    assert list(layer.compute_output_shape(shapes)) == case["output_shape"]


def test_merging_functional_api_and_errors():
    a, b = keras.Input((3,)), keras.Input((3,))
    out = L.concatenate([L.add([a, b]), L.multiply([a, b]), L.maximum([a, b])])
    assert tuple(out.shape.as_list()) == (None, 9)
    model = keras.Model([a, b], L.Dense(1)(out))
    assert model([np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)]).shape == (2, 1)
    with pytest.raises(ValueError, match="list of inputs"):
        L.Add()(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="exactly 2"):
        L.Subtract()([np.ones((1, 2), np.float32)] * 3)
    with pytest.raises(ValueError, match="incompatible shapes"):
        L.Add()([np.ones((2, 3), np.float32), np.ones((2, 4), np.float32)])
    with pytest.raises(ValueError, match="Concatenate"):
        L.Concatenate()([np.ones((2, 3), np.float32), np.ones((3, 3), np.float32)])


# ---- configs ------------------------------------------------------------------------------------


def _layers():
    return {
        "Dense": L.Dense(3, activation="relu", kernel_regularizer="l2"),
        "Embedding": L.Embedding(10, 4),
        "Activation": L.Activation("tanh"),
        "Dropout": L.Dropout(0.5, noise_shape=(None, 1), seed=3),
        "Flatten": L.Flatten(),
        "Reshape": L.Reshape((2, -1)),
        "RepeatVector": L.RepeatVector(3),
        "Identity": L.Identity(),
        "Rescaling": L.Rescaling(0.5, offset=0.25),
        "Add": L.Add(),
        "Concatenate": L.Concatenate(axis=1),
        "Dot": L.Dot(axes=1),
        "BatchNormalization": L.BatchNormalization(),
        "LayerNormalization": L.LayerNormalization(),
        "Normalization": L.Normalization(),
    }


def _same(got, want, key):
    if isinstance(want, dict) and "class_name" in want:
        # Serialized objects: the class and every config entry tapeflow has (Keras 3.15
        # initializers also list `input_axes`/`output_axes`, which tapeflow's lack).
        assert got["class_name"] == want["class_name"], key
        for k, v in got["config"].items():
            assert want["config"][k] == v, (key, k)
    elif key != "name":
        assert got == want, key


@pytest.mark.parametrize("name", sorted(GOLDEN["configs"]["configs"]))
def test_config_matches_keras_and_round_trips(name):
    layer = _layers()[name]
    config = layer.get_config()
    want = GOLDEN["configs"]["configs"][name]
    plain = json.loads(json.dumps(config, default=list))
    assert set(plain) - {"dtype"} == set(want)
    for key, value in want.items():
        _same(plain[key], value, key)
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


# ---- training -----------------------------------------------------------------------------------


def _model(case_id):
    if case_id == "mlp":
        stack = [L.Dense(8, activation="relu"), L.Dense(3)]
    else:
        stack = [
            L.Dense(8),
            L.BatchNormalization(),
            L.Activation("tanh"),
            L.Dense(3, activation="sigmoid"),
        ]
    return keras.Sequential([keras.Input((4,))] + stack)


@pytest.mark.parametrize("case_id", sorted(GOLDEN["training"]["cases"]))
def test_sequential_trains_like_keras(case_id):
    case = GOLDEN["training"]["cases"][case_id]
    x, y = _f32(GOLDEN["training"]["x"]), _f32(GOLDEN["training"]["y"])
    model = _model(case_id)
    assert [w.path for w in model.weights] == case["paths"]
    model.set_weights([_f32(w) for w in case["initial"]])
    opt = keras.optimizers.SGD(learning_rate=0.1)
    losses = []
    for _ in range(3):
        with tf.GradientTape() as tape:
            pred = model(x, training=True)
            loss = tf.reduce_mean(tf.square(pred - y))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    np.testing.assert_allclose(losses, case["losses"], rtol=1e-6)
    for w, want in zip(model.weights, case["final"]):
        np.testing.assert_allclose(w.numpy(), want, rtol=1e-5, atol=1e-6, err_msg=w.path)
    np.testing.assert_allclose(model(x).numpy(), case["predict"], rtol=1e-5, atol=1e-6)
