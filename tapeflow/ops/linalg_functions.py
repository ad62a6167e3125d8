"""Matrix functions and solvers (tf.linalg): expm, lstsq and cross.

expm is TF's float64 algorithm (Higham 2005: a Pade approximant of an order chosen from the
1-norm, with scaling and squaring) as one op, run in double precision for every dtype; its
gradient is the exact adjoint Frechet derivative, read off the exponential of a 2n x 2n
block matrix, which agrees with TF's (autodiff through the approximant) to the approximant's
accuracy.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core.errors import FailedPreconditionError, InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from .array import _zeros_like
from .array_join import _concat
from .linalg import _check_matrix, _mm, _mT
from .linalg_solve import _check_inexact, _check_square, cholesky, cholesky_solve

# ---- matrix exponential ----------------------------------------------------------------------

_PADE = {  # the numerator coefficients b_0..b_m of the [m/m] Pade approximant of exp
    3: [120.0, 60.0, 12.0, 1.0],
    5: [30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0],
    7: [17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0],
    9: [17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
        110880.0, 3960.0, 90.0, 1.0],
    13: [64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0, 1.0],
}  # fmt: skip

# (1-norm bound, order) tried in turn, the top order, and the largest norm it takes unscaled:
# Higham's double-precision table, as TF uses for float64.
_ORDERS = (
    [(1.495585217958292e-2, 3), (2.539398330063230e-1, 5), (9.504178996162932e-1, 7),
     (2.097847961257068, 9)],
    13,
    5.371920351148152,
)  # fmt: skip


def _pade_terms(a, order):
    """(U, V) of the Pade approximant: exp(a) ~ (V - U)^-1 (V + U), in a's dtype, with TF's
    grouping of the products (the 13th order reuses a^6)."""
    b = [a.dtype.type(c) for c in _PADE[order]]
    eye = xp.eye(a.shape[-1], dtype=a.dtype)
    a2 = a @ a
    if order == 13:
        a4 = a2 @ a2
        a6 = a4 @ a2
        inner = a6 @ (a6 + b[11] * a4 + b[9] * a2)
        u = a @ (inner + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
        v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2
        return u, v + b[0] * eye
    powers = [eye, a2]
    while len(powers) <= order // 2:
        powers.append(powers[-1] @ a2)
    odd = sum((b[2 * i + 1] * p for i, p in enumerate(powers[1:], 1)), b[1] * eye)
    even = sum((b[2 * i] * p for i, p in enumerate(powers[1:], 1)), b[0] * eye)
    return a @ odd, even


def _expm_one(a):
    steps, top, max_norm = _ORDERS
    norm = float(xp.abs(a).sum(axis=0).max())
    if not np.isfinite(norm):
        return xp.full(a.shape, xp.nan, dtype=a.dtype)
    for bound, order in steps:
        if norm < bound:
            u, v = _pade_terms(a, order)
            return xp.linalg.solve(v - u, v + u)
    squarings = max(int(np.floor(np.log2(norm / max_norm))), 0)
    u, v = _pade_terms(a / a.dtype.type(2.0**squarings), top)
    out = xp.linalg.solve(v - u, v + u)
    for _ in range(squarings):
        out = out @ out
    return out


def _expm_sample(rng, shape=(3, 3), scale=1.0):
    return scale * rng.uniform(-1, 1, size=shape)


@op(
    "MatrixExponential",
    samples=[
        Sample(_expm_sample),
        Sample(lambda rng: _expm_sample(rng, (2, 2, 2), 0.1)),
        Sample(lambda rng: _expm_sample(rng, (3, 3), 4.0)),  # scaled and squared
    ],
    check={"rtol2": 1e-4, "atol2": 1e-5},
)
def _matrix_exponential(input):
    _check_square("MatrixExponential", input)
    _check_inexact("MatrixExponential", input)
    if input.shape[-1] == 0:
        return input.copy()
    # Always in double precision, rounded at the end: TF's single-precision path (a 7th-order
    # approximant in float32) is off by a few float32 ulps times the squarings, and so would
    # be the gradient's larger block matrix.
    work = input.astype(np.complex128 if input.dtype.kind == "c" else np.float64)
    flat = work.reshape((-1,) + input.shape[-2:])
    out = xp.stack([_expm_one(m) for m in flat])
    return out.reshape(input.shape).astype(input.dtype)


@_matrix_exponential.vjp
def _matrix_exponential_vjp(g, ans, input):
    # expm([[A^T, G], [0, A^T]]) has the adjoint Frechet derivative L(A^T, G) top right.
    n = int(input.shape[-1])
    a_t = _mT(input)
    block = _concat(_concat(a_t, g, axis=-1), _concat(_zeros_like(a_t), a_t, axis=-1), axis=-2)
    return (_matrix_exponential(block)[..., :n, n:],)


def expm(input, name=None):
    """The matrix exponential exp(A) = sum A^k / k! of (a batch of) square matrices, as
    TF computes it for float64 (Pade approximation with scaling and squaring; float32 input
    is computed in float64 and rounded, so it can differ from TF's float32 result by TF's
    own rounding error); NaN where A is not finite."""
    input = convert_to_tensor(input)
    if not (input.dtype.is_floating or input.dtype.is_complex):
        raise ValueError(f"tf.linalg.expm does not support matrices of type {input.dtype!r}")
    return _matrix_exponential(input)


# ---- least squares ---------------------------------------------------------------------------


@op(
    "MatrixSolveLs",
    same_dtype=(0, 1),
    samples=[Sample((4, 3), (4, 2), wrt=()), Sample((2, 3, 4), (2, 3, 1), wrt=())],
)
def _matrix_solve_ls(matrix, rhs):
    """The minimum-norm least-squares solution (fast=False: robust to rank deficiency)."""
    _check_lstsq(matrix, rhs)
    m, n = matrix.shape[-2:]
    batch = np.broadcast_shapes(matrix.shape[:-2], rhs.shape[:-2])
    a = xp.broadcast_to(matrix, batch + (m, n)).reshape((-1, m, n))
    b = xp.broadcast_to(rhs, batch + rhs.shape[-2:]).reshape((-1,) + rhs.shape[-2:])
    out = [xp.linalg.lstsq(x, y, rcond=None)[0] for x, y in zip(a, b, strict=True)]
    return xp.stack(out).reshape(batch + (n, rhs.shape[-1])).astype(matrix.dtype)


@_matrix_solve_ls.vjp
def _matrix_solve_ls_vjp(g, ans, matrix, rhs):
    raise ValueError("Gradient not defined for fast=False")  # TF's answer, word for word


_matrix_solve_ls.gradient_error = "ValueError"  # for docs/api.md's table


def _check_lstsq(matrix, rhs):
    for x, what in ((matrix, "matrix"), (rhs, "rhs")):
        _check_matrix("MatrixSolveLs", x, what)
        _check_inexact("MatrixSolveLs", x)
    if rhs.shape[-2] != matrix.shape[-2]:
        raise InvalidArgumentError(
            f"MatrixSolveLs: matrix and rhs must have the same number of rows, got matrix "
            f"{list(matrix.shape)} and rhs {list(rhs.shape)}"
        )


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least-squares solutions X of matrix @ X = rhs (TF's matrix_solve_ls).

    fast=True solves the normal equations with a Cholesky factorization (l2_regularizer
    adds lambda * I; for M < N it gives the minimum-norm solution of A A^H): fast,
    differentiable, but only for full-rank, well-conditioned matrices. fast=False finds the
    minimum-norm least-squares solution even for rank-deficient matrices, ignores
    l2_regularizer and, as in TF, has no gradient.
    """
    matrix = convert_to_tensor(matrix)
    rhs = convert_to_tensor(rhs, dtype=matrix.dtype)
    _check_lstsq(matrix._value, rhs._value)
    if matrix.dtype.name == "complex128" and l2_regularizer != 0:
        raise NotImplementedError(
            "matrix_solve_ls is currently disabled for complex128 and l2_regularizer != 0 "
            "due to poor accuracy."
        )
    if not fast:
        return _matrix_solve_ls(matrix, rhs)
    m, n = int(matrix.shape[-2]), int(matrix.shape[-1])
    over = m >= n  # TF: normal equations of the first kind, else of the second kind
    gram = _mm(matrix, matrix, adj_x=over, adj_y=not over)
    l2 = convert_to_tensor(l2_regularizer, dtype=matrix.dtype)
    if isinstance(l2_regularizer, (int, float)) and l2_regularizer == 0:
        regularized = gram
    else:
        eye = xp.eye(min(m, n), dtype=matrix.dtype.as_numpy_dtype)
        regularized = gram + l2 * convert_to_tensor(eye)
    chol = cholesky(regularized)
    if over:
        return cholesky_solve(chol, _mm(matrix, rhs, adj_x=True))
    return _mm(matrix, cholesky_solve(chol, rhs), adj_x=True)


# ---- cross product ---------------------------------------------------------------------------


@op("Cross", samples=[Sample((3,), (3,)), Sample((2, 4, 3), (2, 4, 3))])
def _cross(a, b):
    if a.shape != b.shape:
        raise InvalidArgumentError(
            f"Cross: Both inputs must be of same shape: {list(a.shape)} vs. {list(b.shape)}"
        )
    if a.ndim == 0 or a.shape[-1] != 3:
        raise FailedPreconditionError(
            f"Cross: Cross-products are only defined for 3-element vectors, got shape "
            f"{list(a.shape)}"
        )
    if a.dtype.kind == "b" or a.dtype == object:
        raise InvalidArgumentError(f"Cross: expected a number tensor, got {a.dtype}")
    return xp.cross(a, b)


@_cross.vjp
def _cross_vjp(g, ans, a, b):
    return _cross(b, g), _cross(g, a)


def cross(a, b, name=None):
    """The cross product of 3-element vectors along the last axis (a and b of one shape)."""
    return _cross(a, b)


API = {"linalg": ["expm", "lstsq", "cross"]}
