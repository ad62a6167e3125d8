"""Atomic writes: a killed writer leaves no copy in TMPDIR, and the next write to the same
file removes its temporary; live writers' temporaries and other files are never touched."""

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.io import atomic
from tapeflow.io.safe_format import read_tensors, write_tensors

_KILLED_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    import tapeflow as tf
    from tapeflow.io import safe_format
    try:
        from tapeflow.io import atomic as seam
    except ImportError:  # tapeflow before the atomic module
        seam = safe_format
    opener = seam._open_for_writing

    class Killed:
        def __init__(self, f):
            self.f, self.left = f, 2000
        def write(self, data):
            data = memoryview(data).cast("B")
            if len(data) >= self.left:
                self.f.write(data[: self.left]); self.f.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            self.left -= len(data)
            return self.f.write(data)
        def __getattr__(self, name):
            return getattr(self.f, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.f.__exit__(*exc)

    def kill_while_writing_the_target(fd):
        f = opener(fd)
        return Killed(f) if "m.keras" in os.readlink(f"/proc/self/fd/{fd}") else f

    seam._open_for_writing = kill_while_writing_the_target
    model = tf.keras.Sequential([tf.keras.Input((50,)), tf.keras.layers.Dense(100)])
    model.save(sys.argv[1])
    """
)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to find the fd")
def test_a_killed_save_leaves_no_tmpdir_copy_and_the_next_save_cleans_up(tmp_path):
    target, tmpdir = tmp_path / "out" / "m.keras", tmp_path / "tmpdir"
    target.parent.mkdir()
    tmpdir.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", _KILLED_SAVE, str(target)],
        env={**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": os.pathsep.join(sys.path)},
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == -9, result.stderr.decode()[-2000:]
    assert list(tmpdir.iterdir()) == [], "a copy of the weights was left in TMPDIR"
    (stale,) = target.parent.iterdir()  # the killed writer's temporary, next to its target
    assert stale.name.startswith(".m.keras.tapeflow-tmp.") and not target.exists()
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.save(target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.keras"]
    tf.keras.models.load_model(target)


def _temporary(path, host, pid, age_s=0.0, name=None):
    name = name or f"{atomic.temporary_prefix(str(path))}{host}.{pid}.0123abcd"
    stray = path.parent / name
    stray.write_bytes(b"half a file")
    when = time.time() - age_s
    os.utime(stray, (when, when))
    return stray


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # not reused this quickly in practice


@pytest.mark.skipif(os.name == "nt", reason="process ids are only checked on POSIX")
def test_only_temporaries_of_dead_or_ancient_writers_are_removed(tmp_path):
    path = tmp_path / "t.bin"
    host = atomic._host_tag()
    dead = _temporary(path, host, _dead_pid())
    alive = _temporary(path, host, os.getpid())
    other_host = _temporary(path, "0" * 8, 1)
    ancient = _temporary(path, "0" * 8, 2, age_s=2 * atomic.STALE_AFTER_S)
    legacy_old = _temporary(path, "", 0, age_s=7200, name=".t.bin.0123456789ab.tmp")
    legacy_new = _temporary(path, "", 0, name=".t.bin.ba9876543210.tmp")
    other_file = _temporary(path, host, _dead_pid(), name=".u.bin.tapeflow-tmp.x.1.y")
    directory = tmp_path / f"{atomic.temporary_prefix(str(path))}{host}.{_dead_pid()}.dir"
    directory.mkdir()
    write_tensors(path, {"w": np.arange(3.0)})
    left = {p.name for p in tmp_path.iterdir()}
    assert not {dead.name, ancient.name, legacy_old.name} & left
    assert {alive.name, other_host.name, legacy_new.name, other_file.name, directory.name} <= left
    np.testing.assert_array_equal(read_tensors(path)[0]["w"], np.arange(3.0))


def test_checksum_failure_says_corrupted(tmp_path):
    path = tmp_path / "t.bin"
    write_tensors(path, {"w": np.arange(30.0)})
    data = bytearray(path.read_bytes())
    data[-100] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="checksum mismatch: the file is corrupted"):
        read_tensors(path)
