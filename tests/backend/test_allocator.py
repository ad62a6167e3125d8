"""glibc malloc tuning at import (tapeflow/backend/allocator.py): the thresholds it sets, the
user's settings it leaves alone, and the page faults it saves."""

import os
import subprocess
import sys
import textwrap

import pytest

from tapeflow.backend import allocator


@pytest.fixture(autouse=True)
def _keep_status(monkeypatch):
    """The fake tunings below must not change what `tapeflow info` reports afterwards."""
    monkeypatch.setattr(allocator, "status", allocator.status)


class _Libc:
    """A fake glibc recording mallopt calls."""

    def __init__(self, accept=True, glibc=True):
        self.calls = []
        self.accept = accept
        if glibc:
            self.gnu_get_libc_version = lambda: b"2.36"

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return 1 if self.accept else 0


def test_sets_the_mmap_and_trim_thresholds():
    libc = _Libc()
    said = allocator.tune({}, libc)
    assert libc.calls == [(-3, 32 * 1024 * 1024), (-1, 128 * 1024 * 1024)]
    assert said.startswith("glibc malloc keeps freed memory") and allocator.status == said


@pytest.mark.parametrize(
    "environ, reason",
    [
        ({"TAPEFLOW_MALLOC_TUNING": "0"}, "TAPEFLOW_MALLOC_TUNING=0"),
        ({"MALLOC_TRIM_THRESHOLD_": "0"}, "MALLOC_TRIM_THRESHOLD_ set"),
        ({"MALLOC_MMAP_THRESHOLD_": "65536"}, "MALLOC_MMAP_THRESHOLD_ set"),
        ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0"}, "GLIBC_TUNABLES set"),
    ],
)
def test_leaves_the_users_choice_alone(environ, reason):
    libc = _Libc()
    assert allocator.tune(environ, libc) == f"left as it is ({reason})"
    assert libc.calls == []


def test_other_c_libraries_and_refusals_are_reported():
    assert allocator.tune({}, _Libc(glibc=False)) == "left as it is (not glibc)"
    assert allocator.tune({}, _Libc(accept=False)) == (
        "left as it is (glibc refused the thresholds)"
    )


_LOOP = textwrap.dedent(
    """
    import resource
    import numpy as np
    import tapeflow  # noqa: F401  (tunes malloc at import)

    def step():  # a step's temporaries: six 8 MB arrays alive at once, then all freed
        arrays = [np.ones(1 << 20) for _ in range(6)]
        return sum(float(a[-1]) for a in arrays)

    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
    """
)


def _faults_per_step(**env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", _LOOP],
        env=dict(environ, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip())


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or allocator.status is None
    or not allocator.status.startswith("glibc"),
    reason="glibc malloc tuning applies on Linux with glibc only",
)  # fmt: skip
def test_freed_step_memory_is_reused_without_page_faults():
    # Without the tuning glibc returns the freed 48 MB to the system after every step and
    # the next step faults it back in (3,000 faults a step measured here).
    assert _faults_per_step(TAPEFLOW_MALLOC_TUNING="0") > 1000
    assert _faults_per_step() < 100
