"""Four small data-parallel trainings, run under mpiexec by test_training_mpi.py and, with no
launcher, by the test itself as the reference (one process, the same global batches).

Usage: mpiexec -n N python worker_training.py OUT  (each rank saves OUT/rank<r>.npz)

Every rank seeds its own model differently: only the strategy (or the Horovod broadcast)
makes them start from rank 0's weights, which are the reference's (seed 0).
"""

import os
import sys

import numpy as np

import tapeflow as tf
import tapeflow.horovod as hvd

GLOBAL_BATCH = 16
SAMPLES = 64


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, 5)).astype(np.float32)
    y = (x @ rng.normal(size=(5, 1)) + 0.1 * rng.normal(size=(SAMPLES, 1))).astype(np.float32)
    return x, y


def make_model(seed):
    tf.keras.utils.set_random_seed(seed)
    return tf.keras.Sequential(
        [
            tf.keras.Input((5,)),
            tf.keras.layers.Dense(8, activation="tanh"),
            tf.keras.layers.Dense(1),
        ]
    )


def weights(model):
    return [w.numpy() for w in model.weights]


def custom_loop(strategy, seed):
    """MWMS custom loop: distributed dataset, tf.function step, compute_average_loss."""
    x, y = data()
    with strategy.scope():
        model = make_model(seed)
        optimizer = tf.keras.optimizers.Adam(0.05)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    distributed = strategy.experimental_distribute_dataset(dataset)

    @tf.function
    def train_step(batch):
        def step_fn(inputs):
            xb, yb = inputs
            with tf.GradientTape() as tape:
                per_example = tf.keras.losses.mean_squared_error(yb, model(xb, training=True))
                loss = tf.nn.compute_average_loss(per_example)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        per_replica = strategy.run(step_fn, args=(batch,))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    losses = [float(train_step(b)) for _ in range(2) for b in distributed]
    return weights(model), losses


def from_function_loop(strategy, seed):
    """distribute_datasets_from_function: each worker shards by element and batches per
    replica; an eager step with the global batch size given explicitly."""
    x, y = data()
    with strategy.scope():
        model = make_model(seed)
        optimizer = tf.keras.optimizers.SGD(0.1, momentum=0.5)

    def dataset_fn(ctx):
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        ds = ds.shard(ctx.num_input_pipelines, ctx.input_pipeline_id)
        return ds.batch(ctx.get_per_replica_batch_size(GLOBAL_BATCH))

    def step_fn(xb, yb):
        with tf.GradientTape() as tape:
            per_example = tf.keras.losses.mean_squared_error(yb, model(xb, training=True))
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    for xb, yb in strategy.distribute_datasets_from_function(dataset_fn):
        strategy.run(step_fn, args=(xb, yb))
    return weights(model)


def horovod_loop(seed, compression=None):
    """Horovod: broadcast the initial weights, DistributedGradientTape, each rank its
    slice of every global batch (rank-order pieces, as the strategies cut them)."""
    hvd.init()
    x, y = data()
    model = make_model(seed)
    hvd.broadcast_variables(model.variables, root_rank=0)
    optimizer = tf.keras.optimizers.Adam(0.05)
    per_rank = GLOBAL_BATCH // hvd.size()
    for start in range(0, SAMPLES, GLOBAL_BATCH):
        lo = start + hvd.rank() * per_rank
        xb, yb = x[lo : lo + per_rank], y[lo : lo + per_rank]
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.keras.losses.mean_squared_error(yb, model(xb, training=True)))
        tape = hvd.DistributedGradientTape(tape, compression=compression or hvd.Compression.none)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return weights(model)


def fit(strategy, seed, shuffle_seed, save_to=None):
    """model.fit under the strategy's scope (array input shuffled every epoch)."""
    x, y = data()
    with strategy.scope():
        model = make_model(seed)
        model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    np.random.seed(shuffle_seed)
    history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, shuffle=True, verbose=0)
    evaluated = model.evaluate(x, y, batch_size=GLOBAL_BATCH, verbose=0, return_dict=True)
    if save_to is not None:
        model.save(os.path.join(save_to, "model.keras"))
        model.save_weights(os.path.join(save_to, "model.weights.h5"))
        checkpoint = tf.train.Checkpoint(model=model)
        tf.train.CheckpointManager(checkpoint, os.path.join(save_to, "ckpt"), 1).save()
    return weights(model), history.history, evaluated


def main(out_dir):
    strategy = tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=tf.distribute.experimental.CommunicationOptions(bytes_per_pack=256)
    )
    rank = strategy.cluster_resolver.task_id
    seed = 1000 * rank  # rank 0: seed 0, the reference's
    results = {}
    w, losses = custom_loop(strategy, seed)
    results.update({f"custom_w{i}": a for i, a in enumerate(w)}, custom_losses=losses)
    w = from_function_loop(strategy, seed)
    results.update({f"fromfn_w{i}": a for i, a in enumerate(w)})
    w = horovod_loop(seed)
    results.update({f"hvd_w{i}": a for i, a in enumerate(w)})
    w = horovod_loop(seed, compression=hvd.Compression.fp16)
    results.update({f"hvd_fp16_w{i}": a for i, a in enumerate(w)})
    w, history, evaluated = fit(strategy, seed, 7 + rank, save_to=out_dir)
    results.update({f"fit_w{i}": a for i, a in enumerate(w)})
    results.update({f"fit_{k}": v for k, v in history.items()})
    results.update({f"eval_{k}": v for k, v in evaluated.items()})
    np.savez(os.path.join(out_dir, f"rank{rank}.npz"), **results)


if __name__ == "__main__":
    main(sys.argv[1])
