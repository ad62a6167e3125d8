"""Run under mpiexec by test_collectives_mpi.py: every collective of tf.distribute and
tapeflow.horovod on small rank-dependent values; each rank saves what it got to
OUT/rank<r>.npz for the test to check.

Usage: mpiexec -n N python worker_semantics.py OUT
"""

import os
import sys

import numpy as np

import tapeflow as tf
import tapeflow.horovod as hvd

out_dir = sys.argv[1]
results = {}


def save(key, value):
    if isinstance(value, tf.IndexedSlices):
        save(key + ".values", value.values)
        save(key + ".indices", value.indices)
        return
    results[key] = np.asarray(value.numpy() if hasattr(value, "numpy") else value)


strategy = tf.distribute.MultiWorkerMirroredStrategy(
    communication_options=tf.distribute.experimental.CommunicationOptions(bytes_per_pack=16)
)
n = strategy.num_replicas_in_sync
rank = strategy.cluster_resolver.task_id  # "worker" <rank> under MPI without TF_CONFIG
save("size", n)
save("rank", rank)
x = tf.constant(np.arange(3, dtype=np.float32) + 10 * rank)
batch = tf.constant(np.full(rank + 1, float(rank), np.float32))  # uneven batches

# ---- cross-replica: reduce and gather -----------------------------------------------------
per_replica = strategy.run(lambda: x)
save("reduce_sum", strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None))
save("reduce_mean", strategy.reduce("MEAN", per_replica, axis=None))
save("reduce_sum_axis", strategy.reduce("SUM", strategy.run(lambda: batch), axis=0))
save("reduce_mean_axis", strategy.reduce("MEAN", strategy.run(lambda: batch), axis=0))
save("gather", strategy.gather(strategy.run(lambda: batch), axis=0))
wide = tf.constant(np.full((2, rank + 1), float(rank), np.float32))
save("gather_axis1", strategy.gather(wide, axis=1))
save("local_results", len(strategy.experimental_local_results(per_replica)))


# ---- replica context ----------------------------------------------------------------------
def in_replica():
    ctx = tf.distribute.get_replica_context()
    save("replica_id", ctx.replica_id_in_sync_group)
    nested = ctx.all_reduce(tf.distribute.ReduceOp.SUM, {"a": x, "b": [x * 2.0, x[:1]]})
    save("all_reduce_nested_a", nested["a"])
    save("all_reduce_nested_b0", nested["b"][0])
    save("all_reduce_nested_b1", nested["b"][1])
    save("all_reduce_mean", ctx.all_reduce("MEAN", x))
    sparse = tf.IndexedSlices(tf.constant([[float(rank)]]), tf.constant([rank]), (8, 1))
    save("all_reduce_sparse", ctx.all_reduce("SUM", sparse))
    save("all_gather", ctx.all_gather(tf.reshape(x, (1, 3)), axis=0))
    merged = ctx.merge_call(lambda s, v: s.reduce("SUM", v, axis=None), args=(x,))
    save("merge_call", merged)
    save("in_cross_replica_in_run", tf.distribute.in_cross_replica_context())
    # d/dx of sum(all_reduce(x*x) * c_r) is 2 x * sum_r c_r on every rank.
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = ctx.all_reduce("SUM", x * x)
        loss = tf.reduce_sum(y * float(rank + 1))
    save("all_reduce_grad", tape.gradient(loss, x))


strategy.run(in_replica)


@tf.function
def traced_sum(v):
    return strategy.run(lambda: tf.distribute.get_replica_context().all_reduce("SUM", v))


save("traced_1", traced_sum(x))
save("traced_2", traced_sum(x + 1.0))

# ---- variables take rank 0's initial value -------------------------------------------------
with strategy.scope():
    v = tf.Variable(np.full(3, float(rank), np.float32))
    layer = tf.keras.layers.Dense(
        2, kernel_initializer=tf.keras.initializers.RandomNormal(seed=rank)
    )
    layer.build((None, 3))
save("variable", v)
save("dense_kernel", layer.kernel)
save("in_cross_replica_in_scope", tf.distribute.in_cross_replica_context())

# ---- distributed datasets -----------------------------------------------------------------
dataset = tf.data.Dataset.range(10).batch(4)
pieces = [p.numpy() for p in strategy.experimental_distribute_dataset(dataset)]
save("dataset_sizes", [len(p) for p in pieces])
save("dataset_items", np.concatenate(pieces))


