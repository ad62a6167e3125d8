"""Keras 3's own files: `.keras` and `.weights.h5` saved by Keras 3.15 load into tapeflow and
predict (and train on) the same numbers; tapeflow writes Keras' HDF5 layout.

The files and Keras' numbers come from tests/golden/make_keras_files.py (Keras 3.15); the other
direction, Keras opening tapeflow's files, is checked by
tests/golden/check_keras_opens_tapeflow_files.py run with TensorFlow's venv.
"""

import json
import pathlib
import warnings
import zipfile

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.io import h5_reader
from tapeflow.keras.saving import deserialization, saving_lib
from tapeflow.keras.saving import weights as weights_lib

h5py = pytest.importorskip("h5py")
keras = tf.keras
GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
FILES = GOLDEN_DIR / "keras_files"
GOLDEN = json.loads((GOLDEN_DIR / "keras_files.json").read_text())


@keras.saving.register_keras_serializable(package="Golden")
class TwoDense(keras.Model):
    """Registered under the same name as the class Keras saved (make_keras_files.py)."""

    def __init__(self, units=5, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units, activation="tanh")
        self.out = keras.layers.Dense(2)

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _array(value):
    return np.asarray(value, dtype=np.float32)


def _sequential():
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(3)]
    )


def _datasets(path_or_bytes):
    source = path_or_bytes if isinstance(path_or_bytes, pathlib.Path) else None
    with h5py.File(source or __import__("io").BytesIO(path_or_bytes)) as f:
        out = []
        f.visititems(
            lambda n, o: (
                out.append((n, o.shape, o.dtype.str)) if isinstance(o, h5py.Dataset) else None
            )
        )
    return sorted(out)


@pytest.mark.parametrize("name", ["sequential_adam", "subclassed"])
def test_compiled_keras_models_load_predict_and_train_on(name):
    case = GOLDEN[name]
    model = keras.models.load_model(FILES / f"{name}.keras")
    x = _array(case["inputs"])
    np.testing.assert_allclose(model.predict(x, verbose=0), case["outputs"], rtol=0, atol=1e-6)
    assert model.optimizer.iterations.numpy() > 0  # the optimizer state came with it
    model.train_on_batch(_array(case["train_x"]), _array(case["train_y"]))
    np.testing.assert_allclose(
        model.predict(x, verbose=0), case["outputs_after_step"], rtol=0, atol=1e-6
    )


def test_subclassed_keras_model_is_the_registered_class():
    model = keras.models.load_model(FILES / "subclassed.keras")
    assert type(model) is TwoDense and model.units == 5
    assert model.optimizer.get_config()["momentum"] == pytest.approx(0.9)


def test_functional_keras_model_with_batch_norm_loads_and_predicts():
    case = GOLDEN["functional"]
    model = keras.models.load_model(FILES / "functional.keras")
    assert [layer.name for layer in model.layers] == ["a", "da", "b", "concatenate", "bn", "head"]
    out = model.predict([_array(v) for v in case["inputs"]], verbose=0)
    np.testing.assert_allclose(out, case["outputs"], rtol=0, atol=1e-6)


def test_keras_weights_file_loads_by_layer_path():
    case = GOLDEN["sequential_adam"]
    model = keras.Sequential(  # other layer names: the paths match all the same
        [
            keras.Input((4,)),
            keras.layers.Dense(6, activation="relu", name="first"),
            keras.layers.Dense(3, name="second"),
        ]
    )
    model.load_weights(FILES / "sequential_adam.weights.h5")
    out = model.predict(_array(case["inputs"]), verbose=0)
    np.testing.assert_allclose(out, case["outputs"], rtol=0, atol=1e-6)
    wrong = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"\(4, 5\) in the model, but \(4, 6\) in the file"):
        wrong.load_weights(FILES / "sequential_adam.weights.h5")


def test_keras_weights_file_restores_the_optimizer_by_position():
    case = GOLDEN["sequential_adam"]
    model = _sequential()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.load_weights(FILES / "sequential_adam.weights.h5")  # builds the optimizer first
    model.train_on_batch(_array(case["train_x"]), _array(case["train_y"]))
    out = model.predict(_array(case["inputs"]), verbose=0)
    np.testing.assert_allclose(out, case["outputs_after_step"], rtol=0, atol=1e-6)


