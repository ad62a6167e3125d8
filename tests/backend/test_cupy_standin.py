"""The suite once more on the CuPy backend, over the NumPy-backed stand-in for CuPy
(tests/cupy_standin): NumPy calls that bypass the backend fail there as they would on a GPU.

The run excludes the MPI tests and the wheel build (they test nothing backend-specific and
take long); the tests listed in cupy_standin/known_failures.txt are expected failures (the
bypasses not fixed yet). Locally: `TAPEFLOW_CUPY_STANDIN=1 python -m pytest tests`.
"""

import os
import pathlib
import subprocess
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parent.parent


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
