"""How a functional model matches dict and nested inputs, targets and weights to its inputs
and outputs: the cases of keras_inputs.json, written once for TensorFlow and for tapeflow.

Each case is a function of the `tf` module (TensorFlow with Keras 3, or tapeflow) returning
plain numbers. `make_keras_inputs.py` runs them with TensorFlow and stores the results; the
tapeflow test runs them again and compares. Every model multiplies each input by its own
constant (z by 1, a by 2, b by 3, c by 4) before adding them up, so feeding an input the
values of another one changes the answer.
"""

import copy

import numpy as np

Z = np.array([[10.0], [20.0], [30.0], [40.0]], np.float32)
A = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
B = np.array([[100.0], [200.0], [300.0], [400.0]], np.float32)
C = np.array([[0.5], [0.25], [0.125], [1.0]], np.float32)
EXTRA = np.array([[7.0], [7.0], [7.0], [7.0]], np.float32)
SCALE = {"z": 1.0, "a": 2.0, "b": 3.0, "c": 4.0}
VALUES = {"z": Z, "a": A, "b": B, "c": C}


def _inputs(tf, names):
    return {n: tf.keras.Input(shape=(1,), name=n) for n in names}


def _summed(tf, tensors, prefix=""):
    """sum(scale[name] * input) through one Dense per input (constant kernels)."""
    parts = [
        tf.keras.layers.Dense(
            1,
            use_bias=False,
            kernel_initializer=tf.keras.initializers.Constant(SCALE[n]),
            name=f"{prefix}scale_{n}",
        )(t)
        for n, t in tensors.items()
    ]
    if len(parts) == 1:
        return parts[0]
    return tf.keras.layers.Add(name=f"{prefix}sum")(parts)


def _target(names):
    return sum(SCALE[n] * VALUES[n] for n in names).astype(np.float32)


# ---- how the inputs are declared -----------------------------------------------------------


def declare(tf, kind):
    """(model, input names) for one way of declaring the inputs."""
    if kind == "list":
        t = _inputs(tf, ["z", "a"])
        return tf.keras.Model([t["z"], t["a"]], _summed(tf, t)), ["z", "a"]
    if kind == "tuple":
        t = _inputs(tf, ["z", "a"])
        return tf.keras.Model((t["z"], t["a"]), _summed(tf, t)), ["z", "a"]
    if kind == "dict":  # keys not in sorted order
        t = _inputs(tf, ["z", "a"])
        return tf.keras.Model({"z": t["z"], "a": t["a"]}, _summed(tf, t)), ["z", "a"]
    if kind == "dict_sorted":
        t = _inputs(tf, ["a", "z"])
        return tf.keras.Model({"a": t["a"], "z": t["z"]}, _summed(tf, t)), ["a", "z"]
    if kind == "single":
        t = _inputs(tf, ["z"])
        return tf.keras.Model(t["z"], _summed(tf, t)), ["z"]
    if kind == "single_list":
        t = _inputs(tf, ["z"])
        return tf.keras.Model([t["z"]], _summed(tf, t)), ["z"]
    if kind == "three_list":
        t = _inputs(tf, ["z", "c", "a"])
        return tf.keras.Model([t["z"], t["c"], t["a"]], _summed(tf, t)), ["z", "c", "a"]
    raise ValueError(kind)


def feed(names, how):
    """The `x` given to a model with inputs `names`."""
    if how == "dict":
        return {n: VALUES[n] for n in names}
    if how == "dict_reversed":
        return {n: VALUES[n] for n in reversed(names)}
    if how == "dict_extra":
        return {"extra": EXTRA, **{n: VALUES[n] for n in names}, "b": B}
    if how == "dict_missing":
        return {n: VALUES[n] for n in names[:-1]}
    if how == "list":
        return [VALUES[n] for n in names]
    raise ValueError(how)


def _compiled(tf, model):
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=1e-4), loss="mse")
    return model


def _weights(model):
    return [np.asarray(w).ravel().tolist() for w in model.get_weights()]


