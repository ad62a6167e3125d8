"""Batches per second of an MNIST-sized tf.data pipeline, and of a CSV with text columns.

60000 x 28 x 28 uint8 images and int64 labels (random data of that size):
`from_tensor_slices -> shuffle(60000) -> batch(32) -> prefetch`, then the same with a
`map` normalising the images to float32 in [0, 1] (after batch, on the whole batch, as
TF's performance guide advises), and the map before batch (once per element) for contrast.
The figure is the median over a few full epochs, after one warm-up epoch.

The CSV case reads the heart-failure table (918 rows, five text columns) repeated 10 times
into one file: `CsvDataset -> map(row to a dict of columns) -> map(StringLookup of each text
column) -> batch(32) -> prefetch` (a lookup per row, as tutorials map them), and for contrast
the same with the lookups after batch (one call per batch). Lookups are Keras' StringLookup
layers, adapted beforehand; the same code runs under TensorFlow. Its figure is the best
epoch of a few, the machine being shared.

Run: `python -m benchmarks.data_pipeline` (add `--tensorflow` to time TF on the same data
in the same process, where it is installed; `--only csv` for the CSV case alone; run it with
an environment that has both to pair them).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _pipelines(tf, images, labels):
    def normalise(x, y):
        return tf.cast(x, tf.float32) / 255.0, y

    def source():
        return tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(60000)

    autotune = tf.data.AUTOTUNE
    return {
        "slices>shuffle>batch>prefetch": lambda: source().batch(32).prefetch(autotune),
        "... >batch>map(float32)>prefetch": lambda: (
            source().batch(32).map(normalise).prefetch(autotune)
        ),
        "... >map(float32)>batch>prefetch": lambda: (
            source().map(normalise).batch(32).prefetch(autotune)
        ),
    }


CSV_COPIES = 10
TEXT_COLUMNS = ("Sex", "ChestPainType", "RestingECG", "ExerciseAngina", "ST_Slope")


def _heart_csv(folder) -> str:
    """The heart-failure CSV, its rows repeated CSV_COPIES times, in `folder`."""
    import os

    from tapeflow.datasets import heart_failure

    with open(heart_failure.csv_path(), encoding="utf-8") as f:
        header, *rows = f.read().splitlines()
    path = os.path.join(folder, "heart_x10.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join([header] + rows * CSV_COPIES) + "\n")
    return path


def _csv_pipelines(tf, path):
    """CSV -> dict -> lookup -> batch, and the lookups after batch for contrast."""
    import csv

    with open(path, encoding="utf-8") as f:
        header = next(csv.reader(f))
    defaults = [[""] if name in TEXT_COLUMNS else [0.0] for name in header]
    lookups = {}
    for name in TEXT_COLUMNS:
        column = tf.data.experimental.CsvDataset(
            path, [[""]], header=True, select_cols=[header.index(name)]
        )
        lookups[name] = tf.keras.layers.StringLookup()
        lookups[name].adapt(column.map(lambda v: v).batch(1024))

    def to_dict(*fields):
        return dict(zip(header, fields))

    def look_up(row):
        return {k: lookups[k](v) if k in lookups else v for k, v in row.items()}

    def rows():
        return tf.data.experimental.CsvDataset(path, defaults, header=True).map(to_dict)

    autotune = tf.data.AUTOTUNE
    return {
        "csv>dict>lookup>batch>prefetch": lambda: rows().map(look_up).batch(32).prefetch(autotune),
        "csv>dict>batch>lookup>prefetch": lambda: rows().batch(32).map(look_up).prefetch(autotune),
    }


def measure_csv(tf, epochs: int = 5) -> dict:
    """Best batches/s over `epochs` epochs of each CSV pipeline (after a warm-up epoch)."""
    import tempfile

    out = {}
    with tempfile.TemporaryDirectory() as folder:
        path = _heart_csv(folder)
        for name, build in _csv_pipelines(tf, path).items():
            ds = build()
            _epoch_rate(ds)
            out[name] = max(_epoch_rate(ds) for _ in range(epochs))
    return out


def _epoch_rate(ds) -> float:
    start = time.perf_counter()
    n = 0
    for _ in ds:
        n += 1
    return n / (time.perf_counter() - start)


def measure(tf, epochs: int = 3, skip_slow: bool = False) -> dict:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(60000, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=60000).astype(np.int64)
    out = {}
    for name, build in _pipelines(tf, images, labels).items():
        slow = "map(float32)>batch" in name
        if skip_slow and slow:
            continue
        ds = build()
        _epoch_rate(ds)  # warm-up: first epoch, thread start, caches
        rates = [_epoch_rate(ds) for _ in range(1 if slow else epochs)]
        out[name] = statistics.median(rates)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--tensorflow", action="store_true", help="also time TensorFlow")
    parser.add_argument("--quick", action="store_true", help="skip the per-element map")
    parser.add_argument("--only", choices=["mnist", "csv"], help="run one family of cases")
    args = parser.parse_args()

    import os

    import tapeflow
    import tapeflow.data

    class _Tf:  # `tf.data` even before the top-level namespace wires it in
        data = tapeflow.data

        def __getattr__(self, name):
            return getattr(tapeflow, name)

    print(f"load average at the start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    frameworks = {"tapeflow": _Tf()}
    if args.tensorflow:
        import tensorflow

        frameworks["tensorflow"] = tensorflow
    results = {}
    for name, tf in frameworks.items():
        results[name] = {}
        if args.only != "csv":
            results[name].update(measure(tf, args.epochs, args.quick))
        if args.only != "mnist":
            results[name].update(measure_csv(tf, max(args.epochs, 5)))
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (1 min)")
    names = list(results["tapeflow"])
    width = max(len(n) for n in names)
    header = f"{'pipeline (batches/s, batch 32)':<{width}}" + "".join(f" {k:>12}" for k in results)
    print(header)
    print("-" * len(header))
    for name in names:
        row = "".join(f" {results[k].get(name, float('nan')):>12,.0f}" for k in results)
        print(f"{name:<{width}}{row}")


if __name__ == "__main__":
    main()
