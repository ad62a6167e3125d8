"""Whole training steps: tf.function gives eager's losses and weights bit for bit."""

import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.backend import xp
from tapeflow.function import function, host_call


def _run(step, make_state, batches, steps=4):
    """Losses and final weights of `steps` steps from a fresh state, eager vs traced."""
    results = []
    for traced in (False, True):
        variables = make_state()
        fn = function(step(variables)) if traced else step(variables)
        losses = [np.asarray(fn(*batches[i % len(batches)])).tobytes() for i in range(steps)]
        results.append((losses, [v.numpy().tobytes() for v in variables]))
        if traced:  # every call after the first ran a plan, none fell back to eager
            assert fn.experimental_get_tracing_count() == 1
            assert all(e.eager is None and e.traces for e in fn._cache.values())
    return results


def _check(step, make_state, batches, steps=4):
    (eager_losses, eager_w), (fn_losses, fn_w) = _run(step, make_state, batches, steps)
    assert fn_losses == eager_losses
    assert fn_w == eager_w


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_linear_regression_with_assign_sub(rng):
    x = rng.normal(size=(1000,)).astype(np.float32)
    batches = [
        (tf.constant(x), tf.constant(3.0 * x + 2.0 + rng.normal(size=1000).astype(np.float32)))
    ]

    def make_state():
        return [tf.Variable(5.0), tf.Variable(0.0)]

    def step(variables):
        w, b = variables

        def train(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - (w * x + b)))
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.1 * dw)
            b.assign_sub(0.1 * db)
            return loss

        return train

    _check(step, make_state, batches, steps=6)


def _mlp_state(rng, sizes):
    def make_state():
        r = np.random.default_rng(0)
        out = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            out.append(tf.Variable((r.normal(size=(n_in, n_out)) * 0.3).astype(np.float32)))
            out.append(tf.Variable(np.zeros(n_out, np.float32)))
        return out

    return make_state


def test_mlp_binary_cross_entropy_sgd(rng):
    batches = [
        (
            tf.constant(rng.normal(size=(32, 11)).astype(np.float32)),
            tf.constant((rng.uniform(size=(32, 1)) > 0.5).astype(np.float32)),
        )
        for _ in range(3)
    ]

    def step(params):
        def train(x, y):
            with tf.GradientTape() as tape:
                h = x
                for i in range(0, len(params) - 2, 2):
                    h = tf.nn.relu(tf.matmul(h, params[i]) + params[i + 1])
                logits = tf.matmul(h, params[-2]) + params[-1]
                loss = tf.reduce_mean(
                    tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)
                )
            grads = tape.gradient(loss, params)
            for p, g in zip(params, grads):
                p.assign_sub(0.1 * g)
            return loss

        return train

    _check(step, _mlp_state(rng, [11, 64, 64, 1]), batches)


def test_softmax_classifier_with_momentum_slots(rng):
    batches = [
        (
            tf.constant(rng.normal(size=(16, 20)).astype(np.float32)),
            tf.constant(np.eye(5, dtype=np.float32)[rng.integers(0, 5, size=16)]),
        )
        for _ in range(2)
    ]

    def make_state():
        return _mlp_state(rng, [20, 32, 5])() + [
            tf.Variable(np.zeros(s, np.float32)) for s in ((20, 32), (32,), (32, 5), (5,))
        ]

    def step(variables):
        params, slots = variables[:4], variables[4:]

        def train(x, y):
            with tf.GradientTape() as tape:
                h = tf.tanh(tf.matmul(x, params[0]) + params[1])
                logits = tf.matmul(h, params[2]) + params[3]
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, logits))
            for p, m, g in zip(params, slots, tape.gradient(loss, params)):
                m.assign(0.9 * m + g)
                p.assign_sub(0.05 * m)
            return loss

        return train

    _check(step, make_state, batches, steps=5)


def test_small_cnn(rng):
    batches = [
        (
            tf.constant(rng.normal(size=(4, 8, 8, 1)).astype(np.float32)),
            tf.constant(np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=4)]),
        )
    ]

    def make_state():
        r = np.random.default_rng(1)
        return [
            tf.Variable((r.normal(size=(3, 3, 1, 4)) * 0.3).astype(np.float32)),
            tf.Variable((r.normal(size=(144, 3)) * 0.1).astype(np.float32)),
        ]

    def step(params):
        k, w = params

        def train(x, y):
            with tf.GradientTape() as tape:
                h = tf.nn.relu(tf.nn.conv2d(x, k, strides=1, padding="VALID"))
                logits = tf.matmul(tf.reshape(h, [4, -1]), w)
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, logits))
            for p, g in zip(params, tape.gradient(loss, params)):
                p.assign_sub(0.1 * g)
            return loss

        return train

    _check(step, make_state, batches, steps=3)


class _NumpyMomentum:
    """An optimizer that updates arrays in place with NumPy (the backend's array module), as
    tapeflow's Keras ones do."""

    def __init__(self, variables, traced_through_host_call):
        self.variables = variables
        self.velocity = [xp.zeros_like(v._value) for v in variables]
        self.host = traced_through_host_call

    def _update(self, *grads):
        for v, m, g in zip(self.variables, self.velocity, grads):
            m *= 0.9
            m += g
            if not v._owns_array():
                v._value = v._value.copy()
            v._value -= 0.1 * m

    def apply(self, grads):
        if self.host:
            host_call(self._update, *grads, writes=self.variables)
        else:
            self._update(*[xp.asarray(g.numpy()) for g in grads])


