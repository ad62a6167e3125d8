"""The suite's report: Markdown tables (times, ratios, targets, loss check, imports) and an
optional bar chart (matplotlib), both from the dict that `suite.run_suite` returns."""

from __future__ import annotations

import statistics
from pathlib import Path

from .workloads import TITLES

# (framework, mode) -> the row label, in table order.
LABELS = {
    ("tapeflow", "eager"): "tapeflow eager",
    ("tapeflow", "function"): "tapeflow tf.function",
    ("tapeflow", "jit"): "tapeflow jit_compile",
    ("tensorflow", "eager"): "TensorFlow eager",
    ("tensorflow", "function"): "TensorFlow tf.function",
    ("tensorflow", "jit"): "TensorFlow XLA (jit_compile)",
    ("torch", "eager"): "PyTorch eager",
    ("torch", "compile"): "PyTorch torch.compile",
    ("jax", "jit"): "JAX jit",
    ("numpy", "floor"): "hand-written NumPy",
}
NUMPY, TORCH = ("numpy", "floor"), ("torch", "eager")
TF_EAGER, TF_FUNCTION = ("tapeflow", "eager"), ("tapeflow", "function")
TF_JIT = ("tapeflow", "jit")
TENSORFLOW_FUNCTION, TENSORFLOW_XLA = ("tensorflow", "function"), ("tensorflow", "jit")
JAX = ("jax", "jit")
PEERS = [i for i in LABELS if i[0] not in ("tapeflow", "numpy")]
NOISY = 0.15  # a cell whose rounds' interquartile range exceeds this fraction gets a mark


def fmt_time(seconds: float) -> str:
    """Three significant digits in us, ms or s."""
    for unit, scale in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        value = seconds / scale
        if value < 1000 or unit == "s":
            return f"{value:.3g} {unit}"
    raise AssertionError


def _cell(result, name, impl):
    return result["impls"].get(f"{name}/{impl[0]}/{impl[1]}")


def median(result, name, impl) -> float | None:
    info = _cell(result, name, impl)
    return info.get("median_s") if info else None


def ratio(result, name, impl, base) -> float | None:
    """Time of `impl` over time of `base` on workload `name`: the median over rounds of the
    ratio within each round (paired, so a change of load between rounds cancels out)."""
    a, b = _cell(result, name, impl), _cell(result, name, base)
    if not a or not b or a.get("median_s") is None or b.get("median_s") is None:
        return None
    pairs = list(zip(a.get("per_step", []), b.get("per_step", [])))
    if not pairs:
        return a["median_s"] / b["median_s"]
    return statistics.median(x / y for x, y in pairs)


def spread(info) -> float:
    """Interquartile range of the rounds over their median (0 with fewer than 4 rounds)."""
    times = info.get("per_step", [])
    if len(times) < 4:
        return 0.0
    q = statistics.quantiles(times, n=4)
    return (q[2] - q[0]) / statistics.median(times)


def _status(result, name, impl) -> str | None:
    """Why a cell has no time ("not installed", "n/a ...", the error), or None."""
    framework_status = result["frameworks"].get(impl[0], {}).get("status")
    if framework_status is None:
        return "not run"
    if framework_status != "ok":
        return framework_status
    info = _cell(result, name, impl)
    if info is None:
        return "not run"
    if "na" in info:
        return info["na"]
    if "error" in info:
        return "error"
    return None


def _rows(result):
    present = {tuple(k.split("/")[1:]) for k in result["impls"]}
    wanted = {fw for fw, info in result["frameworks"].items() if info.get("status") != "ok"}
    return [impl for impl in LABELS if impl in present or impl[0] in wanted]


