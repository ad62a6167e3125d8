"""tf.distribute and tapeflow.horovod collectives under `mpiexec -n 2` and `-n 4`: each rank
of worker_semantics.py saves what it got; the values are checked here against the
definitions (rank r contributes x_r = [0, 1, 2] + 10 r and a batch of r + 1 copies of r)."""

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


@pytest.fixture(scope="module", params=[2, 4], ids=["n2", "n4"])
def ranks(request, tmp_path_factory):
    n = request.param
    out = tmp_path_factory.mktemp(f"semantics{n}")
    result = harness.run(
        "worker_semantics.py", n, out, timeout=90, env={"HOROVOD_FUSION_THRESHOLD": "64"}
    )
    assert result.returncode == 0, result.output[-4000:]
    return n, [dict(np.load(out / f"rank{r}.npz")) for r in range(n)]


def x(r):
    return np.arange(3, dtype=np.float32) + 10 * r


def test_every_rank_knows_its_place(ranks):
    n, got = ranks
    for r, g in enumerate(got):
        assert int(g["size"]) == n and int(g["rank"]) == r and int(g["replica_id"]) == r
        assert int(g["hvd_size"]) == n and int(g["hvd_rank"]) == r
        assert g["hvd_local"].tolist() == [r, n]  # one machine: local = global
        assert g["input_context"].tolist() == [n, r]


def test_strategy_reduce_and_gather(ranks):
    n, got = ranks
    total = sum(x(r) for r in range(n))
    batches = np.concatenate([np.full(r + 1, float(r), np.float32) for r in range(n)])
    for g in got:
        np.testing.assert_array_equal(g["reduce_sum"], total)
        np.testing.assert_allclose(g["reduce_mean"], total / n, rtol=1e-6)
        # With an axis, MEAN divides by the number of elements over all replicas.
        np.testing.assert_allclose(g["reduce_sum_axis"], batches.sum(), rtol=1e-6)
        np.testing.assert_allclose(g["reduce_mean_axis"], batches.mean(), rtol=1e-6)
        np.testing.assert_array_equal(g["gather"], batches)
        np.testing.assert_array_equal(g["gather_axis1"], np.stack([batches, batches]))
        assert int(g["local_results"]) == 1


def test_replica_context_collectives(ranks):
    n, got = ranks
    total = sum(x(r) for r in range(n))
    for r, g in enumerate(got):
        np.testing.assert_array_equal(g["all_reduce_nested_a"], total)
        np.testing.assert_array_equal(g["all_reduce_nested_b0"], 2 * total)
        np.testing.assert_array_equal(g["all_reduce_nested_b1"], total[:1])
        np.testing.assert_allclose(g["all_reduce_mean"], total / n, rtol=1e-6)
        np.testing.assert_array_equal(g["all_reduce_sparse.indices"], np.arange(n))
        np.testing.assert_array_equal(g["all_reduce_sparse.values"][:, 0], np.arange(n))
        np.testing.assert_array_equal(g["all_gather"], np.stack([x(q) for q in range(n)]))
        np.testing.assert_array_equal(g["merge_call"], total)
        assert not bool(g["in_cross_replica_in_run"])
        # d/dx_r sum(all_reduce(x * x) * (r + 1)) = 2 x_r * sum_q (q + 1)
        np.testing.assert_allclose(g["all_reduce_grad"], 2 * x(r) * sum(range(1, n + 1)))
        np.testing.assert_array_equal(g["traced_1"], total)
        np.testing.assert_array_equal(g["traced_2"], total + n)  # runs again on each call


def test_variables_start_from_rank_0(ranks):
    n, got = ranks
    for g in got:
        np.testing.assert_array_equal(g["variable"], np.zeros(3))  # rank 0 made zeros
        np.testing.assert_array_equal(g["dense_kernel"], got[0]["dense_kernel"])
        assert bool(g["in_cross_replica_in_scope"]) is False  # read after leaving the scope


