"""Writes tests/golden/data.json: what TensorFlow's tf.data gives for deterministic chains.

Run with the TensorFlow reference venv:
    TF_CPP_MIN_LOG_LEVEL=3 /work/tfref/bin/python tests/golden/make_data.py

Each case is a Python expression over `tf` and `np`; tests/data/test_golden.py evaluates the
same expression with tapeflow and compares elements (nesting, values, dtypes, shapes), the
element_spec repr and the cardinality.
"""

import json
import pathlib

import numpy as np

CASES = {
    # sources
    "range_stop": "tf.data.Dataset.range(5)",
    "range_start_stop_step": "tf.data.Dataset.range(2, 11, 3)",
    "range_negative_step": "tf.data.Dataset.range(10, 2, -3)",
    "range_empty": "tf.data.Dataset.range(5, 2)",
    "range_int32": "tf.data.Dataset.range(3, output_type=tf.int32)",
    "slices_float64": "tf.data.Dataset.from_tensor_slices(np.arange(6.0).reshape(3, 2))",
    "slices_python_floats": "tf.data.Dataset.from_tensor_slices([1.5, 2.5, 3.5])",
    "slices_python_ints": "tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]])",
    "slices_uint8": (
        "tf.data.Dataset.from_tensor_slices(np.arange(8, dtype=np.uint8).reshape(2, 2, 2))"
    ),
    "slices_tuple": "tf.data.Dataset.from_tensor_slices((np.arange(3.0), np.array([4, 5, 6])))",
    "slices_dict": (
        "tf.data.Dataset.from_tensor_slices({'b': np.array([1.0, 2.0]), "
        "'a': np.array([[1, 2], [3, 4]], dtype=np.int32)})"
    ),
    "slices_nested": (
        "tf.data.Dataset.from_tensor_slices(((np.arange(2), {'x': np.ones((2, 3))}), "
        "np.array([True, False])))"
    ),
    "slices_list_of_arrays": "tf.data.Dataset.from_tensor_slices([np.zeros(3), np.ones(3)])",
    "from_tensors": "tf.data.Dataset.from_tensors({'a': [1, 2], 'b': 3.0})",
    "from_tensors_list": "tf.data.Dataset.from_tensors([[1.0, 2.0], [3.0, 4.0]])",
    "from_tensors_numpy_list": "tf.data.Dataset.from_tensors([np.zeros(2), np.ones(2)])",
    "from_tensors_tuple": "tf.data.Dataset.from_tensors((np.arange(4.0), 7))",
    "generator_signature": (
        "tf.data.Dataset.from_generator(lambda: iter([(1, [1.0, 2.0]), (2, [3.0])]), "
        "output_signature=(tf.TensorSpec((), tf.int64), tf.TensorSpec((None,), tf.float32)))"
    ),
    "generator_types_shapes": (
        "tf.data.Dataset.from_generator(lambda: iter([np.arange(3), np.arange(3) * 2]), "
        "output_types=tf.int32, output_shapes=(3,))"
    ),
    "generator_args": (
        "tf.data.Dataset.from_generator(lambda n: iter(range(int(n))), "
        "output_types=tf.int64, output_shapes=(), args=(4,))"
    ),
    # order and count
    "take": "tf.data.Dataset.range(10).take(3)",
    "take_all": "tf.data.Dataset.range(4).take(-1)",
    "take_more": "tf.data.Dataset.range(4).take(10)",
    "skip": "tf.data.Dataset.range(10).skip(7)",
    "skip_all": "tf.data.Dataset.range(10).skip(-1)",
    "skip_more": "tf.data.Dataset.range(4).skip(10)",
    "shard": "tf.data.Dataset.range(10).shard(3, 1)",
    "shard_last": "tf.data.Dataset.range(10).shard(3, 2)",
    "repeat": "tf.data.Dataset.range(3).repeat(2)",
    "repeat_take": "tf.data.Dataset.range(3).repeat().take(7)",
    "repeat_zero": "tf.data.Dataset.range(3).repeat(0)",
    "take_skip_shard_repeat": "tf.data.Dataset.range(20).skip(2).take(15).shard(4, 1).repeat(2)",
    "enumerate": "tf.data.Dataset.from_tensor_slices(np.array([5.0, 6.0])).enumerate(3)",
    "zip": "tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(10, 15)))",
    "zip_varargs": "tf.data.Dataset.zip(tf.data.Dataset.range(2), tf.data.Dataset.range(4))",
    "zip_dict": (
        "tf.data.Dataset.zip({'x': tf.data.Dataset.range(3), "
        "'y': tf.data.Dataset.range(3).map(lambda v: tf.cast(v, tf.float32))})"
    ),
    "zip_infinite": (
        "tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(2).repeat()))"
    ),
    "zip_batch": (
        "tf.data.Dataset.zip((tf.data.Dataset.range(10), "
        "tf.data.Dataset.from_tensor_slices(np.arange(14.0).reshape(7, 2)))).batch(3)"
    ),
    "enumerate_batch_drop": (
        "tf.data.Dataset.from_tensor_slices(np.arange(5.0)).enumerate(1)"
        ".batch(2, drop_remainder=True)"
    ),
    "concatenate": "tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(10, 12))",
    "concatenate_shapes": (
        "tf.data.Dataset.from_tensor_slices(np.zeros((2, 3))).concatenate("
        "tf.data.Dataset.from_tensor_slices(np.ones((1, 4))))"
    ),
    # batching
    "batch": "tf.data.Dataset.range(10).batch(4)",
    "batch_drop": "tf.data.Dataset.range(10).batch(4, drop_remainder=True)",
    "batch_tuple": (
        "tf.data.Dataset.from_tensor_slices((np.arange(5.0), np.arange(10)"
        ".reshape(5, 2))).batch(2)"
    ),
    "batch_dict_drop": (
        "tf.data.Dataset.from_tensor_slices({'a': [1, 2, 3], 'b': np.zeros((3, 2))})"
        ".batch(2, drop_remainder=True)"
    ),
    "batch_repeat": "tf.data.Dataset.range(5).repeat(2).batch(4)",
    "batch_batch": "tf.data.Dataset.range(9).batch(2, drop_remainder=True).batch(3)",
    "batch_generator": (
        "tf.data.Dataset.from_generator(lambda: iter([np.ones(2) * i for i in range(5)]), "
        "output_signature=tf.TensorSpec((2,), tf.float64)).batch(2)"
    ),
    "unbatch": "tf.data.Dataset.range(10).batch(4).unbatch()",
    "unbatch_drop": "tf.data.Dataset.range(10).batch(3, drop_remainder=True).unbatch()",
    "unbatch_tuple": (
        "tf.data.Dataset.from_tensors((np.arange(6).reshape(3, 2), np.arange(3.0))).unbatch()"
    ),
    "unbatch_batch": "tf.data.Dataset.range(10).batch(4).unbatch().batch(3)",
    "rebatch": "tf.data.Dataset.range(10).batch(4).rebatch(3)",
    "rebatch_list": "tf.data.Dataset.range(10).batch(4).rebatch([2, 3])",
    "rebatch_drop": "tf.data.Dataset.range(10).batch(4).rebatch(3, drop_remainder=True)",
    "padded_batch": "tf.data.Dataset.range(1, 5).map(lambda x: tf.fill([x], x)).padded_batch(2)",
    "padded_batch_shapes": (
        "tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x))"
        ".padded_batch(2, padded_shapes=[5], drop_remainder=True)"
    ),
    "padded_batch_values": (
        "tf.data.Dataset.range(1, 4).map(lambda x: (tf.fill([x], x), x))"
        ".padded_batch(2, padding_values=np.int64(-1))"
    ),
    "padded_batch_dict": (
        "tf.data.Dataset.range(1, 3).map(lambda x: {'a': tf.fill([x], x), 'b': x})"
        ".padded_batch(2, padded_shapes={'a': [4], 'b': []})"
    ),
    "padded_batch_bool": (
        "tf.data.Dataset.range(1, 3).map(lambda x: tf.fill([x], True)).padded_batch(2)"
    ),
    "padded_batch_2d": (
        "tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x, 4 - x], tf.cast(x, tf.float32)))"
        ".padded_batch(3)"
    ),
    "window_flat_map": "tf.data.Dataset.range(7).window(3, 2).flat_map(lambda w: w.batch(3))",
    "window_drop_stride": (
        "tf.data.Dataset.range(10).window(3, 2, 2, drop_remainder=True)"
        ".flat_map(lambda w: w.batch(3))"
    ),
    "window_default_shift": "tf.data.Dataset.range(8).window(3).flat_map(lambda w: w.batch(5))",
    "window_tuple": (
        "tf.data.Dataset.range(5).map(lambda x: (x, tf.cast(x, tf.float32) * 2)).window(2)"
        ".flat_map(lambda a, b: tf.data.Dataset.zip((a.batch(2), b.batch(2))))"
    ),
    "window_large_shift": "tf.data.Dataset.range(10).window(2, 4).flat_map(lambda w: w.batch(2))",
    # functions of elements
    "map": "tf.data.Dataset.range(5).map(lambda x: x * 2)",
    "map_tuple_args": (
        "tf.data.Dataset.range(4).map(lambda x: (x, x * 10)).map(lambda a, b: a + b)"
    ),
    "map_dict_arg": "tf.data.Dataset.from_tensor_slices({'a': [1, 2]}).map(lambda d: d['a'] * 3)",
    "map_returns_list": "tf.data.Dataset.range(3).map(lambda x: [x, x + 1])",
    "map_cast": "tf.data.Dataset.range(3).map(lambda x: tf.cast(x, tf.float64) / 2.0)",
    "map_after_batch": (
        "tf.data.Dataset.from_tensor_slices(np.arange(12, dtype=np.uint8).reshape(6, 2))"
        ".batch(4).map(lambda x: tf.cast(x, tf.float32) / 255.0)"
    ),
    "map_parallel": "tf.data.Dataset.range(20).map(lambda x: x * x, num_parallel_calls=4)",
    "filter": "tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0)",
    "filter_tuple": "tf.data.Dataset.range(6).map(lambda x: (x, -x)).filter(lambda a, b: a > 2)",
    "take_while": "tf.data.Dataset.range(10).take_while(lambda x: x < 4)",
    "flat_map": "tf.data.Dataset.range(4).flat_map(lambda x: tf.data.Dataset.range(x))",
    "interleave": (
        "tf.data.Dataset.range(1, 4)"
        ".interleave(lambda x: tf.data.Dataset.range(x * 10, x * 10 + x), cycle_length=2)"
    ),
    "interleave_block": (
        "tf.data.Dataset.range(1, 5).interleave("
        "lambda x: tf.data.Dataset.from_tensors(x).repeat(x), cycle_length=3, block_length=2)"
    ),
    "scan": ("tf.data.Dataset.range(5).scan(np.int64(0), lambda s, x: (s + x, s * 10))"),
    # buffering and options
    "cache": "tf.data.Dataset.range(5).map(lambda x: x + 1).cache()",
    "prefetch": "tf.data.Dataset.range(6).batch(4).prefetch(2)",
    "prefetch_autotune": "tf.data.Dataset.range(3).prefetch(tf.data.AUTOTUNE)",
    "with_options": "tf.data.Dataset.range(3).with_options(tf.data.Options())",
    "shuffle_cardinality": "tf.data.Dataset.range(7).shuffle(3, seed=1).map(lambda x: x * 0)",
    # picking from several datasets, dropping repeats
    "choose_from_datasets": (
        "tf.data.Dataset.choose_from_datasets([tf.data.Dataset.range(5), "
        "tf.data.Dataset.range(100, 103)], tf.data.Dataset.from_tensor_slices("
        "np.array([0, 1, 1, 1, 1, 0, 0], np.int64)))"
    ),
    "choose_from_datasets_skip_empty": (
        "tf.data.Dataset.choose_from_datasets([tf.data.Dataset.range(5), "
        "tf.data.Dataset.range(100, 103)], tf.data.Dataset.from_tensor_slices("
        "np.array([0, 1, 1, 1, 1, 0, 0], np.int64)), stop_on_empty_dataset=False)"
    ),
    "choose_from_datasets_experimental": (
        "tf.data.experimental.choose_from_datasets([tf.data.Dataset.from_tensors('a').repeat(),"
        " tf.data.Dataset.from_tensors('bb').repeat()], tf.data.Dataset.range(2).repeat(2))"
        ".map(tf.strings.length)"
    ),
    "sample_from_datasets_sorted": (
        "tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(5), "
        "tf.data.Dataset.range(100, 103)], [0.3, 0.7], seed=1).batch(10).map(tf.sort)"
    ),
    "sample_from_datasets_zero_weight": (
        "tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(5), "
        "tf.data.Dataset.range(100, 103)], [1.0, 0.0], seed=1)"
    ),
    "experimental_counter": "tf.data.experimental.Counter(5, 2, tf.int32).take(3)",
    "unique_int": "tf.data.Dataset.from_tensor_slices([1, 37, 2, 37, 2, 1]).unique()",
    "unique_string": (
        "tf.data.Dataset.from_tensor_slices(['bb', 'a', 'bb', 'ccc'])"
        ".apply(tf.data.experimental.unique()).map(tf.strings.length)"
    ),
    # cardinality only (infinite or unknown lengths)
    "card_filter": "tf.data.Dataset.range(10).filter(lambda x: x > 3).take(2)",
    "card_repeat_unknown": "tf.data.Dataset.range(3).filter(lambda x: True).repeat(2)",
}

