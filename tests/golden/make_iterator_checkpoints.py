"""Golden data for tests/train/test_iterator_checkpoints.py, from TensorFlow 2.21.

Run with the TensorFlow reference venv: `/work/tfref/bin/python
tests/golden/make_iterator_checkpoints.py`. For each pipeline (the same code runs under
tapeflow, see PIPELINES), an iterator is advanced `before` elements, saved with
tf.train.Checkpoint, advanced 3 more, restored, and the 3 elements after the restore are
recorded; and which pipelines TF refuses to save, with the error's type.
"""

import json
import os
import pathlib
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).with_name("iterator_checkpoints.json")


def pipelines(tf):
    """name -> (dataset factory, elements consumed before the save); shared with the test."""
    x = np.arange(24, dtype=np.float32).reshape(12, 2)

    def gen():
        yield from range(10)

    return {
        "range": (lambda: tf.data.Dataset.range(10), 4),
        "slices": (lambda: tf.data.Dataset.from_tensor_slices({"x": x, "y": np.arange(12)}), 5),
        "batch": (lambda: tf.data.Dataset.range(20).batch(3, drop_remainder=True), 2),
        "map_filter": (
            lambda: tf.data.Dataset.range(30).map(lambda a: a * 3).filter(lambda b: b % 2 == 0),
            4,
        ),
        "repeat_take_skip": (lambda: tf.data.Dataset.range(5).repeat(3).skip(2).take(11), 5),
        "prefetch_parallel_map": (
            lambda: (
                tf.data.Dataset.from_tensor_slices(x)
                .map(lambda r: r * 2.0, num_parallel_calls=2)
                .prefetch(2)
            ),
            3,
        ),
        "cache_repeat": (
            lambda: tf.data.Dataset.range(4).map(lambda c: c + 1).cache().repeat(3),
            6,
        ),
        "batch_over_epochs": (lambda: tf.data.Dataset.range(7).repeat(5).batch(4), 2),
        "from_generator": (
            lambda: tf.data.Dataset.from_generator(
                gen, output_signature=tf.TensorSpec((), tf.int64)
            ),
            2,
        ),
    }


def _plain(element):
    return tf.nest.map_structure(lambda t: np.asarray(t).tolist(), element)


def main():
    out = {}
    directory = tempfile.mkdtemp()
    for name, (make, before) in pipelines(tf).items():
        it = iter(make())
        for _ in range(before):
            next(it)
        checkpoint = tf.train.Checkpoint(iterator=it)
        try:
            path = checkpoint.save(os.path.join(directory, name))
        except Exception as e:  # noqa: BLE001 - recorded: TF refuses this pipeline
            out[name] = {"error": type(e).__name__, "message": str(e)[:200]}
            continue
        for _ in range(3):
            next(it)
        checkpoint.restore(path)
        out[name] = {"after_restore": [_plain(next(it)) for _ in range(3)]}
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
