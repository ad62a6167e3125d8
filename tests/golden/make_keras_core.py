"""Golden numbers for the Keras activations and core/merging/normalization/preprocessing layers.

Run with the TensorFlow reference venv: `/work/tfref/bin/python tests/golden/make_keras_core.py`.
Every layer gets its weights from `set_weights` with seeded arrays, so tapeflow can rebuild the
same layer and compare outputs, gradients, updated statistics, configs and weight paths.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_core.json")
L = keras.layers
A = keras.activations


def arr(x):
    return np.asarray(x).tolist()


def rng(seed):
    return np.random.default_rng(seed)


def f32(a):
    return np.asarray(a, np.float32)


# ---- activations --------------------------------------------------------------------------------

# (id, name, kwargs): every activation, with the argument variants that take other code paths.
ACTIVATIONS = [
    ("relu", "relu", {}),
    ("relu_slope", "relu", {"negative_slope": 0.1}),
    ("relu_max6", "relu", {"max_value": 6.0}),
    ("relu_max", "relu", {"max_value": 2.5}),
    ("relu_threshold", "relu", {"threshold": 0.5}),
    ("relu_all", "relu", {"negative_slope": 0.1, "max_value": 2.0, "threshold": 0.5}),
    ("relu_slope_max", "relu", {"negative_slope": 0.2, "max_value": 3.0}),
    ("leaky_relu", "leaky_relu", {}),
    ("leaky_relu_03", "leaky_relu", {"negative_slope": 0.3}),
    ("relu6", "relu6", {}),
    ("sigmoid", "sigmoid", {}),
    ("softmax", "softmax", {}),
    ("softmax_axis0", "softmax", {"axis": 0}),
    ("log_softmax", "log_softmax", {}),
    ("log_softmax_axis0", "log_softmax", {"axis": 0}),
    ("tanh", "tanh", {}),
    ("elu", "elu", {}),
    ("elu_alpha", "elu", {"alpha": 0.5}),
    ("selu", "selu", {}),
    ("gelu", "gelu", {}),
    ("gelu_approximate", "gelu", {"approximate": True}),
    ("silu", "silu", {}),
    ("swish", "swish", {}),
    ("softplus", "softplus", {}),
    ("softsign", "softsign", {}),
    ("exponential", "exponential", {}),
    ("hard_sigmoid", "hard_sigmoid", {}),
    ("hard_silu", "hard_silu", {}),
    ("linear", "linear", {}),
    ("mish", "mish", {}),
    ("celu", "celu", {}),
    ("celu_alpha", "celu", {"alpha": 2.0}),
    ("glu", "glu", {}),
    ("hard_tanh", "hard_tanh", {}),
    ("hard_shrink", "hard_shrink", {}),
    ("soft_shrink", "soft_shrink", {"threshold": 0.7}),
    ("tanh_shrink", "tanh_shrink", {}),
    ("log_sigmoid", "log_sigmoid", {}),
    ("sparse_plus", "sparse_plus", {}),
    ("sparse_sigmoid", "sparse_sigmoid", {}),
    ("squareplus", "squareplus", {}),
    ("threshold", "threshold", {"threshold": 0.5, "default_value": -1.0}),
]


def activations():
    x = f32(rng(1).uniform(-4, 4, size=(4, 6)))
    x[0, :6] = [-3.0, -1.0, 0.0, 1.0, 3.0, 0.5]  # the kinks
    w = f32(rng(2).normal(size=(4, 6)))
    cases = {}
    for case_id, name, kwargs in ACTIVATIONS:
        fn = getattr(A, name)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = fn(xt, **kwargs)
            loss = tf.reduce_sum(y * w[..., : y.shape[-1]])
        grad = tape.gradient(loss, xt)
        cases[case_id] = {
            "name": name,
            "kwargs": kwargs,
            "y": arr(y),
            "grad": None if grad is None else arr(grad),
        }
    return {"x": arr(x), "w": arr(w), "cases": cases}


# ---- Dense, Embedding --------------------------------------------------------------------------


def dense():
    r = rng(3)
    kernel, bias = f32(r.normal(size=(4, 5))), f32(r.normal(size=(5,)))
    x2, x3 = f32(r.normal(size=(6, 4))), f32(r.normal(size=(2, 3, 4)))
    cases = {}
    for case_id, kwargs, x in [
        ("linear", {}, x2),
        ("relu", {"activation": "relu"}, x2),
        ("sigmoid", {"activation": "sigmoid"}, x2),
        ("tanh", {"activation": "tanh"}, x2),
        ("softmax", {"activation": "softmax"}, x2),
        ("gelu", {"activation": "gelu"}, x2),
        ("no_bias", {"use_bias": False, "activation": "elu"}, x2),
        ("rank3", {"activation": "relu"}, x3),
    ]:
        keras.backend.clear_session()  # every layer gets its default name
        layer = L.Dense(5, **kwargs)
        layer.build(x.shape)
        layer.set_weights([kernel, bias] if layer.use_bias else [kernel])
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt)
            loss = tf.reduce_sum(y * y) / 2.0
        grads = tape.gradient(loss, [xt] + layer.trainable_weights)
        cases[case_id] = {
            "kwargs": kwargs,
            "x": arr(x),
            "y": arr(y),
            "grads": [arr(g) for g in grads],
            "paths": [w.path for w in layer.weights],
        }
    return {"kernel": arr(kernel), "bias": arr(bias), "cases": cases}


def embedding():
    r = rng(4)
    table = f32(r.normal(size=(7, 3)))
    ids = r.integers(0, 7, size=(2, 4)).astype(np.int32)
    w = f32(r.normal(size=(2, 4, 3)))
    keras.backend.clear_session()
    layer = L.Embedding(7, 3)
    layer.build()
    layer.set_weights([table])
    with tf.GradientTape() as tape:
        y = layer(ids)
        loss = tf.reduce_sum(y * w)
    g = tape.gradient(loss, layer.embeddings)
    return {
        "table": arr(table),
        "ids": arr(ids),
        "w": arr(w),
        "y": arr(y),
        "grad_dense": arr(tf.convert_to_tensor(g)),
        "grad_type": type(g).__name__,
        "paths": [v.path for v in layer.weights],
    }


# ---- normalization -----------------------------------------------------------------------------


def batch_norm():
    cases = {}
    for case_id, kwargs, shape in [
        ("default", {}, (8, 3)),
        ("momentum", {"momentum": 0.9, "epsilon": 1e-2}, (8, 3)),
        ("axis1", {"axis": 1}, (4, 3, 2)),
        ("no_center", {"center": False}, (6, 2, 3)),
        ("no_scale", {"scale": False}, (8, 3)),
    ]:
        r = rng(5)
        x = f32(r.normal(size=shape) * 2 + 1)
        keras.backend.clear_session()
        layer = L.BatchNormalization(**kwargs)
        layer.build(shape)
        weights = [f32(r.uniform(0.5, 1.5, size=w.shape)) for w in layer.weights]
        weights[-1] = np.abs(weights[-1]) + 0.1  # a variance
        layer.set_weights(weights)
        infer = layer(x, training=False)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            train = layer(xt, training=True)
            loss = tf.reduce_sum(train * train * f32(np.arange(x.size) % 5).reshape(shape))
        grads = tape.gradient(loss, [xt] + layer.trainable_weights)
        after = layer(x, training=False)
        cases[case_id] = {
            "kwargs": kwargs,
            "x": arr(x),
            "weights": [arr(w) for w in weights],
            "infer": arr(infer),
            "train": arr(train),
            "grads": [arr(g) for g in grads],
            "moving_after": [arr(layer.moving_mean), arr(layer.moving_variance)],
            "infer_after": arr(after),
            "paths": [w.path for w in layer.weights],
        }
    return cases


def layer_norm():
    cases = {}
    for case_id, kwargs, shape in [
        ("default", {}, (4, 6)),
        ("axes12", {"axis": [1, 2]}, (2, 3, 4)),
        ("axis1", {"axis": 1, "epsilon": 1e-5}, (2, 3, 4)),
        ("no_center", {"center": False}, (3, 5)),
        ("no_scale", {"scale": False}, (3, 5)),
    ]:
        r = rng(6)
        x = f32(r.normal(size=shape) * 3 - 1)
        keras.backend.clear_session()
        layer = L.LayerNormalization(**kwargs)
        layer.build(shape)
        weights = [f32(r.normal(size=w.shape)) for w in layer.weights]
        layer.set_weights(weights)
        w = f32(r.normal(size=shape))
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt)
            loss = tf.reduce_sum(y * w)
        grads = tape.gradient(loss, [xt] + layer.trainable_weights)
        cases[case_id] = {
            "kwargs": kwargs,
            "x": arr(x),
            "w": arr(w),
            "weights": [arr(v) for v in weights],
            "y": arr(y),
            "grads": [arr(g) for g in grads],
            "paths": [v.path for v in layer.weights],
            "axis_after_build": layer.get_config()["axis"],
        }
    return cases


def normalization():
    r = rng(7)
    x = f32(r.normal(size=(20, 3)) * [1.0, 5.0, 0.1] + [0.0, 10.0, -3.0])
    x3 = f32(r.normal(size=(6, 4, 2)) * 2 + 1)
    probe = f32(r.normal(size=(5, 3)) * 3)
    probe3 = f32(r.normal(size=(2, 4, 2)))
    cases = {}

    def record(case_id, make, data_kind, inputs, adapt_with):
        keras.backend.clear_session()
        layer = make()
        if adapt_with is not None:
            layer.adapt(adapt_with)
        cases[case_id] = {
            "config": {k: layer.get_config()[k] for k in ("axis", "invert", "mean", "variance")},
            "data": data_kind,
            "y": arr(layer(inputs)),
            "weights": [arr(w) for w in layer.weights],
            "paths": [w.path for w in layer.weights],
            "dtypes": [w.dtype for w in layer.weights],
        }

    record("numpy", L.Normalization, "x", probe, x)
    record("tensor", L.Normalization, "x", probe, tf.constant(x))
    record("batches", L.Normalization, "x", probe, [x[:7], x[7:15], x[15:]])
    record("invert", lambda: L.Normalization(invert=True), "x", probe, x)
    record("axis_none", lambda: L.Normalization(axis=None), "x", probe, x)
    record("axis_12", lambda: L.Normalization(axis=(1, 2)), "x3", probe3, x3)
    record("axis_1", lambda: L.Normalization(axis=1), "x3", probe3, x3)
    given = {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 0.25, 9.0]}
    record("given", lambda: L.Normalization(**given), "x", probe, None)
    record("given_scalar", lambda: L.Normalization(mean=2.0, variance=9.0), "x", probe, None)
    return {"x": arr(x), "x3": arr(x3), "probe": arr(probe), "probe3": arr(probe3), "cases": cases}


# ---- merging -----------------------------------------------------------------------------------


def merging():
    r = rng(8)
    a, b, c = (f32(r.normal(size=(3, 4))) for _ in range(3))
    a3, b3 = f32(r.normal(size=(3, 2, 4))), f32(r.normal(size=(3, 4, 5)))
    inputs = {"a": a, "b": b, "c": c, "a3": a3, "b3": b3}
    cases = {}
    for case_id, cls, kwargs, names in [
        ("add", "Add", {}, ["a", "b", "c"]),
        ("subtract", "Subtract", {}, ["a", "b"]),
        ("multiply", "Multiply", {}, ["a", "b", "c"]),
        ("average", "Average", {}, ["a", "b", "c"]),
        ("maximum", "Maximum", {}, ["a", "b", "c"]),
        ("minimum", "Minimum", {}, ["a", "b", "c"]),
        ("concatenate", "Concatenate", {}, ["a", "b"]),
        ("concatenate_axis0", "Concatenate", {"axis": 0}, ["a", "b"]),
        ("concatenate_axis1", "Concatenate", {"axis": 1}, ["a3", "a3"]),
        ("add_ranks", "Add", {}, ["a", "a3"]),
        ("dot", "Dot", {"axes": 1}, ["a", "b"]),
        ("dot_normalize", "Dot", {"axes": -1, "normalize": True}, ["a", "b"]),
        ("dot_3d", "Dot", {"axes": (2, 1)}, ["a3", "b3"]),
        ("dot_3d_2d", "Dot", {"axes": (2, 1)}, ["a3", "b"]),
    ]:
        layer = getattr(L, cls)(**kwargs)
        xs = [tf.constant(inputs[n]) for n in names]
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            y = layer(xs)
            loss = tf.reduce_sum(y * y)
        grads = tape.gradient(loss, xs)
        shapes = [(None,) + tuple(inputs[n].shape[1:]) for n in names]
        cases[case_id] = {
            "class": cls,
            "kwargs": kwargs,
            "inputs": names,
            "y": arr(y),
            "grads": [arr(g) for g in grads],
            "output_shape": list(layer.compute_output_shape(shapes)),
        }
    return {"inputs": {k: arr(v) for k, v in inputs.items()}, "cases": cases}


# ---- a small model trained three steps ----------------------------------------------------------


def training():
    r = rng(9)
    x, y = f32(r.normal(size=(16, 4))), f32(r.normal(size=(16, 3)))
    cases = {}
    for case_id, build in [
        ("mlp", lambda: [L.Dense(8, activation="relu"), L.Dense(3)]),
        (
            "mlp_bn",
            lambda: [
                L.Dense(8),
                L.BatchNormalization(),
                L.Activation("tanh"),
                L.Dense(3, activation="sigmoid"),
            ],
        ),
    ]:
        keras.backend.clear_session()
        model = keras.Sequential([keras.Input((4,))] + build())
        weights = [f32(rng(10 + i).uniform(-0.5, 0.5, size=w.shape)) for i, w in
                   enumerate(model.weights)]  # fmt: skip
        for i, w in enumerate(model.weights):
            if "moving_variance" in w.path:
                weights[i] = np.abs(weights[i]) + 0.5
        model.set_weights(weights)
        opt = keras.optimizers.SGD(learning_rate=0.1)
        losses = []
        for _ in range(3):
            with tf.GradientTape() as tape:
                pred = model(x, training=True)
                loss = tf.reduce_mean(tf.square(pred - y))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            losses.append(float(loss))
        cases[case_id] = {
            "initial": [arr(w) for w in weights],
            "paths": [w.path for w in model.weights],
            "losses": losses,
            "final": [arr(w) for w in model.weights],
            "predict": arr(model(x, training=False)),
        }
    return {"x": arr(x), "y": arr(y), "cases": cases}


# ---- configs -----------------------------------------------------------------------------------


def configs():
    layers = {
        "Dense": L.Dense(3, activation="relu", kernel_regularizer="l2"),
        "Embedding": L.Embedding(10, 4),
        "Activation": L.Activation("tanh"),
        "Dropout": L.Dropout(0.5, noise_shape=(None, 1), seed=3),
        "Flatten": L.Flatten(),
        "Reshape": L.Reshape((2, -1)),
        "RepeatVector": L.RepeatVector(3),
        "Identity": L.Identity(),
        "Rescaling": L.Rescaling(0.5, offset=0.25),
        "Add": L.Add(),
        "Concatenate": L.Concatenate(axis=1),
        "Dot": L.Dot(axes=1),
        "BatchNormalization": L.BatchNormalization(),
        "LayerNormalization": L.LayerNormalization(),
        "Normalization": L.Normalization(),
    }
    out = {}
    for name, layer in layers.items():
        config = layer.get_config()
        config.pop("dtype")  # Keras' DTypePolicy dict; compared separately if at all
        out[name] = json.loads(json.dumps(config, default=list))
    shapes = {
        "Flatten": list(L.Flatten().compute_output_shape((None, 2, 3))),
        "Reshape": list(L.Reshape((-1, 2)).compute_output_shape((None, 6))),
        "Reshape_unknown": list(L.Reshape((-1, 2)).compute_output_shape((None, None))),
        "RepeatVector": list(L.RepeatVector(3).compute_output_shape((None, 4))),
        "Dense": list(L.Dense(5).compute_output_shape((None, 2, 4))),
        "Embedding": list(L.Embedding(5, 2).compute_output_shape((None, 7))),
    }
    return {"configs": out, "shapes": shapes}


def main():
    golden = {
        "keras_version": keras.__version__,
        "activations": activations(),
        "dense": dense(),
        "embedding": embedding(),
        "batch_norm": batch_norm(),
        "layer_norm": layer_norm(),
        "normalization": normalization(),
        "merging": merging(),
        "training": training(),
        "configs": configs(),
    }
    OUT.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
