"""Layers check their inputs as Keras 3.15 does (InputSpec per layer, its messages), and an
error raised while a layer builds, calls or is made names the layer (issue 8)."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import keras
from tapeflow.core.errors import InvalidArgumentError

L = keras.layers

# Keras 3.15.1's `input_spec` before and after a first call (printed from TF's Keras).
KERAS_SPECS = {
    "Dense": (lambda: L.Dense(2), (2, 3), "InputSpec(min_ndim=2)",
              "InputSpec(min_ndim=2, axes={-1: 3})"),
    "Conv1D": (lambda: L.Conv1D(2, 3), (2, 5, 2), "InputSpec(min_ndim=3)",
               "InputSpec(min_ndim=3, axes={-1: 2})"),
    "Conv2DTranspose": (lambda: L.Conv2DTranspose(2, 3), (2, 4, 4, 1), "InputSpec(min_ndim=4)",
                        "InputSpec(min_ndim=4, axes={-1: 1})"),
    "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(3), (2, 4, 4, 1), "InputSpec(min_ndim=4)",
                        "InputSpec(min_ndim=4, axes={-1: 1})"),
    "MaxPooling1D": (lambda: L.MaxPooling1D(), (2, 4, 2), "InputSpec(ndim=3)",
                     "InputSpec(ndim=3)"),
    "GlobalMaxPooling2D": (lambda: L.GlobalMaxPooling2D(), (2, 4, 4, 1), "InputSpec(ndim=4)",
                           "InputSpec(ndim=4)"),
    "LSTM": (lambda: L.LSTM(2), (2, 5, 2), "InputSpec(ndim=3)", "InputSpec(ndim=3)"),
    "SimpleRNN": (lambda: L.SimpleRNN(2), (2, 5, 2), "[InputSpec(ndim=3)]",
                  "[InputSpec(ndim=3)]"),
    "BatchNormalization": (lambda: L.BatchNormalization(), (2, 3), "None",
                           "InputSpec(ndim=2, axes={-1: 3})"),
    "Flatten": (lambda: L.Flatten(), (2, 3), "InputSpec(min_ndim=1)", "InputSpec(min_ndim=1)"),
    "RepeatVector": (lambda: L.RepeatVector(2), (2, 3), "InputSpec(ndim=2)",
                     "InputSpec(ndim=2)"),
    "Permute": (lambda: L.Permute((2, 1)), (2, 5, 2), "InputSpec(ndim=3)", "InputSpec(ndim=3)"),
    "UpSampling2D": (lambda: L.UpSampling2D(), (2, 4, 4, 1), "InputSpec(ndim=4)",
                     "InputSpec(ndim=4)"),
    "Embedding": (lambda: L.Embedding(5, 2), (2, 2), "None", "None"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(KERAS_SPECS))
def test_layers_declare_keras_input_specs(name):
    make, shape, before, after = KERAS_SPECS[name]
    layer = make()
    assert repr(layer.input_spec) == before
    layer(np.zeros(shape, np.int32 if name == "Embedding" else np.float32))
    assert repr(layer.input_spec) == after


def test_dense_on_a_rank_1_input_is_keras_value_error():
    # tapeflow used to compute a (2,) result for a (3,) input.
    with pytest.raises(ValueError) as info:
        L.Dense(2, name="d")(np.ones(3, np.float32))
    assert str(info.value) == (
        "Input 0 with name 'None' of layer 'd' is incompatible with the layer: expected "
        "min_ndim=2, found ndim=1. Full shape received: (3,)"
    )


def test_specs_are_checked_after_build_and_symbolically():
    dense = L.Dense(2, name="d2")
    dense(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3, but"):
        dense(np.ones((1, 4), np.float32))
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        L.Dense(2)(keras.Input(shape=()))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        L.LSTM(2)(keras.Input(shape=(3,)))


def test_none_and_text_inputs():
    # Used to be "'NoneType' object is not subscriptable".
    with pytest.raises(ValueError, match="Inputs to a layer should be tensors. Got 'None'.*'dn'"):
        L.Dense(2, name="dn")(None)
    with pytest.raises(ValueError, match="Only input tensors may be passed as positional.*'dt'"):
        L.Dense(2, name="dt")("abc")


def test_call_errors_name_the_layer_and_keep_their_type():
    # LSTM over 0 steps named StridedSlice, a wrong feature size MatMul, and neither the layer.
    with pytest.raises(InvalidArgumentError) as info:
        L.LSTM(2, name="rnn0")(np.ones((1, 0, 3), np.float32))
    message = str(info.value)
    assert message.startswith("Exception encountered when calling LSTM.call() (layer 'rnn0')")
    assert "needs at least one time step" in message
    assert "• sequences=tf.Tensor(shape=(1, 0, 3), dtype=float32)" in message
    lstm = L.LSTM(2, name="rnn1")
    lstm(np.ones((1, 2, 3), np.float32))
    with pytest.raises(InvalidArgumentError, match=r"(?s)layer 'rnn1'.*built for 3 input feat"):
        lstm(np.ones((1, 2, 4), np.float32))
    # An Embedding index out of range named GatherV2 only.
    with pytest.raises(InvalidArgumentError, match=r"(?s)Embedding.call\(\) \(layer 'emb'\).*"
                       r"GatherV2: indices\[0\] = 7 is not in \[0, 5\)"):  # fmt: skip
        L.Embedding(5, 2, name="emb")(np.array([7]))


def test_the_innermost_layer_names_itself_and_its_callers_add_a_line():
    inner = L.Dense(2, name="inner")
    model = keras.Sequential([L.Dense(3), inner])
    model(np.ones((1, 4), np.float32))
    with pytest.raises(ValueError) as info:
        model(np.ones((1, 5), np.float32))
    message = str(info.value)
    assert message.count("Exception encountered") <= 1  # added once, innermost first
    bidirectional = L.Bidirectional(L.LSTM(2), name="bi")
    with pytest.raises(InvalidArgumentError) as info:
        bidirectional(np.ones((1, 3), np.float32))
    assert "Called from Bidirectional.build() (layer 'bi')" in str(info.value)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: L.Dense(-1), "Dense: `units` must be a positive integer"),
        (lambda: L.Conv2D(2.5, 3), "Conv2D: `filters` must be a positive integer"),
        (lambda: L.Conv1D(2, kernel_size="3"), "Conv1D: `kernel_size` must be an int"),
        (lambda: L.MaxPooling2D(pool_size=2.0), "MaxPooling2D: `pool_size`"),
        (lambda: L.LSTM("x"), "LSTMCell: `units`"),
        (lambda: L.MultiHeadAttention(num_heads=2.0, key_dim=2), "`num_heads` must be a pos"),
        (lambda: L.UpSampling1D(size=2.5), "UpSampling1D: `size`"),
        (lambda: L.Cropping1D(cropping=-1), "Cropping1D: `cropping` must be non-negative"),
        (lambda: L.Dropout(rate="a"), "Dropout"),
        (lambda: L.BatchNormalization(axis=[1]), "BatchNormalization: `axis` must be an int"),
        (lambda: L.Concatenate(axis=1.0), "Concatenate: `axis` must be an int"),
        (lambda: L.Dot(axes=1.5), "Dot: invalid type for argument `axes`"),
        (lambda: L.Permute((1.0, 2.0)), "Permute: invalid permutation argument"),
        (lambda: L.Reshape((2.0, 3)), "Reshape: `target_shape` must be a tuple of integers"),
        (lambda: L.Resizing(2.5, 3), "Resizing: `height` must be a positive integer"),
        (lambda: keras.Input(shape=(2.5,)), "Found invalid dimension 2.5"),
    ],
)
def test_constructor_errors_name_the_layer(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_lookups_without_a_vocabulary_are_not_initialized():
    with pytest.raises(tf.errors.FailedPreconditionError, match="Table not initialized"):
        L.StringLookup()(np.array(["a"]))


def test_keras_input_spec_class():
    spec = L.InputSpec(ndim=2, axes={-1: 3})
    assert repr(spec) == "InputSpec(ndim=2, axes={-1: 3})"
    assert L.InputSpec.from_config(spec.get_config()).axes == {-1: 3}
    with pytest.raises(ValueError, match="Axis 5 is greater than the maximum allowed value: 1"):
        L.InputSpec(ndim=2, axes={5: 1})


def test_a_custom_layer_spec_is_checked():
    class Pairs(L.Layer):
        def __init__(self):
            super().__init__()
            self.input_spec = L.InputSpec(shape=(None, 2))

        def call(self, inputs):
            return inputs

    with pytest.raises(ValueError, match=r"expected shape=\(None, 2\), found shape=\(1, 3\)"):
        Pairs()(np.ones((1, 3), np.float32))
    assert Pairs()(np.ones((4, 2), np.float32)).shape == (4, 2)
