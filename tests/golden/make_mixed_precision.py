"""Writes mixed_precision.json: Keras 3.15 numbers for keras.mixed_precision
(tests/keras/test_mixed_precision.py).

Run with the reference environment: `/work/tfref/bin/python tests/golden/make_mixed_precision.py`.
Policies, a Dense layer under "mixed_float16" (output and float32 kernel gradient), fit with
the automatic LossScaleOptimizer under "mixed_float16" and "mixed_bfloat16", and the dynamic
loss scale of a LossScaleOptimizer through finite and non-finite steps.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).with_name("mixed_precision.json")


def arr(a):
    return np.asarray(a, dtype=np.float64).tolist()


def policies():
    out = {}
    for name in ["mixed_float16", "mixed_bfloat16", "float32", "float16", "float64"]:
        p = keras.mixed_precision.Policy(name)
        out[name] = [p.name, p.compute_dtype, p.variable_dtype, repr(p)]
    return out


def dense(rng):
    keras.mixed_precision.set_global_policy("mixed_float16")
    layer = keras.layers.Dense(3)
    x = rng.normal(size=(4, 5)).astype("float32")
    layer.build((None, 5))
    init = [rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(3,)).astype("float32")]
    layer.set_weights(init)
    with tf.GradientTape() as tape:
        y = layer(x)
        total = tf.reduce_sum(tf.cast(y, "float32") ** 2)
    grads = tape.gradient(total, layer.trainable_weights)
    keras.mixed_precision.set_global_policy("float32")
    return {
        "x": arr(x),
        "init": [arr(w) for w in init],
        "y": arr(y),
        "y_dtype": y.dtype.name,
        "grad_dtypes": [g.dtype.name for g in grads],
        "grads": [arr(g) for g in grads],
        "dtypes": [layer.dtype, layer.compute_dtype, layer.variable_dtype],
    }


def fit(rng, policy):
    keras.mixed_precision.set_global_policy(policy)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(3),
            keras.layers.Activation("softmax", dtype="float32"),
        ]
    )
    init = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(init)
    x = rng.normal(size=(24, 6)).astype("float32")
    y = rng.integers(0, 3, 24)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    out = {
        "x": arr(x),
        "y": np.asarray(y).tolist(),
        "init": [arr(w) for w in init],
        "history": history.history,
        "final": [arr(w) for w in model.get_weights()],
        "optimizer": type(model.optimizer).__name__,
        "predict_dtype": model.predict(x[:2], verbose=0).dtype.name,
        "layer_dtypes": [[layer.compute_dtype, layer.variable_dtype] for layer in model.layers],
    }
    if hasattr(model.optimizer, "dynamic_scale"):
        out["dynamic_scale"] = float(model.optimizer.dynamic_scale.numpy())
        out["step_counter"] = int(model.optimizer.step_counter.numpy())
        out["iterations"] = int(model.optimizer.iterations.numpy())
    keras.mixed_precision.set_global_policy("float32")
    return out


def loss_scaling():
    v = keras.Variable(np.array([1.0, -2.0], "float32"))
    opt = keras.mixed_precision.LossScaleOptimizer(
        keras.optimizers.SGD(0.5), initial_scale=8.0, dynamic_growth_steps=2
    )
    steps = [[8.0, 16.0], [np.inf, 1.0], [4.0, 4.0], [2.0, -2.0], [np.nan, 0.0], [1.0, 1.0]]
    trace = [[float(opt.scale_loss(tf.constant(1.0)).numpy())]]
    for g in steps:
        opt.apply([tf.constant(np.array(g, "float32"))], [v])
        trace.append(
            [
                float(opt.dynamic_scale.numpy()),
                int(opt.step_counter.numpy()),
                int(opt.iterations.numpy()),
                *arr(v.numpy()),
            ]
        )
    return {
        "steps": [[float(x) if np.isfinite(x) else str(x) for x in g] for g in steps],
        "trace": trace,
    }


def main():
    rng = np.random.default_rng(11)
    golden = {
        "policies": policies(),
        "dense": dense(rng),
        "fit_float16": fit(rng, "mixed_float16"),
        "fit_bfloat16": fit(rng, "mixed_bfloat16"),
        "loss_scaling": loss_scaling(),
    }
    OUT.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
