"""Data-parallel training under `mpiexec -n 2` and `-n 4` (worker_training.py): the MWMS
custom loop, distribute_datasets_from_function, the Horovod tape and `fit` under the
strategy each end with weights bit-identical on every rank and equal, to float tolerance,
to one process training on the same global batches (computed here, without MPI)."""

import importlib.util
import pathlib

import numpy as np
import pytest

_spec = importlib.util.spec_from_file_location(
    "mpi_harness", pathlib.Path(__file__).with_name("mpi_harness.py")
)
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

pytestmark = harness.needs_mpi

RTOL, ATOL = 2e-5, 2e-6


@pytest.fixture(scope="module")
def reference():
    """One process, one replica (the default strategy), the same code and global batches."""
    import tapeflow as tf

    worker = harness.load("worker_training")
    strategy = tf.distribute.get_strategy()
    custom_w, custom_losses = worker.custom_loop(strategy, seed=0)
    fit_w, history, evaluated = worker.fit(strategy, seed=0, shuffle_seed=7)
    return {
        "custom": custom_w,
        "custom_losses": custom_losses,
        "fromfn": worker.from_function_loop(strategy, seed=0),
        "hvd": worker.horovod_loop(seed=0),
        "fit": fit_w,
        "history": history,
        "evaluated": evaluated,
    }


@pytest.fixture(scope="module", params=[2, 4], ids=["n2", "n4"])
def run(request, tmp_path_factory):
    n = request.param
    out = tmp_path_factory.mktemp(f"training{n}")
    result = harness.run("worker_training.py", n, out, timeout=120)
    assert result.returncode == 0, result.output[-4000:]
    return n, out, [dict(np.load(out / f"rank{r}.npz")) for r in range(n)]


@pytest.mark.parametrize("name", ["custom", "fromfn", "hvd", "fit"])
def test_replicas_end_bit_identical_and_equal_to_one_process(run, reference, name):
    n, _, got = run
    for i, expected in enumerate(reference[name]):
        key = f"{name}_w{i}"
        for r in range(1, n):
            np.testing.assert_array_equal(got[r][key], got[0][key], err_msg=f"rank {r} {key}")
        np.testing.assert_allclose(got[0][key], expected, rtol=RTOL, atol=ATOL, err_msg=key)
    # Training moved the weights: equality is not the trivial one of an idle model.
    initial = harness.load("worker_training").make_model(0).weights[0].numpy()
    assert np.abs(reference[name][0] - initial).max() > 1e-3


def test_horovod_fp16_compression_trains_alike_on_every_rank(run, reference):
    # Gradients travel as float16 (Compression.fp16): every rank applies the same rounded
    # sums, so the replicas stay bit-identical, near the float32 run but not equal to it.
    n, _, got = run
    rounded = False
    for i, expected in enumerate(reference["hvd"]):
        key = f"hvd_fp16_w{i}"
        for r in range(1, n):
            np.testing.assert_array_equal(got[r][key], got[0][key], err_msg=f"rank {r} {key}")
        np.testing.assert_allclose(got[0][key], expected, rtol=0, atol=2e-2, err_msg=key)
        rounded |= not np.array_equal(got[0][key], got[0][f"hvd_w{i}"])
    assert rounded, "float16 compression left every weight equal to the float32 run"


def test_reduced_losses_are_the_global_batch_losses(run, reference):
    n, _, got = run
    np.testing.assert_allclose(got[0]["custom_losses"], reference["custom_losses"], rtol=1e-5)


def test_fit_logs_are_global_and_the_same_on_every_rank(run, reference):
    n, _, got = run
    for key in ("loss", "mae"):
        for r in range(n):
            np.testing.assert_array_equal(got[r][f"fit_{key}"], got[0][f"fit_{key}"])
        np.testing.assert_allclose(got[0][f"fit_{key}"], reference["history"][key], rtol=1e-5)
        np.testing.assert_allclose(
            float(got[0][f"eval_{key}"]), reference["evaluated"][key], rtol=1e-5
        )


def test_saving_from_every_rank_writes_one_good_file(run):
    import tapeflow as tf

    n, out, got = run
    model = tf.keras.models.load_model(out / "model.keras")
    for i, w in enumerate(model.weights):
        np.testing.assert_array_equal(w.numpy(), got[0][f"fit_w{i}"])
    model.load_weights(out / "model.weights.h5")
    assert sorted(p.name for p in (out / "ckpt").iterdir()) == ["checkpoint", "ckpt-1.tapeflow"]
    leftovers = [p.name for p in out.rglob("*tapeflow-tmp*")]
    assert leftovers == []
