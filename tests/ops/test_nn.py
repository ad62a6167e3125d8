"""Neural-network ops: forward against NumPy, TensorFlow's numbers, dtypes, errors, dropout.

Gradients of every registered op are checked by the generic test (test_gradcheck.py); here
the gradients are compared with TensorFlow's on the golden cases, extreme logits included.
"""

import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError
from tapeflow.core.indexed_slices import IndexedSlices

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "linalg_nn.json").read_text()
)["cases"]


def _needs_math(*names):
    return pytest.mark.skipif(
        not all(hasattr(tf.math, n) for n in names),
        reason=f"needs tf.math.{'/'.join(names)} (math family)",
    )


def _const(x, dtype=np.float32):
    return tf.constant(np.asarray(x, dtype))


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(x, axis=-1):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def _np_elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


_A, _S = 1.6732632423543772, 1.0507009873554805


def _labels(rng):
    p = rng.uniform(size=(3, 5))
    return p / p.sum(-1, keepdims=True)


def _int_labels(rng):
    return rng.integers(0, 5, size=(3,)).astype(np.int32)


# (name, tapeflow function, NumPy reference, input makers)
FORWARD = [
    ("relu", tf.nn.relu, lambda x: np.maximum(x, 0), [(3, 4)]),
    ("relu6", tf.nn.relu6, lambda x: np.clip(x, 0, 6), [lambda rng: 5 * rng.normal(size=9)]),
    ("leaky_relu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), [(3, 4)]),
    (
        "leaky_relu_alpha",
        lambda x: tf.nn.leaky_relu(x, alpha=0.01),
        lambda x: np.where(x > 0, x, 0.01 * x),
        [(3, 4)],
    ),
    ("elu", tf.nn.elu, _np_elu, [(3, 4)]),
    (
        "selu",
        tf.nn.selu,
        lambda x: _S * np.where(x > 0, x, _A * np.expm1(np.minimum(x, 0))),
        [(3, 4)],
    ),
    ("softmax", tf.nn.softmax, _np_softmax, [(3, 5)]),
    ("softmax_axis0", lambda x: tf.math.softmax(x, axis=0), lambda x: _np_softmax(x, 0), [(3, 5)]),
    ("log_softmax", tf.nn.log_softmax, _np_log_softmax, [(2, 3, 5)]),
    (
        "log_softmax_axis1",
        lambda x: tf.math.log_softmax(x, axis=1),
        lambda x: _np_log_softmax(x, 1),
        [(2, 3, 5)],
    ),
    (
        "softmax_xent",
        tf.nn.softmax_cross_entropy_with_logits,
        lambda y, x: -(y * _np_log_softmax(x)).sum(-1),
        [_labels, (3, 5)],
    ),
    (
        "softmax_xent_axis0",
        lambda y, x: tf.nn.softmax_cross_entropy_with_logits(y, x, axis=0),
        lambda y, x: -(y * _np_log_softmax(x, 0)).sum(0),
        [lambda rng: _labels(rng).T.copy(), (5, 3)],
    ),
    (
        "sparse_softmax_xent",
        tf.nn.sparse_softmax_cross_entropy_with_logits,
        lambda y, x: -_np_log_softmax(x)[np.arange(3), y],
        [_int_labels, (3, 5)],
    ),
    (
        "sigmoid_xent",
        lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
        lambda z, x: (
            -z * np.log(1 / (1 + np.exp(-x))) - (1 - z) * np.log(1 - 1 / (1 + np.exp(-x)))
        ),
        [lambda rng: rng.uniform(size=(3, 4)), (3, 4)],
    ),
    ("l2_loss", tf.nn.l2_loss, lambda x: (x**2).sum() / 2, [(3, 4)]),
    ("bias_add", tf.nn.bias_add, lambda v, b: v + b, [(2, 3, 4), (4,)]),
    (
        "bias_add_nchw",
        lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"),
        lambda v, b: v + b[:, None, None],
        [(2, 3, 4, 5), (3,)],
    ),
    (
        "moments_mean",
        lambda x: tf.nn.moments(x, axes=[0, 2])[0],
        lambda x: x.mean(axis=(0, 2)),
        [(4, 3, 2)],
    ),
    (
        "moments_variance",
        lambda x: tf.nn.moments(x, axes=[0, 2], keepdims=True)[1],
        lambda x: x.var(axis=(0, 2), keepdims=True),
        [(4, 3, 2)],
    ),
    (
        "compute_average_loss",
        lambda x: tf.nn.compute_average_loss(x, global_batch_size=8),
        lambda x: x.sum() / 8,
        [(4,)],
    ),
]


@pytest.mark.parametrize("name, fn, ref, makers", FORWARD, ids=[c[0] for c in FORWARD])
def test_forward_matches_numpy(name, fn, ref, makers, rng):
    args = [m(rng) if callable(m) else rng.standard_normal(m) for m in makers]
    out = fn(*[tf.constant(a) for a in args])
    expected = ref(*args)
    assert out.dtype == tf.float64
    assert tuple(out.shape) == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)


