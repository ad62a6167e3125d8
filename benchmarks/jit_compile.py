"""The first step of tapeflow's `tf.function(jit_compile=True)`: how long tracing, lowering and
compiling take, cold (an empty disk cache) and warm (the cache the cold run left).

`python -m benchmarks.jit_compile W1,W3` prints the figures as JSON. Each measurement runs in
a fresh process (its imports not counted), so a warm figure is what a user's second run of a
script sees: the generated code's machine code is read back from the disk cache instead of
compiled. The suite calls `measure` after its rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def first_step(name: str, tiny: bool = False) -> dict:
    """In this process: builds workload `name` under jit_compile and times its first step.

    `first_step_s` is the whole first call (trace, graph passes, lowering, compile or cache
    load, one run); `compile_s` the part the lowering took (code generation and Numba)."""
    import warnings

    import tapeflow as tf

    from . import impl_tfapi, timing, workloads

    impl = impl_tfapi.build(tf, workloads.make(name, tiny=tiny), compiled=True, jit_compile=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fallback warning: reported below instead
        t0 = time.perf_counter()
        timing.run(impl, 1)
        seconds = time.perf_counter() - t0
    traces = [t for entry in impl.step._cache.values() for t in entry.traces]
    info = traces[0].native if traces else None
    if info is None:
        return {"first_step_s": seconds, "error": "no trace was lowered"}
    return {
        "first_step_s": seconds,
        "compile_s": info.seconds,
        "cache_hits": info.cache_hits,
        "segments": len(info.segments),
        "fallback": sorted(set(info.fallback)),
        "reason": info.reason,
    }


def _run(name: str, cache: str, env: dict, tiny: bool) -> dict:
    env = {**env, "TAPEFLOW_JIT_CACHE": cache}
    command = [sys.executable, "-m", "benchmarks.jit_compile", name, "--in-process"]
    command += ["--tiny"] if tiny else []
    out = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=_PACKAGE_ROOT, timeout=600
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        tail = out.stderr.strip().splitlines()[-1:] or [f"exit code {out.returncode}"]
        return {"error": tail[0]}
    return json.loads(lines[-1])


def measure(names, env: dict | None = None, tiny: bool = False, log=None) -> dict:
    """{workload: {"cold": ..., "warm": ...}}: each workload's first jit step in a fresh
    process with an empty cache directory, then in another fresh process reading it."""
    env = dict(os.environ if env is None else env)
    out = {}
    with tempfile.TemporaryDirectory(prefix="tapeflow-jit-cache-") as tmp:
        for name in names:
            if log:
                log(f"jit_compile first step of {name} (cold, then warm) ...")
            cache = str(Path(tmp) / name)
            out[name] = {phase: _run(name, cache, env, tiny) for phase in ("cold", "warm")}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jit_compile")
    parser.add_argument("workloads", help="e.g. W1,W3")
    parser.add_argument("--tiny", action="store_true", help="the smoke test's small sizes")
    parser.add_argument(
        "--in-process", action="store_true", help="one workload, in this process (internal)"
    )
    args = parser.parse_args(argv)
    names = [n.strip().upper() for n in args.workloads.split(",") if n.strip()]
    if args.in_process:
        print(json.dumps(first_step(names[0], args.tiny)), flush=True)
    else:
        log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
        print(json.dumps(measure(names, tiny=args.tiny, log=log), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
