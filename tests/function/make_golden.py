"""Writes golden.json: what TensorFlow's tf.print writes for each case in PRINT_CASES.

Run with the TensorFlow reference venv: `/work/tfref/bin/python tests/function/make_golden.py`.
Each case is the argument list of a `tf.print` call, as Python source using `tf` and `np`;
the test runs the same source with `tf = tapeflow`.
"""

import json
import os
import pathlib
import tempfile

import numpy as np  # noqa: F401 - used by the evaluated cases

PRINT_CASES = [
    "tf.constant([1, 2])",
    "tf.constant([1.5, 2.25]), 'hello', 3, tf.constant(2.0)",
    "tf.constant(np.arange(10))",
    "tf.constant(np.arange(12).reshape(3, 4))",
    "tf.constant(np.arange(100).reshape(10, 10)), summarize=2",
    "tf.constant(np.arange(24).reshape(2, 3, 4))",
    "tf.constant(np.arange(7))",
    "tf.constant(np.arange(6)), summarize=3",
    "tf.constant(np.arange(10)), summarize=-1",
    "tf.constant([True, False]), tf.constant(1.0 / 3)",
    "tf.constant([1e-8, 1e8]), tf.constant([0.1, 0.2], tf.float64)",
    "tf.constant([np.nan, np.inf, -np.inf, -0.0, 1e20, 123456789.0, 1e-5, 0.0001])",
    "tf.constant([-0.0, 0.5, -2.5e-12])",
    "tf.constant(1 / 3, tf.float64), tf.constant(1 / 3, tf.float16), tf.constant(2**40, tf.int64)",
    "{'a': tf.constant(1), 'b': [tf.constant(2.5), 'x']}",
    "[tf.constant(1), 2], (tf.constant([1.0]), None)",
    "tf.Variable([1.0, 2.0])",
    "'a', 'b', sep=',', end='!\\n'",
    "tf.constant([], tf.float32)",
    "tf.constant(np.zeros((2, 0)))",
    "tf.constant([[1.5]]), 2.5, np.array([1, 2]), None, 's'",
    "tf.constant(3)",
    "tf.constant(np.arange(60).reshape(3, 4, 5) * 0.5, tf.float32), summarize=1",
]


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf  # noqa: F401 - used by the evaluated cases

    out = {}
    with tempfile.TemporaryDirectory() as d:
        for i, case in enumerate(PRINT_CASES):
            path = os.path.join(d, f"{i}.txt")
            eval(f"tf.print({case}, output_stream='file://{path}')")  # noqa: S307
            out[case] = pathlib.Path(path).read_text()
    target = pathlib.Path(__file__).with_name("golden.json")
    target.write_text(json.dumps({"print": out}, indent=1) + "\n")


if __name__ == "__main__":
    main()
