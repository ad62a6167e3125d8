"""The timing harness shared by the benchmark worker, the profiler and the smoke test.

An implementation is a `Step`: a callable `step(x, y) -> loss` doing one whole training step
(forward, loss, gradient, optimizer update) plus its batches already converted to the
framework's tensors. Blocks of steps are timed as a whole, so per-step costs that come in
bursts (garbage collection, JAX's asynchronous dispatch) are counted, amortised.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
import timeit
from collections.abc import Callable

# One thread count for every framework; set in the environment before any framework is
# imported (the driver starts each worker with it), and through each framework's own knobs
# after import (the worker reads TAPEFLOW_BENCH_THREADS).
THREADS = 2
THREAD_ENV = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def thread_env(env: dict | None = None, threads: int = THREADS) -> dict:
    """A copy of `env` (default: os.environ) with every thread-count variable set."""
    env = dict(os.environ if env is None else env)
    for name in THREAD_ENV:
        env[name] = str(threads)
    env["TAPEFLOW_BENCH_THREADS"] = str(threads)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env.setdefault("JAX_PLATFORMS", "cpu")
    return env


def threads() -> int:
    """The thread count this process was started with."""
    return int(os.environ.get("TAPEFLOW_BENCH_THREADS", THREADS))


def _no_sync(loss) -> None:
    return None


@dataclasses.dataclass
class Step:
    """One implementation of one workload, ready to run.

    Attributes:
        step: `step(x, y) -> loss`, one training step on a batch.
        batches: the workload's batches as this framework's tensors, cycled through.
        sync: waits until `loss` (and everything before it) is computed (JAX dispatches
            asynchronously); a no-op elsewhere.
        to_float: the loss as a Python float.
        note: what the implementation uses, when worth saying (e.g. "optax").
    """

    step: Callable
    batches: list
    sync: Callable = _no_sync
    to_float: Callable = float
    note: str = ""
    count: int = 0  # steps run so far: the next batch is batches[count % len(batches)]


def run(impl: Step, n: int) -> float:
    """Runs `n` steps and returns the seconds they took, the last one waited for."""
    step, batches, period = impl.step, impl.batches, len(impl.batches)
    start = impl.count
    loss = None
    t0 = time.perf_counter()
    for i in range(start, start + n):
        x, y = batches[i % period]
        loss = step(x, y)
    impl.sync(loss)
    seconds = time.perf_counter() - t0
    impl.count = start + n
    return seconds


def losses(impl: Step, n: int) -> list[float]:
    """Runs `n` steps and returns each step's loss (computed before its update)."""
    out = []
    for _ in range(n):
        x, y = impl.batches[impl.count % len(impl.batches)]
        out.append(impl.to_float(impl.step(x, y)))
        impl.count += 1
    return out


def calibrate(impl: Step, block_seconds: float, max_steps: int = 100_000) -> int:
    """How many steps make a block of about `block_seconds` (at least 1).

    The fastest of three trial blocks sets the pace, so one step slowed down by another
    process does not shrink every later block to a single step.
    """
    n = 1
    while True:
        seconds = min(run(impl, n) for _ in range(3))
        if seconds >= block_seconds / 4 or n >= max_steps:
            break
        n *= 4
    return max(1, min(max_steps, round(block_seconds * n / seconds)))


def best_seconds(fn, repeats: int, warmup: int = 2) -> float:
    """The fastest of `repeats` single calls of `fn`, after `warmup` calls (the allocator
    settles on reusing large buffers, kernels compile)."""
    for _ in range(warmup):
        fn()
    return min(timeit.repeat(fn, number=1, repeat=repeats))


def native_kernel_args(argv, description: str):
    """The arguments of a script comparing native kernels with NumPy (`--repeats`, default
    30), or None after saying why when the native kernels are off."""
    from tapeflow.backend import native

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    if not native.enabled():
        print("native kernels are off (install the `fast` extra): nothing to compare")
        return None
    return args
