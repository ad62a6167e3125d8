"""keras.saving's files: weights files, .keras archives, the built-in layers saved and
loaded, and tf.train.Checkpoint with Keras models.

Keras' own weight keys come from tests/golden/make_saving.py (Keras 3).
"""

import json
import os
import pathlib
import sys
import zipfile

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import DataLossError
from tapeflow.io import atomic
from tapeflow.keras import saving
from tapeflow.keras.saving import saving_lib

keras = tf.keras

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from saving_models import (  # noqa: E402
    GOLDEN,
    Merge,
    MyDense,
    NoConfig,
    Scale,
    Sub,
    _keys,
    _legacy_weights,
    _randomize,
    _sequential,
    _train_step,
    _two_input_model,
    _x,
)

# ---- weights files --------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["sequential", "subclassed", "functional"])
def test_weight_keys_are_keras_keys(case, tmp_path):
    if case == "sequential":
        model = _sequential()
    elif case == "subclassed":
        model = Sub()
        model(np.zeros((1, 4), np.float32))
    else:
        inner_in = keras.Input((4,))
        inner = keras.Model(inner_in, MyDense(2)(inner_in))
        a, b = keras.Input((3,)), keras.Input((3,))
        shared = MyDense(4)
        model = keras.Model([a, b], inner(Merge()(shared(a), shared(b), scale=0.5)))
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    assert _keys(path) == GOLDEN[f"keys_{case}"]


