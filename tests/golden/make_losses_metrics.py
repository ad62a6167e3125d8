"""Golden numbers for tests/keras/test_losses.py and test_metrics.py, from Keras 3 (tf.keras).

Run with the TensorFlow reference venv:
`/work/tfref/bin/python tests/golden/make_losses_metrics.py`.
Inputs are drawn here from a seeded generator and stored with the results, so the tests feed
tapeflow exactly what Keras saw. Arrays are stored as {"value": nested list, "dtype": name}.
"""

import json
import os
import pathlib
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).with_name("losses_metrics.json")
rng = np.random.default_rng(2024)
warnings.simplefilter("ignore")


def enc(x):
    if x is None:
        return None
    a = np.asarray(x)
    return {"value": a.tolist(), "dtype": a.dtype.name}


def probs(*shape):
    return rng.uniform(0.02, 0.98, shape).astype("float32")


def softmax_probs(n, c):
    z = rng.normal(size=(n, c)).astype("float32") * 2
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype("float32")


def normal(*shape):
    return rng.normal(size=shape).astype("float32")


def bits(*shape):
    return rng.integers(0, 2, shape).astype("float32")


def one_hot(n, c):
    return np.eye(c, dtype="float32")[rng.integers(0, c, n)]


def labels(n, c, dtype="int32"):
    return rng.integers(0, c, n).astype(dtype)


def weights(*shape):
    return rng.uniform(0.0, 2.0, shape).astype("float32")


# ---- losses ------------------------------------------------------------------------------------

N, C = 6, 4
# Inputs per family: (y_true, y_pred).
FAMILY = {
    "binary": lambda: (bits(N, C), probs(N, C)),
    "categorical": lambda: (one_hot(N, C), softmax_probs(N, C)),
    "regression": lambda: (normal(N, C), normal(N, C)),
    "positive": lambda: (rng.uniform(0, 3, (N, C)).astype("float32"), probs(N, C) * 3),
    "distribution": lambda: (softmax_probs(N, C), softmax_probs(N, C)),
    "hinge": lambda: (bits(N, C) * 2 - 1, normal(N, C)),
    "hinge01": lambda: (bits(N, C), normal(N, C)),
    "logits": lambda: (bits(N, C), normal(N, C) * 3),
    "cat_logits": lambda: (one_hot(N, C), normal(N, C) * 3),
    "sparse": lambda: (labels(N, C), softmax_probs(N, C)),
    "sparse_logits": lambda: (labels(N, C), normal(N, C) * 3),
}
CLASS_FAMILY = {
    "BinaryCrossentropy": "binary",
    "BinaryFocalCrossentropy": "binary",
    "CategoricalCrossentropy": "categorical",
    "CategoricalFocalCrossentropy": "categorical",
    "SparseCategoricalCrossentropy": "sparse",
    "MeanSquaredError": "regression",
    "MeanAbsoluteError": "regression",
    "MeanAbsolutePercentageError": "regression",
    "MeanSquaredLogarithmicError": "positive",
    "Huber": "regression",
    "LogCosh": "regression",
    "KLDivergence": "distribution",
    "Hinge": "hinge",
    "SquaredHinge": "hinge",
    "CategoricalHinge": "categorical",
    "Poisson": "positive",
    "CosineSimilarity": "regression",
}


def loss_case(cid, cls, config, y_true, y_pred, sample_weight=None, grad=False):
    loss = getattr(keras.losses, cls)(**config)
    yp = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(yp)
        out = loss(tf.constant(y_true), yp, sample_weight=sample_weight)
    case = {
        "id": cid,
        "class": cls,
        "config": config,
        "y_true": enc(y_true),
        "y_pred": enc(y_pred),
        "sample_weight": enc(sample_weight),
        "expected": enc(out.numpy()),
    }
    if grad:
        case["grad"] = enc(tape.gradient(out, yp).numpy())
    return case


