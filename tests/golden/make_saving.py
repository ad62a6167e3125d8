"""Golden data for tests/keras/test_saving.py, from Keras 3.

Run with the TensorFlow reference venv: `/work/tfref/bin/python tests/golden/make_saving.py`.
Records the keys Keras 3 gives each variable in a `.weights.h5` file (for several model
shapes), and Keras configs of functional and Sequential models built from two custom layers
registered on both sides, with their weights, inputs and outputs.
"""

import json
import os
import pathlib
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).with_name("saving.json")


@keras.saving.register_keras_serializable(package="Golden")
class MyDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        return keras.ops.matmul(x, self.kernel) + self.bias

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="Golden")
class Merge(keras.layers.Layer):
    def call(self, a, b, scale=1.0):
        return (a + b) * scale

    def get_config(self):
        return super().get_config()


class Sub(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1 = MyDense(3)
        self.blocks = [MyDense(3), MyDense(3)]
        self.out = MyDense(1)

    def call(self, x):
        x = self.d1(x)
        for block in self.blocks:
            x = block(x)
        return self.out(x)


def weight_keys(model):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.weights.h5")
        model.save_weights(path)
        keys = []
        with h5py.File(path) as f:
            f.visititems(
                lambda name, obj: (
                    keys.append([name, list(obj.shape)]) if isinstance(obj, h5py.Dataset) else None
                )
            )
    return sorted(keys)


def fixed_weights(model, rng):
    values = [rng.normal(size=w.shape).astype("float32") for w in model.weights]
    model.set_weights(values)
    return [v.tolist() for v in values]


def main():
    rng = np.random.default_rng(7)
    out = {}

    seq = keras.Sequential([keras.Input((3,)), MyDense(4), MyDense(2)])
    out["keys_sequential"] = weight_keys(seq)
    sub = Sub()
    sub(np.zeros((1, 4), "float32"))
    out["keys_subclassed"] = weight_keys(sub)
    out["keys_builtin"] = weight_keys(
        keras.Sequential(
            [
                keras.Input((3,)),
                keras.layers.Dense(4),
                keras.layers.BatchNormalization(),
                keras.layers.Dropout(0.5),
                keras.layers.Dense(2),
            ]
        )
    )

    # Two inputs, a shared layer, a merge with a call kwarg, a nested functional model.
    inner_in = keras.Input((4,), name="inner_in")
    inner = keras.Model(inner_in, MyDense(2, name="inner_dense")(inner_in), name="inner")
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    shared = MyDense(4, name="shared")
    merged = Merge(name="merge")(shared(a), shared(b), scale=0.5)
    model = keras.Model([a, b], inner(merged), name="outer")
    out["keys_functional"] = weight_keys(model)
    weights = fixed_weights(model, rng)
    x = [rng.normal(size=(5, 3)).astype("float32") for _ in range(2)]
    out["functional"] = {
        "config": keras.saving.serialize_keras_object(model),
        "weights": weights,
        "inputs": [v.tolist() for v in x],
        "outputs": np.asarray(model(x)).tolist(),
    }
    seq_weights = fixed_weights(seq, rng)
    xs = rng.normal(size=(5, 3)).astype("float32")
    out["sequential"] = {
        "config": keras.saving.serialize_keras_object(seq),
        "weights": seq_weights,
        "inputs": xs.tolist(),
        "outputs": np.asarray(seq(xs)).tolist(),
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