def _table(result, names, value) -> list[str]:
    lines = ["| implementation | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for impl in _rows(result):
        cells = [value(name, impl) for name in names]
        lines.append(f"| {LABELS[impl]} | " + " | ".join(cells) + " |")
    return lines


def _time_cell(result, name, impl) -> str:
    status = _status(result, name, impl)
    if status:
        return status
    info = _cell(result, name, impl)
    mark = " ~" if spread(info) > NOISY else ""
    return fmt_time(info["median_s"]) + mark


def _best_cell(result, name, impl) -> str:
    info = _cell(result, name, impl)
    if _status(result, name, impl) or not info.get("per_step"):
        return "-"
    return fmt_time(min(info["per_step"]))


def _ratio_cell(result, name, impl, base) -> str:
    r = ratio(result, name, impl, base)
    return "-" if r is None else f"{r:.2f}x"


def best_ratio(result, name, impl, base) -> float | None:
    """Fastest round of `impl` over fastest round of `base`: less sensitive to bursts of load
    from other processes than the median, which a burst covering half the rounds moves."""
    a, b = _cell(result, name, impl), _cell(result, name, base)
    if not a or not b or not a.get("per_step") or not b.get("per_step"):
        return None
    return min(a["per_step"]) / min(b["per_step"])


def _verdict(r: float, limit: float, strict: bool = False) -> str:
    ok = r < limit if strict else r <= limit
    return "met" if ok else f"missed by {r / limit:.2f}x"


def _fastest_peer(result, name):
    """The peer implementation (not tapeflow, not NumPy) with the lowest median on `name`."""
    timed = [(median(result, name, i), i) for i in PEERS if median(result, name, i)]
    return min(timed)[1] if timed else None


def targets(result) -> list[tuple[str, str, str, str]]:
    """(target, measured, verdict, best-round ratio and verdict) for each target of issue 12
    that this run can judge (all strict: "ahead of" means a ratio under 1)."""
    names = result["workloads"]
    checks = []
    for n in ("W1", "W2", "W3"):
        checks.append((n, TF_JIT, JAX, 1.0, True, "jit_compile ahead of JAX jit"))
    for n in ("W4", "W6"):
        checks.append((n, TF_JIT, TENSORFLOW_FUNCTION, 1.0, True, "jit_compile ahead of TF"))
        checks.append((n, TF_JIT, TENSORFLOW_XLA, 1.0, True, "jit_compile ahead of XLA"))
    peer = _fastest_peer(result, "W5") if "W5" in names else None
    if peer is not None:
        what = f"jit_compile within 1.1x of the fastest peer ({LABELS[peer]})"
        checks.append(("W5", TF_JIT, peer, 1.1, False, what))
    for n in ("W1", "W2", "W3", "W4", "W6"):
        checks.append(
            (n, TF_FUNCTION, TENSORFLOW_FUNCTION, 1.0, True, "tf.function ahead of TF's")
        )
        checks.append((n, TF_EAGER, TORCH, 1.0, True, "eager faster than PyTorch eager"))
    rows = []
    for name, impl, base, limit, strict, what in checks:
        if name not in names:
            continue
        r = ratio(result, name, impl, base)
        if r is None:
            status = _status(result, name, impl) or _status(result, name, base)
            if status:
                rows.append((f"{name}: {what}", status, "-", "-"))
            continue
        best = best_ratio(result, name, impl, base)
        best_text = "-" if best is None else f"{best:.2f}x, {_verdict(best, limit, strict)}"
        rows.append((f"{name}: {what}", f"{r:.2f}x", _verdict(r, limit, strict), best_text))
    if result.get("load"):
        for name in ("W3", "W6"):
            for impl in (TF_EAGER, TF_FUNCTION, TF_JIT):
                slowdown = load_slowdown(result, name, impl)
                if name in names and slowdown is not None:
                    what = f"{LABELS[impl]} under load at most 2x its idle time"
                    rows.append(
                        (f"{name}: {what}", f"{slowdown:.2f}x", _verdict(slowdown, 2.0), "-")
                    )
    seconds = result["frameworks"].get("tapeflow", {}).get("import_s")
    if seconds is not None:
        measured = f"{seconds:.3f} s"
        rows.append(("`import tapeflow` under 0.25 s", measured, _verdict(seconds, 0.25), "-"))
    return rows


def load_slowdown(result, name, impl) -> float | None:
    """Median time per step under load over the idle median (the rounds under load run
    after the idle ones, so this ratio is not paired round by round)."""
    info = _cell(result, name, impl)
    if not info or not info.get("median_s") or not info.get("median_load_s"):
        return None
    return info["median_load_s"] / info["median_s"]


def _load_cell(result, name, impl) -> str:
    status = _status(result, name, impl)
    info = _cell(result, name, impl)
    if status or not info.get("median_load_s"):
        return status or "-"
    return f"{fmt_time(info['median_load_s'])} ({load_slowdown(result, name, impl):.2f}x)"


def _cpus_cell(result, name, impl) -> str:
    """CPUs the worker used during the timed blocks, idle -> under load (medians)."""
    info = _cell(result, name, impl)
    if _status(result, name, impl) or not info.get("median_cpus"):
        return "-"
    loaded = info.get("median_cpus_load")
    return f"{info['median_cpus']:.2f} -> {loaded:.2f}" if loaded else f"{info['median_cpus']:.2f}"


def loss_check(result, name, impl) -> tuple[str, bool | None]:
    """("first -> last" losses, whether the loss fell) for one cell."""
    info = _cell(result, name, impl)
    if not info or "first_losses" not in info or not isinstance(info.get("last_losses"), list):
        return "-", None
    first = statistics.fmean(info["first_losses"])
    last = statistics.fmean(info["last_losses"])
    fell = last < first
    return f"{first:.4g} -> {last:.4g} {'ok' if fell else 'DID NOT FALL'}", fell


def first_pass_agreement(result, name) -> str:
    """Largest relative difference from NumPy's losses over the first pass (same data, same
    initial weights, same optimizer formulas: float32 round-off, unless an optimizer differs)."""
    base = _cell(result, name, NUMPY)
    if not base or "first_losses" not in base:
        return "-"
    ref = base["first_losses"]
    worst = 0.0
    for key, info in result["impls"].items():
        if key.startswith(name + "/") and "first_losses" in info:
            for a, b in zip(info["first_losses"], ref):
                worst = max(worst, abs(a - b) / max(abs(b), 1e-30))
    return f"{worst:.1e}"


def markdown(result, chart_name: str | None = None) -> str:
    names = result["workloads"]
    load0, load1 = result.get("loadavg_start"), result.get("loadavg_end")
    versions = ", ".join(
        f"{fw} {info['version']}"
        for fw, info in result["frameworks"].items()
        if info.get("version")
    )
    out = [
        "# Benchmark results",
        "",
        f"Command: `{result.get('command', 'python -m benchmarks')}` "
        f"({result['date']}, {result['elapsed_s']:.0f} s).",
        f"Machine: {result['machine']['cpus']} CPUs ({result['machine']['cpu']}), Python "
        f"{result['python']}; {versions}.",
        f"Every framework runs with {result['threads']} threads, in its own worker process"
        + (f" (niceness {result['nice']})" if result.get("nice") else "")
        + "; "
        f"{result['rounds']} interleaved rounds of about {result['block_seconds']} s per "
        "implementation and workload, after warm-up"
        + (
            f", each block after a {result['settle_s']} s pause (spinning thread pools of the "
            "worker that ran before go idle)"
            if result.get("settle_s")
            else ""
        )
        + "; the figure is the median over rounds of "
        "the time per step (forward, loss, gradient, optimizer update).",
        f"Load average at start {load0}, at end {load1} (the suite itself adds about 1; more "
        "means other processes shared the CPUs and absolute times are noisier). Each ratio is "
        "the median over rounds of the ratio within a round (paired, so changes of load "
        "between rounds cancel). "
        f"`~` marks a cell whose rounds varied by more than {NOISY:.0%} (interquartile range).",
        "",
        "## Median time per step",
        "",
        *_table(result, names, lambda n, i: _time_cell(result, n, i)),
        "",
        "## Best round (fastest round's time per step: less disturbed by other processes)",
        "",
        *_table(result, names, lambda n, i: _best_cell(result, n, i)),
        "",
        "## Ratio to hand-written NumPy (the floor for a NumPy engine; lower is faster)",
        "",
        *_table(result, names, lambda n, i: _ratio_cell(result, n, i, NUMPY)),
        "",
        "## Ratio to PyTorch eager",
        "",
        *_table(result, names, lambda n, i: _ratio_cell(result, n, i, TORCH)),
        "",
    ]
    if chart_name:
        out += [f"![time per step]({chart_name})", ""]
    if result.get("load"):
        out += [
            f"## Under load: {result['load']} busy processes",
            "",
            f"The same rounds again while {result['load']} processes spin on a CPU each (at "
            "the workers' niceness), started "
            f"{result.get('load_settle_s', '?')} s before; load average "
            f"{result.get('loadavg_load_start')} at their start and "
            f"{result.get('loadavg_load_end')} at their end. Median time per step, and in "
            "brackets over the idle median.",
            "",
            *_table(result, names, lambda n, i: _load_cell(result, n, i)),
            "",
            "CPUs each worker used while it ran its blocks (its CPU time, all threads, over "
            "the wall time; median of blocks), idle -> under load. A step that needs the "
            "same CPU time under load takes about idle CPUs / loaded CPUs times longer, so "
            "staying within 2x of the idle time needs the worker to keep at least half the "
            "CPUs it used idle.",
            "",
            *_table(result, names, lambda n, i: _cpus_cell(result, n, i)),
            "",
        ]
    rows = targets(result)
    if rows:
        out += [
            "## Targets (issue 12)",
            "",
            "| target | measured (median of paired ratios) | verdict | best rounds |",
            "|---|---|---|---|",
        ]
        out += [f"| {t} | {m} | {v} | {b} |" for t, m, v, b in rows] + [""]
    out += [
        "## Loss check",
        "",
        "Mean loss over the first pass over the batches (from the initial weights) and over "
        "one more pass after all timed rounds (implementations ran different numbers of "
        "steps); it must fall. The last row is the largest relative difference from NumPy's "
        "losses over the first pass: same data, initial weights and optimizer formulas, so "
        "float32 round-off (PyTorch's RMSprop adds epsilon outside the square root, Keras "
        "inside; PyTorch's and optax's Adam scale epsilon by the bias correction).",
        "",
        *_table(result, names, lambda n, i: loss_check(result, n, i)[0]),
        "| first pass, largest difference from NumPy | "
        + " | ".join(first_pass_agreement(result, n) for n in names)
        + " |",
        "",
        "## First step (includes tracing / compiling)",
        "",
        *_table(result, names, lambda n, i: _first_step(result, n, i)),
        "",
        *_jit_compile_section(result, names),
    ]
    imports = [
        (fw, info) for fw, info in result["frameworks"].items() if info.get("import_s") is not None
    ]
    if imports:
        out += [
            "## Import time (fresh interpreter, median)",
            "",
            "| framework | import |",
            "|---|---|",
            *[f"| {fw} | {info['import_s']:.3f} s |" for fw, info in imports],
            "",
        ]
    out += ["## Workloads", ""]
    data = {}
    for key, info in result["impls"].items():
        data.setdefault(key.split("/")[0], info.get("data"))
    out += [f"- {n}: {TITLES[n]}; data: {data.get(n) or '-'}" for n in names]
    notes = sorted(
        {
            f"{LABELS[tuple(k.split('/')[1:])]}: {i['note']}"
            for k, i in result["impls"].items()
            if i.get("note")
        }
    )
    if notes:
        out += ["", "Notes: " + "; ".join(notes) + "."]
    errors = {k: i["error"] for k, i in result["impls"].items() if "error" in i}
    if errors:
        out += ["", "## Errors", ""] + [f"- {k}: {e}" for k, e in sorted(errors.items())]
    return "\n".join(out) + "\n"


def _jit_compile_section(result, names) -> list[str]:
    """tapeflow jit_compile's first step in a fresh process, cold and warm disk cache."""
    times = result.get("jit_compile")
    if not times:
        return []

    def cell(name, phase, field):
        info = times.get(name, {}).get(phase, {})
        if "error" in info:
            return f"error: {info['error']}"
        return fmt_time(info[field]) if info.get(field) is not None else "-"

    rows = [
        ("cold cache: first step", "cold", "first_step_s"),
        ("cold cache: of which lowering + Numba compile", "cold", "compile_s"),
        ("warm cache: first step", "warm", "first_step_s"),
        ("warm cache: of which lowering + loading", "warm", "compile_s"),
    ]
    lines = [
        "## tapeflow jit_compile: the first step in a fresh process",
        "",
        "Trace, graph passes, lowering to native code and one run, with the disk cache of "
        "generated code empty (cold) and as the cold run left it (warm: a script's second run). "
        "Imports are not counted, except Numba's when the lowering is the first to import it.",
        "",
        "| | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for label, phase, field in rows:
        lines.append(f"| {label} | " + " | ".join(cell(n, phase, field) for n in names) + " |")
    fallback = {
        n: times[n]["cold"].get("fallback")
        for n in names
        if times.get(n, {}).get("cold", {}).get("fallback")
    }
    if fallback:
        parts = [f"{n}: {', '.join(ops)}" for n, ops in fallback.items()]
        lines += ["", "Run by the NumPy plan inside jit_compile (no native lowering): "]
        lines[-1] += "; ".join(parts) + "."
    return lines + [""]


def _first_step(result, name, impl) -> str:
    status = _status(result, name, impl)
    if status:
        return "n/a" if status.startswith("n/a") else status
    return fmt_time(_cell(result, name, impl)["first_step_s"])


def chart(result, path: Path) -> Path | None:
    """A grouped bar chart of the medians (log scale) at `path`; None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = result["workloads"]
    rows = [impl for impl in _rows(result) if any(median(result, n, impl) for n in names)]
    if not rows:
        return None
    width = 0.8 / len(rows)
    fig, ax = plt.subplots(figsize=(2 + 1.6 * len(names), 4.5))
    for i, impl in enumerate(rows):
        xs, ys = [], []
        for j, name in enumerate(names):
            t = median(result, name, impl)
            if t is not None:
                xs.append(j - 0.4 + (i + 0.5) * width)
                ys.append(t * 1e6)
        ax.bar(xs, ys, width, label=LABELS[impl])
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("median time per step (us, log scale)")
    ax.set_title(f"Training step, {result['threads']} threads (lower is faster)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
