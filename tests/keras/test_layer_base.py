"""The Layer base: weight tracking (and its cache), training propagation, symbolic calls."""

import numpy as np
import pytest

import tapeflow as tf

keras = tf.keras


class Scale(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x, training=None):
        self.seen_training = training
        return x * self.w


def test_weight_paths_follow_keras():
    layer = Scale()
    layer(np.ones((2, 3), np.float32))
    assert layer.w.name == "w" and layer.w.path == f"{layer.name}/w"
    model = keras.Sequential([keras.Input(shape=(3,)), Scale(), Scale()])
    assert [w.path for w in model.weights] == [
        f"{model.name}/{model.layers[0].name}/w",
        f"{model.name}/{model.layers[1].name}/w",
    ]


def test_weights_cache_sees_layers_added_later():
    class Stack(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = []

        def call(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    stack = Stack()
    stack.blocks.append(Scale())
    stack(np.ones((1, 2), np.float32))
    assert len(stack.trainable_weights) == 1
    stack.blocks.append(Scale())  # a new layer bumps the structure version when created
    stack(np.ones((1, 2), np.float32))
    assert len(stack.trainable_weights) == 2
    stack.trainable = False
    assert stack.trainable_weights == [] and len(stack.non_trainable_weights) == 2


def test_attribute_variables_are_tracked_without_elementwise_comparison():
    layer = Scale()
    layer.extra = tf.Variable([1.0, 2.0])
    layer(np.ones((1, 2), np.float32))
    assert len(layer.trainable_weights) == 2


def test_training_flag_propagates_to_sublayers():
    inner = Scale()
    outer = keras.Sequential([keras.Input(shape=(2,)), inner])
    outer(np.ones((1, 2), np.float32), training=True)
    assert inner.seen_training is True
    outer(np.ones((1, 2), np.float32))
    assert inner.seen_training is None


def test_float64_inputs_are_cast_to_the_layer_dtype():
    layer = Scale()
    assert layer(np.ones((2, 2))).dtype == tf.float32


def test_functional_model_replays_the_graph():
    inp = keras.Input(shape=(3,))
    out = Scale()(Scale()(inp))
    model = keras.Model(inp, out)
    assert type(model).__name__ == "Functional"
    assert model.output_shape == (None, 3)
    for w in model.weights:
        w.assign(w * 2.0)
    np.testing.assert_array_equal(model(np.ones((2, 3), np.float32)).numpy(), np.full((2, 3), 4))


def test_count_params_needs_a_built_layer():
    with pytest.raises(ValueError, match="isn't built"):
        Scale().count_params()


def test_sigmoid_output_keeps_its_logits_for_the_cross_entropy():
    # Keras' TF backend computes BCE from the logits behind a sigmoid: no clipping at 1e-7.
    probs = keras.activations.sigmoid(tf.constant([[30.0]]))
    loss = keras.losses.BinaryCrossentropy()(tf.constant([[0.0]]), probs)
    assert float(loss) == pytest.approx(30.0)
    x = tf.constant([[30.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.BinaryCrossentropy()(
            tf.constant([[0.0]]), keras.activations.sigmoid(x)
        )
    assert tape.gradient(loss, x).numpy().item() == pytest.approx(1.0)


def test_functional_graph_keeps_an_explicit_training_false():
    # Keras' transfer-learning idiom: a frozen base called with training=False.
    inner = Scale()
    inp = keras.Input(shape=(2,))
    model = keras.Model(inp, inner(inp, training=False))
    model(np.ones((1, 2), np.float32), training=True)
    assert inner.seen_training is False
    free = Scale()
    inp2 = keras.Input(shape=(2,))
    keras.Model(inp2, free(inp2))(np.ones((1, 2), np.float32), training=True)
    assert free.seen_training is True


def test_sequential_passes_masks_on_with_or_without_its_mask_hooks():
    # A Sequential skips the mask hooks when no mask comes in (its compute_mask gives None);
    # a mask made inside it, or coming into it, still reaches the outputs (as in TF 2.21).
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 4.0]]], "float32")
    inner = tf.keras.Sequential([tf.keras.layers.Dense(2, kernel_initializer="ones")])
    outer = tf.keras.Sequential([tf.keras.Input((3, 2)), tf.keras.layers.Masking(0.0), inner])
    expected = [[True, False, True]]
    np.testing.assert_array_equal(outer(tf.constant(x))._keras_mask.numpy(), expected)
    masked = tf.keras.layers.Masking(0.0)(tf.constant(x))
    np.testing.assert_array_equal(inner(masked)._keras_mask.numpy(), expected)
    assert getattr(inner(tf.constant(x)), "_keras_mask", None) is None
