"""TensorFlow golden values for RaggedTensor and tf.ragged: writes tests/golden/ragged.json.

Run with the TensorFlow reference environment:
    /work/tfref/bin/python tests/golden/make_ragged.py
Each case is a function of the `tf` module, so tests/ops/test_ragged_golden.py runs the very
same code with `import tapeflow as tf` and compares with what TensorFlow gave. A case
returns a list of results: RaggedTensors (compared as nested lists, dtype, shape and
ragged rank), Tensors, Python values, or the name of the error type a call raised.
"""

import json
import os

import numpy as np


def _error(fn):
    try:
        fn()
    except Exception as e:  # the error's type is the golden value
        return f"error:{type(e).__name__}"
    return "no error"


PADDED = [[[1, 2, 0], [3, 0, 0]], [[4, 0, 0], [0, 0, 0]]]


def constructors(tf):
    v = [3, 1, 4, 1, 5, 9, 2]
    return [
        tf.ragged.constant([[1, 2], [], [3]]),
        tf.ragged.constant([[[1.5, 2.0], [3.0]], [[4.0]]]),
        tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1),
        tf.ragged.constant([["a", "b"], ["c"]]),
        tf.RaggedTensor.from_row_splits(v, [0, 4, 4, 6, 7]),
        tf.RaggedTensor.from_row_lengths(v, [4, 0, 2, 1]),
        tf.RaggedTensor.from_value_rowids(v, [0, 0, 0, 0, 2, 2, 3], nrows=5),
        tf.RaggedTensor.from_row_starts(v, [0, 4, 4, 6]),
        tf.RaggedTensor.from_row_limits(v, [4, 4, 6, 7]),
        tf.RaggedTensor.from_uniform_row_length(list(range(6)), 2),
        tf.RaggedTensor.from_nested_row_splits(
            list(range(10)), ([0, 1, 1, 5], [0, 3, 3, 5, 9, 10])
        ),
        tf.RaggedTensor.from_tensor([[1, 3, -1, -1], [2, -1, -1, -1], [4, 5, 8, 9]], padding=-1),
        tf.RaggedTensor.from_tensor([[1, 2, 3], [4, 5, 6]], lengths=[1, 3]),
        tf.RaggedTensor.from_tensor([[1, 2, 3], [4, 5, 6]]),
        tf.RaggedTensor.from_tensor(PADDED, ragged_rank=2),
        tf.RaggedTensor.from_tensor(PADDED, padding=0, ragged_rank=2),
    ]


def properties(tf):
    rt = tf.RaggedTensor.from_nested_row_splits(
        np.arange(10, 20), ([0, 1, 1, 5], [0, 3, 3, 5, 9, 10])
    )
    r2 = tf.ragged.constant([[1, 2], [3, 4, 5], [6], [], [7]])
    return [
        rt.values,
        rt.flat_values,
        rt.row_splits,
        list(rt.nested_row_splits),
        rt.ragged_rank,
        str(rt.shape),
        rt.bounding_shape(),
        r2.row_lengths(),
        r2.nrows(),
        r2.value_rowids(),
        r2.row_starts(),
        r2.row_limits(),
        rt.row_lengths(axis=2),
        r2.to_list(),
        [row.tolist() for row in r2.numpy()],
        r2.with_values(r2.values * 10),
        rt.with_flat_values(rt.flat_values + 1),
        r2.dtype.name,
    ]


def to_tensor(tf):
    rt = tf.ragged.constant([[1, 2], [3, 4, 5], [6], [], [7]])
    words = tf.ragged.constant([["Hi"], ["Welcome", "to", "the", "fair"], ["Have", "fun"]])
    return [
        rt.to_tensor(),
        rt.to_tensor(default_value=-1),
        rt.to_tensor(shape=[3, 2]),
        words.to_tensor(default_value="", shape=[None, 5]),
        tf.ragged.constant([[[1, 2], [3]], [[4]]]).to_tensor(),
    ]


def elementwise(tf):
    x = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    y = tf.ragged.constant([[1, 1], [2], [3, 3, 3]])
    f = tf.ragged.constant([[1.0, -2.0], [], [0.5]])
    return [
        x + y,
        x + 3,
        3 - x,
        x * y,
        -x,
        x // 2,
        x % 2,
        x > 2,
        tf.add(x, 3),
        tf.math.maximum(x, y),
        tf.abs(f),
        tf.math.exp(f),
        tf.math.square(f),
        tf.cast(x, tf.float32) / 2.0,
        tf.where(x > 2, x, y),
        tf.ragged.map_flat_values(lambda v: v * 2 + 1, x),
        tf.math.logical_not(x > 2),
    ]