@pytest.mark.parametrize("use_host_call", [True, False])
def test_in_place_numpy_updates_need_host_call(rng, use_host_call):
    x = tf.constant(rng.normal(size=(8, 3)).astype(np.float32))
    y = tf.constant(rng.normal(size=(8, 1)).astype(np.float32))

    def make(traced):
        w = tf.Variable(np.ones((3, 1), np.float32))
        opt = _NumpyMomentum([w], use_host_call)

        def train(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            opt.apply(tape.gradient(loss, [w]))
            return loss

        return w, (function(train) if traced else train)

    w_e, eager = make(False)
    w_f, traced = make(True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            assert np.asarray(traced(x, y)).tobytes() == np.asarray(eager(x, y)).tobytes()
    assert w_f.numpy().tobytes() == w_e.numpy().tobytes()
    fallback = [w for w in caught if "modified outside tapeflow's ops" in str(w.message)]
    # Without host_call the trace cannot replay the update: it says so and runs eagerly.
    assert bool(fallback) == (not use_host_call)


def _keras_step(opt_cls, traced, **kwargs):
    r = np.random.default_rng(1)
    params = [
        tf.Variable((r.normal(size=(11, 16)) * 0.3).astype(np.float32)),
        tf.Variable(np.zeros(16, np.float32)),
        tf.Variable((r.normal(size=(16, 1)) * 0.3).astype(np.float32)),
    ]
    opt = opt_cls(**kwargs)

    def step(x, y):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, params[0]) + params[1])
            loss = tf.reduce_mean(tf.square(tf.matmul(h, params[2]) - y))
        opt.apply_gradients(zip(tape.gradient(loss, params), params))
        return loss

    return params, (function(step) if traced else step)


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam"])
def test_keras_optimizers_give_eager_results(rng, name):
    x = tf.constant(rng.normal(size=(8, 11)).astype(np.float32))
    y = tf.constant(rng.normal(size=(8, 1)).astype(np.float32))
    cls = getattr(tf.keras.optimizers, name)
    p_e, eager = _keras_step(cls, False, learning_rate=0.01)
    p_f, traced = _keras_step(cls, True, learning_rate=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the eager fallback, until the next test passes
        losses = [
            (np.asarray(eager(x, y)).tobytes(), np.asarray(traced(x, y)).tobytes())
            for _ in range(4)
        ]
    assert all(a == b for a, b in losses)
    assert [p.numpy().tobytes() for p in p_e] == [p.numpy().tobytes() for p in p_f]


def test_keras_optimizer_step_is_compiled(rng):
    x = tf.constant(rng.normal(size=(8, 11)).astype(np.float32))
    y = tf.constant(rng.normal(size=(8, 1)).astype(np.float32))
    _, traced = _keras_step(tf.keras.optimizers.Adam, True, learning_rate=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an eager fallback warns
        for _ in range(3):
            traced(x, y)


def test_dropout_draws_a_new_mask_on_every_call():
    f = function(lambda x: tf.nn.dropout(x, 0.5))
    x = tf.ones([64])
    masks = {f(x).numpy().tobytes() for _ in range(3)}
    assert len(masks) == 3


def test_traced_updates_keep_a_variables_memory_layout():
    # A plan's update copies the array (its read is alive); the copy was C-ordered while the
    # eager in-place update kept the Orthogonal initializer's Fortran order, so the next
    # matmul took another BLAS path: 1 ulp apart from eager on a batch of one.
    v = tf.Variable(np.asfortranarray(np.arange(12, dtype=np.float32).reshape(4, 3)))
    assert v._value.flags.f_contiguous
    optimizer = tf.keras.optimizers.SGD(0.5)
    optimizer.build([v])

    @tf.function
    def step(g):
        optimizer.apply_gradients([(g, v)])
        return v + 0.0

    for _ in range(2):
        step(tf.ones((4, 3)))
    assert v._value.flags.f_contiguous
    np.testing.assert_array_equal(v.numpy(), np.arange(12).reshape(4, 3) - 1.0)


def test_traced_losses_read_their_labels_and_masks_on_every_call():
    # Hinge's 0/1 test, ignore_class and mask weights read the arrays in Python: a trace
    # kept the first call's labels (silently wrong losses on every later call).
    hinge = tf.keras.losses.Hinge()
    sparse = tf.keras.losses.SparseCategoricalCrossentropy(ignore_class=0)
    mse = tf.keras.losses.MeanSquaredError()

    def masked(y, p, mask):
        from tapeflow.keras.losses.base import _with_mask

        return mse(y, _with_mask(tf.identity(p), mask))  # a masked prediction, as Keras

    cases = [
        (
            hinge,
            [[[0.0, 1.0], [1.0, 0.0]], [[-1.0, 1.0], [1.0, -1.0]], [[2.0, 1.0], [1.0, 0.0]]],
            tf.constant([[0.3, -0.8], [0.5, 0.1]]),
        ),
        (sparse, [[0, 1], [1, 2], [2, 0]], tf.constant([[0.2, 0.3, 0.5], [0.1, 0.8, 0.1]])),
    ]
    for loss, labels, pred in cases:
        traced = tf.function(lambda y, p, loss=loss: loss(y, p))
        for y in labels:
            y = tf.constant(y)
            assert float(traced(y, pred)) == float(loss(y, pred))
    traced = tf.function(masked)
    y, p = tf.constant([[1.0], [2.0], [3.0]]), tf.constant([[0.0], [0.0], [0.0]])
    for mask in ([True, True, False], [False, True, True], [False, False, False]):
        mask = tf.constant(mask)
        assert float(traced(y, p, mask)) == float(masked(y, p, mask))
