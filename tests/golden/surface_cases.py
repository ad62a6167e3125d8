"""Cases of the everyday surface compared with TensorFlow 2.21 (tests/golden/surface.json).

`cases(tf)` maps a name to a function of no argument; it runs with `tensorflow` in the golden
script and with `tapeflow` in the test, so both compute exactly the same thing. `encode`
turns a result (Tensors, SparseTensors, NumPy values, nested lists/tuples/dicts) or the
exception it raised into JSON: values, dtype and shape, or the error's type name.
"""

import numpy as np


def encode(value):
    if hasattr(value, "indices") and hasattr(value, "dense_shape") and hasattr(value, "values"):
        return {
            "sparse": True,
            "indices": np.asarray(value.indices).tolist(),
            "values": encode(value.values),
            "dense_shape": np.asarray(value.dense_shape).tolist(),
        }
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in sorted(value.items())}}
    if isinstance(value, (list, tuple)):
        return {"list": [encode(v) for v in value]}
    if value is None:
        return {"none": True}
    if isinstance(value, (str, bool, int, float)) and not hasattr(value, "dtype"):
        return {"python": value}
    a = np.asarray(value)
    dtype = getattr(value, "dtype", a.dtype)
    name = getattr(dtype, "name", str(dtype))
    values = a.tolist()
    if a.dtype == object:
        values = [v.decode() if isinstance(v, bytes) else v for v in a.reshape(-1).tolist()]
    elif a.dtype.kind == "f":
        values = np.where(np.isnan(a), None, a).tolist() if np.isnan(a).any() else values
    return {"values": values, "dtype": name, "shape": list(a.shape)}


def run(fn):
    try:
        return encode(fn())
    except Exception as e:  # the error type is part of the expected behaviour
        return {"error": type(e).__name__}


def write_golden(tf, cases_of_tf, out) -> None:
    """Runs every case of `cases_of_tf(tf)` (under TensorFlow, seeded) into the JSON file
    `out`: what make_surface.py and make_common_names.py write."""
    import json

    results = {}
    for name, fn in cases_of_tf(tf).items():
        tf.random.set_seed(0)
        results[name] = run(fn)
    out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(results)} cases to {out}")


def _sp(tf):
    a = tf.sparse.SparseTensor([[0, 1], [1, 0], [1, 2]], [1.0, -2.0, 3.0], [2, 3])
    b = tf.sparse.SparseTensor([[0, 1], [0, 2], [1, 2]], [-0.9, 5.0, 1.0], [2, 3])
    c = tf.sparse.SparseTensor([[1, 0], [0, 2], [0, 1]], [1.0, 2.0, 3.0], [2, 3])
    return a, b, c