# ---- TensorFlow's numbers ----------------------------------------------------------------------


def _golden(name, fn, rtol=2e-6, atol=1e-6):
    case = GOLDEN[name]
    dtype = case["dtype"]
    xs = [tf.constant(np.asarray(x, dtype)) for x in case["inputs"]]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = fn(*xs)
    grads = tape.gradient(y, xs, output_gradients=tf.constant(np.asarray(case["weight"], dtype)))
    assert y.dtype.name == dtype
    np.testing.assert_allclose(y.numpy(), np.asarray(case["output"]), rtol=rtol, atol=atol)
    for g, expected in zip(grads, case["grads"], strict=True):
        assert not np.isnan(g.numpy()).any()
        np.testing.assert_allclose(g.numpy(), np.asarray(expected), rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    "name, fn",
    [
        ("elu", tf.nn.elu),
        ("selu", tf.nn.selu),
        ("selu_f64", tf.nn.selu),
        ("relu6", tf.nn.relu6),
        ("leaky_relu", tf.nn.leaky_relu),
        ("softmax_large", tf.nn.softmax),
        ("softmax_axis0", lambda x: tf.nn.softmax(x, axis=0)),
        ("log_softmax_large", tf.nn.log_softmax),
        ("softmax_xent", tf.nn.softmax_cross_entropy_with_logits),
        ("softmax_xent_axis0", lambda y, x: tf.nn.softmax_cross_entropy_with_logits(y, x, axis=0)),
        ("sigmoid_xent", lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)),
        ("l2_loss", tf.nn.l2_loss),
        ("bias_add_nchw", lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW")),
    ],
)
def test_matches_tensorflow(name, fn):
    _golden(name, fn)


@_needs_math("erfc", "tanh", "pow")
@pytest.mark.parametrize(
    "name, fn",
    [
        ("gelu_exact", tf.nn.gelu),
        ("gelu_exact_f64", tf.nn.gelu),
        ("gelu_approximate", lambda x: tf.nn.gelu(x, approximate=True)),
    ],
)
def test_gelu_matches_tensorflow(name, fn):
    _golden(name, fn)


@_needs_math("sigmoid")
def test_silu_matches_tensorflow():
    _golden("silu", tf.nn.silu)
    assert tf.nn.swish is tf.nn.silu


@_needs_math("rsqrt")
def test_batch_normalization_matches_tensorflow():
    _golden(
        "batch_normalization",
        lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
        rtol=1e-5,
    )


def test_sparse_softmax_xent_matches_tensorflow_at_extreme_logits():
    case = GOLDEN["sparse_softmax_xent"]
    logits = _const(case["logits"])
    with tf.GradientTape() as tape:
        tape.watch(logits)
        y = tf.nn.sparse_softmax_cross_entropy_with_logits(
            _const(case["labels"], np.int32), logits
        )
    (g,) = tape.gradient(y, [logits], output_gradients=_const(case["weight"]))
    np.testing.assert_allclose(y.numpy(), case["output"], rtol=1e-6)
    np.testing.assert_allclose(g.numpy(), case["grad"], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["moments_0", "moments_01", "moments_all"])
def test_moments_match_tensorflow(name):
    case = GOLDEN[name]
    x = _const(case["x"])
    with tf.GradientTape() as tape:
        tape.watch(x)
        mean, variance = tf.nn.moments(x, axes=case["axes"], keepdims=case["keepdims"])
    (g,) = tape.gradient(variance, [x], output_gradients=_const(case["weight"]))
    np.testing.assert_allclose(mean.numpy(), case["mean"], rtol=1e-6)
    np.testing.assert_allclose(variance.numpy(), case["variance"], rtol=1e-5)
    np.testing.assert_allclose(g.numpy(), case["grad_variance"], rtol=1e-5, atol=1e-6)