def dataset_fn(ctx):
    save("input_context", [ctx.num_input_pipelines, ctx.input_pipeline_id])
    size = ctx.get_per_replica_batch_size(4)
    return (
        tf.data.Dataset.range(8).shard(ctx.num_input_pipelines, ctx.input_pipeline_id).batch(size)
    )


from_fn = [p.numpy() for p in strategy.distribute_datasets_from_function(dataset_fn)]
save("from_function_items", np.concatenate(from_fn))

# ---- horovod ------------------------------------------------------------------------------
hvd.init()
save("hvd_size", hvd.size())
save("hvd_rank", hvd.rank())
save("hvd_local", [hvd.local_rank(), hvd.local_size()])
save("hvd_allreduce_avg", hvd.allreduce(x))
save("hvd_allreduce_sum", hvd.allreduce(x, op=hvd.Sum))
save("hvd_allreduce_min", hvd.allreduce(x, op=hvd.Min))
save("hvd_allreduce_max", hvd.allreduce(x, op=hvd.Max))
save("hvd_allreduce_fp16", hvd.allreduce(x / 7.0, compression=hvd.Compression.fp16))
save(
    "hvd_allreduce_scaled", hvd.allreduce(x, op=hvd.Sum, prescale_factor=2.0, postscale_factor=0.5)
)
save("hvd_allgather", hvd.allgather(batch))
save("hvd_broadcast", hvd.broadcast(x, root_rank=n - 1))
splits = [1] * n
send = tf.constant(np.arange(n, dtype=np.float32) + 100 * rank)
received, received_splits = hvd.alltoall(send, splits=splits)
save("hvd_alltoall", received)
save("hvd_alltoall_splits", received_splits)
save(
    "hvd_reducescatter",
    hvd.reducescatter(tf.constant(np.ones((n + 1, 2), np.float32) * rank), op=hvd.Sum),
)
save("hvd_broadcast_object", [hvd.broadcast_object({"rank": rank}, root_rank=0)["rank"]])
save("hvd_allgather_object", hvd.allgather_object(rank * 10))
bv = tf.Variable(np.full(2, float(rank), np.float32))
hvd.broadcast_variables([bv], root_rank=1)
save("hvd_broadcast_variables", bv)
with tf.GradientTape() as tape:
    tape.watch(x)
    gathered = hvd.allgather(x * x)
    loss = tf.reduce_sum(gathered * float(rank + 1))
save("hvd_allgather_grad", tape.gradient(loss, x))

# DistributedGradientTape with tiny buckets, a sparse gradient and an unconnected source.
table = tf.Variable(np.arange(12, dtype=np.float32).reshape(6, 2))
w = tf.Variable(np.ones((2, 2), np.float32))
unused = tf.Variable(1.0)
with tf.GradientTape() as tape:
    rows = tf.gather(table, [rank % 6, 5])
    out = tf.matmul(rows, w) * float(rank + 1)
    loss = tf.reduce_sum(out * out)
dtape = hvd.DistributedGradientTape(tape)
g_table, g_w, g_unused = dtape.gradient(loss, [table, w, unused])
save("tape_table", tf.convert_to_tensor(g_table))
save("tape_w", g_w)
save("tape_unused_is_none", g_unused is None)

# Many small buckets across steps (a send buffer freed before its collective completed was
# reused by other arrays: garbage in the sums). Check against all-gather-then-mean.
tf.keras.utils.set_random_seed(0)
mlp = tf.keras.Sequential([tf.keras.Input((64,)), tf.keras.layers.Dense(256, activation="relu"),
                           tf.keras.layers.Dense(64), tf.keras.layers.Dense(10)])  # fmt: skip
sgd = tf.keras.optimizers.SGD(0.01)
worst = 0.0
for step in range(6):
    xb = tf.constant(np.random.default_rng(10 * step + rank).normal(size=(8, 64)), "float32")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(mlp(xb) ** 2)
    local = [g.numpy() for g in tape.gradient(loss, mlp.trainable_variables)]
    reduced = hvd.DistributedGradientTape(tape).gradient(loss, mlp.trainable_variables)
    for g, mine in zip(reduced, local):
        expected = hvd.allgather(tf.constant(mine[None])).numpy().mean(axis=0)
        error = np.abs(g.numpy() - expected) / (1.0 + np.abs(expected))
        worst = max(worst, float(error.max()))
    sgd.apply_gradients(zip(reduced, mlp.trainable_variables))
save("tape_many_buckets_error", worst)

np.savez(os.path.join(out_dir, f"rank{rank}.npz"), **results)
