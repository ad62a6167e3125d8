"""The benchmark suite: W1..W6 on tapeflow, TensorFlow, PyTorch, JAX and hand-written NumPy.

`python -m benchmarks [--quick] [--workloads W1,W2] [--load N]`. The driver imports no
framework: it starts one worker process per framework installed in this interpreter (same
thread settings for all), has each build, warm up and calibrate its implementations, then
runs interleaved rounds (every round times one block of steps of every implementation of
every workload, in a rotating order, one process at a time) and reports the median over
rounds of the time per step, the ratios within this run, the loss check and each framework's
import time. With `--load N`, the same rounds run again while N busy processes compete for
the CPUs.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import report, timing, workloads
from ._worker import MODES

FRAMEWORKS = ("tapeflow", "tensorflow", "torch", "jax", "numpy")
RESULTS = Path(__file__).resolve().parent / "results"
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


SETTLE_SECONDS = 0.3
# Before the rounds under load, the busy processes run this long alone: tapeflow's thread
# default measures the others' CPU time over its last check interval (2 s), so by then it
# sees them whole.
LOAD_SETTLE_SECONDS = 5.0
_BUSY_LOOP = "while True: pass"


def available(framework: str) -> bool:
    """Whether `framework` can be imported by this interpreter (without importing it)."""
    try:
        return importlib.util.find_spec(framework) is not None
    except (ImportError, ValueError):
        return False


def worker_env(threads: int = timing.THREADS, framework: str = "") -> dict:
    """The environment of a worker: every thread variable set to `threads`, except for
    tapeflow, which runs with its default (the BLAS's own count, fewer when other processes
    are busy; see tapeflow/backend/threads.py): setting them would switch that default off."""
    env = timing.thread_env(threads=threads)
    if framework == "tapeflow":
        for name in timing.THREAD_ENV:
            env.pop(name, None)
    path = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(_PACKAGE_ROOT) + (os.pathsep + path if path else "")
    return env


def _renice(nice: int) -> None:
    try:
        os.nice(nice)  # a negative value needs privileges; without them, run as is
    except OSError:
        pass


class _Process:
    """A worker process and its JSON-lines conversation."""

    def __init__(self, framework: str, log, env: dict, nice: int = 0):
        self.framework = framework
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._worker", framework],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
            cwd=_PACKAGE_ROOT,
            text=True,
            bufsize=1,
            # Niceness is per thread: set it before the process starts any, so BLAS and
            # OpenMP pools inherit it (a main thread spinning at a higher priority than its
            # pool's workers would stall).
            preexec_fn=(lambda: _renice(nice)) if nice else None,
        )
        self.hello = self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            return {"error": f"{self.framework} worker exited (code {self.proc.poll()})"}
        return json.loads(line)

    def ask(self, op: str, **args) -> dict:
        try:
            self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return {"error": f"{self.framework} worker is gone"}
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"op": "exit"}) + "\n")
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class BusyLoad:
    """N processes spinning on a CPU each, at the workers' niceness (so they compete on
    equal terms), started and stopped by the suite (by their own process ids)."""

    def __init__(self, count: int, nice: int = 0):
        self.count, self.nice = count, nice
        self.procs: list[subprocess.Popen] = []

    def __enter__(self):
        for _ in range(self.count):
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", _BUSY_LOOP],
                    stdin=subprocess.DEVNULL,
                    preexec_fn=(lambda: _renice(self.nice)) if self.nice else None,
                )
            )
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs = []


def import_time(framework: str, repeat: int, env: dict) -> float | None:
    """Median seconds of `import framework` in a fresh interpreter (the interpreter's own
    start-up is not counted)."""
    code = (
        f"import time; t = time.perf_counter(); import {framework}; print(time.perf_counter() - t)"
    )
    times = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            cwd=_PACKAGE_ROOT,
        )
        if out.returncode != 0:
            return None
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_suite(
    names,
    frameworks,
    rounds: int,
    block_seconds: float,
    import_repeat: int,
    tiny: bool = False,
    log=print,
    threads: int = timing.THREADS,
    nice: int = 0,
    settle: float = SETTLE_SECONDS,
    load: int = 0,
    load_settle: float = LOAD_SETTLE_SECONDS,
    compile_time: bool = True,
) -> dict:
    """Runs the suite and returns every measurement as a JSON-able dict.

    With `load` > 0, after the idle rounds the same number of rounds runs again while `load`
    busy processes compete for the CPUs (started `load_settle` seconds before). With
    `compile_time`, the first step of tapeflow's jit_compile is timed in fresh processes,
    cold and warm from the disk cache (`jit_compile.py`)."""
    started = time.time()
    result = {
        "workloads": list(names),
        "rounds": rounds,
        "block_seconds": block_seconds,
        "threads": threads,
        "nice": nice,
        "settle_s": settle,
        "load": load,
        "load_settle_s": load_settle,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "machine": {"cpus": os.cpu_count(), "cpu": _cpu_model(), "platform": platform.platform()},
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "loadavg_start": _loadavg(),
        "frameworks": {},
        "impls": {},
    }
    missing = [f for f in frameworks if not available(f)]
    for framework in missing:
        result["frameworks"][framework] = {"status": "not installed"}
    processes = {}
    with tempfile.TemporaryDirectory(prefix="tapeflow-bench-") as tmp:
        try:
            for framework in (f for f in frameworks if f not in missing):
                log(f"starting {framework} ...")
                env = worker_env(threads, framework)
                if framework == "tapeflow":  # jit_compile's first step compiles: a cold cache
                    env["TAPEFLOW_JIT_CACHE"] = str(Path(tmp) / "jit-cache")
                with open(Path(tmp) / f"{framework}.log", "w") as worker_log:
                    p = _Process(framework, worker_log, env, nice)
                if "error" in p.hello:
                    result["frameworks"][framework] = {"status": p.hello["error"]}
                    p.close()
                    continue
                setup = p.ask("setup", names=list(names), block_seconds=block_seconds, tiny=tiny)
                if "error" in setup:
                    result["frameworks"][framework] = {"status": setup["error"]}
                    p.close()
                    continue
                result["frameworks"][framework] = {"status": "ok", "version": setup["version"]}
                processes[framework] = p
                for key, info in setup["impls"].items():
                    result["impls"][key] = {
                        **info,
                        "per_step": [],
                        "per_step_load": [],
                        "cpus": [],
                        "cpus_load": [],
                    }
            _rounds(result, processes, names, rounds, log, settle)
            if load:
                log(f"starting {load} busy processes, {load_settle:.0f} s before the rounds ...")
                with BusyLoad(load, nice):
                    time.sleep(load_settle)
                    result["loadavg_load_start"] = _loadavg()
                    _rounds(result, processes, names, rounds, log, settle, "per_step_load")
                    result["loadavg_load_end"] = _loadavg()
            for p in processes.values():
                final = p.ask("final")
                for key, last in final.get("last_losses", {}).items():
                    result["impls"][key]["last_losses"] = last
        finally:
            for p in processes.values():
                p.close()
            logs = {p.name: p.read_text()[-4000:] for p in Path(tmp).glob("*.log")}
    result["worker_log_tails"] = {k: v for k, v in logs.items() if "Traceback" in v}
    result["loadavg_end"] = _loadavg()
    if compile_time and "tapeflow" in processes:
        from . import jit_compile

        env = worker_env(threads, "tapeflow")
        result["jit_compile"] = jit_compile.measure(names, env, tiny=tiny, log=log)
    if import_repeat:
        log("timing imports ...")
        for framework in ("numpy", *(f for f in frameworks if f != "numpy")):
            if framework in processes or (framework == "numpy" and available("numpy")):
                seconds = import_time(framework, import_repeat, worker_env(threads, framework))
                result["frameworks"].setdefault(framework, {})["import_s"] = seconds
    result["elapsed_s"] = time.time() - started
    for info in result["impls"].values():
        if info.get("per_step"):
            info["median_s"] = statistics.median(info["per_step"])
        if info.get("per_step_load"):
            info["median_load_s"] = statistics.median(info["per_step_load"])
        for field in ("cpus", "cpus_load"):
            if info.get(field):
                info["median_" + field] = statistics.median(info[field])
    return result


def _rounds(result, processes, names, rounds, log, settle=0.0, field="per_step") -> None:
    cells = {
        name: [
            key
            for key, info in result["impls"].items()
            if key.startswith(name + "/") and "n" in info
        ]
        for name in names
    }
    for r in range(rounds):
        log(f"round {r + 1}/{rounds}" + (" under load" if field != "per_step" else ""))
        for name in names:
            keys = cells[name]
            if not keys:
                continue
            shift = r % len(keys)
            for key in keys[shift:] + keys[:shift]:  # rotate: no implementation always first
                info = result["impls"][key]
                if "error" in info:
                    continue
                # BLAS and OpenMP pools spin for a while after their last task (OpenBLAS about
                # 0.1 s, OpenMP's default 0.2 s): a pause lets the previous block's threads go
                # idle, so no worker runs while another one's threads still hold the CPUs.
                time.sleep(settle)
                answer = processes[key.split("/")[1]].ask("block", key=key, n=info["n"])
                if "error" in answer:
                    info["error"] = answer["error"]
                    continue
                info[field].append(answer["seconds"] / answer["n"])
                if answer.get("cpu_seconds") is not None and answer["seconds"] > 0:
                    cpus = "cpus" if field == "per_step" else "cpus_load"
                    info.setdefault(cpus, []).append(answer["cpu_seconds"] / answer["seconds"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="3 short rounds, one import run")
    parser.add_argument("--workloads", default=",".join(workloads.NAMES), help="e.g. W1,W2")
    parser.add_argument(
        "--frameworks", default=",".join(FRAMEWORKS), help="subset of " + ",".join(FRAMEWORKS)
    )
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 9; quick 3)")
    parser.add_argument("--block", type=float, help="seconds per timed block (default 0.1)")
    parser.add_argument("--import-repeat", type=int, help="fresh imports per framework (3)")
    parser.add_argument("--threads", type=int, default=timing.THREADS, help="per framework")
    parser.add_argument(
        "--nice", type=int, default=0, help="niceness of the workers (negative needs root)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=SETTLE_SECONDS,
        help="pause before each timed block, so other workers' spinning threads go idle",
    )
    parser.add_argument(
        "--load",
        type=int,
        default=0,
        help="after the idle rounds, run them again with N busy processes competing",
    )
    parser.add_argument(
        "--load-settle",
        type=float,
        default=LOAD_SETTLE_SECONDS,
        help="seconds the busy processes run before the rounds under load",
    )
    parser.add_argument("--out", default=str(RESULTS), help="folder for latest.{md,json,png}")
    parser.add_argument("--no-chart", action="store_true", help="skip the PNG bar chart")
    parser.add_argument(
        "--no-compile-time",
        action="store_true",
        help="skip timing jit_compile's first step in fresh processes (cold and warm cache)",
    )
    args = parser.parse_args(argv)

    names = [n.strip().upper() for n in args.workloads.split(",") if n.strip()]
    unknown = [n for n in names if n not in workloads.NAMES]
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    unknown += [f for f in frameworks if f not in MODES]
    if unknown:
        parser.error(f"unknown workload(s)/framework(s): {', '.join(unknown)}")
    rounds = args.rounds or (3 if args.quick else 9)
    block = args.block or (0.03 if args.quick else 0.1)
    import_repeat = (
        args.import_repeat if args.import_repeat is not None else (1 if args.quick else 3)
    )

    def log(message):
        print(message, file=sys.stderr, flush=True)

    result = run_suite(
        names,
        frameworks,
        rounds,
        block,
        import_repeat,
        log=log,
        threads=args.threads,
        nice=args.nice,
        settle=args.settle,
        load=args.load,
        load_settle=args.load_settle,
        compile_time=not args.no_compile_time,
    )
    result["command"] = "python -m benchmarks " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=1) + "\n")
    chart = None if args.no_chart else report.chart(result, out / "latest.png")
    markdown = report.markdown(result, chart_name=chart.name if chart else None)
    (out / "latest.md").write_text(markdown)
    print(markdown)
    log(f"wrote {out / 'latest.md'}" + (f" and {chart}" if chart else ""))
    return 0
