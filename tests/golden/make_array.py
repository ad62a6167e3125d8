"""TensorFlow golden numbers for the array family: writes tests/golden/array.json.

Run with the TensorFlow reference environment:
    /work/tfref/bin/python tests/golden/make_array.py
Each case is a function of the `tf` module, so tests/ops/test_array.py runs the very same
code with `import tapeflow as tf` and compares with what TensorFlow gave.
"""

import json
import os

import numpy as np

_rng = np.random.default_rng(7)
X234 = _rng.standard_normal((2, 3, 4)).round(3)
X34 = _rng.standard_normal((3, 4)).round(3)
W_REFLECT = _rng.standard_normal((5, 7)).round(3)  # weights for gradients of padded outputs
W_SYMMETRIC = _rng.standard_normal((6, 9)).round(3)


def _grad(tf, fn, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return y, tape.gradient(y, x)


def where_one_arg(tf):
    cond = tf.constant([[[True, False], [False, True]], [[True, True], [False, False]]])
    return [
        tf.where(cond),
        tf.where(tf.constant([0, 3, 0, -1])),
        tf.where(tf.constant([[0.0, 1.5], [2.0, 0.0]])),
    ]


def where_three_args(tf):
    cond = tf.constant([[True], [False]])
    return _grad(
        tf, lambda x: tf.reduce_sum(tf.where(cond, x, tf.constant(X34[0])) * X34[1]), X34[2]
    )


def one_hot(tf):
    idx = tf.constant([[0, -1, 2], [5, 1, -3]])
    return [
        tf.one_hot(idx, 3),
        tf.one_hot(idx, 3, axis=0),
        tf.one_hot(idx, 4, axis=1),
        tf.one_hot(idx, 3, on_value=5, off_value=-1),
        tf.one_hot(tf.constant([1, 0], tf.int64), 2, on_value=2.5, dtype=tf.float64),
        tf.one_hot([3, 0], 4, off_value=tf.constant(-1.0, tf.float64)),
    ]


def range_dtypes(tf):
    return [
        tf.range(5),
        tf.range(1, 5.0),
        tf.range(0.5, 2, 0.25),
        tf.range(10, 1, -3),
        tf.range(tf.constant(4, tf.int64)),
        tf.range(tf.constant(0.1, tf.float64), 2, 0.3),
        tf.range(0, 5, 2, dtype=tf.float64),
        tf.range(3, dtype=tf.int64),
        tf.range(0.1, 7.3, 0.37),
        tf.range(np.int64(3)),
        tf.range(2, 2),
    ]


def linspace(tf):
    return [
        tf.linspace(0.0, 1.0, 7),
        tf.linspace(0, 10, 5),
        tf.linspace(-1.0, 3.0, 1),
        tf.linspace([0.0, 1.0], [1.0, 3.0], 4, axis=1),
        tf.linspace([0.0, 1.0], 2.0, 3),
    ]


def split_minus_one(tf):
    x = tf.reshape(tf.range(20), [2, 10])
    return [
        tf.split(x, [2, -1, 3], axis=1),
        tf.split(x, [1, -1]),
        tf.split(x, 5, axis=-1),
        tf.split(x, [10, -1], axis=1),
    ]


def boolean_mask(tf):
    x = tf.reshape(tf.range(24), [2, 3, 4])
    return [
        tf.boolean_mask(x, [True, False, True], axis=1),
        tf.boolean_mask(x, [[True, False, True], [False, False, True]]),
        tf.boolean_mask(
            x,
            [[True, False, False, True], [False, True, True, False], [True, True, True, True]],
            axis=1,
        ),
        tf.boolean_mask(x, [False, True], axis=0),
        tf.boolean_mask(x, [1, 0, 0, 2], axis=2),
    ]


def boolean_mask_grad(tf):
    return _grad(
        tf,
        lambda x: tf.reduce_sum(
            tf.boolean_mask(x, [[True, False, True], [False, False, True]]) * X234[0, 0]
        ),
        X234,
    )


def pad_modes(tf):
    x = tf.reshape(tf.range(1.0, 13.0), [3, 4])
    return [
        tf.pad(x, [[1, 1], [3, 0]], "REFLECT"),
        tf.pad(x, [[2, 1], [3, 2]], "SYMMETRIC"),
        tf.pad(x, [[0, 2], [1, 1]], constant_values=-2.5),
        tf.pad(x, [[3, 3], [4, 4]], "symmetric"),
    ]


def pad_reflect_grad(tf):
    return _grad(
        tf, lambda x: tf.reduce_sum(tf.pad(x, [[1, 1], [2, 1]], "REFLECT") * W_REFLECT), X34
    )


def pad_symmetric_grad(tf):
    return _grad(
        tf, lambda x: tf.reduce_sum(tf.pad(x, [[3, 0], [1, 4]], "SYMMETRIC") * W_SYMMETRIC), X34
    )


def gather_nd_batch(tf):
    p = tf.reshape(tf.range(24.0), [2, 3, 4])
    return [
        tf.gather_nd(p, [[[1], [0]], [[2], [2]]], batch_dims=1),
        tf.gather_nd(p, [[1, 3], [2, 0]], batch_dims=1),
        tf.gather_nd(p, [[[1], [0], [3]], [[2], [2], [0]]], batch_dims=2),
        tf.gather_nd(p, [[1, 2], [0, 0]]),
        tf.gather_nd(p, [[[1, 2, 3]], [[0, 0, 1]]]),
    ]


def gather_nd_batch_grad(tf):
    idx = [[[1, 3], [1, 3], [0, 0]], [[2, 1], [0, 3], [2, 1]]]
    return _grad(
        tf, lambda x: tf.reduce_sum(tf.gather_nd(x, idx, batch_dims=1) * [1.0, 2, 3]), X234
    )


def scatter_nd_duplicates(tf):
    return [
        tf.scatter_nd([[1], [3], [1]], [1.0, 2.0, 10.0], [5]),
        tf.scatter_nd([[1], [0], [1]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [3, 2]),
        tf.scatter_nd([[0, 1], [0, 1], [2, 0]], [1, 2, 3], tf.constant([3, 2])),
        tf.tensor_scatter_nd_add(tf.ones([4]), [[1], [1]], [5.0, 6.0]),
        tf.tensor_scatter_nd_sub(tf.ones([2, 2]), [[1]], [[5.0, 6.0]]),
        tf.tensor_scatter_nd_update(tf.zeros([2, 3]), [[0, 2], [1, 0]], [7.0, 8.0]),
    ]


def tensor_scatter_grad(tf):
    def f(x):
        y = tf.tensor_scatter_nd_update(x, [[0, 1], [2, 3]], x[1, :2] * 3.0)
        return tf.reduce_sum(y * X34[::-1])

    return _grad(tf, f, X34)


VALUES = [[3.0, 1.0, 2.0, 1.0, 3.0], [0.5, 0.5, -1.0, 2.0, 0.5]]


def sort_ties(tf):
    v = tf.constant(VALUES)
    i = tf.constant([[3, 1, 2, 1, 3], [-(2**31), 0, 5, 0, -(2**31)]])
    u = tf.constant([3, 1, 2, 1, 3], tf.uint8)
    return [
        tf.sort(v),
        tf.sort(v, direction="DESCENDING"),
        tf.sort(v, axis=0),
        tf.argsort(v),
        tf.argsort(v, direction="DESCENDING"),
        tf.argsort(v, axis=0, direction="DESCENDING"),
        tf.argsort(i),
        tf.argsort(i, direction="DESCENDING"),
        tf.sort(i, direction="DESCENDING"),
        tf.argsort(u, direction="DESCENDING"),
        tf.sort(u),
    ]


def sort_grad(tf):
    return _grad(
        tf, lambda x: tf.reduce_sum(tf.sort(x, axis=1, direction="DESCENDING") * X234[1]), X234
    )


def gather_axis_batch(tf):
    p = tf.reshape(tf.range(24.0), [2, 3, 4])
    return [
        tf.gather(p, [[0, 2], [1, 1]], axis=2, batch_dims=1),
        tf.gather(p, [[2, 0, 1], [1, 1, 0]], axis=1, batch_dims=1),
        tf.gather(p, [[3, 0], [1, 1]], axis=-1),
        tf.gather(p, [1, 0, 1]),
    ]


def gather_grads(tf):
    # axis 0: IndexedSlices; with batch_dims: dense.
    p = tf.constant(X34)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(p)
        a = tf.reduce_sum(tf.gather(p, [2, 0, 2]) * X34[:, ::-1])
        b = tf.reduce_sum(
            tf.gather(p, [[1, 3, 3], [0, 0, 2], [3, 3, 3]], axis=1, batch_dims=1) * X34[:, :3]
        )
    ga = tape.gradient(a, p)
    return [ga.values, ga.indices, tape.gradient(b, p)]


def tile_unstack_grads(tf):
    def f(x):
        parts = tf.unstack(tf.tile(x, [2, 1, 3]), axis=1)
        return tf.reduce_sum(
            parts[0] * tf.reshape(tf.range(24.0, dtype=tf.float64), [4, 6]) + parts[2] * parts[1]
        )

    return _grad(tf, f, X234[:, :, :2])


def shapes(tf):
    x = tf.zeros([2, 3, 1])
    return [
        tf.shape(x),
        tf.shape(x, out_type=tf.int64),
        tf.size(x),
        tf.rank(x),
        tf.squeeze(x).shape.as_list(),
        tf.expand_dims(x, -2).shape.as_list(),
        tf.eye(2, 3, batch_shape=[2]),
        tf.eye(3, dtype=tf.int32),
        tf.fill([2, 2], 7),
        tf.zeros_like([[1, 2]]),
        tf.ones_like(x, dtype=tf.int64),
        tf.ones([2], tf.bool),
    ]


def slicing(tf):
    p = tf.reshape(tf.range(24), [2, 3, 4])
    return [
        tf.slice(p, [1, 0, 1], [-1, 2, -1]),
        tf.strided_slice(p, [0, 1], [2, 3], [1, 1], shrink_axis_mask=1),
        tf.strided_slice(p, [0, 1, 0], [0, 3, 0], [1, 1, 1], begin_mask=1, end_mask=5),
        tf.strided_slice(p, [0, 1], [0, 2], [1, 1], ellipsis_mask=1),
        tf.strided_slice(p, [0, 0], [0, 1], [1, 1], new_axis_mask=1),
        tf.strided_slice(tf.range(6), [-1], [0], [-2]),
        tf.reverse(p, [0, -1]),
        tf.repeat([[1, 2], [3, 4]], [1, 2], axis=0),
        tf.repeat([[1, 2], [3, 4]], 2),
        tf.meshgrid(tf.range(2), tf.range(3)),
        tf.meshgrid(tf.range(2), tf.range(3), indexing="ij"),
    ]


CASES = {
    f.__name__: f
    for f in [
        where_one_arg,
        where_three_args,
        one_hot,
        range_dtypes,
        linspace,
        split_minus_one,
        boolean_mask,
        boolean_mask_grad,
        pad_modes,
        pad_reflect_grad,
        pad_symmetric_grad,
        gather_nd_batch,
        gather_nd_batch_grad,
        scatter_nd_duplicates,
        tensor_scatter_grad,
        sort_ties,
        sort_grad,
        gather_axis_batch,
        gather_grads,
        tile_unstack_grads,
        shapes,
        slicing,
    ]
}


def flatten(result):
    """Nested lists/tuples of tensors as a flat list of {dtype, shape, value}."""
    if isinstance(result, (list, tuple)) and not (result and isinstance(result[0], int)):
        return [leaf for r in result for leaf in flatten(r)]
    a = np.asarray(result)
    return [{"dtype": a.dtype.name, "shape": list(a.shape), "value": a.tolist()}]


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    golden = {name: flatten(fn(tf)) for name, fn in CASES.items()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "array.json")
    with open(path, "w") as f:
        json.dump({"tensorflow": tf.__version__, "cases": golden}, f, indent=None)
        f.write("\n")
    print(f"wrote {path} ({len(golden)} cases)")


if __name__ == "__main__":
    main()
