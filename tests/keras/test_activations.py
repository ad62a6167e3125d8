"""keras.activations: values and gradients against Keras 3, get/serialize/deserialize.

The golden numbers come from tests/golden/make_keras_core.py (Keras 3 in TensorFlow 2.21).
"""

import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import activations

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "keras_core.json").read_text()
)["activations"]


@pytest.mark.parametrize("case_id", sorted(GOLDEN["cases"]))
def test_matches_keras(case_id):
    case = GOLDEN["cases"][case_id]
    x = tf.constant(np.array(GOLDEN["x"], np.float32))
    w = np.array(GOLDEN["w"], np.float32)
    fn = activations.get(case["name"])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x, **case["kwargs"])
        loss = tf.reduce_sum(y * w[..., : y.shape[-1]])
    grad = tape.gradient(loss, x)
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), case["y"], rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(grad.numpy(), case["grad"], rtol=1e-5, atol=1e-5)


def test_every_keras_activation_is_covered():
    covered = {c["name"] for c in GOLDEN["cases"].values()}
    assert {fn.__name__ for fn in activations._BY_NAME.values()} <= covered


def test_accepts_python_lists_and_float64():
    y = activations.relu([-10, -5, 0.0, 5, 10], max_value=5.0)
    np.testing.assert_array_equal(y.numpy(), [0, 0, 0, 5, 5])
    assert y.dtype == tf.float32
    x64 = np.array([-1.0, 2.0])
    assert activations.sigmoid(x64).dtype == tf.float64
    assert activations.relu(np.array([1, -2], np.int32)).dtype == tf.float32


def test_softmax_axis_none_normalises_everything(rng):
    x = rng.normal(size=(3, 4)).astype(np.float32)
    y = activations.softmax(x, axis=None).numpy()
    np.testing.assert_allclose(y, np.exp(x) / np.exp(x).sum(), rtol=1e-6)
    np.testing.assert_allclose(
        activations.log_softmax(x, axis=None).numpy(), np.log(y), rtol=1e-5, atol=1e-6
    )


def test_get():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    fn = lambda x: x * 2  # noqa: E731
    assert activations.get(fn) is fn
    with pytest.raises(ValueError, match="Unknown activation function: 'nope'"):
        activations.get("nope")
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.get(3)


def test_serialize_round_trip():
    for name in ("relu", "softmax", "gelu", "linear"):
        fn = activations.get(name)
        assert activations.serialize(fn) == name
        assert activations.deserialize(activations.serialize(fn)) is fn
    assert activations.serialize(activations.swish) == "silu"  # Keras names the function


def test_serialize_custom_function():
    def scaled(x):
        return x * 3.0

    config = activations.serialize(scaled)
    assert config["class_name"] == "function" and config["config"] == "scaled"
    assert activations.deserialize(config, custom_objects={"scaled": scaled}) is scaled
    with pytest.raises(ValueError, match="custom_objects"):
        activations.deserialize(config)
    with pytest.raises(ValueError, match="cannot be serialized"):
        activations.serialize(lambda x: x)


def test_glu_needs_an_even_axis():
    with pytest.raises(ValueError, match="divisible by 2"):
        activations.glu(np.ones((2, 3), np.float32))