# ---- dtypes, shapes and errors -----------------------------------------------------------------


def test_activation_dtypes_as_tensorflow():
    ints = tf.constant([-1, 2, 7])
    assert tf.nn.relu(ints).numpy().tolist() == [0, 2, 7] and tf.nn.relu(ints).dtype == tf.int32
    assert tf.nn.relu6(ints).numpy().tolist() == [0, 2, 6]
    leaky = tf.nn.leaky_relu(ints)
    assert leaky.dtype == tf.float32
    np.testing.assert_allclose(leaky.numpy(), [-0.2, 2.0, 7.0])
    for fn in (tf.nn.elu, tf.nn.selu, tf.nn.softmax, tf.nn.log_softmax, tf.nn.l2_loss):
        with pytest.raises(InvalidArgumentError, match="must be a floating-point tensor"):
            fn(ints)
    assert tf.nn.elu(tf.constant([1.0])).dtype == tf.float32
    assert tf.nn.selu(_const([1.0], np.float64)).dtype == tf.float64


def test_leaky_relu_with_alpha_above_one_as_tensorflow():
    out = tf.nn.leaky_relu(_const([-1.0, 2.0]), alpha=2.0)
    assert out.numpy().tolist() == [-2.0, 2.0]


def test_softmax_errors():
    with pytest.raises(InvalidArgumentError, match="logits must have rank >= 1"):
        tf.nn.softmax(tf.constant(2.0))
    with pytest.raises(InvalidArgumentError, match=r"`dim` must be in the range \[-2, 2\)"):
        tf.nn.softmax(_const(np.ones((2, 2))), axis=2)
    np.testing.assert_allclose(
        tf.nn.softmax([1.0, 2.0]).numpy(), [0.26894143, 0.73105854], rtol=1e-6
    )


