"""Golden numbers for tests/keras/test_optimizers.py, from Keras 3 (tf.keras).

Run with the TensorFlow reference venv: `/work/tfref/bin/python tests/golden/make_optimizers.py`.
Every case starts from the same variables and applies the same gradient sequence; the
variables after each run are stored. Schedules are evaluated over a range of steps.

The "shapes" cases train a 0-d, a 1-d and a 2-d variable, and a 2-d table and a 1-d vector
read with `tf.gather` (so their gradients are IndexedSlices) from one GradientTape
per step, in one `apply_gradients` call; "scalar" cases train the 0-d variable alone.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

K = tf.keras.optimizers
S = K.schedules
OUT = pathlib.Path(__file__).with_name("optimizers.json")
STEPS = 4

# Optimizer cases: (id, class name, kwargs, options). A "schedule" kwarg is a schedule spec
# [class name, config] built on both sides. Options: "sparse" (the matrix gets IndexedSlices),
# "skip" (the bias has no gradient at step 1), "dtype".
CASES = [
    ("sgd", "SGD", {"learning_rate": 0.1}, {}),
    ("sgd_momentum", "SGD", {"learning_rate": 0.1, "momentum": 0.9}, {}),
    ("sgd_nesterov", "SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}, {}),
    ("sgd_loss_scale", "SGD", {"learning_rate": 0.1, "loss_scale_factor": 4.0}, {}),
    (
        "sgd_accumulate",
        "SGD",
        {"learning_rate": 0.1, "momentum": 0.5, "gradient_accumulation_steps": 2},
        {},
    ),
    ("sgd_clipvalue", "SGD", {"learning_rate": 0.1, "clipvalue": 0.3}, {}),
    ("sgd_sparse", "SGD", {"learning_rate": 0.1}, {"sparse": True}),
    ("sgd_momentum_sparse", "SGD", {"learning_rate": 0.1, "momentum": 0.9}, {"sparse": True}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.1}, {}),
    ("rmsprop_momentum", "RMSprop", {"learning_rate": 0.1, "momentum": 0.5}, {}),
    ("rmsprop_centered", "RMSprop", {"learning_rate": 0.1, "centered": True}, {}),
    (
        "rmsprop_centered_momentum",
        "RMSprop",
        {"learning_rate": 0.1, "centered": True, "momentum": 0.5},
        {},
    ),
    ("rmsprop_sparse", "RMSprop", {"learning_rate": 0.1}, {"sparse": True}),
    ("adam", "Adam", {"learning_rate": 0.1}, {}),
    ("adam_float64", "Adam", {"learning_rate": 0.1}, {"dtype": "float64"}),
    ("adam_amsgrad", "Adam", {"learning_rate": 0.1, "amsgrad": True}, {}),
    ("adam_clipnorm", "Adam", {"learning_rate": 0.1, "clipnorm": 0.5}, {}),
    ("adam_global_clipnorm", "Adam", {"learning_rate": 0.1, "global_clipnorm": 0.5}, {}),
    ("adam_weight_decay", "Adam", {"learning_rate": 0.1, "weight_decay": 0.1}, {}),
    (
        "adam_schedule",
        "Adam",
        {
            "learning_rate": [
                "ExponentialDecay",
                {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5},
            ]
        },
        {},
    ),
    (
        "adam_ema",
        "Adam",
        {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 3},
        {},
    ),
    ("adam_accumulate", "Adam", {"learning_rate": 0.1, "gradient_accumulation_steps": 2}, {}),
    ("adam_sparse", "Adam", {"learning_rate": 0.1}, {"sparse": True}),
    ("adam_skip", "Adam", {"learning_rate": 0.1}, {"skip": True}),
    ("adamw", "AdamW", {"learning_rate": 0.1}, {}),
    ("adamw_amsgrad", "AdamW", {"learning_rate": 0.1, "amsgrad": True, "weight_decay": 0.05}, {}),
    ("adagrad", "Adagrad", {"learning_rate": 0.1}, {}),
    ("adagrad_sparse", "Adagrad", {"learning_rate": 0.1}, {"sparse": True}),
    ("adadelta", "Adadelta", {"learning_rate": 1.0}, {}),
    ("adadelta_sparse", "Adadelta", {"learning_rate": 1.0}, {"sparse": True}),
    ("adamax", "Adamax", {"learning_rate": 0.1}, {}),
    ("nadam", "Nadam", {"learning_rate": 0.1}, {}),
    ("nadam_sparse", "Nadam", {"learning_rate": 0.1}, {"sparse": True}),
    ("lion", "Lion", {"learning_rate": 0.1}, {}),
    ("lion_weight_decay", "Lion", {"learning_rate": 0.1, "weight_decay": 0.5}, {}),
    (
        "sgd_cosine_warmup",
        "SGD",
        {
            "learning_rate": [
                "CosineDecay",
                {
                    "initial_learning_rate": 0.0,
                    "decay_steps": 4,
                    "warmup_target": 0.2,
                    "warmup_steps": 2,
                },
            ]
        },
        {},
    ),
]

# Every optimizer configuration, for the shapes cases.
SHAPE_OPTIMIZERS = [
    ("sgd", "SGD", {"learning_rate": 0.1}),
    ("sgd_momentum", "SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("adam", "Adam", {"learning_rate": 0.1}),
    ("adam_amsgrad", "Adam", {"learning_rate": 0.1, "amsgrad": True}),
    ("adamw", "AdamW", {"learning_rate": 0.1}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.1}),
    ("rmsprop_momentum", "RMSprop", {"learning_rate": 0.1, "momentum": 0.5}),
    ("rmsprop_centered", "RMSprop", {"learning_rate": 0.1, "centered": True}),
    (
        "rmsprop_centered_momentum",
        "RMSprop",
        {"learning_rate": 0.1, "centered": True, "momentum": 0.5},
    ),
    ("adagrad", "Adagrad", {"learning_rate": 0.1}),
    ("adadelta", "Adadelta", {"learning_rate": 1.0}),
    ("adamax", "Adamax", {"learning_rate": 0.1}),
    ("nadam", "Nadam", {"learning_rate": 0.1}),
    ("lion", "Lion", {"learning_rate": 0.1}),
]
# The options every optimizer shares, on the same problems (with Adam, SGD and RMSprop).
SHAPE_OPTIONS = [
    ("clipnorm", {"clipnorm": 0.5}),
    ("global_clipnorm", {"global_clipnorm": 0.5}),
    ("clipvalue", {"clipvalue": 0.3}),
    ("weight_decay", {"weight_decay": 0.1}),
    ("ema", {"use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 3}),
    ("accumulate", {"gradient_accumulation_steps": 2}),
    ("loss_scale", {"loss_scale_factor": 4.0}),
    (
        "schedule",
        {
            "learning_rate": [
                "ExponentialDecay",
                {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5},
            ]
        },
    ),
]
SHAPE_OPTION_BASES = [
    ("adam", "Adam", {"learning_rate": 0.1}),
    ("sgd_momentum", "SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.1}),
]
SHAPE_STEPS = 5


ALL_SHAPES = ["s", "v", "w", "e", "u"]


def shape_cases():
    """(id, class name, kwargs, variable names) of the shapes golden cases."""
    cases = []
    for opt_id, cls_name, kwargs in SHAPE_OPTIMIZERS:
        cases.append((f"{opt_id}_shapes", cls_name, kwargs, ALL_SHAPES))
        cases.append((f"{opt_id}_dense_shapes", cls_name, kwargs, ["s", "v", "w"]))
        cases.append((f"{opt_id}_scalar", cls_name, kwargs, ["s"]))
    for base_id, cls_name, base in SHAPE_OPTION_BASES:
        for option_id, option in SHAPE_OPTIONS:
            kwargs = {**base, **option}
            cases.append((f"{base_id}_{option_id}_shapes", cls_name, kwargs, ALL_SHAPES))
            cases.append((f"{base_id}_{option_id}_scalar", cls_name, kwargs, ["s"]))
    return cases


def shape_problem():
    """Initial values, and per step the coefficients of the loss and the gathered rows.

    loss = s * cs + sum(v * cv) + sum(w * cw) + sum(gather(e, rows) * ce)
    + sum(gather(u, rows) * cu): its gradients are exactly the coefficients (IndexedSlices
    `(ce, rows)` and `(cu, rows)` for `e` and `u`).
    """
    rng = np.random.default_rng(11)
    init = {
        "s": np.float32(rng.standard_normal()),
        "v": rng.standard_normal(3).astype("float32"),
        "w": rng.standard_normal((4, 3)).astype("float32"),
        "e": rng.standard_normal((5, 2)).astype("float32"),
        "u": rng.standard_normal(6).astype("float32"),
    }
    # Unique rows within a step: with a repeated row, Keras 3 squares each slice before
    # adding them up (ops.square on IndexedSlices), so its Adam/RMSprop/Adagrad/... moments
    # differ from those of the same gradient given dense; tapeflow sums the slices first (the
    # gradient the IndexedSlices stand for), and tests that against the dense update.
    rows = [[1, 3], [0, 4], [2, 1], [4, 3], [3, 0]]
    steps = []
    for r in rows:
        steps.append(
            {
                "s": np.float32(rng.standard_normal() * 2),
                "v": rng.standard_normal(3).astype("float32"),
                "w": rng.standard_normal((4, 3)).astype("float32"),
                "e": rng.standard_normal((2, 2)).astype("float32"),
                "u": rng.standard_normal(2).astype("float32"),
                "rows": r,
            }
        )
    return init, steps


def shape_loss(variables, step):
    loss = tf.constant(0.0)
    if "s" in variables:
        loss += variables["s"] * step["s"]
    if "v" in variables:
        loss += tf.reduce_sum(variables["v"] * step["v"])
    if "w" in variables:
        loss += tf.reduce_sum(variables["w"] * step["w"])
    if "e" in variables:
        loss += tf.reduce_sum(tf.gather(variables["e"], step["rows"]) * step["e"])
    if "u" in variables:
        loss += tf.reduce_sum(tf.gather(variables["u"], step["rows"]) * step["u"])
    return loss


def run_shape_case(cls_name, kwargs, names):
    init, steps = shape_problem()
    variables = {n: tf.Variable(init[n], name=n) for n in names}
    opt = getattr(K, cls_name)(**build_kwargs(kwargs))
    var_list = [variables[n] for n in names]
    for step in steps:
        with tf.GradientTape() as tape:
            loss = shape_loss(variables, step)
        grads = tape.gradient(loss, var_list)
        for i, name in enumerate(names):
            if name in ("e", "u"):
                assert isinstance(grads[i], tf.IndexedSlices)
                if kwargs.get("loss_scale_factor"):
                    # Keras 3.15 divides each gradient by the factor with `/`, which
                    # IndexedSlices do not support (TypeError): the rows are given dense here.
                    # tapeflow divides the rows; a dense gradient with zero rows gives the
                    # same numbers.
                    grads[i] = tf.convert_to_tensor(grads[i])
        opt.apply_gradients(zip(grads, var_list))
    return {
        "values": {n: variables[n].numpy().tolist() for n in names},
        "iterations": int(opt.iterations.numpy()),
    }


SCHEDULES = [
    (
        "exponential",
        "ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.7},
    ),
    (
        "exponential_staircase",
        "ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.7, "staircase": True},
    ),
    ("piecewise", "PiecewiseConstantDecay", {"boundaries": [3, 7], "values": [1.0, 0.5, 0.1]}),
    (
        "polynomial",
        "PolynomialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 8, "end_learning_rate": 0.01, "power": 2.0},
    ),
    (
        "polynomial_cycle",
        "PolynomialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 4, "power": 0.5, "cycle": True},
    ),
    (
        "inverse_time",
        "InverseTimeDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5},
    ),
    (
        "inverse_time_staircase",
        "InverseTimeDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5, "staircase": True},
    ),
    ("cosine", "CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.1}),
    (
        "cosine_warmup",
        "CosineDecay",
        {"initial_learning_rate": 0.01, "decay_steps": 8, "warmup_target": 0.1, "warmup_steps": 4},
    ),
    (
        "cosine_restarts",
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.1,
            "first_decay_steps": 3,
            "t_mul": 2.0,
            "m_mul": 0.8,
            "alpha": 0.05,
        },
    ),
    (
        "cosine_restarts_t1",
        "CosineDecayRestarts",
        {"initial_learning_rate": 0.1, "first_decay_steps": 4, "t_mul": 1.0},
    ),
]
SCHEDULE_STEPS = list(range(0, 25))


def problem(dtype="float32"):
    """Initial variables and the gradient sequence (dense, and sparse rows of the matrix)."""
    rng = np.random.default_rng(7)
    w = rng.standard_normal((4, 3)).astype(dtype)
    b = rng.standard_normal((3,)).astype(dtype)
    dense = [
        (rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(3).astype(dtype))
        for _ in range(STEPS)
    ]
    rows = [[2, 0], [1, 2], [3, 0], [2, 1]]  # unique rows per step
    sparse = [(rng.standard_normal((2, 3)).astype(dtype), np.array(r, np.int32)) for r in rows]
    return {"w": w, "b": b, "dense": dense, "sparse": sparse}


def build_kwargs(kwargs):
    out = dict(kwargs)
    lr = out.get("learning_rate")
    if isinstance(lr, list):
        out["learning_rate"] = getattr(S, lr[0])(**lr[1])
    return out


def run_case(cls_name, kwargs, options):
    p = problem(options.get("dtype", "float32"))
    w, b = tf.Variable(p["w"], name="w"), tf.Variable(p["b"], name="b")
    opt = getattr(K, cls_name)(**build_kwargs(kwargs))
    for step in range(STEPS):
        gw, gb = p["dense"][step]
        if options.get("sparse"):
            values, rows = p["sparse"][step]
            gw = tf.IndexedSlices(tf.constant(values), tf.constant(rows), tf.constant([4, 3]))
        else:
            gw = tf.constant(gw)
        gb = None if options.get("skip") and step == 1 else tf.constant(gb)
        opt.apply_gradients([(gw, w), (gb, b)])
    return {
        "w": w.numpy().tolist(),
        "b": b.numpy().tolist(),
        "iterations": int(opt.iterations.numpy()),
    }


def main():
    golden = {"steps": STEPS, "problem": {}, "cases": {}, "schedules": {}}
    for dtype in ("float32", "float64"):
        p = problem(dtype)
        golden["problem"][dtype] = {
            "w": p["w"].tolist(),
            "b": p["b"].tolist(),
            "dense": [[gw.tolist(), gb.tolist()] for gw, gb in p["dense"]],
            "sparse": [[v.tolist(), r.tolist()] for v, r in p["sparse"]],
        }
    for case_id, cls_name, kwargs, options in CASES:
        golden["cases"][case_id] = {
            "class": cls_name,
            "kwargs": kwargs,
            "options": options,
            **run_case(cls_name, kwargs, options),
        }
    init, steps = shape_problem()
    golden["shape_problem"] = {
        "init": {n: np.asarray(a).tolist() for n, a in init.items()},
        "steps": [
            {n: (a if n == "rows" else np.asarray(a).tolist()) for n, a in step.items()}
            for step in steps
        ],
    }
    golden["shape_cases"] = {}
    for case_id, cls_name, kwargs, names in shape_cases():
        golden["shape_cases"][case_id] = {
            "class": cls_name,
            "kwargs": kwargs,
            "variables": names,
            **run_shape_case(cls_name, kwargs, names),
        }
    for sched_id, cls_name, config in SCHEDULES:
        schedule = getattr(S, cls_name)(**config)
        golden["schedules"][sched_id] = {
            "class": cls_name,
            "config": config,
            "steps": SCHEDULE_STEPS,
            "values": [float(schedule(np.int64(s)).numpy()) for s in SCHEDULE_STEPS],
        }
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(
        f"wrote {OUT}: {len(golden['cases'])} optimizer cases, "
        f"{len(golden['shape_cases'])} shape cases, {len(golden['schedules'])} schedules"
    )


if __name__ == "__main__":
    main()
