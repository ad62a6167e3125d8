"""Classify MNIST digits with Horovod-style data-parallel training (DistributedGradientTape).

Horovod's TensorFlow 2 MNIST example, with `import tapeflow.horovod as hvd` in place of
`import horovod.tensorflow as hvd` and `import tapeflow as tf`. Run it on N processes:

    mpiexec -n 2 python -m tapeflow.examples.mnist_horovod --data DIR

Each rank reads its shard of the training set (`Dataset.shard(hvd.size(), hvd.rank())`),
starts from rank 0's weights (`hvd.broadcast_variables`), and averages its gradients with
the others' through `hvd.DistributedGradientTape`, which all-reduces them in buckets while
the backward pass runs. The learning rate is scaled by the number of ranks, as Horovod
recommends. Only rank 0 prints. Without a launcher it trains on one rank.
"""

import argparse
import time

import tapeflow as tf
import tapeflow.horovod as hvd
from tapeflow.examples.mnist_mlp import load_mnist, plot_history

EPOCHS = 3
BATCH_PER_RANK = 64
PUBLISHED = {"test_accuracy": 0.97}


def run(epochs=EPOCHS, data=None, seed=0, plot=None, verbose=1, callbacks=None,
        train_size=None, test_size=None):  # fmt: skip
    """Trains on every rank; returns the curves and final metrics."""
    hvd.init()
    tf.keras.utils.set_random_seed(seed + hvd.rank())  # different draws: the broadcast unifies
    (x_train, y_train), (x_test, y_test) = load_mnist(data)
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_test, y_test = x_test[:test_size], y_test[:test_size]
    x_train = (x_train / 255.0).astype("float32")
    x_test = (x_test / 255.0).astype("float32")
    shard = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shard(hvd.size(), hvd.rank())
    train_ds = shard.shuffle(10000, seed=seed).batch(BATCH_PER_RANK)

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(28, 28)),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(128, activation="relu"),
            tf.keras.layers.Dense(10),
        ]
    )
    hvd.broadcast_variables(model.variables, root_rank=0)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam(1e-3 * hvd.size())

    @tf.function
    def training_step(images, labels):
        with tf.GradientTape() as tape:
            logits = model(images, training=True)
            loss = loss_object(labels, logits)
        tape = hvd.DistributedGradientTape(tape)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return hvd.allreduce(loss)

    history = {"loss": [], "test_accuracy": []}
    # Every rank runs as many steps as the smallest shard allows (collectives must match).
    steps = hvd.allreduce(tf.constant(len(train_ds)), op=hvd.Min)
    start = time.perf_counter()
    for epoch in range(epochs):
        losses = [float(training_step(x, y)) for x, y in train_ds.take(int(steps))]
        logits = model(tf.constant(x_test), training=False)
        predicted = tf.cast(tf.argmax(logits, axis=1), "uint8")
        accuracy = float(tf.reduce_mean(tf.cast(tf.equal(predicted, y_test), "float32")))
        history["loss"].append(sum(losses) / max(len(losses), 1))
        history["test_accuracy"].append(accuracy)
        if verbose and hvd.rank() == 0:
            print(
                f"Epoch {epoch + 1}, Loss: {history['loss'][-1]:.4f}, Test Accuracy: "
                f"{accuracy * 100:.2f} ({hvd.size()} ranks)"
            )
    seconds = time.perf_counter() - start
    if verbose and hvd.rank() == 0:
        print(f"Final: test_accuracy {accuracy:.4f} on {hvd.size()} rank(s); {seconds:.1f} s")
    curves = {"loss": history["loss"], "test_loss": history["loss"],
              "accuracy": history["test_accuracy"],
              "test_accuracy": history["test_accuracy"]}  # fmt: skip
    return {
        "history": history,
        "final": {key: values[-1] for key, values in history.items()},
        "published": PUBLISHED,
        "seconds": seconds,
        "ranks": hvd.size(),
        "weights": [w.numpy() for w in model.weights],
        "plot": plot_history(curves, plot) if plot and hvd.rank() == 0 else None,
    }


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
