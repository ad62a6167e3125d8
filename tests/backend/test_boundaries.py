"""Where host (NumPy) values meet the backend: `to_backend`, `array_module`, host ops and the
kernels that plan on the host. Run by both suites: on the CuPy stand-in these check that every
Tensor holds a device array (text excepted) and that host code gets NumPy arrays."""

import numpy as np

import tapeflow as tf
from tapeflow.backend import array_module, to_backend, to_numpy, xp
from tapeflow.core import registry


def test_to_backend_moves_numbers_and_keeps_text():
    numbers = to_backend(np.arange(3.0))
    assert isinstance(numbers, xp.ndarray) and to_numpy(numbers).tolist() == [0.0, 1.0, 2.0]
    assert to_backend(numbers) is numbers  # already there
    text = np.array([b"a", b"b"], dtype=object)
    assert to_backend(text) is text  # string tensors keep NumPy object arrays
    assert float(to_backend(np.float32(2.5))) == 2.5


def test_array_module_follows_where_the_array_lives():
    assert array_module(np.array([b"a"], dtype=object)) is np
    assert array_module(xp.zeros(2)) is xp


def test_a_host_op_gets_numpy_and_returns_backend_arrays():
    seen = []

    @registry.op("TestOnlyHostOp", host=True, strings=True, differentiable=False, same_dtype=())
    def _host_op(text, numbers):
        seen.append((type(text), type(numbers)))
        return np.array([len(v) for v in text.tolist()], np.int32) + numbers

    try:
        out = _host_op(tf.constant(["ab", "c"]), tf.constant([10, 20]))
    finally:
        del registry._REGISTRY["TestOnlyHostOp"]
    assert seen == [(np.ndarray, np.ndarray)]
    assert isinstance(out._value, xp.ndarray) and out.numpy().tolist() == [12, 21]


def test_numbers_computed_from_text_are_backend_arrays():
    lengths = tf.strings.length(["ab", "c"])
    parsed = tf.strings.to_number(["1.5"])
    (column,) = tf.io.decode_csv(["3"], [[0]])
    ragged = tf.RaggedTensor.from_tensor([[1, 2, 0], [3, 0, 0]], padding=0)
    for t in (lengths, parsed, column, ragged.flat_values, ragged.row_splits):
        assert isinstance(t._value, xp.ndarray), t
    assert ragged.to_list() == [[1, 2], [3]]


def test_preprocessing_draws_become_backend_arrays():
    flip = tf.keras.layers.RandomFlip(seed=1)
    images = tf.constant(np.arange(8.0, dtype=np.float32).reshape(2, 2, 2, 1))
    out = flip(images)
    assert isinstance(out._value, xp.ndarray)
    assert sorted(out.numpy().reshape(-1).tolist()) == list(range(8))  # pixels only move


def test_sparse_reduce_max_takes_the_largest_stored_value_per_slot(rng):
    # Ties, and negative values (the implicit zeros do not count), as TF gives them.
    indices = np.array([[0, 0], [0, 2], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2]], np.int64)
    values = np.array([-3.0, -3.0, 5.0, 5.0, -4.0, 1.0, -2.0], np.float32)
    sp = tf.sparse.SparseTensor(indices, values, [4, 3])
    got = tf.sparse.reduce_max(sp, axis=1).numpy()
    np.testing.assert_array_equal(got, np.array([-3.0, 5.0, 1.0, 0.0], np.float32))
    dense = rng.normal(size=(5, 6)).astype(np.float32)
    dense[rng.random((5, 6)) < 0.5] = 0.0
    dense[1] = 0.0  # a row with no stored value gives 0
    nonzero = np.argwhere(dense != 0)
    sp = tf.sparse.SparseTensor(nonzero, dense[dense != 0], dense.shape)
    want = [max(row[row != 0], default=0.0) for row in dense]
    np.testing.assert_array_equal(tf.sparse.reduce_max(sp, axis=1).numpy(), want)