def _layer_weights(model):
    """Weights by layer name (the order of `get_weights` follows the graph's layer order)."""
    return {
        layer.name: [np.asarray(w).ravel().tolist() for w in layer.get_weights()]
        for layer in model.layers
        if layer.get_weights()
    }


def run_api(tf, model, names, x, api):
    """One training or inference API on `x` (targets: the true answer for `names`)."""
    y = _target(names)
    if api == "call":
        return {"out": np.asarray(model(x)).tolist()}
    if api == "predict":
        return {"out": model.predict(x, batch_size=3, verbose=0).tolist()}
    if api == "predict_on_batch":
        return {"out": np.asarray(model.predict_on_batch(x)).tolist()}
    _compiled(tf, model)
    if api == "evaluate":
        return {"loss": float(model.evaluate(x, y, batch_size=3, verbose=0))}
    if api == "test_on_batch":
        return {"loss": float(model.test_on_batch(x, y))}
    if api == "train_on_batch":
        loss = float(model.train_on_batch(x, y))
        return {"loss": loss, "weights": _weights(model)}
    if api == "fit":
        history = model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
        return {"loss": history.history["loss"], "weights": _weights(model)}
    if api == "fit_validation":
        history = model.fit(
            x, y, batch_size=3, epochs=1, shuffle=False, validation_data=(x, y), verbose=0
        )
        return {"val_loss": history.history["val_loss"], "weights": _weights(model)}
    if api == "fit_validation_split":
        history = model.fit(
            x, y, batch_size=2, epochs=1, shuffle=False, validation_split=0.5, verbose=0
        )
        return {"val_loss": history.history["val_loss"], "weights": _weights(model)}
    if api == "dataset_x":
        data = tf.data.Dataset.from_tensor_slices(x).batch(3)
        return {"out": model.predict(data, verbose=0).tolist()}
    if api == "dataset_xy":
        data = tf.data.Dataset.from_tensor_slices((x, y)).batch(3)
        history = model.fit(data, epochs=2, verbose=0)
        return {
            "loss": history.history["loss"],
            "evaluate": float(model.evaluate(data, verbose=0)),
            "weights": _weights(model),
        }
    if api == "dataset_xyw":
        w = np.array([1.0, 0.0, 2.0, 1.0], np.float32)
        data = tf.data.Dataset.from_tensor_slices((x, y * 0.5, w)).batch(3)
        history = model.fit(data, epochs=1, verbose=0)
        return {"loss": history.history["loss"], "weights": _weights(model)}
    if api == "generator_xy":

        def batches():
            for i in (0, 3):
                yield ({k: v[i : i + 3] for k, v in x.items()}, y[i : i + 3])

        return {"loss": float(model.evaluate(batches(), verbose=0))}
    raise ValueError(api)


DECLARED = ["list", "tuple", "dict", "dict_sorted", "three_list"]
FED = ["dict", "dict_reversed", "dict_extra", "dict_missing", "list"]
APIS = [
    "call",
    "predict",
    "predict_on_batch",
    "evaluate",
    "test_on_batch",
    "train_on_batch",
    "fit",
    "fit_validation",
    "fit_validation_split",
    "dataset_x",
    "dataset_xy",
    "dataset_xyw",
    "generator_xy",
]
# The full grid on `call` and `evaluate`, and every API with the dict forms that must work.
INPUT_CASES = (
    [(d, f, api) for d in DECLARED for f in FED for api in ("call", "evaluate")]
    + [(d, f, api) for d in ("list", "dict") for f in ("dict", "dict_extra") for api in APIS]
    + [("list", "dict_missing", api) for api in ("fit", "predict", "dataset_xy")]
    + [(d, f, "call") for d in ("single", "single_list") for f in ("dict", "dict_extra", "list")]
)
# Where Keras 3.15 gives a wrong answer, or fails where the answer is clear, tapeflow gives
# the answer of another case (named by its key here), with the reason.
DICT_EXTRA = (
    "Keras flattens a dict given to a model whose inputs are a dict by sorted key, unused "
    "keys included, so an extra key shifts the inputs (it warns that the structure does not "
    "match, then computes with the wrong values); tapeflow matches by key"
)
TAPEFLOW_ANSWER = {
    ("dict", "dict_extra", api): (("dict", "dict", api), DICT_EXTRA) for api in APIS
}
TAPEFLOW_ANSWER[("dict_sorted", "dict_extra", "call")] = (
    ("dict_sorted", "dict", "call"),
    DICT_EXTRA,
)
TAPEFLOW_ANSWER[("dict_sorted", "dict_extra", "evaluate")] = (
    ("dict_sorted", "dict", "evaluate"),
    DICT_EXTRA,
)


