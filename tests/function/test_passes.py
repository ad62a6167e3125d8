"""The graph IR and its passes: what a trace records and what the optimiser keeps."""

import re

import numpy as np

import tapeflow as tf
from tapeflow.backend import xp
from tapeflow.function import function
from tapeflow.function import print as tf_print


def _trace(fn, *args):
    f = function(fn)
    f(*args)
    return next(iter(f._cache.values())).traces[0], f


def test_the_ir_records_the_tape_and_variable_updates():
    w = tf.Variable([1.0, 2.0])

    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * x)
        w.assign_sub(0.5 * tape.gradient(loss, w))
        return loss

    cf, f = _trace(step, tf.constant([3.0, 4.0]))
    kinds = [n.name for n in cf.graph.nodes]
    # The read, forward Mul and Sum, the backward Mul (g * x: the seed of ones and its
    # broadcast are folded), 0.5 * g, the write.
    # (On CuPy the plan has no NumPy kernels to fuse: the two Muls stay apart.)
    fused = ["Fused[Mul,Mul]"] if xp is np else ["Mul", "Mul"]
    assert kinds == ["read", "Mul", "Sum", *fused, "write"], kinds
    writes = [n for n in cf.graph.nodes if n.kind == "write"]
    assert [n.attrs["method"] for n in writes] == ["assign_sub"]
    f(tf.constant([3.0, 4.0]))
    np.testing.assert_array_equal(w.numpy(), [-2.0, -2.0])


def test_dead_code_is_dropped_but_effects_stay(capsys):
    v = tf.Variable(0)

    def f(x):
        unused = tf.exp(x) * 3.0  # noqa: F841 - dead
        tf.random.uniform([2])  # stateful: kept although unused
        tf_print("hi")
        v.assign_add(1)
        return x + 1.0

    cf, fn = _trace(f, tf.constant(1.0))
    names = [n.name for n in cf.graph.nodes]
    assert "Exp" not in names
    assert "RandomUniform" in names and "PrintV2" in names and "write" in names
    fn(tf.constant(2.0))
    assert int(v) == 2 and capsys.readouterr().err == "hi\nhi\n"


def test_constants_are_folded():
    c = tf.constant([1.0, 2.0])

    def f(x):
        k = tf.exp(c) * 2.0 + tf.reduce_sum(c)  # constants only: folded
        return x * k

    cf, fn = _trace(f, tf.constant([1.0, 1.0]))
    assert [n.name for n in cf.graph.nodes] == ["Mul"]
    expected = np.exp(np.float32([1, 2])) * np.float32(2) + np.float32(3)
    np.testing.assert_array_equal(fn(tf.constant([1.0, 1.0])).numpy(), expected)


def test_random_draws_are_never_folded():
    def f(x):
        return x + tf.random.uniform([3], seed=1)

    cf, fn = _trace(f, tf.constant(0.0))
    a, b = fn(tf.constant(0.0)).numpy(), fn(tf.constant(0.0)).numpy()
    assert not np.array_equal(a, b)  # a new draw on every call
    assert "RandomUniform" in [n.name for n in cf.graph.nodes]


def test_common_subexpressions_are_shared():
    w = tf.Variable(2.0)

    def f(x):
        a = tf.exp(x) * w
        b = tf.exp(x) * w  # the same op on the same inputs, the same variable read
        return a + b

    cf, fn = _trace(f, tf.constant([1.0, 2.0]))
    names = [n.name for n in cf.graph.nodes if n.kind != "fused"]
    fused = [m.op.name for n in cf.graph.nodes if n.kind == "fused" for m in n.attrs["nodes"]]
    assert (names + fused).count("Exp") == 1 and (names + fused).count("read") == 1
    np.testing.assert_array_equal(
        fn(tf.constant([1.0, 2.0])).numpy(), f(tf.constant([1.0, 2.0])).numpy()
    )


def test_reads_are_not_merged_across_writes():
    v = tf.Variable(1.0)

    def f():
        a = v * 1.0
        v.assign_add(1.0)
        b = v * 1.0
        return a, b

    cf, fn = _trace(f)
    assert [n.kind for n in cf.graph.nodes].count("read") == 2
    a, b = fn()
    assert (float(a), float(b)) == (2.0, 3.0)


def test_plan_has_no_tensors_and_no_dispatch():
    w = tf.Variable(np.ones((3, 2), np.float32))

    def f(x):
        with tf.GradientTape() as tape:
            y = tf.reduce_mean(tf.nn.relu(tf.matmul(x, w)))
        w.assign_sub(0.1 * tape.gradient(y, w))
        return y

    cf, _ = _trace(f, tf.constant(np.ones((4, 3), np.float32)))
    source = cf.plan_source
    assert "Tensor" not in source and "execute" not in source
    # MatMul, the mean and the update are direct NumPy calls; the plan reads and writes
    # the variable's array itself.
    assert "_matmul(" in source and "V0._value" in source and "_assign_sub(V0" in source


def test_buffers_are_reused_in_place():
    w = tf.Variable(np.ones((4, 4), np.float32))

    def f(x):
        h = tf.matmul(x, w)
        return tf.nn.relu(h + 1.0)

    cf, _ = _trace(f, tf.constant(np.ones((2, 4), np.float32)))
    lines = [line.strip() for line in cf.plan_source.splitlines()]
    matmul = next(line for line in lines if "_matmul" in line)
    buffer = matmul.split(" = ")[0]
    if xp is not np:  # CuPy: the ops' forwards run, no NumPy ufunc writes into buffers
        assert "out=" not in cf.plan_source and "f_Relu_" in cf.plan_source
        return
    assert re.fullmatch(rf"_add\({buffer}, K\d+, out={buffer}\)", lines[-3])
    assert re.fullmatch(rf"_maximum\({buffer}, K\d+, out={buffer}\)", lines[-2])
    assert lines[-1] == f"return ({buffer}, )"
