"""MultiHeadAttention: Keras 3's weight layout, numbers, masks and gradients.

The golden numbers come from tests/golden/make_keras_conv_rnn.py (Keras 3 in TF 2.21).
"""

import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import layers as L

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "keras_conv_rnn.json").read_text()
)
CASES = [c for c in GOLDEN["cases"] if c["class"] == "MultiHeadAttention"]


def _golden_layer(case):
    layer = L.MultiHeadAttention(name=case["id"], **case["kwargs"])
    inputs = [np.array(x, np.float32) for x in case["inputs"]]
    kwargs = {
        k: np.array(v, bool) if k == "attention_mask" else v
        for k, v in case["call_kwargs"].items()
    }
    layer(*inputs, **kwargs)
    layer.set_weights([np.array(w, np.float32) for w in case["weights"]])
    return layer, inputs, kwargs


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_keras(case):
    layer, inputs, kwargs = _golden_layer(case)
    assert [w.path for w in layer.weights] == case["weight_paths"]
    assert [list(w.shape) for w in layer.weights] == case["weight_shapes"]
    assert list(layer.get_config()) == case["config_keys"]
    out = layer(*inputs, **kwargs)
    outs = list(out) if isinstance(out, tuple) else [out]
    assert (type(out).__name__ if isinstance(out, tuple) else "tensor") == case["structure"]
    for o, expected in zip(outs, case["outputs"]):
        np.testing.assert_allclose(o.numpy(), expected, rtol=1e-5, atol=1e-5)
    if "grads" in case:
        xs = [tf.constant(x) for x in inputs]
        with tf.GradientTape() as tape:
            tape.watch(xs)
            out = layer(*xs, **kwargs)
            outs = list(out) if isinstance(out, tuple) else [out]
            loss = tf.add_n(
                [tf.reduce_sum(o * np.array(p, np.float32)) for o, p in zip(outs, case["probes"])]
            )
        grads = tape.gradient(loss, layer.trainable_weights + xs)
        for g, expected in zip(grads, case["grads"]):
            np.testing.assert_allclose(g.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_config_round_trip(case):
    layer = L.MultiHeadAttention(name=case["id"], **case["kwargs"])
    config = layer.get_config()
    assert L.MultiHeadAttention.from_config(config).get_config() == config


def test_explicit_build_and_defaults():
    layer = L.MultiHeadAttention(num_heads=4, key_dim=8, name="mha")
    layer.build((None, 10, 32), (None, 12, 16))
    assert layer.built and layer.get_config()["value_dim"] == 8
    assert [tuple(w.shape) for w in layer.weights] == [
        (32, 4, 8), (4, 8), (16, 4, 8), (4, 8), (16, 4, 8), (4, 8), (4, 8, 32), (32,)
    ]  # fmt: skip
    assert layer.compute_output_shape((None, 10, 32), (None, 12, 16)) == (None, 10, 32)
    # Glorot fans are the projection's input and output sizes, as in Keras 3 EinsumDense.
    limit = np.sqrt(6 / (32 + 4 * 8))
    q = layer.query_dense.kernel.numpy()
    assert np.abs(q).max() <= limit and np.abs(q).max() > 0.8 * limit


def test_mask_is_respected_and_fully_masked_rows(rng):
    layer = L.MultiHeadAttention(2, 3)
    q = rng.normal(size=(2, 3, 4)).astype(np.float32)
    v = rng.normal(size=(2, 5, 4)).astype(np.float32)
    mask = np.ones((2, 3, 5), bool)
    mask[:, :, 3:] = False
    _, scores = layer(q, v, attention_mask=mask, return_attention_scores=True)
    assert np.all(scores.numpy()[..., 3:] == 0)
    np.testing.assert_allclose(scores.numpy().sum(-1), 1.0, rtol=1e-6)
    # Masked keys do not matter: changing them leaves the output unchanged.
    v2 = v.copy()
    v2[:, 3:] += 10.0
    np.testing.assert_allclose(
        layer(q, v, attention_mask=mask).numpy(),
        layer(q, v2, attention_mask=mask).numpy(),
        atol=1e-5,
    )
    # A row with no visible key: Keras' scores path gives zeros there.
    mask[0, 1] = False
    _, scores = layer(q, v, attention_mask=mask, return_attention_scores=True)
    assert np.all(scores.numpy()[0, :, 1] == 0)


def test_causal_mask_equals_explicit_lower_triangle(rng):
    layer = L.MultiHeadAttention(2, 2)
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    tril = np.tril(np.ones((4, 4), bool))[None].repeat(2, 0)
    np.testing.assert_allclose(
        layer(x, x, use_causal_mask=True).numpy(),
        layer(x, x, attention_mask=tril).numpy(),
        atol=1e-6,
    )


def test_value_mask_and_query_mask_as_in_keras(rng):
    layer = L.MultiHeadAttention(2, 2)
    q = rng.normal(size=(2, 3, 4)).astype(np.float32)
    v = rng.normal(size=(2, 5, 4)).astype(np.float32)
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    np.testing.assert_allclose(
        layer(q, v, value_mask=value_mask).numpy(),
        layer(q, v, attention_mask=np.broadcast_to(value_mask[:, None], (2, 3, 5))).numpy(),
        atol=1e-6,
    )
    # Keras 3 ignores an explicit query_mask (it reads the query's Keras mask only).
    query_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    np.testing.assert_array_equal(layer(q, v, query_mask=query_mask).numpy(), layer(q, v).numpy())


def test_dropout_only_in_training(rng):
    layer = L.MultiHeadAttention(2, 2, dropout=0.5, seed=3)
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    a = layer(x, x).numpy()
    np.testing.assert_array_equal(layer(x, x, training=False).numpy(), a)
    assert not np.allclose(layer(x, x, training=True).numpy(), a)


def test_functional_model_self_attention(rng):
    inputs = tf.keras.Input((5, 6))
    attended = L.MultiHeadAttention(2, 3, name="att")(inputs, inputs)
    model = tf.keras.Model(inputs, attended)
    assert attended.shape.as_list() == [None, 5, 6]
    x = rng.normal(size=(3, 5, 6)).astype(np.float32)
    assert [w.path for w in model.weights][0] == "att/query/kernel"
    np.testing.assert_allclose(model(x).numpy(), model.get_layer("att")(x, x).numpy(), atol=1e-6)


def test_errors():
    layer = L.MultiHeadAttention(2, 2, name="m")
    with pytest.raises(TypeError, match="missing the `value`"):
        layer(np.zeros((1, 2, 3), np.float32))
    with pytest.raises(ValueError, match="except the last one"):
        layer(np.zeros((1, 2, 3), np.float32), np.zeros((1, 4, 3)), np.zeros((1, 5, 3)))
