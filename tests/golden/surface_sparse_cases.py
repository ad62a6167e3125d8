"""The sparse-tensor cases of surface_cases.py (construction, ops, gradients, tf.data
pipelines), compared with TensorFlow 2.21 through tests/golden/surface.json."""


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