# Chains whose elements are not listed (infinite), only cardinality and spec.
CARDINALITY_ONLY = {
    "card_repeat": "tf.data.Dataset.range(3).repeat()",
    "card_repeat_empty": "tf.data.Dataset.range(0).repeat()",
    "card_repeat_unknown_forever": "tf.data.Dataset.range(3).filter(lambda x: True).repeat()",
    "card_skip_infinite": "tf.data.Dataset.range(3).repeat().skip(5)",
    "card_take_infinite": "tf.data.Dataset.range(3).repeat().take(5)",
    "card_take_unknown": "tf.data.Dataset.range(3).filter(lambda x: True).take(5)",
    "card_shard_infinite": "tf.data.Dataset.range(3).repeat().shard(2, 0)",
    "card_batch_infinite": "tf.data.Dataset.range(3).repeat().batch(2)",
    "card_zip_unknown": (
        "tf.data.Dataset.zip((tf.data.Dataset.range(3), "
        "tf.data.Dataset.range(5).filter(lambda x: True)))"
    ),
    "card_zip_all_infinite": (
        "tf.data.Dataset.zip((tf.data.Dataset.range(3).repeat(), "
        "tf.data.Dataset.range(2).repeat()))"
    ),
    "card_concat_infinite": (
        "tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(3).repeat())"
    ),
    "card_concat_unknown": (
        "tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(3).filter(lambda x: True))"
    ),
    "card_unbatch_infinite": (
        "tf.data.Dataset.range(10).batch(4, drop_remainder=True).repeat().unbatch()"
    ),
    "card_enumerate_infinite": "tf.data.Dataset.range(3).repeat().enumerate()",
    "card_window_infinite": "tf.data.Dataset.range(3).repeat().window(2)",
    "card_window": "tf.data.Dataset.range(7).window(3, 2)",
    "card_window_drop": "tf.data.Dataset.range(10).window(3, 2, 2, drop_remainder=True)",
    "card_window_drop_short": "tf.data.Dataset.range(3).window(5, drop_remainder=True)",
    "card_generator": "tf.data.Dataset.from_generator(lambda: iter([1]), output_types=tf.int32)",
    "card_interleave": (
        "tf.data.Dataset.range(3).interleave(lambda x: tf.data.Dataset.range(x), cycle_length=2)"
    ),
    "card_rebatch": "tf.data.Dataset.range(10).batch(4).rebatch(3)",
    "card_padded": "tf.data.Dataset.range(5).padded_batch(2, drop_remainder=True)",
    "card_counter": "tf.data.Dataset.counter(3, 2)",
}


def encode(x):
    """An element as JSON: tuples, dicts and leaves with value, dtype and shape."""
    if isinstance(x, dict):
        return {"dict": {str(k): encode(x[k]) for k in sorted(x)}}
    if isinstance(x, tuple):
        return {"tuple": [encode(v) for v in x]}
    a = x.numpy()
    return {"v": np.asarray(a).tolist(), "dtype": x.dtype.name, "shape": list(a.shape)}


def main():
    import tensorflow as tf

    env = {"tf": tf, "np": np}
    out = {}
    for name, expr in CASES.items():
        ds = eval(expr, env)
        out[name] = {
            "expr": expr,
            "elements": [encode(e) for e in ds],
            "spec": repr(ds.element_spec),
            "cardinality": int(ds.cardinality()),
        }
    for name, expr in CARDINALITY_ONLY.items():
        ds = eval(expr, env)
        out[name] = {
            "expr": expr,
            "spec": repr(ds.element_spec),
            "cardinality": int(ds.cardinality()),
        }
    path = pathlib.Path(__file__).with_name("data.json")
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
