"""Machine instructions per eager op, per recorded op, per backward entry and per training
step, counted by valgrind's callgrind: a hot-path comparison that a busy machine cannot blur.

`python -m benchmarks.hot_path_instructions [--other /path/to/another/checkout]` counts this
checkout (and another one, e.g. main, to compare a change). Each figure is
(count(3n) - count(n)) / 2n, so start-up and imports cancel out. Needs valgrind.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import subprocess
import sys

_ROOT = pathlib.Path(__file__).resolve().parent.parent

PROGRAM = r"""
import sys
sys.path.insert(0, sys.argv[3])
import numpy as np
import tapeflow as tf
mode, n = sys.argv[1], int(sys.argv[2])
a = tf.constant(np.ones((32, 64), "f4"))
b = tf.constant(np.ones((32, 64), "f4"))
if mode == "no tape":
    for _ in range(n):
        a + b
elif mode == "recording":
    with tf.GradientTape(persistent=True) as t:
        t.watch(a)
        for _ in range(n):
            a + b
elif mode == "backward":
    with tf.GradientTape() as t:
        t.watch(a)
        y = a
        for _ in range(n):
            y = y + b
    t.gradient(y, a)
elif mode == "W2-sized step":
    model = tf.keras.Sequential([tf.keras.Input((11,)),
                                 tf.keras.layers.Dense(64, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    loss_fn = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.RMSprop(1e-3)
    x = tf.constant(np.ones((32, 11), "f4"))
    y = tf.constant(np.ones((32, 1), "f4"))
    for _ in range(n):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
"""
CASES = (("no tape", 2000), ("recording", 2000), ("backward", 2000), ("W2-sized step", 30))


def count(mode: str, n: int, tree: pathlib.Path, script: pathlib.Path) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         str(script), mode, str(n), str(tree)],
        capture_output=True, text=True, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", out.stderr)
    if not found:
        raise RuntimeError(
            f"callgrind gave no count for {mode!r} in {tree}:\n{out.stderr[-2000:]}"
        )
    return int(found.group(1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", help="another checkout of tapeflow to compare with")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed")
        return 1
    trees = [_ROOT] + ([pathlib.Path(args.other).resolve()] if args.other else [])
    script = pathlib.Path("/tmp") / "tapeflow_hot_path_program.py"
    script.write_text(PROGRAM)
    print("| what | " + " | ".join(str(t) for t in trees) + " |")
    print("|---|" + "---|" * len(trees))
    for mode, n in CASES:
        cells = []
        for tree in trees:
            per = (count(mode, 3 * n, tree, script) - count(mode, n, tree, script)) / (2 * n)
            cells.append(f"{per:,.0f}")
        print(f"| instructions per {mode} {'step' if 'step' in mode else 'op'} | "
              + " | ".join(cells) + " |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
