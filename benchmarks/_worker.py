"""A benchmark worker: one process per framework, driven by `benchmarks.suite`.

`python -m benchmarks._worker FRAMEWORK` imports one framework (thread settings are already
in its environment; each framework's own knobs are set right after import), builds the
implementations the driver asks for, then runs timed blocks of steps on request, so the
driver can interleave rounds across processes. It reads one JSON command per line on stdin
and answers one JSON line on the stdout it started with; anything a library prints goes to
stderr instead.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

from . import timing, workloads

# The implementations each framework provides, as (mode, label).
MODES = {
    "tapeflow": ("eager", "function", "jit"),
    "tensorflow": ("eager", "function", "jit"),
    "torch": ("eager", "compile"),
    "jax": ("jit",),
    "numpy": ("floor",),
}


def load(framework: str):
    """Imports `framework`, sets its thread knobs, and returns (module, version)."""
    if framework == "tapeflow":
        import tapeflow

        return tapeflow, getattr(tapeflow, "__version__", "")
    if framework == "tensorflow":
        import tensorflow

        tensorflow.config.threading.set_intra_op_parallelism_threads(timing.threads())
        tensorflow.config.threading.set_inter_op_parallelism_threads(timing.threads())
        return tensorflow, tensorflow.__version__
    if framework == "torch":
        import torch

        torch.set_num_threads(timing.threads())
        torch.set_num_interop_threads(timing.threads())
        return torch, torch.__version__
    if framework == "jax":
        import jax

        # XLA sizes its CPU thread pool by the cores it may use (2 on the reference machine);
        # it has no thread-count setting of its own.
        return jax, jax.__version__
    if framework == "numpy":
        import numpy

        return numpy, numpy.__version__
    raise ValueError(f"unknown framework {framework!r}; expected one of {sorted(MODES)}")


def build(framework: str, module, mode: str, w: workloads.Workload) -> timing.Step:
    """The `mode` implementation of workload `w` in `framework`."""
    if framework in ("tapeflow", "tensorflow"):
        from . import impl_tfapi

        if mode in ("function", "jit") and not hasattr(module, "function"):
            raise NotImplementedError("n/a (tf.function not available)")
        return impl_tfapi.build(module, w, compiled=mode != "eager", jit_compile=mode == "jit")
    if framework == "torch":
        from . import impl_torch

        return impl_torch.build(module, w, compiled=mode == "compile")
    if framework == "jax":
        from . import impl_jax

        return impl_jax.build(module, w)
    from . import impl_numpy

    return impl_numpy.build(w)


def loss_window(w: workloads.Workload) -> int:
    """Steps whose losses are averaged to say where training stands: one pass over the
    batches (at least 4 steps)."""
    return max(4, len(w.batches))


class Worker:
    """The implementations of one framework and the commands that drive them."""

    def __init__(self, framework: str):
        self.framework = framework
        self.module, self.version = load(framework)
        self.impls: dict[str, timing.Step] = {}
        self.windows: dict[str, int] = {}

    def setup(self, names, block_seconds: float, tiny: bool = False) -> dict:
        """Builds, warms up and calibrates every implementation of workloads `names`."""
        report = {}
        for name in names:
            w = workloads.make(name, tiny=tiny)
            for mode in MODES[self.framework]:
                key = f"{name}/{self.framework}/{mode}"
                try:
                    report[key] = self._setup_one(key, mode, w, block_seconds)
                except NotImplementedError as e:
                    report[key] = {"na": str(e)}
                except Exception as e:  # a failing implementation is reported, not fatal
                    report[key] = {"error": f"{type(e).__name__}: {e}"}
                    traceback.print_exc()
        return {"version": self.version, "impls": report}

    def _setup_one(self, key, mode, w, block_seconds) -> dict:
        t0 = time.perf_counter()
        impl = build(self.framework, self.module, mode, w)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        window = loss_window(w)
        first_losses = timing.losses(impl, 1)
        first_step_s = time.perf_counter() - t0  # includes tracing / compiling
        first_losses += timing.losses(impl, window - 1)
        n = timing.calibrate(impl, block_seconds)
        timing.run(impl, n)  # one more full block of warm-up
        self.impls[key], self.windows[key] = impl, window
        return {
            "n": n,
            "build_s": build_s,
            "first_step_s": first_step_s,
            "first_losses": first_losses,
            "note": impl.note,
            "data": w.data_source,
        }

    def block(self, key: str, n: int) -> dict:
        # The process's CPU time (all its threads) over the block's wall time says how many
        # CPUs the step had: under load, how much of the machine the scheduler left it.
        cpu = time.process_time()
        seconds = timing.run(self.impls[key], n)
        return {"seconds": seconds, "n": n, "cpu_seconds": time.process_time() - cpu}

    def final(self) -> dict:
        """Each implementation's losses over one more window of steps, after all timing."""
        out = {}
        for key, impl in self.impls.items():
            try:
                out[key] = timing.losses(impl, self.windows[key])
            except Exception as e:
                out[key] = f"{type(e).__name__}: {e}"
        return {"last_losses": out}


def serve(make_worker, hello=None, trace_errors=True) -> int:
    """A worker process's loop: builds the worker, answers "ready" (plus `hello(worker)`),
    then runs each JSON command line `{"op": method, ...}` from stdin until "exit". Replies
    go to the original stdout; library chatter on fd 1 goes to stderr."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        worker = make_worker()
    except Exception as e:
        replies.write(json.dumps({"error": f"{type(e).__name__}: {e}"}) + "\n")
        return 1
    replies.write(json.dumps({"ready": True, **(hello(worker) if hello else {})}) + "\n")
    for line in sys.stdin:
        command = json.loads(line)
        op = command.pop("op")
        if op == "exit":
            break
        try:
            answer = getattr(worker, op)(**command)
        except Exception as e:
            if trace_errors:
                traceback.print_exc()
            answer = {"error": f"{type(e).__name__}: {e}"}
        replies.write(json.dumps(answer) + "\n")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return serve(lambda: Worker(argv[0]), hello=lambda worker: {"version": worker.version})


if __name__ == "__main__":
    raise SystemExit(main())
