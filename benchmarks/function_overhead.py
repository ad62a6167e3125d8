"""Per-call time of a small training step: eager vs tf.function vs hand-written NumPy.

The step: MLP 11 -> 64 relu -> 64 relu -> 1, batch 32, float32, sigmoid cross entropy,
gradients from a GradientTape, plain SGD through `assign_sub` (lr 0.1). The three versions
run interleaved in rounds; medians per call are reported, with the plan's own time (the
generated function on arrays) to show the per-call overhead of `Function.__call__`.
Results are checked to agree: tf.function bit for bit with eager, NumPy to 1e-5.

Run from the repository root: `python -m benchmarks.function_overhead [--rounds N]`.
"""

from __future__ import annotations

import argparse
import statistics
import timeit

import numpy as np

import tapeflow as tf
from tapeflow.function import function

SIZES = (11, 64, 64, 1)
BATCH = 32
LR = 0.1


def _initial(seed=0):
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        weights.append((rng.normal(size=(n_in, n_out)) * np.sqrt(2 / n_in)).astype(np.float32))
        weights.append(np.zeros(n_out, np.float32))
    x = rng.normal(size=(BATCH, SIZES[0])).astype(np.float32)
    y = (rng.uniform(size=(BATCH, 1)) > 0.5).astype(np.float32)
    return weights, x, y


def tapeflow_step(params):
    def step(x, y):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, params[0]) + params[1])
            h = tf.nn.relu(tf.matmul(h, params[2]) + params[3])
            logits = tf.matmul(h, params[4]) + params[5]
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
        for p, g in zip(params, tape.gradient(loss, params)):
            p.assign_sub(LR * g)
        return loss

    return step


def numpy_step(w, x, y):
    """The same step written by hand on arrays: the floor for a NumPy engine."""
    lr = np.float32(LR)

    def step():
        h1 = x @ w[0]
        h1 += w[1]
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ w[2]
        h2 += w[3]
        np.maximum(h2, 0, out=h2)
        z = h2 @ w[4]
        z += w[5]
        loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
        g = (1 / (1 + np.exp(-z)) - y) / np.float32(z.size)
        grads = [None] * 6
        grads[4], grads[5] = h2.T @ g, g.sum(0)
        g2 = g @ w[4].T
        g2 *= h2 > 0
        grads[2], grads[3] = h1.T @ g2, g2.sum(0)
        g1 = g2 @ w[2].T
        g1 *= h1 > 0
        grads[0], grads[1] = x.T @ g1, g1.sum(0)
        for p, gp in zip(w, grads):
            p -= lr * gp
        return loss

    return step


def _median_us(fn, number, repeat):
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main(rounds: int = 7, number: int = 200):
    weights, x_np, y_np = _initial()
    x, y = tf.constant(x_np), tf.constant(y_np)
    eager_params = [tf.Variable(w) for w in weights]
    traced_params = [tf.Variable(w) for w in weights]
    eager = tapeflow_step(eager_params)
    traced = function(tapeflow_step(traced_params))
    hand = numpy_step([w.copy() for w in weights], x_np, y_np)

    for _ in range(5):  # warm up; also the check that every version learns the same
        le, lt, ln = float(eager(x, y)), float(traced(x, y)), float(hand())
    assert le == lt, (le, lt)
    assert abs(le - ln) < 1e-5, (le, ln)
    for a, b in zip(eager_params, traced_params):
        assert a.numpy().tobytes() == b.numpy().tobytes()
    plan = next(iter(traced._cache.values())).traces[0]._plan
    arrays = [x._value, y._value]

    results = {"eager": [], "tf.function": [], "plan alone": [], "hand-written NumPy": []}
    for _ in range(rounds):
        results["eager"].append(_median_us(lambda: eager(x, y), max(number // 10, 10), 3))
        results["tf.function"].append(_median_us(lambda: traced(x, y), number, 3))
        results["plan alone"].append(_median_us(lambda: plan.run(arrays, ()), number, 3))
        results["hand-written NumPy"].append(_median_us(hand, number, 3))
    medians = {k: statistics.median(v) for k, v in results.items()}
    floor = medians["hand-written NumPy"]
    print(f"MLP {' -> '.join(map(str, SIZES))}, batch {BATCH}, float32, SGD; median per step:")
    for name, us in medians.items():
        print(f"  {name:20s} {us:8.1f} us   {us / floor:5.2f}x hand-written NumPy")
    print(
        f"  speed-up of tf.function over eager: {medians['eager'] / medians['tf.function']:.1f}x"
    )
    return medians


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=200)
    args = parser.parse_args()
    main(args.rounds, args.number)