def test_save_and_load_weights_round_trip(tmp_path, rng):
    model = _sequential()
    _randomize(model, rng)
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    other = keras.Sequential([keras.Input((3,)), MyDense(4, name="x"), MyDense(2, name="y")])
    other.load_weights(str(path))  # layer names do not matter, structure does
    for a, b in zip(model.weights, other.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    h5py = pytest.importorskip("h5py")
    with h5py.File(path) as f:  # Keras 3 names each layer's group
        assert f["layers/my_dense/vars"].attrs["name"] == model.layers[0].name
        assert f["layers/my_dense_1/vars"].attrs["name"] == model.layers[1].name
    saving.load_weights(other, path)  # the function form


def test_weights_in_tapeflows_earlier_format_still_load(tmp_path, rng):
    model = _sequential()
    _randomize(model, rng)
    path = tmp_path / "old.weights.h5"
    _legacy_weights(model, path)
    other = _sequential()
    other.load_weights(path)
    for a, b in zip(model.weights, other.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_weights_filename_must_be_keras(tmp_path):
    model = _sequential()
    with pytest.raises(
        ValueError, match=r"must end in `\.weights\.h5`. Received: filepath=.*x\.h5"
    ):
        model.save_weights(tmp_path / "x.h5")
    with pytest.raises(ValueError, match="File format not supported"):
        model.load_weights(tmp_path / "x.weights.npz")
    assert os.listdir(tmp_path) == []


def test_load_weights_checks_shapes_before_assigning(tmp_path, rng):
    model = _sequential()
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    wrong = keras.Sequential([keras.Input((3,)), MyDense(4), MyDense(5, name="wide")])
    before = wrong.get_weights()
    with pytest.raises(ValueError) as info:
        wrong.load_weights(path)
    message = str(info.value)
    assert "Layer 'wide': weight 'kernel' (layers/my_dense_1/vars/0)" in message
    assert "shape (4, 5) in the model, but (4, 2) in the file" in message
    assert "weight 'bias' (layers/my_dense_1/vars/1) has shape (5,)" in message
    for a, b in zip(before, wrong.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # nothing assigned, not even the first layer
    with pytest.warns(UserWarning, match="skipped"):
        wrong.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(wrong.layers[0].kernel.numpy(), model.layers[0].kernel.numpy())
    np.testing.assert_array_equal(wrong.layers[1].kernel.numpy(), before[2])


def test_load_weights_reports_missing_and_extra_layers(tmp_path):
    path = tmp_path / "m.weights.h5"
    _sequential().save_weights(path)
    deeper = keras.Sequential([keras.Input((3,)), MyDense(4), MyDense(2), MyDense(2)])
    with pytest.raises(ValueError, match=r"expected 2 variables \['kernel', 'bias'\], but the "):
        deeper.load_weights(path)
    shallower = keras.Sequential([keras.Input((3,)), MyDense(4)])
    with pytest.raises(ValueError, match="holds 2 weights for 'layers/my_dense_1'.*does not have"):
        shallower.load_weights(path)
    unbuilt = keras.Sequential([MyDense(4), MyDense(2)])
    with pytest.raises(ValueError, match="was never built"):
        unbuilt.load_weights(path)


def test_load_weights_refuses_damaged_and_foreign_files(tmp_path):
    path = tmp_path / "m.weights.h5"
    model = _sequential()
    model.save_weights(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataLossError, match="m.weights.h5: not a readable HDF5 file"):
        model.load_weights(path)
    _legacy_weights(model, path)  # tapeflow's own format carries a checksum
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataLossError, match="truncated"):
        model.load_weights(path)
    corrupted = bytearray(data)
    corrupted[-60] ^= 1
    path.write_bytes(bytes(corrupted))
    with pytest.raises(DataLossError, match="checksum mismatch"):
        model.load_weights(path)
    path.write_bytes(b"\x80\x04\x95" + bytes(100))
    with pytest.raises(DataLossError, match="pickle, which tapeflow never loads.*HDF5"):
        model.load_weights(path)
    checkpoint = tf.train.Checkpoint(model=model).write(str(tmp_path / "ckpt"))
    os.replace(checkpoint + ".tapeflow", path)
    with pytest.raises(ValueError, match="not Keras weights"):
        model.load_weights(path)


def test_save_weights_includes_the_optimizer_state(tmp_path, rng):
    # Keras 3 writes `optimizer/vars/...` into .weights.h5 once the optimizer is built.
    model = _sequential()
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    x, y = _x(rng, 4, 3), _x(rng, 4, 2)
    _train_step(model, model.optimizer, x, y)
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    keys = [k for k, _ in _keys(path)]
    layer_keys = [k for k in keys if not k.startswith("optimizer/")]
    assert layer_keys == [k for k, _ in GOLDEN["keys_sequential"]]
    # Keras 3: iterations, learning rate, then momentum and velocity of each variable.
    assert sorted(k for k in keys if k.startswith("optimizer/")) == sorted(
        f"optimizer/vars/{i}" for i in range(2 + 2 * len(model.trainable_variables))
    )

    restored = _sequential()
    restored.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    _train_step(restored, restored.optimizer, x, y)  # builds its slots
    restored.load_weights(path)
    _train_step(model, model.optimizer, x, y)
    _train_step(restored, restored.optimizer, x, y)
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(a, b)


class _FailingFile:
    """A file that fails with ENOSPC after `limit` bytes, like a full disk."""

    def __init__(self, fd, limit):
        self._file = os.fdopen(fd, "wb")
        self._left = limit

    def write(self, data):
        if len(data) > self._left:
            raise OSError(28, "No space left on device")
        self._left -= len(data)
        return self._file.write(data)

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()


def test_a_failing_write_leaves_the_previous_files_whole(tmp_path, rng, monkeypatch):
    model = _sequential()
    weights_path, archive_path = tmp_path / "m.weights.h5", tmp_path / "m.keras"
    model.save_weights(weights_path)
    model.save(archive_path)
    old_weights, old_archive = weights_path.read_bytes(), archive_path.read_bytes()
    _randomize(model, rng)
    monkeypatch.setattr(atomic, "_open_for_writing", lambda fd: _FailingFile(fd, 100))
    with pytest.raises(OSError, match="No space left"):
        model.save_weights(weights_path)
    with pytest.raises(OSError, match="No space left"):
        model.save(archive_path)
    assert weights_path.read_bytes() == old_weights
    assert archive_path.read_bytes() == old_archive
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "m.weights.h5"]  # no temporary files
    monkeypatch.undo()
    with pytest.raises(NotImplementedError):
        NoConfigBuilt().save(tmp_path / "n.keras")
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "m.weights.h5"]


def NoConfigBuilt():  # noqa: N802
    model = NoConfig(2)
    model(np.zeros((1, 3), np.float32))
    return model


# ---- .keras archives ------------------------------------------------------------------------


def test_sequential_archive_round_trip(tmp_path, rng):
    model = _sequential()
    _randomize(model, rng)
    path = tmp_path / "seq.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        assert archive.getinfo("model.weights.h5").compress_type == zipfile.ZIP_STORED
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
    assert set(metadata) == {"keras_version", "tapeflow_version", "date_saved"}
    assert config["class_name"] == "Sequential" and config["module"] == "keras"
    loaded = saving.load_model(path)
    assert type(loaded) is keras.Sequential
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    x = _x(rng, 5, 3)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_sequential_built_on_data_round_trips(tmp_path, rng):
    model = keras.Sequential([MyDense(4), MyDense(2)])
    x = _x(rng, 5, 3)
    expected = model(x).numpy()
    model.save(tmp_path / "seq.keras")
    loaded = saving.load_model(tmp_path / "seq.keras")
    assert loaded.built
    np.testing.assert_array_equal(loaded(x).numpy(), expected)