def sparse_cases(tf):
    a, b, c = _sp(tf)
    dense = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out = {
        "construct_int_values": lambda: tf.SparseTensor([[0, 3], [2, 4]], [10, 20], [3, 10]),
        "construct_shape": lambda: list(tf.SparseTensor([[0, 1]], [1.0], [2, 3]).shape),
        "construct_float_indices": lambda: tf.SparseTensor([[0.5, 1]], [1.0], [2, 3]),
        "construct_rank1_indices": lambda: tf.SparseTensor([0, 1], [1.0], [2, 3]),
        "construct_values_mismatch": lambda: tf.SparseTensor([[0, 1]], [1.0, 2.0], [2, 3]),
        "construct_rank_mismatch": lambda: tf.SparseTensor([[0, 1]], [1.0], [2, 3, 4]),
        "with_values": lambda: a.with_values([1, 2, 3]),
        "from_dense": lambda: tf.sparse.from_dense([[1, 0, 0, 8], [0, 0, 0, 0], [0, 0, 3, 0]]),
        "from_dense_strings": lambda: tf.sparse.from_dense(["a", "", "b"]),
        "from_dense_scalar": lambda: tf.sparse.from_dense(5),
        "to_dense": lambda: tf.sparse.to_dense(a),
        "to_dense_default": lambda: tf.sparse.to_dense(a, default_value=7.0),
        "to_dense_unordered": lambda: tf.sparse.to_dense(c),
        "to_dense_unordered_unvalidated": lambda: tf.sparse.to_dense(c, validate_indices=False),
        "to_dense_repeated": lambda: tf.sparse.to_dense(
            tf.SparseTensor([[1, 1], [1, 1]], [1.0, 2.0], [2, 3])
        ),
        "to_dense_out_of_bounds": lambda: tf.sparse.to_dense(
            tf.SparseTensor([[3, 1]], [1.0], [2, 3])
        ),
        "to_dense_not_sparse": lambda: tf.sparse.to_dense(tf.constant([1.0])),
        "to_dense_strings": lambda: tf.sparse.to_dense(tf.sparse.from_dense(["a", "", "b"])),
        "add_sparse": lambda: tf.sparse.add(a, b),
        "add_threshold_1": lambda: tf.sparse.add(a, b, threshold=1.0),
        "add_threshold_3": lambda: tf.sparse.add(a, b, threshold=3.0),
        "add_dense": lambda: tf.sparse.add(a, tf.ones([2, 3])),
        "add_dense_first": lambda: tf.sparse.add(tf.ones([2, 3]), a),
        "add_shape_mismatch": lambda: tf.sparse.add(a, tf.SparseTensor([[0, 1]], [1.0], [2, 4])),
        "add_two_dense": lambda: tf.sparse.add(tf.ones([2]), tf.ones([2])),
        "reduce_sum_all": lambda: tf.sparse.reduce_sum(a),
        "reduce_sum_1": lambda: tf.sparse.reduce_sum(a, axis=1),
        "reduce_sum_0_keep": lambda: tf.sparse.reduce_sum(a, axis=0, keepdims=True),
        "reduce_sum_neg": lambda: tf.sparse.reduce_sum(a, axis=-1),
        "reduce_sum_sparse_out": lambda: tf.sparse.reduce_sum(a, axis=1, output_is_sparse=True),
        "reduce_sum_sparse_keep": lambda: tf.sparse.reduce_sum(
            a, axis=0, keepdims=True, output_is_sparse=True
        ),
        "reduce_sum_bad_axis": lambda: tf.sparse.reduce_sum(a, axis=2),
        "reduce_max_1": lambda: tf.sparse.reduce_max(a, axis=1),
        "reduce_max_all": lambda: tf.sparse.reduce_max(tf.sparse.from_dense([-5, 0, -3])),
        "reduce_max_empty_row": lambda: tf.sparse.reduce_max(
            tf.SparseTensor([[0, 1]], [-1.0], [2, 3]), axis=1
        ),
        "reorder": lambda: tf.sparse.reorder(c),
        "reshape": lambda: tf.sparse.reshape(a, [3, 2]),
        "reshape_infer": lambda: tf.sparse.reshape(a, [-1]),
        "reshape_bad": lambda: tf.sparse.reshape(a, [4, -1]),
        "reshape_two_unknown": lambda: tf.sparse.reshape(a, [-1, -1]),
        "retain": lambda: tf.sparse.retain(a, [True, False, True]),
        "retain_bad_length": lambda: tf.sparse.retain(a, [True, False]),
        "concat_0": lambda: tf.sparse.concat(0, [a, b]),
        "concat_1": lambda: tf.sparse.concat(1, [a, b]),
        "concat_mismatch": lambda: tf.sparse.concat(
            1, [a, tf.SparseTensor([[0, 1]], [1.0], [3, 4])]
        ),
        "concat_expand": lambda: tf.sparse.concat(
            1, [a, tf.SparseTensor([[2, 1]], [1.0], [3, 4])], expand_nonconcat_dims=True
        ),
        "slice": lambda: tf.sparse.slice(a, [0, 1], [2, 2]),
        "slice_past_end": lambda: tf.sparse.slice(a, [1, 1], [5, 5]),
        "transpose": lambda: tf.sparse.transpose(c),
        "to_indicator": lambda: tf.sparse.to_indicator(
            tf.SparseTensor([[0, 0], [0, 1], [1, 0]], [2, 0, 3], [2, 2]), 4
        ),
        "map_values": lambda: tf.sparse.map_values(tf.multiply, a, 3.0),
        "map_values_two": lambda: tf.sparse.map_values(tf.add, a, a),
        "map_values_mismatch": lambda: tf.sparse.map_values(tf.add, a, b),
        "map_values_no_sparse": lambda: tf.sparse.map_values(tf.add, 1.0, 2.0),
        "expand_dims": lambda: tf.sparse.expand_dims(a, 0),
        "eye": lambda: tf.sparse.eye(2, 3),
        "matmul": lambda: tf.sparse.sparse_dense_matmul(a, dense),
        "matmul_adjoint_a": lambda: tf.sparse.sparse_dense_matmul(a, tf.ones([2, 2]), True),
        "matmul_adjoint_b": lambda: tf.sparse.sparse_dense_matmul(
            a, tf.transpose(dense), adjoint_b=True
        ),
        "matmul_dense_sparse": lambda: tf.sparse.sparse_dense_matmul(tf.ones([2, 2]), a),
        "matmul_dense_sparse_adj": lambda: tf.sparse.sparse_dense_matmul(
            tf.ones([2, 2]), a, adjoint_a=True
        ),
        "matmul_ints": lambda: tf.sparse.sparse_dense_matmul(
            tf.SparseTensor([[0, 1], [1, 0], [1, 1]], [13, 15, 17], [2, 2]),
            tf.constant([[4], [6]]),
        ),
        "matmul_inner_mismatch": lambda: tf.sparse.sparse_dense_matmul(a, tf.ones([2, 2])),
        "matmul_rank3": lambda: tf.sparse.sparse_dense_matmul(
            tf.SparseTensor([[0, 0, 1]], [1.0], [1, 2, 3]), tf.ones([3, 2])
        ),
        "matmul_out_of_bounds": lambda: tf.sparse.sparse_dense_matmul(
            tf.SparseTensor([[5, 1]], [1.0], [2, 3]), tf.ones([3, 2])
        ),
        "mul_row": lambda: a * tf.constant([1.0, 2.0, 3.0]),
        "mul_column": lambda: a * tf.constant([[1.0], [2.0]]),
        "mul_scalar": lambda: a * 2,
        "mul_bad_broadcast": lambda: a * tf.ones([2, 2, 3]),
        "mul_sparse": lambda: a * a,
        "div_row": lambda: a / tf.constant([1.0, 2.0, 3.0]),
        "div_int": lambda: tf.SparseTensor([[0, 1], [1, 0]], [-7, 7], [2, 3]) / 2,
        "add_operator": lambda: a + 1,
        "neg_operator": lambda: -a,
        "abs": lambda: tf.abs(a),
        "negative": lambda: tf.math.negative(a),
        "square": lambda: tf.math.square(a),
        "sign": lambda: tf.math.sign(a),
        "tanh": lambda: tf.math.tanh(a),
        "cast": lambda: tf.cast(a, tf.int32),
        "identity": lambda: tf.identity(a),
        "shape": lambda: tf.shape(a),
        "size": lambda: tf.size(a),
        "rank": lambda: tf.rank(a),
        "exp_refused": lambda: tf.exp(a),
        "reduce_sum_refused": lambda: tf.reduce_sum(a),
        "convert_refused": lambda: tf.convert_to_tensor(a),
        "is_tensor": lambda: tf.is_tensor(a),
        "spec": lambda: [list(a._type_spec.shape), a._type_spec.dtype.name],
    }
    return out


