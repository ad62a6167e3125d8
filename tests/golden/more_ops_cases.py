"""The cases of more_ops.json: segment reductions, counting, searching, scatter min/max and the
tf.linalg decompositions and functions, written once for TensorFlow and for tapeflow.

Each case is a function of the `tf` module (TensorFlow, or tapeflow) returning tensors (in
dicts, lists or tuples); `make_more_ops.py` runs them with TensorFlow 2.21 and stores the
encoded results, or the error type a case raised; tests/ops/test_more_ops_golden.py runs them
again under tapeflow, eagerly and inside tf.function, and compares. Inputs come from
formulas (no random streams), so both sides see the same numbers.

Singular vectors and eigenvectors are unique only up to sign, and LAPACK's signs differ from
TF's Eigen kernels': those cases return sign-free quantities (u * u, reconstructions,
projections) and differentiate sign-free losses.
"""

import numpy as np

CASES = {}  # name -> (function of tf, {"rtol": ..., "atol": ...})


def case(name, rtol=1e-6, atol=1e-6):
    def register(fn):
        if name in CASES:
            raise ValueError(f"case {name!r} is defined twice")
        CASES[name] = (fn, {"rtol": rtol, "atol": atol})
        return fn

    return register


def data(shape, seed=0, dtype=np.float64):
    """Deterministic values in [-2, 2] (a formula, not a random stream); quadratic in the
    position, so the matrices it fills are generic (full rank, distinct singular values)."""
    n = int(np.prod(shape))
    k = np.arange(1, n + 1)
    values = 2 * np.sin(0.91 * k * k + 1.37 * k * (seed + 1) + seed)
    return values.reshape(shape).astype(dtype)


def well_conditioned(n, seed=0, dtype=np.float64, batch=()):
    return (data(batch + (n, n), seed) + 4 * np.eye(n)).astype(dtype)


def symmetric(n, seed=0, dtype=np.float64, batch=()):
    a = data(batch + (n, n), seed)
    return (a + np.swapaxes(a, -1, -2)).astype(dtype)


def weights(shape, k=0, dtype=np.float64):
    n = int(np.prod(shape))
    return np.cos(np.arange(n) * 0.9 + k).reshape(shape).astype(dtype)


def with_grads(tf, fn, *arrays):
    """{"out": fn(*xs), "grads": d <w, fn(*xs)> / d xs} for fixed weights w on each float
    output (integer outputs carry no gradient)."""
    xs = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        out = fn(*xs)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = None
        for k, o in enumerate(outs):
            if o.dtype.is_floating:
                w = tf.constant(weights(o.shape.as_list(), k, o.dtype.as_numpy_dtype))
                term = tf.reduce_sum(o * w)
                loss = term if loss is None else loss + term
    return {"out": out, "grads": tape.gradient(loss, xs)}


def sq(tf, x):
    return x * x


# ---- sorted segments -------------------------------------------------------------------------

SORTED_IDS = np.array([0, 0, 1, 3, 3, 3], np.int32)  # segment 2 is empty
TIES = np.array([1.0, 5.0, 5.0, 2.0, -1.0, 2.0, 2.0])
TIE_IDS = np.array([0, 0, 0, 1, 1, 1, 2], np.int64)
ZEROS = np.array([2.0, 0.0, 3.0, 0.0, 0.0, 4.0, 5.0, 0.5])
ZERO_IDS = np.array([0, 0, 0, 1, 1, 2, 2, 3], np.int32)  # one zero, two zeros, none, none

for _name in ("sum", "mean", "max", "min", "prod"):

    @case(f"segment_{_name}")
    def _segment(tf, _name=_name):
        fn = getattr(tf.math, f"segment_{_name}")
        return with_grads(tf, lambda d: fn(d, SORTED_IDS), data((6, 2)))

    @case(f"segment_{_name}_int")
    def _segment_int(tf, _name=_name):
        fn = getattr(tf.math, f"segment_{_name}")
        # -4 + 1 = -3 over 2 rows: an integer mean rounds toward zero (-1, not -2).
        return fn(tf.constant([[3, -4], [5, 1], [7, 7], [1, 0]], tf.int32), [0, 0, 2, 2])


@case("segment_max_ties_split_gradient")
def _(tf):
    return with_grads(tf, lambda d: tf.math.segment_max(d, TIE_IDS), TIES)


@case("segment_min_ties_split_gradient")
def _(tf):
    return with_grads(tf, lambda d: tf.math.segment_min(d, TIE_IDS), TIES)


@case("segment_prod_zeros_gradient")
def _(tf):
    return with_grads(tf, lambda d: tf.math.segment_prod(d, ZERO_IDS), ZEROS)


