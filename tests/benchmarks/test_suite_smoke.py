"""Smoke test of the benchmark suite: every implementation runs two steps of every workload at
tiny sizes, its loss falls, and it computes the same losses as the hand-written NumPy floor.
Not a timing test (speed is measured by `python -m benchmarks`, never in unit tests)."""

import importlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

try:
    import benchmarks
except ImportError:  # plain `pytest` (not `python -m pytest`) leaves the repo root off sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import benchmarks  # noqa: F401

from benchmarks import _worker, jit_compile, report, suite, timing, workloads

IMPLS = [(fw, mode) for fw, modes in _worker.MODES.items() for mode in modes]
# Same optimizer formulas as the NumPy floor: losses agree to float32 round-off step by step.
SAME_MATH = {"tapeflow", "tensorflow", "numpy"}


def _build(framework, mode, name):
    if framework not in ("tapeflow", "numpy"):
        pytest.importorskip(framework)
    module = importlib.import_module(framework)
    if mode == "function" and not hasattr(module, "function"):
        pytest.skip(f"{framework}.function not available")
    return _worker.build(framework, module, mode, workloads.make(name, tiny=True))


@pytest.fixture(scope="module")
def numpy_losses():
    return {
        name: timing.losses(
            _worker.build("numpy", np, "floor", workloads.make(name, tiny=True)), 2
        )
        for name in workloads.NAMES
    }


# jit_compile warns, once, that W4/W6's convolutions run the NumPy plan, and on the CuPy
# stand-in that it runs the ordinary plan: both expected here.
@pytest.mark.filterwarnings("ignore:tf.function.jit_compile=True. step. no native lowering")
@pytest.mark.filterwarnings("ignore:tf.function.jit_compile=True. runs the ordinary plan")
@pytest.mark.parametrize("name", workloads.NAMES)
@pytest.mark.parametrize("framework, mode", IMPLS)
def test_two_steps_loss_falls_and_matches_numpy(framework, mode, name, numpy_losses):
    impl = _build(framework, mode, name)
    losses = timing.losses(impl, 2)
    assert all(np.isfinite(losses))
    assert losses[1] < losses[0], f"{framework} {mode} {name}: loss did not fall: {losses}"
    expected = numpy_losses[name]
    # Same data and initial weights: the first loss is the same everywhere.
    np.testing.assert_allclose(losses[0], expected[0], rtol=1e-5)
    if framework in SAME_MATH:
        np.testing.assert_allclose(losses, expected, rtol=1e-4)
    assert timing.run(impl, 1) > 0.0


def test_workloads_are_identical_across_calls_and_shaped_as_the_issue_says():
    a, b = workloads.make("W3", tiny=True), workloads.make("W3", tiny=True)
    for wa, wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(wa, wb)
    assert [w.shape for w in a.weights] == [(784, 128), (128,), (128, 10), (10,)]
    assert a.weights[0].dtype == np.float32
    w4 = workloads.make("W4", tiny=True)
    assert w4.batches[0][0].shape[1:] == (28, 28, 1)
    assert [w.shape for w in w4.weights][::2] == [(3, 3, 1, 32), (26 * 26 * 32, 10)]
    assert workloads.make("W2", tiny=True).batches[0][0].shape[1] == 11


def test_heart_features_encode_to_11_standardised_columns():
    x, y, _ = workloads.heart_features(np.random.default_rng(0))
    assert x.shape[1] == 11 and x.dtype == np.float32 and y.shape == (len(x), 1)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-5)
    assert set(np.unique(y)) <= {0.0, 1.0}


def test_main_runs_interleaved_rounds_and_writes_the_report(tmp_path):
    argv = ["--workloads", "W1", "--frameworks", "tapeflow,numpy", "--rounds", "2"]
    argv += ["--block", "0.002", "--import-repeat", "0", "--no-chart", "--no-compile-time"]
    argv += ["--out", str(tmp_path)]
    assert suite.main(argv) == 0
    result = json.loads((tmp_path / "latest.json").read_text())
    numpy_cell = result["impls"]["W1/numpy/floor"]
    assert len(numpy_cell["per_step"]) == 2 and numpy_cell["median_s"] > 0
    assert numpy_cell["last_losses"][-1] < numpy_cell["first_losses"][0]
    text = (tmp_path / "latest.md").read_text()
    assert "| hand-written NumPy | " in text and "## Ratio to hand-written NumPy" in text
    assert "PyTorch eager" not in text.split("## Ratio to hand-written NumPy")[0]


