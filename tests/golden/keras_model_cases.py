"""Masking, symbolic shapes and model structure compared with Keras 3.15 / TF 2.21
(keras_model.json). `cases(tf)` runs with TensorFlow (its Keras 3) in make_keras_model.py and
with tapeflow in tests/keras/test_model_golden.py; weights are set from fixed arrays, so both
compute the same thing. Results are encoded as in keras_ops_cases.encode."""

import warnings

import numpy as np

TOKENS = np.array([[3, 5, 1, 0, 0], [2, 0, 0, 0, 0], [4, 4, 6, 2, 7]], dtype="int32")
FEATURES = np.random.default_rng(5).normal(size=(3, 5, 4)).astype("float32")
FEATURES[0, 3:] = 0.0  # masked by Masking(0.0)
FEATURES[1, 1:] = 0.0
TARGETS = np.random.default_rng(6).normal(size=(3, 5, 2)).astype("float32")


def set_weights(model, seed=0):
    """Every weight of `model` from a seeded normal (scaled 0.5), in get_weights order."""
    rng = np.random.default_rng(seed)
    model.set_weights([(0.5 * rng.normal(size=w.shape)).astype(w.dtype) for w in
                       model.get_weights()])  # fmt: skip
    return model


def mask_of(x):
    m = getattr(x, "_keras_mask", None)
    return None if m is None else np.asarray(m)


def _embedded(tf, return_input=False, mask_zero=True):
    inputs = tf.keras.Input(shape=(None,), dtype="int32")
    x = tf.keras.layers.Embedding(8, 4, mask_zero=mask_zero)(inputs)
    return (inputs, x) if return_input else x


def _run(tf, build, data=TOKENS, seed=0):
    inputs = tf.keras.Input(shape=data.shape[1:], dtype=str(data.dtype))
    outputs = build(inputs)
    model = set_weights(tf.keras.Model(inputs, outputs), seed)
    out = model(data)
    flat = out if isinstance(out, (list, tuple)) else [out]
    return {"outputs": [np.asarray(o) for o in flat], "masks": [mask_of(o) for o in flat]}


def masking_cases(tf):
    L = tf.keras.layers  # noqa: N806

    def emb(x):
        return L.Embedding(8, 4, mask_zero=True)(x)

    return {
        "embedding_mask": lambda: mask_of(L.Embedding(8, 3, mask_zero=True)(TOKENS)),
        "embedding_compute_mask": lambda: np.asarray(
            L.Embedding(8, 3, mask_zero=True).compute_mask(TOKENS)
        ),
        "embedding_no_mask": lambda: mask_of(L.Embedding(8, 3)(TOKENS)),
        "masking_layer": lambda: (lambda y: [np.asarray(y), mask_of(y)])(L.Masking(0.0)(FEATURES)),
        "masking_compute_mask": lambda: np.asarray(L.Masking(0.0).compute_mask(FEATURES)),
        "lstm_sequences": lambda: _run(tf, lambda x: L.LSTM(3, return_sequences=True)(emb(x))),
        "lstm_last": lambda: _run(tf, lambda x: L.LSTM(3)(emb(x))),
        "lstm_state": lambda: _run(
            tf, lambda x: L.LSTM(3, return_sequences=True, return_state=True)(emb(x))
        ),
        "gru_masking": lambda: _run(
            tf, lambda x: L.GRU(3, return_sequences=True)(L.Masking(0.0)(x)), data=FEATURES
        ),
        "simplernn_backwards": lambda: _run(
            tf, lambda x: L.SimpleRNN(3, return_sequences=True, go_backwards=True)(emb(x))
        ),
        "bidirectional_concat": lambda: _run(
            tf, lambda x: L.Bidirectional(L.LSTM(2, return_sequences=True))(emb(x))
        ),
        "bidirectional_sum_last": lambda: _run(
            tf, lambda x: L.Bidirectional(L.GRU(2), merge_mode="sum")(emb(x))
        ),
        "bidirectional_none": lambda: _run(
            tf,
            lambda x: L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode=None)(
                emb(x)
            ),
        ),
        "global_average_pooling": lambda: _run(tf, lambda x: L.GlobalAveragePooling1D()(emb(x))),
        "dense_keeps_mask": lambda: _run(tf, lambda x: L.Dense(2)(L.Dropout(0.5)(emb(x)))),
        "layer_norm_keeps_mask": lambda: _run(tf, lambda x: L.LayerNormalization()(emb(x))),
        "time_distributed": lambda: _run(tf, lambda x: L.TimeDistributed(L.Dense(2))(emb(x))),
        "concatenate_masks": lambda: _run(
            tf, lambda x: L.Concatenate()([emb(x), L.Dense(2)(L.Embedding(8, 3)(x))])
        ),
        "concatenate_time_axis": lambda: _run(
            tf, lambda x: L.Concatenate(axis=1)([emb(x), emb(x)])
        ),
        "add_masks": lambda: _run(tf, lambda x: L.Add()([emb(x), emb(x)])),
        "add_one_unmasked": lambda: _run(tf, lambda x: L.Add()([emb(x), L.Embedding(8, 4)(x)])),
        "multi_head_attention": lambda: _run(
            tf, lambda x: (lambda e: L.MultiHeadAttention(2, 3)(e, e))(emb(x))
        ),
        "multi_head_attention_scores": lambda: _run(
            tf,
            lambda x: (lambda e: L.MultiHeadAttention(1, 2)(e, e, return_attention_scores=True))(
                emb(x)
            ),
        ),
        "flatten_drops_mask": lambda: _run(tf, lambda x: L.Flatten()(emb(x))),
        "conv1d_drops_mask": lambda: _run(tf, lambda x: L.Conv1D(2, 2)(emb(x))),
        "masked_loss_and_fit": lambda: _masked_fit(tf),
        "masked_metrics": lambda: _masked_metrics(tf),
        "functional_mask_argument": lambda: _mask_argument(tf),
        "symbolic_mask": lambda: [
            getattr(_embedded(tf), "_keras_mask", None) is not None,
            getattr(L.LSTM(2)(_embedded(tf)), "_keras_mask", None) is not None,
        ],
        "warning_when_dropped": lambda: _dropped_warning(tf),
    }


