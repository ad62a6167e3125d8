"""tf.debugging: check_numerics (forward, gradient) and the assert_* family, with TensorFlow's
error types and messages (golden)."""

import inspect
import json
import os
import re

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.ops import debug

GOLDEN = json.load(
    open(os.path.join(os.path.dirname(__file__), "..", "golden", "random_debug.json"))
)


def _scope():
    """The names the golden cases use (`tf` is tapeflow here)."""
    scope = {"tf": tf, "np": np}
    exec(GOLDEN["prelude"], scope)
    return scope


def _normalise(message):
    """TF's eager op errors wrap the text in '{{function_node ...}} ... [Op:X] name: '; the
    Python-side assertions leave a doubled space where the (graph-only) tensor name goes."""
    message = re.sub(r"^\{\{function_node [^}]*\}\} ", "", message)
    message = re.sub(r" \[Op:\w+\]( name: .*)?$", "", message)
    return " ".join(message.split())


@pytest.mark.parametrize("name", sorted(GOLDEN["debug_errors"]))
def test_errors_match_tf(name):
    case = GOLDEN["debug_errors"][name]
    scope = _scope()
    if case["raises"] is None:
        eval(case["code"], scope)
        return
    with pytest.raises(Exception) as info:
        eval(case["code"], scope)
    assert type(info.value).__name__ == case["raises"], str(info.value)


@pytest.mark.parametrize("name", sorted(GOLDEN["messages"]))
def test_messages_match_tf(name):
    case = GOLDEN["messages"][name]
    with pytest.raises((tf.errors.InvalidArgumentError, ValueError, TypeError)) as info:
        eval(case["code"], _scope())
    assert type(info.value).__name__ == case["raises"]
    ours, theirs = _normalise(str(info.value)), _normalise(case["message"])
    if "check_numerics" in case["code"]:
        assert ours == "CheckNumerics: " + theirs  # tapeflow's errors name the op
    else:
        assert ours == theirs


# ---- check_numerics --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_check_numerics_passes_values_through(rng, dtype):
    x = rng.normal(size=(3, 4)).astype(dtype)
    y = tf.debugging.check_numerics(tf.constant(x), "fine")
    assert y.dtype == tf.as_dtype(dtype)
    np.testing.assert_array_equal(y.numpy(), x)
    z = tf.debugging.assert_all_finite(tf.constant(x), "fine")
    np.testing.assert_array_equal(z.numpy(), x)


def test_check_numerics_gradient_is_identity():
    x = tf.constant([1.0, -2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.debugging.check_numerics(x, "fwd") * tf.constant([2.0, 3.0, 4.0])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 3.0, 4.0])


@pytest.mark.parametrize("bad, what", [(np.inf, "Inf"), (np.nan, "NaN")])
def test_check_numerics_checks_the_gradient(bad, what):
    # TF's example: the forward is finite, the upstream gradient is not.
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.debugging.check_numerics(x, "fwd") * tf.constant([bad, 1.0])
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tape.gradient(y, x)
    assert str(info.value) == (
        "CheckNumerics: Not a number (NaN) or infinity (Inf) values detected in gradient. "
        f"fwd : Tensor had {what} values"
    )


def test_check_numerics_accepts_lists_and_rejects_integers():
    assert tf.debugging.check_numerics([1.0, 2.0], "m").numpy().tolist() == [1.0, 2.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="CheckNumerics: m : .*int32"):
        tf.debugging.check_numerics(tf.constant([1, 2]), "m")


# ---- value assertions ------------------------------------------------------------------------


def test_assertions_return_none_when_they_hold():
    x = tf.constant([1.0, 2.0])
    assert tf.debugging.assert_equal(x, x) is None
    assert tf.debugging.assert_less(x, 3.0) is None  # a Python number takes x's dtype
    assert tf.debugging.assert_near(x, x + 1e-7) is None
    assert tf.debugging.assert_positive(x) is None
    assert tf.debugging.assert_rank(x, 1) is None
    assert tf.debugging.assert_type(x, tf.float32) is None
    assert tf.debugging.assert_shapes([(x, ("N",)), (tf.constant([[1.0, 2.0]]), (1, "N"))]) is None