def test_report_formats_times_and_judges_targets():
    assert report.fmt_time(12.34e-6) == "12.3 us"
    assert report.fmt_time(0.0456) == "45.6 ms"
    result = {
        "workloads": ["W1"],
        "frameworks": {"tapeflow": {"status": "ok", "import_s": 0.2}, "torch": {"status": "ok"}},
        "impls": {
            "W1/tapeflow/eager": {"median_s": 30e-6},
            "W1/torch/eager": {"median_s": 60e-6},
        },
    }
    verdicts = {t: v for t, _, v, _ in report.targets(result)}
    assert verdicts["W1: eager faster than PyTorch eager"] == "met"
    assert verdicts["`import tapeflow` under 0.25 s"] == "met"
    result["impls"]["W1/jax/jit"] = {"median_s": 20e-6}
    result["impls"]["W1/tapeflow/jit"] = {"median_s": 25e-6}
    verdicts = {t: v for t, _, v, _ in report.targets(result)}
    assert verdicts["W1: jit_compile ahead of JAX jit"] == "missed by 1.25x"


def test_load_rounds_run_after_the_idle_ones_and_are_reported(tmp_path):
    argv = ["--workloads", "W3", "--frameworks", "tapeflow", "--rounds", "1", "--load", "1"]
    argv += ["--load-settle", "0", "--block", "0.002", "--import-repeat", "0", "--no-chart"]
    argv += ["--no-compile-time"]
    assert suite.main(argv + ["--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "latest.json").read_text())
    cell = result["impls"]["W3/tapeflow/function"]
    assert len(cell["per_step"]) == 1 and len(cell["per_step_load"]) == 1
    assert result["load"] == 1 and result["loadavg_load_start"] is not None
    # the CPUs the worker used: a process that ran steps used some, and at most all of them
    for field in ("median_cpus", "median_cpus_load"):
        assert 0 < cell[field] <= os.cpu_count() + 0.05, (field, cell[field])
    text = (tmp_path / "latest.md").read_text()
    assert "## Under load: 1 busy processes" in text
    assert f"{cell['median_cpus']:.2f} -> {cell['median_cpus_load']:.2f}" in text
    assert report.load_slowdown(result, "W3", report.TF_FUNCTION) > 0


def test_jit_compile_first_step_is_timed_cold_then_warm_from_the_disk_cache():
    pytest.importorskip("numba")
    from tapeflow import backend

    if backend.xp is not np:
        pytest.skip("jit_compile lowers to native code on the NumPy backend only")
    times = jit_compile.measure(["W1"], suite.worker_env(2, "tapeflow"), tiny=True)["W1"]
    cold, warm = times["cold"], times["warm"]
    assert "error" not in cold and "error" not in warm, times
    assert (cold["cache_hits"], warm["cache_hits"]) == (0, 1)
    assert cold["segments"] == warm["segments"] == 1 and cold["fallback"] == []
    assert 0 < cold["compile_s"] <= cold["first_step_s"]
    result = {"workloads": ["W1"], "jit_compile": {"W1": times}}
    text = "\n".join(report._jit_compile_section(result, ["W1"]))
    assert "| cold cache: first step | " in text and "| warm cache: first step | " in text


def test_the_busy_load_is_gone_after_the_suite():
    with suite.BusyLoad(2) as load:
        procs = list(load.procs)
        assert all(p.poll() is None for p in procs)
    assert all(p.poll() is not None for p in procs)


def test_tapeflow_workers_keep_their_thread_default():
    assert "OMP_NUM_THREADS" not in suite.worker_env(2, "tapeflow")
    assert suite.worker_env(2, "numpy")["OMP_NUM_THREADS"] == "2"
