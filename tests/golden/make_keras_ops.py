"""Writes keras_ops.json: Keras 3.15 (TensorFlow 2.21 backend) results for keras_ops_cases.py.

Run with the reference environment: `/work/tfref/bin/python tests/golden/make_keras_ops.py`.
tests/keras/test_ops_golden.py runs the same cases under tapeflow.keras and compares.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import keras_ops_cases  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_ops.json")


def main():
    results = {}
    for name, fn in keras_ops_cases.cases(keras, tf).items():
        results[name] = keras_ops_cases.run(fn)
    OUT.write_text(json.dumps(results, indent=0, sort_keys=True) + "\n")
    print(f"wrote {len(results)} cases to {OUT}")


if __name__ == "__main__":
    main()
