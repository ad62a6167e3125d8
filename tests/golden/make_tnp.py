"""Writes tnp.json: TensorFlow's answers for tf.experimental.numpy (dtypes and values).

Run with the TensorFlow reference venv:
    TF_CPP_MIN_LOG_LEVEL=3 /work/tfref/bin/python tests/golden/make_tnp.py

Every case is a code string run with `tf`, `tnp` and `np` bound to TensorFlow here and to
tapeflow in tests/experimental/test_tnp.py. `BEFORE` cases run before
`experimental_enable_numpy_behavior()`, `AFTER` cases after it. (TF 2.21's tnp raises
AttributeError for `tnp.sin` and `tnp.isnan` of an integer tensor and TypeError for
`tnp.pad(x, 1)`; tapeflow follows NumPy there, tested against NumPy.)
"""

import json
import os

import numpy as np
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

HERE = os.path.dirname(os.path.abspath(__file__))

BEFORE = {
    "asarray_float": "tnp.asarray(1.5)",
    "asarray_ints": "tnp.asarray([1, 2])",
    "asarray_f32_array": "tnp.asarray(np.ones(2, np.float32))",
    "add_f32_python_float": "tnp.add(tf.constant([1.0]), 2.5)",
    "add_f32_f64_array": "tnp.add(tf.constant([1.0]), np.array([2.0]))",
    "add_int32_python_float": "tnp.add(tf.constant([1]), 1.5)",
    "add_python_values": "tnp.add(1, 2.5)",
    "true_divide_ints": "tnp.true_divide(tf.constant([3, 4]), tf.constant([2, 8]))",
    "sum_axis0": "tnp.sum(tf.constant([[1.0, 2.0], [3.0, 4.0]]), axis=0)",
    "sum_int32": "tnp.sum(tf.constant([1, 2]))",
    "mean_int": "tnp.mean(tf.constant([1, 2]))",
    "std": "tnp.std(tf.constant([1.0, 2.0, 4.0]))",
    "var_axis": "tnp.var(tf.constant([[1.0, 2.0], [3.0, 7.0]]), axis=1)",
    "max_keepdims": "tnp.max(tf.constant([[1.0, 5.0], [3.0, 2.0]]), axis=0, keepdims=True)",
    "argmax_flat": "tnp.argmax(tf.constant([[1.0, 5.0], [7.0, 2.0]]))",
    "cumsum_flat": "tnp.cumsum(tf.constant([[1, 2], [3, 4]]))",
    "arange": "tnp.arange(5)",
    "arange_float": "tnp.arange(0.0, 1.0, 0.25)",
    "linspace": "tnp.linspace(0, 1, 5)",
    "zeros": "tnp.zeros((2,))",
    "ones_int": "tnp.ones((2, 2), dtype=tnp.int32)",
    "full": "tnp.full((2,), 7)",
    "eye": "tnp.eye(2, 3, k=1)",
    "reshape": "tnp.reshape(tnp.arange(6), (2, 3))",
    "transpose": "tnp.transpose(tnp.reshape(tnp.arange(6), (2, 3)))",
    "swapaxes": "tnp.swapaxes(tnp.reshape(tnp.arange(6), (1, 2, 3)), 0, 2)",
    "concatenate_promotes": "tnp.concatenate([tf.constant([1]), tf.constant([2.5])])",
    "stack": "tnp.stack([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])], axis=1)",
    "vstack": "tnp.vstack([tf.constant([1, 2]), tf.constant([3, 4])])",
    "hstack": "tnp.hstack([tf.constant([1, 2]), tf.constant([3])])",
    "tile": "tnp.tile(tf.constant([1, 2]), 2)",
    "repeat": "tnp.repeat(tf.constant([1, 2]), 2)",
    "where": "tnp.where(tf.constant([True, False]), 1, 2.5)",
    "clip": "tnp.clip(tf.constant([-1.0, 0.5, 3.0]), 0, 1)",
    "dot_vectors": "tnp.dot(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]))",
    "matmul_vec": "tnp.matmul(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([1.0, 1.0]))",
    "outer": "tnp.outer(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0, 5.0]))",
    "flip": "tnp.flip(tf.constant([[1, 2], [3, 4]]))",
    "roll": "tnp.roll(tf.constant([1, 2, 3, 4]), 1)",
    "diag": "tnp.diag(tf.constant([1.0, 2.0]))",
    "trace": "tnp.trace(tf.constant([[1.0, 2.0], [3.0, 4.0]]))",
    "triu": "tnp.triu(tf.constant([[1.0, 2.0], [3.0, 4.0]]))",
    "sort": "tnp.sort(tf.constant([3.0, 1.0, 2.0]))",
    "argsort": "tnp.argsort(tf.constant([3.0, 1.0, 2.0]))",
    "take": "tnp.take(tf.constant([[1, 2], [3, 4]]), [0, 3])",
    "log2": "tnp.log2(tf.constant([1.0, 8.0]))",
    "power_ints": "tnp.power(tf.constant([2, 3]), 2)",
    "floor_divide": "tnp.floor_divide(tf.constant([7, -7]), 2)",
    "remainder": "tnp.remainder(tf.constant([7, -7]), 3)",
    "maximum_promotes": "tnp.maximum(tf.constant([1, 5]), tf.constant([2.5, 0.5]))",
    "logaddexp": "tnp.logaddexp(tf.constant([0.0, 1.0]), tf.constant([0.0, 2.0]))",
    "arctan2": "tnp.arctan2(tf.constant([1.0, -1.0, 0.0]), tf.constant([-1.0, -1.0, -2.0]))",
    "hypot": "tnp.hypot(tf.constant([3.0]), tf.constant([4.0]))",
    "average_weights": "tnp.average(tf.constant([1.0, 2.0, 3.0]), weights=[1.0, 0.0, 1.0])",
    "np_sin_of_tensor": "np.sin(tf.constant([1.0]))",
    "np_array_plus_tensor": "np.ones(2) + tf.constant([1.0, 2.0])",
}
AFTER = {
    "int_plus_python_float": "tf.constant(1) + 1.5",
    "f32_plus_f64": "tf.constant([1.0], tf.float32) + tf.constant([1.0], tf.float64)",
    "f32_times_python_float": "tf.constant([2.0]) * 1.5",
    "int_less_than_float": "tf.constant([1, 2]) < 1.5",
    "T": "tf.constant([[1.0, 2.0]]).T",
    "reshape_method": "tf.constant([[1.0, 2.0]]).reshape(2)",
    "reshape_method_tuple": "tf.constant([[1.0, 2.0], [3.0, 4.0]]).reshape((4, 1))",
    "astype": "tf.constant([[1.5, 2.0]]).astype(np.int32)",
    "ravel": "tf.constant([[1.0, 2.0]]).ravel()",
    "flatten": "tf.constant([[1.0, 2.0]]).flatten()",
    "clip_method": "tf.constant([[1.0, 2.0]]).clip(0, 1.5)",
    "mean_method": "tf.constant([[1.0, 2.0]]).mean(axis=1)",
    "max_method": "tf.constant([[1.0, 2.0]]).max()",
    "transpose_method": "tf.constant([[1.0, 2.0]]).transpose()",
    "tolist": "tf.constant([[1.0, 2.0]]).tolist()",
    "size": "tf.constant([[1.0, 2.0]]).size",
    "bool_mask": "tf.constant([1.0, 2.0, 3.0])[tf.constant([True, False, True])]",
    "int_list_index": "tf.constant([1.0, 2.0, 3.0])[[0, 2]]",
    "int_array_second_axis": "tf.constant([[1, 2, 3], [4, 5, 6]])[:, np.array([2, 0])]",
    "asarray_after": "tnp.asarray(1.5)",
}


def run(cases):
    out = {}
    for name, source in cases.items():
        try:
            value = eval(source, {"tf": tf, "tnp": tnp, "np": np})
        except Exception as e:  # the error type is the answer
            out[name] = {"source": source, "error": type(e).__name__}
            continue
        if isinstance(value, list):
            out[name] = {"source": source, "type": "list", "value": value}
            continue
        if isinstance(value, (int, np.integer)) and not hasattr(value, "numpy"):
            out[name] = {"source": source, "type": "int", "value": int(value)}
            continue
        arr = np.asarray(value)
        out[name] = {
            "source": source,
            "type": "tensor" if tf.is_tensor(value) else "ndarray",
            "dtype": arr.dtype.name,
            "shape": list(arr.shape),
            "value": arr.tolist(),
        }
    return out


def main():
    golden = {"before": run(BEFORE)}
    tnp.experimental_enable_numpy_behavior()
    golden["after"] = run(AFTER)
    with open(os.path.join(HERE, "tnp.json"), "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
