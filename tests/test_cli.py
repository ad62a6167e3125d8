"""The `tapeflow` command: run (progress bar and summary), info, bench, and its errors."""

import os
import pathlib
import re
import subprocess
import sys
import types

import pytest

import tapeflow
from tapeflow import cli
from tapeflow.keras.callbacks import CallbackList
from tapeflow.keras.datasets import _loader

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    def refuse(url, timeout):
        raise OSError(f"tests run offline: {url}")

    monkeypatch.setattr(_loader, "_urlopen", refuse)


def test_run_heart_failure_prints_a_bar_and_a_summary(tmp_path, capsys):
    plot = tmp_path / "curves.png"
    assert cli.main(["run", "heart-failure", "--epochs", "3", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"tapeflow {tapeflow.__version__}: heart-failure (")
    assert "3/3" in out and "val_accuracy: " in out  # the progress bar, over the epochs
    summary = out[out.index("Summary of heart-failure:") :].splitlines()
    assert summary[1].startswith("  final      loss ") and "val_accuracy 0." in summary[1]
    assert summary[2].startswith("  best       val_accuracy 0.") and "(epoch " in summary[2]
    assert summary[3] == "  published  val_accuracy 0.8750"
    assert summary[5] == f"  plot       {plot}"
    assert plot.stat().st_size > 0
    assert "Epoch  1/3" not in out  # the example's own per-epoch lines give way to the bar


def test_run_writes_no_file_unless_asked(tmp_path, capsys, monkeypatch):
    # Without --plot nothing lands in the current directory (it used to get a PNG).
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "linear_regression", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "  published  W 3.0000, b 2.0000" in out and "  plot       none" in out
    assert not list(tmp_path.iterdir())
    assert cli.main(["run", "linear-regression", "--epochs", "1", "--no-plot"]) == 0  # still ok
    assert "linear-regression (f(x) = x*W + b" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())


