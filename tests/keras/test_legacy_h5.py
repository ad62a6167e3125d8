"""Legacy HDF5 model files (`model.save("m.h5")`, `load_model("m.h5")`, `load_weights("m.h5")`):
files Keras 3.15 saved load into tapeflow and predict and train on the same numbers, and
tapeflow writes Keras' layout.

The files and Keras' numbers come from tests/golden/make_keras_legacy_h5.py; the other
direction, Keras opening the `.h5` files tapeflow writes, is checked by
tests/golden/check_keras_opens_tapeflow_h5.py run with TensorFlow's venv. Keras 3.15 itself
cannot load a legacy file compiled with `loss="mse"`, nor resume training from any legacy
file (it builds the optimizer against no variables); tapeflow does both, and the numbers
after one more step are Keras' own next step, taken in memory before saving.
"""

import json
import logging
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.io import h5_reader

h5py = pytest.importorskip("h5py")
keras = tf.keras
GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
FILES = GOLDEN_DIR / "keras_files"
GOLDEN = json.loads((GOLDEN_DIR / "keras_legacy_h5.json").read_text())


@keras.saving.register_keras_serializable(package="Golden")
class Scale(keras.layers.Layer):
    """Registered under the name Keras saved (make_keras_legacy_h5.py)."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _arrays(value, dtype="float32"):
    if isinstance(value, dict):
        return {k: _arrays(v, dtype) for k, v in value.items()}
    return np.asarray(value, dtype=dtype)


def _close(got, want, atol=1e-6):
    if isinstance(want, dict):
        assert set(got) == set(want)
        for key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=0, atol=atol)
    else:
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)


def _sequential(name="seq"):
    return keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(2),
        ],
        name=name,
    )


@pytest.mark.parametrize("name", ["legacy_sequential_adam", "legacy_two_outputs"])
def test_compiled_keras_files_predict_and_take_keras_next_step(name):
    case = GOLDEN[name]
    model = keras.models.load_model(FILES / f"{name}.h5")
    x = _arrays(case["inputs"])
    _close(model.predict(x, verbose=0), case["outputs"])
    assert model.optimizer.iterations.numpy() > 0
    model.train_on_batch(_arrays(case["train_x"]), _arrays(case["train_y"]))
    _close(model.predict(x, verbose=0), case["outputs_after_step"])


def test_keras_file_restores_the_optimizer_by_position_under_keras_names():
    case = GOLDEN["legacy_sequential_adam"]
    model = keras.models.load_model(FILES / "legacy_sequential_adam.h5")
    variables = model.optimizer.variables
    assert [v.path for v in variables] == case["optimizer_names"]
    for variable, value in zip(variables, case["optimizer"]):
        np.testing.assert_allclose(variable.numpy(), value, rtol=0, atol=0)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(0.01)


def test_functional_model_keeps_its_named_inputs_outputs_and_layers():
    case = GOLDEN["legacy_two_outputs"]
    model = keras.models.load_model(FILES / "legacy_two_outputs.h5")
    assert [layer.name for layer in model.layers] == case["layer_names"]
    assert sorted(model.output_names) == ["cls", "reg"]


def test_uncompiled_masked_lstm_loads_with_keras_log_line(caplog):
    case = GOLDEN["legacy_masked_lstm"]
    with caplog.at_level(logging.WARNING, logger="keras"):
        model = keras.models.load_model(FILES / "legacy_masked_lstm.h5")
    assert "No training configuration found in the save file" in caplog.text
    assert not model.compiled
    tokens = np.asarray(case["inputs"], "int32")
    _close(model.predict(tokens, verbose=0), case["outputs"])


def test_nested_sequential_with_a_registered_custom_layer():
    case = GOLDEN["legacy_nested_custom"]
    model = keras.models.load_model(FILES / "legacy_nested_custom.h5", compile=False)
    assert isinstance(model.get_layer("inner").get_layer("scale"), Scale)
    _close(model.predict(_arrays(case["inputs"]), verbose=0), case["outputs"])


def test_load_weights_by_position_and_by_name_from_a_keras_file():
    case = GOLDEN["legacy_sequential_adam"]
    x = _arrays(case["inputs"])
    model = _sequential()
    model.load_weights(FILES / "legacy_sequential_adam.h5")
    _close(model.predict(x, verbose=0), case["outputs"])
    # by name: the Keras file names its layers dense, batch_normalization, dense_1
    named = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(5, activation="relu", name="dense"),
            keras.layers.BatchNormalization(name="batch_normalization"),
            keras.layers.Dense(2, name="dense_1"),
            keras.layers.Dense(3, name="not_in_the_file"),
        ]
    )
    before = named.get_layer("not_in_the_file").kernel.numpy()
    named.load_weights(FILES / "legacy_sequential_adam.h5", by_name=True)
    np.testing.assert_array_equal(named.get_layer("not_in_the_file").kernel.numpy(), before)
    reference = keras.models.load_model(FILES / "legacy_sequential_adam.h5")
    for layer in reference.layers:
        for a, b in zip(layer.weights, named.get_layer(layer.name).weights):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_mismatches_raise_keras_errors_before_any_weight_changes():
    wrong_count = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5)])
    with pytest.raises(ValueError, match="Layer count mismatch when loading weights from file"):
        wrong_count.load_weights(FILES / "legacy_sequential_adam.h5")
    wrong_shape = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(7),
        ]
    )
    before = [w.numpy().copy() for w in wrong_shape.weights]
    with pytest.raises(ValueError, match=r"Shape mismatch in layer #2 .*expects shape \(5, 7\)"):
        wrong_shape.load_weights(FILES / "legacy_sequential_adam.h5")
    for w, b in zip(wrong_shape.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)
    named = keras.Sequential([keras.Input((4,)), keras.layers.Dense(9, name="dense")])
    with pytest.raises(ValueError, match="Weight count mismatch|Shape mismatch"):
        named.load_weights(FILES / "legacy_sequential_adam.h5", by_name=True)
    with pytest.warns(UserWarning, match="Skipping loading weights"):
        named.load_weights(FILES / "legacy_sequential_adam.h5", by_name=True, skip_mismatch=True)
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy"):
        named.load_weights(FILES / "sequential_adam.weights.h5", by_name=True)


def test_tapeflow_round_trip_keeps_weights_optimizer_and_training(tmp_path, rng, caplog):
    model = _sequential()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    x = rng.normal(size=(8, 4)).astype("float32")
    y = rng.normal(size=(8, 2)).astype("float32")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    with caplog.at_level(logging.WARNING, logger="keras"):
        model.save(tmp_path / "m.h5")
    assert "This file format is considered legacy" in caplog.text
    loaded = keras.models.load_model(tmp_path / "m.h5")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        assert a.path == b.path
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=0, atol=1e-6
    )
    assert keras.models.load_model(tmp_path / "m.h5", compile=False).compiled is False


def test_tapeflow_writes_keras_layout(tmp_path):
    model = _sequential()
    model.save(tmp_path / "m.hdf5", include_optimizer=False)
    with h5py.File(tmp_path / "m.hdf5") as f:
        assert f.attrs["keras_version"] == "3.15.1" and f.attrs["backend"] == "tensorflow"
        config = json.loads(f.attrs["model_config"])
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
        group = f["model_weights"]
        assert list(group.attrs["layer_names"]) == [layer.name for layer in model.layers]
        bn_name = model.layers[1].name
        bn = group[bn_name]
        names = [f"seq/{bn_name}/{w}" for w in ("gamma", "beta", "moving_mean", "moving_variance")]
        assert list(bn.attrs["weight_names"]) == names  # trainable first, as Keras
        assert [bn[n].shape for n in names] == [(5,)] * 4
        assert len(group["top_level_model_weights"].attrs["weight_names"]) == 0
    assert config["class_name"] == "Sequential"
    for layer in config["config"]["layers"]:
        assert set(layer) == {"class_name", "config"}  # the legacy form


def test_long_name_lists_are_chunked_as_keras_does(tmp_path, rng):
    layers = [keras.Input((3,))]
    layers += [keras.layers.Activation("linear", name="a" * 999 + f"{i:03d}") for i in range(70)]
    layers += [keras.layers.Dense(2, name="head")]
    model = keras.Sequential(layers)
    model.save(tmp_path / "long.h5")
    with h5py.File(tmp_path / "long.h5") as f:
        attrs = f["model_weights"].attrs
        assert "layer_names" not in attrs and "layer_names0" in attrs and "layer_names1" in attrs
    loaded = keras.models.load_model(tmp_path / "long.h5")
    x = rng.normal(size=(2, 3)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_save_format_argument_follows_keras(tmp_path, caplog):
    model = _sequential()
    with caplog.at_level(logging.WARNING, logger="keras"):
        model.save(tmp_path / "m.h5", save_format="h5")
    assert "The `save_format` argument is deprecated in Keras 3" in caplog.text
    with pytest.raises(ValueError, match="save_format"):
        model.save(tmp_path / "m.bin", save_format="h5")
    with pytest.raises(ValueError, match="Invalid filepath extension for saving"):
        model.save(tmp_path / "m.bin")


# ---- hostile and broken files ------------------------------------------------------------


def _rewrite(src, dst, edit):
    with h5py.File(src) as f_in, h5py.File(dst, "w") as f_out:
        for key, value in f_in.attrs.items():
            f_out.attrs[key] = value
        for key in f_in:
            f_in.copy(key, f_out)
        edit(f_out)
    return dst


def test_a_config_attribute_that_is_not_a_string_is_refused(tmp_path):
    def edit(f):
        f.attrs["model_config"] = np.arange(4)

    path = _rewrite(FILES / "legacy_sequential_adam.h5", tmp_path / "bad.h5", edit)
    with pytest.raises(tf.errors.DataLossError, match="model_config.*a string is read"):
        keras.models.load_model(path)


def test_a_file_without_a_model_config_is_a_value_error(tmp_path):
    path = _rewrite(
        FILES / "legacy_sequential_adam.h5",
        tmp_path / "bad.h5",
        lambda f: f.attrs.pop("model_config"),
    )
    with pytest.raises(ValueError, match="No model config found in the file"):
        keras.models.load_model(path)


def test_a_weight_name_without_its_dataset_is_a_value_error(tmp_path):
    def edit(f):
        group = f["model_weights/dense"]
        group.attrs["weight_names"] = [b"seq/dense/kernel", b"seq/dense/missing"]

    path = _rewrite(FILES / "legacy_sequential_adam.h5", tmp_path / "bad.h5", edit)
    with pytest.raises(ValueError, match="lists the weight 'seq/dense/missing' it lacks"):
        keras.models.load_model(path)


def test_links_out_of_the_file_are_refused(tmp_path):
    def edit(f):
        del f["model_weights/dense/seq/dense/kernel"]
        f["model_weights/dense/seq/dense/kernel"] = h5py.ExternalLink("/etc/passwd", "/x")

    path = _rewrite(FILES / "legacy_sequential_adam.h5", tmp_path / "bad.h5", edit)
    with pytest.raises(tf.errors.DataLossError, match="only hard links are read"):
        keras.models.load_model(path)


def test_a_saved_lambda_needs_safe_mode_off(tmp_path, rng):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 3.0)])
    model.save(tmp_path / "lam.h5")
    with pytest.raises(ValueError, match="safe_mode"):
        keras.models.load_model(tmp_path / "lam.h5")
    loaded = keras.models.load_model(tmp_path / "lam.h5", safe_mode=False)
    x = rng.normal(size=(2, 2)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), x * 3.0)


def test_string_attribute_checks(tmp_path):
    path = tmp_path / "attrs.h5"
    with h5py.File(path, "w") as f:
        f.attrs["text"] = "hello"
        f.attrs["names"] = [b"a", b"b"]
        f.attrs["empty"] = []
        f.attrs["grid"] = np.array([[b"a"]])
        f.attrs["number"] = 3
        f.attrs["bad_utf8"] = np.bytes_(b"\xff\xfe")
        f.create_dataset("x", data=np.zeros(2))
    with h5_reader.H5Reader(str(path), "attrs.h5") as reader:
        assert reader.string_attribute("", "text") == "hello"
        assert reader.string_attribute("", "names") == ["a", "b"]
        assert reader.string_attribute("", "empty") == []
        assert reader.string_attribute("", "absent") is None
        assert reader.string_attribute("no_such_group", "text") is None
        with pytest.raises(tf.errors.DataLossError, match="has shape"):
            reader.string_attribute("", "grid")
        with pytest.raises(tf.errors.DataLossError, match="a string is read"):
            reader.string_attribute("", "number")
        with pytest.raises(tf.errors.DataLossError, match="not valid UTF-8"):
            reader.string_attribute("", "bad_utf8")
