"""A failing rank ends the whole job with an error, never a hang (`mpiexec -n 2`): killed,
an unhandled exception (tapeflow calls MPI_Abort), or frozen (the collective watchdog of the
other rank aborts after timeout_seconds). Each ends non-zero within 10 s (frozen: timeout +
10 s), with a message that names a rank."""

import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location(
    "mpi_harness", pathlib.Path(__file__).with_name("mpi_harness.py")
)
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

pytestmark = harness.needs_mpi


def seconds_after_fault(result) -> float:
    """From the moment rank 1 failed (it prints the time first) to the end of mpiexec."""
    for line in result.stdout.splitlines():
        if line.startswith("FAULT_AT "):
            return result.ended_at - float(line.split()[1])
    raise AssertionError(f"rank 1 never reached the fault:\n{result.output[-3000:]}")


def test_killed_rank_ends_the_job():
    result = harness.run("worker_faults.py", 2, "kill", timeout=60)
    assert result.returncode != 0
    assert seconds_after_fault(result) < 10
    assert "rank 1" in result.output, result.output[-3000:]
    assert "finished" not in result.stdout


def test_unhandled_exception_aborts_the_job_naming_the_rank():
    result = harness.run("worker_faults.py", 2, "raise", timeout=60)
    assert result.returncode != 0
    assert seconds_after_fault(result) < 10
    assert "RuntimeError: rank 1 failed on purpose" in result.stderr
    assert "rank 1 of 2 raised an unhandled RuntimeError; aborting the job" in result.stderr
    assert "finished" not in result.stdout


def test_frozen_rank_trips_the_watchdog():
    timeout = 2.0
    result = harness.run("worker_faults.py", 2, "freeze", timeout, timeout=60)
    assert result.returncode != 0
    assert timeout - 1 < seconds_after_fault(result) < timeout + 10  # waited, then aborted
    assert "rank 0 of 2: collective" in result.stderr, result.output[-3000:]
    assert "strategy.reduce" in result.stderr
    assert "did not complete within 2 s" in result.stderr
    assert "finished" not in result.stdout
