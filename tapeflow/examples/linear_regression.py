"""Fit f(x) = x * W + b with a GradientTape and `assign_sub`.

TensorFlow's "Basic training loops" tutorial, unchanged but for the import: W starts at 5 and
b at 0, the data are y = 3x + 2 plus noise, and ten epochs of full-batch gradient descent bring
W and b near 3 and 2. `--plot FILE` saves a plot of W and b per epoch (needs matplotlib).
"""

import argparse
import time

import tapeflow as tf

TRUE_W = 3.0
TRUE_B = 2.0
NUM_EXAMPLES = 201
EPOCHS = 10
# What the tutorial's run reaches: the true values, up to the noise.
PUBLISHED = {"W": TRUE_W, "b": TRUE_B}


class MyModel(tf.Module):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Initialize the weights to `5.0` and the bias to `0.0`
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def __call__(self, x):
        return self.w * x + self.b


def loss(target_y, predicted_y):
    return tf.reduce_mean(tf.square(target_y - predicted_y))


def train(model, x, y, learning_rate):
    with tf.GradientTape() as t:
        current_loss = loss(y, model(x))
    dw, db = t.gradient(current_loss, [model.w, model.b])
    model.w.assign_sub(learning_rate * dw)
    model.b.assign_sub(learning_rate * db)


def training_loop(model, x, y, epochs, verbose=1, callbacks=None):
    weights, biases, losses = [model.w.numpy()], [model.b.numpy()], [float(loss(y, model(x)))]
    callbacks = tf.keras.callbacks.CallbackList(callbacks, epochs=epochs, verbose=0)
    callbacks.on_train_begin()
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        train(model, x, y, learning_rate=0.1)
        weights.append(model.w.numpy())
        biases.append(model.b.numpy())
        current_loss = loss(y, model(x))
        losses.append(float(current_loss))
        if verbose:
            print(f"Epoch {epoch:2d}:")
            print(
                "    ", f"W = {weights[-1]:1.2f}, b = {biases[-1]:1.2f}, loss={current_loss:2.5f}"
            )
        callbacks.on_epoch_end(epoch, {"loss": losses[-1], "W": weights[-1], "b": biases[-1]})
    callbacks.on_train_end()
    return weights, biases, losses


def run(epochs=EPOCHS, seed=0, plot=None, verbose=1, callbacks=None):
    """Makes the data and trains the model; returns the history and the final W, b, loss."""
    tf.random.set_seed(seed)
    x = tf.linspace(-2, 2, NUM_EXAMPLES)
    x = tf.cast(x, tf.float32)

    def f(x):
        return x * TRUE_W + TRUE_B

    noise = tf.random.normal(shape=[NUM_EXAMPLES])
    y = f(x) + noise

    model = MyModel()
    if verbose:
        print(
            f"Starting: W = {model.w.numpy():1.2f}, b = {model.b.numpy():1.2f}, "
            f"loss={loss(y, model(x)):2.5f}"
        )
    start = time.perf_counter()
    weights, biases, losses = training_loop(model, x, y, epochs, verbose, callbacks)
    seconds = time.perf_counter() - start
    history = {"W": [float(w) for w in weights], "b": [float(b) for b in biases], "loss": losses}
    results = {
        "history": history,
        "final": {"W": history["W"][-1], "b": history["b"][-1], "loss": losses[-1]},
        "published": PUBLISHED,
        "seconds": seconds,
        "plot": plot_history(history, plot) if plot else None,
    }
    if verbose:
        print(
            f"Final: W = {weights[-1]:1.2f} (true {TRUE_W}), b = {biases[-1]:1.2f} (true {TRUE_B})"
        )
        if results["plot"]:
            print(f"saved {results['plot']}")
    return results


def plot_history(history, path):
    """Saves W and b per epoch against their true values; returns `path` (None without
    matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        print("matplotlib is not installed: no plot (pip install tapeflow[plot])")
        return None
    epochs = range(len(history["W"]))
    fig = plt.figure()
    plt.plot(epochs, history["W"], label="Weights", color="tab:blue")
    plt.plot(epochs, [TRUE_W] * len(epochs), "--", label="True weight", color="tab:blue")
    plt.plot(epochs, history["b"], label="bias", color="tab:orange")
    plt.plot(epochs, [TRUE_B] * len(epochs), "--", label="True bias", color="tab:orange")
    plt.xlabel("Epoch")
    plt.ylabel("Value")
    plt.title(f"W and b per epoch (true W = {TRUE_W:g}, b = {TRUE_B:g})")
    plt.gca().xaxis.set_major_locator(MaxNLocator(integer=True))
    plt.legend()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="FILE", help="save the curves to this PNG file")
    args = parser.parse_args(argv)
    return run(epochs=args.epochs, seed=args.seed, plot=args.plot)


if __name__ == "__main__":
    main()
