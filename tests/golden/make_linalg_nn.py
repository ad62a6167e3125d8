"""Writes linalg_nn.json: TensorFlow's numbers for the linalg and nn op families.

Run with the TensorFlow reference venv, from the repository root:
    TF_CPP_MIN_LOG_LEVEL=3 /work/tfref/bin/python tests/golden/make_linalg_nn.py
Every case stores its inputs with the outputs, so the tests need no TensorFlow.
"""

import json
import os

import numpy as np
import tensorflow as tf

rng = np.random.default_rng(20240601)
cases = {}


def arr(x):
    return np.asarray(x).tolist()


def grads_of(fn, *inputs):
    """fn(*inputs) and d sum(fn * w) / d inputs for a fixed random weight w."""
    xs = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = fn(*xs)
    w = tf.constant(rng.standard_normal(y.shape).astype(y.dtype.as_numpy_dtype))
    gs = tape.gradient(y, xs, output_gradients=w)
    return y.numpy(), w.numpy(), [None if g is None else g.numpy() for g in gs]


def record(name, fn, inputs, **extra):
    y, w, gs = grads_of(fn, *inputs)
    cases[name] = {
        "inputs": [arr(x) for x in inputs],
        "dtype": str(np.asarray(inputs[0]).dtype),
        "output": arr(y),
        "weight": arr(w),
        "grads": [None if g is None else arr(g) for g in gs],
        **extra,
    }


f32 = np.float32
x_act = np.array([-10.0, -3.0, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 3.0, 10.0], f32)

# ---- activations ------------------------------------------------------------------------------
record("gelu_exact", lambda x: tf.nn.gelu(x), [x_act])
record("gelu_approximate", lambda x: tf.nn.gelu(x, approximate=True), [x_act])
record("gelu_exact_f64", lambda x: tf.nn.gelu(x), [x_act.astype(np.float64)])
record("elu", tf.nn.elu, [x_act])
record("selu", tf.nn.selu, [x_act])
record("selu_f64", tf.nn.selu, [x_act.astype(np.float64)])
record("relu6", tf.nn.relu6, [np.array([-1.0, 0.5, 5.9, 6.5, 100.0], f32)])
record("leaky_relu", lambda x: tf.nn.leaky_relu(x), [x_act])
record("silu", tf.nn.silu, [x_act])

# ---- softmax ----------------------------------------------------------------------------------
big = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0], [1.0, 2.0, 3.0]], f32)
record("softmax_large", lambda x: tf.nn.softmax(x), [big])
record("softmax_axis0", lambda x: tf.nn.softmax(x, axis=0), [big])
record("log_softmax_large", lambda x: tf.nn.log_softmax(x), [big])

# ---- cross entropies --------------------------------------------------------------------------
logits = np.array(
    [[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [-50.0, 50.0, 0.0], [0.0, 0.0, 0.0]], f32
)
soft = np.array([[0.0, 0.0, 1.0], [0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.5, 0.25, 0.25]], f32)
record("softmax_xent", lambda y, x: tf.nn.softmax_cross_entropy_with_logits(y, x), [soft, logits])
record(
    "softmax_xent_axis0",
    lambda y, x: tf.nn.softmax_cross_entropy_with_logits(y, x, axis=0),
    [soft.T.copy() / soft.T.sum(0, keepdims=True), logits.T.copy()],
)
sparse_labels = np.array([2, 0, 1, 1], np.int32)
y, w, gs = grads_of(
    lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant(sparse_labels), x), logits
)
cases["sparse_softmax_xent"] = {
    "labels": arr(sparse_labels),
    "logits": arr(logits),
    "output": arr(y),
    "weight": arr(w),
    "grad": arr(gs[0]),
}
sig_logits = np.array([-100.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0, 3.0], f32)
sig_labels = np.array([0.0, 1.0, 0.5, 1.0, 0.0, 0.0, 1.0, 0.3], f32)
record(
    "sigmoid_xent",
    lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
    [sig_labels, sig_logits],
)

# ---- losses, normalisation --------------------------------------------------------------------
x_mom = rng.standard_normal((4, 3, 2)).astype(f32) * 3 + 1
for name, axes, keep in [
    ("moments_0", [0], False),
    ("moments_01", [0, 1], True),
    ("moments_all", [0, 1, 2], False),
]:
    mean, var = tf.nn.moments(tf.constant(x_mom), axes=axes, keepdims=keep)
    y, w, gs = grads_of(lambda x, a=axes, k=keep: tf.nn.moments(x, axes=a, keepdims=k)[1], x_mom)
    cases[name] = {
        "x": arr(x_mom),
        "axes": axes,
        "keepdims": keep,
        "mean": arr(mean.numpy()),
        "variance": arr(var.numpy()),
        "weight": arr(w),
        "grad_variance": arr(gs[0]),
    }