def input_case(tf, declared, fed, api):
    model, names = declare(tf, declared)
    return run_api(tf, model, names, feed(names, fed), api)


# ---- nested inputs -------------------------------------------------------------------------


def nested_case(tf, kind, fed):
    t = _inputs(tf, ["z", "a", "b", "c"])
    if kind == "list_of_lists":
        declared = [t["z"], [t["a"], t["b"]], t["c"]]
        given = {"list": [Z, [A, B], C], "dict": {"z": Z, "a": A, "b": B, "c": C}}[fed]
    elif kind == "dict_of_lists":
        declared = {"first": t["z"], "pair": [t["a"], t["b"]], "last": t["c"]}
        given = {
            "dict": {"last": C, "first": Z, "pair": [A, B]},
            "dict_extra": {"last": C, "first": Z, "pair": [A, B], "aaa": EXTRA},
            "list": [Z, [A, B], C],
        }[fed]
    elif kind == "dict_of_dicts":
        declared = {"outer": {"z": t["z"], "a": t["a"]}, "b": t["b"], "c": t["c"]}
        given = {"dict": {"c": C, "outer": {"a": A, "z": Z}, "b": B}}[fed]
    else:
        raise ValueError(kind)
    model = tf.keras.Model(declared, _summed(tf, t))
    out = {"call": np.asarray(model(given)).tolist()}
    _compiled(tf, model)
    out["evaluate"] = float(model.evaluate(given, _target("zabc"), batch_size=4, verbose=0))
    return out


NESTED_CASES = [
    ("list_of_lists", "list"),
    ("list_of_lists", "dict"),
    ("dict_of_lists", "dict"),
    ("dict_of_lists", "dict_extra"),
    ("dict_of_lists", "list"),
    ("dict_of_dicts", "dict"),
]
TAPEFLOW_ANSWER[("nested", "dict_of_lists", "dict_extra")] = (
    ("nested", "dict_of_lists", "dict"),
    DICT_EXTRA,
)


# ---- outputs: targets, losses, metrics and weights by output name --------------------------


def _two_outputs(tf, as_dict):
    """Outputs "zo" = z and "ao" = 2 a (layer names), as a list or as a dict {"zo", "ao"}
    given in unsorted order ("zo" first)."""
    t = _inputs(tf, ["z", "a"])
    zo = _summed(tf, {"z": t["z"]}, prefix="zo_")
    ao = _summed(tf, {"a": t["a"]}, prefix="ao_")
    zo = tf.keras.layers.Identity(name="zo")(zo)
    ao = tf.keras.layers.Identity(name="ao")(ao)
    outputs = {"zo": zo, "ao": ao} if as_dict else [zo, ao]
    return tf.keras.Model([t["z"], t["a"]], outputs)


