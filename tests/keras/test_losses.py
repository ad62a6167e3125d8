"""Keras losses: Keras 3's numbers (values, reductions, sample weights, gradients), config and
lookup. Golden numbers from tests/golden/make_losses_metrics.py (Keras 3 in TensorFlow 2.21).
"""

import json
import pathlib
import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import backend
from tapeflow.keras import losses as L

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "losses_metrics.json").read_text()
)
CASES = {c["id"]: c for c in GOLDEN["losses"]}
# Keras 3 drops these arguments from the config (a bug: a reloaded loss forgets them).
KEPT_BEYOND_KERAS = {"Huber": {"delta": 1.0}, "CosineSimilarity": {"axis": -1}}


def dec(x):
    return None if x is None else np.array(x["value"], dtype=x["dtype"])


def close(actual, expected, rtol=2e-6, atol=2e-6):
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        yield


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_loss_matches_keras(case_id):
    case = CASES[case_id]
    loss = getattr(L, case["class"])(**case["config"])
    y_pred = tf.constant(dec(case["y_pred"]))
    with tf.GradientTape() as tape:
        tape.watch(y_pred)
        out = loss(
            tf.constant(dec(case["y_true"])), y_pred, sample_weight=dec(case["sample_weight"])
        )
    expected = dec(case["expected"])
    assert out.dtype == expected.dtype
    close(out, expected)
    if "grad" in case:
        close(tape.gradient(out, y_pred), dec(case["grad"]))


@pytest.mark.parametrize("table", GOLDEN["loss_reductions"], ids=lambda t: t["class"])
def test_reductions_and_sample_weights_match_keras(table):
    y_true, y_pred, sw = (dec(table[k]) for k in ("y_true", "y_pred", "sample_weight"))
    for reduction, (plain, weighted) in table["expected"].items():
        loss = getattr(L, table["class"])(reduction=reduction)
        close(loss(y_true, y_pred), dec(plain))
        close(loss(y_true, y_pred, sample_weight=sw), dec(weighted))


@pytest.mark.parametrize("case", GOLDEN["loss_functions"], ids=lambda c: c["fn"])
def test_loss_functions_match_keras(case):
    fn = getattr(L, case["fn"])
    out = fn(tf.constant(dec(case["y_true"])), tf.constant(dec(case["y_pred"])), **case["kwargs"])
    close(out, dec(case["expected"]))


def test_loss_functions_take_numpy_and_lists():
    y_true, y_pred = [[0.0, 1.0], [1.0, 1.0]], [[0.5, 0.5], [0.0, 2.0]]
    np.testing.assert_allclose(L.mse(y_true, y_pred), [0.25, 1.0])
    np.testing.assert_allclose(L.mae(np.array(y_true), np.array(y_pred)), [0.5, 1.0])
    assert L.MSE is L.mean_squared_error and L.kld is L.kl_divergence and L.logcosh is L.log_cosh


@pytest.mark.parametrize("name", sorted(GOLDEN["loss_configs"]))
def test_config_and_serialization_match_keras(name):
    backend.clear_session()
    expected = GOLDEN["loss_configs"][name]
    expected["config"].update(KEPT_BEYOND_KERAS.get(name, {}))
    loss = getattr(L, name)()
    assert L.serialize(loss) == expected
    again = L.deserialize(L.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == loss.get_config()


def test_config_round_trip_keeps_arguments():
    loss = L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum", name="b")
    again = L.BinaryCrossentropy.from_config(loss.get_config())
    assert again.get_config() == {
        "name": "b",
        "reduction": "sum",
        "from_logits": True,
        "label_smoothing": 0.1,
        "axis": -1,
    }
    assert L.get({"class_name": "Huber", "config": {"delta": 3.0}}).get_config()["delta"] == 3.0


def test_get():
    assert L.get("mse") is L.mean_squared_error
    assert L.get("categorical_crossentropy") is L.categorical_crossentropy
    assert isinstance(L.get("CategoricalCrossentropy"), L.CategoricalCrossentropy)
    assert isinstance(L.get(L.Huber), L.Huber)
    loss = L.Poisson()
    assert L.get(loss) is loss and L.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret loss identifier: nope"):
        L.get("nope")
    assert L.deserialize("mse") is L.mean_squared_error
    assert L.deserialize(L.serialize(L.mse)) is L.mean_squared_error


def test_custom_objects_round_trip():
    class MyLoss(L.Loss):
        def call(self, y_true, y_pred):
            return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1) * 2.0

    loss = MyLoss(name="mine")
    config = L.serialize(loss)
    assert config["class_name"] == "MyLoss" and config["registered_name"] == "MyLoss"
    again = L.deserialize(config, custom_objects={"MyLoss": MyLoss})
    assert isinstance(again, MyLoss) and again.name == "mine"
    np.testing.assert_allclose(again([[1.0, 2.0]], [[0.0, 0.0]]), 3.0)
    with pytest.raises(ValueError, match="MyLoss"):
        L.deserialize(config)