def reduction_table(cls, y_true, y_pred, sw):
    """One class on one input, under every reduction, with and without sample weights."""
    table = {}
    for red in ("sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight"):
        loss = getattr(keras.losses, cls)(reduction=red)
        table[red] = [
            enc(loss(y_true, y_pred).numpy()),
            enc(loss(y_true, y_pred, sample_weight=sw).numpy()),
        ]
    return {
        "class": cls,
        "y_true": enc(y_true),
        "y_pred": enc(y_pred),
        "sample_weight": enc(sw),
        "expected": table,
    }


def build_reductions():
    out = []
    for cls, family in CLASS_FAMILY.items():
        y_true, y_pred = FAMILY[family]()
        out.append(reduction_table(cls, y_true, y_pred, weights(N)))
    return out


def build_losses():
    cases = []
    for cls, family in CLASS_FAMILY.items():
        y_true, y_pred = FAMILY[family]()
        cases.append(loss_case(f"{cls}", cls, {}, y_true, y_pred, grad=True))
        cases.append(loss_case(f"{cls}_sw", cls, {}, y_true, y_pred, weights(N), grad=True))
    # from_logits, label smoothing, extra options
    yt, logits = FAMILY["logits"]()
    cases.append(
        loss_case("bce_logits", "BinaryCrossentropy", {"from_logits": True}, yt, logits, grad=True)
    )
    cases.append(
        loss_case(
            "bce_logits_smooth",
            "BinaryCrossentropy",
            {"from_logits": True, "label_smoothing": 0.1},
            yt,
            logits,
            grad=True,
        )
    )
    yt, yp = FAMILY["binary"]()
    cases.append(loss_case("bce_smooth", "BinaryCrossentropy", {"label_smoothing": 0.2}, yt, yp))
    cases.append(loss_case("bce_axis0", "BinaryCrossentropy", {"axis": 0}, yt, yp))
    # clipping at exactly 0 and 1
    yt_c = np.array([[0, 1, 1, 0], [1, 0, 1, 0]], "float32")
    yp_c = np.array([[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.5, 1e-9]], "float32")
    cases.append(loss_case("bce_clip", "BinaryCrossentropy", {}, yt_c, yp_c, grad=True))
    cases.append(loss_case("cce_clip", "CategoricalCrossentropy", {}, yt_c, yp_c, grad=True))
    cases.append(loss_case("kld_clip", "KLDivergence", {}, yt_c, yp_c, grad=True))
    cases.append(
        loss_case(
            "sparse_clip", "SparseCategoricalCrossentropy", {}, np.array([1, 2]), yp_c, grad=True
        )
    )
    yt, logits = FAMILY["cat_logits"]()
    cases.append(
        loss_case(
            "cce_logits", "CategoricalCrossentropy", {"from_logits": True}, yt, logits, grad=True
        )
    )
    cases.append(
        loss_case(
            "cce_logits_smooth",
            "CategoricalCrossentropy",
            {"from_logits": True, "label_smoothing": 0.1},
            yt,
            logits,
            grad=True,
        )
    )
    yt, yp = FAMILY["categorical"]()
    cases.append(
        loss_case("cce_smooth", "CategoricalCrossentropy", {"label_smoothing": 0.3}, yt, yp)
    )
    unnormalised = yp * rng.uniform(0.5, 2.0, (N, 1)).astype("float32")
    cases.append(loss_case("cce_unnormalised", "CategoricalCrossentropy", {}, yt, unnormalised))
    yt3 = np.transpose(np.eye(3, dtype="float32")[rng.integers(0, 3, (2, 5))], (0, 2, 1))
    yp3 = np.transpose(softmax_probs(10, 3).reshape(2, 5, 3), (0, 2, 1)).copy()
    cases.append(loss_case("cce_axis1", "CategoricalCrossentropy", {"axis": 1}, yt3, yp3))
    cases.append(
        loss_case(
            "cce_focal_logits",
            "CategoricalFocalCrossentropy",
            {"from_logits": True, "gamma": 1.5, "alpha": 0.5},
            yt,
            logits,
            grad=True,
        )
    )
    yt, logits = FAMILY["logits"]()
    cases.append(
        loss_case(
            "bfce_logits_balanced",
            "BinaryFocalCrossentropy",
            {"from_logits": True, "apply_class_balancing": True, "gamma": 3.0},
            yt,
            logits,
            grad=True,
        )
    )
    yt, logits = FAMILY["sparse_logits"]()
    cases.append(
        loss_case(
            "scce_logits",
            "SparseCategoricalCrossentropy",
            {"from_logits": True},
            yt,
            logits,
            grad=True,
        )
    )
    cases.append(
        loss_case(
            "scce_labels_n1",
            "SparseCategoricalCrossentropy",
            {"from_logits": True},
            yt[:, None],
            logits,
        )
    )
    cases.append(
        loss_case(
            "scce_float_labels",
            "SparseCategoricalCrossentropy",
            {"from_logits": True},
            yt.astype("float32"),
            logits,
        )
    )
    cases.append(
        loss_case(
            "scce_ignore",
            "SparseCategoricalCrossentropy",
            {"from_logits": True, "ignore_class": 1},
            yt,
            logits,
            grad=True,
        )
    )
    cases.append(
        loss_case(
            "scce_ignore_sw",
            "SparseCategoricalCrossentropy",
            {"from_logits": True, "ignore_class": 1},
            yt,
            logits,
            weights(N),
        )
    )
    cases.append(
        loss_case(
            "scce_ignore_sum",
            "SparseCategoricalCrossentropy",
            {"from_logits": True, "ignore_class": 1, "reduction": "sum"},
            yt,
            logits,
        )
    )
    cases.append(
        loss_case(
            "scce_ignore_none",
            "SparseCategoricalCrossentropy",
            {"from_logits": True, "ignore_class": 1, "reduction": "none"},
            yt,
            logits,
        )
    )
    seq_labels = rng.integers(0, C, (3, 5)).astype("int32")
    seq_logits = normal(3, 5, C)
    cases.append(
        loss_case(
            "scce_sequence_sw",
            "SparseCategoricalCrossentropy",
            {"from_logits": True},
            seq_labels,
            seq_logits,
            weights(3, 5),
        )
    )
    # shape variants: (N,) against (N, 1), int labels, weights of shape (N, 1) and scalars
    y1 = normal(N)
    p1 = normal(N, 1)
    cases.append(loss_case("mse_n_vs_n1", "MeanSquaredError", {}, y1, p1, grad=True))
    cases.append(loss_case("mse_n1_vs_n", "MeanSquaredError", {}, p1, y1, grad=True))
    cases.append(loss_case("mse_sw_n1", "MeanSquaredError", {}, y1, p1, weights(N, 1)))
    cases.append(loss_case("mse_sw_scalar", "MeanSquaredError", {}, y1, p1, np.float32(0.5)))
    cases.append(
        loss_case(
            "mse_3d_sw2d", "MeanSquaredError", {}, normal(2, 3, 4), normal(2, 3, 4), weights(2, 3)
        )
    )
    cases.append(
        loss_case(
            "mse_3d_sw_n11",
            "MeanSquaredError",
            {},
            normal(2, 3, 4),
            normal(2, 3, 4),
            weights(2, 1),
        )
    )
    cases.append(loss_case("mse_rank1", "MeanSquaredError", {}, normal(5), normal(5)))
    cases.append(
        loss_case(
            "bce_int_labels_n",
            "BinaryCrossentropy",
            {},
            rng.integers(0, 2, N).astype("int32"),
            probs(N, 1),
            grad=True,
        )
    )
    cases.append(loss_case("bce_rank1", "BinaryCrossentropy", {}, bits(N), probs(N), weights(N)))
    cases.append(loss_case("huber_delta", "Huber", {"delta": 0.3}, normal(N, C), normal(N, C)))
    cases.append(
        loss_case("cosine_axis0", "CosineSimilarity", {"axis": 0}, normal(N, C), normal(N, C))
    )
    zero_rows = normal(N, C)
    zero_rows[0] = 0
    cases.append(
        loss_case("cosine_zero", "CosineSimilarity", {}, zero_rows, normal(N, C), grad=True)
    )
    yt, yp = FAMILY["hinge01"]()
    cases.append(loss_case("hinge_01", "Hinge", {}, yt, yp, grad=True))
    cases.append(loss_case("squared_hinge_01", "SquaredHinge", {}, yt, yp))
    cases.append(
        loss_case(
            "mse_float64",
            "MeanSquaredError",
            {"dtype": "float64"},
            normal(N, C).astype("float64"),
            normal(N, C).astype("float64"),
        )
    )
    cases.append(
        loss_case(
            "mse_float64_in_float32",
            "MeanSquaredError",
            {},
            normal(N, C).astype("float64"),
            normal(N, C).astype("float64"),
        )
    )
    return cases