def _masked_fit(tf):
    L = tf.keras.layers  # noqa: N806
    inputs = tf.keras.Input(shape=(5,), dtype="int32")
    x = L.Embedding(8, 4, mask_zero=True)(inputs)
    outputs = L.Dense(2)(L.LSTM(3, return_sequences=True)(x))
    model = set_weights(tf.keras.Model(inputs, outputs), 3)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    before = model.evaluate(TOKENS, TARGETS, verbose=0)
    history = model.fit(TOKENS, TARGETS, epochs=3, batch_size=3, shuffle=False, verbose=0)
    return {
        "before": before,
        "history": history.history["loss"],
        "after": model.evaluate(TOKENS, TARGETS, verbose=0),
    }


def _masked_metrics(tf):
    L = tf.keras.layers  # noqa: N806
    inputs = tf.keras.Input(shape=(5,), dtype="int32")
    outputs = L.Dense(2)(L.Embedding(8, 4, mask_zero=True)(inputs))
    model = set_weights(tf.keras.Model(inputs, outputs), 4)
    model.compile(loss="mae", metrics=["mse", "mae", tf.keras.metrics.MeanSquaredError()])
    return model.evaluate(TOKENS, TARGETS, verbose=0, return_dict=True)


def _mask_argument(tf):
    L = tf.keras.layers  # noqa: N806
    inputs = tf.keras.Input(shape=(5, 4))
    model = set_weights(tf.keras.Model(inputs, L.GRU(2, return_sequences=True)(inputs)), 5)
    mask = np.array([[True, True, False, False, True]] * 3)
    out = model(FEATURES, mask=mask)
    return [np.asarray(out), mask_of(out)]


def _dropped_warning(tf):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tf.keras.layers.Flatten()(tf.keras.layers.Embedding(8, 2, mask_zero=True)(TOKENS))
    return [str(w.message) for w in caught if "mask" in str(w.message)]