def sparse_gradient_cases(tf):
    a, _, _ = _sp(tf)
    weights = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

    def grads(build, adjoint_a=False, adjoint_b=False):
        def run():
            v = tf.Variable([1.0, -2.0, 3.0])
            w = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
            with tf.GradientTape() as tape:
                sp = tf.SparseTensor(a.indices, v, a.dense_shape)
                loss = build(sp, w)
            return tape.gradient(loss, [v, w])

        return run

    def matmul_loss(sp, w):
        y = tf.sparse.sparse_dense_matmul(sp, w)
        return tf.reduce_sum(y * y)

    def matmul_adj_a(sp, w):
        y = tf.sparse.sparse_dense_matmul(sp, w[:2], adjoint_a=True)
        return tf.reduce_sum(y * y)

    def matmul_adj_b(sp, w):
        y = tf.sparse.sparse_dense_matmul(sp, tf.transpose(w), adjoint_b=True)
        return tf.reduce_sum(y * tf.constant([[1.0, -1.0], [2.0, 0.5]]))

    def to_dense_loss(sp, w):
        return tf.reduce_sum(tf.sparse.to_dense(sp) * weights)

    def reduce_sum_loss(sp, w):
        r = tf.sparse.reduce_sum(sp, axis=1)
        return tf.reduce_sum(r * r)

    def add_loss(sp, w):
        other = tf.SparseTensor([[0, 0], [0, 1]], sp.values[:2] * 2.0, [2, 3])
        s = tf.sparse.add(sp, other)
        return tf.reduce_sum(s.values * tf.range(4, dtype=tf.float32))

    def reshape_transpose_loss(sp, w):
        r = tf.sparse.reshape(sp, [3, 2])
        q = tf.sparse.transpose(sp)
        c = tf.sparse.concat(0, [sp, sp])
        return (
            tf.reduce_sum(r.values * tf.constant([1.0, 2.0, 3.0]))
            + tf.reduce_sum(q.values * tf.constant([1.0, 2.0, 3.0]))
            + tf.reduce_sum(c.values * tf.range(6, dtype=tf.float32))
        )

    def mul_loss(sp, w):
        m = sp * tf.constant([1.0, 2.0, 3.0])
        return tf.reduce_sum(m.values * m.values)

    def dense_add_loss(sp, w):
        return tf.reduce_sum(tf.sparse.add(sp, w[:2, :] @ tf.ones([2, 3])) ** 2)

    return {
        "grad_matmul": grads(matmul_loss),
        "grad_matmul_adjoint_a": grads(matmul_adj_a),
        "grad_matmul_adjoint_b": grads(matmul_adj_b),
        "grad_to_dense": grads(to_dense_loss),
        "grad_reduce_sum": grads(reduce_sum_loss),
        "grad_add": grads(add_loss),
        "grad_structural": grads(reshape_transpose_loss),
        "grad_mul": grads(mul_loss),
        "grad_dense_add": grads(dense_add_loss),
    }


