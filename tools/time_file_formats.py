"""Save and load times of a 1M-parameter model in each file format, tapeflow or Keras/TF.

    python tools/time_file_formats.py                        # tapeflow
    /path/to/tf-venv/bin/python tools/time_file_formats.py   # Keras 3 / TensorFlow

The model: Input(784) -> Dense(1024, relu) -> Dense(200, relu) -> Dense(10), 1,010,850
parameters, compiled with Adam and trained one step (so the files hold the optimizer's
state). Each format is saved and loaded `--repeat` times into a fresh directory; the best
time of each is printed (the machine may be shared: best of several, and note the load).
Nothing here is imported by tapeflow.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def _framework():
    try:
        import tapeflow as tf  # noqa: F401

        if "--tensorflow" not in sys.argv:
            return "tapeflow", tf
    except ImportError:
        pass
    import tensorflow as tf

    return "tensorflow", tf


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tensorflow", action="store_true", help="time Keras 3 / TF")
    args = parser.parse_args()
    name, tf = _framework()
    keras = tf.keras
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(1024, activation="relu"),
            keras.layers.Dense(200, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    rng = np.random.default_rng(0)
    model.train_on_batch(rng.normal(size=(32, 784)).astype("f4"), rng.normal(size=(32, 10)))
    params = int(sum(np.prod(w.shape) for w in model.get_weights()))
    directory = tempfile.mkdtemp()

    def fresh(sub):
        path = os.path.join(directory, sub)
        shutil.rmtree(path, ignore_errors=True)
        return path

    blank = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(1024, activation="relu"),
            keras.layers.Dense(200, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    formats = {
        ".keras": (
            lambda p: model.save(p + ".keras"),
            lambda p: keras.models.load_model(p + ".keras"),
        ),
        ".weights.h5": (
            lambda p: model.save_weights(p + ".weights.h5"),
            lambda p: blank.load_weights(p + ".weights.h5"),
        ),
        "tf.train.Checkpoint": (
            lambda p: tf.train.Checkpoint(model=model, optimizer=model.optimizer).write(p),
            lambda p: tf.train.Checkpoint(model=blank).read(p).expect_partial(),
        ),
        "tf.saved_model": (
            lambda p: tf.saved_model.save(model, p),
            lambda p: tf.saved_model.load(p),
        ),
        "model.export": (
            lambda p: model.export(p, verbose=False),
            lambda p: tf.saved_model.load(p),
        ),
    }
    results = {}
    for label, (save, load) in formats.items():
        saves, loads = [], []
        for i in range(args.repeat):
            path = fresh(f"{label}-{i}")
            start = time.perf_counter()
            save(path)
            saves.append(time.perf_counter() - start)
            start = time.perf_counter()
            load(path)
            loads.append(time.perf_counter() - start)
        results[label] = {"save_s": min(saves), "load_s": min(loads)}
    shutil.rmtree(directory, ignore_errors=True)
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(json.dumps({"framework": name, "params": params, "load_average": load_average,
                      "results": results}))  # fmt: skip
    for label, r in results.items():
        print(f"{name:10s} {label:22s} save {r['save_s'] * 1000:8.1f} ms   load "
              f"{r['load_s'] * 1000:8.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
