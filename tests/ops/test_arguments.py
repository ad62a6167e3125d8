"""Shape, axis and size arguments are checked as TF checks them, and every error names the
public op the user called (issue 8: silently accepted bad input, errors that do not say where).
tests/test_fuzz.py runs the same checks over every public op against TF's golden answers."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import ArgumentTypeError, InvalidArgumentError

X = np.arange(6, dtype=np.float32).reshape(2, 3)


@pytest.mark.parametrize(
    "call, error, message",
    [
        # TF: "Size 0 must be non-negative, not -2"; tapeflow used to reshape to (2, 3).
        (lambda: tf.reshape(X, [-2, 3]), InvalidArgumentError, r"Reshape: shape\[0\] = -2"),
        (lambda: tf.reshape(X, [-1, -1]), InvalidArgumentError, "only one input size may be -1"),
        # TF: the shape's dtype is float (InvalidArgumentError); tapeflow truncated it.
        (lambda: tf.reshape(X, [3.0, 2.0]), InvalidArgumentError, "Reshape: shape must be int"),
        # TF: TypeError "Cannot convert [2.5, 3] to EagerTensor of dtype int32"; it truncated.
        (lambda: tf.zeros([2.5, 3]), TypeError, "zeros: shape must be integers"),
        (lambda: tf.ones([2.0, 3]), TypeError, "Cannot convert"),
        (lambda: tf.zeros([-1, 3]), InvalidArgumentError, "must be non-negative"),
        (lambda: tf.zeros([[2, 3]]), InvalidArgumentError, "must be a vector"),
        (lambda: tf.reshape(X, None), ValueError, r"Reshape: shape: Attempt to convert .*None"),
        (lambda: tf.fill([-2], 1.0), InvalidArgumentError, r"Fill: dims\[0\] = -2"),
        (lambda: tf.broadcast_to(X[0], "ab"), TypeError, "BroadcastTo: shape must be integers"),
        (lambda: tf.tile(X, [2, -1]), InvalidArgumentError, r"Tile: multiples\[1\] = -1"),
        (lambda: tf.eye(2.5), TypeError, "eye: num_rows"),
        (lambda: tf.one_hot([0, 1], -1), InvalidArgumentError, "OneHot: depth must be >= 0"),
        (lambda: tf.one_hot([0, 1], 2.0), TypeError, "OneHot: depth"),
        (lambda: tf.math.top_k(X, k="2"), TypeError, "TopKV2: k"),
        (lambda: tf.linspace(0.0, 1.0, 2.5), TypeError, "LinSpace: num"),
    ],
)
def test_shapes_and_sizes(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "call, error, message",
    [
        # The scan's error used to name ScanOp, TF's kernel, not the op called.
        (lambda: tf.cumsum(X, axis=5), InvalidArgumentError, r"Cumsum: .*range \[-2, 2\)"),
        (lambda: tf.cumsum(X, axis=1.5), TypeError, "Cumsum: axis must be integers"),
        (lambda: tf.reduce_sum(X, axis=5), InvalidArgumentError, "Sum: .*out of range"),
        (lambda: tf.reduce_sum(X, axis=1.0), TypeError, "Cannot convert 1.0"),
        (lambda: tf.reduce_sum(X, axis="1"), InvalidArgumentError, "Sum: axis"),
        (lambda: tf.expand_dims(X, 3), InvalidArgumentError, "expand dim index 3"),
        (lambda: tf.concat([X, X], axis=[1, 1]), TypeError, "ConcatV2: axis must be int"),
        (lambda: tf.stack([X, X], axis="0"), TypeError, "Pack: axis"),
        (lambda: tf.unstack(X, axis=4), InvalidArgumentError, "Unpack: axis 4"),
        (lambda: tf.gather(X, [1], axis=True), TypeError, "GatherV2: axis"),
        (lambda: tf.argmax(X, axis=[1]), TypeError, "ArgMax: axis must be int"),
        (lambda: tf.nn.softmax(X, axis=1.5), TypeError, "Softmax: axis"),
        (lambda: tf.squeeze(X[None], axis=[[0]]), TypeError, "Squeeze: axis"),
        (lambda: tf.reverse(X, 1), InvalidArgumentError, "ReverseV2: axis must be a 1-D"),
        (lambda: tf.nn.moments(X, axes=[[1]]), TypeError, "moments: axes"),
        (lambda: tf.transpose(X, [1.0, 0.0]), InvalidArgumentError, "Transpose: perm"),
    ],
)
def test_axes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_argument_type_errors_are_both_of_tfs_types():
    # TF raises TypeError or InvalidArgumentError for the same mistake depending on how the
    # op converts it; both except clauses catch tapeflow's.
    with pytest.raises(ArgumentTypeError) as info:
        tf.reduce_sum(X, axis=1.5)
    assert isinstance(info.value, TypeError) and isinstance(info.value, InvalidArgumentError)


def test_numpy_float_shapes_are_cast_as_tf_does():
    # TF converts a NumPy float array to int32 by casting: tf.zeros(np.array([2.5, 3.0])).
    assert tf.zeros(np.array([2.5, 3.0])).shape == (2, 3)
    assert tf.reshape(X, tf.constant([3, 2])).shape == (3, 2)
    assert tf.reshape(X, [tf.constant(3), -1]).shape == (3, 2)
    assert tf.zeros(tf.TensorShape([2, 1])).shape == (2, 1)


@pytest.mark.parametrize(
    "call, message",
    [
        # NumPy's "Cannot cast array data from dtype('float32') to dtype('int64')" before.
        (lambda: tf.gather(X, [0.0, 1.0]), "GatherV2: indices must be int"),
        (lambda: tf.gather(X, np.array([True, False])), "GatherV2: indices must be int"),
        (lambda: tf.math.unsorted_segment_sum(X, [0.0, 1.0], 2), "UnsortedSegmentSum"),
        (lambda: tf.nn.embedding_lookup(X, [True]), "GatherV2"),
    ],
)
def test_index_dtypes(call, message):
    with pytest.raises(InvalidArgumentError, match=message):
        call()


@pytest.mark.parametrize(
    "fn",
    [tf.abs, tf.square, tf.round, tf.nn.relu, tf.nn.relu6, tf.nn.leaky_relu, tf.cumsum],
)
def test_number_ops_refuse_bool(fn):
    with pytest.raises(InvalidArgumentError, match="got bool"):
        fn(tf.constant([True, False]))


@pytest.mark.parametrize("fn", [tf.add, tf.multiply, tf.maximum, tf.less, tf.math.floordiv])
def test_binary_number_ops_refuse_bool(fn):
    b = tf.constant([True, False])
    with pytest.raises(InvalidArgumentError, match="got bool"):
        fn(b, b)


def test_bool_keeps_working_where_tf_takes_it():
    b = tf.constant([True, False])
    assert tf.equal(b, b).numpy().all()
    assert tf.reshape(b, [2, 1]).shape == (2, 1)
    assert tf.concat([b, b], 0).shape == (4,)
    assert tf.gather(b, [1]).numpy().tolist() == [False]


def test_errors_name_the_public_op_not_the_kernel():
    with pytest.raises(InvalidArgumentError) as info:
        tf.fill([-2], 1.0)
    assert "BroadcastTo" not in str(info.value)
    # An op exported under another name than its op type names both.
    with pytest.raises(ValueError, match=r"Mul \(tf.multiply\)"):
        tf.multiply(X, None)
    # A composite op's internal error gets the public name in front.
    with pytest.raises(InvalidArgumentError, match=r"^tf.math.reduce_std: Mean does not"):
        tf.math.reduce_std(tf.constant(["a"]))
    # Aliases: the error names the name the user may have called.
    with pytest.raises(ValueError, match=r"tf.nn.swish \(tf.nn.silu\)"):
        tf.nn.silu(None)


def test_deliberate_assertion_messages_stay_tfs():
    with pytest.raises(InvalidArgumentError) as info:
        tf.debugging.assert_equal(tf.constant([1]), tf.constant([2]))
    assert str(info.value).startswith("Condition x == y did not hold")


def test_empty_lists_of_axes_and_sizes_are_fine():
    assert tf.reduce_sum(X, axis=[]).shape == (2, 3)
    assert tf.zeros([]).shape == ()
    assert tf.constant([], tf.int64).shape == (0,)