bn_x = rng.standard_normal((3, 4)).astype(f32)
bn_args = [
    rng.standard_normal(4).astype(f32),
    rng.uniform(0.5, 2, 4).astype(f32),
    rng.standard_normal(4).astype(f32),
    rng.uniform(0.5, 2, 4).astype(f32),
]
record(
    "batch_normalization",
    lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
    [bn_x] + bn_args,
)
record("l2_loss", tf.nn.l2_loss, [rng.standard_normal((3, 4)).astype(f32)])
record(
    "bias_add_nchw",
    lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"),
    [rng.standard_normal((2, 3, 2, 2)).astype(f32), rng.standard_normal(3).astype(f32)],
)

# ---- matmul -----------------------------------------------------------------------------------
mm = {}
for name, sa, sb, kw in [
    ("plain", (3, 4), (4, 5), {}),
    ("transpose_a", (4, 3), (4, 5), {"transpose_a": True}),
    ("transpose_b", (3, 4), (5, 4), {"transpose_b": True}),
    ("adjoint_both", (4, 3), (5, 4), {"adjoint_a": True, "adjoint_b": True}),
    ("batch_broadcast", (2, 1, 3, 4), (5, 4, 6), {}),
    ("batch_rank2_b", (2, 3, 4), (4, 2), {"transpose_b": False}),
    ("batch_adjoint", (2, 4, 3), (1, 5, 4), {"adjoint_a": True, "transpose_b": True}),
]:
    a = rng.standard_normal(sa).astype(f32)
    b = rng.standard_normal(sb).astype(f32)
    record("matmul_" + name, lambda x, y, kw=kw: tf.linalg.matmul(x, y, **kw), [a, b], kwargs=kw)

record(
    "einsum_bij_bjk",
    lambda x, y: tf.einsum("bij,bjk->bik", x, y),
    [rng.standard_normal((2, 3, 4)).astype(f32), rng.standard_normal((2, 4, 2)).astype(f32)],
)
record(
    "tensordot_pair",
    lambda x, y: tf.tensordot(x, y, [[1, 2], [1, 0]]),
    [rng.standard_normal((2, 3, 4)).astype(f32), rng.standard_normal((4, 3, 5)).astype(f32)],
)

# ---- norms ------------------------------------------------------------------------------------
v = np.array([[3.0, -4.0, 1.0], [-0.5, 2.0, -2.0]], f32)
for name, kw in [
    ("euclidean", {}),
    ("euclidean_axis1", {"axis": 1}),
    ("euclidean_keep", {"keepdims": True}),
    ("ord1_axis1", {"ord": 1, "axis": 1}),
    ("ord2_axis0", {"ord": 2, "axis": 0}),
    ("inf_axis1", {"ord": np.inf, "axis": -1}),
    ("ord3_axis1", {"ord": 3, "axis": 1}),
    ("ord_half", {"ord": 0.5}),
    ("fro", {"ord": "fro", "axis": [0, 1]}),
    ("matrix_1", {"ord": 1, "axis": [0, 1]}),
    ("matrix_inf", {"ord": np.inf, "axis": [-2, -1]}),
    ("matrix_1_keep", {"ord": 1, "axis": (0, 1), "keepdims": True}),
]:
    record(
        "norm_" + name,
        lambda x, kw=kw: tf.norm(x, **kw),
        [v],
        kwargs={k: ("inf" if val is np.inf else val) for k, val in kw.items()},
    )

# ---- inverses, determinants, solves, Cholesky -------------------------------------------------
sq = (rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)).astype(f32)
spd_base = rng.standard_normal((3, 3))
spd = (spd_base @ spd_base.T + 3 * np.eye(3)).astype(f32)
rhs = rng.standard_normal((2, 3, 2)).astype(f32)
record("inv", tf.linalg.inv, [sq])
record("inv_adjoint", lambda x: tf.linalg.inv(x, adjoint=True), [sq])
record("det", tf.linalg.det, [sq])
record("slogdet", lambda x: tf.linalg.slogdet(x)[1], [-sq])
record("solve", tf.linalg.solve, [sq, rhs])
record("solve_adjoint", lambda a, b: tf.linalg.solve(a, b, adjoint=True), [sq, rhs])
record("cholesky", tf.linalg.cholesky, [spd])
record("logdet", tf.linalg.logdet, [spd])
record(
    "triangular_solve_upper", lambda a, b: tf.linalg.triangular_solve(a, b, lower=False), [sq, rhs]
)
record("trace", tf.linalg.trace, [sq])
record("diag_part_k1", lambda x: tf.linalg.diag_part(x, k=1), [sq])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "linalg_nn.json")
with open(out, "w") as f:
    json.dump({"tensorflow": tf.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {out}")
