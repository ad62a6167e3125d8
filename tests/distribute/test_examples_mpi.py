"""The data-parallel examples: one command each under `mpiexec -n 2` (a short run on the
project's MNIST files), and in one process without a launcher."""

import importlib
import importlib.util
import os
import pathlib

import pytest

_spec = importlib.util.spec_from_file_location(
    "mpi_harness", pathlib.Path(__file__).with_name("mpi_harness.py")
)
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

# The project's MNIST files sit in shared/ beside the clone (as for tests/examples).
REPO = pathlib.Path(__file__).resolve().parents[2]
MNIST = pathlib.Path(os.environ.get("TAPEFLOW_TEST_MNIST", REPO.parent / "shared/data/mnist"))
needs_mnist = pytest.mark.skipif(
    not (MNIST / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"the MNIST IDX files are not in {MNIST} (tests never download them)",
)
SHORT = ["--epochs", "1", "--train-size", "1024", "--test-size", "512", "--data", str(MNIST)]


@needs_mnist
@harness.needs_mpi
@pytest.mark.parametrize("module", ["mnist_distributed", "mnist_horovod"])
def test_example_under_mpiexec(module, tmp_path):
    script = tmp_path / "run_example.py"
    script.write_text(f"from tapeflow.examples.{module} import main\nmain()\n")
    result = harness.run(str(script), 2, *SHORT, timeout=120)
    assert result.returncode == 0, result.output[-4000:]
    final = [line for line in result.stdout.splitlines() if line.startswith("Final:")]
    assert len(final) == 1, result.stdout  # rank 0 alone reports
    assert "2 replica(s)" in final[0] or "2 rank(s)" in final[0]
    accuracy = float(final[0].split("test_accuracy ")[1].split()[0])
    assert accuracy > 0.5, final[0]


@needs_mnist
@pytest.mark.parametrize("module", ["mnist_distributed", "mnist_horovod"])
def test_example_in_one_process(module):
    example = importlib.import_module(f"tapeflow.examples.{module}")
    results = example.run(epochs=1, data=str(MNIST), train_size=512, test_size=256, verbose=0)
    assert results["final"]["test_accuracy"] > 0.4
