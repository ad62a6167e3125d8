"""`tf.test.TestCase` and the `tf.test` device queries, with TensorFlow's semantics.

The assertions follow TF's `test_util.TensorFlowTestCase`: `assertAllClose` compares nested
structures (dicts, namedtuples, lists, tuples) element by element with numpy.allclose's
rule |a - b| <= atol + rtol * |b| (defaults rtol = atol = 1e-6 whatever the dtype; only
`assertAllCloseAccordingToType` widens them for float16 and float32), NaNs equal NaNs,
shapes must match. Everything runs eagerly, so `evaluate` converts to NumPy and
`session`/`cached_session` are context managers that do nothing.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import shutil
import tempfile
import unittest
from collections.abc import Mapping

import numpy as np

from ..backend import devices
from ..core import errors, nest

DEFAULT_GRAPH_SEED = 87654321  # TF's seed for every test (random, NumPy and tf.random)


def _ndarray(a):
    """`a` as a NumPy array (Tensors, Variables, lists...), ragged lists as object arrays."""
    if hasattr(a, "numpy") and callable(a.numpy):
        a = a.numpy()
    if isinstance(a, np.ndarray):
        return a
    try:
        return np.array(a)
    except ValueError as e:
        if "inhomogeneous shape" in str(e):
            return np.array(a, dtype=object)
        raise


def _where(cond):
    return np.where(cond)


class SparseTensorValue(tuple):
    """What `evaluate` gives for a SparseTensor: (indices, values, dense_shape) as NumPy."""

    __slots__ = ()

    def __new__(cls, indices, values, dense_shape):
        return tuple.__new__(cls, (indices, values, dense_shape))

    indices = property(lambda self: self[0])
    values = property(lambda self: self[1])
    dense_shape = property(lambda self: self[2])

    def __repr__(self):
        return (
            f"SparseTensorValue(indices={self.indices!r}, values={self.values!r}, "
            f"dense_shape={self.dense_shape!r})"
        )


class _NoSession:
    """What `session()` yields when executing eagerly (TF's EagerSessionWarner)."""

    def __getattr__(self, attr):
        raise AttributeError(
            "Trying to access properties or call methods on the result of self.session(), "
            "self.cached_session(), etc while eager execution is enabled. Tensors are "
            "evaluated eagerly; use self.evaluate(tensor) or tensor.numpy()."
        )


class TestCase(unittest.TestCase):
    """`tf.test.TestCase`: a unittest.TestCase with TF's tensor assertions."""

    def __init__(self, methodName="runTest"):
        super().__init__(methodName)
        self._tempdir = None

    def setUp(self):
        super().setUp()
        if self.id().endswith(".test_session"):  # as TF: the method's name is not a test
            self.skipTest("Not a test.")
        from ..ops import random as random_ops

        random.seed(DEFAULT_GRAPH_SEED)
        np.random.seed(DEFAULT_GRAPH_SEED)
        random_ops.set_seed(DEFAULT_GRAPH_SEED)

    # ---- sessions and evaluation (eager: no-ops and conversions) ----------------------------

    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        yield _NoSession()

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        yield _NoSession()

    test_session = cached_session

    def evaluate(self, tensors):
        """The values of `tensors` (nested) as NumPy; a SparseTensor as SparseTensorValue."""

        def value(t):
            if t is None:
                return None
            if callable(t) and not hasattr(t, "numpy"):
                return self.evaluate(t())
            if hasattr(t, "_components") and hasattr(t, "dense_shape"):
                return SparseTensorValue(*(c.numpy() for c in t._components()))
            if hasattr(t, "to_list") and hasattr(t, "row_splits"):
                return t.to_list()
            if hasattr(t, "numpy") and callable(t.numpy):
                return t.numpy()
            return t

        return nest.map_structure(value, tensors)

    def get_temp_dir(self) -> str:
        """A directory for this test (the same one on every call), removed afterwards."""
        if not self._tempdir:
            self._tempdir = tempfile.mkdtemp(prefix="tapeflow_test_")
            self.addCleanup(shutil.rmtree, self._tempdir, True)
        return self._tempdir

    # ---- closeness ----------------------------------------------------------------------------

    def _assertArrayLikeAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802
        a, b = _ndarray(a), _ndarray(b)
        self.assertEqual(a.shape, b.shape, f"Shape mismatch: expected {a.shape}, got {b.shape}.")
        if np.allclose(a, b, rtol=rtol, atol=atol):
            return
        msgs = [msg]
        cond = np.logical_or(np.abs(a - b) > atol + rtol * np.abs(b), np.isnan(a) != np.isnan(b))
        x, y = (a[_where(cond)], b[_where(cond)]) if a.ndim else (a, b)
        if a.ndim:
            msgs.append(f"not close where = {_where(cond)}")
        msgs.append(f"not close lhs = {x}")
        msgs.append(f"not close rhs = {y}")
        msgs.append(f"not close dif = {np.abs(x - y)}")
        msgs.append(f"not close tol = {atol + rtol * np.abs(y)}")
        msgs.append(f"dtype = {a.dtype}, shape = {a.shape}")
        np.testing.assert_allclose(
            a, b, rtol=rtol, atol=atol, err_msg="\n".join(map(str, msgs)), equal_nan=True
        )

    def _assertAllCloseRecursive(self, a, b, rtol, atol, path, msg):  # noqa: N802
        path_str = "[" + "][".join(str(p) for p in path) + "]" if path else ""
        msg = msg or ""
        if hasattr(a, "_asdict"):
            a = a._asdict()
        if hasattr(b, "_asdict"):
            b = b._asdict()
        if isinstance(a, Mapping) != isinstance(b, Mapping):
            raise ValueError(f"Can't compare dict to non-dict, a{path_str} vs b{path_str}. {msg}")
        if isinstance(a, Mapping):
            self.assertCountEqual(
                a.keys(),
                b.keys(),
                msg=f"mismatched keys: a{path_str} has keys {a.keys()}, but b{path_str} has "
                f"keys {b.keys()}. {msg}",
            )
            for k in a:
                self._assertAllCloseRecursive(a[k], b[k], rtol, atol, path + [k], msg)
            return
        detail = f"Mismatched value: a{path_str} is different from b{path_str}. {msg}"
        if isinstance(a, (list, tuple)):
            try:
                self._assertArrayLikeAllClose(_ndarray(a), _ndarray(b), rtol, atol, detail)
                return
            except (ValueError, TypeError, NotImplementedError):
                if len(a) != len(b):
                    raise ValueError(
                        f"Mismatched length: a{path_str} has {len(a)} items, but b{path_str} "
                        f"has {len(b)} items. {msg}"
                    ) from None
                for i, (x, y) in enumerate(zip(a, b)):
                    self._assertAllCloseRecursive(x, y, rtol, atol, path + [str(i)], msg)
                return
        self._assertArrayLikeAllClose(a, b, rtol, atol, detail)

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802
        """`a` and `b` (nested structures of arrays/Tensors) are elementwise within
        atol + rtol * |b| (NaN matches NaN); shapes and nesting must match."""
        self._assertAllCloseRecursive(a, b, rtol, atol, [], msg)

    def assertAllCloseAccordingToType(  # noqa: N802
        self, a, b, rtol=1e-6, atol=1e-6, float_rtol=1e-6, float_atol=1e-6,
        half_rtol=1e-3, half_atol=1e-3, bfloat16_rtol=1e-2, bfloat16_atol=1e-2, msg=None,
    ):  # fmt: skip
        """assertAllClose with tolerances widened to the least precise dtype involved."""
        a, b = _ndarray(a), _ndarray(b)
        kinds = {a.dtype, b.dtype}
        if kinds & {np.dtype(np.float32), np.dtype(np.complex64)}:
            rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
        if np.dtype(np.float16) in kinds:
            rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
        self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)

    def assertNotAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)
        except AssertionError:
            return
        raise AssertionError(f"The two values are close at all elements. {msg or ''}")

    def assertNear(self, f1, f2, err, msg=None):  # noqa: N802
        """|f1 - f2| <= err (equal infinities pass)."""
        f1, f2 = np.squeeze(f1), np.squeeze(f2)
        if f1 != f2:
            diff = math.fabs(f1 - f2)
            self.assertTrue(
                diff <= err,
                f"{f1:f} != {f2:f} +/- {err:f} (difference: {diff:g})"
                + (f" ({msg})" if msg is not None else ""),
            )

    def assertArrayNear(self, farray1, farray2, err, msg=None):  # noqa: N802
        self.assertEqual(len(farray1), len(farray2), msg=msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg=msg)

    def assertNDArrayNear(self, ndarray1, ndarray2, err, msg=None):  # noqa: N802
        self.assertTrue(np.linalg.norm(ndarray1 - ndarray2) < err, msg=msg)

    # ---- equality and order -------------------------------------------------------------------

    def assertAllEqual(self, a, b, msg=None):  # noqa: N802
        """Same shape and values (NaN equals NaN for floats)."""
        msg = msg or ""
        a, b = _ndarray(a), _ndarray(b)
        self.assertEqual(
            a.shape, b.shape, f"Shape mismatch: expected {a.shape}, got {b.shape}. {msg}."
        )
        same = a == b
        if a.dtype.kind in "fc":
            same = np.logical_or(same, np.logical_and(np.isnan(a), np.isnan(b)))
        if np.all(same):
            return
        diff = np.logical_not(same)
        msgs = [msg]
        x, y = (a[_where(diff)], b[_where(diff)]) if a.ndim else (a, b)
        if a.ndim:
            msgs.append(f"not equal where = {_where(diff)}")
        msgs.append(f"not equal lhs = {x!r}")
        msgs.append(f"not equal rhs = {y!r}")
        np.testing.assert_array_equal(a, b, err_msg="\n".join(msgs))

    def assertNotAllEqual(self, a, b, msg=None):  # noqa: N802
        try:
            self.assertAllEqual(a, b)
        except AssertionError:
            return
        raise AssertionError(f"The two values are equal at all elements. {msg or ''}")

    def assertAllGreater(self, a, comparison_target):  # noqa: N802
        self.assertGreater(np.min(_ndarray(a)), comparison_target)

    def assertAllLess(self, a, comparison_target):  # noqa: N802
        self.assertLess(np.max(_ndarray(a)), comparison_target)

    def assertAllGreaterEqual(self, a, comparison_target):  # noqa: N802
        self.assertGreaterEqual(np.min(_ndarray(a)), comparison_target)

    def assertAllLessEqual(self, a, comparison_target):  # noqa: N802
        self.assertLessEqual(np.max(_ndarray(a)), comparison_target)

    def assertAllInRange(  # noqa: N802
        self, target, lower_bound, upper_bound, open_lower_bound=False, open_upper_bound=False
    ):
        """Every element lies in the range (closed by default); NaNs fail."""
        target = _ndarray(target)
        if not (np.issubdtype(target.dtype, np.floating) or
                np.issubdtype(target.dtype, np.integer)):  # fmt: skip
            raise AssertionError(
                f"The value of {target} does not have an ordered numeric type, instead it has "
                f"type: {target.dtype}"
            )
        nans = _where(np.isnan(target))
        if np.size(nans):
            raise AssertionError(
                f"{len(nans[0])} of the {np.size(target)} element(s) are NaN. Subscripts(s) and "
                f"value(s) of the NaN element(s):\n" + "\n".join(_subscripts(nans, target))
            )
        lo, hi = ("(" if open_lower_bound else "["), (")" if open_upper_bound else "]")
        below = target <= lower_bound if open_lower_bound else target < lower_bound
        above = target >= upper_bound if open_upper_bound else target > upper_bound
        bad = _where(np.logical_or(below, above))
        if np.size(bad):
            raise AssertionError(
                f"{len(bad[0])} of the {np.size(target)} element(s) are outside the range "
                f"{lo}{lower_bound}, {upper_bound}{hi}. Subscript(s) and value(s) of the "
                f"offending elements:\n" + "\n".join(_subscripts(bad, target))
            )

    def assertAllInSet(self, target, expected_set):  # noqa: N802
        diff = np.setdiff1d(_ndarray(target).flatten(), list(expected_set))
        if np.size(diff):
            raise AssertionError(
                f"{np.size(diff)} unique element(s) are not in the set {expected_set}: {diff}"
            )

    def assertDTypeEqual(self, target, expected_dtype):  # noqa: N802
        """The NumPy dtype of `target` is `expected_dtype` (a NumPy or tf dtype)."""
        expected = getattr(expected_dtype, "as_numpy_dtype", expected_dtype)
        self.assertEqual(_ndarray(target).dtype, expected)

    def assertShapeEqual(self, input_a, input_b, msg=None):  # noqa: N802
        """Two arrays or Tensors have the same shape."""
        for name, x in (("input_a", input_a), ("input_b", input_b)):
            if not (isinstance(x, (np.ndarray, np.generic)) or hasattr(x, "_value")):
                raise TypeError(
                    f"{name} must be a Numpy ndarray, Numpy scalar, or a Tensor.Instead "
                    f"received {type(x)}"
                )
        self.assertAllEqual(list(np.shape(input_a)), list(np.shape(input_b)), msg=msg)

    # ---- errors -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def assertRaisesWithPredicateMatch(self, exception_type, expected_err_re_or_predicate):  # noqa: N802
        """The block raises `exception_type` whose message matches (re.search) or which
        satisfies the predicate."""
        if callable(expected_err_re_or_predicate):
            predicate = expected_err_re_or_predicate
        else:

            def predicate(e):
                text = e.message if isinstance(e, errors.OpError) else str(e)
                return re.search(expected_err_re_or_predicate, text)

        try:
            yield
            self.fail(exception_type.__name__ + " not raised")
        except Exception as e:
            if not isinstance(e, exception_type) or not predicate(e):
                raise AssertionError(f"Exception of type {type(e)}: {e}") from e

    def assertRaisesOpError(self, expected_err_re_or_predicate):  # noqa: N802
        """The block raises a `tf.errors.OpError` matching the pattern or predicate."""
        return self.assertRaisesWithPredicateMatch(errors.OpError, expected_err_re_or_predicate)

    def assertRaisesIncompatibleShapesError(  # noqa: N802
        self, exception_type=errors.InvalidArgumentError
    ):
        return self.assertRaisesWithPredicateMatch(
            exception_type,
            r"Incompatible shapes|Dimensions must be equal|required broadcastable shapes|"
            r"shapes",
        )


