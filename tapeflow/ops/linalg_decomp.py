"""Matrix decompositions (tf.linalg): svd, eigh, eigvalsh, qr, and the SVD-based pinv and
matrix_rank, with TF's gradients.

Singular vectors and eigenvectors are unique only up to sign (a column times -1 is as good),
and LAPACK, which NumPy calls, may pick other signs than TF's Eigen kernels: compare
sign-invariant quantities (u @ diag(s) @ v^H, |u|, projections), never the raw columns.
Gradients follow TF's formulas, including its convention for repeated eigenvalues or
singular values: the 1 / (x_j - x_i) factors become x / (x^2 + 1e-20), so they are 0 (not
inf or NaN) where two values coincide.
"""

from __future__ import annotations

import collections

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from .array import _reshape, _zeros_like
from .linalg import _check_matrix, _mm, _mT, _np_dtype
from .linalg_solve import _check_inexact, _check_square, _matrix_triangular_solve
from .linalg_structure import _matrix_band_part, _matrix_diag, _matrix_diag_part, _matrix_set_diag

# ---- helpers shared by the vjps --------------------------------------------------------------


def _diag(v):
    return _matrix_diag(v, k=0, num_rows=-1, num_cols=-1, padding_value=0)


def _safe_reciprocal(x, epsilon=1e-20):
    """TF's Lorentz-broadened 1/x: 0 at x = 0, 1/x elsewhere (to rounding)."""
    return x / (x * x + epsilon)


def _pairwise_reciprocal(values):
    """f[..., i, j] = 1 / (values[j] - values[i]) off the diagonal, 0 on it and where two
    values coincide (TF's convention for degenerate spectra)."""
    shape = tuple(values.shape)
    row = _reshape(values, shape=shape[:-1] + (1, shape[-1]))
    column = _reshape(values, shape=shape + (1,))
    return _matrix_set_diag(_safe_reciprocal(row - column), _zeros_like(values), k=0)


def _decomposition_input(name, a):
    _check_matrix(name, a)
    _check_inexact(name, a)


