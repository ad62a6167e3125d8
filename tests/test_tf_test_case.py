"""tf.test.TestCase: TF's assertion semantics (tolerances, nesting, NaN, messages)."""

import collections
import os
import random

import numpy as np
import pytest

import tapeflow as tf

Pair = collections.namedtuple("Pair", "a b")


class _Case(tf.test.TestCase):
    def runTest(self):  # noqa: N802 - unittest's name
        pass


@pytest.fixture
def case():
    c = _Case()
    c.setUp()
    yield c
    c.doCleanups()


def test_assert_all_close_uses_tf_default_tolerances(case):
    x = tf.constant([1.0, 2.0])
    case.assertAllClose(x, [1.0, 2.0 + 1e-6])  # within atol + rtol * |b| = 3e-6
    with pytest.raises(AssertionError, match="not close"):
        case.assertAllClose(x, [1.0, 2.0 + 1e-4])
    case.assertAllClose(x, [1.0, 2.0 + 1e-4], atol=1e-3)
    with pytest.raises(AssertionError, match="Shape mismatch"):
        case.assertAllClose(x, [1.0, 2.0, 3.0])
    case.assertAllClose([np.nan, 1.0], [np.nan, 1.0])
    # float16 gets no wider tolerance in assertAllClose, only in ...AccordingToType:
    with pytest.raises(AssertionError):
        case.assertAllClose(np.float16([1.0]), np.float16([1.0005]))
    case.assertAllCloseAccordingToType(np.float16([1.0]), np.float16([1.0005]))


def test_assert_all_close_walks_structures(case):
    x = tf.constant([1.0, 2.0])
    case.assertAllClose({"a": x, "b": [x, 3.0]}, {"a": [1, 2], "b": [[1, 2], 3]})
    case.assertAllClose(Pair(x, 1.0), Pair([1.0, 2.0], 1.0))
    case.assertAllClose([[1.0], [2.0, 3.0]], [[1.0], [2.0, 3.0]])
    with pytest.raises(AssertionError, match="mismatched keys"):
        case.assertAllClose({"a": x}, {"b": x})
    with pytest.raises(ValueError, match="Can't compare dict to non-dict"):
        case.assertAllClose({"a": x}, x)
    with pytest.raises(AssertionError, match="Shape mismatch"):  # as TF: shapes first
        case.assertAllClose([[1.0], [2.0, 3.0]], [[1.0]])
    case.assertNotAllClose(x, [1.0, 3.0])


def test_equality_order_and_range_assertions(case):
    x = tf.constant([1.0, 2.0])
    case.assertAllEqual(tf.constant([1, 2]), [1, 2])
    case.assertAllEqual(tf.constant(["a"]), [b"a"])
    with pytest.raises(AssertionError, match="not equal"):
        case.assertAllEqual(tf.constant([1, 2]), [1, 3])
    case.assertAllLess(x, 3.0)
    case.assertAllGreater(x, 0.5)
    case.assertAllLessEqual(x, 2.0)
    case.assertAllGreaterEqual(x, 1.0)
    with pytest.raises(AssertionError):
        case.assertAllLess(x, 2.0)
    case.assertAllInRange(x, 1.0, 2.0)
    with pytest.raises(AssertionError, match="outside the range"):
        case.assertAllInRange(x, 1.0, 2.0, open_upper_bound=True)
    with pytest.raises(AssertionError, match="NaN"):
        case.assertAllInRange([np.nan], 0, 1)
    case.assertAllInSet(tf.constant([1, 2, 1]), {1, 2})
    case.assertNear(1.0, 1.05, 0.1)
    with pytest.raises(AssertionError, match=r"1.000000 != 1.500000"):
        case.assertNear(1.0, 1.5, 0.1)
    case.assertArrayNear([1.0, 2.0], [1.01, 2.0], 0.1)
    case.assertDTypeEqual(x, np.float32)
    case.assertDTypeEqual(x, tf.float32)
    case.assertShapeEqual(np.zeros((2,)), x)
    with pytest.raises(TypeError, match="input_a"):
        case.assertShapeEqual([1, 2], x)


def test_error_assertions(case):
    with case.assertRaisesOpError("same dtype"):
        tf.add(tf.constant(1.0), tf.constant(1, tf.int32))
    with pytest.raises(AssertionError):
        with case.assertRaisesOpError("no such text"):
            tf.add(tf.constant(1.0), tf.constant(1, tf.int32))
    with pytest.raises(AssertionError, match="not raised"):
        with case.assertRaisesOpError("x"):
            pass
    with case.assertRaisesRegex(ValueError, "boom"):
        raise ValueError("boom!")


def test_evaluate_sessions_temp_dir_and_seeds(case):
    assert isinstance(case.evaluate(tf.constant([1.0])), np.ndarray)
    assert case.evaluate({"a": tf.constant(1)})["a"] == 1
    value = case.evaluate(tf.sparse.from_dense([[1, 0]]))
    assert value.indices.tolist() == [[0, 0]] and value.values.tolist() == [1]
    with case.cached_session(), case.session():
        pass
    path = case.get_temp_dir()
    assert path == case.get_temp_dir() and os.path.isdir(path)
    case.doCleanups()
    assert not os.path.exists(path)
    # setUp seeds Python, NumPy and tf.random with TF's 87654321, as TF's TestCase does.
    case.setUp()
    first = (random.random(), np.random.rand(), float(tf.random.uniform([])))
    case.setUp()
    assert (random.random(), np.random.rand(), float(tf.random.uniform([]))) == first
    np.random.seed(87654321)
    assert first[1] == np.random.rand()
