"""Bad-input cases for every Keras layer tapeflow exports (fuzz_cases.py has the ops and
puts both together): constructor arguments with roles, bad inputs of each input kind, and a
layer built on one input then called with a wider one."""

from __future__ import annotations

import numpy as np
from fuzz_roles import (
    IMAGE,
    SEQUENCE,
    X23,
    Arg,
    Axis,
    Built,
    Count,
    Indices,
    Name,
    Number,
    Perm,
    Shape,
    Strings,
    Tensor,
    TensorList,
    build,
    double,
    ints,
    resolve,
)

# ---- Keras layers --------------------------------------------------------------------------

# (class path, constructor kwargs with roles, valid input, call kwargs). A constructor
# argument with a role is fuzzed too (units=-1, pool_size=2.5, ...).
LAYER_INPUTS = {
    "vector": X23,
    "sequence": np.resize(SEQUENCE, (2, 5, 2)).astype(np.float32),
    "image": np.resize(IMAGE, (2, 4, 4, 1)).astype(np.float32),
    "ids": ints([[1, 2], [0, 4]]),
    "words": np.array([[b"a"], [b"b c"]]),
}


def layer_specs() -> list:
    """(path, constructor kwargs, input kind) for every Keras layer tapeflow exports."""
    L = "keras.layers."
    seq, img, vec = "sequence", "image", "vector"
    return [
        (L + "Dense", {"units": Count(2)}, vec),
        (L + "Activation", {"activation": Name("relu")}, vec),
        (L + "Dropout", {"rate": Number(0.5)}, vec),
        (L + "Flatten", {}, img),
        (L + "Reshape", {"target_shape": Shape([3, 1])}, vec),
        (L + "RepeatVector", {"n": Count(2)}, vec),
        (L + "Identity", {}, vec),
        (L + "Permute", {"dims": Perm([2, 1])}, seq),
        (L + "Embedding", {"input_dim": Count(5), "output_dim": Count(2)}, "ids"),
        (L + "Conv1D", {"filters": Count(2), "kernel_size": Count(3)}, seq),
        (L + "Conv2D", {"filters": Count(2), "kernel_size": Count(3)}, img),
        (L + "Conv2DTranspose", {"filters": Count(2), "kernel_size": Count(3)}, img),
        (L + "DepthwiseConv2D", {"kernel_size": Count(3)}, img),
        (L + "MaxPooling1D", {"pool_size": Count(2)}, seq),
        (L + "MaxPooling2D", {"pool_size": Count(2)}, img),
        (L + "AveragePooling1D", {"pool_size": Count(2)}, seq),
        (L + "AveragePooling2D", {"pool_size": Count(2)}, img),
        (L + "GlobalAveragePooling1D", {}, seq),
        (L + "GlobalAveragePooling2D", {}, img),
        (L + "GlobalMaxPooling1D", {}, seq),
        (L + "GlobalMaxPooling2D", {}, img),
        (L + "ZeroPadding1D", {"padding": Count(1)}, seq),
        (L + "ZeroPadding2D", {"padding": Count(1)}, img),
        (L + "Cropping1D", {"cropping": Count(1)}, seq),
        (L + "Cropping2D", {"cropping": Count(1)}, img),
        (L + "UpSampling1D", {"size": Count(2)}, seq),
        (L + "UpSampling2D", {"size": Count(2)}, img),
        (L + "BatchNormalization", {"axis": Axis(-1)}, vec),
        (L + "LayerNormalization", {"axis": Axis(-1)}, vec),
        (L + "Normalization", {"axis": Axis(-1)}, vec),
        (L + "Rescaling", {"scale": Number(0.5)}, vec),
        (L + "Masking", {"mask_value": Number(0.0)}, vec),
        (L + "SimpleRNN", {"units": Count(3)}, seq),
        (L + "LSTM", {"units": Count(3)}, seq),
        (L + "GRU", {"units": Count(3)}, seq),
        (L + "MultiHeadAttention", {"num_heads": Count(2), "key_dim": Count(2)}, "attention"),
        (L + "Add", {}, "pair"),
        (L + "Subtract", {}, "pair"),
        (L + "Multiply", {}, "pair"),
        (L + "Average", {}, "pair"),
        (L + "Maximum", {}, "pair"),
        (L + "Minimum", {}, "pair"),
        (L + "Concatenate", {"axis": Axis(-1)}, "pair"),
        (L + "Dot", {"axes": Axis(1)}, "pair"),
        (L + "SimpleRNNCell", {"units": Count(3)}, "cell1"),
        (L + "LSTMCell", {"units": Count(3)}, "cell2"),
        (L + "GRUCell", {"units": Count(3)}, "cell1"),
        (L + "RNN", {"cell": Built(lambda tf: tf.keras.layers.SimpleRNNCell(3))}, seq),
        (L + "Bidirectional", {"layer": Built(lambda tf: tf.keras.layers.LSTM(2))}, seq),
        (L + "TimeDistributed", {"layer": Built(lambda tf: tf.keras.layers.Dense(2))}, seq),
        (L + "Lambda", {"function": double}, vec),
        (L + "ReLU", {"max_value": Number(6.0)}, vec),
        (L + "LeakyReLU", {"negative_slope": Number(0.3)}, vec),
        (L + "ELU", {"alpha": Number(1.0)}, vec),
        (L + "PReLU", {}, vec),
        (L + "Softmax", {"axis": Axis(-1)}, vec),
        (L + "CategoryEncoding", {"num_tokens": Count(5)}, "ids"),
        (L + "Hashing", {"num_bins": Count(3)}, "words"),
        (L + "StringLookup", {"vocabulary": Name(["a", "b"])}, "words"),
        (L + "IntegerLookup", {"vocabulary": Indices(ints([1, 2]))}, "ids"),
        (L + "TextVectorization", {"max_tokens": Count(10), "vocabulary": ["a", "b"]}, "words"),
        (L + "Discretization", {"bin_boundaries": Name([0.3, 0.6])}, vec),
        (L + "CenterCrop", {"height": Count(2), "width": Count(2)}, img),
        (L + "Resizing", {"height": Count(3), "width": Count(3)}, img),
        (L + "RandomFlip", {"mode": Name("horizontal"), "seed": 1}, img),
        (L + "RandomRotation", {"factor": Number(0.1), "seed": 1}, img),
        (
            L + "RandomTranslation",
            {"height_factor": Number(0.1), "width_factor": Number(0.1), "seed": 1},
            img,
        ),  # fmt: skip
        (L + "RandomZoom", {"height_factor": Number(0.1), "seed": 1}, img),
        (L + "RandomContrast", {"factor": Number(0.1), "seed": 1}, img),
    ]