def output_case(tf, declared, variant):
    model = _two_outputs(tf, declared == "dict")
    x = {"z": Z, "a": A}
    yz, ya = Z + 1.0, 2.0 * A  # loss on zo is 1 per sample, on ao 0
    loss = "mse"
    loss_weights = None
    metrics = None
    sample_weight = None
    fit_kwargs = {}
    y = {"zo": yz, "ao": ya}
    if variant == "y_list":
        y = [yz, ya]
    elif variant == "y_dict_reversed":
        y = {"ao": ya, "zo": yz}
    elif variant == "loss_dict":
        loss = {"ao": "mae", "zo": "mse"}
    elif variant == "loss_list":
        loss = ["mse", "mae"]
    elif variant == "loss_weights_dict":
        loss = {"zo": "mse", "ao": "mae"}
        loss_weights = {"ao": 3.0, "zo": 0.5}
    elif variant == "loss_weights_list":
        loss = {"zo": "mse", "ao": "mae"}
        loss_weights = [0.5, 3.0]
    elif variant == "loss_weights_single_loss":
        loss_weights = [0.5, 3.0]
    elif variant == "metrics_dict":
        metrics = {"ao": ["mae"], "zo": ["mse"]}
    elif variant == "metrics_list":
        metrics = [["mse"], ["mae"]]
    elif variant == "sample_weight_dict":
        sample_weight = {
            "ao": np.array([1.0, 1.0, 1.0, 1.0], np.float32),
            "zo": np.array([0.0, 1.0, 2.0, 0.0], np.float32),
        }
    elif variant == "sample_weight_single":
        sample_weight = np.array([0.0, 1.0, 2.0, 0.0], np.float32)
    elif variant == "class_weight":
        fit_kwargs = {"class_weight": {0: 1.0, 1: 2.0}}
    elif variant == "loss_partial_dict":
        loss = {"zo": "mse"}
        y = {"zo": yz}
    elif variant != "y_dict":
        raise ValueError(variant)
    model.compile(
        optimizer=tf.keras.optimizers.SGD(learning_rate=1e-3),
        loss=loss,
        loss_weights=loss_weights,
        metrics=metrics,
    )
    logs = model.evaluate(x, y, sample_weight=sample_weight, verbose=0, return_dict=True)
    # The list form follows `model.metrics` (per-output loss trackers in Keras' order).
    as_list = model.evaluate(x, y, sample_weight=sample_weight, verbose=0)
    history = model.fit(
        x,
        y,
        sample_weight=sample_weight,
        batch_size=2,
        epochs=1,
        shuffle=False,
        verbose=0,
        **fit_kwargs,
    )
    predicted = model.predict(x, verbose=0)
    if isinstance(predicted, dict):
        predicted = {k: np.asarray(v).tolist() for k, v in predicted.items()}
    else:
        predicted = [np.asarray(v).tolist() for v in predicted]
    out = {
        "evaluate": {k: float(v) for k, v in logs.items()},
        "evaluate_list": [float(v) for v in np.ravel(as_list)],
        "metrics_names": model.metrics_names,
        "fit": {k: [float(x) for x in v] for k, v in history.history.items()},
        "predict": predicted,
        "weights": _weights(model),
        "layer_weights": _layer_weights(model),
    }
    if isinstance(y, dict):  # tf.data makes a list of arrays one stacked tensor
        elements = (x, y) if sample_weight is None else (x, y, sample_weight)
        # Whole batches: with a partial last batch, Keras 3.15 in graph mode (not with
        # run_eagerly=True) averages the per-output losses ("zo_loss") over batches without
        # weighting them by batch size (the static batch size is None); tapeflow weights
        # them, as Keras does eagerly.
        data = tf.data.Dataset.from_tensor_slices(elements).batch(2)
        logs = model.evaluate(data, verbose=0, return_dict=True)
        out["dataset_evaluate"] = {k: float(v) for k, v in logs.items()}
    return out


OUTPUT_VARIANTS = [
    "y_dict",
    "y_list",
    "y_dict_reversed",
    "loss_dict",
    "loss_list",
    "loss_weights_dict",
    "loss_weights_list",
    "loss_weights_single_loss",
    "metrics_dict",
    "metrics_list",
    "sample_weight_dict",
    "sample_weight_single",
    "class_weight",
    "loss_partial_dict",
]
OUTPUT_CASES = [(d, v) for d in ("list", "dict") for v in OUTPUT_VARIANTS]
TAPEFLOW_ANSWER.update(
    {
        ("outputs", "list", "sample_weight_dict"): (
            ("outputs", "dict", "sample_weight_dict"),
            "Keras 3.15 raises KeyError(0) for sample weights with outputs declared as a list "
            "and targets given as a dict; tapeflow weights each output as with dict outputs",
        ),
        ("outputs", "list", "sample_weight_single"): (
            ("outputs", "dict", "sample_weight_single"),
            "Keras 3.15 raises KeyError(0) for one sample-weight array with outputs declared "
            "as a list and targets given as a dict; tapeflow weights every output with it",
        ),
        ("outputs", "list", "loss_partial_dict"): (
            ("outputs", "dict", "loss_partial_dict"),
            "Keras 3.15 asks for a loss for every output when the outputs are a list (not "
            "when they are a dict); tapeflow leaves an output without a loss out in both",
        ),
        ("outputs", "list", "loss_weights_single_loss"): (
            ("outputs", "list", "loss_weights_list"),
            "Keras 3.15 refuses one loss for several outputs with per-output weights; "
            "tapeflow applies the loss to every output, weighted (mse and mae agree here)",
        ),
        ("outputs", "dict", "loss_weights_single_loss"): (
            ("outputs", "dict", "loss_weights_list"),
            "Keras 3.15 refuses one loss for several outputs with per-output weights; "
            "tapeflow applies the loss to every output, weighted (mse and mae agree here)",
        ),
    }
)


