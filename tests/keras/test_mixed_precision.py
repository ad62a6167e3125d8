"""keras.mixed_precision: policies, layers computing in float16/bfloat16 with float32
weights, LossScaleOptimizer; numbers from Keras 3.15 (tests/golden/make_mixed_precision.py).

float16 and bfloat16 arithmetic is NumPy's (and ml_dtypes') here and TF's kernels there, so
values agree to the compute dtype's precision, not bit for bit.
"""

import json
import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import keras

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "mixed_precision.json").read_text()
)


@pytest.fixture(autouse=True)
def _float32_policy_after():
    yield
    keras.mixed_precision.set_global_policy(None)


def test_policies_name_their_compute_and_variable_dtypes():
    for name, (got_name, compute, variable, text) in GOLDEN["policies"].items():
        p = keras.mixed_precision.Policy(name)
        assert [p.name, p.compute_dtype, p.variable_dtype, repr(p)] == [
            got_name,
            compute,
            variable,
            text,
        ]
    assert keras.mixed_precision.Policy is keras.mixed_precision.DTypePolicy
    with pytest.raises(ValueError, match="Cannot convert 'mixed_float17'"):
        keras.mixed_precision.set_global_policy("mixed_float17")
    assert keras.mixed_precision.global_policy().name == "float32"
    keras.mixed_precision.set_global_policy("mixed_float16")
    assert keras.config.dtype_policy() == keras.mixed_precision.Policy("mixed_float16")
    layer = keras.layers.Dense(2)
    assert (layer.dtype, layer.compute_dtype, layer.variable_dtype) == (
        "float32",
        "float16",
        "float32",
    )
    assert layer.dtype_policy.name == "mixed_float16"
    assert keras.layers.Dense(2, dtype="float32").compute_dtype == "float32"


def test_a_mixed_float16_dense_layer_computes_in_float16_with_float32_weights():
    g = GOLDEN["dense"]
    keras.mixed_precision.set_global_policy("mixed_float16")
    layer = keras.layers.Dense(3)
    layer.build((None, 5))
    layer.set_weights([np.array(w, np.float32) for w in g["init"]])
    x = tf.constant(np.array(g["x"], np.float32))
    with tf.GradientTape() as tape:
        y = layer(x)
        total = tf.reduce_sum(tf.cast(y, "float32") ** 2)
    grads = tape.gradient(total, layer.trainable_weights)
    assert y.dtype.name == g["y_dtype"] == "float16"
    assert layer.kernel.dtype == tf.float32  # restored after the call
    assert [t.dtype.name for t in grads] == g["grad_dtypes"]
    np.testing.assert_allclose(y.numpy(), g["y"], rtol=2e-3, atol=2e-3)
    for got, expected in zip(grads, g["grads"]):
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-2, atol=1e-2)
    assert [layer.dtype, layer.compute_dtype, layer.variable_dtype] == g["dtypes"]


@pytest.mark.parametrize(
    "policy, key", [("mixed_float16", "fit_float16"), ("mixed_bfloat16", "fit_bfloat16")]
)
def test_fit_under_a_mixed_policy_matches_keras(policy, key):
    if policy == "mixed_bfloat16":
        pytest.importorskip("ml_dtypes")
    g = GOLDEN[key]
    keras.mixed_precision.set_global_policy(policy)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(3),
            keras.layers.Activation("softmax", dtype="float32"),
        ]
    )
    model.set_weights([np.array(w, np.float32) for w in g["init"]])
    assert [[layer.compute_dtype, layer.variable_dtype] for layer in model.layers] == g[
        "layer_dtypes"
    ]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    assert type(model.optimizer).__name__ == g["optimizer"]
    x, y = np.array(g["x"], np.float32), np.array(g["y"])
    history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    rtol = 1e-3 if policy == "mixed_float16" else 1e-2  # measured: 1.1e-4 and 8.8e-4
    np.testing.assert_allclose(history.history["loss"], g["history"]["loss"], rtol=rtol)
    for got, expected in zip(model.get_weights(), g["final"]):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
    assert model.predict(x[:2], verbose=0).dtype.name == g["predict_dtype"]
    if "dynamic_scale" in g:
        assert float(model.optimizer.dynamic_scale.numpy()) == g["dynamic_scale"]
        assert int(model.optimizer.step_counter.numpy()) == g["step_counter"]
        assert int(model.optimizer.iterations.numpy()) == g["iterations"]


def test_the_loss_scale_halves_on_non_finite_gradients_and_doubles_after_growth_steps():
    g = GOLDEN["loss_scaling"]
    v = tf.Variable(np.array([1.0, -2.0], np.float32))
    opt = keras.mixed_precision.LossScaleOptimizer(
        keras.optimizers.SGD(0.5), initial_scale=8.0, dynamic_growth_steps=2
    )
    trace = [[float(opt.scale_loss(tf.constant(1.0)))]]
    for step in g["steps"]:
        grad = np.array([float(s) for s in step], np.float32)
        opt.apply([tf.constant(grad)], [v])
        trace.append(
            [
                float(opt.dynamic_scale.numpy()),
                int(opt.step_counter.numpy()),
                int(opt.iterations.numpy()),
                *v.numpy().astype(float).tolist(),
            ]
        )
    assert trace == g["trace"]
    config = opt.get_config()
    assert config["initial_scale"] == 8.0 and config["dynamic_growth_steps"] == 2
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert isinstance(again, keras.mixed_precision.LossScaleOptimizer)
    assert isinstance(again.inner_optimizer, keras.optimizers.SGD)


def test_a_loss_scale_optimizer_inside_tf_function_skips_non_finite_steps():
    v = tf.Variable(np.array([1.0, -2.0], np.float32))
    opt = keras.mixed_precision.LossScaleOptimizer(
        keras.optimizers.SGD(0.5), initial_scale=8.0, dynamic_growth_steps=2
    )

    @tf.function
    def step(g):
        opt.apply([g], [v])

    for grad in ([8.0, 16.0], [np.inf, 1.0], [4.0, 4.0]):
        step(tf.constant(np.array(grad, np.float32)))
    assert v.numpy().tolist() == [0.0, -3.5]
    assert float(opt.dynamic_scale.numpy()) == 4.0


def test_bfloat16_is_loaded_from_ml_dtypes_only_when_used():
    pytest.importorskip("ml_dtypes")
    x = tf.cast(tf.constant([1.0, 2.5]), tf.bfloat16)
    assert x.dtype == tf.bfloat16 and tf.bfloat16.is_floating
    assert "ml_dtypes" in sys.modules
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * x)
    assert tape.gradient(y, x).numpy().astype(float).tolist() == [2.0, 5.0]


def test_a_missing_ml_dtypes_is_named(monkeypatch):
    from tapeflow.core import dtypes

    monkeypatch.setitem(sys.modules, "ml_dtypes", None)
    with pytest.raises(ImportError, match="ml_dtypes"):
        dtypes._bfloat16_numpy()
