"""tf.vectorized_map against a Python loop over the examples: every batching rule, tapes
inside the mapped function (per-example gradients), fallbacks, tf.function, gradients."""

import warnings

import numpy as np
import pytest

import tapeflow as tf


def _loop(fn, elems):
    flat = tf.nest.flatten(elems)
    n = flat[0].shape[0]
    # e[i : i + 1] reshaped, not e[i]: an array of the backend's type even for rank 0.
    outs = [
        fn(tf.nest.pack_sequence_as(elems, [tf.squeeze(e[i : i + 1], 0) for e in flat]))
        for i in range(n)
    ]
    return tf.nest.map_structure(lambda *xs: np.stack([_host(x) for x in xs]), *outs)


def _host(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def _check(fn, elems, rtol=1e-5, atol=1e-6):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a rule that is missing would warn: fail instead
        got = tf.vectorized_map(fn, elems)
    want = _loop(fn, elems)
    for g, w in zip(tf.nest.flatten(got), tf.nest.flatten(want)):
        np.testing.assert_allclose(np.asarray(g), w, rtol=rtol, atol=atol)


def _t(rng, *shape, dtype="float32"):
    return tf.constant(rng.standard_normal(shape).astype(dtype))


W = np.random.default_rng(99).standard_normal((4, 3)).astype("float32")

CASES = {
    "broadcasting": lambda x: x * tf.constant([1.0, 2.0, 3.0, 4.0]) + tf.reduce_sum(x),
    "rank_lift": lambda x: tf.reshape(x, (2, 2)) - x[:2],
    "sum_all": lambda x: tf.reduce_sum(x * x),
    "mean_axis": lambda x: tf.reduce_mean(tf.reshape(x, (2, 2)), axis=0),
    "max_neg_axis_keepdims": lambda x: tf.reduce_max(tf.reshape(x, (2, 2)), -1, keepdims=True),
    "argmax": lambda x: tf.argmax(tf.reshape(x, (2, 2)), axis=1),
    "cumsum": lambda x: tf.cumsum(tf.reshape(x, (2, 2)), axis=1, reverse=True),
    "softmax": lambda x: tf.nn.softmax(tf.reshape(x, (2, 2))),
    "log_softmax_axis0": lambda x: tf.nn.log_softmax(tf.reshape(x, (2, 2)), axis=0),
    "matmul_batched_a": lambda x: tf.matmul(tf.reshape(x, (1, 4)), tf.constant(W)),
    "matmul_transpose_a": lambda x: tf.matmul(tf.reshape(x, (4, 1)), tf.constant(W), True),
    "matmul_batched_b": lambda x: tf.matmul(tf.constant(W.T), tf.reshape(x, (4, 1))),
    "matmul_both": lambda x: tf.matmul(tf.reshape(x, (2, 2)), tf.reshape(x, (2, 2)), True),
    "outer_product": lambda x: tf.matmul(tf.reshape(x, (1, 4)), tf.reshape(x * 2, (1, 4)), True),
    "einsum": lambda x: tf.einsum("i,ij->j", x, tf.constant(W)),
    "transpose": lambda x: tf.transpose(tf.reshape(x, (2, 2))),
    "expand_squeeze": lambda x: tf.squeeze(tf.expand_dims(x, 0), 0) * 3.0,
    "stack_concat": lambda x: tf.concat([tf.stack([x, x * 2], axis=1), x[:, None]], axis=-1),
    "unstack_split": lambda x: (
        tf.add_n(tf.unstack(tf.reshape(x, (2, 2)), axis=1)) + tf.split(x, 2)[1]
    ),
    "strided_slice": lambda x: x[::2] + x[1::2],
    "tile_pad": lambda x: tf.pad(tf.tile(x, [2]), [[1, 2]]),
    "broadcast_to": lambda x: tf.broadcast_to(x[:1], (3, 4)),
    "reverse": lambda x: tf.reverse(x, [0]),
    "where_select": lambda x: tf.where(x > 0, x, -x * 0.5),
    "cast_round": lambda x: tf.cast(tf.cast(x * 3.0, tf.int32), tf.float32),
    "one_hot": lambda x: tf.one_hot(tf.argmax(x), 4) * x,
    "top_k": lambda x: tf.math.top_k(x, 2).values,
    "gather_batched_params": lambda x: tf.gather(x, [3, 0, 0]),
    "gather_batched_indices": lambda x: tf.gather(
        tf.constant(W), tf.cast(tf.abs(x[:2]) * 1.5, tf.int32) % 4
    ),
    "gather_axis1": lambda x: tf.gather(tf.reshape(x, (2, 2)), [1, 1, 0], axis=1),
    "gather_indices_axis1": lambda x: tf.gather(
        tf.constant(W), tf.cast(tf.abs(x[:2]) * 1.5, tf.int32) % 3, axis=1
    ),
    "gather_nd": lambda x: tf.gather_nd(tf.reshape(x, (2, 2)), [[1, 0], [0, 1]]),
    "segment_sum": lambda x: tf.math.unsorted_segment_sum(x, [0, 2, 0, 1], 3),
    "scatter_nd": lambda x: tf.scatter_nd([[3], [1]], x[:2], [5]),
    "l2_loss": lambda x: tf.nn.l2_loss(x),
    "sparse_ce": lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
        tf.constant([1, 0]), tf.reshape(x, (2, 2))
    ),
    "softmax_ce": lambda x: tf.nn.softmax_cross_entropy_with_logits(
        tf.constant([0.3, 0.7]), tf.reshape(x, (2, 2))
    ),
    "matrix_ops": lambda x: tf.linalg.inv(
        tf.reshape(x, (2, 2)) + tf.constant([[3.0, 0.0], [0.0, 3.0]])
    ),
    "solve_unbatched_matrix": lambda x: tf.linalg.solve(
        tf.constant([[2.0, 1.0], [1.0, 3.0]]), tf.reshape(x, (2, 2))
    ),
    "shape_op": lambda x: tf.cast(tf.shape(tf.reshape(x, (2, 2))), tf.float32) * x[:2],
    "loop_invariant_output": lambda x: tf.constant([1.0, 2.0]),
    # Ops main's tf.image brought (resize, patches, colour): the batch folds into N.
    "image_resize_and_patches": lambda x: (
        tf.reduce_sum(
            tf.image.extract_patches(
                tf.image.resize(tf.reshape(x, (1, 2, 2, 1)), (3, 3), "bicubic"),
                [1, 2, 2, 1],
                [1, 1, 1, 1],
                [1, 1, 1, 1],
                "VALID",
            )
        )
        + tf.reduce_sum(tf.image.resize(tf.reshape(x, (2, 2, 1)), (3, 5), "area"))
    ),
    "image_colour": lambda x: tf.image.rgb_to_hsv(
        tf.image.adjust_saturation(tf.reshape(tf.sigmoid(x[:3]), (1, 1, 3)), 1.5)
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_matches_the_loop(name, rng):
    _check(CASES[name], _t(rng, 6, 4))


def test_conv_and_pooling_and_their_gradients(rng):
    f = tf.constant(rng.standard_normal((3, 3, 2, 4)).astype("f4"))

    def fn(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            tape.watch(f)
            y = tf.nn.conv2d(x[None], f, strides=1, padding="SAME")
            y = tf.nn.max_pool2d(tf.nn.relu(y), 2, 2, "VALID")
            y = tf.nn.avg_pool2d(y, 2, 1, "SAME")
            loss = tf.reduce_sum(y * y)
        gx, gf = tape.gradient(loss, [x, f])
        return loss, gx, gf

    _check(fn, _t(rng, 3, 6, 6, 2), rtol=1e-4, atol=1e-5)


def test_depthwise_conv(rng):
    f = tf.constant(rng.standard_normal((3, 3, 2, 2)).astype("f4"))

    def fn(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.depthwise_conv2d(x[None], f, [1, 1, 1, 1], "VALID")
            loss = tf.reduce_sum(tf.sin(y))
        return tape.gradient(loss, x)

    _check(fn, _t(rng, 3, 5, 5, 2), rtol=1e-4, atol=1e-5)


def _mlp(rng):
    model = tf.keras.Sequential(
        [
            tf.keras.Input((6,)),
            tf.keras.layers.Dense(5, activation="relu"),
            tf.keras.layers.Dense(3, activation="softmax"),
        ]
    )
    for v in model.trainable_variables:
        v.assign(rng.standard_normal(v.shape).astype("f4") * 0.5)
    return model


def test_per_example_gradients_of_a_keras_model(rng):
    model = _mlp(rng)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    x = _t(rng, 8, 6)
    y = tf.constant(rng.integers(0, 3, 8))

    def per_example(args):
        xi, yi = args
        with tf.GradientTape() as tape:
            loss = loss_fn(yi[None], model(xi[None]))
        return tape.gradient(loss, model.trainable_variables)

    _check(per_example, (x, y), rtol=1e-5, atol=1e-6)
    # and their mean is the batch gradient
    grads = tf.vectorized_map(per_example, (x, y))
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    batch = tape.gradient(loss, model.trainable_variables)
    for g, b in zip(grads, batch):
        np.testing.assert_allclose(tf.reduce_mean(g, 0).numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_per_example_gradients_of_a_cnn(rng):
    model = tf.keras.Sequential(
        [
            tf.keras.Input((6, 6, 1)),
            tf.keras.layers.Conv2D(3, 3, activation="relu"),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(2),
        ]
    )

    def per_example(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x[None]) ** 2)
        return tape.gradient(loss, model.trainable_variables)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the filter gradient runs once per example
        got = tf.vectorized_map(per_example, _t(rng, 4, 6, 6, 1))
    want = _loop(per_example, _t(np.random.default_rng(1234), 4, 6, 6, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-4, atol=1e-5)


def test_nested_elems_and_outputs(rng):
    elems = {"a": _t(rng, 5, 2), "b": (_t(rng, 5), _t(rng, 5, 3))}

    def fn(e):
        return {"sum": e["a"] * e["b"][0], "prod": (tf.reduce_prod(e["b"][1]),)}

    _check(fn, elems)


def test_python_control_flow_on_values_falls_back_to_a_loop(rng):
    def fn(x):
        if tf.reduce_sum(x) > 0:  # a different branch per example
            return x * 2.0
        return -x

    x = _t(rng, 6, 3)
    with pytest.warns(UserWarning, match="once per example"):
        got = tf.vectorized_map(fn, x)
    np.testing.assert_allclose(got.numpy(), _loop(fn, x))
    with pytest.raises(ValueError, match="fallback_to_while_loop=False"):
        tf.vectorized_map(fn, x, fallback_to_while_loop=False)


def test_an_op_without_a_rule_runs_once_per_example(rng):
    x = _t(rng, 4, 5)
    fn = lambda v: tf.sort(v)  # noqa: E731 - ArgSort + gather: ArgSort has a rule
    _check(fn, x)
    where = lambda v: tf.cast(tf.size(tf.where(v > 100.0)), tf.float32) + v  # noqa: E731
    with pytest.warns(UserWarning, match="Where has no batching rule"):
        got = tf.vectorized_map(where, x)
    np.testing.assert_allclose(got.numpy(), _loop(where, x))


def test_variable_writes_fall_back(rng):
    v = tf.Variable(0.0)

    def fn(x):
        v.assign_add(tf.reduce_sum(x))
        return x * 1.0

    with pytest.warns(UserWarning, match="writes variable"):
        tf.vectorized_map(fn, _t(rng, 3, 2))


def test_different_leading_dimensions_are_an_error(rng):
    with pytest.raises(ValueError, match="different leading dimensions"):
        tf.vectorized_map(lambda e: e[0], (_t(rng, 3, 2), _t(rng, 4, 2)))


def test_inside_tf_function_traced_once(rng):
    w = tf.Variable(rng.standard_normal((3,)).astype("f4"))

    @tf.function
    def f(x):
        return tf.vectorized_map(lambda xi: tf.reduce_sum(xi * w), x)

    x = _t(rng, 5, 3)
    for _ in range(3):
        np.testing.assert_allclose(f(x).numpy(), x.numpy() @ w.numpy(), rtol=1e-6)
    w.assign(w * 2.0)
    np.testing.assert_allclose(f(x).numpy(), x.numpy() @ w.numpy(), rtol=1e-6)
    assert f.experimental_get_tracing_count() == 1


def test_gradient_through_vectorized_map(rng):
    w = tf.Variable(rng.standard_normal((3,)).astype("f4"))
    x = _t(rng, 5, 3)
    with tf.GradientTape() as tape:
        y = tf.vectorized_map(lambda xi: tf.tanh(tf.reduce_sum(xi * w)), x)
        loss = tf.reduce_sum(y)
    g = tape.gradient(loss, w).numpy()
    t = np.tanh(x.numpy() @ w.numpy())
    np.testing.assert_allclose(g, ((1 - t**2)[:, None] * x.numpy()).sum(0), rtol=1e-5)


def test_random_draws_differ_per_example():
    out = tf.vectorized_map(lambda x: x + tf.random.uniform((3,)), tf.zeros((4, 3)))
    assert out.shape == (4, 3)
    assert len({tuple(r) for r in out.numpy().round(6)}) == 4


def test_dropout_draws_its_own_mask_per_example():
    # Dropout's RandomUniformLike: one draw per example, batched or not, no loop fallback.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = tf.vectorized_map(
            lambda x: tf.nn.dropout(tf.ones((64,)), rate=0.5) + x, tf.zeros((4, 64))
        )
        batched = tf.vectorized_map(lambda x: tf.nn.dropout(x, rate=0.5), tf.ones((4, 64)))
    for o in (out.numpy(), batched.numpy()):
        assert set(np.unique(o)) <= {0.0, 2.0}
        assert len({tuple(r) for r in o}) == 4


def test_random_uniform_like_rule_draws_what_a_loop_draws():
    from tapeflow.core.registry import get_op
    from tapeflow.ops.batching import RULES

    op = get_op("RandomUniformLike")
    x = tf.zeros((3, 2, 5))
    got = RULES[op.name](op, [x], [True], 3, dtype="float32", rng=np.random.default_rng(5))
    rng = np.random.default_rng(5)
    want = [op(x[i], dtype="float32", rng=rng).numpy() for i in range(3)]
    np.testing.assert_array_equal(got.numpy(), np.stack(want))


def test_empty_batch():
    out = tf.vectorized_map(lambda x: tf.reduce_sum(x, 0, keepdims=True), tf.zeros((0, 3)))
    assert out.shape == (0, 1)


def test_tape_jacobian_through_unbatchable_vjps_is_one_vectorised_pass(rng, monkeypatch):
    # Conv2D, MaxPool and GatherV2 have vjps that take no batch of upstream gradients; the
    # jacobian goes through their batching rules instead of one backward pass per row.
    from tapeflow.core import backward as backward_module

    x = tf.constant(rng.standard_normal((1, 6, 6, 2)))
    f = tf.constant(rng.standard_normal((3, 3, 2, 3)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, f])
        y = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, f, 1, "VALID")), 2, 2, "VALID")
        z = tf.gather(tf.reshape(y, [-1]), [0, 3, 5, 7])
    rows = [tape.gradient(z, [x, f], output_gradients=tf.one_hot(i, 4, dtype=tf.float64))
            for i in range(4)]  # fmt: skip
    passes = []
    original = backward_module.backward
    monkeypatch.setattr(
        backward_module, "backward", lambda *a, **k: passes.append(1) or original(*a, **k)
    )
    jac = tape.jacobian(z, [x, f])
    assert len(passes) == 1  # the recorded pass; the batched replay runs ops, not backward()
    for k in range(2):
        np.testing.assert_allclose(jac[k].numpy(), np.stack([r[k].numpy() for r in rows]))