def sparse_pipeline_cases(tf):
    data = tf.sparse.SparseTensor(
        [(0, 0), (0, 1), (0, 2), (4, 3), (5, 0), (5, 1)], [1, 2, 3, 4, 5, 6], (6, 4)
    )

    def elements(ds):
        return [e for e in ds]

    def spec(ds):
        s = ds.element_spec
        return [type(s).__name__, list(s.shape), s.dtype.name]

    ds = tf.data.Dataset.from_tensor_slices(data)
    ones = tf.ones([10, 2], tf.int32)

    @tf.function
    def matmul(x, y):
        return tf.sparse.sparse_dense_matmul(x, y)

    @tf.function
    def doubled(x):
        return x * 2, tf.sparse.reduce_sum(x, axis=1)

    return {
        "data_slices": lambda: elements(ds),
        "data_slices_spec": lambda: spec(ds),
        "data_batch": lambda: elements(ds.batch(4)),
        "data_batch_spec": lambda: spec(ds.batch(4)),
        "data_unbatch": lambda: elements(ds.batch(4).unbatch()),
        "data_map": lambda: elements(ds.map(lambda x: x * 2)),
        "data_zip_batch": lambda: elements(
            tf.data.Dataset.from_tensor_slices((data, tf.range(6))).batch(3)
        ),
        "data_as_numpy": lambda: list(ds.take(2).as_numpy_iterator()),
        "function_matmul": lambda: [
            matmul(tf.SparseTensor([[0, 3], [2, 4]], [15, 25], [3, 10]), ones),
            matmul(tf.SparseTensor([[1, 3], [2, 9]], [1, 2], [3, 10]), ones),
        ],
        "function_sparse_result": lambda: doubled(data),
    }


