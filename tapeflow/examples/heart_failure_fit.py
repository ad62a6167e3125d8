"""Predict heart disease with `compile` and `fit`: the model of heart_failure.py, for comparison.

The same data (the heart-failure split shipped with tapeflow), the same Dense(64) x 2 and
sigmoid model, RMSprop, binary cross-entropy, batches of 32 reshuffled every epoch and 60
epochs, but the loop is Keras' own: `fit(..., validation_data=...)` returns the History;
`--plot FILE` saves its curves (needs matplotlib).
"""

import argparse
import time

import tapeflow as tf
from tapeflow.datasets import heart_failure

EPOCHS = 60
BATCH_SIZE = 32
# The validation accuracy the published tutorial reaches (with its custom loop).
PUBLISHED = {"val_accuracy": 0.875}


def make_model():
    return tf.keras.Sequential(
        [
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def run(epochs=EPOCHS, seed=42, plot=None, verbose=1, callbacks=None):
    """Compiles and fits the model; returns the History's curves and the final and best
    metrics."""
    tf.keras.utils.set_random_seed(seed)
    data = heart_failure.load_tutorial_split()

    model = make_model()
    model.compile(
        optimizer=tf.keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=tf.keras.losses.BinaryCrossentropy(),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    fit_history = model.fit(
        data.x_train,
        data.y_train,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        validation_data=(data.x_val, data.y_val),
        shuffle=True,
        verbose=2 if verbose else 0,
        callbacks=callbacks,
    )
    seconds = time.perf_counter() - start
    history = {key: [float(v) for v in values] for key, values in fit_history.history.items()}

    best = max(range(epochs), key=lambda e: history["val_accuracy"][e])
    results = {
        "history": history,
        "final": {key: values[-1] for key, values in history.items()},
        "best": {"val_accuracy": history["val_accuracy"][best], "epoch": best + 1},
        "published": PUBLISHED,
        "seconds": seconds,
        "plot": plot_history(history, plot) if plot else None,
    }
    if verbose:
        final = results["final"]
        print(
            f"Final: val_accuracy {final['val_accuracy']:.4f} (published "
            f"{PUBLISHED['val_accuracy']:.3f}), best {results['best']['val_accuracy']:.4f} at "
            f"epoch {best + 1}, val_loss {final['val_loss']:.4f}; {seconds:.1f} s"
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
    ax_loss.plot(epochs, history["loss"], label="training")
    ax_loss.plot(epochs, history["val_loss"], label="validation")
    ax_loss.set(xlabel="Epoch", ylabel="Binary cross-entropy", title="Loss (fit)")
    ax_loss.legend()
    ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_acc.plot(epochs, history["accuracy"], label="training")
    ax_acc.plot(epochs, history["val_accuracy"], label="validation")
    ax_acc.axhline(PUBLISHED["val_accuracy"], color="gray", ls="--", label="published (val)")
    ax_acc.set(xlabel="Epoch", ylabel="Binary accuracy", title="Accuracy (fit)")
    ax_acc.legend()
    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--plot", metavar="FILE", help="save the curves to this PNG file")
    args = parser.parse_args(argv)
    return run(epochs=args.epochs, seed=args.seed, plot=args.plot)


if __name__ == "__main__":
    main()
