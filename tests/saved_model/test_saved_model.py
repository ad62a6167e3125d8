"""tf.saved_model: objects, variables and traced functions saved as graph IR and loaded back
without the Python code that made them (checked in a fresh process), TF's guide behaviour,
None dimensions, signatures, fine-tuning, and the refusals."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tapeflow as tf

keras = tf.keras


class Dense(tf.Module):
    def __init__(self, rng, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(rng.normal(size=(n_in, n_out)).astype(np.float32), name="w")
        self.b = tf.Variable(np.zeros(n_out, np.float32), name="b")

    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)


class Net(tf.Module):
    def __init__(self, rng):
        super().__init__()
        self.layers = [Dense(rng, 3, 4), Dense(rng, 4, 2)]
        self.scale = tf.Variable(2.0, trainable=False, name="scale")
        self.extras = {"offset": tf.Variable([1.0, -1.0], name="offset")}

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x * self.scale + self.extras["offset"]

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def set_scale(self, value):
        self.scale.assign(value)
        return self.scale.read_value() if hasattr(self.scale, "read_value") else value


def _run_fresh(script: str) -> dict:
    """Runs `script` in a new Python process (no test module, no class definitions) and
    returns the JSON it prints last."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_module_round_trip_in_a_fresh_process(tmp_path, rng):
    net = Net(rng)
    x = rng.normal(size=(5, 3)).astype(np.float32)
    expected = net(x).numpy()
    tf.saved_model.save(net, str(tmp_path / "net"))
    out = _run_fresh(
        f"""
        import json, numpy as np, tapeflow as tf
        loaded = tf.saved_model.load({str(tmp_path / "net")!r})
        x = np.array({x.tolist()!r}, np.float32)
        before = loaded(x).numpy().tolist()
        other = loaded(x[:2]).numpy().tolist()  # a None dimension: any batch size
        loaded.set_scale(tf.constant(3.0))
        after = loaded(x).numpy().tolist()
        print(json.dumps({{
            "before": before, "other": other, "after": after,
            "scale": float(loaded.scale.numpy()),
            "w0": loaded.layers[0].w.numpy().tolist(),
            "offset": loaded.extras["offset"].numpy().tolist(),
            "trainable": sorted(v.name for v in loaded.trainable_variables),
            "all": len(loaded.variables),
            "signatures": list(loaded.signatures),
        }}))
        """
    )
    np.testing.assert_allclose(out["before"], expected, rtol=1e-6)
    np.testing.assert_allclose(out["other"], expected[:2], rtol=1e-6)
    net.set_scale(tf.constant(3.0))
    np.testing.assert_allclose(out["after"], net(x).numpy(), rtol=1e-6)
    assert out["scale"] == 3.0
    np.testing.assert_array_equal(out["w0"], net.layers[0].w.numpy())
    assert out["offset"] == [1.0, -1.0]
    assert out["trainable"] == ["b:0", "b:0", "offset:0", "w:0", "w:0"]
    assert out["all"] == 6 and out["signatures"] == []