@case("segment_mean_float32")
def _(tf):
    return with_grads(tf, lambda d: tf.math.segment_mean(d, SORTED_IDS), data((6, 3), 1, "f4"))


@case("segment_sum_empty")
def _(tf):
    return tf.math.segment_sum(tf.zeros([0, 3]), tf.zeros([0], tf.int32))


@case("segment_sum_not_increasing")
def _(tf):
    return tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), [0, 1, 0])


@case("segment_max_negative_id")
def _(tf):
    return tf.math.segment_max(tf.constant([1.0, 2.0, 3.0]), [-1, 0, 0])


@case("segment_sum_ids_too_short")
def _(tf):
    return tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), [0, 0])


@case("segment_sum_ids_not_a_vector")
def _(tf):
    return tf.math.segment_sum(tf.ones([2, 2]), [[0, 0], [1, 1]])


@case("segment_sum_float_ids")
def _(tf):
    return tf.math.segment_sum(tf.constant([1.0, 2.0]), tf.constant([0.0, 1.0]))


# ---- unsorted segments -----------------------------------------------------------------------

ANY_IDS = np.array([2, 0, -1, 2, 0, 4], np.int32)  # a dropped row; segments 1 and 3 empty
IDS_2D = np.array([[1, 0, 1], [-1, 1, 0]], np.int64)

for _name in ("sum", "mean", "max", "min", "prod", "sqrt_n"):

    @case(f"unsorted_segment_{_name}")
    def _unsorted(tf, _name=_name):
        fn = getattr(tf.math, f"unsorted_segment_{_name}")
        return with_grads(tf, lambda d: fn(d, ANY_IDS, 5), data((6, 2), 2))

    @case(f"unsorted_segment_{_name}_2d_ids")
    def _unsorted_2d(tf, _name=_name):
        fn = getattr(tf.math, f"unsorted_segment_{_name}")
        return with_grads(tf, lambda d: fn(d, IDS_2D, tf.constant(3)), data((2, 3, 2), 3, "f4"))


for _name in ("sum", "mean", "max", "min", "prod"):

    @case(f"unsorted_segment_{_name}_int")
    def _unsorted_int(tf, _name=_name):
        fn = getattr(tf.math, f"unsorted_segment_{_name}")
        return fn(tf.constant([4, -3, 9, 2], tf.int32), [1, 1, -1, 3], 4)


@case("unsorted_segment_max_ties_split_gradient")
def _(tf):
    return with_grads(tf, lambda d: tf.math.unsorted_segment_max(d, TIE_IDS, 4), TIES)


@case("unsorted_segment_prod_zeros_gradient")
def _(tf):
    return with_grads(tf, lambda d: tf.math.unsorted_segment_prod(d, ZERO_IDS, 5), ZEROS)


@case("unsorted_segment_max_id_out_of_range")
def _(tf):
    return tf.math.unsorted_segment_max(tf.constant([1.0, 2.0]), [0, 2], 2)


@case("unsorted_segment_sum_id_out_of_range")
def _(tf):
    return tf.math.unsorted_segment_sum(tf.constant([1.0, 2.0]), [0, 2], 2)


@case("unsorted_segment_min_shape_mismatch")
def _(tf):
    return tf.math.unsorted_segment_min(tf.ones([2, 2]), [0, 1, 1], 2)


@case("unsorted_segment_prod_negative_num_segments")
def _(tf):
    return tf.math.unsorted_segment_prod(tf.ones([2]), [0, 1], -1)


@case("unsorted_segment_sqrt_n_int")
def _(tf):
    return tf.math.unsorted_segment_sqrt_n(tf.constant([1, 2]), [0, 0], 1)


# ---- tensor_scatter_nd_min / max -------------------------------------------------------------

SCATTER_T = np.array([[1.0, 5.0], [3.0, -2.0], [0.5, 0.5]])
SCATTER_I = np.array([[0], [2], [0]], np.int32)
SCATTER_U = np.array([[4.0, 6.0], [0.5, 1.0], [0.0, 5.0]])  # ties with tensor and each other

for _name in ("min", "max", "sub", "add", "update"):

    @case(f"tensor_scatter_nd_{_name}")
    def _scatter(tf, _name=_name):
        fn = getattr(tf, f"tensor_scatter_nd_{_name}")
        if _name == "update":  # repeated indices make update order-dependent
            return with_grads(tf, lambda t, u: fn(t, SCATTER_I[:2], u[:2]), SCATTER_T, SCATTER_U)
        return with_grads(tf, lambda t, u: fn(t, SCATTER_I, u), SCATTER_T, SCATTER_U)