def tensor_array_cases(tf):
    def basic():
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, clear_after_read=False)
        ta = ta.write(0, 10).write(1, 20).write(2, 30)
        return [ta.read(0), ta.read(1), ta.stack(), ta.size(), ta.gather([2, 0]), ta.concat()]

    def reads_clear():
        ta = tf.TensorArray(tf.float32, size=2)
        ta.write(0, [1.0, 2.0])
        return [ta.read(0), ta.read(1), ta.stack()]

    def read_twice():
        ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0)
        ta.read(0)
        return ta.read(0)

    def unstack_scatter_split():
        a = tf.TensorArray(tf.float32, size=3).unstack(tf.reshape(tf.range(6.0), [3, 2]))
        b = tf.TensorArray(tf.float32, size=4).scatter([3, 0], [[1.0], [2.0]])
        c = tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 2])
        return [a.read(1), a.size(), b.gather([0, 3]), b.stack(), c.read(1)]

    @tf.function
    def squares(x):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in tf.range(tf.shape(x)[0]):
            ta = ta.write(i, x[i] * x[i])
        return ta.stack()

    @tf.function
    def cube_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            ta = tf.TensorArray(tf.float32, size=3)
            for i in tf.range(3):
                ta = ta.write(i, x[i] ** 3)
            y = tf.reduce_sum(ta.stack())
        return tape.gradient(y, x)

    def eager_grad():
        x = tf.Variable([1.0, 2.0, 3.0])
        with tf.GradientTape(persistent=True) as tape:
            ta = tf.TensorArray(tf.float32, size=3)
            for i in range(3):
                ta = ta.write(i, x[i] ** 2)
            y = tf.reduce_sum(ta.stack() * tf.constant([1.0, 10.0, 100.0]))
            tb = tf.TensorArray(tf.float32, size=3).unstack(x * 2.0)
            z = tb.read(0) + 3.0 * tb.read(2)
        return [tape.gradient(y, x), tape.gradient(z, x)]

    return {
        "ta_basic": basic,
        "ta_reads_clear": reads_clear,
        "ta_read_twice": read_twice,
        "ta_write_past_end": lambda: tf.TensorArray(tf.float32, size=2).write(2, 1.0),
        "ta_write_wrong_dtype": lambda: tf.TensorArray(tf.float32, size=2).write(
            0, tf.constant(1, tf.int32)
        ),
        "ta_write_wrong_shape": lambda: (
            tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2.0]).write(1, [3.0])
        ),
        "ta_unknown_shape_stack": lambda: tf.TensorArray(tf.float32, size=3).stack(),
        "ta_element_shape_stack": lambda: tf.TensorArray(
            tf.float32, size=3, element_shape=[2]
        ).stack(),
        "ta_empty_stack": lambda: tf.TensorArray(tf.float32, size=0, element_shape=[3]).stack(),
        "ta_negative_read": lambda: tf.TensorArray(tf.float32, size=3).read(-1),
        "ta_unstack_too_many": lambda: tf.TensorArray(tf.float32, size=2).unstack(tf.zeros([3])),
        "ta_split_bad": lambda: tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 1]),
        "ta_no_size": lambda: tf.TensorArray(tf.float32),
        "ta_unstack_scatter_split": unstack_scatter_split,
        "ta_function": lambda: [
            squares(tf.constant([1.0, 2.0, 3.0])),
            squares(tf.constant([4.0, 5.0])),
        ],  # fmt: skip
        "ta_function_grad": lambda: [
            cube_grad(tf.constant([1.0, 2.0, 3.0])),
            cube_grad(tf.constant([2.0, 2.0, 2.0])),
        ],  # fmt: skip
        "ta_eager_grad": eager_grad,
    }