FUNCTIONS = {
    "binary_crossentropy": ("binary", {}),
    "categorical_crossentropy": ("categorical", {}),
    "sparse_categorical_crossentropy": ("sparse", {}),
    "mean_squared_error": ("regression", {}),
    "mean_absolute_error": ("regression", {}),
    "mean_absolute_percentage_error": ("regression", {}),
    "mean_squared_logarithmic_error": ("positive", {}),
    "huber": ("regression", {"delta": 0.5}),
    "log_cosh": ("regression", {}),
    "kl_divergence": ("distribution", {}),
    "hinge": ("hinge", {}),
    "squared_hinge": ("hinge", {}),
    "categorical_hinge": ("categorical", {}),
    "poisson": ("positive", {}),
    "cosine_similarity": ("regression", {"axis": -1}),
    "binary_focal_crossentropy": ("binary", {"gamma": 1.0}),
    "categorical_focal_crossentropy": ("categorical", {}),
}


def build_functions():
    cases = []
    for fn, (family, kwargs) in FUNCTIONS.items():
        y_true, y_pred = FAMILY[family]()
        out = getattr(keras.losses, fn)(tf.constant(y_true), tf.constant(y_pred), **kwargs)
        cases.append(
            {
                "fn": fn,
                "kwargs": kwargs,
                "y_true": enc(y_true),
                "y_pred": enc(y_pred),
                "expected": enc(np.asarray(out)),
            }
        )
    yt, logits = FAMILY["logits"]()
    out = keras.losses.binary_crossentropy(yt, logits, from_logits=True, label_smoothing=0.1)
    cases.append(
        {
            "fn": "binary_crossentropy",
            "kwargs": {"from_logits": True, "label_smoothing": 0.1},
            "y_true": enc(yt),
            "y_pred": enc(logits),
            "expected": enc(np.asarray(out)),
        }
    )
    return cases