def test_functional_archive_with_custom_objects(tmp_path, rng):
    model = _two_input_model()
    _randomize(model, rng)
    path = tmp_path / "f.keras"
    saving.save_model(model, path)
    with pytest.raises(TypeError, match="Could not locate class 'Scale'"):
        saving.load_model(path)
    loaded = saving.load_model(path, custom_objects={"Scale": Scale})
    with saving.custom_object_scope({"Scale": Scale}):
        assert saving.load_model(path).get_layer("scale").factor == 3.0
    x = [_x(rng, 5, 3), _x(rng, 5, 3)]
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    assert loaded.name == "two_inputs" and loaded.get_layer("scale").factor == 3.0
    other = _two_input_model()
    other.load_weights(path)  # weights straight from the archive
    np.testing.assert_array_equal(other(x).numpy(), model(x).numpy())


def test_subclassed_archive_round_trip(tmp_path, rng):
    model = Sub(hidden=5)
    x = _x(rng, 4, 4)
    expected = model(x).numpy()
    model.save(tmp_path / "sub.keras")
    loaded = saving.load_model(tmp_path / "sub.keras", custom_objects={"Sub": Sub})
    assert type(loaded) is Sub and loaded.hidden == 5
    np.testing.assert_array_equal(loaded(x).numpy(), expected)
    for a, b in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("kind", ["sequential", "subclassed"])
def test_optimizer_state_survives_the_archive(kind, tmp_path, rng):
    if kind == "sequential":
        model = _sequential()
        batches = [(_x(rng, 8, 3), _x(rng, 8, 2)) for _ in range(4)]
    else:
        model = Sub(hidden=2)
        batches = [(_x(rng, 8, 4), _x(rng, 8, 1)) for _ in range(4)]
        model(batches[0][0])
    _randomize(model, rng)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    for x, y in batches[:3]:
        _train_step(model, model.optimizer, x, y)
    path = tmp_path / "trained.keras"
    model.save(path)
    loaded = saving.load_model(path, custom_objects={"Sub": Sub})
    assert type(loaded.optimizer) is keras.optimizers.Adam
    x, y = batches[3]
    _train_step(model, model.optimizer, x, y)
    _train_step(loaded, loaded.optimizer, x, y)
    assert int(loaded.optimizer.iterations.numpy()) == 4
    for a, b in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    uncompiled = saving.load_model(path, custom_objects={"Sub": Sub}, compile=False)
    assert uncompiled.optimizer is None


def test_load_model_refuses_missing_damaged_and_foreign_archives(tmp_path):
    with pytest.raises(ValueError, match=r"File not found: filepath=.*nothing\.keras"):
        saving.load_model(tmp_path / "nothing.keras")
    with pytest.raises(ValueError, match="File format not supported"):
        saving.load_model(tmp_path / "model.bin")
    with pytest.raises(FileNotFoundError, match="model.h5"):  # h5py's error, as in Keras
        saving.load_model(tmp_path / "model.h5")
    path = tmp_path / "m.keras"
    _sequential().save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 300])
    with pytest.raises(DataLossError, match="not a valid .keras archive"):
        saving.load_model(path)
    corrupted = bytearray(data)
    corrupted[data.index(b"\x89HDF") + 100] ^= 1  # inside the stored weights
    path.write_bytes(bytes(corrupted))
    with pytest.raises(DataLossError, match="model.weights.h5: CRC mismatch"):
        saving.load_model(path)
    # An archive tapeflow wrote before HDF5, rewritten with a valid zip CRC: the weights'
    # own checksum still catches it.
    path.write_bytes(data)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    del members["model.weights.h5"]
    legacy = tmp_path / "legacy.weights.h5"
    _legacy_weights(_sequential(), legacy)
    weights = bytearray(legacy.read_bytes())
    weights[-100] ^= 1
    members["model.weights"] = bytes(weights)
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in members.items():
            archive.writestr(name, value)
    with pytest.raises(DataLossError, match="model.weights: checksum mismatch"):
        saving.load_model(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", members["config.json"])
        archive.writestr("model.weights.h5", b"\x89HDF")
    with pytest.raises(DataLossError, match="model.weights.h5: not a readable HDF5 file"):
        saving.load_model(path)


def test_save_model_checks_its_arguments(tmp_path):
    model = _sequential()
    with pytest.raises(ValueError, match="Invalid filepath extension.*or a `.h5` extension"):
        model.save(tmp_path / "m.bin")
    with pytest.raises(ValueError, match="not supported"):
        model.save(tmp_path / "m.keras", signatures=None)
    model.save(tmp_path / "m.keras")
    before = (tmp_path / "m.keras").read_bytes()
    monkey_answers = iter(["maybe", "n"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("builtins.input", lambda prompt="": next(monkey_answers))
        _randomize(model, np.random.default_rng(0))
        model.save(tmp_path / "m.keras", overwrite=False)
    assert (tmp_path / "m.keras").read_bytes() == before


def test_model_from_json(rng):
    model = _two_input_model()
    text = json.dumps(saving.serialize_keras_object(model))
    rebuilt = saving_lib.model_from_json(text, custom_objects={"Scale": Scale})
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in model.layers]


# ---- the real layers, once they exist -------------------------------------------------------


def test_builtin_layers_round_trip(tmp_path, rng):
    for name in ("Dense", "BatchNormalization", "Dropout"):
        if not hasattr(keras.layers, name):
            pytest.skip(f"keras.layers.{name} is not there yet")
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((3,)),
            layers.Dense(4),
            layers.BatchNormalization(),
            layers.Dropout(0.5),
            layers.Dense(2),
        ]
    )
    _randomize(model, rng)
    model.save_weights(tmp_path / "b.weights.h5")
    assert _keys(tmp_path / "b.weights.h5") == GOLDEN["keys_builtin"]
    model.save(tmp_path / "b.keras")
    loaded = saving.load_model(tmp_path / "b.keras")
    x = _x(rng, 5, 3)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


