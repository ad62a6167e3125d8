"""Writes preprocessing.json: Keras 3's preprocessing layers, `tf.image.resize` and TF's image
decoders on fixed inputs, for tests/keras/test_preprocessing_golden.py.

Run with the reference environment (TensorFlow, Keras 3 and Pillow):
`/work/tfref/bin/python tests/golden/make_preprocessing.py`. The cases are in
preprocessing_cases.py (shared with the test); each result is what the case returns, or the
error it raised (type and message).
"""

import json
import os
import pathlib
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import preprocessing_cases as cases  # noqa: E402

OUT = pathlib.Path(__file__).with_name("preprocessing.json")


def run(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return {"result": fn(tf)}
        except Exception as e:  # noqa: BLE001 - the error is the result
            return {"error": type(e).__name__, "message": str(e).splitlines()[0][:300]}


def main():
    tf.keras.utils.set_random_seed(0)
    golden = {
        "versions": {"tensorflow": tf.__version__, "keras": tf.keras.__version__},
        "cases": {},
    }
    for case_id, fn in cases.all_cases().items():
        tf.keras.backend.clear_session()
        golden["cases"][case_id] = run(fn)
    OUT.write_text(json.dumps(golden, indent=None, sort_keys=True) + "\n")
    errors = sorted(k for k, c in golden["cases"].items() if "error" in c)
    print(f"wrote {OUT}: {len(golden['cases'])} cases, errors in {errors}")


if __name__ == "__main__":
    main()