def broadcasting(tf):
    return [
        tf.ragged.constant([[10, 87, 12], [19, 53], [12, 32]]) + [[1000], [2000], [3000]],
        tf.ragged.constant([[[1, 2], [3, 4], [5, 6]], [[7, 8]]], ragged_rank=1)
        + tf.constant([[10]]),
        tf.ragged.constant([[[[1], [2]], [], [[3]], [[4]]], [[[5], [6]], [[7]]]], ragged_rank=2)
        + tf.constant([10, 20, 30]),
        tf.ragged.constant([[1.0, 2.0], [3.0]]) * tf.constant(2.0),
        tf.ragged.constant([[1, 2], [3, 4]]) + tf.constant([[1, 2], [3, 4]]),
    ]


def reductions(tf):
    d = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    f = tf.ragged.constant([[3.0, 1.0, 4.0], [1.0], [5.0, 9.0]])
    r3 = tf.ragged.constant([[[1, 2], [3]], [[4, 5, 6]], []])
    return [
        tf.reduce_sum(d, axis=1),
        tf.reduce_sum(d, axis=0),
        tf.reduce_sum(d),
        tf.reduce_max(d, axis=1),
        tf.reduce_min(d, axis=-1),
        tf.reduce_mean(d, axis=1),
        tf.reduce_mean(f, axis=1),
        tf.reduce_mean(f, axis=0),
        tf.reduce_max(f, axis=0),
        tf.reduce_prod(f, axis=1),
        tf.reduce_any(d > 4, axis=1),
        tf.reduce_all(d > 0, axis=1),
        tf.reduce_sum(r3, axis=2),
        tf.reduce_sum(tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1), axis=2),
    ]


def structure_ops(tf):
    d = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    x = tf.ragged.constant([["John"], ["a", "big", "dog"], ["my", "cat"]])
    y = tf.ragged.constant([["fell", "asleep"], ["barked"], ["is", "fuzzy"]])
    return [
        tf.concat([d, [[5, 3]]], axis=0),
        tf.concat([x, y], axis=1),
        tf.concat([d, d], axis=1),
        tf.tile(d, [1, 2]),
        tf.tile(d, [2, 1]),
        tf.reverse(d, [1]),
        tf.reverse(d, [0]),
        tf.gather(d, [2, 0]),
        tf.gather(tf.constant([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]), d),
        tf.ragged.stack([d, d[:2]]),
        tf.map_fn(tf.math.square, d),
        tf.strings.substr(tf.ragged.constant([["So", "long"], ["thanks"]]), 0, 2),
        tf.strings.join([x, x], separator="+"),
        tf.strings.length(x),
    ]


def indexing(tf):
    q = tf.ragged.constant(
        [["Who", "is", "George", "Washington"], ["What", "is", "the", "weather", "tomorrow"],
         ["Goodnight"]]
    )  # fmt: skip
    rt = tf.ragged.constant([[[1, 2, 3], [4]], [[5], [], [6]], [[7]], [[8, 9], [10]]])
    return [
        q[1],
        q[1, 2],
        q[1:],
        q[:, :3],
        q[:, -2:],
        q[::2],
        rt[1],
        rt[3, 0],
        rt[:, 1:3],
        rt[:, -1:],
        _error(lambda: rt[:, 0]),
        rt[1:3, :1],
        _error(lambda: q[5]),
        _error(lambda: q[:, 3]),
    ]


def ragged_functions(tf):
    return [
        tf.ragged.range([3, 0, 2]),
        tf.ragged.range([1, 2], [4, 8], 2),
        tf.ragged.range(tf.constant([1.5, 0.0]), 3.0),
        tf.ragged.boolean_mask(
            tf.constant([[1, 2, 3], [4, 5, 6]]),
            tf.constant([[True, False, True], [False, False, True]]),
        ),
        tf.ragged.boolean_mask(
            tf.ragged.constant([[1, 2, 3], [4], [5, 6]]),
            tf.ragged.constant([[True, False, True], [False], [True, True]]),
        ),
        tf.ragged.boolean_mask(
            tf.ragged.constant([[1, 2, 3], [4], [5, 6]]), tf.constant([True, False, True])
        ),  # fmt: skip
        tf.ragged.row_splits_to_segment_ids([0, 2, 2, 5]),
        tf.ragged.segment_ids_to_row_splits([0, 0, 2]),
    ]


