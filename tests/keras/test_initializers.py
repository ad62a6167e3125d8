"""keras.initializers and keras.regularizers: Keras' fans, scales, seeding and configs."""

import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import initializers, regularizers

GOLDEN = json.loads(
    (pathlib.Path(__file__).parents[1] / "golden" / "initializers.json").read_text()
)


@pytest.mark.parametrize("case", GOLDEN["fans"], ids=lambda c: str(c["shape"]))
def test_fans_match_keras(case):
    assert list(initializers.compute_fans(tuple(case["shape"]))) == case["fans"]


@pytest.mark.parametrize("case", GOLDEN["stats"], ids=lambda c: f"{c['name']}{c['shape']}")
def test_scale_matches_keras(case):
    tf.random.set_seed(0)
    values = initializers.get(case["name"])(tuple(case["shape"])).numpy()
    assert values.dtype == np.float32 and values.shape == tuple(case["shape"])
    # Different generators, same distribution: the spread agrees to sampling error (>10k
    # draws), and uniform initializers share their exact limit.
    assert values.std() == pytest.approx(case["std"], rel=0.03)
    assert abs(values.mean()) < 0.05 * case["std"] + 1e-3
    if "uniform" in case["name"]:  # limit sqrt(3 * scale / fan): both samples come near it
        fan_in, fan_out = initializers.compute_fans(tuple(case["shape"]))
        scale, fan = {
            "glorot": (1.0, (fan_in + fan_out) / 2),
            "he": (2.0, fan_in),
            "lecun": (1.0, fan_in),
        }[case["name"].split("_")[0]]
        limit = np.sqrt(3.0 * scale / fan)
        assert case["max_abs"] <= limit * (1 + 1e-6) and np.abs(values).max() <= limit
        assert np.abs(values).max() == pytest.approx(limit, rel=0.01)
    else:  # truncated at two standard deviations of the untruncated normal
        assert np.abs(values).max() <= case["max_abs"] * 1.02


def test_seeded_initializers_repeat_and_unseeded_follow_the_global_seed():
    init = initializers.GlorotUniform(seed=3)
    a = init((4, 5)).numpy()
    np.testing.assert_array_equal(a, init((4, 5)).numpy())  # Keras 3: same values per call
    np.testing.assert_array_equal(a, initializers.GlorotUniform(seed=3)((4, 5)).numpy())
    tf.random.set_seed(11)
    c = initializers.HeNormal()((4, 5)).numpy()
    tf.random.set_seed(11)
    d = initializers.HeNormal()((4, 5)).numpy()
    np.testing.assert_array_equal(c, d)


def test_constant_ones_zeros_orthogonal_identity():
    assert np.all(initializers.get("zeros")((2, 2)).numpy() == 0)
    assert np.all(initializers.get("ones")((2, 2)).numpy() == 1)
    assert np.all(initializers.Constant(3.0)((2,)).numpy() == 3)
    q = initializers.Orthogonal(seed=1)((6, 4)).numpy()
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    np.testing.assert_array_equal(initializers.Identity()((3, 3)).numpy(), np.eye(3))
    with pytest.raises(ValueError, match="rank >= 2"):
        initializers.Orthogonal()((3,))


def test_lookup_and_config_round_trip():
    init = initializers.get(
        {
            "class_name": "VarianceScaling",
            "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 5},
        }
    )
    assert (init.scale, init.mode, init.distribution) == (2.0, "fan_out", "uniform")
    again = initializers.get(initializers.serialize(init))
    assert again.get_config() == init.get_config()
    assert isinstance(initializers.get("GlorotUniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("uniform"), initializers.RandomUniform)
    with pytest.raises(ValueError, match="Unknown initializer"):
        initializers.get("no_such_initializer")


def test_regularizers_penalties():
    w = tf.constant([[1.0, -2.0], [3.0, -4.0]])
    assert float(regularizers.L1(0.1)(w)) == pytest.approx(1.0)
    assert float(regularizers.L2(0.1)(w)) == pytest.approx(3.0)
    assert float(regularizers.L1L2(l1=0.1, l2=0.1)(w)) == pytest.approx(4.0)
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    layer = tf.keras.layers.Dense(2, kernel_regularizer="l2")
    layer(np.ones((1, 2), np.float32))
    expected = 0.01 * float(tf.reduce_sum(tf.square(layer.kernel)))
    assert float(layer.losses[0]) == pytest.approx(expected)