def build_loss_configs():
    keras.backend.clear_session()
    out = {}
    for cls in list(CLASS_FAMILY) + ["Loss"]:
        obj = getattr(keras.losses, cls)()
        out[cls] = keras.losses.serialize(obj)
    return out


# ---- metrics -----------------------------------------------------------------------------------


def metric_case(cid, cls, config, updates, fn=None):
    """updates: list of (y_true, y_pred, sample_weight) (or (values, sample_weight) for the
    reduction metrics). The result after every update is stored, and after a reset + last."""
    if fn is not None:
        metric = keras.metrics.MeanMetricWrapper(getattr(keras.losses, fn), **config)
    else:
        metric = getattr(keras.metrics, cls)(**config)
    results = []
    for upd in updates:
        *args, sw = upd
        metric.update_state(*[tf.constant(a) for a in args], sample_weight=sw)
        results.append(enc(np.asarray(metric.result())))
    metric.reset_state()
    *args, sw = updates[-1]
    metric.update_state(*[tf.constant(a) for a in args], sample_weight=sw)
    return {
        "id": cid,
        "class": cls,
        "fn": fn,
        "config": config,
        "updates": [[enc(a) for a in upd] for upd in updates],
        "results": results,
        "after_reset": enc(np.asarray(metric.result())),
        "variables": [[v.name, v.path, list(v.shape), v.dtype] for v in metric.variables],
    }


def classification_updates(make, k=3, with_weights=True):
    out = []
    for i in range(k):
        y_true, y_pred = make()
        sw = weights(len(y_true)) if with_weights and i != 1 else None
        out.append((y_true, y_pred, sw))
    return out


def edge_binary():
    n = 12
    y_true = bits(n)
    y_pred = probs(n)
    y_pred[:4] = [0.0, 1.0, 0.5, 0.25]  # on the threshold grid and the ends
    return y_true, y_pred


