"""Safe mode and the registry: what a saved config may build, and how saved lambdas load."""

import json
import zipfile

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import saving
from tapeflow.keras.saving import safe_mode

keras = tf.keras


@pytest.fixture(autouse=True)
def _safe_mode_back_on(monkeypatch):
    # enable_unsafe_deserialization is process-wide: never let a test leak it.
    monkeypatch.setattr(safe_mode, "_unsafe_everywhere", False)


def _lambda_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x * 2.0 + 1.0)])
    return model


def test_saved_lambda_is_refused_in_safe_mode_with_keras_message(tmp_path):
    path = tmp_path / "m.keras"
    _lambda_model().save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    function = config["config"]["layers"][1]["config"]["function"]
    assert function["class_name"] == "__lambda__"  # Keras' layout: base64 marshalled code
    assert set(function["config"]) == {"code", "defaults", "closure"}
    with pytest.raises(ValueError, match=r"Lambda 'lambda(_\d+)?': Requested the deserializ"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match="keras.config.enable_unsafe_deserialization"):
        keras.models.load_model(path, safe_mode=True)


def test_saved_lambda_loads_with_safe_mode_false(tmp_path, rng):
    path = tmp_path / "m.keras"
    _lambda_model().save(path)
    model = keras.models.load_model(path, safe_mode=False)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(model(x).numpy(), x * 2.0 + 1.0)


def test_enable_unsafe_deserialization_lets_lambdas_load(tmp_path, rng):
    path = tmp_path / "m.keras"
    _lambda_model().save(path)
    tf.keras.config.enable_unsafe_deserialization()
    model = keras.models.load_model(path)  # safe_mode=True by default, overridden globally
    x = rng.normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(model(x).numpy(), x * 2.0 + 1.0)


def test_lambda_from_config_follows_the_scope_and_its_argument():
    layer = keras.layers.Lambda(lambda x, k: x * k, arguments={"k": 3.0})
    config = json.loads(json.dumps(layer.get_config()))
    with pytest.raises(ValueError, match="disallowed by default"):
        keras.layers.Lambda.from_config(config)  # no scope: fails closed
    with saving.serialization.SafeModeScope(False):
        clone = keras.layers.Lambda.from_config(config)
    np.testing.assert_array_equal(clone(np.ones((1, 2), np.float32)).numpy(), [[3.0, 3.0]])
    with saving.serialization.SafeModeScope(False), pytest.raises(ValueError):
        keras.layers.Lambda.from_config(config, safe_mode=True)  # the argument wins


def test_lambda_closure_and_defaults_round_trip():
    offset = 5.0
    layer = keras.layers.Lambda(lambda x, scale=2.0: x * scale + offset)
    config = json.loads(json.dumps(layer.get_config()))
    clone = keras.layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_array_equal(clone(np.ones((1, 1), np.float32)).numpy(), [[7.0]])


def test_lambda_named_function_comes_from_the_registry_only(tmp_path, monkeypatch):
    import tapeflow.cli

    calls = []
    monkeypatch.setattr(tapeflow.cli, "main", lambda *a, **k: calls.append(a))
    config = {
        "name": "evil",
        "function": {"module": "tapeflow.cli", "class_name": "function", "config": "main"},
        "arguments": {},
    }
    with pytest.raises(TypeError, match="Could not locate function 'main'"):
        keras.layers.Lambda.from_config(config)
    assert calls == []
    config["function"] = {"module": "builtins", "class_name": "function", "config": "relu"}
    assert keras.layers.Lambda.from_config(config).function is keras.activations.relu


def test_non_modeling_keras_functions_are_refused():
    config = {"module": "keras.config", "class_name": "function"}
    with pytest.raises(ValueError, match="not a modeling function"):
        saving.deserialize_keras_object({**config, "config": "enable_unsafe_deserialization"})
    assert safe_mode.in_safe_mode() is not False