def py_function_cases(tf):
    def mul(x, y):
        return x * y

    def eager_grad():
        x = tf.Variable(3.0)
        with tf.GradientTape(persistent=True) as tape:
            y = tf.py_function(lambda a: a * a, [x], tf.float32)
            z = tf.numpy_function(lambda a: a * a, [x], tf.float32)
        return [tape.gradient(y, x), tape.gradient(z, x)]

    @tf.function
    def inner_grad(a):
        with tf.GradientTape() as tape:
            tape.watch(a)
            y = tf.py_function(lambda v: v**3, [a], tf.float32)
        return tape.gradient(y, a)

    @tf.function
    def squared(a):
        return tf.py_function(lambda v: v**2, [a], tf.float32)

    def outer_grad():
        v = tf.Variable(4.0)
        squared(v)
        with tf.GradientTape() as tape:
            y = squared(v)
        return tape.gradient(y, v)

    @tf.function
    def numpy_in_function(a):
        return tf.numpy_function(lambda v: v * 10, [a], tf.float32)

    @tf.py_function(Tout=tf.float32)
    def decorated(x):
        return x * 2.0

    return {
        "py_one": lambda: tf.py_function(mul, [2.0, 3.0], tf.float32),
        "py_list": lambda: tf.py_function(mul, [2.0, 3.0], [tf.float32]),
        "py_two": lambda: tf.py_function(lambda x: (x, x + 1), [2.0], [tf.float32, tf.float32]),
        "py_none_tout": lambda: tf.py_function(lambda x: None, [2.0], None),
        "py_empty_tout": lambda: tf.py_function(lambda x: None, [2.0], []),
        "py_python_result": lambda: tf.py_function(lambda x: 1, [2.0], tf.float32),
        "py_bad_result": lambda: tf.py_function(lambda x: 1.5, [2.0], tf.int32),
        "py_wrong_dtype": lambda: tf.py_function(lambda x: x, [2.0], tf.float64),
        "py_raises": lambda: tf.py_function(lambda x: 1 / 0, [1.0], tf.float32),
        "py_spec_tout": lambda: tf.py_function(lambda x: x, [2.0], tf.TensorSpec([], tf.float32)),
        "py_decorator": lambda: [decorated(tf.constant(3.0)), decorated(3.0)],
        "np_array": lambda: tf.numpy_function(lambda x: x * 2, [np.array([1.0, 2.0])], tf.float64),
        "np_keeps_dtype": lambda: tf.numpy_function(lambda x: x * 2, [np.float32(1.5)], "float32"),
        "np_type": lambda: tf.numpy_function(lambda x: type(x).__name__, [2.0], tf.string),
        "np_raises": lambda: tf.numpy_function(lambda x: 1 / 0, [1.0], tf.float32),
        "py_eager_grads": eager_grad,
        "py_function_grad": lambda: [inner_grad(tf.constant(2.0)), inner_grad(tf.constant(3.0))],
        "py_outer_tape_grad": outer_grad,
        "np_function": lambda: [
            numpy_in_function(tf.constant(2.0)),
            numpy_in_function(tf.constant(3.0)),
        ],  # fmt: skip
        "py_in_map": lambda: list(
            tf.data.Dataset.range(3)
            .map(lambda i: tf.py_function(lambda j: j * 10, [i], tf.int64))
            .as_numpy_iterator()
        ),
    }


def shape_and_control_cases(tf):
    v = tf.Variable(tf.ones([5, 8]))
    return {
        "reduce_prod_shape": lambda: tf.reduce_prod(v.shape),
        "convert_shape": lambda: tf.convert_to_tensor(v.shape),
        "convert_shape_int64": lambda: tf.convert_to_tensor(tf.TensorShape([2, 3]), tf.int64),
        "convert_shape_float": lambda: tf.convert_to_tensor(tf.TensorShape([2, 3]), tf.float32),
        "convert_partial_shape": lambda: tf.convert_to_tensor(tf.TensorShape([None, 3])),
        "convert_unknown_shape": lambda: tf.convert_to_tensor(tf.TensorShape(None)),
        "convert_empty_shape": lambda: tf.convert_to_tensor(tf.TensorShape([])),
        "convert_big_shape": lambda: tf.convert_to_tensor(tf.TensorShape([2**40, 3])),
        "zeros_of_shape": lambda: tf.zeros(tf.TensorShape([2, 3])),
        "ones_partial_shape": lambda: tf.ones(tf.TensorShape([2, None])),
        "reshape_to_shape": lambda: tf.reshape(tf.range(6), tf.TensorShape([2, 3])),
        "cast_shape": lambda: tf.cast(v.shape, tf.float32),
        "add_shape": lambda: tf.add(v.shape, 1),
        "ensure_shape_ok": lambda: tf.ensure_shape(tf.zeros([3, 2]), [None, 2]),
        "ensure_shape_bad": lambda: tf.ensure_shape(tf.zeros([3]), [2]),
        "ensure_shape_rank": lambda: tf.ensure_shape(tf.zeros([3, 2]), [3]),
        "identity_n": lambda: tf.identity_n([tf.constant(1.0), tf.constant([2, 3])]),
        "identity_n_scalar": lambda: tf.identity_n(tf.constant(1.0)),
        "no_op": lambda: tf.no_op(),
        "group": lambda: tf.group(tf.constant(1.0), tf.constant(2.0)),
    }