@case("tensor_scatter_nd_max_int_elements")
def _(tf):
    return tf.tensor_scatter_nd_max(
        tf.constant([1, 7, 3, 4]), tf.constant([[1], [3], [3]]), tf.constant([2, 9, 5])
    )


@case("tensor_scatter_nd_min_index_out_of_range")
def _(tf):
    return tf.tensor_scatter_nd_min(tf.ones([3]), tf.constant([[3]]), tf.constant([0.0]))


# ---- bincount --------------------------------------------------------------------------------

ARR = np.array([1, 1, 2, 3, 2, 4, 4, 5], np.int32)


@case("bincount")
def _(tf):
    return {
        "plain": tf.math.bincount(ARR),
        "minlength": tf.math.bincount(ARR, minlength=8),
        "maxlength": tf.math.bincount(ARR, maxlength=3),
        "both": tf.math.bincount(ARR, minlength=2, maxlength=4),
        "weights": tf.math.bincount(ARR, weights=tf.constant(data((8,)), tf.float32)),
        "weights_f64": tf.math.bincount(ARR, weights=data((8,))),
        "weights_int": tf.math.bincount(ARR, weights=tf.range(8)),
        "float64_dtype": tf.math.bincount(ARR, dtype=tf.float64),
        "dtype_int64": tf.math.bincount(ARR, dtype=tf.int64),
        "binary": tf.math.bincount(ARR, binary_output=True),
        "empty": tf.math.bincount(tf.constant([], tf.int32)),
        "empty_minlength": tf.math.bincount(tf.constant([], tf.int32), minlength=3),
        "matrix_flattened": tf.math.bincount(tf.constant([[1, 2], [3, 3]])),
        "int64_arr": tf.math.bincount(tf.constant([1, 2], tf.int64)),
        "float_arr": tf.math.bincount(tf.constant([1.0, 2.7])),
        "list": tf.math.bincount([1, 2, 2]),
        "minlength_tensor": tf.math.bincount(ARR, minlength=tf.constant(7)),
    }


@case("bincount_axis_last")
def _(tf):
    rows = tf.constant([[1, 2, 2], [3, 0, 3]])
    return {
        "counts": tf.math.bincount(rows, axis=-1),
        "weights": tf.math.bincount(rows, weights=data((2, 3)), axis=-1),
        "binary": tf.math.bincount(rows, axis=-1, binary_output=True, minlength=5),
        "maxlength": tf.math.bincount(rows, axis=-1, maxlength=2),
        "vector": tf.math.bincount(tf.constant([0, 2]), axis=-1),
    }


@case("bincount_negative")
def _(tf):
    return tf.math.bincount(tf.constant([1, -1, 2]))


@case("bincount_binary_and_weights")
def _(tf):
    return tf.math.bincount(ARR, weights=tf.ones(8), binary_output=True)


@case("bincount_weights_shape")
def _(tf):
    return tf.math.bincount(ARR, weights=tf.ones(3))


@case("bincount_rank3_axis")
def _(tf):
    return tf.math.bincount(tf.ones([2, 2, 2], tf.int32), axis=-1)


@case("bincount_axis_1")
def _(tf):
    return tf.math.bincount(ARR, axis=1)


@case("bincount_weights_gradient")
def _(tf):
    w = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(w)
        y = tf.math.bincount(tf.constant([0, 1, 1]), weights=w)
    return tape.gradient(y, w)


# ---- unique ----------------------------------------------------------------------------------


@case("unique")
def _(tf):
    return {
        "int": tf.unique(tf.constant([3, 1, 3, 2, 1, 7])),
        "int64_idx": tf.unique(tf.constant([3, 1, 3]), out_idx=tf.int64),
        "float_nan_signed_zero": tf.unique(
            tf.constant([3.0, 1.0, 3.0, np.nan, np.nan, -0.0, 0.0, 1.0])
        ),
        "strings": tf.unique(tf.constant(["b", "a", "b", "c", "a"])),
        "bool": tf.unique(tf.constant([True, False, True])),
        "empty": tf.unique(tf.constant([], tf.float32)),
        "with_counts": tf.unique_with_counts(tf.constant([3, 1, 3, 2, 1, 3])),
        "with_counts_int64": tf.unique_with_counts(tf.constant([4.5, 4.5]), out_idx=tf.int64),
        "with_counts_strings": tf.unique_with_counts(tf.constant(["x", "y", "x"])),
    }


@case("unique_fields")
def _(tf):
    y, idx = tf.unique(tf.constant([2, 2, 1]))
    named = tf.unique(tf.constant([2, 2, 1]))
    counted = tf.unique_with_counts(tf.constant([2, 2, 1]))
    return [y, idx, named.y, named.idx, counted.y, counted.idx, counted.count]


