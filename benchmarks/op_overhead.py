"""Cost of one eager op over the raw NumPy call: add on 32x64 float32.

Reports, in microseconds: the NumPy call itself; tapeflow with no tape (the budget is
2 us over NumPy); with a recording tape (budget 5 us over NumPy); and the cost per entry
of the backward pass. Run: `python -m benchmarks.op_overhead`.
"""

from __future__ import annotations

import argparse
import statistics
import timeit

import numpy as np

import tapeflow as tf

BUDGET_NO_TAPE_US = 2.0
BUDGET_RECORDING_US = 5.0


def _per_call_us(stmt, number: int, repeat: int) -> float:
    times = timeit.repeat(stmt, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e6


def measure(number: int = 20000, repeat: int = 15, chain: int = 200) -> dict:
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((32, 64)).astype(np.float32)
    b_np = rng.standard_normal((32, 64)).astype(np.float32)
    a, b = tf.constant(a_np), tf.constant(b_np)

    numpy_us = _per_call_us(lambda: np.add(a_np, b_np), number, repeat)
    eager_us = _per_call_us(lambda: a + b, number, repeat)

    tape = tf.GradientTape(persistent=True)
    with tape:
        tape.watch(a)

        def recorded():
            # Drop entries now and then so memory stays flat; the reset is amortised away.
            if len(tape._entries) > 5000:
                tape._entries.clear()
            return a + b

        recording_us = _per_call_us(recorded, number, repeat)

    def backward_chain():
        with tf.GradientTape() as t:
            t.watch(a)
            y = a
            for _ in range(chain):
                y = y + b
        t.gradient(y, a)

    def forward_chain():
        with tf.GradientTape() as t:
            t.watch(a)
            y = a
            for _ in range(chain):
                y = y + b

    total = _per_call_us(backward_chain, 20, repeat)
    forward = _per_call_us(forward_chain, 20, repeat)
    backward_entry_us = (total - forward) / chain

    return {
        "numpy_add_us": numpy_us,
        "eager_no_tape_us": eager_us,
        "eager_recording_us": recording_us,
        "overhead_no_tape_us": eager_us - numpy_us,
        "overhead_recording_us": recording_us - numpy_us,
        "backward_per_entry_us": backward_entry_us,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    r = measure(args.number, args.repeat)
    print("| what | us per op |")
    print("|---|---|")
    print(f"| NumPy `np.add` (32x64 float32) | {r['numpy_add_us']:.2f} |")
    print(f"| tapeflow `a + b`, no tape | {r['eager_no_tape_us']:.2f} |")
    print(f"| tapeflow `a + b`, recording tape | {r['eager_recording_us']:.2f} |")
    print(
        f"| overhead over NumPy, no tape (budget {BUDGET_NO_TAPE_US}) | "
        f"{r['overhead_no_tape_us']:.2f} |"
    )
    print(
        f"| overhead over NumPy, recording (budget {BUDGET_RECORDING_US}) | "
        f"{r['overhead_recording_us']:.2f} |"
    )
    print(f"| backward pass, per tape entry | {r['backward_per_entry_us']:.2f} |")
    ok = (
        r["overhead_no_tape_us"] <= BUDGET_NO_TAPE_US
        and r["overhead_recording_us"] <= BUDGET_RECORDING_US
    )
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
