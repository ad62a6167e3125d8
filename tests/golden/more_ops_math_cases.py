"""more_ops.json cases for segment reductions, tensor_scatter_nd_*, bincount, unique,
searchsorted, histograms, in_top_k, cumulative_logsumexp and the reductions (see
more_ops_cases.py)."""

import numpy as np
from more_ops_helpers import case, data, with_grads

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


@case("unsorted_segment_sum_shape_mismatch")
def _(tf):
    return tf.math.unsorted_segment_sum(tf.ones([2, 2]), [0, 1, 1], 2)


@case("unsorted_segment_sum_negative_num_segments")
def _(tf):
    return tf.math.unsorted_segment_sum(tf.ones([2]), [0, 1], -1)


@case("unsorted_segment_sum_float_ids")
def _(tf):
    return tf.math.unsorted_segment_sum(tf.ones([2]), tf.constant([0.0, 1.0]), 2)


@case("unsorted_segment_sum_bool_data")
def _(tf):
    return tf.math.unsorted_segment_sum(tf.constant([True, False]), [0, 0], 1)


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
