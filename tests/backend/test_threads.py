"""BLAS threads: reading and setting them (tf.config.threading) and the default that follows
the machine's load."""

import os
import sys
import types

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.backend import threads


class _Machine:
    """A fake machine for `threads.follow_load`: its load, clock, CPU time and BLAS."""

    def __init__(self):
        self.load, self.clock, self.cpu_seconds = 0.5, 1000.0, 0.0
        self.busy = None  # busy CPU seconds (/proc/stat); None: not readable, load average
        self.pools = [{"api": "openblas", "path": "/lib/libopenblas.so", "num_threads": 2}]
        self.calls = []

    def set_blas_threads(self, count, quiet=False):
        self.calls.append(count)
        for pool in self.pools:
            pool["num_threads"] = count
        return "fake"

    def times(self):
        return types.SimpleNamespace(user=self.cpu_seconds, system=0.0)

    def run(self, seconds, cpu_rate=1.0, others=0.0):
        """`seconds` later, this process having used `cpu_rate` CPUs meanwhile and other
        processes `others` CPUs."""
        self.clock += seconds
        self.cpu_seconds += seconds * cpu_rate
        if self.busy is not None:
            self.busy += seconds * (cpu_rate + others)


@pytest.fixture
def machine(monkeypatch):
    """follow_load as in a new process, nobody having chosen the threads, on 2 CPUs."""
    fake = _Machine()
    monkeypatch.setattr(threads, "_policy", dict(threads._policy, off=False))
    threads._policy.update(next_check=0.0, sample=None, threads=None)
    monkeypatch.setitem(threads._settings, "intra_op", 0)
    for var in threads.THREAD_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(threads, "usable_cpus", lambda: 2)
    monkeypatch.setattr(threads, "load_average", lambda: fake.load)
    monkeypatch.setattr(threads, "busy_cpu_seconds", lambda: fake.busy)
    monkeypatch.setattr(threads, "blas_threads", lambda: fake.pools)
    monkeypatch.setattr(threads, "set_blas_threads", fake.set_blas_threads)
    monkeypatch.setattr(threads, "time", types.SimpleNamespace(monotonic=lambda: fake.clock))
    monkeypatch.setattr(threads, "os", types.SimpleNamespace(times=fake.times, environ={}))
    return fake


def test_threads_follow_the_load_of_other_processes(machine):
    machine.load = 1.0  # this process alone
    threads.follow_load()
    assert machine.calls == [] and threads.threads_in_use() == 2
    machine.run(3.0)
    machine.load = 5.0  # four other processes
    threads.follow_load()
    assert machine.calls == [1]
    machine.run(1.0)
    machine.load = 1.1
    threads.follow_load()  # within CHECK_SECONDS of the last check: nothing read
    assert machine.calls == [1]
    machine.run(2.0)
    threads.follow_load()  # the others are gone: back to both CPUs
    assert machine.calls == [1, 2] and threads.threads_in_use() == 2


def test_threads_come_back_as_soon_as_the_others_leave(machine):
    # With /proc/stat the others' load is their CPU time since the last check: when they
    # stop, the next check gives the CPUs back, while the one-minute load average (still
    # high here) would keep one thread for a minute.
    machine.busy = 0.0
    machine.load = 3.0  # the first check has no interval yet: the load average decides
    threads.follow_load()
    assert machine.calls == [1]
    machine.run(2.0, cpu_rate=1.0, others=1.0)  # one other process on the second CPU
    threads.follow_load()
    assert machine.calls == [1]
    machine.run(2.0, cpu_rate=1.0, others=0.0)  # it ended; the load average lags at 3.0
    threads.follow_load()
    assert machine.calls == [1, 2] and threads.threads_in_use() == 2
    machine.run(2.0, cpu_rate=2.0, others=0.0)  # our own two spinning threads
    threads.follow_load()
    assert machine.calls == [1, 2]
    machine.run(2.0, cpu_rate=0.7, others=1.3)  # two others compete with our two threads
    threads.follow_load()
    assert machine.calls == [1, 2, 1]


def test_busy_cpu_seconds_counts_this_process(machine, monkeypatch):
    monkeypatch.undo()  # the real /proc/stat, clock and os
    if not os.path.exists("/proc/stat"):
        pytest.skip("no /proc/stat on this system")
    before, own_before = threads.busy_cpu_seconds(), os.times().user
    end = os.times().user + 0.3
    while os.times().user < end:  # spin: 0.3 s of this process's CPU time
        pass
    after, own_after = threads.busy_cpu_seconds(), os.times().user
    assert after - before >= (own_after - own_before) - 0.05  # one clock tick of slack