def test_optimizer_of_another_size_is_skipped_with_keras_warning(tmp_path):
    model = _sequential()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")  # no slots
    model.optimizer.build(model.trainable_variables)
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'sgd"):
        model.load_weights(FILES / "sequential_adam.weights.h5")


def test_tapeflow_writes_keras_layout(tmp_path, rng):
    """Same architecture and optimizer as Keras' file: the same datasets, shapes and dtypes."""
    model = _sequential()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(_array(rng.normal(size=(8, 4))), _array(rng.normal(size=(8, 3))), verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    keras_made = _datasets(FILES / "sequential_adam.weights.h5")
    assert _datasets(tmp_path / "m.weights.h5") == keras_made
    model.save(tmp_path / "m.keras")
    with (
        zipfile.ZipFile(tmp_path / "m.keras") as z,
        zipfile.ZipFile(FILES / "sequential_adam.keras") as k,
    ):
        assert sorted(z.namelist()) == sorted(k.namelist())
        assert _datasets(z.read("model.weights.h5")) == keras_made
        config = json.loads(z.read("config.json"))
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"


def test_unsupported_keras_layer_is_named_and_no_model_is_made():
    with pytest.raises(deserialization.UnsupportedKerasClass) as info:
        keras.models.load_model(FILES / "unsupported_layer.keras")
    message = str(info.value)
    assert "'clstm' is a `keras.layers.ConvLSTM1D` of Keras 3, which tapeflow does not" in message
    assert isinstance(info.value, TypeError)  # Keras raises TypeError for unknown classes


def test_without_h5py_tapeflow_writes_its_own_format_and_says_so(tmp_path, rng, monkeypatch):
    model = _sequential()
    model.set_weights([_array(rng.normal(size=w.shape.as_list())) for w in model.weights])
    monkeypatch.setattr(weights_lib, "h5py_available", lambda: False)
    monkeypatch.setattr(saving_lib, "h5py_available", lambda: False)
    with pytest.warns(UserWarning, match=r"h5py is not installed.*tapeflow\[h5\]"):
        model.save_weights(tmp_path / "m.weights.h5")
    with pytest.warns(UserWarning, match="Keras cannot open"):
        model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.weights.h5").read_bytes()[:8] == b"TFLWTNSR"
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        assert "model.weights" in z.namelist()
    x = _array(rng.normal(size=(2, 4)))
    other = _sequential()
    other.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(other(x).numpy(), model(x).numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_reading_hdf5_without_h5py_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_h5py(name, *args, **kwargs):
        if name == "h5py":
            raise ImportError("No module named 'h5py'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_h5py)
    with pytest.raises(ImportError, match=r"pip install 'tapeflow\[h5\]'"):
        h5_reader.H5Reader(FILES / "sequential_adam.weights.h5", "x")
    assert not h5_reader.h5py_available()


class Scaled(keras.layers.Layer):
    """Saves a state that is not a variable through Keras' hooks."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.table = np.zeros(3, np.float32)

    def call(self, x):
        return x * self.table

    def save_own_variables(self, store):
        store["0"] = self.table
        store["1"] = np.array(7, np.int64)

    def load_own_variables(self, store):
        assert sorted(store) == ["0", "1"] and int(store["1"]) == 7
        self.table = np.array(store["0"])


def test_layers_with_state_hooks_save_and_load_through_them(tmp_path):
    model = keras.Sequential([keras.Input((3,)), Scaled(), keras.layers.Dense(2)])
    model.layers[0].table = np.array([1.0, 2.0, 3.0], np.float32)
    model.save_weights(tmp_path / "m.weights.h5")
    assert ("layers/scaled/vars/0", (3,), "<f4") in _datasets(tmp_path / "m.weights.h5")
    other = keras.Sequential([keras.Input((3,)), Scaled(), keras.layers.Dense(2)])
    other.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(other.layers[0].table, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(other.layers[1].kernel.numpy(), model.layers[1].kernel.numpy())
