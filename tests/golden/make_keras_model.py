"""Writes keras_model.json: Keras 3.15 (TF 2.21) results for keras_model_cases.py (masking,
symbolic shapes, model structure).

Run with the reference environment: `/work/tfref/bin/python tests/golden/make_keras_model.py`.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import keras_model_cases  # noqa: E402
import keras_ops_cases  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_model.json")


def main():
    results = {}
    for name, fn in keras_model_cases.cases(tf).items():
        tf.keras.backend.clear_session()
        results[name] = keras_ops_cases.run(fn)
    OUT.write_text(json.dumps(results, indent=0, sort_keys=True) + "\n")
    print(f"wrote {len(results)} cases to {OUT}")


if __name__ == "__main__":
    main()
