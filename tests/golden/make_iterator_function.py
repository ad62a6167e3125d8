"""Golden data for tests/data/test_iterator_in_function.py, from TensorFlow 2.21.

Run with the TensorFlow reference venv: `/work/tfref/bin/python
tests/golden/make_iterator_function.py`. A tf.data iterator made outside a tf.function and
advanced inside it (`next(iterator)`, `iterator.get_next()`) gives the next element on every
call; for each case (the same code runs under tapeflow, see CASES) the values of every call
until the dataset ends, the error type then (its message says "End of sequence"), and how
many times it traced.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).with_name("iterator_function.json")


def cases(tf):
    """name -> (make iterator, make function taking the iterator); shared with the test."""
    x = np.arange(24, dtype=np.float32).reshape(12, 2)
    labels = np.arange(12, dtype=np.int64) % 3

    def plus_one(iterator):
        return next(iterator) + 1

    def get_next_tuple(iterator):
        features, label = iterator.get_next()
        return tf.reduce_sum(features, axis=1) * tf.cast(label, tf.float32)

    def two_per_call(iterator):
        a = next(iterator)
        b = next(iterator)
        return a * 10 + b

    def dict_elements(iterator):
        element = next(iterator)
        return {"sum": tf.reduce_sum(element["x"]), "y": element["y"]}

    return {
        "range_map": (
            lambda: iter(tf.data.Dataset.range(5).map(lambda v: v * 2)),
            plus_one,
        ),
        "batched_tuples": (
            lambda: iter(
                tf.data.Dataset.from_tensor_slices((x, labels)).batch(3, drop_remainder=True)
            ),
            get_next_tuple,
        ),
        "two_per_call": (lambda: iter(tf.data.Dataset.range(7)), two_per_call),
        "dicts": (
            lambda: iter(tf.data.Dataset.from_tensor_slices({"x": x, "y": labels}).skip(8)),
            dict_elements,
        ),
    }


def as_json(value):
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in sorted(value.items())}
    return np.asarray(value).tolist()


def run_case(tf, make_iterator, body, captured):
    """Calls the function until the iterator ends; also through a closure (`captured`)."""
    iterator = make_iterator()
    if captured:
        function = tf.function(lambda: body(iterator))
        call = function
    else:
        function = tf.function(body)
        call = lambda: function(iterator)  # noqa: E731
    values = []
    for _ in range(20):
        try:
            values.append(as_json(call()))
        except Exception as e:  # the end of the dataset
            return {
                "values": values,
                "error": type(e).__name__,
                "end_of_sequence": "End of sequence" in str(e),
                "traces": function.experimental_get_tracing_count(),
            }
    raise AssertionError("the dataset did not end")


def concrete_function_does_not_advance(tf):
    """get_concrete_function traces without taking an element: the next call gets the first."""
    iterator = iter(tf.data.Dataset.range(3))
    function = tf.function(lambda it: next(it) * 3)
    function.get_concrete_function(iterator)
    return [int(function(iterator)) for _ in range(3)]


def main():
    golden = {}
    for name, (make_iterator, body) in cases(tf).items():
        for captured in (False, True):
            key = f"{name}/{'captured' if captured else 'argument'}"
            golden[key] = run_case(tf, make_iterator, body, captured)
    golden["concrete_function"] = concrete_function_does_not_advance(tf)
    OUT.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
