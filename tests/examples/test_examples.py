"""Short runs of every example in tapeflow/examples/: few epochs, a subset of MNIST. Each must
train (the loss falls), reach sensible metrics, and leave its plot behind when asked for one;
full runs are measured by hand and reported in the README."""

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from tapeflow.cli import EXAMPLES, load_example
from tapeflow.keras.datasets import _loader

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO / "tapeflow" / "examples"
SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist"
needs_mnist = pytest.mark.skipif(
    not (SHARED_MNIST / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"the MNIST IDX files are not in {SHARED_MNIST} (tests never download them)",
)


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No example reaches the network from a test."""

    def refuse(url, timeout):
        raise OSError(f"tests run offline: {url}")

    monkeypatch.setattr(_loader, "_urlopen", refuse)


def test_every_example_imports_tensorflow_only_as_tapeflow():
    # "import tapeflow as tf is the only difference": one such line, and no other tapeflow
    # import but the packaged heart-failure data.
    for stem, _ in EXAMPLES.values():
        source = (EXAMPLES_DIR / f"{stem}.py").read_text()
        lines = source.splitlines()
        assert lines.count("import tapeflow as tf") == 1, stem
        others = [ln for ln in lines if re.match(r"\s*(import|from) tapeflow", ln)]
        assert set(others) <= {
            "import tapeflow as tf",
            "from tapeflow.datasets import heart_failure",
        }
        assert "def run(" in source and "def main(argv=None)" in source, stem


def test_linear_regression(tmp_path):
    results = load_example("linear-regression").run(plot=tmp_path / "lr.png", verbose=0)
    loss = results["history"]["loss"]
    assert len(loss) == 11 and all(b < a for a, b in zip(loss, loss[1:]))
    assert abs(results["final"]["W"] - 3.0) < 0.1
    # b approaches 2 as 2 * (1 - 0.8**10) = 1.79 plus the noise's mean after ten steps.
    assert 1.6 < results["final"]["b"] < 2.0
    assert results["plot"] == tmp_path / "lr.png" and (tmp_path / "lr.png").stat().st_size > 0


def test_heart_failure(tmp_path, capsys):
    module = load_example("heart-failure")
    results = module.run(epochs=5, plot=tmp_path / "hf.png")
    history = results["history"]
    assert history["loss"][-1] < 0.7 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.8 and results["best"]["val_accuracy"] > 0.84
    assert 1 <= results["best"]["epoch"] <= 5
    assert (tmp_path / "hf.png").stat().st_size > 0
    out = capsys.readouterr().out
    assert out.count("val_accuracy") >= 6 and "Epoch  5/5" in out and "published 0.875" in out


def test_heart_failure_is_reproducible():
    module = load_example("heart-failure")
    first = module.run(epochs=2, seed=7, plot=None, verbose=0)["history"]
    second = module.run(epochs=2, seed=7, plot=None, verbose=0)["history"]
    other = module.run(epochs=2, seed=8, plot=None, verbose=0)["history"]
    assert first == second
    assert first["loss"] != other["loss"]


def test_heart_failure_fit(tmp_path):
    results = load_example("heart-failure-fit").run(epochs=5, plot=tmp_path / "f.png", verbose=0)
    history = results["history"]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history["loss"][-1] < 0.7 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.8
    assert (tmp_path / "f.png").stat().st_size > 0


def test_heart_failure_structured(tmp_path):
    # The DataFrame through preprocessing layers in a functional model, saved and reloaded
    # with them, then asked about one raw patient and run on the CSV file itself.
    pytest.importorskip("pandas")
    module = load_example("heart-failure-structured")
    results = module.run(epochs=2, plot=tmp_path / "s.png", verbose=0)
    history, final = results["history"], results["final"]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history["loss"][1] < history["loss"][0]
    assert final["test_accuracy"] > 0.7 and final["csv_accuracy"] > 0.7
    assert 0.0 < results["patient_probability"] < 0.5  # the first patient has no disease
    assert (tmp_path / "s.png").stat().st_size > 0
    again = module.run(epochs=2, verbose=0)
    assert again["history"] == history  # set_random_seed makes the run reproducible


def test_run_structured_without_pandas_names_it(monkeypatch, capsys):
    from tapeflow import cli

    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    assert cli.main(["run", "heart-failure-structured", "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert "needs pandas, which is not installed: pip install pandas" in err


def test_example_without_matplotlib(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    results = load_example("heart-failure").run(epochs=1, plot=tmp_path / "x.png", verbose=0)
    assert results["plot"] is None and not (tmp_path / "x.png").exists()
    assert "matplotlib is not installed" in capsys.readouterr().out


def test_example_runs_as_a_script(tmp_path):
    # As a module of the package and as a file; a plot only when asked for.
    # This checkout's tapeflow first (the CuPy stand-in's path, when set, stays after it).
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    done = subprocess.run(
        [sys.executable, "-m", "tapeflow.examples.heart_failure", "--epochs", "2"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Epoch  2/2" in done.stdout and "Final: val_accuracy" in done.stdout
    assert not list(tmp_path.iterdir())
    done = subprocess.run(
        [sys.executable, str(EXAMPLES_DIR / "heart_failure.py"), "--epochs", "1", "--plot",
         "s.png"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "saved s.png" in done.stdout and (tmp_path / "s.png").is_file()


def _figure_of(plot_history, history, monkeypatch, tmp_path):
    """The matplotlib figure `plot_history` saves, drawn, for its labels and ticks."""
    from matplotlib.figure import Figure

    saved = []
    real_savefig = Figure.savefig

    def savefig(fig, path, *args, **kwargs):
        saved.append(fig)
        return real_savefig(fig, path, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    assert plot_history(history, tmp_path / "p.png") == tmp_path / "p.png"
    (figure,) = saved
    figure.canvas.draw()
    return figure


def test_linear_regression_plot_has_labels_and_a_title(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    module = load_example("linear-regression")
    history = module.run(epochs=3, verbose=0)["history"]
    (axes,) = _figure_of(module.plot_history, history, monkeypatch, tmp_path).axes
    assert axes.get_xlabel() == "Epoch" and axes.get_ylabel() == "Value"
    assert axes.get_title() == "W and b per epoch (true W = 3, b = 2)"
    assert all(float(t).is_integer() for t in axes.get_xticks())


@pytest.mark.parametrize(
    "name",
    ["heart-failure", "heart-failure-fit", "heart-failure-structured", "mnist-mlp", "mnist-cnn"],
)
def test_curves_have_whole_epoch_ticks(name, tmp_path, monkeypatch):
    # Two or three epochs used to get ticks at 1.25, 1.5, ...
    pytest.importorskip("matplotlib")
    module = load_example(name)
    keys = ("loss", "accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy")
    history = {key: [0.5, 0.4, 0.3] for key in keys}
    figure = _figure_of(module.plot_history, history, monkeypatch, tmp_path)
    for axes in figure.axes:
        ticks = [t for t in axes.get_xticks() if axes.get_xlim()[0] <= t <= axes.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), (name, ticks)
        assert axes.get_xlabel() == "Epoch" and axes.get_ylabel() and axes.get_title()


@needs_mnist
def test_mnist_mlp(tmp_path, capsys):
    module = load_example("mnist-mlp")
    results = module.run(
        epochs=2, data=SHARED_MNIST, plot=tmp_path / "mlp.png", train_size=2048, test_size=512
    )
    history = results["history"]
    assert history["loss"][1] < 0.75 * history["loss"][0]
    assert history["test_accuracy"][-1] > 0.85
    assert (tmp_path / "mlp.png").stat().st_size > 0
    out = capsys.readouterr().out
    assert "Epoch 2, Loss: " in out and "Test Accuracy: " in out


@needs_mnist
def test_mnist_cnn(tmp_path):
    module = load_example("mnist-cnn")
    results = module.run(
        epochs=2,
        data=SHARED_MNIST,
        plot=tmp_path / "cnn.png",
        verbose=0,
        train_size=1024,
        test_size=512,
    )
    history = results["history"]
    assert history["loss"][1] < 0.75 * history["loss"][0]
    assert history["test_accuracy"][-1] > 0.7
    assert (tmp_path / "cnn.png").stat().st_size > 0


def test_mnist_cnn_pipeline_normalises():
    module = load_example("mnist-cnn")
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    x, y = module.normalize(images, np.array([3]))
    assert x.dtype.name == "float32" and x.shape == (1, 2, 2, 1)
    np.testing.assert_allclose(x.numpy()[0, :, :, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)
    assert y[0] == 3


def test_mnist_example_says_where_to_put_the_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        load_example("mnist-mlp").run(epochs=1, data=tmp_path, plot=None, verbose=0)


def test_compare_script_swaps_only_the_import(monkeypatch):
    # With tapeflow standing in for tensorflow, the swapped module must run as the original:
    # the compare script reads the files `tapeflow run` runs.
    sys.path.insert(0, str(REPO / "examples" / "compare"))
    try:
        import run_with_tensorflow
    finally:
        sys.path.remove(str(REPO / "examples" / "compare"))
    import tapeflow

    monkeypatch.setitem(sys.modules, "tensorflow", tapeflow)
    module = run_with_tensorflow.load_with_tensorflow("heart-failure")
    assert module.tf is tapeflow and module.__name__ == "tf_heart_failure"
    assert module.__file__ == str(EXAMPLES_DIR / "heart_failure.py")
    swapped = module.run(epochs=2, seed=3, plot=None, verbose=0)["history"]
    original = load_example("heart-failure").run(epochs=2, seed=3, plot=None, verbose=0)
    assert swapped == original["history"]