def device_cases(tf):
    def device_of(name):
        def run():
            with tf.device(name):
                x = tf.constant([1.0]) + 1
            return x.device

        return run

    names = ["/CPU:0", "/cpu:0", "CPU:0", "cpu", "/device:CPU:0", "/GPU:0", "/gpu:1",
             "/job:localhost/replica:0/task:0/device:CPU:0", "/TPU:0", "", "bad", "/XLA_CPU:0",
             "/job:worker/task:1"]  # fmt: skip
    out = {f"device_{name}": device_of(name) for name in names}
    out.update(
        {
            "physical_devices": lambda: [tuple(d) for d in tf.config.list_physical_devices()],
            "physical_cpu": lambda: [tuple(d) for d in tf.config.list_physical_devices("CPU")],
            "physical_gpu": lambda: tf.config.list_physical_devices("GPU"),
            "physical_lowercase": lambda: tf.config.list_physical_devices("cpu"),
            "logical_devices": lambda: [tuple(d) for d in tf.config.list_logical_devices()],
            "visible_devices": lambda: [tuple(d) for d in tf.config.get_visible_devices()],
            "device_details": lambda: tf.config.experimental.get_device_details(
                tf.config.list_physical_devices("CPU")[0]
            ),
            "memory_growth_cpu": lambda: tf.config.experimental.set_memory_growth(
                tf.config.list_physical_devices("CPU")[0], True
            ),
            "hide_gpus": lambda: tf.config.set_visible_devices([], "GPU"),
            "soft_placement": lambda: tf.config.get_soft_device_placement(),
            "variable_device": lambda: tf.Variable(1.0).device,
            "gpu_available": lambda: [tf.test.is_gpu_available(), tf.test.gpu_device_name()],
        }
    )
    return out


