"""Classify MNIST digits with data-parallel training: MultiWorkerMirroredStrategy, custom loop.

TensorFlow's "custom training loop with MultiWorkerMirroredStrategy" tutorial, with
`import tapeflow as tf` the only difference. Run it on N processes (one replica each):

    mpiexec -n 2 python -m tapeflow.examples.mnist_distributed --data DIR

(`pip install tapeflow[distributed]` brings mpi4py and `mpiexec`; as root, Open MPI also wants
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1). Without a launcher it trains on one
replica. Every worker reads the same pipeline of global batches (64 per replica, shuffled with
a common seed); the strategy gives each replica its piece, `tf.nn.compute_average_loss`
scales each replica's loss by the global batch, and `apply_gradients` sums the gradients over
the replicas. The model is the quickstart's (Flatten, Dense(128, relu), Dense(10)); test
accuracy is counted over every replica's piece of the test set. Only rank 0 prints.

The MNIST files come from `--data DIR` (the four IDX .gz files or Keras' mnist.npz), else from
the dataset cache (`$TAPEFLOW_DATA/mnist`, default `~/.tapeflow/datasets/mnist`).
"""

import argparse
import time

import tapeflow as tf
from tapeflow.examples.mnist_mlp import load_mnist, plot_history

EPOCHS = 3
BATCH_PER_REPLICA = 64
PUBLISHED = {"test_accuracy": 0.97}


def run(epochs=EPOCHS, data=None, seed=0, plot=None, verbose=1, callbacks=None,
        train_size=None, test_size=None):  # fmt: skip
    """Trains on every replica of the job; returns the curves and final metrics (the same on
    every rank)."""
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    replicas = strategy.num_replicas_in_sync
    chief = (strategy.cluster_resolver.task_id or 0) == 0
    global_batch = BATCH_PER_REPLICA * replicas
    tf.keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(data)
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_test, y_test = x_test[:test_size], y_test[:test_size]
    x_train = (x_train / 255.0).astype("float32")
    x_test = (x_test / 255.0).astype("float32")

    # The same seed on every worker: the same global batches, cut into per-replica pieces.
    train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000, seed=seed)
    train_ds = strategy.experimental_distribute_dataset(train_ds.batch(global_batch))
    test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(global_batch)
    test_ds = strategy.experimental_distribute_dataset(test_ds)

    with strategy.scope():
        model = tf.keras.Sequential(
            [
                tf.keras.Input(shape=(28, 28)),
                tf.keras.layers.Flatten(),
                tf.keras.layers.Dense(128, activation="relu"),
                tf.keras.layers.Dense(10),
            ]
        )
        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="none"
        )
        optimizer = tf.keras.optimizers.Adam(1e-3)

    def count_correct(labels, logits):
        predicted = tf.cast(tf.argmax(logits, axis=1), labels.dtype)
        return tf.reduce_sum(tf.cast(tf.equal(predicted, labels), "float32"))

    @tf.function
    def train_step(inputs):
        def step_fn(inputs):
            images, labels = inputs
            with tf.GradientTape() as tape:
                logits = model(images, training=True)
                loss = tf.nn.compute_average_loss(loss_object(labels, logits))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss, count_correct(labels, logits)

        loss, correct = strategy.run(step_fn, args=(inputs,))
        return (strategy.reduce("SUM", loss, axis=None),
                strategy.reduce("SUM", correct, axis=None))  # fmt: skip

    @tf.function
    def test_step(inputs):
        def step_fn(inputs):
            images, labels = inputs
            logits = model(images, training=False)
            return tf.reduce_sum(loss_object(labels, logits)), count_correct(labels, logits)

        loss, correct = strategy.run(step_fn, args=(inputs,))
        return (strategy.reduce("SUM", loss, axis=None),
                strategy.reduce("SUM", correct, axis=None))  # fmt: skip

    history = {"loss": [], "accuracy": [], "test_loss": [], "test_accuracy": []}
    start = time.perf_counter()
    for epoch in range(epochs):
        total_loss, correct, batches = 0.0, 0.0, 0
        for inputs in train_ds:
            loss, right = train_step(inputs)
            total_loss, correct, batches = total_loss + float(loss), correct + float(right), (
                batches + 1)  # fmt: skip
        test_loss, test_correct = 0.0, 0.0
        for inputs in test_ds:
            loss, right = test_step(inputs)
            test_loss, test_correct = test_loss + float(loss), test_correct + float(right)
        logs = {
            "loss": total_loss / max(batches, 1),
            "accuracy": correct / len(x_train),
            "test_loss": test_loss / len(x_test),
            "test_accuracy": test_correct / len(x_test),
        }
        for key, value in logs.items():
            history[key].append(value)
        if verbose and chief:
            print(
                f"Epoch {epoch + 1}, Loss: {logs['loss']:.4f}, Accuracy: "
                f"{logs['accuracy'] * 100:.2f}, Test Loss: {logs['test_loss']:.4f}, "
                f"Test Accuracy: {logs['test_accuracy'] * 100:.2f} ({replicas} replicas)"
            )
    seconds = time.perf_counter() - start
    results = {
        "history": history,
        "final": {key: values[-1] for key, values in history.items()},
        "published": PUBLISHED,
        "seconds": seconds,
        "replicas": replicas,
        "weights": [w.numpy() for w in model.weights],
        "plot": plot_history(history, plot) if plot and chief else None,
    }
    if verbose and chief:
        print(
            f"Final: test_accuracy {history['test_accuracy'][-1]:.4f} on {replicas} "
            f"replica(s), global batch {global_batch}; {seconds:.1f} s"
        )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--data", help="directory holding the MNIST files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="FILE", help="save the curves to this PNG file")
    parser.add_argument("--train-size", type=int, help="train on the first N images only")
    parser.add_argument("--test-size", type=int, help="test on the first N images only")
    args = parser.parse_args(argv)
    return run(epochs=args.epochs, data=args.data, seed=args.seed, plot=args.plot,
               train_size=args.train_size, test_size=args.test_size)  # fmt: skip


if __name__ == "__main__":
    main()
