"""Classify heart disease from the raw CSV with Keras preprocessing layers inside the model.

TensorFlow's tutorial "Classify structured data using Keras preprocessing layers" on the
heart-failure table shipped with tapeflow: a pandas DataFrame split 80/10/10, its columns
(text ones included) sliced by `tf.data.Dataset.from_tensor_slices((dict(df), labels))`,
Normalization for the numeric columns, StringLookup / IntegerLookup + CategoryEncoding for
the categorical ones, a functional model over a dict of `keras.Input`s (Dense 32, Dropout
0.5, one logit), Adam and `fit` for 10 epochs. The model, preprocessing included, is saved
with `model.save`, loaded back, and asked about one patient given as raw values; the same
pipeline then reads the CSV file directly with `tf.data.experimental.make_csv_dataset`.
Needs pandas (`pip install pandas`).
"""

import argparse
import os
import tempfile
import time

import tapeflow as tf
from tapeflow.datasets import heart_failure

EPOCHS = 10
BATCH_SIZE = 32
LABEL = "HeartDisease"
NUMERIC = ["Age", "RestingBP", "Cholesterol", "MaxHR", "Oldpeak"]
INT_CATEGORICAL = ["FastingBS"]
STRING_CATEGORICAL = ["Sex", "ChestPainType", "RestingECG", "ExerciseAngina", "ST_Slope"]
# One patient of the table (its first row), as a clinician would type it in.
PATIENT = {
    "Age": 40,
    "Sex": "M",
    "ChestPainType": "ATA",
    "RestingBP": 140,
    "Cholesterol": 289,
    "FastingBS": 0,
    "RestingECG": "Normal",
    "MaxHR": 172,
    "ExerciseAngina": "N",
    "Oldpeak": 0.0,
    "ST_Slope": "Up",
}


def df_to_dataset(dataframe, shuffle=True, batch_size=BATCH_SIZE):
    """(features dict, label) batches of a DataFrame, as the tutorial builds them."""
    df = dataframe.copy()
    labels = df.pop(LABEL)
    df = {key: value.to_numpy()[:, tf.newaxis] for key, value in df.items()}
    ds = tf.data.Dataset.from_tensor_slices((dict(df), labels))
    if shuffle:
        ds = ds.shuffle(buffer_size=len(dataframe))
    ds = ds.batch(batch_size)
    ds = ds.prefetch(batch_size)
    return ds


def get_normalization_layer(name, dataset):
    """A Normalization layer adapted to the values of feature `name`."""
    normalizer = tf.keras.layers.Normalization(axis=None)
    feature_ds = dataset.map(lambda x, y: x[name])
    normalizer.adapt(feature_ds)
    return normalizer


def get_category_encoding_layer(name, dataset, dtype, max_tokens=None):
    """Feature `name` -> vocabulary index -> multi-hot vector (a lookup learnt from it)."""
    if dtype == "string":
        index = tf.keras.layers.StringLookup(max_tokens=max_tokens)
    else:
        index = tf.keras.layers.IntegerLookup(max_tokens=max_tokens)
    feature_ds = dataset.map(lambda x, y: x[name])
    index.adapt(feature_ds)
    encoder = tf.keras.layers.CategoryEncoding(num_tokens=index.vocabulary_size())
    return lambda feature: encoder(index(feature))


def make_model(train_ds):
    """The functional model over a dict of Inputs, its preprocessing adapted to `train_ds`."""
    all_inputs = {}
    encoded_features = []
    for header in NUMERIC:
        numeric_col = tf.keras.Input(shape=(1,), name=header)
        normalization_layer = get_normalization_layer(header, train_ds)
        all_inputs[header] = numeric_col
        encoded_features.append(normalization_layer(numeric_col))
    for header in INT_CATEGORICAL:
        int_col = tf.keras.Input(shape=(1,), name=header, dtype="int64")
        encoding_layer = get_category_encoding_layer(header, train_ds, "int64", max_tokens=5)
        all_inputs[header] = int_col
        encoded_features.append(encoding_layer(int_col))
    for header in STRING_CATEGORICAL:
        categorical_col = tf.keras.Input(shape=(1,), name=header, dtype="string")
        encoding_layer = get_category_encoding_layer(header, train_ds, "string", max_tokens=5)
        all_inputs[header] = categorical_col
        encoded_features.append(encoding_layer(categorical_col))

    all_features = tf.keras.layers.concatenate(encoded_features)
    x = tf.keras.layers.Dense(32, activation="relu")(all_features)
    x = tf.keras.layers.Dropout(0.5)(x)
    output = tf.keras.layers.Dense(1)(x)
    return tf.keras.Model(all_inputs, output)