def shape_cases(tf):
    L = tf.keras.layers  # noqa: N806

    def shapes(inputs, *layers):
        out, x = [], inputs
        for layer in layers:
            x = layer(x)
            out.append(list(x.shape))
        return out

    return {
        "conv1d_pool_rnn": lambda: shapes(
            tf.keras.Input((None, 10)),
            L.Conv1D(3, 3),
            L.MaxPooling1D(2),
            L.Conv1D(4, 3, strides=2, padding="same"),
            L.LSTM(5, return_sequences=True),
            L.GlobalAveragePooling1D(),
            L.Dense(2),
        ),
        "conv2d_unknown_size": lambda: shapes(
            tf.keras.Input((None, None, 3)),
            L.Conv2D(4, 3),
            L.MaxPooling2D(),
            L.Conv2D(2, 3, strides=2),
            L.GlobalMaxPooling2D(),
        ),
        "conv2d_one_unknown": lambda: shapes(
            tf.keras.Input((None, 8, 3)),
            L.Conv2D(4, 3, padding="same"),
            L.AveragePooling2D(2),
            L.Flatten(),
        ),
        "rnn_last_and_dense": lambda: shapes(tf.keras.Input((None, 3)), L.GRU(4), L.Dense(1)),
        "embedding_unknown_length": lambda: shapes(
            tf.keras.Input((None,), dtype="int32"),
            L.Embedding(10, 4),
            L.Conv1D(2, 3),
            L.GlobalMaxPooling1D(),
        ),
        "upsampling_unknown": lambda: shapes(
            tf.keras.Input((None, 2)), L.UpSampling1D(3), L.ZeroPadding1D(1), L.Cropping1D((2, 0))
        ),
        "time_distributed_unknown": lambda: shapes(
            tf.keras.Input((None, 6)), L.TimeDistributed(L.Dense(3))
        ),
        "attention_unknown": lambda: (lambda x: list(L.MultiHeadAttention(2, 4)(x, x).shape))(
            tf.keras.Input((None, 8))
        ),
        "dense_on_unknown": lambda: shapes(tf.keras.Input((None, None, 5)), L.Dense(3)),
        "model_on_any_length": lambda: _any_length(tf),
        "sequential_unknown": lambda: _sequential_unknown(tf),
        "ops_on_unknown": lambda: [
            list(tf.keras.ops.sum(tf.keras.Input((None, 3)), axis=1).shape),
            list(tf.keras.ops.mean(tf.keras.Input((4,)), axis=0).shape),
        ],
    }


def _any_length(tf):
    L = tf.keras.layers  # noqa: N806
    inputs = tf.keras.Input((None, 3))
    outputs = L.GlobalAveragePooling1D()(L.Conv1D(2, 3, padding="same")(inputs))
    model = set_weights(tf.keras.Model(inputs, outputs), 7)
    data = np.random.default_rng(8).normal(size=(2, 9, 3)).astype("float32")
    return [np.asarray(model(data[:, :n])) for n in (3, 9)]


def _sequential_unknown(tf):
    L = tf.keras.layers  # noqa: N806
    model = tf.keras.Sequential([tf.keras.Input((None, 4)), L.Conv1D(3, 2), L.LSTM(2)])
    return [list(model.output_shape), [list(layer.output.shape) for layer in model.layers]]


def structure_cases(tf):
    L = tf.keras.layers  # noqa: N806
    x = np.random.default_rng(9).normal(size=(4, 3)).astype("float32")

    def sequential():
        model = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4, name="a"),
                                     L.Dense(2, name="b")])  # fmt: skip
        return set_weights(model, 10)

    def features():
        model = sequential()
        extractor = tf.keras.Model(
            inputs=model.inputs, outputs=[layer.output for layer in model.layers]
        )
        return [np.asarray(o) for o in extractor(x)]

    def built_from_data():
        model = tf.keras.Sequential([L.Dense(4, name="c"), L.Dense(2, name="d")])
        model(x)
        return [
            list(model.inputs[0].shape),
            list(model.outputs[0].shape),
            [list(layer.input.shape) for layer in model.layers],
            [list(layer.output.shape) for layer in model.layers],
        ]

    def shared():
        a, b = tf.keras.Input((3,)), tf.keras.Input((3,))
        dense = L.Dense(2, name="shared")
        model = tf.keras.Model([a, b], L.Add()([dense(a), dense(b)]))
        set_weights(model, 11)
        return [
            len(model.weights),
            [layer.name for layer in model.layers],
            list(dense.output.shape),
            np.asarray(model([x, 2 * x])),
        ]

    def shared_in_sequence():
        inputs = tf.keras.Input((3,))
        dense = L.Dense(3, name="twice")
        model = set_weights(tf.keras.Model(inputs, dense(dense(inputs))), 12)
        return [len(model.weights), np.asarray(model(x))]

    def get_layer():
        model = sequential()
        return [
            model.get_layer("b").name,
            model.get_layer(index=0).name,
            _error(lambda: model.get_layer("nope")),
        ]

    def multi_output_dicts():
        inputs = tf.keras.Input((3,), name="x")
        hidden = L.Dense(4, activation="relu", name="hidden")(inputs)
        out_a = L.Dense(1, name="a")(hidden)
        out_b = L.Dense(2, activation="softmax", name="b")(hidden)
        model = set_weights(tf.keras.Model(inputs, {"a": out_a, "b": out_b}), 13)
        model.compile(optimizer=tf.keras.optimizers.SGD(0.05),
                      loss={"a": "mse", "b": "sparse_categorical_crossentropy"},
                      loss_weights={"a": 0.5, "b": 2.0},
                      metrics={"a": ["mae"], "b": ["accuracy"]})  # fmt: skip
        y = {"a": x[:, :1] * 2, "b": np.array([0, 1, 1, 0])}
        history = model.fit(x, y, epochs=2, batch_size=2, shuffle=False, verbose=0)
        return {k: v for k, v in sorted(history.history.items())}

    return {
        "sequential_inputs_outputs": lambda: (
            lambda m: [list(m.inputs[0].shape), list(m.outputs[0].shape)]
        )(sequential()),
        "sequential_input_is_a_node_attribute": lambda: _error(lambda: sequential().input),
        "feature_extraction": features,
        "sequential_built_from_data": built_from_data,
        "sequential_no_input": lambda: _error(lambda: tf.keras.Sequential([L.Dense(2)]).inputs),
        "layer_never_called": lambda: _error(lambda: L.Dense(2).output),
        "shared_layer": shared,
        "shared_in_sequence": shared_in_sequence,
        "get_layer": get_layer,
        "multi_output_dict_losses": multi_output_dicts,
    }