def test_every_builtin_layer_resolves_by_name_and_nothing_else_does():
    from tapeflow.keras.saving import builtin_objects

    for name in ("Dense", "LSTM", "Conv2D", "Lambda", "Bidirectional"):
        cls = builtin_objects.find_class(name, "keras.layers")
        assert cls is getattr(keras.layers, name)
    for name in ("Adam", "MeanSquaredError", "GlorotUniform", "ExponentialDecay", "L2"):
        assert builtin_objects.find_class(name) is not None, name
    for name in ("Input", "load_model", "np", "core", "__builtins__", "Layer.__init__"):
        assert builtin_objects.find_class(name, "keras.layers") is None, name
    for name in ("get", "serialize", "deserialize", "get_object", "eval", "system"):
        assert builtin_objects.find_function(name) is None, name


def test_rnn_cell_config_goes_through_the_registry():
    @saving.register_keras_serializable(package="Test")
    class MyCell(keras.layers.SimpleRNNCell):
        pass

    try:
        layer = keras.layers.RNN(MyCell(2))
        layer(np.zeros((1, 3, 4), np.float32))
        clone = keras.layers.RNN.from_config(layer.get_config())
        assert type(clone.cell) is MyCell
    finally:
        saving.get_custom_objects().pop("Test>MyCell")
    config = layer.get_config()
    config["cell"] = {"module": "keras.layers", "class_name": "__builtins__", "config": {}}
    with pytest.raises(TypeError, match="Could not locate class '__builtins__'"):
        keras.layers.RNN.from_config(config)


# ---- tf.keras.config --------------------------------------------------------------------------


def test_keras_config_matches_keras_3(monkeypatch):
    config = tf.keras.config
    assert config.backend() == "tensorflow"
    assert config.floatx() == "float32" and config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last"
    with pytest.raises(ValueError, match="must be one of"):
        config.set_image_data_format("nhwc")
    with pytest.raises(ValueError, match="Unknown `floatx` value: int32"):
        config.set_floatx("int32")
    monkeypatch.setattr(tf.keras.backend, "_IMAGE_DATA_FORMAT", "channels_last")
    config.set_image_data_format("channels_first")
    assert config.image_data_format() == "channels_first"
    assert keras.layers.Conv2D(2, 3).data_format == "channels_first"
    assert keras.layers.MaxPooling2D().data_format == "channels_first"
    assert keras.layers.Flatten().data_format == "channels_first"
    assert keras.layers.Conv2D(2, 3, data_format="channels_last").data_format == "channels_last"
    monkeypatch.setattr(tf.keras.backend, "_EPSILON", 1e-7)
    config.set_epsilon(1e-5)
    assert tf.keras.backend.epsilon() == 1e-5


def test_channels_first_default_computes_like_an_explicit_one(monkeypatch, rng):
    x = rng.normal(size=(2, 3, 5, 5)).astype(np.float32)
    explicit = keras.layers.Conv2D(4, 3, data_format="channels_first")
    explicit(x)
    monkeypatch.setattr(tf.keras.backend, "_IMAGE_DATA_FORMAT", "channels_first")
    default = keras.layers.Conv2D(4, 3)
    default(x)
    default.set_weights(explicit.get_weights())
    np.testing.assert_allclose(default(x).numpy(), explicit(x).numpy(), rtol=1e-6)


def test_zip64_archives_load(tmp_path, monkeypatch, rng):
    """Archives over 4 GiB carry zip64 end records; the checks before zipfile reads them
    follow those records (forced here by lowering zipfile's limit while writing)."""
    import zipfile as zipfile_module

    model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(20)])
    monkeypatch.setattr(zipfile_module, "ZIP64_LIMIT", 1000)
    model.save(tmp_path / "m.keras")
    monkeypatch.undo()
    assert b"PK\x06\x06" in (tmp_path / "m.keras").read_bytes()
    x = rng.normal(size=(2, 30)).astype(np.float32)
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
