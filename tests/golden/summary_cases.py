"""The models whose `summary()` text is compared with Keras 3's (tests/golden/summary.json).

`cases(keras)` builds them with either Keras or `tapeflow.keras`, so the golden script and the
test print the very same models: a Sequential (built, then trained, which adds the optimizer's
parameters), a functional model with two inputs (the "Connected to" column, a name too long for
its cell, a narrow table), a sequential-like functional model with a frozen nested Sequential
(`expand_nested`, `show_trainable`) and a subclassed model before and after its first call.
Every layer is named, so the text does not depend on name counters.
"""

import numpy as np

# The terminal width both runs pretend to have; the default width is min(88, COLUMNS - 4).
COLUMNS = 120


def cases(keras):
    """name -> (model, summary kwargs, COLUMNS), in the order they are printed."""
    out = {}
    sequential = keras.Sequential(
        [
            keras.Input((11,)),
            keras.layers.Dense(64, activation="relu", name="hidden"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.Dropout(0.2, name="dropout"),
            keras.layers.Dense(1, activation="sigmoid", name="probability"),
        ],
        name="heart_mlp",
    )
    out["sequential"] = (sequential, {}, COLUMNS)
    out["sequential_80_columns"] = (sequential, {}, 80)

    features = keras.Input((16,), name="features")
    extra = keras.Input((8,), name="extra_features_with_a_long_name")
    a = keras.layers.Dense(32, name="a_dense")(features)
    b = keras.layers.Dense(32, name="b_dense")(extra)
    b = keras.layers.Dense(32, activation="relu", name="b_hidden")(b)
    joined = keras.layers.Concatenate(name="concat")([a, b])
    score = keras.layers.Dense(1, name="score")(joined)
    functional = keras.Model([features, extra], score, name="two_inputs")
    out["functional"] = (functional, {}, COLUMNS)
    out["functional_narrow"] = (functional, {"line_length": 60}, COLUMNS)

    inner = keras.Sequential(
        [keras.layers.Dense(8, name="inner_dense"), keras.layers.Dense(4, name="inner_out")],
        name="encoder",
    )
    inner.trainable = False
    x = keras.Input((6,), name="x")
    y = keras.layers.Dense(2, name="head")(inner(x))
    chain = keras.Model(x, y, name="frozen_encoder")
    out["nested_show_trainable"] = (
        chain,
        {"expand_nested": True, "show_trainable": True},
        COLUMNS,
    )
    out["layer_range"] = (functional, {"layer_range": ("a_dense", "b_hidden")}, COLUMNS)
    return out


def subclassed(keras):
    """A subclassed model: its layers have no shapes until it is called."""

    class Classifier(keras.Model):
        def __init__(self):
            super().__init__(name="classifier")
            self.conv = keras.layers.Conv2D(8, 3, name="conv")
            self.flatten = keras.layers.Flatten(name="flatten")
            self.logits = keras.layers.Dense(10, name="logits")

        def call(self, x):
            return self.logits(self.flatten(self.conv(x)))

    return Classifier()


def subclassed_input():
    return np.zeros((2, 6, 6, 1), "float32")


def training_data():
    """A batch for one step of `fit`, which builds the optimizer of the Sequential."""
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 11)).astype("float32"), np.ones((8, 1), "float32")
