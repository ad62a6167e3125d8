"""jit_compile=True: traced steps lowered to Numba agree with eager to float tolerance.

Tolerance, and why not bitwise: a native segment computes each op's float operations in the
op's order and dtype, but (1) exp, log, tanh... come from the C library where NumPy uses its
own vectorised versions (a few units in the last place apart); (2) reductions other than
over leading axes accumulate in float64 and round once, where NumPy sums pairwise in the
dtype. Matrix products call NumPy's own BLAS with NumPy's flags, and sums over leading axes
add rows in NumPy's order: those are bitwise equal. So results are compared with
rtol=1e-5, atol=1e-6 for float32 and rtol=1e-10, atol=1e-12 for float64 (values are O(1)).
"""

import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import backend
from tapeflow.backend import native as backend_native
from tapeflow.core.indexed_slices import IndexedSlices
from tapeflow.core.registry import registered_ops
from tapeflow.function import function, native
from tapeflow.testing.gradcheck import sample_inputs, sample_step

pytestmark = [
    pytest.mark.skipif(not backend_native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native code runs on NumPy arrays only"),
]

OPS = registered_ops()
TOLERANCE = {"float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12)}
CASES = [
    pytest.param(name, i, id=f"{name}-{i}")
    for name, op in sorted(OPS.items())
    if not op.stateful and op.samples
    for i in range(len(op.samples))
]
# Ops with a native lowering: each must show up lowered in its own test (a rule that
# silently never applies is a bug, not a fallback).
LOWERED = set(native.rules.ELEMENTWISE) | set(native.rules.REDUCTIONS) | set(native.rules.SPECIAL)
# Samples outside what a lowering takes: they run the NumPy plan, and say so.
NOT_LOWERED = {
    ("BiasAdd", 2): "channels-first data_format",
    ("Conv2D", 1): "54 taps, past emit_conv.DIRECT_MAX_TAPS: im2col + GEMM",
    ("Conv2DBackpropFilter", 1): "54 taps, past emit_conv.DIRECT_MAX_TAPS: im2col + GEMM",
    ("OneHot", 0): "the new axis is not the last",
    ("Softmax", 1): "softmax over an axis other than the last",
    ("SoftmaxCrossEntropyWithLogits", 1): "labels broadcast against logits",
    ("SoftmaxCrossEntropyWithLogits", 2): "classes on an axis other than the last",
}


def _close(got, expected):
    if isinstance(got, IndexedSlices):
        got, expected = tf.convert_to_tensor(got), tf.convert_to_tensor(expected)
    if got is None or expected is None:
        assert got is None and expected is None
        return
    g, e = np.asarray(got.numpy()), np.asarray(expected.numpy())
    assert g.dtype == e.dtype and g.shape == e.shape
    if e.dtype.name in TOLERANCE:
        rtol, atol = TOLERANCE[e.dtype.name]
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    elif e.dtype == object:
        assert g.tolist() == e.tolist()
    else:
        np.testing.assert_array_equal(g, e)


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
@pytest.mark.parametrize("name, index", CASES)
def test_native_matches_eager(name, index):
    op = OPS[name]
    sample = op.samples[index]
    rng = np.random.default_rng(index)
    first, step = sample_step(op, sample, rng)
    traced = function(step, jit_compile=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ops without a lowering say so: expected here
        traced(*[tf.constant(a) for a in first])
    for _ in range(2):
        xs = [tf.constant(a) for a in sample_inputs(op, sample, rng)]
        expected = step(*xs)
        got = traced(*xs)
        for e, g in zip(expected[0] + expected[1], got[0] + got[1]):
            _close(g, e)
    traces = [t for entry in traced._cache.values() for t in entry.traces]
    if name in LOWERED:
        lowered = (name, index) not in NOT_LOWERED
        assert all((name not in cf.native.fallback) == lowered for cf in traces)
