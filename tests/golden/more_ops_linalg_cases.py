"""more_ops.json cases for tf.linalg: svd, eigh, qr, pinv, matrix_rank, lu and its users,
expm, lstsq, cross, global_norm, the spectral norm, and the existing band_part,
triangular_solve, logdet/slogdet and tensordot they build on (see more_ops_cases.py).

Singular vectors and eigenvectors are unique only up to sign, and LAPACK's signs differ from
TF's Eigen kernels': those cases return sign-free quantities (u * u, reconstructions,
projectors) and differentiate sign-free losses.
"""

import numpy as np
from more_ops_helpers import case, data, sq, symmetric, well_conditioned, with_grads

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
