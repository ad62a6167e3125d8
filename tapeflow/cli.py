"""The `tapeflow` command: run the tutorial examples, describe the installation, benchmark.

    tapeflow run heart-failure [--epochs N] [--data DIR] [--plot FILE] [--seed S]
    tapeflow info
    tapeflow bench [ARGS...]

`run` imports an example from `tapeflow.examples` (shipped in the package, so it works from
any directory after a plain `pip install`), calls its `run(...)` with a progress bar as
callback, then prints a summary of the final metrics next to the published ones.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pathlib
import platform
import sys
import time

from .backend import allocator, threads
from .examples import EXAMPLES

EXAMPLES_DIR = pathlib.Path(__file__).resolve().parent / "examples"
# Longer runs get one bar over the epochs rather than one bar per epoch.
MAX_EPOCHS_WITH_STEP_BARS = 10


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

    listing = "\n".join(
        f"  {name:<18} {what} ({module}.py)" for name, (module, what) in EXAMPLES.items()
    )
    run = commands.add_parser(
        "run",
        help="train one of the tutorial examples shipped with tapeflow",
        description=(
            "Trains one of the TensorFlow tutorials' programs that ship with tapeflow, with a\n"
            "progress bar, and prints its final metrics next to the published ones. Each is a\n"
            "plain script whose only change from TensorFlow is `import tapeflow as tf`: read\n"
            f"them in {EXAMPLES_DIR},\n"
            "or run one without the bar: python -m tapeflow.examples.heart_failure --help\n\n"
            f"examples:\n{listing}\n\n"
            "MNIST is read from --data DIR, else from $TAPEFLOW_DATA/mnist, else from the cache\n"
            "~/.tapeflow/datasets/mnist (downloaded there when absent and online). Nothing is\n"
            "written to disk unless --plot FILE asks for the curves."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("example", metavar="EXAMPLE", help="one of: " + ", ".join(EXAMPLES))
    run.add_argument(
        "--epochs", type=_positive_int, help="number of epochs (default: the tutorial's)"
    )
    run.add_argument("--data", metavar="DIR", help="directory holding the dataset files (MNIST)")
    run.add_argument(
        "--plot", metavar="FILE", help="save the training curves to this PNG (needs matplotlib)"
    )
    run.add_argument("--no-plot", action="store_true", help=argparse.SUPPRESS)  # the default
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


def load_example(name: str):
    """The example module `name` ("heart-failure" or "heart_failure") of tapeflow.examples."""
    key = name.replace("_", "-")
    if key not in EXAMPLES:
        raise LookupError(f"no example named {name!r}; the examples are: {', '.join(EXAMPLES)}")
    return importlib.import_module(f"{__package__}.examples.{EXAMPLES[key][0]}")


def _run(args) -> int:
    from . import __version__

    try:
        module = load_example(args.example)
    except LookupError as e:
        print(f"tapeflow run: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:
        return _missing_module(args.example, e)
    name = args.example.replace("_", "-")
    accepted = inspect.signature(module.run).parameters
    # No file unless --plot names one: the examples' run() writes none by default either.
    kwargs = {"verbose": 0, "callbacks": [progress_callback()], "plot": None}
    for option in ("epochs", "data", "seed", "plot"):
        value = getattr(args, option)
        if value is None:
            continue
        if option not in accepted:
            print(f"tapeflow run: {name} takes no --{option}", file=sys.stderr)
            return 2
        kwargs[option] = value
    epochs = kwargs.get("epochs", accepted["epochs"].default)
    unit = "epoch" if epochs == 1 else "epochs"
    print(f"tapeflow {__version__}: {name} ({EXAMPLES[name][1]}), {epochs} {unit}")
    from .keras.datasets import DatasetNotFoundError

    start = time.perf_counter()
    try:
        results = module.run(**kwargs)
    except DatasetNotFoundError as e:
        print(f"\ntapeflow run {name}: {dataset_not_found(e)}", file=sys.stderr)
        return 1
    except (FileNotFoundError, ValueError) as e:  # a corrupt dataset, a bad --data
        print(f"\ntapeflow run {name}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as e:
        return _missing_module(name, e)
    print(summary(name, results, time.perf_counter() - start))
    return 0


def _missing_module(name: str, error: ModuleNotFoundError) -> int:
    """An example's own optional dependency (pandas) is named; anything else is a bug."""
    if error.name is None or error.name.split(".")[0] == __package__:
        raise error
    print(
        f"tapeflow run {name}: this example needs {error.name}, which is not installed: "
        f"pip install {error.name}",
        file=sys.stderr,
    )
    return 1