def test_own_spinning_threads_do_not_count_as_other_processes(machine):
    threads.follow_load()
    machine.run(4.0, cpu_rate=2.0)  # this process kept both CPUs busy
    machine.load = 2.2
    threads.follow_load()
    assert machine.calls == []
    machine.run(4.0, cpu_rate=1.0)
    machine.load = 2.9  # now someone else runs too
    threads.follow_load()
    assert machine.calls == [1]


@pytest.mark.parametrize("chosen", ["OMP_NUM_THREADS", "intra_op"])
def test_chosen_threads_are_left_alone(machine, monkeypatch, chosen):
    if chosen == "intra_op":
        monkeypatch.setitem(threads._settings, "intra_op", 2)
    else:
        monkeypatch.setattr(threads, "os", types.SimpleNamespace(environ={chosen: "2"}))
    machine.load = 9.0
    threads.follow_load()
    assert machine.calls == []


def test_no_load_average_changes_nothing(machine):
    machine.load = None
    threads.follow_load()
    assert machine.calls == []


def test_a_training_step_follows_the_load(machine):
    machine.load = 6.0
    optimizer = tf.keras.optimizers.SGD(0.1)
    v = tf.Variable([1.0, 2.0])
    optimizer.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.9, 1.9])
    assert machine.calls == [1]


def test_intra_op_threads_reach_numba(restore_blas_threads):
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        assert numba.get_num_threads() == 1
    finally:
        numba.set_num_threads(before)


@pytest.fixture
def restore_blas_threads():
    before = threads.blas_threads()
    yield before
    for pool in before:
        threads.set_blas_threads(pool["num_threads"])
    threads._settings.update(intra_op=0, inter_op=0)


def test_blas_threads_finds_numpys_blas():
    # NumPy's wheels link scipy-openblas; other builds may have another BLAS or none found.
    for pool in threads.blas_threads():
        assert pool["num_threads"] >= 1 and os.path.isfile(pool["path"])


def test_set_intra_op_threads_sets_the_blas_threads(restore_blas_threads):
    if not restore_blas_threads:
        pytest.skip("no BLAS library of NumPy answered on this machine")
    assert tf.config.threading.get_intra_op_parallelism_threads() == 0  # TF's "not set"
    tf.config.threading.set_intra_op_parallelism_threads(1)
    assert [p["num_threads"] for p in threads.blas_threads()] == [1] * len(restore_blas_threads)
    assert tf.config.threading.get_intra_op_parallelism_threads() == 1
    a = np.arange(64.0).reshape(8, 8)
    np.testing.assert_allclose(a @ np.eye(8), a)  # the BLAS still works
    tf.config.threading.set_intra_op_parallelism_threads(2)
    assert [p["num_threads"] for p in threads.blas_threads()] == [2] * len(restore_blas_threads)


def test_inter_op_threads_are_recorded(restore_blas_threads):
    tf.config.threading.set_inter_op_parallelism_threads(3)
    assert tf.config.threading.get_inter_op_parallelism_threads() == 3
    with pytest.raises(ValueError, match="set_inter_op_parallelism_threads: expected an int"):
        tf.config.threading.set_inter_op_parallelism_threads(-1)
    with pytest.raises(ValueError, match="set_intra_op_parallelism_threads: expected an int"):
        tf.config.threading.set_intra_op_parallelism_threads(1.5)


def test_set_threads_through_threadpoolctl_when_installed(monkeypatch):
    calls = []
    fake = types.ModuleType("threadpoolctl")
    fake.threadpool_limits = lambda limits, user_api: calls.append((limits, user_api))
    monkeypatch.setitem(sys.modules, "threadpoolctl", fake)
    assert threads.set_blas_threads(3) == "threadpoolctl"
    assert calls == [(3, "blas")]


def test_set_threads_without_a_reachable_blas_sets_the_variables(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # `import threadpoolctl` fails
    monkeypatch.setattr(threads, "_blas_libraries", lambda: iter(()))
    for var in threads.THREAD_VARS:
        monkeypatch.delenv(var, raising=False)
    with pytest.warns(RuntimeWarning, match="only act on a process started from now on"):
        assert threads.set_blas_threads(2) == "environment variables"
    assert all(os.environ[var] == "2" for var in threads.THREAD_VARS)


def test_config_threading_is_a_namespace():
    assert sys.modules["tapeflow.config.threading"] is tf.config.threading
    assert set(threads.CONFIG_THREADING) <= set(dir(tf.config.threading))