def _layer_input_variants(kind):
    """(label, value) bad inputs of a layer taking `kind`, and a matching valid value."""
    if kind == "pair":
        return LAYER_INPUTS["vector"], TensorList([X23, X23]).bad()
    if kind == "attention":
        return LAYER_INPUTS["sequence"], Tensor(LAYER_INPUTS["sequence"]).bad()
    if kind.startswith("cell"):
        return X23[:, :2], Tensor(X23[:, :2]).bad()
    if kind == "words":
        return LAYER_INPUTS["words"], Strings(LAYER_INPUTS["words"]).bad()
    v = LAYER_INPUTS[kind]
    role = Indices(v) if kind == "ids" else Tensor(v)
    return v, role.bad()


def _make_layer(tf, path, kwargs):
    return resolve(tf, path)(**{k: build(tf, v) for k, v in kwargs.items()})


def _call_layer(layer, kind, x):
    if kind == "pair":
        return layer(x if not isinstance(x, np.ndarray) or x.ndim == 0 else [x, x])
    if kind == "attention":
        return layer(x, x)
    if kind.startswith("cell"):  # one or two (LSTM: h and c) states of 3 units
        states = [np.zeros((2, 3), np.float32)] * int(kind[-1])
        return layer(x, states)
    return layer(x)


def layer_cases(path, ctor, kind):
    """case id -> function of the `tf` module, for one layer spec."""
    valid_kwargs = {k: a.value if isinstance(a, Arg) else a for k, a in ctor.items()}
    valid_input, bad_inputs = _layer_input_variants(kind)
    cases = {}

    def plain(kwargs, x):
        return lambda tf: _call_layer(_make_layer(tf, path, kwargs), kind, x)

    cases[f"{path}|valid"] = plain(valid_kwargs, valid_input)
    if kind == "pair":  # a merge layer takes a list: its bad lists are the inputs
        for label, value in bad_inputs:
            cases[f"{path}|input={label}"] = _merge_case(path, valid_kwargs, value)
    else:
        for label, value in bad_inputs:
            cases[f"{path}|input={label}"] = plain(valid_kwargs, value)
        if kind in ("sequence", "image", "vector"):
            # Built on the valid input, then called with one more feature.
            wider = np.concatenate([valid_input, valid_input[..., :1]], axis=-1)
            cases[f"{path}|input=wider_after_build"] = _after_build(
                path, valid_kwargs, kind, valid_input, wider
            )
        if kind == "sequence":
            cases[f"{path}|input=no_steps"] = plain(valid_kwargs, valid_input[:, :0])
    for name, arg in ctor.items():
        if not isinstance(arg, Arg):
            continue
        for label, value in arg.bad():
            kwargs = dict(valid_kwargs, **{name: value})
            cases[f"{path}|{name}={label}"] = plain(kwargs, valid_input)
    return cases


def _merge_case(path, kwargs, value):
    return lambda tf: _make_layer(tf, path, kwargs)(value)


def _after_build(path, kwargs, kind, first, second):
    def run(tf):
        layer = _make_layer(tf, path, kwargs)
        _call_layer(layer, kind, first)
        return _call_layer(layer, kind, second)

    return run
