"""keras.ops beyond the golden values: inside tf.function, on KerasTensors (functional
models), gradients Keras cannot give, and keras.random's seeding and distributions."""

import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import keras
from tapeflow.keras import ops

GOLDEN = pathlib.Path(__file__).parent.parent / "golden"
sys.path.insert(0, str(GOLDEN))
import keras_ops_cases  # noqa: E402

VALUE_CASES = keras_ops_cases.value_cases(keras)
# Cases whose result is not a tensor structure (Python values) or that raise.
_NOT_TRACED = {"shape", "ndim", "dtype", "is_tensor", "convert_to_numpy", "squeeze_bad_axis",
               "meshgrid", "binary_crossentropy"}  # fmt: skip


@pytest.mark.parametrize("name", sorted(set(VALUE_CASES) - _NOT_TRACED))
def test_op_inside_tf_function_matches_eager(name):
    eager = keras_ops_cases.run(VALUE_CASES[name])
    traced = tf.function(VALUE_CASES[name])
    assert keras_ops_cases.run(traced) == eager
    assert keras_ops_cases.run(traced) == eager  # the second call runs the plan


def test_ops_train_inside_tf_function(rng):
    w = tf.Variable(rng.normal(size=(4, 3)).astype("float32"))
    x = rng.normal(size=(8, 4)).astype("float32")
    y = rng.integers(0, 3, size=(8,))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            logits = ops.matmul(x, w)
            loss = ops.mean(ops.sparse_categorical_crossentropy(y, logits, from_logits=True))
        grad = tape.gradient(loss, w)
        w.assign_sub(0.1 * grad)
        return loss

    losses = [float(step()) for _ in range(20)]
    assert losses[-1] < losses[0]
    probs = np.exp(x @ w.numpy())
    probs /= probs.sum(-1, keepdims=True)
    assert float(step()) == pytest.approx(-np.log(probs[np.arange(8), y]).mean(), rel=1e-5)


def test_ops_on_keras_tensors_become_graph_nodes(rng):
    inputs = keras.Input(shape=(4,))
    scaled = ops.multiply(inputs, 2.0)
    hidden = keras.layers.Dense(3)(scaled)
    outputs = ops.softmax(ops.add(hidden, ops.ones((3,))))
    model = keras.Model(inputs, outputs)
    assert tuple(outputs.shape) == (None, 3)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense"]
    x = rng.normal(size=(5, 4)).astype("float32")
    dense = model.layers[1]
    logits = (2 * x) @ dense.kernel.numpy() + dense.bias.numpy() + 1
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    history = model.fit(x, np.eye(3)[[0, 1, 2, 0, 1]], epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_op_node_with_the_tensor_second_and_by_keyword():
    inputs = keras.Input(shape=(3,))
    out = ops.subtract(1.0, inputs)
    out2 = ops.where(condition=ops.greater(inputs, 0), x1=inputs, x2=out)
    model = keras.Model(inputs, [out, out2])
    a, b = model(np.array([[1.0, -2.0, 0.5]], "float32"))
    np.testing.assert_allclose(a.numpy(), [[0.0, 3.0, 0.5]])
    np.testing.assert_allclose(b.numpy(), [[1.0, 3.0, 0.5]])


def test_slice_update_gradient_goes_to_both_inputs():
    x = tf.constant(np.arange(12.0, dtype="float32").reshape(3, 4))
    u = tf.constant(np.ones((2, 2), "float32"))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, u])
        y = ops.slice_update(x, (1, 1), u * 3.0)
        loss = ops.sum(y * np.arange(12.0, dtype="float32").reshape(3, 4))
    gx, gu = tape.gradient(loss, [x, u])
    mask = np.ones((3, 4), "float32")
    mask[1:3, 1:3] = 0
    np.testing.assert_array_equal(gx.numpy(), mask * np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(gu.numpy(), 3.0 * np.array([[5.0, 6.0], [9.0, 10.0]]))


def test_keras_promotion_differs_from_tf_on_purpose():
    i = ops.convert_to_tensor([1, 2], dtype="int32")
    f = ops.convert_to_tensor([0.5, 1.5], dtype="float16")
    assert ops.add(i, f).dtype == "float16"  # Keras promotes where tf.add raises
    assert ops.add(f, 1.0).dtype == "float16"  # a Python float is weak
    assert ops.add(i, 2.5).dtype == "float32"
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.add(i, f)


# ---- keras.random ---------------------------------------------------------------------------


def test_int_seed_is_stateless_and_generator_advances():
    a = keras.random.normal((5,), seed=3)
    np.testing.assert_array_equal(a.numpy(), keras.random.normal((5,), seed=3).numpy())
    gen = keras.random.SeedGenerator(3)
    first, second = keras.random.normal((5,), seed=gen), keras.random.normal((5,), seed=gen)
    assert not np.array_equal(first.numpy(), second.numpy())
    np.testing.assert_array_equal(gen.state.numpy(), [3, 2])
    again = keras.random.SeedGenerator(3)
    np.testing.assert_array_equal(keras.random.normal((5,), seed=again).numpy(), first.numpy())


def test_set_random_seed_makes_unseeded_draws_reproducible():
    keras.utils.set_random_seed(11)
    a = [keras.random.uniform((3,)).numpy() for _ in range(2)]
    keras.utils.set_random_seed(11)
    b = [keras.random.uniform((3,)).numpy() for _ in range(2)]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[0], a[1])


