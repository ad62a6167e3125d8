"""Golden numbers for tests/keras/test_optimizers.py, from Keras 3 (tf.keras).

Run with the TensorFlow reference venv: `/work/tfref/bin/python tests/golden/make_optimizers.py`.
Every case starts from the same variables and applies the same gradient sequence; the
variables after each run are stored. Schedules are evaluated over a range of steps.
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
        f"{len(golden['schedules'])} schedules"
    )


if __name__ == "__main__":
    main()
