"""Recurrent layers and wrappers: SimpleRNN, LSTM, GRU, RNN, Bidirectional, TimeDistributed.

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
CLASSES = {"SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed"}
CASES = [c for c in GOLDEN["cases"] if c["class"] in CLASSES]


def _make(case):
    kwargs = dict(case["kwargs"])
    if "layer" in kwargs:
        inner, inner_kwargs = kwargs["layer"]
        kwargs["layer"] = getattr(L, inner)(**inner_kwargs)
    return getattr(L, case["class"])(name=case["id"], **kwargs)


def _call_kwargs(case):
    out = {}
    for key, value in case["call_kwargs"].items():
        if key == "mask":
            out[key] = np.array(value, bool)
        elif key == "initial_state":
            out[key] = [np.array(s, np.float32) for s in value]
        else:
            out[key] = value
    return out


def _golden_layer(case):
    layer = _make(case)
    inputs = [np.array(x, np.float32) for x in case["inputs"]]
    kwargs = _call_kwargs(case)
    layer(*inputs, **kwargs)
    layer.set_weights([np.array(w, np.float32) for w in case["weights"]])
    return layer, inputs, kwargs


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_keras(case):
    layer, inputs, kwargs = _golden_layer(case)
    assert [w.name for w in layer.weights] == case["weight_names"]
    assert [w.path for w in layer.weights] == case["weight_paths"]
    assert [list(w.shape) for w in layer.weights] == case["weight_shapes"]
    assert list(layer.get_config()) == case["config_keys"]
    out = layer(*inputs, **kwargs)
    structure = type(out).__name__ if isinstance(out, (list, tuple)) else "tensor"
    assert structure == case["structure"]
    outs = _as_list(out)
    assert len(outs) == len(case["outputs"])
    for o, expected in zip(outs, case["outputs"]):
        np.testing.assert_allclose(o.numpy(), expected, rtol=1e-5, atol=1e-5)
    if "grads" in case:
        x = tf.constant(inputs[0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            outs = _as_list(layer(x, **kwargs))
            loss = tf.add_n(
                [tf.reduce_sum(o * np.array(p, np.float32)) for o, p in zip(outs, case["probes"])]
            )
        grads = tape.gradient(loss, layer.trainable_weights + [x])
        for g, expected in zip(grads, case["grads"]):
            np.testing.assert_allclose(g.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_config_round_trip(case):
    layer = _make(case)
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_output_shapes_and_compute_output_shape(rng):
    x = rng.normal(size=(3, 5, 2)).astype(np.float32)
    layer = L.LSTM(4, return_sequences=True, return_state=True)
    out, h, c = layer(x)
    assert (out.shape, h.shape, c.shape) == ((3, 5, 4), (3, 4), (3, 4))
    np.testing.assert_array_equal(out.numpy()[:, -1], h.numpy())
    assert layer.compute_output_shape((None, 5, 2)) == ((None, 5, 4), (None, 4), (None, 4))
    assert L.GRU(3).compute_output_shape((2, 7, 1)) == (2, 3)
    bi = L.Bidirectional(L.GRU(3, return_sequences=True))
    assert bi.compute_output_shape((2, 7, 1)) == (2, 7, 6)
    assert L.TimeDistributed(L.Conv1D(4, 2)).compute_output_shape((2, 3, 5, 1)) == (2, 3, 4, 4)


def test_layer_properties_mirror_the_cell():
    layer = L.GRU(5, activation="relu", reset_after=False, dropout=0.25)
    assert (layer.units, layer.reset_after, layer.dropout) == (5, False, 0.25)
    assert layer.activation is tf.keras.activations.relu and layer.cell.name == "gru_cell"
    assert L.LSTM(2).unit_forget_bias is True


def test_lstm_unit_forget_bias_initialises_the_forget_gate():
    layer = L.LSTM(3)
    layer(np.zeros((1, 2, 4), np.float32))
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    q = layer.cell.recurrent_kernel.numpy()  # orthogonal (3, 12): orthonormal rows
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-5)


def test_rnn_of_a_cell_equals_the_layer(rng):
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    layer = L.LSTM(3, return_sequences=True)
    rnn = L.RNN(L.LSTMCell(3), return_sequences=True)
    layer(x)
    rnn(x)
    rnn.set_weights(layer.get_weights())
    np.testing.assert_allclose(rnn(x).numpy(), layer(x).numpy(), atol=1e-6)
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "LSTMCell"
    assert L.RNN.from_config(config).cell.units == 3


def test_cell_call_is_one_step(rng):
    cell = L.GRUCell(2)
    x = rng.normal(size=(3, 4)).astype(np.float32)
    h0 = rng.normal(size=(3, 2)).astype(np.float32)
    out, states = cell(x, [h0])
    layer = L.RNN(cell, return_state=True)
    seq_out, h = layer(x[:, None, :], initial_state=[h0])
    np.testing.assert_allclose(out.numpy(), seq_out.numpy(), atol=1e-6)
    np.testing.assert_allclose(states[0].numpy(), h.numpy(), atol=1e-6)


class MinimalRNNCell(L.Layer):
    """The custom cell of Keras' RNN docs."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="rk")

    def call(self, inputs, states):
        output = tf.matmul(inputs, self.kernel) + tf.matmul(states[0], self.recurrent_kernel)
        return output, [output]


