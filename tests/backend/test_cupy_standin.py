"""The suite once more on the CuPy backend, over the NumPy-backed stand-in for CuPy
(tests/cupy_standin): NumPy calls that bypass the backend fail there as they would on a GPU.

The run excludes the MPI tests and the wheel build (they test nothing backend-specific and
take long); the tests listed in cupy_standin/known_failures.txt are strict expected failures
(answers that only hold on a CPU machine; the file says why). Under the stand-in an op whose
forward returns a NumPy array of numbers fails at once (tests/conftest.py). Locally:
`TAPEFLOW_CUPY_STANDIN=1 python -m pytest tests`.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

TESTS = pathlib.Path(__file__).resolve().parent.parent


def _standin():
    """The stand-in's `cupy` module, loaded on its own (the backend of this run is unchanged)."""
    path = TESTS / "cupy_standin" / "cupy" / "__init__.py"
    spec = importlib.util.spec_from_file_location("cupy_standin_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_standin_refuses_implicit_conversion_as_cupy_does():
    cupy = _standin()
    a = cupy.asarray(np.arange(3.0))
    for convert in (np.asarray, np.array, np.ascontiguousarray):
        with pytest.raises(TypeError, match="Implicit conversion"):
            convert(a)
    with pytest.raises(TypeError, match="refuses NumPy arrays"):
        a + np.ones(3)
    np.testing.assert_array_equal(cupy.asnumpy(a), [0.0, 1.0, 2.0])  # the explicit way out


def test_the_standin_gives_arrays_where_cupy_does():
    cupy = _standin()
    a = cupy.array(np.arange(3.0))  # an explicit host-to-device copy
    for value in (a.sum(), a[1], a.max() + 1, next(iter(a))):
        assert type(value) is cupy.ndarray and value.ndim == 0  # never a NumPy scalar
    assert float(a.sum()) == 3.0 and isinstance(a.data.ptr, int)


@pytest.mark.skipif(
    os.environ.get("TAPEFLOW_CUPY_STANDIN") == "1", reason="already running on the stand-in"
)
def test_suite_passes_on_the_cupy_standin():
    env = dict(os.environ, TAPEFLOW_CUPY_STANDIN="1")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(TESTS),
            "-q",
            "-p",
            "no:cacheprovider",
            "--ignore",
            str(TESTS / "distribute"),
            "--ignore",
            str(TESTS / "test_install.py"),
            "-x",
            "--tb=short",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        env=env,
        cwd=TESTS.parent,
        timeout=1500,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
