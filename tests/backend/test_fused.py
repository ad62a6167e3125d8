"""Fused elementwise chains: every native kernel against its NumPy fallback (bitwise for the
bias and relu kernels, float tolerance for the cross entropies, whose exp and log differ).
Run when Numba is installed."""

import numpy as np
import pytest

from tapeflow import backend
from tapeflow.backend import fused, native

pytestmark = [
    pytest.mark.skipif(not native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native kernels run on NumPy arrays only"),
]

DTYPES = [np.float32, np.float64]
# Large enough for the kernels (fused.MIN_NATIVE_SIZE), odd sizes; one below the threshold;
# one channel (NumPy sums a contiguous column pairwise, so the kernel must not take it).
SHAPES = [(300,), (37, 11), (3, 17, 9, 5), (4, 3), (1000, 1), (20, 50, 1)]


def _both(function, *args):
    """(native result, fallback result) of `function(*args)`."""
    native_result = function(*args)
    native.set_enabled(False)
    try:
        fallback_result = function(*args)
    finally:
        native.set_enabled(True)
    return native_result, fallback_result


def _bits(a):
    a = np.asarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def _with_specials(a):
    flat = a.reshape(-1)
    flat[:4] = [0.0, -0.0, np.nan, np.inf]
    return a


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_relu_kernels_equal_their_fallbacks_bitwise(dtype, shape, rng):
    g = _with_specials(rng.standard_normal(shape).astype(dtype))
    y = _with_specials(rng.standard_normal(shape).astype(dtype))[::-1].copy()
    bias = rng.standard_normal(shape[-1]).astype(dtype)
    with np.errstate(invalid="ignore"):
        pairs = [
            _both(fused.relu_grad, g, y),
            _both(fused.bias_relu, g, bias),
            *zip(*_both(fused.relu_grad_bias_grad, g, y), strict=True),
            *(_both(fused.sum_leading, g, k) for k in range(1, g.ndim)),
        ]
        expected = g * (y > 0)
    for a, b in pairs:
        assert a.shape == b.shape and a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(_bits(a), _bits(b))
    dx, db = pairs[2][0], pairs[3][0]
    np.testing.assert_array_equal(dx, expected)
    assert db.shape == (shape[-1],)


@pytest.mark.parametrize("shape", [(33, 10), (5, 7, 3), (300,)], ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_cross_entropy_kernels_agree_with_their_fallbacks(dtype, shape, rng):
    # (300,) is one row of 300 classes: the kernel sees it as (1, 300).
    logits = (3 * rng.standard_normal(shape)).astype(dtype)
    labels = rng.integers(0, shape[-1], shape[:-1])
    probabilities = rng.uniform(0.0, 1.0, shape).astype(dtype)
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    tolerance = {"rtol": 2e-6, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-13}
    for function, target in (
        (fused.sparse_softmax_xent, labels),
        (fused.softmax_xent, probabilities),
    ):
        (loss, grad), (loss0, grad0) = _both(function, logits, target)
        assert loss.shape == shape[:-1] and grad.shape == shape
        assert loss.dtype == grad.dtype == dtype
        np.testing.assert_allclose(loss, loss0, **tolerance)
        np.testing.assert_allclose(grad, grad0, **tolerance)
    # The gradient of the mean loss is softmax - one_hot: each row sums to zero.
    _, grad = fused.sparse_softmax_xent(logits, labels)
    np.testing.assert_allclose(grad.sum(axis=-1), 0.0, atol=1e-5)


def test_kernels_compile_for_int32_labels_too(rng):
    logits = rng.standard_normal((40, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 40).astype(np.int32)
    (loss, _), (loss0, _) = _both(fused.sparse_softmax_xent, logits, labels)
    np.testing.assert_allclose(loss, loss0, rtol=2e-6)


@pytest.mark.parametrize(
    "shapes", [((64, 20), (64, 7)), ((3, 5, 40), (3, 5, 9)), ((300,), (2,)), ((2, 3), (2, 4))],
    ids=str,
)  # fmt: skip
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_batch_outer_kernel_equals_the_broadcast_multiply_bitwise(dtype, shapes, rng):
    a = _with_specials(rng.standard_normal(shapes[0]).astype(dtype))
    b = rng.standard_normal(shapes[1]).astype(dtype)
    b.reshape(-1)[-1] = 0.0  # inf * 0 gives NaN, as NumPy's does
    with np.errstate(invalid="ignore"):
        got, fallback = _both(fused.batch_outer, a, b)
        want = a[..., :, None] * b[..., None, :]
    assert got.shape == want.shape and got.dtype == dtype and got.flags.c_contiguous
    np.testing.assert_array_equal(_bits(got), _bits(want))
    np.testing.assert_array_equal(_bits(fallback), _bits(want))


def test_batch_outer_kernel_takes_strided_inputs(rng):
    a = rng.standard_normal((40, 30)).astype(np.float32)[:, ::2]  # not contiguous: NumPy
    b = rng.standard_normal((40, 9)).astype(np.float32)
    np.testing.assert_array_equal(fused.batch_outer(a, b), a[:, :, None] * b[:, None, :])


@pytest.fixture
def small_recycling(monkeypatch):
    """Recycling from 4 KiB up, and an empty list before and after."""
    monkeypatch.setattr(fused, "RECYCLE_MIN_BYTES", 4096)
    fused.release_recycled()
    yield
    fused.release_recycled()


def test_a_recycled_buffer_is_reused_only_once_nothing_refers_to_it(small_recycling):
    import tapeflow as tf

    first = fused.recycled_empty((32, 64), np.float32)
    second = fused.recycled_empty((32, 64), np.float32)
    assert not np.shares_memory(first, second)  # `first` is alive
    address = first.__array_interface__["data"][0]
    view, memory = first[3:], memoryview(second)
    del first, second
    third = fused.recycled_empty((32, 64), np.float32)  # both are referred to: a new one
    assert not np.shares_memory(third, view) and not np.shares_memory(third, np.asarray(memory))
    tensor = tf.constant(0.0)
    tensor._value = third  # what a kernel's output becomes
    del view, third
    again = fused.recycled_empty((32, 64), np.float32)  # the viewed one, now dead
    assert again.__array_interface__["data"][0] == address
    assert not np.shares_memory(again, tensor._value)
    assert again.shape == (32, 64) and again.dtype == np.float32 and again.flags.c_contiguous
    assert fused.recycled_bytes() == 2 * 32 * 64 * 4  # two kept per shape, the third not


def test_small_buffers_are_not_recycled_and_release_forgets(small_recycling):
    small = fused.recycled_empty((10, 10), np.float64)  # 800 bytes
    assert fused.recycled_bytes() == 0
    del small
    fused.recycled_empty((40, 40), np.float64)
    assert fused.recycled_bytes() == 40 * 40 * 8
    fused.release_recycled()
    assert fused.recycled_bytes() == 0


def test_batch_outer_outputs_alive_are_never_overwritten(small_recycling, rng):
    a = rng.standard_normal((16, 40)).astype(np.float32)
    b = rng.standard_normal((16, 9)).astype(np.float32)
    outs = [fused.batch_outer(a * k, b) for k in range(1, 5)]
    for k, out in enumerate(outs, 1):
        np.testing.assert_array_equal(out, (a * k)[:, :, None] * b[:, None, :])