def sparse_and_shape(tf):
    words = tf.ragged.constant([["Hi"], ["Welcome", "to", "the", "fair"], ["Have", "fun"]])
    st = words.to_sparse()
    st2 = tf.SparseTensor(indices=[[0, 0], [2, 0], [2, 1]], values=["a", "b", "c"],
                          dense_shape=[3, 3])  # fmt: skip
    rt = tf.ragged.constant([[1], [2, 3, 4], [], [5, 6]])
    shape = tf.shape(rt)
    inner = tf.RaggedTensor.from_row_splits([[1, 3], [0, 0], [1, 3], [5, 3]], [0, 3, 4])
    return [
        st.indices,
        st.values,
        st.dense_shape,
        tf.RaggedTensor.from_sparse(st2),
        tf.sparse.to_dense(inner.to_sparse()),
        repr(shape),
        shape[0],
        _error(lambda: shape[1]),
        repr(shape[:1]),
        tf.zeros(shape),
        tf.fill(shape, 7),
        tf.reshape(tf.constant(["a", "b", "c", "d", "e", "f"]), shape),
        repr(tf.experimental.DynamicRaggedShape.from_lengths([4, (2, 1, 0, 8), 12])),
        str(rt.shape),
        str(tf.ragged.constant([["a"], ["b", "c"]]).shape),
    ]


def errors(tf):
    return [
        _error(lambda: tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 1, 3])),
        _error(lambda: tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2])),
        _error(lambda: tf.RaggedTensor.from_row_lengths([1, 2, 3], [1, 1])),
        _error(lambda: tf.RaggedTensor.from_value_rowids([1, 2, 3], [0, 2, 1])),
        _error(lambda: tf.ragged.constant([["one", "two"], [3, 4]])),
        _error(lambda: tf.ragged.constant(["A", ["B", "C"]])),
        _error(lambda: tf.ragged.constant([[1, 2], [3]]) + tf.ragged.constant([[1], [2, 3]])),
        _error(
            lambda: tf.ragged.constant([[1, 2], [3, 4, 5, 6], [7]]) + tf.ones([3, 4], tf.int32)
        ),
        _error(
            lambda: tf.ragged.constant([[1, 2], [3]]) + tf.ragged.constant([[1.0, 2.0], [3.0]])
        ),
        _error(lambda: tf.RaggedTensor(values=[1], row_splits=[0, 1])),
        _error(lambda: tf.ragged.range([1, 2], [3, 4], 0)),
        _error(lambda: tf.ragged.map_flat_values(lambda v: v[:1], tf.ragged.constant([[1, 2]]))),
        _error(lambda: tf.ragged.boolean_mask(tf.constant([1, 2]), tf.constant([1, 0]))),
        _error(lambda: tf.ragged.boolean_mask(tf.constant([[1, 2]]), tf.constant([[True]]))),
        _error(lambda: tf.map_fn(tf.abs, (tf.constant([1, 2]), tf.constant([1])))),
        _error(lambda: tf.experimental.DynamicRaggedShape.from_lengths([2, (1,)])),
        _error(lambda: tf.concat([tf.ragged.constant([[1]]), tf.ragged.constant([[2], [3]])], 1)),
        _error(lambda: tf.RaggedTensor.from_row_splits([1, 2, 3], [[0, 3]])),
        _error(lambda: tf.RaggedTensor.from_row_splits([1, 2, 3], [0.0, 3.0])),
        _error(lambda: tf.RaggedTensor.from_uniform_row_length([1, 2, 3], 2)),
        _error(lambda: tf.ragged.constant([[1, 2], [3]]).to_tensor(shape=[2, 2, 2])),
        _error(lambda: tf.linalg.inv(tf.ragged.constant([[1.0], [2.0, 3.0]]))),
    ]