# ---- tf.train.Checkpoint with Keras models --------------------------------------------------


def test_checkpoint_restores_model_and_optimizer_exactly(tmp_path, rng):
    model = _sequential()
    _randomize(model, rng)
    optimizer = keras.optimizers.Adam(0.05)
    batches = [(_x(rng, 8, 3), _x(rng, 8, 2)) for _ in range(3)]
    for x, y in batches[:2]:
        _train_step(model, optimizer, x, y)
    path = tf.train.Checkpoint(model=model, optimizer=optimizer).save(str(tmp_path / "ckpt"))
    restored = _sequential()
    restored_optimizer = keras.optimizers.Adam(0.05)
    status = tf.train.Checkpoint(model=restored, optimizer=restored_optimizer).restore(path)
    status.assert_existing_objects_matched()
    x, y = batches[2]
    _train_step(model, optimizer, x, y)
    _train_step(restored, restored_optimizer, x, y)
    status.assert_consumed()
    assert int(restored_optimizer.iterations.numpy()) == 3
    for a, b in zip(model.weights, restored.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_checkpoint_deferred_restore_into_an_unbuilt_model(tmp_path, rng):
    model = keras.Sequential([MyDense(4), MyDense(2)])
    optimizer = keras.optimizers.Adam(0.05)
    x, y = _x(rng, 8, 3), _x(rng, 8, 2)
    model(x)
    _randomize(model, rng)
    _train_step(model, optimizer, x, y)
    path = tf.train.Checkpoint(model=model, optimizer=optimizer).save(str(tmp_path / "ckpt"))
    restored = keras.Sequential([MyDense(4), MyDense(2)])
    restored_optimizer = keras.optimizers.Adam(0.05)
    checkpoint = tf.train.Checkpoint(model=restored, optimizer=restored_optimizer)
    status = checkpoint.restore(path)  # the checkpoint holds the pending values: keep it
    assert not restored.built
    np.testing.assert_array_equal(restored(x).numpy(), model(x).numpy())  # restored on creation
    _train_step(model, optimizer, x, y)
    _train_step(restored, restored_optimizer, x, y)
    status.assert_consumed()
    for a, b in zip(model.weights, restored.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


class PrivateDense(MyDense):
    """Keeps its weights under other attribute names (as Keras 3's Dense keeps `_kernel`)."""

    def build(self, input_shape):
        self._kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self._bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        return x @ self._kernel + self._bias


def test_checkpoint_deferred_restore_when_attribute_names_differ(tmp_path, rng):
    # The saved aliases (`_own_weights/i` -> `_kernel`) match each weight as add_weight
    # creates it, before it is stored under its attribute.
    model = keras.Sequential([PrivateDense(3)])
    x = _x(rng, 2, 3)
    model(x)
    _randomize(model, rng)
    path = tf.train.Checkpoint(model=model).save(str(tmp_path / "ckpt"))
    restored = keras.Sequential([PrivateDense(3)])
    checkpoint = tf.train.Checkpoint(model=restored)
    status = checkpoint.restore(path)
    np.testing.assert_array_equal(restored(x).numpy(), model(x).numpy())
    status.assert_consumed()
