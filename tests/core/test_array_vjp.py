"""Array vjps (the backward pass's route when nothing records it) give the vjps' values bit for
bit, and an unrecorded backward pass of a training step dispatches no op."""

import numpy as np
import pytest

import tapeflow as tf
import tapeflow.ops.operators as operators
from tapeflow.backend import to_numpy, xp
from tapeflow.core import registry
from tapeflow.core.registry import registered_ops
from tapeflow.core.tensor import wrap
from tapeflow.testing.gradcheck import sample_inputs

OPS = registered_ops()
CASES = [
    pytest.param(op, sample, dtype, id=f"{name}-{i}-{dtype}")
    for name, op in sorted(OPS.items())
    if op.array_vjp_fn is not None
    for i, sample in enumerate(op.samples)
    for dtype in ("float64", "float32")
]


def test_the_hot_ops_have_array_vjps():
    hot = ["Sub", "Mul", "Neg", "Square", "Sum", "Mean", "MatMul", "Relu", "Softmax"]
    hot += ["SigmoidCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits"]
    assert [n for n in hot if OPS[n].array_vjp_fn is None] == []


def _needs_variants(op, n):
    if not op.vjp_needs:
        return [None]
    return [(True,) * n] + [tuple(i == k for i in range(n)) for k in range(n)]


@pytest.mark.parametrize("op, sample, dtype", CASES)
def test_array_vjp_equals_the_vjp_bitwise(op, sample, dtype):
    rng = np.random.default_rng(0)
    arrays = [
        xp.asarray(a.astype(dtype) if a.dtype.kind == "f" else a)
        for a in sample_inputs(op, sample, rng)
    ]
    tensors = [wrap(a) for a in arrays]
    ans = op(*tensors, **sample.attrs)
    g = xp.asarray(rng.standard_normal(ans._value.shape).astype(ans._value.dtype))
    for needs in _needs_variants(op, len(arrays)):
        extra = {} if needs is None else {"needs": needs}
        expected = op.vjp_fn(wrap(g), ans, *tensors, **extra, **sample.attrs)
        got = op.array_vjp_fn(g, ans._value, *arrays, **extra, **sample.attrs)
        assert len(got) == len(expected)
        for e, a in zip(expected, got):
            assert (e is None) == (a is None)
            if e is not None:
                e = to_numpy(e._value)
                a = to_numpy(a)
                assert a.dtype == e.dtype and a.shape == e.shape
                assert np.array_equal(a, e, equal_nan=True), f"{op.name} needs={needs}"


@pytest.mark.parametrize("shape, axis", [((300, 300), None), ((300, 300), 1), ((2, 3), 0)])
@pytest.mark.parametrize("name", ["Mean", "Sum"])
def test_reduction_array_vjps_large_and_small(rng, name, shape, axis):
    # Above a size the array vjps broadcast a view, below it they fill an array: same values.
    op = OPS[name]
    x = xp.asarray(rng.standard_normal(shape).astype("float32"))
    ans = op(wrap(x), axis=axis, keepdims=False)
    g = xp.asarray(rng.standard_normal(ans._value.shape).astype("float32"))
    (expected,) = op.vjp_fn(wrap(g), ans, wrap(x), axis=axis, keepdims=False)
    (got,) = op.array_vjp_fn(g, ans._value, x, axis=axis, keepdims=False)
    assert got.shape == x.shape
    assert np.array_equal(to_numpy(got), to_numpy(expected._value))


def _count_dispatches(monkeypatch):
    calls = []
    real = registry.execute

    def spy(op, inputs, attrs):
        calls.append(op.name)
        return real(op, inputs, attrs)

    monkeypatch.setattr(registry, "execute", spy)
    monkeypatch.setattr(operators, "execute", spy)
    return calls


def _mlp_step(rng):
    x = tf.constant(rng.standard_normal((8, 5)).astype("float32"))
    labels = tf.constant(rng.integers(0, 3, 8).astype("int32"))
    w1 = tf.Variable(rng.standard_normal((5, 4)).astype("float32"))
    b1 = tf.Variable(rng.standard_normal(4).astype("float32"))
    w2 = tf.Variable(rng.standard_normal((4, 3)).astype("float32"))
    variables = [w1, b1, w2]

    def loss_fn():
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        logits = tf.matmul(h, w2)
        xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
        return tf.reduce_mean(xent) + tf.reduce_sum(tf.square(w2 - 1.0)) * 0.1

    return loss_fn, variables


def test_unrecorded_backward_dispatches_no_op(rng, monkeypatch):
    loss_fn, variables = _mlp_step(rng)
    with tf.GradientTape() as tape:
        loss = loss_fn()
    calls = _count_dispatches(monkeypatch)
    grads = tape.gradient(loss, variables)
    assert calls == []
    assert all(g is not None for g in grads)


def test_unrecorded_and_recorded_backward_agree_bitwise(rng):
    loss_fn, variables = _mlp_step(rng)
    with tf.GradientTape() as tape:
        loss = loss_fn()
    direct = tape.gradient(loss, variables)
    # The same pass recorded by an outer tape takes the op-by-op route.
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as tape:
            loss = loss_fn()
        recorded = tape.gradient(loss, variables)
    del outer
    for d, r in zip(direct, recorded):
        assert np.array_equal(d.numpy(), r.numpy())


def test_a_gradient_of_another_dtype_is_still_refused(rng):
    # A custom gradient returning float64 for a float32 input: Mul's vjp must not promote it.
    @tf.custom_gradient
    def widen(x):
        return tf.identity(x), lambda g: tf.cast(g, "float64")

    w = tf.Variable(rng.standard_normal(3).astype("float32"))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(widen(w * w))
    with pytest.raises(tf.errors.InvalidArgumentError, match="same dtype"):
        tape.gradient(y, w)


def test_accumulated_and_broadcast_gradients_match_the_op_route(rng):
    # A value read three times (AddN of contributions) and a bias broadcast over rows.
    x = tf.constant(rng.standard_normal((4, 3)))
    b = tf.Variable(rng.standard_normal(3))
    c = tf.Variable(rng.standard_normal((4, 1)))

    def loss_fn():
        y = x * b + c
        return tf.reduce_sum(y * y + y - y * 3.0)

    with tf.GradientTape() as tape:
        loss = loss_fn()
    direct = tape.gradient(loss, [b, c])
    with tf.GradientTape(persistent=True):
        with tf.GradientTape() as tape:
            loss = loss_fn()
        recorded = tape.gradient(loss, [b, c])
    for d, r in zip(direct, recorded):
        assert d.shape == r.shape
        assert np.array_equal(d.numpy(), r.numpy())