def test_run_heart_failure_fit_passes_the_bar_to_fit(tmp_path, capsys):
    assert cli.main(["run", "heart-failure-fit", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "2/2" in out and "Summary of heart-failure-fit:" in out


def test_run_rejects_unknown_examples_and_options(capsys):
    assert cli.main(["run", "resnet"]) == 2
    err = capsys.readouterr().err
    assert "no example named 'resnet'" in err and "heart-failure, heart-failure-fit" in err
    assert cli.main(["run", "heart-failure", "--data", "somewhere"]) == 2
    assert "heart-failure takes no --data" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["run", "heart-failure", "--epochs", "0"])
    assert "expected a positive integer, got 0" in capsys.readouterr().err


def test_run_mnist_without_files_says_where_to_put_them(tmp_path, capsys):
    assert cli.main(["run", "mnist-mlp", "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"tapeflow run mnist-mlp: the mnist files are not in {tmp_path} and" in err
    assert "train-images-idx3-ubyte.gz" in err and "mnist.npz" in err
    # The command's own ways to name the directory, not the Python loader's `data_dir=`.
    assert "  --data DIR          on the command line" in err
    assert "  TAPEFLOW_DATA=DIR   in the environment, with the files in DIR/mnist" in err
    assert "  the cache folder    ~/.tapeflow/datasets/mnist" in err
    assert "data_dir" not in err and "tests run offline" in err


def test_run_mnist_from_the_data_variable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TAPEFLOW_DATA", str(tmp_path))
    assert cli.main(["run", "mnist-cnn", "--epochs", "1"]) == 1
    assert f"not in {tmp_path / 'mnist'} and could not" in capsys.readouterr().err


def test_progress_bar_per_epoch_over_steps(capsys):
    callbacks = CallbackList([cli.progress_callback()], epochs=2, steps=3)
    callbacks.on_train_begin()
    for epoch in range(2):
        callbacks.on_epoch_begin(epoch)
        for step in range(3):
            callbacks.on_train_batch_end(step)
        callbacks.on_epoch_end(epoch, {"loss": 0.5 - epoch / 10, "accuracy": 0.9})
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "3/3" in out
    assert "loss: 0.5000" in out and "loss: 0.4000" in out and "accuracy: 0.9000" in out


def test_run_help_says_what_it_runs(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    out = capsys.readouterr().out
    assert str(REPO / "tapeflow" / "examples") in out  # where the scripts are
    assert "python -m tapeflow.examples.heart_failure" in out
    for name, (module, _) in cli.EXAMPLES.items():
        assert f"  {name:<18} " in out and f"({module}.py)" in out
    assert "--data DIR" in out and "TAPEFLOW_DATA" in out and "--plot FILE" in out


def test_examples_are_modules_of_the_package():
    for name, (module, _) in cli.EXAMPLES.items():
        example = cli.load_example(name)
        assert example.__name__ == f"tapeflow.examples.{module}"
        assert pathlib.Path(example.__file__).parent == REPO / "tapeflow" / "examples"


def test_readme_table_commands_parse():
    # The README's commands name real examples and options; MNIST ones use a generic path.
    readme = (REPO / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| ")]
    table = [c for row in rows for c in re.findall(r"`(tapeflow run [^`]+)`", row)]
    assert len({c.split()[2] for c in table}) == len(cli.EXAMPLES)
    parser = cli._parser()
    for command in table:
        args = parser.parse_args(command.split()[1:])
        assert args.example in cli.EXAMPLES, command
    assert "../shared" not in readme


def test_info(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    import numpy

    assert f"tapeflow        {tapeflow.__version__}" in out
    assert f"array backend   {tapeflow.backend.name}" in out
    assert f"NumPy           {numpy.__version__}" in out
    assert "BLAS threads    " in out and "CPUs            " in out
    assert "thread settings " in out and "dataset cache   " in out
    assert "tf.config.threading.set_intra_op_parallelism_threads(N)" in out
    assert f"examples        {REPO / 'tapeflow' / 'examples'}" in out


def test_info_says_when_the_machine_is_busy(monkeypatch):
    monkeypatch.setattr(cli.threads, "load_average", lambda: 9.5)
    monkeypatch.setattr(cli.threads, "usable_cpus", lambda: 2)
    assert "2 usable of" in cli.info()
    busy = "load average 9.50 (busy: training steps use fewer BLAS threads unless you chose them)"
    assert busy in cli.info()
    monkeypatch.setattr(cli.threads, "load_average", lambda: 0.5)
    assert "load average 0.50 (not busy)" in cli.info()


def test_info_says_whether_native_kernels_run(monkeypatch):
    from tapeflow.backend import native

    monkeypatch.setattr(native, "available", lambda: False)
    assert "native kernels  off: Numba is not installed (pip install tapeflow[fast])" in cli.info()
    monkeypatch.setattr(native, "available", lambda: True)
    monkeypatch.setitem(native._state, "enabled", False)
    assert "TAPEFLOW_NATIVE=0" in cli.info()


def test_info_says_how_malloc_was_tuned(monkeypatch):
    from tapeflow.backend import allocator

    monkeypatch.setattr(allocator, "status", "left as it is (TAPEFLOW_MALLOC_TUNING=0)")
    assert "memory          left as it is (TAPEFLOW_MALLOC_TUNING=0)" in cli.info()


def test_info_reports_thread_variables(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert "OPENBLAS_NUM_THREADS=1" in cli.info()


def test_bench_delegates_to_the_benchmarks_package(monkeypatch):
    calls = []
    fake = types.SimpleNamespace(main=lambda argv: calls.append(argv) or 3)
    monkeypatch.setattr(cli, "_import_benchmarks", lambda: fake)
    assert cli.main(["bench", "op_overhead", "--quick"]) == 3
    assert calls == [["op_overhead", "--quick"]]


def test_bench_without_the_benchmarks_package(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_import_benchmarks", lambda: None)
    assert cli.main(["bench"]) == 2
    assert "the benchmarks package is not importable" in capsys.readouterr().err
    monkeypatch.setattr(cli, "_import_benchmarks", lambda: types.ModuleType("no_benchmarks"))
    assert cli.main(["bench"]) == 2
    assert "has no main(argv)" in capsys.readouterr().err


def test_bench_falls_back_to_the_suite_and_passes_options(tmp_path, monkeypatch):
    package = tmp_path / "fake_benchmarks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "suite.py").write_text("CALLS = []\ndef main(argv=None):\n    CALLS.append(argv)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import fake_benchmarks
    import fake_benchmarks.suite

    monkeypatch.setattr(cli, "_import_benchmarks", lambda: fake_benchmarks)
    assert cli.main(["bench", "--help", "--quick"]) == 0
    assert fake_benchmarks.suite.CALLS == [["--help", "--quick"]]


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "usage: tapeflow" in capsys.readouterr().out


def test_module_entry_point_and_version():
    # This checkout's tapeflow first (the CuPy stand-in's path, when set, stays after it).
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    done = subprocess.run(
        [sys.executable, "-m", "tapeflow.cli", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip() == f"tapeflow {tapeflow.__version__}"