def _renamed_outputs(tf):
    """Outputs declared as {"score": <layer "zo">, "aux": <layer "ao">}: keys that are not the
    layer names."""
    t = _inputs(tf, ["z", "a"])
    zo = tf.keras.layers.Identity(name="zo")(_summed(tf, {"z": t["z"]}, prefix="zo_"))
    ao = tf.keras.layers.Identity(name="ao")(_summed(tf, {"a": t["a"]}, prefix="ao_"))
    return tf.keras.Model([t["z"], t["a"]], {"score": zo, "aux": ao})


def renamed_output_case(tf, variant):
    model = _renamed_outputs(tf)
    x = {"z": Z, "a": A}
    y = {"score": Z + 1.0, "aux": 2.0 * A}
    loss, metrics = "mse", None
    if variant == "loss_dict":
        loss = {"aux": "mae", "score": "mse"}
    elif variant == "metrics_dict":
        metrics = {"aux": ["mae"], "score": ["mse"]}
    elif variant == "y_by_layer_name":
        y = {"zo": Z + 1.0, "ao": 2.0 * A}
    elif variant != "y_dict":
        raise ValueError(variant)
    model.compile(
        optimizer=tf.keras.optimizers.SGD(learning_rate=1e-3), loss=loss, metrics=metrics
    )
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    as_list = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    return {
        "evaluate": {k: float(v) for k, v in logs.items()},
        "evaluate_list": [float(v) for v in np.ravel(as_list)],
        "metrics_names": model.metrics_names,
        "fit": {k: [float(x) for x in v] for k, v in history.history.items()},
        "predict_keys": sorted(model.predict(x, verbose=0)),
        "layer_weights": _layer_weights(model),
    }


RENAMED_OUTPUT_CASES = ["y_dict", "loss_dict", "metrics_dict", "y_by_layer_name"]
# Where tapeflow raises another error type than Keras 3.15, with the reason.
TAPEFLOW_ERROR = {
    ("renamed_outputs", "y_by_layer_name"): (
        "ValueError",
        "Keras 3.15 tries to convert the dict's keys to floats (TypeError); tapeflow says "
        "which outputs have no target",
    ),
}


def weighted_metrics_case(tf, declared, weights):
    """weighted_metrics with sample weights per output (a dict by output name)."""
    model = _two_outputs(tf, declared == "dict")
    x = {"z": Z, "a": A}
    y = {"zo": Z + 1.0, "ao": 2.0 * A + np.array([[0.0], [1.0], [0.0], [3.0]], np.float32)}
    sample_weight = {
        "zo": np.array([0.0, 1.0, 2.0, 0.0], np.float32),
        "ao": np.array([1.0, 0.0, 1.0, 3.0], np.float32),
    }
    if weights == "single":
        sample_weight = sample_weight["ao"]
    model.compile(
        optimizer=tf.keras.optimizers.SGD(learning_rate=1e-3),
        loss="mse",
        weighted_metrics={"zo": ["mae"], "ao": ["mse"]},
    )
    logs = model.evaluate(x, y, sample_weight=sample_weight, verbose=0, return_dict=True)
    return {"evaluate": {k: float(v) for k, v in logs.items()}}


