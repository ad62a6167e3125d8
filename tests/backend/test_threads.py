"""BLAS threads: reading and setting them (tf.config.threading) and the busy-machine warning."""

import os
import sys
import types
import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.backend import threads


@pytest.fixture
def fresh_warning(monkeypatch):
    """The busy-machine check as in a new process: not yet done, no thread variable set."""
    monkeypatch.setitem(threads._busy_warning, "done", False)
    monkeypatch.setitem(threads._settings, "intra_op", 0)
    for var in threads.THREAD_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(threads, "usable_cpus", lambda: 2)
    pools = [{"api": "openblas", "path": "/lib/libopenblas.so", "num_threads": 2}]
    monkeypatch.setattr(threads, "blas_threads", lambda: pools)
    return pools


@pytest.fixture
def restore_blas_threads():
    before = threads.blas_threads()
    yield before
    for pool in before:
        threads.set_blas_threads(pool["num_threads"])
    threads._settings.update(intra_op=0, inter_op=0)


def _train_one_step():
    optimizer = tf.keras.optimizers.SGD(0.1)
    v = tf.Variable([1.0, 2.0])
    optimizer.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    return v


def test_the_first_training_step_warns_once_on_a_busy_machine(fresh_warning, monkeypatch):
    monkeypatch.setattr(threads, "load_average", lambda: 5.0)
    with pytest.warns(RuntimeWarning, match="busy") as record:
        v = _train_one_step()
    np.testing.assert_allclose(v.numpy(), [0.9, 1.9])
    message = str(record[0].message)
    assert "load average 5.0 on 2 CPUs" in message and "runs 2 threads" in message
    assert "tf.config.threading.set_intra_op_parallelism_threads(1)" in message
    assert record[0].filename == __file__  # points at the user's apply_gradients line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _train_one_step()  # once per process


@pytest.mark.parametrize(
    "load, threads_set, pool_threads",
    [(1.5, None, 2), (5.0, "OMP_NUM_THREADS", 2), (5.0, "intra_op", 2), (5.0, None, 1)],
    ids=["idle", "variable-set", "tf.config-set", "one-thread"],
)
def test_no_warning_when_idle_or_threads_chosen(
    fresh_warning, monkeypatch, load, threads_set, pool_threads
):
    monkeypatch.setattr(threads, "load_average", lambda: load)
    fresh_warning[0]["num_threads"] = pool_threads
    if threads_set == "intra_op":
        monkeypatch.setitem(threads._settings, "intra_op", 1)
    elif threads_set:
        monkeypatch.setenv(threads_set, "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _train_one_step()


def test_no_warning_without_a_load_average(fresh_warning, monkeypatch):
    monkeypatch.setattr(threads, "load_average", lambda: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        threads.warn_if_busy()


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
