"""Writes conv.json: TensorFlow's values and gradients for the conv and pooling ops.

Run with the reference TensorFlow: `/work/tfref/bin/python tests/golden/make_conv.py`.
Each case stores its dtype, inputs, the upstream gradient `u`, the output and the gradients of
sum(u * output) w.r.t. every float input, all as nested lists.
"""

import json
import os

import numpy as np
import tensorflow as tf

rng = np.random.default_rng(20240601)


def arr(shape, integers=False):
    if integers:  # small integers: many ties, to pin down which maximum gets the gradient
        return rng.integers(0, 3, size=shape).astype(np.float64)
    return rng.standard_normal(shape)


def case(fn, inputs, kwargs, second_order=None, dtype="float64"):
    """Runs tf.nn.<fn>(**inputs, **kwargs) and records its output and gradients."""
    # TF's CPU kernels have no float64 gradient for dilated convolutions: those use float32.
    inputs = {k: v.astype(dtype) for k, v in inputs.items()}
    tensors = {k: tf.constant(v) for k, v in inputs.items()}
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(list(tensors.values()))
        with tf.GradientTape() as tape:
            tape.watch(list(tensors.values()))
            y = getattr(tf.nn, fn)(**tensors, **kwargs)
        u = tf.constant(rng.standard_normal(y.shape).astype(dtype))
        outer.watch(u)
        grads = tape.gradient(y, tensors, output_gradients=u)
        if second_order:
            w = tf.constant(rng.standard_normal(grads[second_order].shape).astype(dtype))
            inner = tf.reduce_sum(grads[second_order] * w)
    out = {
        "fn": fn,
        "dtype": dtype,
        "kwargs": kwargs,
        "inputs": {k: v.tolist() for k, v in inputs.items()},
        "u": u.numpy().tolist(),
        "output": y.numpy().tolist(),
        "grads": {k: g.numpy().tolist() for k, g in grads.items()},
    }
    if second_order:
        second = outer.gradient(inner, dict(tensors, u=u))
        out["second_order"] = {
            "of": second_order,
            "w": w.numpy().tolist(),
            "grads": {k: None if g is None else g.numpy().tolist() for k, g in second.items()},
        }
    return out


CASES = {
    "conv2d_valid_stride2": case(
        "conv2d",
        {"input": arr((2, 7, 7, 3)), "filters": arr((3, 3, 3, 4))},
        dict(strides=2, padding="VALID"),
        second_order="filters",
    ),
    "conv2d_same_stride2": case(
        "conv2d",
        {"input": arr((2, 6, 6, 8)), "filters": arr((3, 3, 8, 4))},
        dict(strides=2, padding="SAME"),
        second_order="input",
    ),
    "conv2d_same_dilation2": case(
        "conv2d",
        {"input": arr((1, 7, 8, 2)), "filters": arr((3, 2, 2, 3))},
        dict(strides=1, padding="SAME", dilations=2),
        dtype="float32",
    ),
    "conv2d_valid_dilation2_stride2": case(
        "conv2d",
        {"input": arr((1, 9, 9, 1)), "filters": arr((2, 3, 1, 2))},
        dict(strides=[1, 2, 2, 1], padding="VALID", dilations=[1, 2, 2, 1]),
        dtype="float32",
    ),
    "conv2d_explicit": case(
        "conv2d",
        {"input": arr((2, 5, 4, 2)), "filters": arr((3, 3, 2, 2))},
        dict(strides=[2, 1], padding=[[0, 0], [1, 2], [0, 1], [0, 0]]),
    ),
    "conv2d_transpose_same": case(
        "conv2d_transpose",
        {"input": arr((2, 3, 3, 4)), "filters": arr((3, 3, 2, 4))},
        dict(output_shape=[2, 6, 6, 2], strides=2, padding="SAME"),
    ),
    "conv2d_transpose_valid": case(
        "conv2d_transpose",
        {"input": arr((1, 3, 3, 5)), "filters": arr((3, 3, 2, 5))},
        dict(output_shape=[1, 8, 7, 2], strides=2, padding="VALID"),
    ),
    "depthwise_same_stride2": case(
        "depthwise_conv2d",
        {"input": arr((2, 5, 6, 3)), "filter": arr((3, 3, 3, 2))},
        dict(strides=[1, 2, 2, 1], padding="SAME"),
    ),
    "depthwise_valid_dilation2": case(
        "depthwise_conv2d",
        {"input": arr((1, 7, 7, 2)), "filter": arr((2, 2, 2, 3))},
        dict(strides=[1, 1, 1, 1], padding="VALID", dilations=[2, 2]),
        dtype="float32",
    ),
    "conv1d_same_stride2": case(
        "conv1d",
        {"input": arr((2, 9, 3)), "filters": arr((3, 3, 4))},
        dict(stride=2, padding="SAME"),
    ),
    "max_pool2d_same_stride2": case(
        "max_pool2d", {"input": arr((2, 5, 6, 3))}, dict(ksize=3, strides=2, padding="SAME")
    ),
    "max_pool2d_ties": case(
        "max_pool2d",
        {"input": arr((1, 6, 6, 2), integers=True)},
        dict(ksize=3, strides=1, padding="SAME"),
        second_order="input",
    ),
    "max_pool2d_explicit": case(
        "max_pool2d",
        {"input": arr((1, 5, 5, 2))},
        dict(ksize=2, strides=2, padding=[[0, 0], [1, 0], [0, 1], [0, 0]]),
    ),
    "avg_pool2d_same_stride2": case(
        "avg_pool2d",
        {"input": arr((2, 5, 6, 3))},
        dict(ksize=3, strides=2, padding="SAME"),
        second_order="input",
    ),
    "avg_pool2d_valid": case(
        "avg_pool2d",
        {"input": arr((1, 6, 7, 2))},
        dict(ksize=[2, 3], strides=[1, 2], padding="VALID"),
    ),
    "max_pool1d_same": case(
        "max_pool1d", {"input": arr((2, 7, 3))}, dict(ksize=3, strides=2, padding="SAME")
    ),
    "avg_pool1d_same": case(
        "avg_pool1d", {"input": arr((2, 7, 3))}, dict(ksize=3, strides=2, padding="SAME")
    ),
    # Many input and few output channels: tapeflow's output-side path (backend/conv.py).
    "conv2d_few_outputs_same": case(
        "conv2d",
        {"input": arr((2, 12, 11, 16)), "filters": arr((5, 5, 16, 1))},
        dict(strides=1, padding="SAME"),
        second_order="filters",
    ),
    "conv2d_few_outputs_same_dilation2": case(
        "conv2d",
        {"input": arr((2, 12, 12, 24)), "filters": arr((3, 3, 24, 2))},
        dict(strides=1, padding="SAME", dilations=2),
        second_order="input",
        dtype="float32",
    ),
}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv.json")
with open(path, "w") as f:
    json.dump({"tensorflow": tf.__version__, "cases": CASES}, f)
print(f"wrote {path}: {len(CASES)} cases")