def test_assert_equal_broadcasts_and_empty_holds():
    tf.debugging.assert_equal(tf.constant([[1, 1], [1, 1]]), 1)
    tf.debugging.assert_equal(tf.constant(np.zeros(0)), tf.constant(np.zeros(0)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x >= y"):
        tf.debugging.assert_greater_equal(tf.constant([3, 1]), 2)


@pytest.mark.parametrize(
    "dtype, ok, bad",
    [
        (np.float32, 1e-6, 1e-5),  # 10 * eps = 1.19e-6, relative to |y| = 1
        (np.float64, 1e-15, 1e-14),  # 10 * eps = 2.2e-15
    ],
)
def test_assert_near_default_tolerance(dtype, ok, bad):
    x = tf.constant(np.array([1.0], dtype))
    tf.debugging.assert_near(x, tf.constant(np.array([1.0 + ok], dtype)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not equal to tolerance"):
        tf.debugging.assert_near(x, tf.constant(np.array([1.0 + bad], dtype)))
    tf.debugging.assert_near(x, tf.constant(np.array([1.0 + bad], dtype)), atol=1e-4)


def test_assert_near_message_prints_values():
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.debugging.assert_near(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.1]), message="mm")
    assert str(info.value) == (
        "mm.  x and y not equal to tolerance rtol = 1.1920929e-06, atol = 1.1920929e-06\n"
        "x (shape=(2,) dtype=float32) = ['1.0', '2.0']\n"
        "y (shape=(2,) dtype=float32) = ['1.0', '2.1']"
    )


def test_Assert_lists_its_data():
    tf.debugging.Assert(tf.constant(True), [1])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\['0', '1', '...'\]"):
        tf.debugging.Assert(tf.constant(False), [tf.constant(np.arange(5))], summarize=2)


# ---- static assertions -------------------------------------------------------------------------


def test_assert_shapes_symbols_and_ellipsis():
    a = tf.constant(np.zeros((2, 3, 4)))
    tf.debugging.assert_shapes([(a, (..., "Q", 4)), (tf.constant(np.zeros(3)), ("Q",))])
    tf.debugging.assert_shapes([(a, ("*", None, ".")), (tf.constant(1.0), ())])
    tf.debugging.assert_shapes({tf.constant(np.zeros((2, 3))).ref(): ("N", "Q")})
    with pytest.raises(ValueError, match="dimension 1 must have size 2"):
        tf.debugging.assert_shapes([(tf.constant(np.zeros((2, 3))), ("N", "N"))])
    with pytest.raises(ValueError, match="must have rank at least 3"):
        tf.debugging.assert_shapes([(tf.constant(np.zeros(4)), (..., 2, 3, 4))])


def test_assert_rank_variants():
    x = tf.constant(np.zeros((2, 3)))
    tf.debugging.assert_rank(x, tf.constant(2))
    tf.debugging.assert_rank_at_least(x, 1)
    tf.debugging.assert_rank_in(x, [0, 2])
    assert tf.debugging.assert_scalar(tf.constant(3)).numpy() == 3
    assert tf.debugging.is_numeric_tensor(x)
    assert not tf.debugging.is_numeric_tensor(tf.constant([True]))
    assert not tf.debugging.is_numeric_tensor(np.zeros(2))


def test_exports():
    for name in debug.API["debugging"]:  # exported wrapped: errors name the public op
        assert inspect.unwrap(getattr(tf.debugging, name)) is getattr(debug, name)
    assert tf.assert_equal is tf.debugging.assert_equal
    assert tf.assert_rank is tf.debugging.assert_rank