WEIGHTED_METRICS_CASES = [(d, w) for d in ("list", "dict") for w in ("dict", "single")]
TAPEFLOW_ANSWER.update(
    {
        ("weighted_metrics", "list", w): (
            ("weighted_metrics", "dict", w),
            "Keras 3.15 raises KeyError(0) for sample weights with outputs declared as a list "
            "and targets given as a dict; tapeflow weights each output as with dict outputs",
        )
        for w in ("dict", "single")
    }
)


def class_weight_case(tf, variant):
    t = _inputs(tf, ["z"])
    model = tf.keras.Model(t["z"], tf.keras.layers.Dense(1, name="out")(t["z"]))
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=1e-3), loss="mse")
    y = np.array([[0.0], [1.0], [1.0], [0.0]], np.float32)
    w = np.array([1.0, 2.0, 0.5, 1.0], np.float32)
    class_weight = {0: 1.0, 1: 3.0}
    if variant == "dataset_with_sample_weight":
        data = tf.data.Dataset.from_tensor_slices(({"z": Z}, y, w)).batch(2)
        model.fit(data, class_weight=class_weight, verbose=0)
    elif variant == "dataset_dict_y":
        data = tf.data.Dataset.from_tensor_slices(({"z": Z}, {"out": y})).batch(2)
        model.fit(data, class_weight=class_weight, verbose=0)
    elif variant == "arrays_dict_y":
        model.fit({"z": Z}, {"out": y}, class_weight=class_weight, verbose=0)
    elif variant == "arrays_with_sample_weight":
        model.fit({"z": Z}, y, sample_weight=w, class_weight=class_weight, verbose=0)
    else:
        raise ValueError(variant)
    return {"weights": _weights(model)}


CLASS_WEIGHT_CASES = [
    "dataset_with_sample_weight",
    "dataset_dict_y",
    "arrays_dict_y",
    "arrays_with_sample_weight",
]


def conversion_case(tf, variant):
    """Each input gets its Input's rank and dtype, as Keras converts them."""
    if variant in ("vector_to_column", "column_to_vector"):
        z = tf.keras.Input(shape=(1,) if variant == "vector_to_column" else (), name="z")
        a = tf.keras.Input(shape=(1,), name="a")
        zz = z if variant == "vector_to_column" else tf.keras.layers.Reshape((1,))(z)
        model = tf.keras.Model([z, a], _summed(tf, {"z": zz, "a": a}))
        x = {"z": Z.ravel() if variant == "vector_to_column" else Z, "a": A.ravel()}
    elif variant == "int_to_float":
        t = _inputs(tf, ["z", "a"])
        model = tf.keras.Model([t["z"], t["a"]], _summed(tf, t))
        x = {"z": Z.astype(np.int64), "a": A.astype(np.int32)}
    elif variant == "float_to_int_embedding":
        ids = tf.keras.Input(shape=(2,), dtype="int32", name="ids")
        emb = tf.keras.layers.Embedding(
            5, 1, embeddings_initializer=tf.keras.initializers.Constant(0.5), name="emb"
        )(ids)
        model = tf.keras.Model({"ids": ids}, tf.keras.layers.Flatten()(emb))
        x = {"ids": np.array([[0.0, 4.0], [3.0, 1.0]], np.float32), "unused": EXTRA[:2]}
    elif variant == "bad_rank":
        t = _inputs(tf, ["z", "a"])
        model = tf.keras.Model([t["z"], t["a"]], _summed(tf, t))
        x = {"z": np.zeros((4, 1, 2), np.float32), "a": A}
    elif variant == "broadcast_feature_size":  # (4, 3) for an Input of shape (1,): Keras
        # leaves it to the layers, and Add broadcasts it
        t = _inputs(tf, ["z", "a"])
        model = tf.keras.Model([t["z"], t["a"]], tf.keras.layers.Add()([t["z"], t["a"]]))
        x = {"z": np.ones((4, 3), np.float32), "a": A}
    elif variant == "bad_feature_size":  # (4, 3) for an Input of shape (2,)
        z = tf.keras.Input(shape=(2,), name="z")
        a = tf.keras.Input(shape=(1,), name="a")
        model = tf.keras.Model([z, a], tf.keras.layers.Add()([z, a]))
        x = {"z": np.ones((4, 3), np.float32), "a": A}
    else:
        raise ValueError(variant)
    out = model(x)
    return {"out": np.asarray(out).tolist(), "dtype": str(np.asarray(out).dtype)}