def build_metrics():
    cases = []
    # reduction metrics
    vals = [
        (normal(5), weights(5)),
        (normal(5), None),
        (normal(2, 3), weights(2)),
        (normal(2, 3), weights(2, 3)),
        (normal(4, 1), weights(4)),
    ]
    cases.append(metric_case("mean", "Mean", {}, vals))
    cases.append(metric_case("sum", "Sum", {}, vals))
    cases.append(
        metric_case(
            "mean_scalar",
            "Mean",
            {},
            [(np.float32(2.0), None), (np.float32(5.0), np.float32(3.0))],
        )
    )
    reg = lambda: (normal(N, C), normal(N, C))  # noqa: E731
    for cls in (
        "MeanSquaredError",
        "MeanAbsoluteError",
        "RootMeanSquaredError",
        "MeanAbsolutePercentageError",
        "LogCoshError",
        "CosineSimilarity",
    ):
        cases.append(metric_case(cls, cls, {}, classification_updates(reg)))
    pos = FAMILY["positive"]
    cases.append(
        metric_case(
            "MeanSquaredLogarithmicError",
            "MeanSquaredLogarithmicError",
            {},
            classification_updates(pos),
        )
    )
    cases.append(metric_case("Poisson", "Poisson", {}, classification_updates(pos)))
    cases.append(
        metric_case(
            "KLDivergence", "KLDivergence", {}, classification_updates(FAMILY["distribution"])
        )
    )
    cases.append(metric_case("Hinge", "Hinge", {}, classification_updates(FAMILY["hinge"])))
    cases.append(
        metric_case("SquaredHinge", "SquaredHinge", {}, classification_updates(FAMILY["hinge"]))
    )
    cases.append(
        metric_case(
            "CategoricalHinge",
            "CategoricalHinge",
            {},
            classification_updates(FAMILY["categorical"]),
        )
    )
    cases.append(
        metric_case(
            "BinaryCrossentropy",
            "BinaryCrossentropy",
            {},
            classification_updates(FAMILY["binary"]),
        )
    )
    cases.append(
        metric_case(
            "BinaryCrossentropy_logits",
            "BinaryCrossentropy",
            {"from_logits": True, "label_smoothing": 0.1},
            classification_updates(FAMILY["logits"]),
        )
    )
    cases.append(
        metric_case(
            "CategoricalCrossentropy",
            "CategoricalCrossentropy",
            {},
            classification_updates(FAMILY["categorical"]),
        )
    )
    cases.append(
        metric_case(
            "SparseCategoricalCrossentropy",
            "SparseCategoricalCrossentropy",
            {"from_logits": True},
            classification_updates(FAMILY["sparse_logits"]),
        )
    )
    cases.append(
        metric_case(
            "wrapper_mse",
            "MeanMetricWrapper",
            {"name": "w"},
            classification_updates(reg),
            fn="mean_squared_error",
        )
    )
    cases.append(
        metric_case(
            "rmse_n_vs_n1",
            "RootMeanSquaredError",
            {},
            [(normal(N), normal(N, 1), weights(N)), (normal(N), normal(N, 1), None)],
        )
    )
    # accuracy
    cases.append(
        metric_case(
            "Accuracy",
            "Accuracy",
            {},
            classification_updates(
                lambda: (
                    rng.integers(0, 3, N).astype("float32"),
                    rng.integers(0, 3, N).astype("float32"),
                )
            ),
        )
    )
    cases.append(
        metric_case(
            "BinaryAccuracy", "BinaryAccuracy", {}, classification_updates(FAMILY["binary"])
        )
    )
    cases.append(
        metric_case(
            "BinaryAccuracy_threshold",
            "BinaryAccuracy",
            {"threshold": 0.7},
            classification_updates(lambda: (bits(N, 1), probs(N, 1))),
        )
    )
    cases.append(
        metric_case(
            "BinaryAccuracy_n_vs_n1",
            "BinaryAccuracy",
            {},
            classification_updates(lambda: (bits(N), probs(N, 1))),
        )
    )
    cases.append(
        metric_case(
            "BinaryAccuracy_edges", "BinaryAccuracy", {}, classification_updates(edge_binary)
        )
    )
    cases.append(
        metric_case(
            "CategoricalAccuracy",
            "CategoricalAccuracy",
            {},
            classification_updates(FAMILY["categorical"]),
        )
    )
    cases.append(
        metric_case(
            "SparseCategoricalAccuracy",
            "SparseCategoricalAccuracy",
            {},
            classification_updates(FAMILY["sparse"]),
        )
    )
    cases.append(
        metric_case(
            "SparseCategoricalAccuracy_n1",
            "SparseCategoricalAccuracy",
            {},
            classification_updates(lambda: (labels(N, C)[:, None], softmax_probs(N, C))),
        )
    )
    cases.append(
        metric_case(
            "SparseCategoricalAccuracy_float",
            "SparseCategoricalAccuracy",
            {},
            classification_updates(lambda: (labels(N, C, "float32"), softmax_probs(N, C))),
        )
    )
    seq = lambda: (rng.integers(0, C, (2, 5)).astype("int32"), normal(2, 5, C))  # noqa: E731
    cases.append(
        metric_case(
            "SparseCategoricalAccuracy_seq",
            "SparseCategoricalAccuracy",
            {},
            [(*seq(), weights(2, 5)), (*seq(), None), (*seq(), weights(2))],
        )
    )
    ties = lambda: (one_hot(N, 5), np.round(probs(N, 5) * 3) / 3)  # noqa: E731
    for k in (1, 2, 3):
        cases.append(
            metric_case(
                f"TopKCategoricalAccuracy_{k}",
                "TopKCategoricalAccuracy",
                {"k": k},
                classification_updates(ties),
            )
        )
    sparse_ties = lambda: (labels(N, 5), np.round(probs(N, 5) * 3) / 3)  # noqa: E731
    cases.append(
        metric_case(
            "SparseTopKCategoricalAccuracy",
            "SparseTopKCategoricalAccuracy",
            {"k": 2},
            classification_updates(sparse_ties),
        )
    )
    cases.append(
        metric_case(
            "SparseTopKCategoricalAccuracy_n1",
            "SparseTopKCategoricalAccuracy",
            {"k": 3},
            classification_updates(lambda: (labels(N, 5)[:, None], probs(N, 5))),
        )
    )
    cases.append(
        metric_case(
            "TopKCategoricalAccuracy_default",
            "TopKCategoricalAccuracy",
            {},
            classification_updates(lambda: (one_hot(N, 8), probs(N, 8))),
        )
    )
    # confusion metrics
    binary_n = lambda: (bits(12), probs(12))  # noqa: E731
    multi = lambda: (bits(8, 3), probs(8, 3))  # noqa: E731
    for cls in ("TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"):
        cases.append(metric_case(cls, cls, {}, classification_updates(binary_n)))
        cases.append(
            metric_case(
                f"{cls}_thresholds",
                cls,
                {"thresholds": [0.2, 0.5, 0.8]},
                classification_updates(multi),
            )
        )
    for cls in ("Precision", "Recall"):
        cases.append(metric_case(cls, cls, {}, classification_updates(binary_n)))
        cases.append(metric_case(f"{cls}_edges", cls, {}, classification_updates(edge_binary)))
        cases.append(metric_case(f"{cls}_multi", cls, {}, classification_updates(multi)))
        cases.append(
            metric_case(
                f"{cls}_thresholds",
                cls,
                {"thresholds": [0.3, 0.5, 0.7]},
                classification_updates(multi),
            )
        )
        cases.append(
            metric_case(
                f"{cls}_even_thresholds",
                cls,
                {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]},
                classification_updates(edge_binary),
            )
        )
        cases.append(
            metric_case(
                f"{cls}_top_k",
                cls,
                {"top_k": 2},
                classification_updates(lambda: (bits(8, 5), probs(8, 5))),
            )
        )
        cases.append(
            metric_case(f"{cls}_class_id", cls, {"class_id": 1}, classification_updates(multi))
        )
        cases.append(
            metric_case(
                f"{cls}_top_k_class_id",
                cls,
                {"top_k": 2, "class_id": 3},
                classification_updates(lambda: (bits(8, 5), probs(8, 5))),
            )
        )
        cases.append(
            metric_case(
                f"{cls}_n1",
                cls,
                {"thresholds": 0.4},
                classification_updates(lambda: (bits(8), probs(8, 1))),
            )
        )
    auc_configs = [
        ("AUC", {}),
        ("AUC_pr", {"curve": "PR"}),
        ("AUC_roc_minoring", {"summation_method": "minoring"}),
        ("AUC_roc_majoring", {"summation_method": "majoring"}),
        ("AUC_pr_majoring", {"curve": "PR", "summation_method": "majoring"}),
        ("AUC_pr_minoring", {"curve": "PR", "summation_method": "minoring"}),
        ("AUC_num_thresholds", {"num_thresholds": 7}),
        ("AUC_thresholds", {"thresholds": [0.1, 0.35, 0.5, 0.9]}),
        ("AUC_even_thresholds", {"thresholds": [0.25, 0.5, 0.75], "curve": "PR"}),
    ]
    for cid, config in auc_configs:
        cases.append(metric_case(cid, "AUC", config, classification_updates(edge_binary)))
    cases.append(metric_case("AUC_multi_flat", "AUC", {}, classification_updates(multi)))
    cases.append(
        metric_case(
            "AUC_logits",
            "AUC",
            {"from_logits": True},
            classification_updates(lambda: (bits(12), normal(12) * 2)),
        )
    )
    cases.append(
        metric_case("AUC_multi_label", "AUC", {"multi_label": True}, classification_updates(multi))
    )
    cases.append(
        metric_case(
            "AUC_multi_label_pr",
            "AUC",
            {"multi_label": True, "curve": "PR", "num_labels": 3},
            classification_updates(multi),
        )
    )
    cases.append(
        metric_case(
            "AUC_multi_label_weights",
            "AUC",
            {"multi_label": True, "label_weights": [0.2, 1.0, 0.5]},
            classification_updates(multi),
        )
    )
    cases.append(
        metric_case(
            "AUC_label_weights",
            "AUC",
            {"label_weights": [0.2, 1.0, 0.5]},
            classification_updates(multi),
        )
    )
    cases.append(
        metric_case(
            "AUC_multi_label_thresholds",
            "AUC",
            {"multi_label": True, "thresholds": [0.3, 0.6]},
            classification_updates(multi),
        )
    )
    return cases