def test_custom_cell_runs_in_the_loop_and_trains(rng):
    layer = L.RNN(MinimalRNNCell(3), return_sequences=True)
    x = rng.normal(size=(2, 4, 2)).astype(np.float32)
    y = layer(x)
    k, rk = (w.numpy() for w in layer.weights)
    h = np.zeros((2, 3), np.float32)
    expected = []
    for t in range(4):
        h = x[:, t] @ k + h @ rk
        expected.append(h)
    np.testing.assert_allclose(y.numpy(), np.stack(expected, 1), rtol=1e-5, atol=1e-6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    assert all(g is not None for g in tape.gradient(loss, layer.trainable_weights))


def test_dropout_only_in_training_and_shared_over_time(rng):
    x = rng.normal(size=(4, 6, 3)).astype(np.float32)
    plain = L.SimpleRNN(5, return_sequences=True)
    drop = L.SimpleRNN(5, return_sequences=True, dropout=0.5, recurrent_dropout=0.5, seed=1)
    plain(x)
    drop(x)
    drop.set_weights(plain.get_weights())
    np.testing.assert_array_equal(drop(x).numpy(), plain(x).numpy())
    np.testing.assert_array_equal(drop(x, training=False).numpy(), plain(x).numpy())
    assert not np.allclose(drop(x, training=True).numpy(), plain(x).numpy())
    # One input mask per sequence: with constant inputs and no recurrence, every step
    # sees the same dropped features and gives the same output.
    still = L.SimpleRNN(4, return_sequences=True, dropout=0.5, recurrent_initializer="zeros")
    out = still(np.ones((3, 5, 6), np.float32), training=True).numpy()
    np.testing.assert_allclose(out, np.repeat(out[:, :1], 5, axis=1), atol=1e-6)
    assert not np.allclose(out, still(np.ones((3, 5, 6), np.float32)).numpy())


def test_mask_keeps_the_state_over_masked_steps(rng):
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    mask = np.array([[True, True, True, False, False], [True] * 5])
    layer = L.GRU(4, return_sequences=True, return_state=True)
    seq, h = layer(x, mask=mask)
    short, h_short = layer(x[:1, :3])
    np.testing.assert_allclose(h.numpy()[0], h_short.numpy()[0], atol=1e-6)
    np.testing.assert_allclose(seq.numpy()[0, 3], seq.numpy()[0, 2], atol=1e-6)


def test_stateful_layer_carries_states_between_calls(rng):
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    whole = L.LSTM(3)
    parts = L.LSTM(3, stateful=True)
    whole(x)
    parts(x[:, :3])
    parts.set_weights(whole.get_weights())
    parts.reset_states()
    parts(x[:, :3])
    np.testing.assert_allclose(parts(x[:, 3:]).numpy(), whole(x).numpy(), atol=1e-6)
    parts.reset_state()
    np.testing.assert_allclose(parts(x[:, :3]).numpy(), L.RNN(parts.cell)(x[:, :3]).numpy())


def test_go_backwards_equals_reversed_input(rng):
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    forward = L.LSTM(3, return_sequences=True)
    backward = L.LSTM(3, return_sequences=True, go_backwards=True)
    forward(x)
    backward(x)
    backward.set_weights(forward.get_weights())
    np.testing.assert_allclose(backward(x).numpy(), forward(x[:, ::-1]).numpy(), atol=1e-6)


def test_bidirectional_copies_the_layer_and_splits_initial_states(rng):
    inner = L.LSTM(2, return_state=True, name="enc")
    bi = L.Bidirectional(inner)
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    states = [rng.normal(size=(2, 2)).astype(np.float32) for _ in range(4)]
    out, hf, cf, hb, cb = bi(x, initial_state=states)
    assert out.shape == (2, 4) and not inner.built
    assert bi.forward_layer.name == "forward_enc" and bi.backward_layer.go_backwards
    _, hf2, _ = bi.forward_layer(x, initial_state=states[:2])
    np.testing.assert_allclose(hf.numpy(), hf2.numpy(), atol=1e-6)
    np.testing.assert_allclose(out.numpy(), np.concatenate([hf.numpy(), hb.numpy()], -1))
    with pytest.raises(ValueError, match="Invalid merge mode"):
        L.Bidirectional(L.GRU(2), merge_mode="max")


def test_bidirectional_weights_argument():
    first = L.Bidirectional(L.SimpleRNN(2))
    first(np.zeros((1, 3, 2), np.float32))
    second = L.Bidirectional(L.SimpleRNN(2), weights=first.get_weights())
    second(np.zeros((1, 3, 2), np.float32))
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_time_distributed_folds_time_into_batch(rng):
    conv = L.Conv1D(3, 2, name="c")
    td = L.TimeDistributed(conv, name="td")
    x = rng.normal(size=(2, 4, 5, 2)).astype(np.float32)
    y = td(x)
    assert y.shape == (2, 4, 4, 3)
    assert [w.path for w in td.weights] == ["td/c/kernel", "td/c/bias"]
    np.testing.assert_allclose(y.numpy()[:, 2], conv(x[:, 2]).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="rank >= 3"):
        L.TimeDistributed(L.Flatten())(np.zeros((2, 3), np.float32))


def test_recurrent_layers_in_a_functional_model(rng):
    inputs = tf.keras.Input((None, 3))
    seq = L.Bidirectional(L.GRU(4, return_sequences=True))(inputs)
    out, h, c = L.LSTM(2, return_state=True)(seq)
    assert seq.shape.as_list()[0] is None and seq.shape.as_list()[-1] == 8
    assert out.shape.as_list() == [None, 2] and c.shape.as_list() == [None, 2]
    model = tf.keras.Model(inputs, [out, h])
    y, hy = model(rng.normal(size=(2, 5, 3)).astype(np.float32))
    assert y.shape == (2, 2)
    np.testing.assert_array_equal(y.numpy(), hy.numpy())


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"layer 'rnn_in' .* expected ndim=3, found ndim=2"):
        L.LSTM(2, name="rnn_in")(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="expected 2 initial states"):
        L.LSTM(2)(np.zeros((1, 2, 3), np.float32), initial_state=[np.zeros((1, 2), np.float32)])
    with pytest.raises(ValueError, match="positive integer"):
        L.GRU(0)
