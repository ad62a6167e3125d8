"""tf.random: seeding semantics and output dtypes/shapes/errors against TensorFlow's (golden),
and the distributions' statistics on seeded samples (TF's exact bits cannot be matched)."""

import json
import os

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.registry import get_op
from tapeflow.ops import random as tf_random
from tapeflow.testing import gradcheck

GOLDEN = json.load(
    open(os.path.join(os.path.dirname(__file__), "..", "golden", "random_debug.json"))
)


@pytest.fixture(autouse=True)
def _no_global_seed():
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


def _scope():
    """The names the golden cases use (`tf` is tapeflow here)."""
    scope = {"tf": tf, "np": np}
    exec(GOLDEN["prelude"], scope)
    return scope


# ---- against TensorFlow ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOLDEN["random_semantics"]))
def test_seeding_semantics_match_tf(name):
    case = GOLDEN["random_semantics"][name]
    scope = _scope()
    exec(case["code"], scope)
    equal = np.array_equal(np.asarray(scope["a"]), np.asarray(scope["b"]))
    assert equal == case["equal"], case["code"]


@pytest.mark.parametrize("name", sorted(GOLDEN["random_outputs"]))
def test_output_dtype_and_shape_match_tf(name):
    case = GOLDEN["random_outputs"][name]
    t = eval(case["code"], _scope())
    assert isinstance(t, tf.Tensor)
    assert t.dtype.name == case["dtype"]
    assert t.shape.as_list() == case["shape"]
    assert t.numpy().dtype == np.dtype(case["dtype"])


@pytest.mark.parametrize("name", sorted(GOLDEN["random_errors"]))
def test_errors_match_tf(name):
    case = GOLDEN["random_errors"][name]
    assert case["raises"] is not None
    with pytest.raises(Exception) as info:
        eval(case["code"], _scope())
    assert type(info.value).__name__ == case["raises"], str(info.value)


# ---- distributions ---------------------------------------------------------------------------

N = 20000


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
@pytest.mark.parametrize(
    "sampler, mean, std",
    [
        (lambda d: tf.random.normal([N], dtype=d, seed=1), 0.0, 1.0),
        (lambda d: tf.random.normal([N], mean=2.0, stddev=3.0, dtype=d, seed=1), 2.0, 3.0),
        (lambda d: tf.random.uniform([N], dtype=d, seed=1), 0.5, (1 / 12) ** 0.5),
        (lambda d: tf.random.uniform([N], -2.0, 4.0, dtype=d, seed=1), 1.0, 6 * (1 / 12) ** 0.5),
        # a standard normal truncated at +-2 has standard deviation 0.8796
        (lambda d: tf.random.truncated_normal([N], dtype=d, seed=1), 0.0, 0.87962566),
        (
            lambda d: tf.random.truncated_normal([N], 1.0, 0.5, dtype=d, seed=1),
            1.0,
            0.5 * 0.87962566,
        ),
        (lambda d: tf.random.stateless_normal([N], seed=[3, 4], dtype=d), 0.0, 1.0),
        (lambda d: tf.random.stateless_uniform([N], seed=[3, 4], dtype=d), 0.5, (1 / 12) ** 0.5),
        (lambda d: tf.random.Generator.from_seed(2).normal([N], dtype=d), 0.0, 1.0),
    ],
)
def test_sample_statistics(sampler, mean, std, dtype):
    x = sampler(dtype)
    assert x.dtype == dtype and x.shape == (N,)
    v = x.numpy().astype(np.float64)
    # 5 standard errors of the mean / of the standard deviation
    assert abs(v.mean() - mean) < 5 * std / N**0.5
    assert abs(v.std() - std) < 5 * std / (2 * N) ** 0.5


def test_bounds_hold():
    u = tf.random.uniform([N], minval=-1.0, maxval=3.0, seed=2).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0
    h = tf.random.uniform([N], dtype=tf.float16, seed=2).numpy()
    assert h.min() >= 0 and h.max() < 1  # float16 rounding must not reach 1.0
    t = tf.random.truncated_normal([N], mean=5.0, stddev=2.0, seed=2).numpy()
    assert np.abs(t - 5.0).max() <= 4.0 + 1e-5
    assert np.abs(t - 5.0).max() > 3.5  # truncated, not squeezed


def test_uniform_int_covers_range_evenly():
    x = tf.random.uniform([N], minval=-3, maxval=4, dtype=tf.int64, seed=3).numpy()
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == list(range(-3, 4))
    assert np.abs(counts / N - 1 / 7).max() < 0.015


def test_full_int_range():
    x = tf.random.stateless_uniform(
        [N], seed=[1, 2], minval=None, maxval=None, dtype=tf.int32
    ).numpy()
    assert x.dtype == np.int32 and x.min() < -(2**30) and x.max() > 2**30


def test_categorical_frequencies_follow_softmax():
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]], np.float32) + 1e-30)
    logits[1, 1] = -np.inf
    s = tf.random.categorical(logits, 6000, seed=4).numpy()
    assert s.shape == (2, 6000) and s.dtype == np.int64
    freq0 = np.bincount(s[0], minlength=3) / 6000
    np.testing.assert_allclose(freq0, [0.1, 0.2, 0.7], atol=0.025)
    assert not np.any(s[1] == 1)  # probability 0
    assert abs(np.mean(s[1] == 0) - 0.5) < 0.03