def _subscripts(subscripts, value, limit=10, indent=2) -> list:
    prefix = " " * indent
    if np.ndim(value) == 0:
        return [prefix + "[0] : " + str(value)]
    rows = np.transpose(subscripts)
    lines = [prefix + str(s) + " : " + str(value[tuple(s)]) for s in rows[:limit]]
    if len(rows) > limit:
        lines.append(prefix + "...")
    return lines


def main(argv=None):
    """`tf.test.main`: runs the tests of the calling module (unittest.main)."""
    return unittest.main(module="__main__", argv=argv)


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None) -> bool:
    """Whether tapeflow computes on a GPU (the CuPy backend with a GPU present)."""
    gpus = devices.list_physical_devices("GPU")
    if not gpus:
        return False
    if min_cuda_compute_capability is None:
        return True
    wanted = tuple(min_cuda_compute_capability)
    return any(
        devices.get_device_details(g).get("compute_capability", (0, 0)) >= wanted for g in gpus
    )


def gpu_device_name() -> str:
    """'/device:GPU:0' when a GPU is in use, else '' (as TF)."""
    gpus = devices.list_logical_devices("GPU")
    return gpus[0].name if gpus else ""


def is_built_with_cuda() -> bool:
    """True when the CuPy (CUDA) backend is active."""
    from ..backend import name

    return name == "cupy"


is_built_with_gpu_support = is_built_with_cuda


def is_built_with_rocm() -> bool:
    return False


def is_built_with_xla() -> bool:
    return False