def test_distributed_dataset_cuts_each_global_batch(ranks):
    n, got = ranks
    # range(10).batch(4): each global batch cut into n pieces of ceil(b / n), in rank order.
    steps = [np.arange(0, 4), np.arange(4, 8), np.arange(8, 10)]
    offsets = [0] * n
    for step in steps:
        size = -(-len(step) // n)
        union = []
        for r, g in enumerate(got):
            piece = step[r * size : (r + 1) * size]
            expected_size = len(piece)
            items = g["dataset_items"][offsets[r] : offsets[r] + expected_size]
            np.testing.assert_array_equal(items, piece)
            offsets[r] += expected_size
            union.extend(items.tolist())
        assert union == step.tolist()
    for r, g in enumerate(got):
        np.testing.assert_array_equal(g["from_function_items"], np.arange(r, 8, n))


def test_horovod_collectives(ranks):
    n, got = ranks
    total = sum(x(r) for r in range(n))
    batches = np.concatenate([np.full(r + 1, float(r), np.float32) for r in range(n)])
    for r, g in enumerate(got):
        np.testing.assert_allclose(g["hvd_allreduce_avg"], total / n, rtol=1e-6)
        np.testing.assert_array_equal(g["hvd_allreduce_sum"], total)
        np.testing.assert_array_equal(g["hvd_allreduce_min"], x(0))
        np.testing.assert_array_equal(g["hvd_allreduce_max"], x(n - 1))
        np.testing.assert_allclose(g["hvd_allreduce_fp16"], total / 7 / n, rtol=2e-3)
        assert g["hvd_allreduce_fp16"].dtype == np.float32
        np.testing.assert_array_equal(g["hvd_allreduce_scaled"], total)
        np.testing.assert_array_equal(g["hvd_allgather"], batches)
        np.testing.assert_array_equal(g["hvd_broadcast"], x(n - 1))
        np.testing.assert_array_equal(g["hvd_alltoall"], [r + 100 * q for q in range(n)])
        np.testing.assert_array_equal(g["hvd_alltoall_splits"], [1] * n)
        rows = 2 if r == 0 else 1  # n + 1 rows over n ranks: rank 0 keeps one more
        expected = np.full((rows, 2), sum(range(n)), np.float32)
        np.testing.assert_array_equal(g["hvd_reducescatter"], expected)
        assert g["hvd_broadcast_object"].tolist() == [0]
        assert g["hvd_allgather_object"].tolist() == [10 * q for q in range(n)]
        np.testing.assert_array_equal(g["hvd_broadcast_variables"], [1.0, 1.0])
        np.testing.assert_allclose(g["hvd_allgather_grad"], 2 * x(r) * sum(range(1, n + 1)))


def test_distributed_gradient_tape_averages_dense_and_sparse(ranks):
    import tapeflow as tf

    n, got = ranks
    # The same program on one process, rank by rank: the tape's result is their mean.
    tables, ws = [], []
    for r in range(n):
        table = tf.Variable(np.arange(12, dtype=np.float32).reshape(6, 2))
        w = tf.Variable(np.ones((2, 2), np.float32))
        with tf.GradientTape() as tape:
            rows = tf.gather(table, [r % 6, 5])
            out = tf.matmul(rows, w) * float(r + 1)
            loss = tf.reduce_sum(out * out)
        g_table, g_w = tape.gradient(loss, [table, w])
        tables.append(tf.convert_to_tensor(g_table).numpy())
        ws.append(g_w.numpy())
    for g in got:
        np.testing.assert_allclose(g["tape_table"], np.mean(tables, axis=0), rtol=1e-6)
        np.testing.assert_allclose(g["tape_w"], np.mean(ws, axis=0), rtol=1e-6)
        assert bool(g["tape_unused_is_none"])
        np.testing.assert_array_equal(g["tape_w"], got[0]["tape_w"])


def test_bucketed_reduction_over_many_steps_matches_allgather_mean(ranks):
    n, got = ranks
    for g in got:
        assert float(g["tape_many_buckets_error"]) < 1e-5
