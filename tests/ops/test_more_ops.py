"""Segment, counting, searching and tf.linalg decomposition ops beyond the golden cases: the
public functions inside tf.function with inputs that change between calls, gradients TF does
not define, the conventions TF's gradients follow, and errors that name the op.

TensorFlow's numbers for these ops are checked in test_more_ops_golden.py.
"""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError


def _traced_matches_eager(fn, *calls):
    """fn under tf.function gives eager's bits for every argument tuple in `calls`."""
    traced = tf.function(fn)
    for args in calls:
        args = [tf.constant(a) for a in args]
        want = tf.nest.flatten(fn(*args))
        got = tf.nest.flatten(traced(*args))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_array_equal(g.numpy(), w.numpy())


@pytest.mark.parametrize(
    "fn",
    [
        lambda d, ids: tf.math.segment_sum(d, ids),
        lambda d, ids: tf.math.segment_max(d, ids),
        lambda d, ids: tf.math.segment_mean(d, ids),
        lambda d, ids: tf.math.unsorted_segment_mean(d, ids, 4),
        lambda d, ids: tf.math.unsorted_segment_prod(d, ids, 4),
        lambda d, ids: tf.math.unsorted_segment_sqrt_n(d, ids, 4),
    ],
)
def test_segment_ops_in_tf_function_follow_new_ids(fn, rng):
    # The number of sorted segments comes from the ids' values: a new last id changes the
    # output's shape, and the traced function must notice (not replay the first shape).
    data = rng.standard_normal((5, 2))
    _traced_matches_eager(
        fn,
        (data, np.array([0, 0, 1, 2, 2], np.int32)),
        (data + 1, np.array([0, 1, 1, 3, 3], np.int32)),
        (data, np.array([0, 0, 0, 0, 0], np.int32)),
    )


def test_counting_and_searching_in_tf_function_follow_new_values():
    _traced_matches_eager(
        lambda a: tf.math.bincount(a, minlength=2),
        (np.array([1, 1, 3], np.int32),),
        (np.array([7, 0, 0], np.int32),),
    )
    _traced_matches_eager(
        lambda x: tf.unique_with_counts(x),
        (np.array([3.0, 1.0, 3.0]),),
        (np.array([1.0, 2.0, 3.0]),),
    )
    _traced_matches_eager(
        lambda s, v: tf.searchsorted(s, v, side="right"),
        (np.array([[0.0, 1.0, 2.0]]), np.array([[1.0, 5.0]])),
        (np.array([[0.0, 0.5, 0.7]]), np.array([[-1.0, 0.6]])),
    )
    _traced_matches_eager(
        lambda x: tf.histogram_fixed_width_bins(x, [0.0, 1.0], nbins=4),
        (np.array([0.1, 0.9, 2.0]),),
        (np.array([0.3, -0.5, 0.55]),),
    )


def test_linalg_composites_in_tf_function_follow_new_values(rng):
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    rhs = rng.standard_normal((4, 2))
    _traced_matches_eager(tf.linalg.pinv, (a,), (b,))
    _traced_matches_eager(tf.linalg.matrix_rank, (a,), (np.outer(a[:, 0], a[0]),))
    _traced_matches_eager(lambda m, r: tf.linalg.lstsq(m, r, 0.1), (a, rhs), (b, rhs))
    square = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    _traced_matches_eager(
        lambda m, r: tf.linalg.lu_solve(*tf.linalg.lu(m), r),
        (square, rhs[:3]),
        (square.T, rhs[1:]),
    )
    _traced_matches_eager(tf.linalg.expm, (square * 0.1,), (square * 2.0,))
    _traced_matches_eager(lambda x: tf.norm(x, ord=2, axis=[0, 1]), (a,), (b,))