def test_softmax_of_huge_logits_has_no_nan():
    x = _const([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    assert not np.isnan(tf.nn.softmax(x).numpy()).any()
    np.testing.assert_allclose(tf.nn.log_softmax(x).numpy()[1], [-2000.0, -1000.0, 0.0])


def test_cross_entropy_shape_errors():
    with pytest.raises(InvalidArgumentError, match="logits and labels must be broadcastable"):
        tf.nn.softmax_cross_entropy_with_logits(_const(np.zeros((2, 3))), _const(np.zeros((2, 4))))
    with pytest.raises(ValueError, match="`logits` and `labels` must have the same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(
            labels=_const(np.zeros((2, 3))), logits=_const(np.zeros(3))
        )
    with pytest.raises(ValueError, match="Both `labels` and `logits` must be provided"):
        tf.nn.sigmoid_cross_entropy_with_logits(logits=_const([1.0]))
    with pytest.raises(ValueError, match="must equal `logits.shape.rank - 1`"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            tf.constant([[1, 0]]), _const(np.zeros((2, 3)))
        )
    with pytest.raises(ValueError, match="except for the last dimension"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            tf.constant([1, 0, 1]), _const(np.zeros((2, 3)))
        )
    with pytest.raises(InvalidArgumentError, match="labels must be int32 or int64"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            _const([1.0, 0.0]), _const(np.zeros((2, 3)))
        )


def test_sparse_labels_out_of_range_are_reported_as_tensorflow_does():
    with pytest.raises(
        InvalidArgumentError,
        match=r"Received a label value of 5 which is outside the valid range "
        r"of \[0, 3\)\. Label values: 1 5",
    ):
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            tf.constant([1, 5]), _const(np.zeros((2, 3)))
        )
    with pytest.raises(InvalidArgumentError, match="label value of -1"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            tf.constant([-1, 0]), _const(np.zeros((2, 3)))
        )


def test_softmax_xent_broadcasts_labels_and_takes_the_tensorflow_gradient():
    labels = _const([0.5, 0.2, 0.1])  # does not sum to 1: TF's gradient is softmax - labels
    logits = _const([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = tf.nn.softmax_cross_entropy_with_logits(labels, logits)
    assert loss.shape == (2,)
    (g,) = tape.gradient(loss, [logits])
    np.testing.assert_allclose(g.numpy()[0], [-0.40996942, 0.04472847, 0.5652409], rtol=1e-6)


def test_sparse_xent_has_a_second_derivative(rng):
    # TF refuses this (its fused kernel has no second derivative); the Hessian is
    # diag(p) - p p^T per row.
    logits = tf.constant(rng.standard_normal((2, 4)))
    labels = tf.constant([1, 3])
    with tf.GradientTape() as outer:
        outer.watch(logits)
        with tf.GradientTape() as inner:
            inner.watch(logits)
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        g = inner.gradient(loss, logits)
        gv = tf.reduce_sum(g * tf.constant(np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])))
    h = outer.gradient(gv, logits).numpy()
    p = _np_softmax(logits.numpy())
    expected = np.stack([p[0] * (np.eye(4)[0] - p[0, 0]), p[1] * (np.eye(4)[1] - p[1, 1])])
    np.testing.assert_allclose(h, expected, rtol=1e-10)


def test_bias_add_errors_as_tensorflow():
    with pytest.raises(InvalidArgumentError, match="must provide as many biases"):
        tf.nn.bias_add(_const(np.zeros((2, 4))), _const(np.zeros(3)))
    with pytest.raises(InvalidArgumentError, match="bias must be 1-D"):
        tf.nn.bias_add(_const(np.zeros((2, 4))), _const(np.zeros((1, 4))))
    with pytest.raises(InvalidArgumentError, match="input must be at least 2-D"):
        tf.nn.bias_add(_const(np.zeros(4)), _const(np.zeros(4)))
    with pytest.raises(ValueError, match="must be of the form `N...C` or `NC...`"):
        tf.nn.bias_add(_const(np.zeros((2, 3, 4))), _const(np.zeros(3)), data_format="XYZ")
    out = tf.nn.bias_add(_const(np.zeros((2, 3, 4))), _const([1.0, 2.0, 3.0]), data_format="NCW")
    assert out.numpy()[0, :, 0].tolist() == [1.0, 2.0, 3.0]


def test_bias_add_gradient_sums_over_all_but_the_channel_axis(rng):
    value = tf.constant(rng.standard_normal((2, 3, 4, 5)))
    bias = tf.constant(rng.standard_normal(3))
    w = rng.standard_normal((2, 3, 4, 5))
    with tf.GradientTape() as tape:
        tape.watch([value, bias])
        y = tf.reduce_sum(tf.nn.bias_add(value, bias, data_format="NCHW") * w)
    gv, gb = tape.gradient(y, [value, bias])
    np.testing.assert_allclose(gv.numpy(), w)
    np.testing.assert_allclose(gb.numpy(), w.sum(axis=(0, 2, 3)))


def test_moments_of_integers_truncate_as_tensorflow():
    mean, variance = tf.nn.moments(tf.constant([[1, 2], [3, 5]]), axes=[0])
    assert mean.dtype == tf.int32
    assert mean.numpy().tolist() == [2, 3] and variance.numpy().tolist() == [1, 2]
    mean, variance = tf.nn.moments(_const([[1.0, 2.0], [3.0, 5.0]]), axes=0)
    np.testing.assert_allclose(variance.numpy(), [1.0, 2.25])


def test_moments_variance_gradient_skips_the_mean(rng):
    x = tf.constant(rng.standard_normal((5, 3)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        _, variance = tf.nn.moments(x, axes=[0])
    (g,) = tape.gradient(variance, [x])
    xn = x.numpy()
    np.testing.assert_allclose(g.numpy(), 2 * (xn - xn.mean(0)) / 5, rtol=1e-10)


# ---- losses ------------------------------------------------------------------------------------


def test_compute_average_loss_as_tensorflow():
    assert float(tf.nn.compute_average_loss([1.0, 2.0, 3.0])) == 2.0
    assert float(tf.nn.compute_average_loss([1.0, 2.0, 3.0], global_batch_size=6)) == 1.0
    np.testing.assert_allclose(
        float(tf.nn.compute_average_loss([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 2.0])),
        2.3333333,
        rtol=1e-6,
    )
    assert float(tf.nn.compute_average_loss([1.0, 2.0, 3.0], sample_weight=2.0)) == 4.0
    assert (
        float(tf.nn.compute_average_loss([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 2.0]))
        == 8.5
    )
    assert float(tf.nn.compute_average_loss([1.0, 2.0], global_batch_size=0)) == 0.0
    with pytest.raises(ValueError, match="Expected a tensor with at least rank 1"):
        tf.nn.compute_average_loss(1.0)
    with pytest.raises(TypeError, match="global_batch_size must be an integer"):
        tf.nn.compute_average_loss([1.0], global_batch_size=6.0)
    assert float(tf.nn.scale_regularization_loss([1.0, 2.0])) == 3.0


# ---- dropout -----------------------------------------------------------------------------------


def test_dropout_scales_kept_values_and_zeroes_the_rest():
    x = _const(np.arange(1.0, 2001.0))
    y = tf.nn.dropout(x, rate=0.25, seed=3).numpy()
    kept = y != 0
    # as TF: x * float32(1 / (1 - rate)), so the kept values are exactly TF's
    np.testing.assert_array_equal(y[kept], x.numpy()[kept] * np.float32(1 / 0.75))
    assert 0.70 < kept.mean() < 0.80
    assert y.dtype == np.float32


def test_dropout_is_reproducible_under_the_global_and_op_seeds():
    x = _const(np.ones(50))
    tf.random.set_seed(7)
    first = [tf.nn.dropout(x, 0.5).numpy(), tf.nn.dropout(x, 0.5, seed=1).numpy()]
    tf.random.set_seed(7)
    second = [tf.nn.dropout(x, 0.5).numpy(), tf.nn.dropout(x, 0.5, seed=1).numpy()]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], tf.nn.dropout(x, 0.5).numpy())  # the stream moves on
    tf.random.set_seed(None)


def test_dropout_noise_shape_broadcasts_the_mask():
    y = tf.nn.dropout(_const(np.ones((6, 40))), 0.5, noise_shape=[6, 1], seed=2).numpy()
    assert all(len(set(row)) == 1 for row in y)
    y = tf.nn.dropout(_const(np.ones((6, 40))), 0.5, noise_shape=[None, 1], seed=2).numpy()
    assert all(len(set(row)) == 1 for row in y)
    with pytest.raises(InvalidArgumentError, match="noise_shape"):
        tf.nn.dropout(_const(np.ones((6, 4))), 0.5, noise_shape=[6, 3])


def test_dropout_gradient_is_the_scaled_mask():
    x = _const(np.ones(100))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, 0.2, seed=4)
    (g,) = tape.gradient(y, [x])
    np.testing.assert_array_equal(g.numpy(), y.numpy())  # x is ones: y is the scaled mask