def _error(fn):
    try:
        fn()
    except Exception as e:
        return type(e).__name__
    return None


def pandas_cases(tf):
    """pandas values through conversion, ops, tf.data and fit (TF converts them by the array
    protocol; `dict(df)` makes one component per column)."""
    import pandas as pd

    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [3.0, 4.0, 5.0, 6.0]})
    ints = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    mixed = pd.DataFrame({"x": [1.5, 2.5], "n": [3, 4]})
    text = pd.DataFrame({"x": [1.5, 2.5], "s": ["p", "q"]})
    series = pd.Series([1.5, 2.5, 3.5], name="s")

    def spec(ds):
        element = ds.element_spec
        if isinstance(element, dict):
            return {k: [list(v.shape), v.dtype.name] for k, v in element.items()}
        return [list(element.shape), element.dtype.name]

    def fit():
        model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        set_weights(model, 14)
        model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
        target = pd.Series([1.0, 0.0, 1.0, 0.0])
        history = model.fit(df, target, epochs=2, batch_size=2, shuffle=False, verbose=0)
        return [history.history["loss"], np.asarray(model.predict(df, verbose=0))]

    return {
        "convert_frame": lambda: tf.convert_to_tensor(df),
        "convert_ints": lambda: tf.convert_to_tensor(ints),
        "convert_mixed_numbers": lambda: tf.convert_to_tensor(mixed),
        "convert_text_and_numbers": lambda: tf.convert_to_tensor(text),
        "convert_series": lambda: tf.convert_to_tensor(series),
        "convert_text_series": lambda: tf.convert_to_tensor(pd.Series(["p", "q"])),
        "convert_float32": lambda: tf.convert_to_tensor(df, dtype=tf.float32),
        "constant": lambda: tf.constant(series),
        "ops": lambda: [tf.add(df, df), tf.reduce_sum(series), tf.math.exp(series)],
        "keras_ops": lambda: [tf.keras.ops.add(df, 1), tf.keras.ops.mean(series)],
        "slices_frame": lambda: spec(tf.data.Dataset.from_tensor_slices(df)),
        "slices_dict": lambda: spec(tf.data.Dataset.from_tensor_slices(dict(text))),
        "slices_series": lambda: spec(tf.data.Dataset.from_tensor_slices(series)),
        "slices_text_frame": lambda: spec(tf.data.Dataset.from_tensor_slices(text)),
        "fit": fit,
    }


def cases(tf):
    return {
        **{f"pandas/{k}": v for k, v in pandas_cases(tf).items()},
        **{f"mask/{k}": v for k, v in masking_cases(tf).items()},
        **{f"shape/{k}": v for k, v in shape_cases(tf).items()},
        **{f"structure/{k}": v for k, v in structure_cases(tf).items()},
    }