def test_categorical_non_finite_logits_like_tf():
    # TF's kernel gives non-finite logits probability 0; a row with none finite samples
    # the out-of-range class num_classes (golden: TF returned [[2, 2, 2, 2]]).
    s = tf.random.categorical([[-np.inf, -np.inf], [np.nan, 1.0], [np.inf, 0.0]], 4, seed=1)
    assert s.numpy().tolist() == [[2] * 4, [1] * 4, [1] * 4]


def test_categorical_many_rows_stay_in_range():
    # Rows are searched together with offsets; large row indices must not leak across rows.
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5000, 3)).astype(np.float32)
    logits[:, 2] = -np.inf
    s = tf.random.categorical(logits, 7, seed=5).numpy()
    assert s.min() >= 0 and s.max() <= 1


def test_shuffle_permutes_first_axis():
    x = np.arange(40).reshape(20, 2)
    y = tf.random.shuffle(tf.constant(x), seed=6).numpy()
    assert not np.array_equal(x, y)
    assert sorted(map(tuple, y.tolist())) == sorted(map(tuple, x.tolist()))  # rows intact
    assert tf.random.shuffle([1.5]).numpy().tolist() == [1.5]


# ---- seeding details ---------------------------------------------------------------------------


def test_unseeded_calls_without_global_seed_differ():
    assert not np.array_equal(tf.random.normal([4]).numpy(), tf.random.normal([4]).numpy())


def test_next_rng_keeps_its_contract():
    # Other op families (dropout) draw from next_rng(seed): an op seed continues one stream,
    # set_seed restarts it.
    a = tf_random.next_rng(11).random(3)
    b = tf_random.next_rng(11).random(3)
    assert not np.array_equal(a, b)
    tf.random.set_seed(None)
    np.testing.assert_array_equal(tf_random.next_rng(11).random(3), a)


def test_unseeded_streams_are_not_kept():
    tf.random.set_seed(3)
    before = len(tf_random._streams)
    for _ in range(50):
        tf.random.uniform([2])
    assert len(tf_random._streams) == before


def test_stateless_seed_tensor_and_generator_seeds():
    seeds = tf.random.Generator.from_seed(9).make_seeds(2)
    a = tf.random.stateless_normal([3], seed=seeds[:, 0])
    b = tf.random.stateless_normal([3], seed=tf.constant(seeds.numpy()[:, 0]))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_generator_split_copy_and_global():
    g = tf.random.Generator.from_seed(1)
    h1, h2 = g.split(2)
    assert not np.array_equal(h1.normal([3]).numpy(), h2.normal([3]).numpy())
    copy = tf.random.Generator(copy_from=g)
    np.testing.assert_array_equal(copy.uniform([3]).numpy(), g.uniform([3]).numpy())
    assert tf.random.get_global_generator() is tf.random.get_global_generator()
    tf.random.set_global_generator(g)
    assert tf.random.get_global_generator() is g
    tf.random.set_global_generator(None)


# ---- gradients -------------------------------------------------------------------------------


def test_gradient_flows_to_tensor_mean_and_stddev_not_through_sample():
    mean, stddev = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        z = tf.random.normal([4], mean=mean, stddev=stddev, seed=7)
        total = tf.reduce_sum(z)
    g_mean, g_std = tape.gradient(total, [mean, stddev])
    assert float(g_mean) == 4.0
    np.testing.assert_allclose(float(g_std), np.sum((z.numpy() - 1.0) / 2.0), rtol=1e-6)


def test_gradient_flows_to_uniform_bounds():
    lo, hi = tf.Variable(-1.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        u = tf.random.uniform([5], minval=lo, maxval=hi, seed=8)
        total = tf.reduce_sum(u)
    g_lo, g_hi = tape.gradient(total, [lo, hi])
    r = (u.numpy() + 1.0) / 4.0
    np.testing.assert_allclose([float(g_lo), float(g_hi)], [np.sum(1 - r), np.sum(r)], rtol=1e-5)


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_shuffle_has_no_gradient():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.random.shuffle(x) * 2.0
    assert tape.gradient(y, x) is None  # TF: NotDifferentiable("RandomShuffle")


RANDOM_OPS = [
    "RandomStandardNormal", "RandomUniform", "RandomUniformInt", "RandomUniformFullInt",
    "TruncatedNormal", "RandomShuffle", "Multinomial", "StatelessRandomNormal",
    "StatelessRandomUniform", "StatelessRandomUniformInt", "StatelessRandomUniformFullInt",
    "StatelessTruncatedNormal",
]  # fmt: skip


@pytest.mark.parametrize("name", RANDOM_OPS)
def test_registered_non_differentiable_and_samples_run(name):
    op = get_op(name)
    assert op.differentiable is False
    for sample in op.samples:
        args = gradcheck.sample_inputs(op, sample, np.random.default_rng(0))
        out = op(*args, **sample.attrs)
        assert isinstance(out, tf.Tensor) and out.numpy().size > 0


def test_error_messages_name_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError, match="RandomUniformInt: Need minval"):
        tf.random.uniform([2], minval=5, maxval=5, dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Multinomial: .*matrix.*\[2\]"):
        tf.random.categorical([1.0, 2.0], 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="RandomStandardNormal: Dimension -1"):
        tf.random.normal([-1, 2])
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        tf.random.uniform([2], dtype=tf.int64)