def test_dropout_argument_errors_as_tensorflow():
    for rate in (1.0, -0.1):
        with pytest.raises(
            ValueError,
            match=r"`rate` must be a scalar tensor or a float in the "
            r"range \[0, 1\)",
        ):
            tf.nn.dropout(_const(np.ones(3)), rate)
    with pytest.raises(ValueError, match="must be a floating point tensor"):
        tf.nn.dropout(tf.constant([1, 2, 3]), 0.5)
    x = _const([1.0, 2.0])
    assert tf.nn.dropout(x, 0.0) is x


# ---- embeddings --------------------------------------------------------------------------------


def test_embedding_lookup_of_a_variable_gives_indexed_slices():
    table = tf.Variable(np.arange(12.0).reshape(4, 3).astype(np.float32))
    with tf.GradientTape() as tape:
        rows = tf.nn.embedding_lookup(table, tf.constant([[2, 0], [2, 3]]))
        loss = tf.reduce_sum(rows)
    assert rows.shape == (2, 2, 3)
    np.testing.assert_array_equal(rows.numpy()[0, 0], [6.0, 7.0, 8.0])
    g = tape.gradient(loss, table)
    assert isinstance(g, IndexedSlices)
    np.testing.assert_array_equal(tf.convert_to_tensor(g).numpy().sum(axis=1), [3, 0, 6, 3])


def test_embedding_lookup_of_div_sharded_params():
    shards = [_const([[1.0], [2.0]]), _const([[3.0], [4.0]]), _const([[5.0]])]
    out = tf.nn.embedding_lookup(shards, tf.constant([4, 0, 3]))
    assert out.numpy().ravel().tolist() == [5.0, 1.0, 4.0]
    with pytest.raises(InvalidArgumentError, match="not a 'div' partition"):
        tf.nn.embedding_lookup([_const([[1.0]]), _const([[2.0], [3.0]])], tf.constant([0]))
    with pytest.raises(InvalidArgumentError, match="GatherV2"):
        tf.nn.embedding_lookup(_const(np.ones((3, 2))), tf.constant([3]))
