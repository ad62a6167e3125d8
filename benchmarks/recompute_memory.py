"""Peak memory and time of `tf.recompute_grad`: an MLP with every block wrapped, or not.

`python -m benchmarks.recompute_memory [--layers 20 --width 2048 --batch 256]` builds the
model (Dense(width, relu) blocks, float32), then for plain and recomputed blocks, eagerly
and under tf.function, measures with tracemalloc (NumPy reports its buffers to it):

- activations kept: what is still allocated when the forward pass ends (what the tape,
  or the plan, keeps for the backward pass), over the memory before the step (a host
  callback after the loss reads it, so under tf.function the plan itself reports it);
- peak: the highest allocation during forward and backward, over the memory before;
- peak beyond the gradients: that peak minus what the step returns (the gradients), i.e.
  the most memory activations and temporaries held at once (eager and tf.function);
- CPU time per step (median of `--repeat` rounds, tracemalloc off; each round runs every
  variant once in rotating order) and the median over rounds of the recomputed/plain ratio;
- that the gradients are bitwise equal.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc

import numpy as np

import tapeflow as tf
from tapeflow.function import host_call


def build(layers: int, width: int, seed: int = 0):
    """`layers` Dense(width, relu) layers with Glorot-uniform kernels from `seed`."""
    rng = np.random.default_rng(seed)
    blocks = []
    for _ in range(layers):
        dense = tf.keras.layers.Dense(width, activation="relu")
        dense.build((None, width))
        limit = np.sqrt(6.0 / (2 * width))
        dense.kernel.assign(rng.uniform(-limit, limit, (width, width)).astype("f4"))
        blocks.append(dense)
    return blocks


def forward(blocks, x, recompute: bool, marks=None, per_block: int = 1):
    h = x
    for k in range(0, len(blocks), per_block):
        group = blocks[k : k + per_block]

        def block(h, group=group):
            for layer in group:
                h = layer(h)
            return h

        h = (tf.recompute_grad(block) if recompute else block)(h)
    loss = tf.reduce_mean(h * h)
    if marks is not None:
        # A host callback: under tf.function the plan runs it where the forward pass ends.
        host_call(lambda _: marks.append(tracemalloc.get_traced_memory()[0]), loss, writes=[])
    return loss


def eager_step(blocks, x, recompute, marks=None, per_block=1):
    variables = [v for b in blocks for v in b.trainable_variables]
    with tf.GradientTape() as tape:
        loss = forward(blocks, x, recompute, marks, per_block)
    return tape.gradient(loss, variables)


def function_step(blocks, recompute, marks=None, per_block=1):
    variables = [v for b in blocks for v in b.trainable_variables]

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = forward(blocks, x, recompute, marks, per_block)
        return tape.gradient(loss, variables)

    return step


def measure(step, x, repeat: int, marks=None) -> dict:
    grads = step(x)  # warm up (and trace)
    del grads
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    if marks is not None:
        marks.clear()
    grads = step(x)
    end, peak = tracemalloc.get_traced_memory()
    held = marks[0] if marks else None
    tracemalloc.stop()
    result = [g.numpy() for g in grads]
    del grads
    return {
        "peak_mb": (peak - base) / 2**20,
        "beyond_mb": (peak - end) / 2**20,
        "activations_mb": None if held is None else (held - base) / 2**20,
        "grads": result,
    }


def paired_times(steps: dict, x, repeat: int) -> dict:
    """Per variant, the median CPU seconds of a step, and per recomputed variant the median
    over rounds of its time over the plain step's of the same round: each round runs every
    variant once, in rotating order, so load on a shared machine hits both sides of a ratio.
    """
    keys = list(steps)
    times = {k: [] for k in keys}
    for r in range(repeat):
        for k in keys[r % len(keys) :] + keys[: r % len(keys)]:
            t0 = time.process_time()
            step = steps[k](x)
            times[k].append(time.process_time() - t0)
            del step
    out = {k: {"seconds": statistics.median(v) if v else None} for k, v in times.items()}
    for mode, recompute in keys:
        if recompute and repeat:
            ratios = [a / b for a, b in zip(times[(mode, True)], times[(mode, False)])]
            out[(mode, True)]["ratio"] = statistics.median(ratios)
    return out


def run(layers: int, width: int, batch: int, repeat: int, per_block: int = 1) -> dict:
    blocks = build(layers, width)
    x = tf.constant(np.random.default_rng(1).standard_normal((batch, width)).astype("f4"))
    out, steps = {}, {}
    for mode in ("eager", "function"):
        for recompute in (False, True):
            marks = []
            if mode == "eager":

                def step(x, recompute=recompute, marks=marks):
                    return eager_step(blocks, x, recompute, marks, per_block)

            else:
                step = function_step(blocks, recompute, marks, per_block)
            out[(mode, recompute)] = measure(step, x, repeat, marks)
            steps[(mode, recompute)] = step
    for key, timing in paired_times(steps, x, repeat).items():
        out[key].update(timing)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=20)
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--per-block", type=int, default=1, help="layers per wrapped block")
    args = parser.parse_args(argv)
    results = run(args.layers, args.width, args.batch, args.repeat, args.per_block)
    print(
        f"{args.layers} layers Dense({args.width}, relu) in blocks of {args.per_block}, batch "
        f"{args.batch}, float32 (weights "
        f"{args.layers * args.width * (args.width + 1) * 4 / 2**20:.0f} MiB)"
    )
    print(
        "| mode | blocks | activations kept (MiB) | peak over the step (MiB) | "
        "peak beyond the gradients (MiB) | CPU s/step |"
    )
    print("|---|---|---|---|---|---|")
    for (mode, recompute), r in results.items():
        kept = "n/a" if r["activations_mb"] is None else f"{r['activations_mb']:.1f}"
        print(
            f"| {mode} | {'recomputed' if recompute else 'plain'} | {kept} | "
            f"{r['peak_mb']:.1f} | {r['beyond_mb']:.1f} | {r['seconds']:.3f} |"
        )
    ok = True
    for mode in ("eager", "function"):
        plain, rec = results[(mode, False)], results[(mode, True)]
        same = all(np.array_equal(a, b) for a, b in zip(plain["grads"], rec["grads"]))
        ok &= same
        saved = 1 - rec["peak_mb"] / plain["peak_mb"]
        beyond = 1 - rec["beyond_mb"] / plain["beyond_mb"]
        line = f"{mode}: peak {saved:.0%} lower, peak beyond the gradients {beyond:.0%} lower"
        if plain["activations_mb"]:
            line += (
                f", activations {1 - rec['activations_mb'] / plain['activations_mb']:.0%} lower"
            )
        line += f", time x{rec['ratio']:.2f} (median of paired rounds)"
        line += f", gradients {'bitwise equal' if same else 'DIFFER'}"
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