@case("unique_matrix")
def _(tf):
    return tf.unique(tf.constant([[1, 2]]))


@case("unique_float_out_idx")
def _(tf):
    return tf.unique(tf.constant([1, 2]), out_idx=tf.float32)


@case("unique_gradient")
def _(tf):
    x = tf.constant([3.0, 1.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.unique(x)[0]
    return tape.gradient(y, x)


# ---- searchsorted ----------------------------------------------------------------------------

SEQ = np.array([[0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 5.0, 9.0]], np.float32)
VALS = np.array([[1.5, 2.0, -1.0], [1.0, 10.0, 5.0]], np.float32)


@case("searchsorted")
def _(tf):
    return {
        "left": tf.searchsorted(SEQ, VALS),
        "right": tf.searchsorted(SEQ, VALS, side="right"),
        "int64": tf.searchsorted(SEQ[0], [1.5, 3.0], out_type=tf.int64),
        "ints": tf.searchsorted(tf.constant([1, 3, 5]), tf.constant([0, 3, 6])),
        "rank3": tf.searchsorted(
            tf.reshape(tf.range(8.0), [2, 2, 2]), tf.constant([[[0.5], [3.5]], [[4.0], [9.0]]])
        ),
    }


@case("searchsorted_bad_side")
def _(tf):
    return tf.searchsorted(SEQ, VALS, side="middle")


@case("searchsorted_rows_differ")
def _(tf):
    return tf.searchsorted(SEQ, tf.constant([1.0]))


@case("searchsorted_dtypes_differ")
def _(tf):
    return tf.searchsorted(SEQ[0], tf.constant([1], tf.int32))


@case("searchsorted_float_out_type")
def _(tf):
    return tf.searchsorted(SEQ[0], [1.0], out_type=tf.float32)


# ---- histograms ------------------------------------------------------------------------------

HIST = np.array([-1.0, 0.0, 0.3, 1.5, 2.0, 2.9999, 4.99, 5.0, 15.0, 1e-8], np.float32)


@case("histogram_fixed_width")
def _(tf):
    return {
        "float32": tf.histogram_fixed_width(HIST, [0.0, 5.0], nbins=5),
        "int64": tf.histogram_fixed_width(HIST, [0.0, 5.0], nbins=5, dtype=tf.int64),
        "default_nbins": tf.histogram_fixed_width(HIST, [0.0, 5.0]),
        "ints": tf.histogram_fixed_width(tf.constant([1, 2, 3, 9, 10]), [0, 10], nbins=3),
        "matrix": tf.histogram_fixed_width(tf.constant(data((3, 4))), [-2.0, 2.0], nbins=7),
        "nbins_tensor": tf.histogram_fixed_width(HIST, [0.0, 5.0], nbins=tf.constant(3)),
    }


@case("histogram_fixed_width_bins")
def _(tf):
    return {
        "float32": tf.histogram_fixed_width_bins(HIST, [0.0, 5.0], nbins=5),
        "matrix": tf.histogram_fixed_width_bins(data((3, 4), 0, "f4"), [-2.0, 2.0], 7),
        "dtype_ignored": tf.histogram_fixed_width_bins(HIST, [0.0, 5.0], 4, dtype=tf.int64),
    }


@case("histogram_fixed_width_zero_bins")
def _(tf):
    return tf.histogram_fixed_width(HIST, [0.0, 5.0], nbins=0)


@case("histogram_fixed_width_empty_range")
def _(tf):
    return tf.histogram_fixed_width(HIST, [1.0, 1.0], nbins=2)


@case("histogram_fixed_width_range_shape")
def _(tf):
    return tf.histogram_fixed_width(HIST, [0.0, 1.0, 2.0], nbins=2)


@case("histogram_fixed_width_float_dtype")
def _(tf):
    return tf.histogram_fixed_width(HIST, [0.0, 5.0], nbins=2, dtype=tf.float32)


@case("histogram_fixed_width_bins_int_values")
def _(tf):
    return tf.histogram_fixed_width_bins(tf.constant([1, 2, 3, 9]), [0, 10], nbins=3)


# ---- in_top_k, cumulative_logsumexp, reductions ----------------------------------------------

PRED = np.array(
    [[0.1, 0.3, 0.3, 0.2], [0.5, 0.2, 0.3, 0.0], [0.1, np.nan, 0.9, 0.0], [0.2, np.inf, 0, 0]],
    np.float32,
)


@case("in_top_k")
def _(tf):
    targets = tf.constant([2, 0, 2, 0])
    return {
        "k1": tf.math.in_top_k(targets, PRED, 1),
        "k2": tf.math.in_top_k(targets, PRED, 2),
        "k0": tf.math.in_top_k(targets, PRED, 0),
        "out_of_range": tf.math.in_top_k(tf.constant([4, -1, 0, 1], tf.int64), PRED, 3),
        "nn": tf.nn.in_top_k(tf.constant([1, 1, 1, 1]), PRED, 2),
    }


@case("in_top_k_float64")
def _(tf):
    return tf.math.in_top_k(tf.constant([1]), tf.constant([[0.1, 0.3]], tf.float64), 1)


@case("in_top_k_rows_differ")
def _(tf):
    return tf.math.in_top_k(tf.constant([1, 0]), tf.constant([[0.1, 0.3]]), 1)


for _label, _kw in (
    ("plain", {}),
    ("exclusive", {"exclusive": True}),
    ("reverse", {"reverse": True}),
    ("exclusive_reverse_axis1", {"exclusive": True, "reverse": True, "axis": 1}),
    ("axis_negative", {"axis": -1}),
):

    @case(f"cumulative_logsumexp_{_label}", rtol=1e-5)
    def _cle(tf, _kw=_kw):
        return with_grads(tf, lambda x: tf.math.cumulative_logsumexp(x, **_kw), data((3, 4)))


@case("cumulative_logsumexp_float32_large", rtol=1e-6)
def _(tf):
    x = np.array([1000.0, 1000.0, -np.inf, -5.0], np.float32)
    return tf.math.cumulative_logsumexp(x)


@case("cumulative_logsumexp_int")
def _(tf):
    return tf.math.cumulative_logsumexp(tf.constant([1, 2]))


@case("reductions", rtol=1e-5)
def _(tf):
    def all_four(x):
        return [
            tf.math.reduce_std(x, axis=1),
            tf.math.reduce_variance(x, axis=0, keepdims=True),
            tf.math.reduce_logsumexp(x, axis=1),
            tf.math.reduce_euclidean_norm(x),
        ]

    return with_grads(tf, all_four, data((3, 4), 4, "f4"))


# ---- decompositions --------------------------------------------------------------------------


def _svd_invariants(tf, a, **kw):
    """Sign-free functions of svd(a): s, u*u, v*v and u diag(s) v^H."""
    s, u, v = tf.linalg.svd(a, **kw)
    p = min(a.shape[-2], a.shape[-1])
    recon = tf.matmul(u[..., :, :p] * s[..., None, :], v[..., :, :p], adjoint_b=True)
    return [s, sq(tf, u), sq(tf, v), recon]


for _label, _shape, _kw in (
    ("tall", (4, 3), {}),
    ("wide", (3, 5), {}),
    ("square_batch", (2, 3, 3), {}),
    ("tall_full", (4, 3), {"full_matrices": True}),
    ("wide_full", (2, 3), {"full_matrices": True}),
):

    @case(f"svd_{_label}", rtol=1e-5, atol=1e-8)
    def _svd(tf, _shape=_shape, _kw=_kw):
        return with_grads(tf, lambda a: _svd_invariants(tf, a, **_kw), data(_shape, 5))


@case("svd_values_only", rtol=1e-5, atol=1e-8)
def _(tf):
    return with_grads(tf, lambda a: tf.linalg.svd(a, compute_uv=False), data((2, 4, 3), 6))


@case("svd_float32", rtol=2e-5, atol=1e-6)
def _(tf):
    return with_grads(tf, lambda a: _svd_invariants(tf, a), data((3, 3), 7, "f4"))


def _projector(tf, vectors, k):
    """The projector onto the span of the first k columns: the same for any basis of it."""
    return tf.matmul(vectors[..., :, :k], vectors[..., :, :k], adjoint_b=True)


@case("svd_repeated_values_gradient", rtol=1e-6, atol=1e-8)
def _(tf):
    # Two equal singular values: TF takes its 1/(s_j^2 - s_i^2) factor as 0 there (no NaN).
    # Their vectors are any basis of a plane, so only basis-free quantities are compared.
    def parts(x):
        s, u, v = tf.linalg.svd(x)
        summed = tf.reduce_sum(tf.linalg.svd(x, compute_uv=False))
        return [tf.reduce_sum(s), _projector(tf, u, 2), _projector(tf, v, 2), summed]

    return with_grads(tf, parts, np.diag([3.0, 3.0, 1.0]))


@case("svd_empty")
def _(tf):
    return {
        "thin": tf.linalg.svd(tf.zeros([0, 3])),
        "full": tf.linalg.svd(tf.zeros([0, 3]), full_matrices=True),
    }


@case("svd_full_gradient_not_implemented")
def _(tf):
    return with_grads(tf, lambda a: tf.linalg.svd(a, full_matrices=True)[1], data((5, 2)))


@case("svd_vector")
def _(tf):
    return tf.linalg.svd(tf.ones([3]))


@case("svd_int")
def _(tf):
    return tf.linalg.svd(tf.ones([2, 2], tf.int32))


def _eigh_invariants(tf, a):
    e, v = tf.linalg.eigh(a)
    recon = tf.matmul(v * e[..., None, :], v, adjoint_b=True)
    return [e, sq(tf, v), recon]


@case("eigh", rtol=1e-6, atol=1e-8)
def _(tf):
    return with_grads(tf, lambda a: _eigh_invariants(tf, a), symmetric(4, 8, batch=(2,)))


@case("eigh_reads_lower_triangle", rtol=1e-6, atol=1e-8)
def _(tf):
    return with_grads(tf, lambda a: _eigh_invariants(tf, a), data((3, 3), 9))


@case("eigh_float32", rtol=2e-5, atol=1e-6)
def _(tf):
    return with_grads(tf, lambda a: _eigh_invariants(tf, a), symmetric(3, 10, np.float32))


@case("eigvalsh", rtol=1e-6, atol=1e-8)
def _(tf):
    return with_grads(tf, tf.linalg.eigvalsh, symmetric(4, 11))


@case("eigh_repeated_values_gradient", rtol=1e-6, atol=1e-8)
def _(tf):
    def parts(a):
        e, v = tf.linalg.eigh(a)
        return [tf.reduce_sum(e), e[..., 2], _projector(tf, v, 2)]

    return with_grads(tf, parts, np.diag([2.0, 2.0, 5.0]))


@case("eigh_not_square")
def _(tf):
    return tf.linalg.eigh(tf.ones([2, 3]))


for _label, _shape, _full in (
    ("tall", (4, 3), False),
    ("square_full", (3, 3), True),
    ("wide", (3, 5), False),
    ("wide_full", (2, 4), True),
    ("batch", (2, 4, 2), False),
):

    @case(f"qr_{_label}", rtol=1e-6, atol=1e-8)
    def _qr(tf, _shape=_shape, _full=_full):
        return with_grads(tf, lambda a: tf.linalg.qr(a, full_matrices=_full), data(_shape, 12))


@case("qr_fields", rtol=1e-5)
def _(tf):
    res = tf.linalg.qr(tf.constant(data((3, 2), 13, "f4")))
    return [res.q, res.r]


@case("qr_tall_full_gradient_not_implemented")
def _(tf):
    return with_grads(tf, lambda a: tf.linalg.qr(a, full_matrices=True)[0], data((4, 2)))


@case("pinv", rtol=1e-6, atol=1e-8)
def _(tf):
    return with_grads(tf, tf.linalg.pinv, data((2, 4, 3), 14))


@case("pinv_rank_deficient", rtol=1e-6, atol=1e-8)
def _(tf):
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    return [tf.linalg.pinv(a), tf.linalg.pinv(a, rcond=0.5)]


@case("pinv_vector")
def _(tf):
    return tf.linalg.pinv(tf.ones([3]))


@case("matrix_rank")
def _(tf):
    return {
        "batch": tf.linalg.matrix_rank(
            tf.constant([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]])
        ),
        "tol": tf.linalg.matrix_rank(tf.constant([[1.0, 0.0], [0.0, 1e-3]]), tol=1e-2),
        "zero": tf.linalg.matrix_rank(tf.zeros([3, 2], tf.float64)),
    }


@case("matrix_rank_int")
def _(tf):
    return tf.linalg.matrix_rank(tf.constant([[1, 2], [2, 4]]))


# ---- LU --------------------------------------------------------------------------------------


@case("lu", rtol=1e-6)
def _(tf):
    res = tf.linalg.lu(tf.constant(data((2, 4, 4), 15)))
    tie = tf.linalg.lu(tf.constant([[1.0, 2.0], [-1.0, 4.0]]))
    int64 = tf.linalg.lu(tf.constant(data((3, 3), 16, "f4")), output_idx_type=tf.int64)
    return [res.lu, res.p, tie.lu, tie.p, int64.lu, int64.p]


@case("lu_solve_inverse_reconstruct", rtol=1e-6, atol=1e-8)
def _(tf):
    a = tf.constant(well_conditioned(3, 17, batch=(2,)))
    lu, p = tf.linalg.lu(a)

    def three(lower_upper, rhs):
        return [
            tf.linalg.lu_solve(lower_upper, p, rhs),
            tf.linalg.lu_matrix_inverse(lower_upper, p),
            tf.linalg.lu_reconstruct(lower_upper, p),
        ]

    return with_grads(tf, three, lu.numpy(), data((2, 3, 2), 18))


@case("lu_solve_broadcast_rhs", rtol=1e-6)
def _(tf):
    lu, p = tf.linalg.lu(tf.constant(well_conditioned(3, 19)))
    return tf.linalg.lu_solve(lu, p, tf.constant(data((2, 3, 1), 20)))


@case("lu_singular")
def _(tf):
    return tf.linalg.lu(tf.constant([[1.0, 2.0], [2.0, 4.0]]))


@case("lu_not_square")
def _(tf):
    return tf.linalg.lu(tf.ones([2, 3]))


@case("lu_gradient")
def _(tf):
    return with_grads(tf, lambda a: tf.linalg.lu(a)[0], well_conditioned(3))


@case("lu_solve_vector_rhs")
def _(tf):
    lu, p = tf.linalg.lu(tf.constant(well_conditioned(2)))
    return tf.linalg.lu_solve(lu, p, tf.constant([1.0, 2.0], tf.float64))


# ---- matrix functions and solvers ------------------------------------------------------------

# float32: TF's single-precision approximant is off by ~2e-6 of the largest entry (tapeflow
# computes in float64), hence an absolute tolerance at that scale for entries of ~1e4.
for _label, _a, _rtol, _atol in (
    ("small", data((3, 3), 21) * 0.01, 1e-10, 1e-9),
    ("medium", data((3, 3), 22) * 0.2, 1e-10, 1e-9),
    ("unit", data((2, 3, 3), 23) * 0.5, 1e-10, 1e-9),
    ("scaled_and_squared", data((3, 3), 24) * 3.0, 1e-9, 1e-9),
    ("float32", (data((3, 3), 25)).astype(np.float32), 2e-5, 1e-5),
    ("float32_squared", np.array([[10.0, 3.0], [-2.0, 4.0]], np.float32), 2e-5, 0.05),
):

    @case(f"expm_{_label}", rtol=_rtol, atol=_atol)
    def _expm(tf, _a=_a):
        return with_grads(tf, tf.linalg.expm, _a)


@case("expm_special")
def _(tf):
    return {
        "empty": tf.linalg.expm(tf.ones([0, 0])),
        "not_finite": tf.linalg.expm(tf.constant([[np.inf, 0.0], [0.0, 1.0]])),
        "zeros": tf.linalg.expm(tf.zeros([2, 2])),
    }


@case("expm_int")
def _(tf):
    return tf.linalg.expm(tf.ones([2, 2], tf.int32))


@case("expm_not_square")
def _(tf):
    return tf.linalg.expm(tf.ones([2, 3]))


for _label, _shape_a, _shape_b, _kw in (
    ("overdetermined", (5, 3), (5, 2), {}),
    ("underdetermined", (2, 4), (2, 1), {}),
    ("regularized", (5, 3), (5, 2), {"l2_regularizer": 0.5}),
    ("regularized_wide", (2, 3), (2, 2), {"l2_regularizer": 0.1}),
    ("batch", (2, 4, 3), (2, 4, 1), {}),
):

    @case(f"lstsq_{_label}", rtol=1e-6, atol=1e-8)
    def _lstsq(tf, _shape_a=_shape_a, _shape_b=_shape_b, _kw=_kw):
        return with_grads(
            tf, lambda a, b: tf.linalg.lstsq(a, b, **_kw), data(_shape_a, 26), data(_shape_b, 27)
        )


@case("lstsq_float32", rtol=2e-5, atol=1e-6)
def _(tf):
    a = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], np.float32)
    return with_grads(tf, tf.linalg.lstsq, a, np.array([[1.0], [2.0], [2.0]], np.float32))