def test_tf_guide_custom_module_and_fine_tuning(tmp_path):
    """The CustomModule of TF's SavedModel guide: a traced __call__, a mutating method with
    an input_signature, then fine-tuning the loaded variable under a GradientTape."""

    class CustomModule(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = tf.Variable(1.0)

        @tf.function
        def __call__(self, x):
            return x * self.v

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def mutate(self, new_v):
            self.v.assign(new_v)

    module = CustomModule()
    module(tf.constant(0.0))
    tf.saved_model.save(module, str(tmp_path / "m"))
    imported = tf.saved_model.load(str(tmp_path / "m"))
    assert imported(tf.constant(3.0)).numpy() == 3
    imported.mutate(tf.constant(2.0))
    assert imported(tf.constant(3.0)).numpy() == 6
    optimizer = keras.optimizers.SGD(0.05)
    losses = []
    for _ in range(10):
        with tf.GradientTape() as tape:
            loss = (10.0 - imported(tf.constant(2.0))) ** 2
        variables = tape.watched_variables()
        assert [v is imported.v for v in variables] == [True]
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        losses.append(float(loss))
    assert losses[0] == 36.0 and losses[-1] < 0.01
    assert float(imported.v.numpy()) == pytest.approx(5.0, abs=0.05)
    assert len(imported.signatures) == 0
    with pytest.raises(ValueError, match="Could not find matching concrete function"):
        imported(tf.constant([1.0, 2.0]))  # traced on a scalar only, no input_signature


def test_signatures_names_and_unknown_shapes(tmp_path):
    class WithOutputName(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = tf.Variable(2.0)

        @tf.function(input_signature=[tf.TensorSpec(None, tf.float32)])
        def __call__(self, x):
            return {"custom_output_name": x * self.v}

    module = WithOutputName()
    call = module.__call__.get_concrete_function(tf.TensorSpec(None, tf.float32))
    arrays = module.__call__.get_concrete_function(tf.TensorSpec([None], tf.float32))
    tf.saved_model.save(
        module, str(tmp_path / "s"), signatures={"serving_default": call, "array_input": arrays}
    )
    loaded = tf.saved_model.load(str(tmp_path / "s"))
    assert sorted(loaded.signatures) == ["array_input", "serving_default"]
    serving = loaded.signatures["serving_default"]
    [(name, spec)] = serving.structured_outputs.items()
    assert name == "custom_output_name" and spec.shape.rank is None and spec.name == name
    assert serving.structured_input_signature == (
        (),
        {"x": tf.TensorSpec(None, tf.float32, name="x")},
    )
    for value in (3.0, [1.0, 2.0], np.ones((2, 3, 4), np.float32)):  # any rank
        out = serving(x=tf.constant(value))
        np.testing.assert_array_equal(out["custom_output_name"].numpy(), np.asarray(value) * 2)
    assert serving(tf.constant([1.0]))["custom_output_name"].numpy().tolist() == [2.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="has shape"):
        loaded.signatures["array_input"](x=tf.constant(np.ones((2, 2), np.float32)))
    with pytest.raises(TypeError, match="unexpected or repeated input 'y'"):
        serving(y=tf.constant(1.0))


def test_keras_cnn_with_a_none_batch_and_flatten(tmp_path, rng):
    """Flatten's reshape takes the batch size: the saved graph follows the None dimension."""
    model = keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            keras.layers.Conv2D(3, 3, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    model.set_weights(
        [rng.normal(size=w.shape.as_list()).astype(np.float32) for w in model.weights]
    )
    tf.saved_model.save(model, str(tmp_path / "cnn"))
    loaded = tf.saved_model.load(str(tmp_path / "cnn"))
    serving = loaded.signatures["serving_default"]
    assert list(serving.structured_input_signature[1]) == ["inputs"]
    for batch in (1, 4, 9):
        x = rng.normal(size=(batch, 6, 6, 2)).astype(np.float32)
        out = serving(inputs=x)["output_0"].numpy()
        np.testing.assert_allclose(out, model(x, training=False).numpy(), rtol=1e-5, atol=1e-7)
        again = serving(inputs=x)["output_0"].numpy()  # the compiled plan of this shape
        np.testing.assert_array_equal(again, out)
    assert len(serving._concrete._plans) == 3


def test_keras_export_loads_in_a_fresh_process(tmp_path, rng):
    inputs = keras.Input((3,), name="features")
    hidden = keras.layers.Dense(4, activation="tanh")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    model.export(str(tmp_path / "exported"), verbose=False)
    x = rng.normal(size=(3, 3)).astype(np.float32)
    out = _run_fresh(
        f"""
        import json, numpy as np, tapeflow as tf
        loaded = tf.saved_model.load({str(tmp_path / "exported")!r})
        x = np.array({x.tolist()!r}, np.float32)
        sig = loaded.signatures["serving_default"]
        print(json.dumps({{
            "serve": loaded.serve(x).numpy().tolist(),
            "signature": sig(features=x)["output_0"].numpy().tolist(),
            "inputs": list(sig.structured_input_signature[1]),
            "trainable": len(loaded.trainable_variables),
            "variables": len(loaded.variables),
        }}))
        """
    )
    np.testing.assert_allclose(out["serve"], model(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(out["signature"], model(x).numpy(), rtol=1e-6)
    assert out["inputs"] == ["features"] and out["trainable"] == 4 and out["variables"] == 4
    with pytest.raises(ValueError, match="format='tf_saved_model'"):
        model.export(str(tmp_path / "x"), format="onnx")


def test_random_ops_keep_their_generator_state(tmp_path):
    class Noisy(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([4], tf.float32)])
        def __call__(self, x):
            return tf.nn.dropout(x, 0.5) + tf.random.uniform([4])

    module = Noisy()
    tf.saved_model.save(module, str(tmp_path / "n"))
    x = tf.ones([4])
    first = tf.saved_model.load(str(tmp_path / "n"))(x).numpy()
    second = tf.saved_model.load(str(tmp_path / "n"))(x).numpy()
    np.testing.assert_array_equal(first, second)  # the saved state, restored each time
    loaded = tf.saved_model.load(str(tmp_path / "n"))
    assert not np.array_equal(loaded(x).numpy(), loaded(x).numpy())  # and it advances


def test_another_path_of_python_control_flow_is_an_error(tmp_path):
    class Branchy(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
        def __call__(self, x):
            if tf.reduce_sum(x) > 0:
                return x * 2.0
            return x * -1.0

    tf.saved_model.save(Branchy(), str(tmp_path / "b"))
    loaded = tf.saved_model.load(str(tmp_path / "b"))
    assert loaded(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="another path"):
        loaded(tf.constant([-1.0, -2.0]))


def test_python_state_and_size_dependent_graphs_are_refused_at_save(tmp_path, rng):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.Adam(0.1), "mse")
    optimizer = keras.optimizers.Adam(0.1)

    class Trainer(tf.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32)])
        def step(self, x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(self.model(x) ** 2)
            grads = tape.gradient(loss, self.model.trainable_variables)
            optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
            return loss

    with pytest.raises(ValueError, match="host callback .* cannot be saved"):
        tf.saved_model.save(Trainer(), str(tmp_path / "t"))

    class SizeInPython(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return x + np.arange(x.shape[0], dtype=np.float32)  # a Python int from x.shape

    with pytest.raises(ValueError, match=r"depends on the size of a None dimension.*tf\.shape"):
        tf.saved_model.save(SizeInPython(), str(tmp_path / "s"))
    assert not (tmp_path / "s" / "saved_model.tapeflow").exists()


def test_tensorflow_savedmodels_and_missing_directories(tmp_path):
    (tmp_path / "tf_model").mkdir()
    (tmp_path / "tf_model" / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(tf.errors.UnimplementedError, match="TensorFlow SavedModel .*protobuf"):
        tf.saved_model.load(str(tmp_path / "tf_model"))
    with pytest.raises(OSError, match="SavedModel file does not exist"):
        tf.saved_model.load(str(tmp_path / "nothing"))
    assert not tf.saved_model.contains_saved_model(str(tmp_path / "tf_model"))
