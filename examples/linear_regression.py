"""Fit f(x) = x * W + b with a GradientTape and `assign_sub`.

TensorFlow's "Customizing basics: custom training" tutorial, unchanged but for the import:
W starts at 5 and b at 0, the data are y = 3x + 2 plus noise, and ten epochs of full-batch
gradient descent bring W and b near 3 and 2. Saves a plot of W and b per epoch when
matplotlib is installed.
"""

import argparse

import tapeflow as tf

TRUE_W = 3.0
TRUE_B = 2.0
NUM_EXAMPLES = 201


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


def training_loop(model, x, y, epochs):
    weights, biases = [model.w.numpy()], [model.b.numpy()]
    for epoch in range(epochs):
        train(model, x, y, learning_rate=0.1)
        weights.append(model.w.numpy())
        biases.append(model.b.numpy())
        current_loss = loss(y, model(x))
        print(f"Epoch {epoch:2d}:")
        print("    ", f"W = {weights[-1]:1.2f}, b = {biases[-1]:1.2f}, loss={current_loss:2.5f}")
    return weights, biases


def plot(weights, biases, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install tapeflow[plot])")
        return
    epochs = range(len(weights))
    plt.figure()
    plt.plot(epochs, weights, label="Weights", color="tab:blue")
    plt.plot(epochs, [TRUE_W] * len(epochs), "--", label="True weight", color="tab:blue")
    plt.plot(epochs, biases, label="bias", color="tab:orange")
    plt.plot(epochs, [TRUE_B] * len(epochs), "--", label="True bias", color="tab:orange")
    plt.xlabel("Epoch")
    plt.legend()
    plt.savefig(path)
    plt.close()
    print(f"saved {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--plot", default="linear_regression.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    tf.random.set_seed(args.seed)
    x = tf.linspace(-2, 2, NUM_EXAMPLES)
    x = tf.cast(x, tf.float32)

    def f(x):
        return x * TRUE_W + TRUE_B

    noise = tf.random.normal(shape=[NUM_EXAMPLES])
    y = f(x) + noise

    model = MyModel()
    print(
        f"Starting: W = {model.w.numpy():1.2f}, b = {model.b.numpy():1.2f}, "
        f"loss={loss(y, model(x)):2.5f}"
    )
    weights, biases = training_loop(model, x, y, args.epochs)
    print(f"Final: W = {weights[-1]:1.2f} (true {TRUE_W}), b = {biases[-1]:1.2f} (true {TRUE_B})")
    if args.plot:
        plot(weights, biases, args.plot)
    return model


if __name__ == "__main__":
    main()