def test_wrapper_config_serializes_the_function():
    loss = L.LossFunctionWrapper(L.huber, name="h", delta=0.5)
    config = loss.get_config()
    assert config["fn"]["config"] == "huber" and config["delta"] == 0.5
    again = L.LossFunctionWrapper.from_config(config)
    assert again.fn is L.huber and again._fn_kwargs == {"delta": 0.5}


def test_reduction_names():
    assert L.Reduction.SUM_OVER_BATCH_SIZE == "sum_over_batch_size"
    assert L.MeanSquaredError(reduction=L.Reduction.SUM).reduction == "sum"
    assert L.MeanSquaredError(reduction=L.Reduction.AUTO).reduction == "sum_over_batch_size"
    assert L.MeanSquaredError(reduction=None).reduction is None
    with pytest.raises(ValueError, match="reduction=bad"):
        L.MeanSquaredError(reduction="bad")


def test_names_and_dtypes():
    backend.clear_session()

    class Custom(L.Loss):
        def call(self, y_true, y_pred):
            return y_pred

    assert Custom().name == "custom" and Custom().name == "custom_1"
    assert L.MeanSquaredError().name == "mean_squared_error"
    assert L.MeanSquaredError(dtype="float64").dtype == "float64"
    assert L.MeanSquaredError(dtype=tf.float64).dtype == "float64"
    out = L.MeanSquaredError()(np.ones((2, 2)), np.zeros((2, 2)))
    assert out.dtype == tf.float32  # float64 inputs are cast to the loss dtype, as in Keras


def test_gradient_flows_through_float64_inputs_cast_to_float32():
    y_pred = tf.Variable(np.array([[0.2, 0.8]]))
    with tf.GradientTape() as tape:
        loss = L.MeanSquaredError()(np.array([[0.0, 1.0]]), y_pred)
    grad = tape.gradient(loss, y_pred)
    assert grad.dtype == tf.float64
    np.testing.assert_allclose(grad.numpy(), [[0.2, -0.2]], rtol=1e-6)


def test_keras_logits_are_used_instead_of_probabilities():
    # Keras' sigmoid/softmax activations leave their logits on the output; the crossentropies
    # then use them (no clipping), exactly as with from_logits=True.
    class LogitsTensor(tf.Tensor):
        __slots__ = ("_keras_logits",)

    logits = tf.constant([[20.0, -20.0]])
    probs = LogitsTensor(tf.sigmoid(logits)._value)
    probs._keras_logits = logits
    y_true = np.array([[0.0, 1.0]], np.float32)
    np.testing.assert_allclose(L.binary_crossentropy(y_true, probs), [20.0], rtol=1e-6)
    np.testing.assert_allclose(L.binary_crossentropy(y_true, tf.sigmoid(logits)), [16.03024])
    with pytest.warns(UserWarning, match="from_logits=True"):
        L.binary_crossentropy(y_true, probs, from_logits=True)
    soft = LogitsTensor(tf.nn.softmax(logits)._value)
    soft._keras_logits = logits
    np.testing.assert_allclose(L.categorical_crossentropy(y_true, soft), [40.0], rtol=1e-6)
    np.testing.assert_allclose(L.sparse_categorical_crossentropy([1], soft), [40.0], rtol=1e-6)


def test_masked_entries_are_left_out_of_the_mean():
    class MaskedTensor(tf.Tensor):
        __slots__ = ("_keras_mask",)

    y_pred = MaskedTensor(tf.constant([[1.0], [2.0], [3.0], [4.0]])._value)  # a backend array
    y_pred._keras_mask = np.array([True, True, False, True])
    y_true = np.zeros((4, 1), np.float32)
    # Per-sample losses 1, 4, 9, 16; the mean over the three kept ones is 7.
    np.testing.assert_allclose(L.MeanSquaredError()(y_true, y_pred), 7.0, rtol=1e-6)
    np.testing.assert_allclose(L.MeanSquaredError(reduction="sum")(y_true, y_pred), 21.0)


def test_shape_errors_name_the_loss_and_the_shapes():
    with pytest.raises(ValueError, match=r"mean_squared_error.*\(4, 3\).*\(4, 2\)"):
        L.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"binary_crossentropy.*\(4,\).*\(4, 3\)"):
        L.BinaryCrossentropy()(np.zeros(4), np.full((4, 3), 0.5))
    with pytest.raises(ValueError, match=r"categorical_crossentropy.*\(4, 2\).*\(4, 3\)"):
        L.CategoricalCrossentropy()(np.zeros((4, 2)), np.full((4, 3), 0.5))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy.*\(5,\).*\(4, 3\)"):
        L.SparseCategoricalCrossentropy()(np.zeros(5), np.full((4, 3), 0.5))
    with pytest.raises(ValueError, match="axis"):
        L.categorical_crossentropy(np.zeros((2, 2)), np.ones((2, 2)), axis=True)


def test_out_of_range_sparse_label_is_an_error():
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range"):
        L.SparseCategoricalCrossentropy()([3], [[0.5, 0.5]])
