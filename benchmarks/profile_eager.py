"""Where tapeflow eager spends a training step: cProfile over many steps of a workload.

`python -m benchmarks.profile_eager --workloads W2,W3 [--steps 300] [--top 25]` prints, per
workload, the time per step without the profiler, the top functions by own time (microseconds
and calls per step) and the own time summed per source file, and writes the same text to
benchmarks/results/profile_eager.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

from . import timing

RESULTS = Path(__file__).resolve().parent / "results"


def _short(path: str) -> str:
    for marker in ("/tapeflow/", "/numpy/", "/benchmarks/"):
        if marker in path:
            return marker.strip("/") + "/" + path.split(marker, 1)[1]
    return path


def profile(name: str, steps: int, top: int, compiled: bool = False) -> str:
    """The profile report of `steps` tapeflow steps of workload `name`."""
    import tapeflow as tf

    from . import impl_tfapi, workloads

    impl = impl_tfapi.build(tf, workloads.make(name), compiled=compiled)
    timing.run(impl, max(10, steps // 10))  # warm-up
    per_step = min(timing.run(impl, steps) for _ in range(3)) / steps
    profiler = cProfile.Profile()
    profiler.enable()
    timing.run(impl, steps)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())

    lines = [
        f"## {name}, tapeflow {'tf.function' if compiled else 'eager'}: "
        f"{per_step * 1e6:.1f} us per step without the profiler "
        f"({total / steps * 1e6:.1f} us with it), {steps} steps profiled",
        "",
        "Top functions by own time (us per step, calls per step, cumulative us per step):",
        "",
        "| own us | calls | cum us | function |",
        "|---:|---:|---:|---|",
    ]
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)
    for (path, line, func), (_, ncalls, tottime, cumtime, _) in rows[:top]:
        where = f"{_short(path)}:{line}({func})" if line else func
        lines.append(
            f"| {tottime / steps * 1e6:.1f} | {ncalls / steps:.1f} | "
            f"{cumtime / steps * 1e6:.1f} | `{where}` |"
        )
    by_file: dict[str, float] = {}
    for (path, _, _), (_, _, tottime, _, _) in stats.stats.items():
        key = _short(path) if path != "~" else "builtins / C functions"
        by_file[key] = by_file.get(key, 0.0) + tottime
    lines += ["", "Own time per source file (us per step, share):", ""]
    lines += ["| us | share | file |", "|---:|---:|---|"]
    for key, seconds in sorted(by_file.items(), key=lambda kv: kv[1], reverse=True)[:12]:
        lines.append(f"| {seconds / steps * 1e6:.1f} | {seconds / total:.0%} | `{key}` |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profile_eager", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--workloads", default="W2,W3")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--function", action="store_true", help="profile tf.function instead")
    parser.add_argument("--out", default=str(RESULTS / "profile_eager.txt"))
    args = parser.parse_args(argv)
    os.environ.update(timing.thread_env())  # before NumPy is imported (it is not, yet)
    names = [n.strip().upper() for n in args.workloads.split(",") if n.strip()]
    text = io.StringIO()
    for name in names:
        steps = args.steps if name in ("W1", "W2", "W3") else max(5, args.steps // 20)
        text.write(profile(name, steps, args.top, compiled=args.function) + "\n")
    sys.stdout.write(text.getvalue())
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
