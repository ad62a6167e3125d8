"""The `tapeflow` command: run the tutorial examples, describe the installation, benchmark.

    tapeflow run heart-failure [--epochs N] [--data DIR] [--plot FILE] [--seed S]
    tapeflow info
    tapeflow bench [ARGS...]

`run` loads an example from the repository's `examples/` directory (found next to the
package, in the current directory, or at `$TAPEFLOW_EXAMPLES`), calls its `run(...)` with a
progress bar as callback, then prints a summary of the final metrics next to the published
ones.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import pathlib
import platform
import sys
import time

# Command-line name -> (file in examples/, what it is).
EXAMPLES = {
    "linear-regression": ("linear_regression", "f(x) = x*W + b with a tape and assign_sub"),
    "heart-failure": ("heart_failure", "Dense(64) x 2 + sigmoid, custom training loop"),
    "heart-failure-fit": ("heart_failure_fit", "the heart-failure model with compile and fit"),
    "mnist-mlp": ("mnist_mlp", "MNIST, Flatten-Dense(128)-Dense(10), @tf.function step"),
    "mnist-cnn": ("mnist_cnn", "MNIST, a small CNN in an explicit tf.data loop"),
}
EXAMPLES_ENV = "TAPEFLOW_EXAMPLES"
# Longer runs get one bar over the epochs rather than one bar per epoch.
MAX_EPOCHS_WITH_STEP_BARS = 10
_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def main(argv=None) -> int:
    """The console script's entry point; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    if argv[:1] == ["bench"]:
        # Everything after `bench` goes to the benchmarks as it is, `--help` included.
        args = argparse.Namespace(command="bench", handler=_bench, args=argv[1:])
    else:
        args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except BrokenPipeError:  # `tapeflow info | head`: the reader left, nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="tapeflow",
        description="TensorFlow 2's eager programming model on NumPy: examples and tools.",
    )
    parser.add_argument("--version", action="version", version=f"tapeflow {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    listing = "\n".join(f"  {name:<18} {what}" for name, (_, what) in EXAMPLES.items())
    run = commands.add_parser(
        "run",
        help="train one of the tutorial examples",
        description=f"Trains one of the tutorial examples.\n\nexamples:\n{listing}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("example", metavar="EXAMPLE", help="one of: " + ", ".join(EXAMPLES))
    run.add_argument(
        "--epochs", type=_positive_int, help="number of epochs (default: the tutorial's)"
    )
    run.add_argument("--data", metavar="DIR", help="directory holding the dataset files (MNIST)")
    run.add_argument("--plot", metavar="FILE", help="where to save the curves (PNG)")
    run.add_argument("--no-plot", action="store_true", help="save no plot")
    run.add_argument("--seed", type=int, help="random seed (default: the example's)")
    run.set_defaults(handler=_run)

    info = commands.add_parser("info", help="print the version, array backend, BLAS and threads")
    info.set_defaults(handler=_info)

    bench = commands.add_parser(
        "bench",
        help="run the benchmarks (needs the benchmarks/ package of a source checkout)",
        add_help=False,
    )
    bench.add_argument("args", nargs="*", metavar="ARGS", help="passed to benchmarks.main")
    bench.set_defaults(handler=_bench)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


# --- tapeflow run -----------------------------------------------------------------------


def examples_dir() -> pathlib.Path | None:
    """The directory holding the example scripts: `$TAPEFLOW_EXAMPLES`, else `examples/` next to
    the package (a source checkout or an editable install), else `./examples`."""
    candidates = []
    if os.environ.get(EXAMPLES_ENV):
        candidates.append(pathlib.Path(os.environ[EXAMPLES_ENV]).expanduser())
    candidates.append(pathlib.Path(__file__).resolve().parent.parent / "examples")
    candidates.append(pathlib.Path.cwd() / "examples")
    for candidate in candidates:
        if (candidate / "heart_failure.py").is_file():
            return candidate
    return None


def load_example(name: str):
    """The example module `name` ("heart-failure" or "heart_failure"), imported from its file."""
    key = name.replace("_", "-")
    if key not in EXAMPLES:
        raise LookupError(f"no example named {name!r}; the examples are: {', '.join(EXAMPLES)}")
    directory = examples_dir()
    if directory is None:
        raise FileNotFoundError(
            "the example scripts were not found: they live in the examples/ directory of the "
            "tapeflow repository, which `pip install` does not copy. Run from a clone (or an "
            f"editable install: pip install -e .), or set {EXAMPLES_ENV} to that directory."
        )
    path = directory / f"{EXAMPLES[key][0]}.py"
    spec = importlib.util.spec_from_file_location(f"tapeflow_examples.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(args) -> int:
    from . import __version__

    try:
        module = load_example(args.example)
    except (LookupError, FileNotFoundError) as e:
        print(f"tapeflow run: {e}", file=sys.stderr)
        return 2
    name = args.example.replace("_", "-")
    accepted = inspect.signature(module.run).parameters
    kwargs = {"verbose": 0, "callbacks": [progress_callback()]}
    for option in ("epochs", "data", "seed", "plot"):
        value = getattr(args, option)
        if value is None:
            continue
        if option not in accepted:
            print(f"tapeflow run: {name} takes no --{option}", file=sys.stderr)
            return 2
        kwargs[option] = value
    if args.no_plot:
        kwargs["plot"] = None
    epochs = kwargs.get("epochs", accepted["epochs"].default)
    print(f"tapeflow {__version__}: {name} ({EXAMPLES[name][1]}), {epochs} epochs")
    start = time.perf_counter()
    try:
        results = module.run(**kwargs)
    except (FileNotFoundError, ValueError) as e:  # a missing or corrupt dataset
        print(f"\ntapeflow run {name}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(summary(name, results, time.perf_counter() - start))
    return 0


def summary(name: str, results: dict, seconds: float) -> str:
    """The lines printed after a run: final, best and published metrics, time and plot."""
    lines = [f"Summary of {name}:"]
    lines.append(f"  final      {_format_metrics(results['final'])}")
    best = results.get("best")
    if best:
        metrics = {k: v for k, v in best.items() if k != "epoch"}
        lines.append(f"  best       {_format_metrics(metrics)} (epoch {best['epoch']})")
    if results.get("published"):
        lines.append(f"  published  {_format_metrics(results['published'])}")
    lines.append(f"  time       {results['seconds']:.1f} s training, {seconds:.1f} s in all")
    plot = results.get("plot")
    lines.append(f"  plot       {plot}" if plot else "  plot       none")
    return "\n".join(lines)


def _format_metrics(metrics: dict) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())


def progress_callback():
    """A Keras callback drawing a progress bar for an example's training: a bar per epoch over
    its steps when the run has few, long epochs and the example reports its steps (MNIST),
    else one bar over the epochs (heart failure: 60 epochs of 23 steps)."""
    # Keras loads here, not at import: `tapeflow info` and `--help` stay fast.
    from .keras.callbacks import Callback
    from .keras.utils import Progbar

    def progbar(target, unit):
        # Every value is shown as the example reports it, not averaged over updates.
        return Progbar(target, stateless_metrics=(), unit_name=unit)

    class Progress(Callback):
        def on_train_begin(self, logs=None):
            self._epochs = self.params.get("epochs")
            steps = self.params.get("steps")
            self._steps = steps if steps and self._epochs <= MAX_EPOCHS_WITH_STEP_BARS else None
            self._bar = None if self._steps else progbar(self._epochs, "epoch")

        def on_epoch_begin(self, epoch, logs=None):
            if self._steps:
                print(f"Epoch {epoch + 1}/{self._epochs}")
                self._bar = progbar(self._steps, "step")

        def on_train_batch_end(self, batch, logs=None):
            if self._steps:
                self._bar.update(batch + 1)

        def on_epoch_end(self, epoch, logs=None):
            values = list((logs or {}).items())
            if self._steps:
                self._bar.update(self._steps, values=values, finalize=True)
            else:
                self._bar.update(epoch + 1, values=values)

    return Progress()


# --- tapeflow info ----------------------------------------------------------------------


def _info(args) -> int:
    print(info())
    return 0


def info() -> str:
    """The report `tapeflow info` prints."""
    import numpy

    from . import __version__
    from .backend import name as backend_name

    lines = [
        f"tapeflow        {__version__} ({pathlib.Path(__file__).resolve().parent})",
        f"Python          {platform.python_version()} ({platform.python_implementation()}) "
        f"on {platform.platform()}",
        f"array backend   {backend_name} "
        f"(TAPEFLOW_BACKEND={os.environ.get('TAPEFLOW_BACKEND', 'unset')})",
        f"NumPy           {numpy.__version__}",
    ]
    if backend_name == "cupy":  # pragma: no cover - needs a GPU machine
        import cupy

        lines.append(f"CuPy            {cupy.__version__}")
    config = _numpy_config(numpy)
    for part in ("blas", "lapack"):
        entry = config.get("Build Dependencies", {}).get(part)
        if entry:
            detail = entry.get("openblas configuration") or entry.get("version", "")
            lines.append(f"{part.upper():<16}{entry.get('name', '?')} {detail}".rstrip())
    simd = config.get("SIMD Extensions")
    if simd:
        found = ", ".join(simd.get("found", [])) or "none"
        lines.append(
            f"SIMD            baseline {', '.join(simd.get('baseline', []))}; found {found}"
        )
    pools = blas_threads()
    if pools:
        for pool in pools:
            lines.append(f"BLAS threads    {pool['num_threads']} ({pool['api']}: {pool['path']})")
    else:
        lines.append("BLAS threads    unknown (no loaded BLAS library answered)")
    lines.append(f"CPUs            {_usable_cpus()} usable of {os.cpu_count()}")
    settings = ", ".join(f"{v}={os.environ[v]}" for v in _THREAD_VARS if v in os.environ)
    lines.append(f"thread settings {settings or 'none set (' + ', '.join(_THREAD_VARS[:3]) + ')'}")
    lines.append(f"matplotlib      {_version_of('matplotlib') or 'not installed (no plots)'}")
    root = os.environ.get("TAPEFLOW_DATA") or "~/.tapeflow/datasets"
    lines.append(f"dataset cache   {pathlib.Path(root).expanduser()}")
    directory = examples_dir()
    lines.append(f"examples        {directory or 'not found (they live in a source checkout)'}")
    return "\n".join(lines)


def _numpy_config(numpy) -> dict:
    try:
        return numpy.show_config(mode="dicts") or {}
    except TypeError:  # NumPy < 1.25 only prints
        return {}


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _version_of(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def blas_threads() -> list[dict]:
    """The thread pools of the BLAS libraries loaded in this process: threadpoolctl's answer
    when it is installed, else the libraries' own functions, found in /proc/self/maps."""
    try:
        import threadpoolctl
    except ImportError:
        pass
    else:
        return [
            {
                "api": p.get("internal_api"),
                "path": p.get("filepath"),
                "num_threads": p.get("num_threads"),
            }
            for p in threadpoolctl.threadpool_info()
            if p.get("user_api") == "blas"
        ]
    import ctypes

    pools = []
    for path in _loaded_libraries():
        lower = os.path.basename(path).lower()
        if "openblas" in lower:
            api, getters = "openblas", _openblas_getters()
        elif "mkl_rt" in lower:
            api, getters = "mkl", ("MKL_Get_Max_Threads",)
        elif "blis" in lower:
            api, getters = "blis", ("bli_thread_get_num_threads",)
        else:
            continue
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for getter in getters:
            function = getattr(library, getter, None)
            if function is not None:
                function.restype = ctypes.c_int
                pools.append({"api": api, "path": path, "num_threads": function()})
                break
    return pools


def _openblas_getters():
    # NumPy's wheels carry scipy-openblas, whose symbols have a prefix and a 64-bit suffix.
    return tuple(
        f"{prefix}openblas_get_num_threads{suffix}"
        for prefix in ("", "scipy_")
        for suffix in ("", "64_")
    )


def _loaded_libraries() -> list[str]:
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:  # not Linux: no way to list them without threadpoolctl
        return []
    paths = []
    for line in maps.splitlines():
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        if ".so" in path and path.startswith("/") and path not in paths:
            paths.append(path)
    return paths


# --- tapeflow bench ---------------------------------------------------------------------


def _bench(args) -> int:
    benchmarks = _import_benchmarks()
    run_benchmarks = _benchmarks_main(benchmarks) if benchmarks else None
    if run_benchmarks is None:
        where = (
            "has no main(argv)"
            if benchmarks
            else "is not importable: it is the benchmarks/ directory of a source checkout of "
            "tapeflow, not installed by pip"
        )
        print(
            f"tapeflow bench: the benchmarks package {where}. Run `tapeflow bench` from a "
            "clone of the repository (or `python -m benchmarks` there).",
            file=sys.stderr,
        )
        return 2
    status = run_benchmarks(args.args)
    return status if isinstance(status, int) else 0


def _benchmarks_main(benchmarks):
    """`benchmarks.main`, else `benchmarks.suite.main` (what `python -m benchmarks` runs)."""
    run_benchmarks = getattr(benchmarks, "main", None)
    if run_benchmarks is None:
        try:
            suite = importlib.import_module(f"{benchmarks.__name__}.suite")
        except ImportError:
            return None
        run_benchmarks = getattr(suite, "main", None)
    return run_benchmarks


def _import_benchmarks():
    """The `benchmarks` package: importable as it is, or from the checkout that holds the
    package (an editable install) or the current directory (a clone)."""
    try:
        import benchmarks
    except ImportError:
        pass
    else:
        return benchmarks
    for checkout in (pathlib.Path(__file__).resolve().parent.parent, pathlib.Path.cwd()):
        if not (checkout / "benchmarks" / "__init__.py").is_file():
            continue
        sys.path.insert(0, str(checkout))
        try:
            import benchmarks
        except ImportError:
            sys.path.remove(str(checkout))
            continue
        return benchmarks  # the checkout stays on sys.path: the suite imports its modules
    return None


if __name__ == "__main__":
    sys.exit(main())