@case("lstsq_slow", rtol=1e-6, atol=1e-8)
def _(tf):
    rank_deficient = tf.constant([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]], tf.float64)
    rhs = tf.constant([[1.0], [2.0], [2.0]], tf.float64)
    return {
        "rank_deficient": tf.linalg.lstsq(rank_deficient, rhs, fast=False),
        "full_rank": tf.linalg.lstsq(data((5, 3), 28), data((5, 2), 29), fast=False),
        "l2_ignored": tf.linalg.lstsq(data((5, 3), 28), data((5, 2), 29), 3.0, fast=False),
    }


@case("lstsq_slow_gradient")
def _(tf):
    slow = lambda a, b: tf.linalg.lstsq(a, b, fast=False)  # noqa: E731
    return with_grads(tf, slow, data((3, 2)), data((3, 1)))


@case("lstsq_rows_differ")
def _(tf):
    return tf.linalg.lstsq(tf.ones([3, 2]), tf.ones([2, 1]))


@case("lstsq_int")
def _(tf):
    return tf.linalg.lstsq(tf.constant([[1, 0], [1, 1]]), tf.constant([[1], [2]]))


@case("cross")
def _(tf):
    return with_grads(tf, tf.linalg.cross, data((2, 3), 30), data((2, 3), 31))