METRIC_FUNCTIONS = {
    "binary_accuracy": ("binary", {}),
    "categorical_accuracy": ("categorical", {}),
    "sparse_categorical_accuracy": ("sparse", {}),
    "top_k_categorical_accuracy": ("categorical", {"k": 2}),
    "sparse_top_k_categorical_accuracy": ("sparse", {"k": 2}),
}


def build_metric_functions():
    cases = []
    for fn, (family, kwargs) in METRIC_FUNCTIONS.items():
        y_true, y_pred = FAMILY[family]()
        out = getattr(keras.metrics, fn)(tf.constant(y_true), tf.constant(y_pred), **kwargs)
        cases.append(
            {
                "fn": fn,
                "kwargs": kwargs,
                "y_true": enc(y_true),
                "y_pred": enc(y_pred),
                "expected": enc(np.asarray(out)),
            }
        )
    return cases


METRIC_CLASSES = [
    "Mean",
    "Sum",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "AUC",
    "Precision",
    "Recall",
    "TruePositives",
    "FalsePositives",
    "TrueNegatives",
    "FalseNegatives",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "RootMeanSquaredError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
    "CosineSimilarity",
    "LogCoshError",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "KLDivergence",
    "Poisson",
    "Hinge",
    "SquaredHinge",
    "CategoricalHinge",
]


def build_metric_configs():
    keras.backend.clear_session()  # default names without _1, _2 suffixes
    return {cls: keras.metrics.serialize(getattr(keras.metrics, cls)()) for cls in METRIC_CLASSES}


def main():
    golden = {
        "losses": build_losses(),
        "loss_reductions": build_reductions(),
        "loss_functions": build_functions(),
        "loss_configs": build_loss_configs(),
        "metrics": build_metrics(),
        "metric_functions": build_metric_functions(),
        "metric_configs": build_metric_configs(),
    }
    OUT.write_text(json.dumps(golden) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
