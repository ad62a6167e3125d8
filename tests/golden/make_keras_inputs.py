"""Writes keras_inputs.json: what Keras 3 does with dict and nested inputs, targets, losses,
metrics and sample weights of functional models, for tests/keras/test_keras_inputs.py.

Run with the reference environment: `/work/tfref/bin/python tests/golden/make_keras_inputs.py`.
The cases are in keras_inputs_cases.py (shared with the test); each result is the numbers
the case returns, or the error it raised (type and message), and the warnings Keras gave.
"""

import json
import os
import pathlib
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import keras_inputs_cases as cases  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_inputs.json")


def run(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = {"result": fn(tf)}
        except Exception as e:  # noqa: BLE001 - the error is the result
            result = {"error": type(e).__name__, "message": str(e)}
    result["warnings"] = sorted(
        {str(w.message).splitlines()[0] for w in caught if issubclass(w.category, UserWarning)}
    )
    return result


def main():
    tf.keras.utils.set_random_seed(0)
    golden = {
        "versions": {"tensorflow": tf.__version__, "keras": tf.keras.__version__},
        "cases": {},
    }
    for case_id, (_, fn) in cases.all_cases().items():
        tf.keras.backend.clear_session()
        golden["cases"][case_id] = run(fn)
    OUT.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    errors = sum("error" in c for c in golden["cases"].values())
    print(f"wrote {OUT}: {len(golden['cases'])} cases, {errors} of them errors")


if __name__ == "__main__":
    main()