@case("cross_int")
def _(tf):
    return tf.linalg.cross(tf.constant([1, 2, 3]), tf.constant([4, 5, 6]))


@case("cross_shapes_differ")
def _(tf):
    return tf.linalg.cross(tf.ones([2, 3]), tf.ones([3]))


@case("global_norm", rtol=1e-6)
def _(tf):
    return {
        "mixed": tf.linalg.global_norm([tf.constant([3.0, 4.0]), None, tf.constant([[12.0]])]),
        "empty": tf.linalg.global_norm([]),
        "float64": tf.linalg.global_norm([tf.constant(data((3, 2)))]),
    }


@case("global_norm_tensor")
def _(tf):
    return tf.linalg.global_norm(tf.constant([3.0, 4.0]))


@case("spectral_norm", rtol=1e-6)
def _(tf):
    x = tf.constant(data((2, 3, 4), 32))
    return {
        "last_two": tf.norm(x, ord=2, axis=[-2, -1]),
        "outer": tf.norm(x, ord=2, axis=(0, 2), keepdims=True),
        "swapped": tf.norm(x, ord=2, axis=(2, 0)),
    }


# ---- the existing ops this family builds on: bands, triangular solves, log-determinants ------


@case("band_part")
def _(tf):
    x = data((2, 3, 4), 33)
    return with_grads(
        tf, lambda a: [tf.linalg.band_part(a, 1, 0), tf.linalg.band_part(a, -1, 2)], x
    )


