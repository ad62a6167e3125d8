"""What the why-None explainer costs a training step: W1-W3 with it on and with it off.

`python -m benchmarks.explain_overhead [--rounds 9] [--block 0.3]` builds tapeflow's W1-W3
steps (the suite's code: eager and tf.function) twice, one copy run with the explanations
on (the default: tapes note where gradient paths are cut) and one with them off
(`tapeflow.debugging.set_gradient_explanations(False)`), all in this one process, and times
interleaved blocks of steps in rotating order. It reports the median time per step of
each (the process's CPU time, so that other processes on a busy machine count less), the
median over rounds of the on/off ratio, and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import tapeflow as tf

from . import impl_tfapi, timing, workloads


def run(names, rounds: int, block: float) -> dict:
    impls = {}
    for name in names:
        w = workloads.make(name)
        for mode in ("eager", "function"):
            for setting in ("on", "off"):
                impl = impl_tfapi.build(tf, w, compiled=mode == "function")
                tf.debugging.set_gradient_explanations(setting == "on")
                timing.losses(impl, 4)
                impls[(name, mode, setting)] = impl
    tf.debugging.set_gradient_explanations(True)
    counts = {}
    for key, impl in impls.items():
        tf.debugging.set_gradient_explanations(key[2] == "on")
        counts[key] = timing.calibrate(impl, block)
        timing.run(impl, counts[key])
    times = {key: [] for key in impls}
    keys = list(impls)
    for r in range(rounds):
        order = keys[r % len(keys) :] + keys[: r % len(keys)]
        for key in order:
            tf.debugging.set_gradient_explanations(key[2] == "on")
            time.sleep(0.05)
            # This process's CPU time: on a busy machine, waiting for a core is not counted.
            t0 = time.process_time()
            timing.run(impls[key], counts[key])
            times[key].append((time.process_time() - t0) / counts[key])
    tf.debugging.set_gradient_explanations(True)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="W1,W2,W3")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--block", type=float, default=0.3)
    args = parser.parse_args(argv)
    load_start = os.getloadavg()
    names = args.workloads.split(",")
    times = run(names, args.rounds, args.block)
    load_end = os.getloadavg()
    print(
        f"load average {load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end; "
        f"{args.rounds} rounds"
    )
    print("| workload | mode | explanations on | off | on / off (median of rounds) |")
    print("|---|---|---|---|---|")
    for name in names:
        for mode in ("eager", "function"):
            on, off = times[(name, mode, "on")], times[(name, mode, "off")]
            ratio = statistics.median(a / b for a, b in zip(on, off))
            print(
                f"| {name} | {mode} | {statistics.median(on) * 1e6:.1f} us | "
                f"{statistics.median(off) * 1e6:.1f} us | {ratio:.3f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
