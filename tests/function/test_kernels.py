"""Every ufunc kernel gives its op's results bit for bit: alone, fused, and in place.

The kernels are NumPy ufunc chains written into NumPy buffers: on the CuPy backend the plan
calls each op's forward instead (CuPy's own kernels), which these tests check too.
"""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.backend import xp
from tapeflow.core.registry import get_op
from tapeflow.function import function
from tapeflow.function.kernels import KERNELS

SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-30])


def _inputs(op, sample, dtype, rng):
    lo, hi = op.domain or (-2.0, 2.0)
    arrays = []
    for arg in sample.args:
        a = rng.uniform(lo, hi, size=arg) if isinstance(arg, tuple) else np.asarray(arg(rng))
        a = np.array(a, dtype=dtype)
        if a.size >= len(SPECIAL):
            a.reshape(-1)[: len(SPECIAL)] = SPECIAL
        arrays.append(tf.constant(a))
    return arrays


def _bits(t):
    a = np.asarray(t.numpy())
    return a.dtype, a.shape, a.tobytes()


CASES = [
    pytest.param(name, i, dtype, id=f"{name}-{i}-{np.dtype(dtype).name}")
    for name in sorted(KERNELS)
    for i in range(len(get_op(name).samples))
    for dtype in (np.float32, np.float64)
]


@pytest.mark.filterwarnings("error")  # the expected ones are silenced inside; others fail
@pytest.mark.parametrize("name, index, dtype", CASES)
def test_kernel_is_bitwise_the_op(name, index, dtype):
    op = get_op(name)
    sample = op.samples[index]
    rng = np.random.default_rng(index)
    xs = _inputs(op, sample, dtype, rng)

    def chained(*xs):
        # x * 1.0 keeps every bit (-0.0, nan) and makes an owned buffer the kernel may
        # reuse in place, fused with the op into one chain.
        return op(*[x * 1.0 for x in xs], **sample.attrs)

    def alone(*xs):
        return op(*xs, **sample.attrs)

    for fn in (chained, alone):
        # The inputs hold nan and inf on purpose (SPECIAL): NumPy's "invalid value" warnings
        # are expected here, and only here.
        with np.errstate(invalid="ignore"):
            expected = fn(*xs)
            traced = function(fn)
            traced(*xs)  # the trace (an eager run)
            got = traced(*xs)  # the plan
        assert _bits(got) == _bits(expected), name
        source = next(iter(traced._cache.values())).traces[0].plan_source
        nchw = sample.attrs.get("data_format") == "NCHW"  # BiasAdd NCHW keeps its forward
        if fn is alone and np.ndim(expected.numpy()) > 0 and not nchw:
            if xp is np:
                assert f"f_{name}_" not in source, source  # the kernel ran, not the forward
            else:
                assert f"f_{name}_" in source, source  # no NumPy kernel on device arrays


def test_kernels_fuse_into_one_buffer():
    x = tf.constant(np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4))
    w = tf.constant(np.ones((4, 4), np.float32))

    @function
    def f(x):
        h = tf.matmul(x, w)
        return tf.exp(tf.nn.relu(h + 1.0) * 0.5) - 2.0

    eager = f.python_function(x)
    f(x)
    assert _bits(f(x)) == _bits(eager)
    cf = next(iter(f._cache.values())).traces[0]
    fused = [n for n in cf.graph.nodes if n.kind == "fused"]
    if xp is not np:
        assert fused == [] and "out=" not in cf.plan_source  # no NumPy kernel on the device
        return
    assert [n.name for n in fused] == ["Fused[AddV2,Relu,Mul,Exp,Sub]"]
    body = cf.plan_source.splitlines()
    # One allocation (the matmul), then every step writes into that buffer.
    assert sum("out=" in line for line in body) == 5


def test_a_retired_buffer_is_pooled_once_and_reused(rng):
    # The sigmoid kernel rereads its input, so its chain retires the matmul's buffer into
    # the pool; the matmul's value, dying at that same node, used to delete the name as
    # well, and the next same-shape kernel then wrote into a deleted name (UnboundLocalError
    # in the plan; the Keras guide's GAN step met it).
    a, w, b, c = (
        tf.constant(rng.standard_normal(s).astype(np.float32))
        for s in ((4, 3), (3, 5), (5,), (4, 5))
    )

    def step(a, w, b, c):
        return tf.sigmoid(tf.matmul(a, w) + b), c * 3.0 + 1.0

    traced = function(step)
    traced(a, w, b, c)  # the first call traces (and computes eagerly)
    assert [_bits(t) for t in traced(a, w, b, c)] == [_bits(t) for t in step(a, w, b, c)]
