"""Keras metrics: Keras 3's numbers over several weighted updates (accuracy, AUC, precision and
recall, regression and reduction metrics), the state protocol, config and lookup. Golden
numbers from tests/golden/make_losses_metrics.py (Keras 3 in TensorFlow 2.21).
"""

import json
import pathlib
import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import backend
from tapeflow.keras import losses as L
from tapeflow.keras import metrics as M

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "losses_metrics.json").read_text()
)
CASES = {c["id"]: c for c in GOLDEN["metrics"]}
# Keras 3 drops this argument from the config (a reloaded metric forgets it).
KEPT_BEYOND_KERAS = {"CosineSimilarity": {"axis": -1}}


def dec(x):
    return None if x is None else np.array(x["value"], dtype=x["dtype"])


def close(actual, expected, rtol=2e-6, atol=2e-6):
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def _make(case):
    if case["fn"] is not None:
        return M.MeanMetricWrapper(getattr(L, case["fn"]), **case["config"])
    return getattr(M, case["class"])(**case["config"])


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_metric_matches_keras(case_id):
    case = CASES[case_id]
    metric = _make(case)
    updates = [[dec(a) for a in upd] for upd in case["updates"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        for (*args, sw), expected in zip(updates, case["results"]):
            metric.update_state(*[tf.constant(a) for a in args], sample_weight=sw)
            result = metric.result()
            assert isinstance(result, tf.Tensor) and result.dtype == tf.float32
            close(result, dec(expected))
        metric.reset_state()
        *args, sw = updates[-1]
        metric.update_state(*[tf.constant(a) for a in args], sample_weight=sw)
    close(metric.result(), dec(case["after_reset"]))
    got = [
        [v.name, v.path.split("/", 1)[1], list(v.shape), v.dtype.name] for v in metric.variables
    ]
    assert got == [[n, p.split("/", 1)[1], s, d] for n, p, s, d in case["variables"]]


@pytest.mark.parametrize("case", GOLDEN["metric_functions"], ids=lambda c: c["fn"])
def test_metric_functions_match_keras(case):
    out = getattr(M, case["fn"])(dec(case["y_true"]), dec(case["y_pred"]), **case["kwargs"])
    assert isinstance(out, tf.Tensor)
    close(out, dec(case["expected"]))


@pytest.mark.parametrize("name", sorted(GOLDEN["metric_configs"]))
def test_config_and_serialization_match_keras(name):
    backend.clear_session()
    metric = getattr(M, name)()
    expected = GOLDEN["metric_configs"][name]
    expected["config"].update(KEPT_BEYOND_KERAS.get(name, {}))
    assert M.serialize(metric) == expected
    again = M.deserialize(M.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == metric.get_config()


def test_state_protocol():
    m = M.Mean(name="avg")
    assert [v.path for v in m.variables] == ["avg/total", "avg/count"]
    assert all(not v.trainable for v in m.variables)
    np.testing.assert_allclose(m([1.0, 2.0, 3.0]), 2.0)
    np.testing.assert_allclose(m([10.0], sample_weight=[2.0]), 26.0 / 5.0, rtol=1e-6)
    result = m.result()
    m.update_state([100.0])
    np.testing.assert_allclose(result, 26.0 / 5.0, rtol=1e-6)  # results never change later
    m.reset_states()  # Keras 2 spelling
    assert float(m.result()) == 0.0 and [float(v) for v in m.variables] == [0.0, 0.0]


@pytest.mark.parametrize("metric", [M.SparseCategoricalAccuracy, M.SparseCategoricalCrossentropy])
def test_updates_inside_a_tape_record_nothing(metric):
    m = metric()
    logits = tf.Variable(np.eye(3, dtype=np.float32) * 0.9)
    with tf.GradientTape() as tape:
        y = logits * 1.0
        entries = len(tape._entries)
        m.update_state([0, 1, 1], y)
        assert len(tape._entries) == entries
    assert tape.gradient(y, logits) is not None
    # Crossentropy: the last row puts 0 (clipped to 1e-7) on its label 1.
    xent = np.log((0.9 + 2e-7) / 1e-7) / 3
    expected = 2 / 3 if metric is M.SparseCategoricalAccuracy else xent
    assert float(m.result()) == pytest.approx(expected, rel=1e-5)


def test_custom_metric_with_add_weight():
    class Count(M.Metric):
        def __init__(self, name="count", **kwargs):
            super().__init__(name=name, **kwargs)
            self.n = self.add_weight(name="n", initializer="zeros")

        def update_state(self, values, sample_weight=None):
            self.n.assign_add(tf.cast(tf.size(values), self.dtype))

        def result(self):
            return tf.identity(self.n)

    c = Count()
    c.update_state(np.zeros((2, 3)))
    assert float(c.result()) == 6.0 and c.variables[0].path == "count/n"
    c.reset_state()
    assert float(c.result()) == 0.0

    class Broken(M.Metric):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match="super"):
        Broken().add_variable((), "zeros")


def test_sub_metrics_are_tracked():
    class Pair(M.Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.a = M.Mean(name="a")
            self.b = M.Sum(name="b")

    assert [v.path for v in Pair().variables] == ["a/total", "a/count", "b/total"]


def test_get():
    backend.clear_session()
    assert isinstance(M.get("accuracy"), M.Accuracy)
    assert isinstance(M.get("mse"), M.MeanSquaredError)
    assert isinstance(M.get("binary_accuracy"), M.BinaryAccuracy)
    assert isinstance(M.get("AUC"), M.AUC)
    assert M.get(M.binary_accuracy) is M.binary_accuracy
    auc = M.AUC()
    assert M.get(auc) is auc and M.get(None) is None
    assert M.get({"class_name": "Precision", "config": {"top_k": 2}}).top_k == 2
    with pytest.raises(ValueError, match="Could not interpret metric identifier: nope"):
        M.get("nope")


def test_config_round_trips():
    auc = M.AUC(thresholds=[0.2, 0.7], curve="PR", label_weights=[1.0, 2.0], name="a")
    again = M.AUC.from_config(auc.get_config())
    assert again.thresholds == auc.thresholds and again.curve == M.auc.AUCCurve.PR
    assert again.get_config() == auc.get_config()
    wrapper = M.MeanMetricWrapper(M.binary_accuracy, name="acc", threshold=0.3)
    config = wrapper.get_config()
    assert config["fn"]["config"] == "binary_accuracy" and config["threshold"] == 0.3
    again = M.MeanMetricWrapper.from_config(config)
    assert again._fn is M.binary_accuracy and again._fn_kwargs == {"threshold": 0.3}


def test_metric_names_are_made_unique():
    backend.clear_session()
    assert [M.AUC().name, M.AUC().name, M.Precision().name] == ["auc", "auc_1", "precision"]


def test_precision_recall_errors():
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        M.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="class_id"):
        M.Recall(class_id=1).update_state([1, 0], [0.3, 0.9])
    with pytest.raises(ValueError, match="num_labels"):
        M.AUC(num_labels=3)
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        M.AUC(curve="XY")


def test_shape_errors_name_the_metric_and_the_shapes():
    with pytest.raises(ValueError, match=r"mean_squared_error.*\(4, 3\).*\(4, 2\)"):
        M.MeanSquaredError().update_state(np.zeros((4, 3)), np.zeros((4, 2)))


def test_tutorial_custom_loop_pattern(rng):
    # The TensorFlow quickstart's metrics: positional name, a tf dtype, formatted results.
    train_loss = tf.keras.metrics.Mean("train_loss", dtype=tf.float32)
    train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy("train_accuracy")
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    labels = rng.integers(0, 10, 32).astype(np.uint8)
    logits = tf.constant(rng.normal(size=(32, 10)).astype(np.float32))
    loss = loss_object(labels, logits)
    train_loss(loss)
    train_accuracy(labels, logits)
    expected_loss = np.mean(
        np.log(np.exp(logits.numpy()).sum(-1)) - logits.numpy()[np.arange(32), labels]
    )
    assert f"{train_loss.result():.4f}" == f"{expected_loss:.4f}"
    accuracy = np.mean(logits.numpy().argmax(-1) == labels)
    np.testing.assert_allclose(train_accuracy.result() * 100, accuracy * 100, rtol=1e-6)
    assert train_loss.name == "train_loss" and train_accuracy.name == "train_accuracy"


def test_float64_metric():
    m = M.Mean(dtype="float64")
    m.update_state(np.array([1.0, 2.0], np.float32))
    assert m.result().dtype == tf.float64 and m.variables[0].dtype == tf.float64
