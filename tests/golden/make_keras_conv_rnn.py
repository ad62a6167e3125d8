"""Golden numbers for tests/keras/test_layers_{conv,recurrent,attention}.py, from Keras 3.

Run with the TensorFlow reference venv:
`/work/tfref/bin/python tests/golden/make_keras_conv_rnn.py`.
Each case builds one layer named after the case, overwrites its weights with seeded normal
arrays (`set_weights`), calls it on seeded inputs and stores the weights (values, names,
paths), the outputs and their structure, the config keys and, for "grad" cases, the
gradients of sum(output * fixed random arrays) w.r.t. the weights and the inputs.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_conv_rnn.json")
L = keras.layers

# (id, class, kwargs, input shapes, call kwargs, options). A kwarg "layer" is an inner layer
# spec [class, kwargs]. Call kwargs with array values are specs: ["normal", shape] (float
# inputs), ["mask", shape] (seeded booleans), ["states", [shapes]] (a list of float arrays).
# Options: "grad" (store gradients), "scale" (of the random weights, default 0.5).
CASES = [
    # -- convolution --
    ("conv1d", "Conv1D", {"filters": 4, "kernel_size": 3}, [(2, 7, 3)], {}, {}),
    (
        "conv1d_same_s2",
        "Conv1D",
        {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"},
        [(2, 8, 2)],
        {},
        {},
    ),
    (
        "conv1d_causal_d2",
        "Conv1D",
        {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
        [(2, 7, 3)],
        {},
        {},
    ),
    (
        "conv1d_groups",
        "Conv1D",
        {"filters": 4, "kernel_size": 2, "groups": 2},
        [(2, 6, 4)],
        {},
        {},
    ),
    (
        "conv2d",
        "Conv2D",
        {"filters": 4, "kernel_size": 3, "activation": "relu"},
        [(2, 6, 5, 3)],
        {},
        {"grad": True},
    ),
    (
        "conv2d_same_s2",
        "Conv2D",
        {"filters": 3, "kernel_size": (2, 3), "strides": (2, 1), "padding": "same"},
        [(2, 7, 6, 2)],
        {},
        {"grad": True},
    ),
    (
        "conv2d_dilated_nobias",
        "Conv2D",
        {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "use_bias": False},
        [(2, 7, 7, 2)],
        {},
        {},
    ),
    (
        "conv2d_groups",
        "Conv2D",
        {"filters": 6, "kernel_size": 2, "groups": 3, "activation": "tanh"},
        [(2, 5, 4, 3)],
        {},
        {"grad": True},
    ),
    (
        "conv2d_transpose_same_s2",
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        [(2, 4, 3, 3)],
        {},
        {"grad": True},
    ),
    (
        "conv2d_transpose_valid",
        "Conv2DTranspose",
        {"filters": 3, "kernel_size": (2, 3)},
        [(2, 3, 4, 2)],
        {},
        {},
    ),
    (
        "conv2d_transpose_output_padding",
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1},
        [(1, 3, 3, 2)],
        {},
        {},
    ),
    (
        "depthwise",
        "DepthwiseConv2D",
        {"kernel_size": 3, "depth_multiplier": 2, "padding": "same"},
        [(2, 5, 4, 3)],
        {},
        {"grad": True},
    ),
    (
        "depthwise_s2",
        "DepthwiseConv2D",
        {"kernel_size": (2, 3), "strides": 2, "activation": "sigmoid"},
        [(2, 6, 7, 2)],
        {},
        {},
    ),
    (
        "depthwise_s2_d2",
        "DepthwiseConv2D",
        {"kernel_size": 3, "strides": 2, "dilation_rate": 2, "padding": "same"},
        [(1, 7, 8, 2)],
        {},
        {},
    ),
    # -- pooling --
    ("maxpool1d", "MaxPooling1D", {}, [(2, 7, 3)], {}, {}),
    (
        "maxpool1d_same",
        "MaxPooling1D",
        {"pool_size": 3, "strides": 2, "padding": "same"},
        [(2, 8, 2)],
        {},
        {},
    ),
    (
        "avgpool1d_same",
        "AveragePooling1D",
        {"pool_size": 3, "strides": 2, "padding": "same"},
        [(2, 8, 2)],
        {},
        {},
    ),
    ("maxpool2d", "MaxPooling2D", {}, [(2, 5, 6, 3)], {}, {}),
    (
        "maxpool2d_same",
        "MaxPooling2D",
        {"pool_size": 3, "strides": 2, "padding": "same"},
        [(2, 5, 6, 2)],
        {},
        {},
    ),
    ("avgpool2d", "AveragePooling2D", {"pool_size": (2, 3), "strides": 1}, [(2, 4, 5, 2)], {}, {}),
    (
        "avgpool2d_same",
        "AveragePooling2D",
        {"pool_size": 2, "padding": "same"},
        [(2, 5, 5, 2)],
        {},
        {},
    ),
    ("gap1d", "GlobalAveragePooling1D", {}, [(2, 5, 3)], {}, {}),
    ("gap1d_mask", "GlobalAveragePooling1D", {}, [(2, 5, 3)], {"mask": ["mask", (2, 5)]}, {}),
    ("gap2d_keepdims", "GlobalAveragePooling2D", {"keepdims": True}, [(2, 4, 3, 2)], {}, {}),
    ("gmp1d", "GlobalMaxPooling1D", {}, [(2, 5, 3)], {}, {}),
    ("gmp2d", "GlobalMaxPooling2D", {}, [(2, 4, 3, 2)], {}, {}),
    # -- reshaping --
    ("zeropad2d_int", "ZeroPadding2D", {"padding": 1}, [(1, 2, 3, 2)], {}, {}),
    ("zeropad2d_sym", "ZeroPadding2D", {"padding": (1, 2)}, [(1, 2, 3, 2)], {}, {}),
    ("zeropad2d_pairs", "ZeroPadding2D", {"padding": ((1, 0), (2, 3))}, [(1, 2, 3, 2)], {}, {}),
    ("zeropad1d", "ZeroPadding1D", {"padding": (2, 1)}, [(2, 3, 2)], {}, {}),
    ("crop2d", "Cropping2D", {"cropping": ((1, 0), (2, 1))}, [(1, 4, 5, 2)], {}, {}),
    ("crop1d", "Cropping1D", {"cropping": (1, 2)}, [(2, 6, 2)], {}, {}),
    ("upsample2d", "UpSampling2D", {"size": (2, 3)}, [(1, 2, 3, 2)], {}, {}),
    (
        "upsample2d_bilinear",
        "UpSampling2D",
        {"size": (2, 3), "interpolation": "bilinear"},
        [(1, 3, 3, 2)],
        {},
        {},
    ),
    ("upsample1d", "UpSampling1D", {"size": 3}, [(2, 3, 2)], {}, {}),
    ("flatten", "Flatten", {}, [(2, 3, 2, 2)], {}, {}),
    ("reshape", "Reshape", {"target_shape": (2, -1)}, [(2, 3, 4)], {}, {}),
    ("permute", "Permute", {"dims": (2, 1)}, [(2, 3, 4)], {}, {}),
    ("repeat_vector", "RepeatVector", {"n": 3}, [(2, 4)], {}, {}),
    # -- recurrent --
    ("simple_rnn", "SimpleRNN", {"units": 3}, [(2, 5, 4)], {}, {}),
    (
        "simple_rnn_seq_state_back",
        "SimpleRNN",
        {
            "units": 3,
            "activation": "relu",
            "return_sequences": True,
            "return_state": True,
            "go_backwards": True,
        },
        [(2, 4, 3)],
        {},
        {},
    ),
    ("lstm", "LSTM", {"units": 4}, [(2, 5, 3)], {}, {"grad": True}),
    (
        "lstm_seq_state",
        "LSTM",
        {"units": 3, "return_sequences": True, "return_state": True},
        [(2, 4, 3)],
        {},
        {"grad": True},
    ),
    (
        "lstm_back_nobias",
        "LSTM",
        {"units": 3, "go_backwards": True, "use_bias": False, "return_sequences": True},
        [(2, 4, 2)],
        {},
        {},
    ),
    (
        "lstm_initial_state",
        "LSTM",
        {"units": 3, "return_state": True},
        [(2, 4, 2)],
        {"initial_state": ["states", [(2, 3), (2, 3)]]},
        {},
    ),
    (
        "lstm_mask",
        "LSTM",
        {"units": 3, "return_sequences": True},
        [(2, 5, 2)],
        {"mask": ["mask", (2, 5)]},
        {},
    ),
    ("gru", "GRU", {"units": 4}, [(2, 5, 3)], {}, {"grad": True}),
    (
        "gru_seq_state",
        "GRU",
        {"units": 3, "return_sequences": True, "return_state": True},
        [(2, 4, 3)],
        {},
        {"grad": True},
    ),
    (
        "gru_reset_before",
        "GRU",
        {"units": 3, "reset_after": False, "return_sequences": True},
        [(2, 4, 2)],
        {},
        {"grad": True},
    ),
    (
        "gru_back_relu",
        "GRU",
        {
            "units": 3,
            "go_backwards": True,
            "activation": "relu",
            "recurrent_activation": "hard_sigmoid",
        },
        [(2, 4, 2)],
        {},
        {},
    ),
    (
        "gru_mask_initial_state",
        "GRU",
        {"units": 3, "return_sequences": True, "return_state": True},
        [(2, 5, 2)],
        {"mask": ["mask", (2, 5)], "initial_state": ["states", [(2, 3)]]},
        {},
    ),
    (
        "bidirectional_lstm",
        "Bidirectional",
        {"layer": ["LSTM", {"units": 3, "return_sequences": True, "name": "bl"}]},
        [(2, 4, 2)],
        {},
        {"grad": True},
    ),
    (
        "bidirectional_gru_sum",
        "Bidirectional",
        {"layer": ["GRU", {"units": 3, "name": "bg"}], "merge_mode": "sum"},
        [(2, 4, 2)],
        {},
        {},
    ),
    (
        "bidirectional_rnn_state",
        "Bidirectional",
        {
            "layer": ["SimpleRNN", {"units": 2, "return_state": True, "name": "bs"}],
            "merge_mode": "ave",
        },
        [(2, 3, 2)],
        {},
        {},
    ),
    (
        "bidirectional_none_state_seq",
        "Bidirectional",
        {
            "layer": [
                "LSTM",
                {"units": 2, "return_state": True, "return_sequences": True, "name": "bn"},
            ],
            "merge_mode": None,
        },
        [(2, 3, 2)],
        {},
        {},
    ),
    (
        "time_distributed_conv1d",
        "TimeDistributed",
        {"layer": ["Conv1D", {"filters": 2, "kernel_size": 2, "name": "tc"}]},
        [(2, 3, 4, 2)],
        {},
        {"grad": True},
    ),
    (
        "time_distributed_maxpool",
        "TimeDistributed",
        {"layer": ["MaxPooling1D", {"name": "tp"}]},
        [(2, 3, 4, 2)],
        {},
        {},
    ),
    # -- attention (inputs: query, value[, key]) --
    (
        "mha_self",
        "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 3},
        [(2, 4, 6), (2, 4, 6)],
        {},
        {"grad": True},
    ),
    (
        "mha_cross_key_scores",
        "MultiHeadAttention",
        {"num_heads": 3, "key_dim": 2, "value_dim": 4, "output_shape": 5},
        [(2, 3, 4), (2, 5, 6), (2, 5, 3)],
        {"return_attention_scores": True},
        {"grad": True},
    ),
    (
        "mha_mask",
        "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 2},
        [(2, 3, 4), (2, 5, 4)],
        {"attention_mask": ["mask", (2, 3, 5)]},
        {"grad": True},
    ),
    (
        "mha_mask_scores",
        "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 2},
        [(2, 3, 4), (2, 5, 4)],
        {"attention_mask": ["mask", (2, 3, 5)], "return_attention_scores": True},
        {},
    ),
    (
        "mha_causal_nobias",
        "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 3, "use_bias": False},
        [(2, 4, 5), (2, 4, 5)],
        {"use_causal_mask": True},
        {"grad": True},
    ),
    (
        "mha_causal_scores",
        "MultiHeadAttention",
        {"num_heads": 1, "key_dim": 3},
        [(1, 4, 3), (1, 4, 3)],
        {"use_causal_mask": True, "return_attention_scores": True},
        {},
    ),
    (
        "mha_2d_axes",
        "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 2, "attention_axes": (1, 2)},
        [(2, 2, 3, 4), (2, 2, 3, 4)],
        {"return_attention_scores": True},
        {},
    ),
]


def _make_layer(cls, kwargs, name):
    kwargs = dict(kwargs)
    if "layer" in kwargs:
        inner_cls, inner_kwargs = kwargs["layer"]
        kwargs["layer"] = getattr(L, inner_cls)(**inner_kwargs)
    return getattr(L, cls)(name=name, **kwargs)


def _call_args(rng, shapes, call_kwargs):
    inputs = [rng.normal(size=s).astype("float32") for s in shapes]
    kwargs, stored = {}, {}
    for key, value in call_kwargs.items():
        if isinstance(value, list) and value[0] == "normal":
            arr = rng.normal(size=value[1]).astype("float32")
            kwargs[key], stored[key] = arr, arr.tolist()
        elif isinstance(value, list) and value[0] == "mask":
            arr = rng.random(size=value[1]) < 0.7
            arr[..., 0] = True  # every row attends somewhere / every sequence starts
            kwargs[key], stored[key] = arr, arr.astype(int).tolist()
        elif isinstance(value, list) and value[0] == "states":
            arrs = [rng.normal(size=s).astype("float32") for s in value[1]]
            kwargs[key], stored[key] = arrs, [a.tolist() for a in arrs]
        else:
            kwargs[key] = stored[key] = value
    return inputs, kwargs, stored


def _flatten(out):
    if isinstance(out, (list, tuple)):
        return type(out).__name__, [np.asarray(t) for t in out]
    return "tensor", [np.asarray(out)]


def run_case(index, case):
    case_id, cls, kwargs, shapes, call_kwargs, options = case
    rng = np.random.default_rng(1000 + index)
    layer = _make_layer(cls, kwargs, case_id)
    inputs, kw, stored_kwargs = _call_args(rng, shapes, call_kwargs)
    layer(*inputs, **kw)  # builds
    scale = options.get("scale", 0.5)
    weights = [(rng.normal(size=tuple(w.shape)) * scale).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    structure, outputs = _flatten(layer(*inputs, **kw))
    record = {
        "id": case_id,
        "class": cls,
        "kwargs": kwargs,
        "inputs": [x.tolist() for x in inputs],
        "call_kwargs": stored_kwargs,
        "weights": [w.tolist() for w in weights],
        "weight_names": [w.name for w in layer.weights],
        "weight_paths": [w.path for w in layer.weights],
        "weight_shapes": [list(w.shape) for w in layer.weights],
        "structure": structure,
        "outputs": [o.tolist() for o in outputs],
        "output_shapes": [list(o.shape) for o in outputs],
        "config_keys": list(layer.get_config()),
    }
    if options.get("grad"):
        probes = [rng.normal(size=o.shape).astype("float32") for o in outputs]
        xs = [tf.constant(x) for x in inputs]
        with tf.GradientTape() as tape:
            tape.watch(xs)
            _, outs = _flatten_tensors(layer(*xs, **kw))
            loss = tf.add_n([tf.reduce_sum(o * p) for o, p in zip(outs, probes)])
        grads = tape.gradient(loss, list(layer.trainable_weights) + xs)
        record["probes"] = [p.tolist() for p in probes]
        record["grads"] = [np.asarray(g).tolist() for g in grads]
    return record


def _flatten_tensors(out):
    if isinstance(out, (list, tuple)):
        return type(out).__name__, list(out)
    return "tensor", [out]


def main():
    records = [run_case(i, case) for i, case in enumerate(CASES)]
    data = {"keras_version": keras.__version__, "cases": records}
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {len(records)} cases to {OUT}")


if __name__ == "__main__":
    main()
