"""Data-parallel scaling of W3-W5: measured at 1, 2, 4 (and 8, oversubscribed) ranks on this
machine, and projected to 8-256 workers on 10/25/100 Gb/s networks by a ring all-reduce model.

    python -m benchmarks.distributed            # measure (mpiexec) and print the tables
    python -m benchmarks.distributed --steps 5  # fewer timed steps

Each rank trains the workload with its full batch (weak scaling, as Horovod reports it) under
`MultiWorkerMirroredStrategy` inside a `tf.function`. Per step it times, as medians: the
forward pass, forward + backward, the local step without any all-reduce, the all-reduce of
the gradients alone (bucketed as training does, after a barrier), and the full distributed
step. Rank 0 prints one JSON line per workload.

The projection (`project`) is documented in docs/distributed.md: gradients become ready at a
uniform rate during the measured backward pass; each bucket (bytes_per_pack, default 4 MiB,
cut in backward order) is sent as soon as it is ready and the link is free, by a ring
all-reduce costing 2 (N-1) latency + 2 (N-1)/N bytes / bandwidth; the step's exposed
communication is what ends after the backward pass.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

PACK_BYTES = 4 * 1024 * 1024
WORKLOADS = ("W3", "W4", "W5")
LATENCY_S = 20e-6  # per ring step: MPI over TCP on 10-100 Gb Ethernet (RDMA: ~2-5 us)


# ---- the model ----------------------------------------------------------------------------


def ring_allreduce_s(nbytes: float, workers: int, gbit_s: float, latency_s=LATENCY_S) -> float:
    """Time of one ring all-reduce of `nbytes` over `workers` (reduce-scatter + all-gather)."""
    if workers == 1:
        return 0.0
    steps = 2 * (workers - 1)
    return steps * latency_s + steps / workers * nbytes / (gbit_s * 1e9 / 8)


def buckets(sizes_backward_order, pack_bytes=PACK_BYTES) -> list:
    """Bucket byte counts, cut as the reducer cuts them (in the order gradients arrive)."""
    out, current = [], 0
    for size in sizes_backward_order:
        current += size
        if current >= pack_bytes:
            out.append(current)
            current = 0
    if current:
        out.append(current)
    return out


# The fastest tf.function step times of one process measured on this machine (2 BLAS threads,
# idle; `python -m benchmarks`): the projection rescales the measured forward/backward/update
# split to these. Faster compute hides less communication, so these are the harsh case.
IDLE_STEP_S = {"W3": 278e-6, "W4": 3.69e-3, "W5": 24.6e-3}


def rescaled(measured: dict, step_s: float) -> dict:
    """`measured` with forward, backward and update scaled to add up to `step_s`."""
    parts = ("forward_s", "backward_s", "update_s")
    total = sum(measured[p] for p in parts) or 1.0
    return dict(measured, **{p: measured[p] * step_s / total for p in parts})


def project(measured: dict, workers: int, gbit_s: float, pack_bytes=PACK_BYTES,
            wire_fraction=1.0) -> dict:  # fmt: skip
    """Step time and scaling efficiency at `workers` from the one-rank measurements
    (`wire_fraction` 0.5: gradients sent as float16, Horovod's Compression.fp16)."""
    forward, backward = measured["forward_s"], measured["backward_s"]
    update = measured["update_s"]
    sent = [b * wire_fraction for b in measured["gradient_bytes"]]
    sizes = buckets(list(reversed(sent)), pack_bytes)
    total = sum(sizes)
    link_free, done = 0.0, 0.0
    ready = 0.0
    for size in sizes:
        ready += backward * size / total  # uniform rate over the backward pass
        start = max(ready, link_free)
        done = link_free = start + ring_allreduce_s(size, workers, gbit_s)
    exposed = max(0.0, done - backward)
    compute = forward + backward + update
    step = compute + exposed
    return {"step_s": step, "exposed_s": exposed, "efficiency": compute / step,
            "buckets": len(sizes)}  # fmt: skip


# ---- measuring (one rank) -------------------------------------------------------------------


def _median_time(fn, steps: int, barrier=None) -> float:
    times = []
    for _ in range(steps):
        if barrier is not None:
            barrier()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_worker(names, steps: int) -> None:
    import tapeflow as tf
    from tapeflow.distribute import comm as comm_module

    from . import workloads
    from .impl_tfapi import _keras_parts

    options = tf.distribute.experimental.CommunicationOptions(bytes_per_pack=PACK_BYTES)
    strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    comm = comm_module.get()
    for name in names:
        result = _measure_one(tf, strategy, comm, workloads.make(name), steps, _keras_parts)
        if comm.rank == 0:
            print("RESULT " + json.dumps(result), flush=True)


def _measure_one(tf, strategy, comm, w, steps: int, keras_parts) -> dict:
    import numpy as np

    from tapeflow.distribute.reducer import GradientReducer

    with strategy.scope():
        model, loss_fn, optimizer = keras_parts(tf, w)
    variables = model.trainable_variables
    x, y = (tf.constant(a) for a in w.batches[0])

    @tf.function
    def forward():
        return loss_fn(y, model(x, training=True))

    def gradients():
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return tape.gradient(loss, variables)

    def local_step_fn():
        optimizer.apply_gradients(zip(gradients(), variables))

    forward_backward = tf.function(gradients)
    local_step = tf.function(local_step_fn)
    distributed_step = tf.function(lambda: strategy.run(local_step_fn))
    grads = [g.numpy() for g in forward_backward()]
    reducer = GradientReducer(comm, "sum", bytes_per_pack=PACK_BYTES, what=w.name)
    for fn in (forward, forward_backward, local_step, distributed_step):
        fn()  # trace and warm up
        fn()
    t_forward = _median_time(forward, steps, comm.barrier)
    t_fb = _median_time(forward_backward, steps, comm.barrier)
    t_local = _median_time(local_step, steps, comm.barrier)
    t_reduce = _median_time(lambda: reducer.reduce_arrays(grads), steps, comm.barrier)
    t_step = _median_time(distributed_step, steps, comm.barrier)
    return {
        "workload": w.name,
        "ranks": comm.size,
        "batch_per_rank": w.batch_size,
        "forward_s": t_forward,
        "backward_s": max(t_fb - t_forward, 0.0),
        "update_s": max(t_local - t_fb, 0.0),
        "local_step_s": t_local,
        "allreduce_s": t_reduce,
        "distributed_step_s": t_step,
        "gradient_bytes": [int(np.asarray(g).nbytes) for g in grads],
    }


# ---- the driver ---------------------------------------------------------------------------


def _mpiexec() -> str:
    import shutil

    search = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    found = shutil.which("mpiexec", path=search)
    if found is None:
        raise SystemExit("no mpiexec: pip install 'tapeflow[distributed]'")
    return found


def run_ranks(ranks: int, steps: int, names) -> list:
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")  # fmt: skip
    command = [_mpiexec(), "--oversubscribe", "-n", str(ranks), sys.executable, "-m",
               "benchmarks.distributed", "--worker", ",".join(names),
               "--steps", str(steps)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{ranks} ranks failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return [
        json.loads(line[7:]) for line in done.stdout.splitlines() if line.startswith("RESULT ")
    ]


def _ms(s: float) -> str:
    return f"{s * 1e3:.3g} ms"


def report(results: list, load: tuple) -> str:
    lines = [
        f"Load average (1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end; "
        f"{os.cpu_count()} CPUs; BLAS 1 thread per rank.",
        "",
        "| workload | ranks | forward | backward | update | all-reduce alone | local step | "
        "distributed step | gradient MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    cpus = os.cpu_count() or 1
    for r in results:
        flag = " (oversubscribed)" if r["ranks"] > cpus else ""
        lines.append(
            f"| {r['workload']} | {r['ranks']}{flag} | {_ms(r['forward_s'])} | "
            f"{_ms(r['backward_s'])} | {_ms(r['update_s'])} | {_ms(r['allreduce_s'])} | "
            f"{_ms(r['local_step_s'])} | {_ms(r['distributed_step_s'])} | "
            f"{sum(r['gradient_bytes']) / 1e6:.2f} |"
        )
    widths = (8, 16, 32, 64, 128, 256)
    ones = [r for r in results if r["ranks"] == 1]
    for title, compute, fraction, pack in (
        ("compute as measured here at 1 rank", None, 1.0, PACK_BYTES),
        ("compute of the fastest idle steps (IDLE_STEP_S)", IDLE_STEP_S, 1.0, PACK_BYTES),
        ("idle compute, gradients sent as float16 (Compression.fp16), 4 MiB buckets",
         IDLE_STEP_S, 0.5, PACK_BYTES),
        ("idle compute, float16, 2 MiB buckets (HOROVOD_FUSION_THRESHOLD=2097152: the same "
         "tensors per bucket as float32 with 4 MiB)", IDLE_STEP_S, 0.5, PACK_BYTES // 2),
    ):  # fmt: skip
        lines += ["", f"Projected scaling efficiency, {title}:", ""]
        lines.append("| workload | network | " + " | ".join(f"{n}" for n in widths) + " |")
        lines.append("|---|---|" + "---|" * len(widths))
        for r in ones:
            m = r if compute is None else rescaled(r, compute[r["workload"]])
            for gbit in (10, 25, 100):
                cells = [
                    f"{project(m, n, gbit, pack, wire_fraction=fraction)['efficiency']:.0%}"
                    for n in widths
                ]
                lines.append(f"| {r['workload']} | {gbit} Gb/s | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--ranks", default="1,2,4,8")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--from-json", metavar="FILE",
                        help="re-render the report of a previous run (its RAW line)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.from_json:
        text = open(args.from_json).read()
        raw = next(line for line in text.splitlines() if line.startswith("RAW "))
        import re

        loads = [float(x) for x in re.findall(r"(\d+\.\d+) at the (?:start|end)", text)]
        print(report(json.loads(raw[4:]), tuple(loads)))
        return 0
    if args.worker:
        measure_worker(args.worker.split(","), args.steps)
        return 0
    names = args.workloads.split(",")
    start_load = os.getloadavg()[0]
    results = []
    for ranks in (int(n) for n in args.ranks.split(",")):
        results += run_ranks(ranks, args.steps, names)
    print(report(results, (start_load, os.getloadavg()[0])))
    print("\nRAW " + json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