# ---- gradients TF does not define ------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: tf.unique(x)[0],
        lambda x: tf.unique_with_counts(x)[0],
        lambda x: tf.math.bincount(tf.constant([0, 1, 1]), weights=x),
        lambda x: tf.linalg.lu(tf.reshape(tf.concat([x, [5.0]], 0), (2, 2)))[0],
    ],
)
def test_no_gradient_is_a_lookup_error_as_in_tensorflow(fn):
    x = tf.constant([3.0, 1.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    with pytest.raises(LookupError, match="gradient registry has no entry"):
        tape.gradient(y, x)


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_stop_gradient_around_unique_gives_none():
    x = tf.constant([3.0, 1.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.unique(tf.stop_gradient(x))[0]
    assert tape.gradient(y, x) is None


def test_lstsq_without_fast_has_no_gradient():
    a = tf.constant(np.eye(3, 2))
    with tf.GradientTape() as tape:
        tape.watch(a)
        x = tf.linalg.lstsq(a, tf.ones((3, 1), tf.float64), fast=False)
    with pytest.raises(ValueError, match="fast=False"):
        tape.gradient(x, a)


def test_svd_and_qr_gradients_raise_where_tf_does():
    a = tf.constant(np.arange(10.0).reshape(5, 2))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        u = tf.linalg.svd(a, full_matrices=True)[1]
        q = tf.linalg.qr(a, full_matrices=True)[0]
    with pytest.raises(NotImplementedError, match="abs\\(m - n\\) > 1"):
        tape.gradient(u, a)
    with pytest.raises(NotImplementedError, match="nrows > ncols"):
        tape.gradient(q, a)


# ---- conventions of TF's gradients -----------------------------------------------------------


def test_unsorted_segment_sum_gradient_is_zero_for_dropped_rows():
    # A negative id drops the row (TF); its gradient is 0, not an index error.
    data = tf.constant([1.0, 5.0, 3.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(data)
        y = tf.math.unsorted_segment_sum(data, [0, 0, 2, -1], 3)
    np.testing.assert_array_equal(tape.gradient(y, data).numpy(), [1.0, 1.0, 1.0, 0.0])


def test_segment_max_shares_the_gradient_among_ties():
    data = tf.constant([5.0, 5.0, 1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(data)
        y = tf.math.segment_max(data, [0, 0, 0, 1])
    np.testing.assert_array_equal(tape.gradient(y, data).numpy(), [0.5, 0.5, 0.0, 1.0])


def test_eigh_gradient_is_finite_for_repeated_eigenvalues():
    a = tf.constant(np.diag([2.0, 2.0, 5.0]))
    with tf.GradientTape() as tape:
        tape.watch(a)
        e, v = tf.linalg.eigh(a)
        loss = tf.reduce_sum(e) + tf.reduce_sum(v * v)
    g = tape.gradient(loss, a).numpy()
    assert np.isfinite(g).all()
    # d sum(e) = I in the lower triangle TF's gradient lives in (the upper one is never read).
    np.testing.assert_allclose(np.diag(g), [1.0, 1.0, 1.0], atol=1e-12)
    assert np.all(np.triu(g, 1) == 0)


def test_svd_second_order_through_nested_tapes(rng):
    a = tf.constant(rng.standard_normal((3, 3)))
    with tf.GradientTape() as outer:
        outer.watch(a)
        with tf.GradientTape() as inner:
            inner.watch(a)
            s = tf.linalg.svd(a, compute_uv=False)
            loss = tf.reduce_sum(s * s)  # = ||a||_F^2, whose gradient is 2a
        g = inner.gradient(loss, a)
        total = tf.reduce_sum(g)
    np.testing.assert_allclose(g.numpy(), 2 * a.numpy(), atol=1e-12)
    np.testing.assert_allclose(outer.gradient(total, a).numpy(), np.full((3, 3), 2.0), atol=1e-10)


def test_expm_gradient_matches_finite_differences_of_a_large_matrix(rng):
    a = rng.standard_normal((4, 4)) * 3.0  # norm far above 5.4: scaling and squaring
    w = rng.standard_normal((4, 4))
    x = tf.constant(a)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(tf.linalg.expm(x) * w)
    direction = rng.standard_normal((4, 4))
    eps = 1e-6
    plus = np.sum(tf.linalg.expm(a + eps * direction).numpy() * w)
    minus = np.sum(tf.linalg.expm(a - eps * direction).numpy() * w)
    numeric = (plus - minus) / (2 * eps)
    analytic = np.sum(tape.gradient(loss, x).numpy() * direction)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6)


# ---- values and errors -----------------------------------------------------------------------


def test_unsorted_segment_max_of_an_empty_segment_is_the_lowest_value():
    out = tf.math.unsorted_segment_max(tf.constant([1.0], tf.float64), [0], 2)
    assert out.numpy()[1] == np.finfo(np.float64).min


def test_segment_errors_name_the_op():
    with pytest.raises(InvalidArgumentError, match="SegmentSum: segment ids are not increasing"):
        tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), [0, 1, 0])
    with pytest.raises(InvalidArgumentError, match=r"UnsortedSegmentMin: segment_ids\[1\] = 2"):
        tf.math.unsorted_segment_min(tf.constant([1.0, 2.0]), [0, 2], 2)
    with pytest.raises(TypeError, match="num_segments"):
        tf.math.unsorted_segment_max(tf.constant([1.0]), [0], 1.5)


def test_unique_keeps_first_occurrence_order_and_out_idx():
    y, idx, count = tf.unique_with_counts(tf.constant([5, 3, 5, 9, 3]), out_idx=tf.int64)
    assert y.numpy().tolist() == [5, 3, 9]
    assert idx.dtype == tf.int64 and idx.numpy().tolist() == [0, 1, 0, 2, 1]
    assert count.dtype == tf.int64 and count.numpy().tolist() == [2, 2, 1]


def test_svd_reconstructs_and_returns_tf_order(rng):
    a = rng.standard_normal((2, 5, 3)).astype(np.float32)
    s, u, v = tf.linalg.svd(a)
    assert s.dtype == tf.float32 and s.shape == (2, 3) and u.shape == (2, 5, 3)
    assert v.shape == (2, 3, 3)
    recon = tf.matmul(u * s[:, None, :], v, adjoint_b=True)
    np.testing.assert_allclose(recon.numpy(), a, atol=1e-5)
    assert np.all(np.diff(s.numpy(), axis=-1) <= 0)


def test_lu_packs_factors_with_the_row_permutation(rng):
    a = rng.standard_normal((4, 4))
    lu, p = tf.linalg.lu(a)
    lower = np.tril(lu.numpy(), -1) + np.eye(4)
    upper = np.triu(lu.numpy())
    np.testing.assert_allclose(a[p.numpy()], lower @ upper, atol=1e-12)
    assert np.all(np.abs(np.tril(lu.numpy(), -1)) <= 1.0)  # partial pivoting
    np.testing.assert_allclose(tf.linalg.lu_reconstruct(lu, p).numpy(), a, atol=1e-12)
