"""Classify MNIST digits with a small CNN trained in an explicit loop over a tf.data pipeline.

TensorFlow's "quickstart for experts", made smaller so that it trains in about half a minute
on a laptop CPU, with `import tapeflow as tf` the only difference: a subclassed Model with one
Conv2D (16 filters of 3x3, relu), a 2x2 max-pool and one Dense layer (10 logits); a tf.data
pipeline that shuffles, batches by 32 and normalises the pixels to [0, 1]; Adam; training and
test loops with `model(x, training=True)` and metrics driven by `update_state`, `result` and
`reset_state`. `--plot FILE` saves the loss and accuracy curves (needs matplotlib).

The MNIST files come from `--data DIR` (the four IDX .gz files or Keras' mnist.npz), else from
the dataset cache (`$TAPEFLOW_DATA/mnist`, default `~/.tapeflow/datasets/mnist`), downloaded
there when absent.
"""

import argparse
import os
import time

import tapeflow as tf

EPOCHS = 5
BATCH_SIZE = 32
# The TensorFlow quickstart for experts' "~98% accuracy on this dataset" (its bigger model).
PUBLISHED = {"test_accuracy": 0.98}


class MyModel(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.conv1 = tf.keras.layers.Conv2D(16, 3, activation="relu")
        self.pool = tf.keras.layers.MaxPooling2D()
        self.flatten = tf.keras.layers.Flatten()
        self.d1 = tf.keras.layers.Dense(10)

    def call(self, x):
        x = self.conv1(x)
        x = self.pool(x)
        x = self.flatten(x)
        return self.d1(x)


def normalize(images, labels):
    """uint8 pixels -> float32 in [0, 1], with a channel axis."""
    images = tf.cast(images, tf.float32) / 255.0
    return images[..., tf.newaxis], labels


def load_mnist(data=None):
    """MNIST as uint8 arrays, from the directory `data` or from the dataset cache."""
    mnist = tf.keras.datasets.mnist
    if data is None:
        return mnist.load_data()
    return mnist.load_data(path=os.path.abspath(data))


def run(
    epochs=EPOCHS,
    data=None,
    seed=0,
    plot=None,
    verbose=1,
    callbacks=None,
    train_size=None,
    test_size=None,
):
    """Trains the model and tests it after each epoch; returns the curves and final metrics.

    `train_size` and `test_size` keep the first examples of each part (for quick runs)."""
    tf.keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(data)
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_test, y_test = x_test[:test_size], y_test[:test_size]

    # Normalising whole batches (map after batch) costs one op per batch, not per image.
    train_ds = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
        .shuffle(10000)
        .batch(BATCH_SIZE)
        .map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    test_ds = (
        tf.data.Dataset.from_tensor_slices((x_test, y_test))
        .batch(BATCH_SIZE)
        .map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )

    model = MyModel()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam()

    train_loss = tf.keras.metrics.Mean(name="train_loss")
    train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
    test_loss = tf.keras.metrics.Mean(name="test_loss")
    test_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="test_accuracy")

    def train_step(images, labels):
        with tf.GradientTape() as tape:
            # training=True is only needed if there are layers with different
            # behavior during training versus inference (e.g. Dropout).
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))

        train_loss.update_state(loss)
        train_accuracy.update_state(labels, predictions)

    def test_step(images, labels):
        # training=False is only needed if there are layers with different
        # behavior during training versus inference (e.g. Dropout).
        predictions = model(images, training=False)
        t_loss = loss_object(labels, predictions)

        test_loss.update_state(t_loss)
        test_accuracy.update_state(labels, predictions)

    history = {"loss": [], "accuracy": [], "test_loss": [], "test_accuracy": []}
    steps = len(train_ds)
    callbacks = tf.keras.callbacks.CallbackList(
        callbacks, model=model, epochs=epochs, steps=steps, verbose=0
    )
    start = time.perf_counter()
    callbacks.on_train_begin()
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        # Reset the metrics at the start of the next epoch
        train_loss.reset_state()
        train_accuracy.reset_state()
        test_loss.reset_state()
        test_accuracy.reset_state()

        for step, (images, labels) in enumerate(train_ds):
            train_step(images, labels)
            callbacks.on_train_batch_end(step)

        for test_images, test_labels in test_ds:
            test_step(test_images, test_labels)

        logs = {
            "loss": float(train_loss.result()),
            "accuracy": float(train_accuracy.result()),
            "test_loss": float(test_loss.result()),
            "test_accuracy": float(test_accuracy.result()),
        }
        for key, value in logs.items():
            history[key].append(value)
        if verbose:
            print(
                f"Epoch {epoch + 1}, "
                f"Loss: {logs['loss']:.4f}, "
                f"Accuracy: {logs['accuracy'] * 100:.2f}, "
                f"Test Loss: {logs['test_loss']:.4f}, "
                f"Test Accuracy: {logs['test_accuracy'] * 100:.2f}"
            )
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end(logs)
    seconds = time.perf_counter() - start

    results = {
        "history": history,
        "final": {key: values[-1] for key, values in history.items()},
        "published": PUBLISHED,
        "seconds": seconds,
        "plot": plot_history(history, plot) if plot else None,
    }
    if verbose:
        print(
            f"Final: test_accuracy {logs['test_accuracy']:.4f} (published "
            f"~{PUBLISHED['test_accuracy']:.2f}), test_loss {logs['test_loss']:.4f}; "
            f"{seconds:.1f} s"
        )
        if results["plot"]:
            print(f"saved {results['plot']}")
    return results


def plot_history(history, path):
    """Saves the loss and accuracy curves to `path`; returns it (None without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        print("matplotlib is not installed: no plot (pip install tapeflow[plot])")
        return None
    epochs = range(1, len(history["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history["loss"], "o-", label="training")
    ax_loss.plot(epochs, history["test_loss"], "o-", label="test")
    ax_loss.set(xlabel="Epoch", ylabel="Sparse categorical cross-entropy", title="Loss")
    ax_loss.legend()
    ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_acc.plot(epochs, history["accuracy"], "o-", label="training")
    ax_acc.plot(epochs, history["test_accuracy"], "o-", label="test")
    ax_acc.axhline(PUBLISHED["test_accuracy"], color="gray", ls="--", label="published (test)")
    ax_acc.set(xlabel="Epoch", ylabel="Accuracy", title="Accuracy")
    ax_acc.legend()
    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--data", help="directory holding the MNIST files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="FILE", help="save the curves to this PNG file")
    parser.add_argument("--train-size", type=int, help="train on the first N images only")
    parser.add_argument("--test-size", type=int, help="test on the first N images only")
    args = parser.parse_args(argv)
    return run(
        epochs=args.epochs,
        data=args.data,
        seed=args.seed,
        plot=args.plot,
        train_size=args.train_size,
        test_size=args.test_size,
    )


if __name__ == "__main__":
    main()