def in_functions(tf):
    @tf.function(input_signature=[tf.RaggedTensorSpec(shape=[None, None], dtype=tf.int32)])
    def max_and_min(rt):
        return tf.math.reduce_max(rt, axis=-1), tf.math.reduce_min(rt, axis=-1)

    @tf.function
    def palindrome(x, axis):
        return tf.concat([x, tf.reverse(x, [axis])], axis)

    @tf.function
    def increment(x):
        return x + 1

    rt = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    cf = increment.get_concrete_function(rt)
    spec = tf.RaggedTensorSpec(shape=[None, None], dtype=tf.float32)
    return [
        list(max_and_min(rt)),
        list(max_and_min(tf.ragged.constant([[7], [3, 9, 1]]))),
        palindrome(rt, axis=1),
        palindrome(tf.ragged.constant([[1], [2, 3]]), axis=1),
        cf(rt),
        increment(tf.ragged.constant([[5], [6, 7]])),
        repr(spec),
        spec.is_compatible_with(tf.ragged.constant([[1.0], []])),
        spec.is_compatible_with(tf.ragged.constant([[1], []])),
        repr(rt._type_spec if hasattr(rt, "_type_spec") else tf.type_spec_from_value(rt)),
    ]


def gradients(tf):
    x = tf.Variable([1.0, 2.0, 3.0, 4.0, 5.0])
    with tf.GradientTape() as tape:
        rt = tf.RaggedTensor.from_row_lengths(x, [2, 0, 3])
        y = tf.reduce_sum(tf.reduce_mean(rt * rt, axis=1) * tf.constant([1.0, 2.0, 3.0]))
        z = tf.reduce_sum(tf.reduce_max(rt, axis=1)[::2])
    g = tape.gradient(y + z, x)
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        ids = tf.ragged.constant([[0, 2], [1], [2, 2, 0]])
        emb = tf.nn.embedding_lookup(w, ids)
        loss = tf.reduce_sum(tf.reduce_sum(emb, axis=1) * tf.constant([[1.0], [2.0], [3.0]]))
    return [y, g, tf.convert_to_tensor(tape.gradient(loss, w))]


def datasets(tf):
    rt = tf.ragged.constant([[1, 2], [], [3, 4, 5], [6]])
    ds = tf.data.Dataset.from_tensor_slices(rt)
    lengths = tf.data.Dataset.from_tensor_slices([1, 5, 3, 2, 8]).map(tf.range)
    out = [repr(ds.element_spec)]
    out += [list(ds)]
    out += [list(ds.batch(3))]
    out += [repr(ds.batch(2).element_spec)]
    out += [list(ds.batch(3).unbatch())]
    out += [list(lengths.apply(tf.data.experimental.dense_to_ragged_batch(2)))]
    out += [list(lengths.ragged_batch(3))]
    out += [list(ds.map(lambda r: tf.reduce_sum(r)))]
    out += [
        list(
            tf.data.Dataset.from_tensor_slices([3, 1]).map(lambda n: tf.ragged.range(tf.range(n)))
        )
    ]
    return out


def more_dispatch(tf):
    a = tf.ragged.constant([[1, 2], [3]])
    f = tf.ragged.constant([[1.0, 2.0, 4.0], [3.0], []])
    return [
        a == a,
        a != tf.ragged.constant([[1, 5], [3]]),
        tf.stack([a, a]),
        tf.math.reduce_sum(a, keepdims=True, axis=1),
        tf.size(a),
        tf.rank(a),
        tf.expand_dims(a, 0),
        tf.ones_like(a),
        tf.zeros_like(f),
        tf.math.add_n([a, a]),
        tf.nn.relu(tf.cast(a, tf.float32) - 2.0),
        tf.squeeze(tf.ragged.constant([[[1], [2]], [[3]]], ragged_rank=1), axis=2),
        tf.math.reduce_std(f[:2], axis=1),
        tf.math.reduce_variance(f[:2], axis=1),
        tf.nn.softmax(f),
        _error(lambda: tf.nn.log_softmax(f)),
        tf.strings.as_string(a),
        _error(lambda: bool(a == a)),
        _error(lambda: tf.unstack(a)),
    ]