def csv_dataset(path, batch_size=BATCH_SIZE):
    """The same (features, label) batches read straight from the CSV file."""
    ds = tf.data.experimental.make_csv_dataset(
        path, batch_size=batch_size, label_name=LABEL, num_epochs=1, shuffle=False
    )
    return ds.map(lambda x, y: ({k: v[:, tf.newaxis] for k, v in x.items()}, y))


def run(epochs=EPOCHS, seed=42, plot=None, verbose=1, callbacks=None):
    """Trains, evaluates, saves and reloads the model; returns its curves and metrics."""
    import pandas as pd  # here, not at the top: the other examples run without pandas

    tf.keras.utils.set_random_seed(seed)
    dataframe = pd.read_csv(heart_failure.csv_path())
    shuffled = dataframe.sample(frac=1, random_state=seed)
    n_train, n_val = int(0.8 * len(shuffled)), int(0.1 * len(shuffled))
    train = shuffled.iloc[:n_train]
    val = shuffled.iloc[n_train : n_train + n_val]
    test = shuffled.iloc[n_train + n_val :]
    train_ds = df_to_dataset(train)
    val_ds = df_to_dataset(val, shuffle=False)
    test_ds = df_to_dataset(test, shuffle=False)

    model = make_model(train_ds)
    model.compile(
        optimizer="adam",
        loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    fit_history = model.fit(
        train_ds,
        epochs=epochs,
        validation_data=val_ds,
        verbose=2 if verbose else 0,
        callbacks=callbacks,
    )
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(test_ds, verbose=0)

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "heart_failure_structured.keras")
        model.save(path)
        reloaded_model = tf.keras.models.load_model(path)
    input_dict = {name: tf.convert_to_tensor([value]) for name, value in PATIENT.items()}
    predictions = reloaded_model.predict(input_dict, verbose=0)
    probability = float(tf.nn.sigmoid(predictions[0][0]))
    _, csv_accuracy = reloaded_model.evaluate(csv_dataset(heart_failure.csv_path()), verbose=0)

    history = {key: [float(v) for v in values] for key, values in fit_history.history.items()}
    best = max(range(epochs), key=lambda e: history["val_accuracy"][e])
    results = {
        "history": history,
        "final": {
            "val_accuracy": history["val_accuracy"][-1],
            "test_accuracy": float(test_accuracy),
            "test_loss": float(test_loss),
            "csv_accuracy": float(csv_accuracy),
        },
        "best": {"val_accuracy": history["val_accuracy"][best], "epoch": best + 1},
        "published": None,
        "patient_probability": probability,
        "seconds": seconds,
        "plot": plot_history(history, plot) if plot else None,
    }
    if verbose:
        print(
            f"Test accuracy {test_accuracy:.4f}; the reloaded model gives the first patient a "
            f"{100 * probability:.1f} % probability of heart disease and reaches "
            f"{csv_accuracy:.4f} on the whole CSV read by make_csv_dataset; {seconds:.1f} s"
        )
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
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    panels = (("loss", "Binary cross-entropy", "Loss"), ("accuracy", "Accuracy", "Accuracy"))
    for ax, (key, label, title) in zip(axes, panels):
        ax.plot(epochs, history[key], label="training")
        ax.plot(epochs, history[f"val_{key}"], label="validation")
        ax.set(xlabel="Epoch", ylabel=label, title=f"{title} (preprocessing in the model)")
        ax.legend()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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
