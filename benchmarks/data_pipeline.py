"""Batches per second of an MNIST-sized tf.data pipeline.

60000 x 28 x 28 uint8 images and int64 labels (random data of that size):
`from_tensor_slices -> shuffle(60000) -> batch(32) -> prefetch`, then the same with a
`map` normalising the images to float32 in [0, 1] (after batch, on the whole batch, as
TF's performance guide advises), and the map before batch (once per element) for contrast.
The figure is the median over a few full epochs, after one warm-up epoch.
Run: `python -m benchmarks.data_pipeline` (add `--tensorflow` to time TF on the same data
where it is installed).
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
    args = parser.parse_args()

    import tapeflow
    import tapeflow.data

    class _Tf:  # `tf.data` even before the top-level namespace wires it in
        data = tapeflow.data

        def __getattr__(self, name):
            return getattr(tapeflow, name)

    results = {"tapeflow": measure(_Tf(), args.epochs, args.quick)}
    if args.tensorflow:
        import tensorflow

        results["tensorflow"] = measure(tensorflow, args.epochs, args.quick)
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