def _run_lapack(name, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except np.linalg.LinAlgError as e:
        raise InvalidArgumentError(f"{name}: the decomposition did not converge ({e})") from None


def _random_matrix(shape):
    return lambda rng: rng.uniform(-1, 1, size=shape)


# ---- singular value decomposition ------------------------------------------------------------


@op(
    "Svd",
    multiple_outputs=True,
    samples=[
        Sample(_random_matrix((4, 3)), compute_uv=True, full_matrices=False),
        Sample(_random_matrix((3, 5)), compute_uv=True, full_matrices=False),
        Sample(_random_matrix((2, 3, 3)), compute_uv=True, full_matrices=False),
        Sample(_random_matrix((4, 3)), compute_uv=True, full_matrices=True),
        Sample(_random_matrix((3, 4)), compute_uv=False, full_matrices=False),
    ],
    check={"rtol2": 1e-4, "atol2": 1e-5},
)
def _svd(input, compute_uv=True, full_matrices=False):
    """(s, u, v) with input = u @ diag(s) @ v^H; u and v are empty when not compute_uv."""
    _decomposition_input("Svd", input)
    m, n = input.shape[-2:]
    batch = input.shape[:-2]
    real = input.real.dtype if input.dtype.kind == "c" else input.dtype
    empty = xp.zeros((0,), dtype=input.dtype)
    if min(m, n) == 0:  # LAPACK refuses empty matrices; the answer is known
        s = xp.zeros(batch + (0,), dtype=real)
        if not compute_uv:
            return s, empty, empty
        p_u, p_v = (m, n) if full_matrices else (0, 0)
        u = xp.broadcast_to(xp.eye(m, p_u, dtype=input.dtype), batch + (m, p_u)).copy()
        v = xp.broadcast_to(xp.eye(n, p_v, dtype=input.dtype), batch + (n, p_v)).copy()
        return s, u, v
    if not compute_uv:
        s = _run_lapack("Svd", xp.linalg.svd, input, compute_uv=False)
        return s.astype(real), empty, empty
    u, s, vh = _run_lapack("Svd", xp.linalg.svd, input, full_matrices=full_matrices)
    v = xp.conj(xp.swapaxes(vh, -1, -2)) if input.dtype.kind == "c" else xp.swapaxes(vh, -1, -2)
    return s.astype(real), u, xp.ascontiguousarray(v)


@_svd.vjp
def _svd_vjp(g, ans, input, compute_uv=True, full_matrices=False):
    # TF's _SvdGrad (real case): Giles (2008) and Townsend's derivation for thin factors.
    grad_s, grad_u, grad_v = g
    if not compute_uv:
        s, u, v = _svd(input, compute_uv=True, full_matrices=False)
        return (_mm(u, _mm(_diag(grad_s), v, adj_y=True)),)
    s, u, v = ans
    m, n = (int(d) for d in input.shape[-2:])
    use_adjoint = m > n  # work on input^H = v s u^H, then transpose the answer
    if use_adjoint:
        m, n = n, m
        u, v = v, u
        grad_u, grad_v = grad_v, grad_u
    if full_matrices and abs(m - n) > 1:
        raise NotImplementedError(
            f"svd gradient is not implemented for abs(m - n) > 1 when full_matrices is True. "
            f"Received: m={m} and n={n} (input shape {list(input.shape)})."
        )
    s_mat = _diag(s)
    f = _pairwise_reciprocal(s * s)
    v1, grad_v1 = v[..., :, :m], grad_v[..., :, :m]
    f_u = f * _mm(u, grad_u, adj_x=True)
    f_v = f * _mm(v1, grad_v1, adj_x=True)
    middle = _diag(grad_s) + _mm(f_u + _mT(f_u), s_mat) + _mm(s_mat, f_v + _mT(f_v))
    grad = _mm(u, _mm(middle, v1, adj_y=True))
    if m != n:
        gv1t = _mT(grad_v1)
        term2 = gv1t - _mm(_mm(gv1t, v1), v1, adj_y=True)
        if full_matrices:
            v2, grad_v2 = v[..., :, m:n], grad_v[..., :, m:n]
            term2 = term2 - _mm(_mm(v1, grad_v2, adj_x=True), v2, adj_y=True)
        grad = grad + _mm(_mm(u, _diag(_safe_reciprocal(s))), term2)
    return (_mT(grad) if use_adjoint else grad,)


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular values `s` (descending) and, with `compute_uv`, the vectors: `(s, u, v)` with
    tensor = u @ diag(s) @ v^H (TF's order and its `v`, not NumPy's `vh`).

    `full_matrices` gives square u ([..., M, M]) and v ([..., N, N]); else [..., M, P] and
    [..., N, P] with P = min(M, N). The signs of the vectors may differ from TF's.
    """
    s, u, v = _svd(tensor, compute_uv=bool(compute_uv), full_matrices=bool(full_matrices))
    return (s, u, v) if compute_uv else s


# ---- eigendecomposition of self-adjoint matrices ---------------------------------------------


@op(
    "SelfAdjointEigV2",
    multiple_outputs=True,
    samples=[
        Sample(_random_matrix((3, 3)), compute_v=True),
        Sample(_random_matrix((2, 4, 4)), compute_v=True),
        Sample(_random_matrix((3, 3)), compute_v=False),
    ],
    check={"rtol2": 1e-4, "atol2": 1e-5},
)
def _self_adjoint_eig(input, compute_v=True):
    """(eigenvalues ascending, eigenvectors as columns) of the matrix whose lower triangle is
    input's lower triangle (the upper one is never read, as in TF)."""
    _check_square("SelfAdjointEigV2", input)
    _check_inexact("SelfAdjointEigV2", input)
    if input.shape[-1] == 0:
        e = xp.zeros(input.shape[:-1], dtype=input.dtype)
        return e, (input.copy() if compute_v else xp.zeros((0,), dtype=input.dtype))
    if not compute_v:
        e = _run_lapack("SelfAdjointEigV2", xp.linalg.eigvalsh, input, UPLO="L")
        return e.astype(input.dtype), xp.zeros((0,), dtype=input.dtype)
    e, v = _run_lapack("SelfAdjointEigV2", xp.linalg.eigh, input, UPLO="L")
    return e.astype(input.dtype), v


@_self_adjoint_eig.vjp
def _self_adjoint_eig_vjp(g, ans, input, compute_v=True):
    # TF's _SelfAdjointEigV2Grad: v (diag(ge) + f * v^H gv) v^H, made lower triangular
    # because the forward reads the lower triangle only.
    grad_e, grad_v = g
    if compute_v:
        e, v = ans
        middle = _diag(grad_e) + _pairwise_reciprocal(e) * _mm(v, grad_v, adj_x=True)
    else:
        _, v = _self_adjoint_eig(input, compute_v=True)
        middle = _diag(grad_e)
    grad = _mm(v, _mm(middle, v, adj_y=True))
    grad = _matrix_band_part(grad + _mT(grad), num_lower=-1, num_upper=0)
    return (_matrix_set_diag(grad, 0.5 * _matrix_diag_part(grad, k=0), k=0),)


def eigh(tensor, name=None):
    """Eigenvalues (ascending) and eigenvectors (columns) of self-adjoint matrices: `(e, v)`
    with tensor @ v = v @ diag(e). Only the lower triangle of `tensor` is read; the signs of
    the eigenvectors may differ from TF's."""
    return _self_adjoint_eig(tensor, compute_v=True)


def eigvalsh(tensor, name=None):
    """The eigenvalues (ascending) of self-adjoint matrices (lower triangle read)."""
    return _self_adjoint_eig(tensor, compute_v=False)[0]


# ---- QR --------------------------------------------------------------------------------------

Qr = collections.namedtuple("Qr", ["q", "r"])


@op(
    "Qr",
    multiple_outputs=True,
    samples=[
        Sample(_random_matrix((4, 3)), full_matrices=False),
        Sample(_random_matrix((3, 3)), full_matrices=True),
        Sample(_random_matrix((3, 5)), full_matrices=False),
        Sample(_random_matrix((2, 4, 2)), full_matrices=False),
    ],
    check={"rtol2": 1e-4, "atol2": 1e-5},
)
def _qr(input, full_matrices=False):
    """(q, r) with input = q @ r, q with orthonormal columns, r upper triangular (Householder,
    the same signs as TF's)."""
    _decomposition_input("Qr", input)
    m, n = input.shape[-2:]
    if min(m, n) == 0:
        k = m if full_matrices else 0
        batch = input.shape[:-2]
        q = xp.broadcast_to(xp.eye(m, k, dtype=input.dtype), batch + (m, k)).copy()
        return q, xp.zeros(batch + (k, n), dtype=input.dtype)
    q, r = xp.linalg.qr(input, mode="complete" if full_matrices else "reduced")
    return q, r


@_qr.vjp
def _qr_vjp(g, ans, input, full_matrices=False):
    # TF's _QrGrad (real case), from arXiv:2009.10071; wide matrices reduce to square ones.
    dq, dr = g
    q, r = ans
    m, n = (int(d) for d in input.shape[-2:])
    if m > n and full_matrices:
        raise NotImplementedError(
            f"QrGrad not implemented when nrows > ncols and full_matrices is true. Received "
            f"r.shape={list(r.shape)} with nrows={m} and ncols={n}."
        )
    if m >= n:
        return (_qr_grad_square_or_deep(q, r, dq, dr),)
    y, u = input[..., :, m:], r[..., :, :m]
    dv, du = dr[..., :, m:], dr[..., :, :m]
    dx = _qr_grad_square_or_deep(q, u, dq + _mm(y, dv, adj_y=True), du)
    from .array_join import _concat

    return (_concat(dx, _mm(q, dv), axis=-1),)


def _qr_grad_square_or_deep(q, r, dq, dr):
    def times_r_inverse_h(x):  # x @ r^-H for upper-triangular r, as one triangular solve
        return _mT(_matrix_triangular_solve(r, _mT(x), lower=False, adjoint=False))

    qdq = _mm(q, dq, adj_x=True)
    rdr = _mm(r, dr, adj_y=True)
    tril = _matrix_band_part(qdq - _mT(qdq) + rdr - _mT(rdr), num_lower=-1, num_upper=0)
    grad_a = _mm(q, dr + times_r_inverse_h(tril))
    return grad_a + times_r_inverse_h(dq - _mm(q, qdq))


def qr(input, full_matrices=False, name=None):
    """QR decomposition: a namedtuple `(q, r)` with input = q @ r. `full_matrices` gives a
    square q ([..., M, M]); else q is [..., M, P] and r [..., P, N], P = min(M, N)."""
    return Qr(*_qr(input, full_matrices=bool(full_matrices)))


# ---- built on the SVD ------------------------------------------------------------------------


def _float_matrix(a):
    """`a` as a Tensor, with the static checks (and errors) of TF's pinv and matrix_rank."""
    a = convert_to_tensor(a)
    if a.ndim < 2:
        raise ValueError(f"Input `a` must have at least 2 dimensions (saw: {a.ndim}).")
    if not a.dtype.is_floating:
        raise TypeError(f"Input `a` must have `float`-like `dtype` (saw {a.dtype.name}).")
    return a


def pinv(a, rcond=None, validate_args=False, name=None):
    """Moore-Penrose pseudo-inverse, from the SVD (TF's algorithm, so its gradient too):
    singular values at or below `rcond * max(s)` count as zero. rcond defaults to
    10 * max(M, N) * eps of the dtype."""
    from .indexing import _select
    from .logic import greater
    from .reduce import reduce_max

    a = _float_matrix(a)
    dtype = _np_dtype(a)
    if rcond is None:
        rcond = 10.0 * max(a.shape[-2], a.shape[-1]) * float(np.finfo(dtype).eps)
    rcond = convert_to_tensor(rcond, dtype=a.dtype)
    s, u, v = svd(a, full_matrices=False, compute_uv=True)
    cutoff = _reshape(rcond * reduce_max(s, axis=-1), shape=tuple(s.shape[:-1]) + (1,))
    s = _select(greater(s, cutoff), s, np.inf)
    return _mm(v / _reshape(s, shape=tuple(s.shape[:-1]) + (1, s.shape[-1])), u, adj_y=True)


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """How many singular values exceed `tol` (default eps * max(M, N) * max(s)), as int32."""
    from .logic import greater
    from .math import _cast
    from .reduce import reduce_max, reduce_sum

    a = _float_matrix(a)
    s = svd(a, compute_uv=False)
    if tol is None:
        eps = float(np.finfo(_np_dtype(a)).eps)
        tol = eps * float(max(a.shape[-2], a.shape[-1])) * reduce_max(s, axis=-1, keepdims=True)
    else:
        tol = convert_to_tensor(tol, dtype=s.dtype)
    return reduce_sum(_cast(greater(s, tol), dtype="int32"), axis=-1)


API = {"linalg": ["svd", "eigh", "eigvalsh", "qr", "pinv", "matrix_rank"]}