def outer_reductions(tf):
    r3 = tf.ragged.constant([[[1, 2], [3]], [[4]], [], [[], [5, 6, 7]]])
    f3 = tf.cast(r3, tf.float32)
    r4 = tf.ragged.constant([[[[1, 2], [3]], [[4]]], [[[5]]]])
    out = []
    for fn in (tf.reduce_sum, tf.reduce_max, tf.reduce_mean, tf.reduce_min, tf.reduce_prod):
        for axis in (0, 1, [0, 1], [1, 2]):
            out.append(fn(f3, axis=axis))
    out += [tf.reduce_sum(r4, axis=a) for a in (0, 1, 2, 3)]
    out += [tf.reduce_any(r3 > 3, axis=1), tf.reduce_all(r3 > 3, axis=0)]
    out += [tf.reduce_mean(r3, axis=0), tf.reduce_mean(tf.ragged.constant([[1, 2], [3], []]))]
    values = tf.Variable([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    with tf.GradientTape() as tape:
        rt = tf.RaggedTensor.from_nested_row_lengths(values, ([2, 1, 0, 2], [2, 1, 1, 0, 3]))
        loss = tf.reduce_sum(tf.reduce_max(rt, axis=0) * 2.0) + tf.reduce_sum(
            tf.reduce_mean(rt, axis=1)
        )
    out.append(tape.gradient(loss, values))
    for rt in (r3, tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)):
        out += [rt.merge_dims(a, b) for a, b in [(0, 1), (0, 2), (1, 2), (0, -1)]]
    return out


def parsing(tf):
    from google.protobuf import text_format

    def example(text):
        return text_format.Merge(text, tf.train.Example()).SerializeToString()

    batch = [
        example('features { feature { key: "c" value { bytes_list { value: ["red", "blue"] } } }'
                ' feature { key: "n" value { int64_list { value: [7] } } }'
                ' feature { key: "x" value { float_list { value: [1.5, 2.0] } } } }'),
        example('features { feature { key: "c" value { bytes_list { value: ["green"] } } }'
                ' feature { key: "n" value { int64_list { value: [] } } } }'),
    ]  # fmt: skip
    spec = {
        "c": tf.io.RaggedFeature(tf.string),
        "n": tf.io.RaggedFeature(tf.int64),
        "x": tf.io.FixedLenFeature([2], tf.float32, default_value=[0.0, -1.0]),
    }
    parsed = tf.io.parse_example(batch, spec)
    var = tf.io.parse_example(batch, {"c": tf.io.VarLenFeature(tf.string)})["c"]
    single = tf.io.parse_single_example(batch[0], spec)
    return [
        parsed["c"],
        parsed["n"],
        parsed["x"],
        var.indices,
        var.values,
        var.dense_shape,
        single["c"],
        single["x"],
        tf.train.Example.FromString(batch[0]).SerializeToString(deterministic=True),
        _error(lambda: tf.io.parse_example(batch, {"x": tf.io.FixedLenFeature([2], tf.float32)})),
        _error(lambda: tf.io.parse_example(batch, {"n": tf.io.RaggedFeature(tf.string)})),
        _error(lambda: tf.io.parse_example(batch, {"x": tf.io.FixedLenFeature([3], tf.float32)})),
    ]


CASES = {
    f.__name__: f
    for f in [
        constructors,
        properties,
        to_tensor,
        elementwise,
        broadcasting,
        reductions,
        structure_ops,
        indexing,
        ragged_functions,
        sparse_and_shape,
        errors,
        in_functions,
        gradients,
        datasets,
        more_dispatch,
        outer_reductions,
        parsing,
    ]
}


def encode(result):
    """A result as JSON-able data: ragged/dense tensors with dtype and shape, lists, scalars."""
    if isinstance(result, (list, tuple)):
        return {"list": [encode(r) for r in result]}
    if hasattr(result, "to_list") and hasattr(result, "ragged_rank"):
        return {
            "ragged": _plain(result.to_list()),
            "dtype": result.dtype.name,
            "shape": str(list(result.shape)),
            "ragged_rank": result.ragged_rank,
        }
    if hasattr(result, "numpy") and hasattr(result, "dtype"):
        a = np.asarray(result.numpy())
        return {"tensor": _plain(a.tolist()), "dtype": result.dtype.name, "shape": list(a.shape)}
    if isinstance(result, (np.generic, np.ndarray)):
        return {"value": _plain(np.asarray(result).tolist())}
    return {"value": _plain(result)}


def _plain(x):
    if isinstance(x, bytes):
        return x.decode("latin-1")
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, float) and x != x:
        return "nan"
    return x


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    golden = {name: encode(fn(tf)) for name, fn in CASES.items()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ragged.json")
    with open(path, "w") as f:
        json.dump({"tensorflow": tf.__version__, "cases": golden}, f, indent=None)
        f.write("\n")
    print(f"wrote {path} ({len(golden)} cases)")


if __name__ == "__main__":
    main()