def keras_cases(tf):
    keras = tf.keras
    x = np.array([[-10.0, -5.0, -0.5, 0.0, 0.3, 5.0, 10.0]], np.float32)
    x2 = np.stack([x[0], x[0] * 0.5])
    mask = np.array([[1, 1, 0, 1, 1, 0, 1]], bool)
    x4 = np.arange(-12, 12, dtype=np.float32).reshape(1, 2, 3, 4)
    seqs = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10]]
    data = np.arange(20).reshape(10, 2).astype("float32")
    labels = np.arange(10)

    def prelu_grad():
        model = keras.Sequential([keras.Input((7,)), keras.layers.PReLU(),
                                  keras.layers.Dense(1, kernel_initializer="ones")])  # fmt: skip
        with tf.GradientTape() as tape:
            out = tf.reduce_sum(model(x))
        return tape.gradient(out, model.layers[0].alpha)

    def prelu_shared():
        layer = keras.layers.PReLU(alpha_initializer="ones", shared_axes=[1, 2])
        y = layer(x4)
        return [y, [list(w.shape) for w in layer.weights]]

    def listed(ds):
        return [
            [np.asarray(t).tolist() for t in e] if isinstance(e, tuple) else np.asarray(e).tolist()
            for e in ds
        ]

    return {
        "relu": lambda: keras.layers.ReLU()(x),
        "relu_max6": lambda: keras.layers.ReLU(max_value=6)(x),
        "relu_max_slope": lambda: keras.layers.ReLU(max_value=4.5, negative_slope=0.1)(x),
        "relu_threshold": lambda: keras.layers.ReLU(threshold=0.4)(x),
        "relu_all": lambda: keras.layers.ReLU(max_value=10, negative_slope=0.5, threshold=0.2)(x),
        "relu_negative_max": lambda: keras.layers.ReLU(max_value=-1),
        "relu_negative_slope": lambda: keras.layers.ReLU(negative_slope=-1),
        "relu_config": lambda: {
            k: v
            for k, v in keras.layers.ReLU(max_value=2.0).get_config().items()
            if k in ("max_value", "negative_slope", "threshold")
        },
        "leaky_relu": lambda: keras.layers.LeakyReLU()(x),
        "leaky_relu_slope": lambda: keras.layers.LeakyReLU(negative_slope=0.1)(x),
        "leaky_relu_bad": lambda: keras.layers.LeakyReLU(negative_slope=-0.1),
        "elu": lambda: keras.layers.ELU()(x),
        "elu_alpha": lambda: keras.layers.ELU(alpha=0.5)(x),
        "softmax": lambda: keras.layers.Softmax()(x),
        "softmax_axes": lambda: keras.layers.Softmax(axis=(0, 1))(x2),
        "softmax_mask": lambda: keras.layers.Softmax()(x, mask=mask),
        "softmax_float_mask": lambda: keras.layers.Softmax()(x, mask=mask.astype(np.float32)),
        "softmax_bad_mask": lambda: keras.layers.Softmax()(x, mask=np.ones((1, 3), bool)),
        "prelu": lambda: keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25))(
            x
        ),
        "prelu_shared": prelu_shared,
        "prelu_grad": prelu_grad,
        "pad": lambda: keras.utils.pad_sequences(seqs),
        "pad_post": lambda: keras.utils.pad_sequences(seqs, padding="post"),
        "pad_truncate_post": lambda: keras.utils.pad_sequences(seqs, maxlen=3, truncating="post"),
        "pad_value": lambda: keras.utils.pad_sequences(seqs, maxlen=3, value=-1),
        "pad_float": lambda: keras.utils.pad_sequences(
            [[1.5, 2.5], [3.5]], dtype="float32", value=0.5
        ),
        "pad_strings": lambda: keras.utils.pad_sequences(
            [["a", "b"], ["c"]], dtype=object, value="x"
        ),
        "pad_string_value_bad": lambda: keras.utils.pad_sequences([["a"], ["c"]], value="x"),
        "pad_bad_padding": lambda: keras.utils.pad_sequences(seqs, padding="mid"),
        "pad_bad_shape": lambda: keras.utils.pad_sequences([np.ones((2, 2)), np.ones((1, 3))]),
        "pad_not_iterable": lambda: keras.utils.pad_sequences([1, 2]),
        "split_array": lambda: [listed(d) for d in keras.utils.split_dataset(data, left_size=0.8)],
        "split_tuple_shuffled": lambda: [
            listed(d)
            for d in keras.utils.split_dataset((data, labels), left_size=0.5, shuffle=True, seed=7)
        ],
        "split_list_counts": lambda: [
            listed(d) for d in keras.utils.split_dataset([data, labels], left_size=4, right_size=3)
        ],
        "split_batched_dataset": lambda: [
            listed(d)
            for d in keras.utils.split_dataset(
                tf.data.Dataset.from_tensor_slices((data, labels)).batch(3), left_size=0.6
            )
        ],
        "split_no_sizes": lambda: keras.utils.split_dataset(data),
        "split_too_big": lambda: keras.utils.split_dataset(data, left_size=1.5),
        "split_sum_too_big": lambda: keras.utils.split_dataset(data, left_size=8, right_size=5),
        "split_bad_type": lambda: keras.utils.split_dataset(5, left_size=0.5),
    }


def cases(tf):
    out = {}
    for group in (sparse_cases, sparse_gradient_cases, sparse_pipeline_cases,
                  tensor_array_cases, py_function_cases, shape_and_control_cases,
                  device_cases, keras_cases):  # fmt: skip
        out.update(group(tf))
    return out