def dataset_not_found(error) -> str:
    """What `tapeflow run` says when a dataset is missing: the command's own ways to point at
    the files (`--data DIR`, the environment variable, the cache folder), not the loader's
    Python argument."""
    from .keras.datasets._loader import DEFAULT_ROOT, ENV_VAR

    dataset = error.dataset or "dataset"
    files = "\n".join(f"    {name}" for name in error.absent)
    if dataset == "mnist":
        files += "\n  (or Keras' mnist.npz instead of the four files)"
    ways = [
        ("--data DIR", "on the command line"),
        (f"{ENV_VAR}=DIR", f"in the environment, with the files in DIR/{dataset}"),
        ("the cache folder", f"{DEFAULT_ROOT}/{dataset}"),
    ]
    sources = "\n".join(f"    {url}" for url in error.sources)
    attempts = "\n".join(f"    {line}" for line in error.attempts) or "    (nothing was tried)"
    return (
        f"the {dataset} files are not in {error.directory} and could not be downloaded.\n"
        f"Put these files in a directory:\n{files}\nand name it with one of:\n"
        + "".join(f"  {way:<20}{where}\n" for way, where in ways)
        + f"The files can be downloaded from:\n{sources}\nDownload attempts:\n{attempts}"
    )


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
    lines += _thread_lines()
    lines.append(f"native kernels  {_native_line()}")
    lines.append(f"memory          {allocator.status or 'malloc left as it is'}")
    lines.append(f"matplotlib      {_version_of('matplotlib') or 'not installed (no plots)'}")
    root = os.environ.get("TAPEFLOW_DATA") or "~/.tapeflow/datasets"
    lines.append(f"dataset cache   {pathlib.Path(root).expanduser()}")
    lines.append(f"examples        {EXAMPLES_DIR}")
    return "\n".join(lines)


def _thread_lines() -> list[str]:
    """BLAS threads, CPUs, load and the thread settings, with how to change them."""
    lines = []
    pools = threads.blas_threads()
    for pool in pools:
        lines.append(f"BLAS threads    {pool['num_threads']} ({pool['api']}: {pool['path']})")
    if not pools:
        lines.append("BLAS threads    unknown (no loaded BLAS library answered)")
    how = "threadpoolctl" if _version_of("threadpoolctl") else "the library's own functions"
    lines.append(f"                read and set through {how}")
    cpus, load = threads.usable_cpus(), threads.load_average()
    busy = ""
    if load is not None:
        state = (
            "busy: training steps use fewer BLAS threads unless you chose them"
            if load > cpus
            else "not busy"
        )
        busy = f"; load average {load:.2f} ({state})"
    lines.append(f"CPUs            {cpus} usable of {os.cpu_count()}{busy}")
    variables = threads.THREAD_VARS
    settings = ", ".join(f"{v}={os.environ[v]}" for v in variables if v in os.environ)
    lines.append(f"thread settings {settings or 'none set (' + ', '.join(variables[:3]) + ')'}")
    lines.append(
        "                set them in Python with "
        "tf.config.threading.set_intra_op_parallelism_threads(N)"
    )
    return lines


def _native_line() -> str:
    from .backend import native

    info = native.status()
    if info["numba"] is None:
        return "off: Numba is not installed (pip install tapeflow[fast])"
    if not info["enabled"]:
        return f"off (Numba {info['numba']}; TAPEFLOW_NATIVE=0)"
    return f"on (Numba {info['numba']}; compiled on first use, cached on disk)"


def _numpy_config(numpy) -> dict:
    try:
        return numpy.show_config(mode="dicts") or {}
    except TypeError:  # NumPy < 1.25 only prints
        return {}


def _version_of(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


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