for _label, _kw in (
    ("lower", {}),
    ("upper", {"lower": False}),
    ("lower_adjoint", {"adjoint": True}),
    ("upper_adjoint", {"lower": False, "adjoint": True}),
):

    @case(f"triangular_solve_{_label}", rtol=1e-6, atol=1e-8)
    def _triangular(tf, _kw=_kw):
        return with_grads(
            tf,
            lambda a, b: tf.linalg.triangular_solve(a, b, **_kw),
            well_conditioned(3, 34, batch=(2,)),
            data((2, 3, 2), 35),
        )


@case("triangular_solve_broadcast_batch", rtol=1e-6, atol=1e-8)
def _(tf):
    return with_grads(
        tf, tf.linalg.triangular_solve, well_conditioned(2, 36, batch=(1,)), data((3, 2, 1), 37)
    )


@case("logdet_slogdet", rtol=1e-6, atol=1e-8)
def _(tf):
    spd = symmetric(3, 38, batch=(2,)) + 14 * np.eye(3)  # diagonally dominant

    def both(a):
        sign, log_abs = tf.linalg.slogdet(a)
        return [tf.linalg.logdet(a), sign, log_abs]

    return with_grads(tf, both, spd)


@case("slogdet_negative", rtol=1e-6, atol=1e-8)
def _(tf):
    return with_grads(tf, lambda a: list(tf.linalg.slogdet(a)), -well_conditioned(3, 39))