def test_seed_generator_is_saved_with_its_layer(tmp_path):
    class Noisy(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.seed_generator = keras.random.SeedGenerator(5)

        def call(self, x):
            return x + keras.random.normal(ops.shape(x), seed=self.seed_generator)

    layer = Noisy()
    layer(np.zeros((2,), "float32"))
    checkpoint = tf.train.Checkpoint(layer=layer)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    expected = layer(np.zeros((2,), "float32")).numpy()
    layer(np.zeros((2,), "float32"))
    checkpoint.restore(path)
    np.testing.assert_array_equal(layer(np.zeros((2,), "float32")).numpy(), expected)


@pytest.mark.parametrize(
    "draw, mean, std",
    [
        (lambda: keras.random.normal((20000,), mean=2.0, stddev=3.0, seed=1), 2.0, 3.0),
        (lambda: keras.random.uniform((20000,), -1.0, 3.0, seed=1), 1.0, 4 / np.sqrt(12)),
        (lambda: keras.random.truncated_normal((20000,), seed=1), 0.0, 0.8796),
        (lambda: keras.random.gamma((20000,), 3.0, seed=1), 3.0, np.sqrt(3.0)),
        (lambda: keras.random.beta((20000,), 2.0, 3.0, seed=1), 0.4, 0.2),
        (lambda: keras.random.binomial((20000,), 10, 0.3, seed=1), 3.0, np.sqrt(2.1)),
    ],
)
def test_distribution_moments(draw, mean, std):
    values = draw().numpy().astype(np.float64)
    assert values.mean() == pytest.approx(mean, abs=0.05 * max(std, 1))
    assert values.std() == pytest.approx(std, rel=0.05)


def test_randint_dropout_shuffle_categorical():
    ints = keras.random.randint((1000,), 2, 5, seed=1).numpy()
    assert set(ints.tolist()) == {2, 3, 4}
    kept = keras.random.dropout(ops.ones((10000,)), 0.25, seed=1).numpy()
    np.testing.assert_allclose(np.unique(kept), [0.0, 1 / 0.75], rtol=1e-6)
    assert (kept == 0).mean() == pytest.approx(0.25, abs=0.02)
    rows = keras.random.dropout(ops.ones((6, 50)), 0.5, noise_shape=(None, 1), seed=2).numpy()
    assert all(len(set(r.tolist())) == 1 for r in rows)  # one draw per row
    shuffled = keras.random.shuffle(ops.arange(10), seed=3).numpy()
    assert sorted(shuffled.tolist()) == list(range(10)) and shuffled.tolist() != list(range(10))
    logits = np.log(np.array([[0.2, 0.3, 0.5]], "float32"))
    draws = keras.random.categorical(logits, 20000, seed=4).numpy()[0]
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, [0.2, 0.3, 0.5],
                               atol=0.015)  # fmt: skip


def test_legacy_backend_random_and_variables():
    K = keras.backend  # noqa: N806
    v = K.variable(np.ones((2, 2)))
    assert isinstance(v, tf.Variable) and v.dtype == tf.float32
    K.set_value(v, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(K.get_value(v), [[1, 2], [3, 4]])
    tf.random.set_seed(1)
    first = [K.random_normal((3,), seed=5).numpy() for _ in range(2)]
    tf.random.set_seed(1)
    np.testing.assert_array_equal(first, [K.random_normal((3,), seed=5).numpy() for _ in range(2)])
    assert K.int_shape(keras.Input((None, 4))) == (None, None, 4)