CONVERSION_CASES = [
    "vector_to_column",
    "column_to_vector",
    "int_to_float",
    "float_to_int_embedding",
    "bad_rank",
    "broadcast_feature_size",
    "bad_feature_size",
]


def config_case(tf, kind):
    """The `input_layers` / `output_layers` a functional config holds, and the model rebuilt
    from the config answers dicts as the original does."""
    t = _inputs(tf, ["z", "a", "b"])
    zo = tf.keras.layers.Identity(name="zo")(_summed(tf, {"z": t["z"], "b": t["b"]}, "zo_"))
    ao = tf.keras.layers.Identity(name="ao")(_summed(tf, {"a": t["a"]}, prefix="ao_"))
    if kind == "dicts":
        model = tf.keras.Model({"z": t["z"], "b": t["b"], "a": t["a"]}, {"zo": zo, "ao": ao})
    elif kind == "nested":
        model = tf.keras.Model([t["z"], [t["a"], t["b"]]], [ao, [zo]])
    elif kind == "list_of_one":
        model = tf.keras.Model([t["z"], t["a"], t["b"]], [zo])
    else:
        raise ValueError(kind)
    config = model.get_config()
    again = tf.keras.Model.from_config(copy.deepcopy(config))  # Keras pops from it
    x = {"z": Z, "a": A, "b": B} if kind != "nested" else [Z, [A, B]]

    def plain(out):
        if isinstance(out, dict):
            return {k: np.asarray(v).tolist() for k, v in out.items()}
        if isinstance(out, (list, tuple)):
            return [plain(v) for v in out]
        return np.asarray(out).tolist()

    return {
        "input_layers": config["input_layers"],
        "output_layers": config["output_layers"],
        "out": plain(model(x)),
        "out_again": plain(again(x)),
    }


CONFIG_CASES = ["dicts", "nested", "list_of_one"]


# ---- every case, by id ---------------------------------------------------------------------


def all_cases():
    """{case id: (key, function of tf)}; the key is what TAPEFLOW_ANSWER uses."""
    cases = {}
    for declared, fed, api in INPUT_CASES:
        key = (declared, fed, api)
        cases["inputs-" + "-".join(key)] = (key, _bind(input_case, declared, fed, api))
    for kind, fed in NESTED_CASES:
        key = ("nested", kind, fed)
        cases["-".join(key)] = (key, _bind(nested_case, kind, fed))
    for declared, variant in OUTPUT_CASES:
        key = ("outputs", declared, variant)
        cases["-".join(key)] = (key, _bind(output_case, declared, variant))
    for variant in RENAMED_OUTPUT_CASES:
        key = ("renamed_outputs", variant)
        cases["-".join(key)] = (key, _bind(renamed_output_case, variant))
    for declared, weights in WEIGHTED_METRICS_CASES:
        key = ("weighted_metrics", declared, weights)
        cases["-".join(key)] = (key, _bind(weighted_metrics_case, declared, weights))
    for variant in CLASS_WEIGHT_CASES:
        key = ("class_weight", variant)
        cases["-".join(key)] = (key, _bind(class_weight_case, variant))
    for variant in CONVERSION_CASES:
        key = ("conversion", variant)
        cases["-".join(key)] = (key, _bind(conversion_case, variant))
    for kind in CONFIG_CASES:
        key = ("config", kind)
        cases["-".join(key)] = (key, _bind(config_case, kind))
    return cases


def _bind(fn, *args):
    return lambda tf: fn(tf, *args)


def case_id(key):
    if len(key) == 3 and key[0] not in _GROUPS:
        return "inputs-" + "-".join(key)
    return "-".join(key)


_GROUPS = {
    "nested",
    "outputs",
    "renamed_outputs",
    "weighted_metrics",
    "class_weight",
    "conversion",
    "config",
}