@case("tensordot", rtol=1e-6, atol=1e-8)
def _(tf):
    return with_grads(
        tf,
        lambda a, b: [tf.tensordot(a, b, axes=[[1, 0], [0, 2]]), tf.tensordot(a, b, 0)],
        data((3, 2, 4), 40),
        data((2, 5, 3), 41),
    )


# ---- encoding --------------------------------------------------------------------------------


def encode(tf, x):
    """A case's result as JSON-ready data: tensors as {"dtype", "shape", "value"}."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: encode(tf, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [encode(tf, v) for v in x]
    if hasattr(x, "indices") and hasattr(x, "values"):  # IndexedSlices: as the dense tensor
        x = tf.convert_to_tensor(x)
    a = np.asarray(x.numpy())
    value = a.tolist()
    if a.dtype == object:
        value = np.vectorize(lambda b: b.decode(), otypes=[object])(a).tolist() if a.size else []
    return {"dtype": x.dtype.name, "shape": list(a.shape), "value": value}


def run(tf, fn):
    """{"result": encoded result} or {"error": exception type name, "message": text}."""
    try:
        return {"result": encode(tf, fn(tf))}
    except Exception as e:  # noqa: BLE001 - the error is the result
        return {"error": type(e).__name__, "message": str(e).splitlines()[0][:300]}
