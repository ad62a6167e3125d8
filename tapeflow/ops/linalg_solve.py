"""Linear algebra (tf.linalg): inverses, determinants, solves and Cholesky.

Every vjp is written with the products and solves of tapeflow, so gradients of any order work.
"""

from __future__ import annotations

import collections

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import wrap
from ._common import batch_ndim
from .array import _reshape
from .linalg import _adjoint_array, _as_tensor_pair, _check_matrix, _mm, _mT, _np_dtype
from .linalg_structure import _matrix_band_part, diag_part
from .reduce import reduce_sum


def _check_square(name, a):
    _check_matrix(name, a)
    if a.shape[-1] != a.shape[-2]:
        raise InvalidArgumentError(
            f"{name}: input must be square matrices, got shape {tuple(a.shape)}"
        )


def _check_inexact(name, a):
    if a.dtype.kind not in "fc":
        raise InvalidArgumentError(
            f"{name}: expected a floating or complex tensor, got {a.dtype.name}"
        )


def _well_conditioned(rng, shape=(3, 3)):
    n = shape[-1]
    return rng.uniform(-0.5, 0.5, size=shape) + 2.0 * np.eye(n)


def _spd(rng, shape=(3, 3)):
    x = rng.uniform(-1, 1, size=shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


# ---- inverse, determinant, solves --------------------------------------------------------------


@op(
    "MatrixInverse",
    batchable=True,
    samples=[
        Sample(_well_conditioned),
        Sample(lambda rng: _well_conditioned(rng, (2, 3, 3))),
        Sample(_well_conditioned, adjoint=True),
    ],
)
def _matrix_inverse(input, adjoint=False):
    _check_square("MatrixInverse", input)
    _check_inexact("MatrixInverse", input)
    try:
        return xp.linalg.inv(_adjoint_array(input) if adjoint else input)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(
            f"MatrixInverse: input is not invertible (shape {tuple(input.shape)})"
        ) from None


@_matrix_inverse.vjp
def _matrix_inverse_vjp(g, ans, input, adjoint=False):
    if adjoint:  # d(A^-H) = -A^-H dA^H A^-H
        return (-_mm(ans, _mm(g, ans, adj_x=True)),)
    return (-_mm(ans, _mm(g, ans, adj_y=True), adj_x=True),)


def inv(input, adjoint=False, name=None):
    """Inverse of (a batch of) square matrices; InvalidArgumentError when singular."""
    return _matrix_inverse(input, adjoint=adjoint)


@op(
    "MatrixDeterminant",
    batchable=True,
    samples=[
        Sample(_well_conditioned),
        Sample(lambda rng: _well_conditioned(rng, (2, 3, 3))),
    ],
)
def _matrix_determinant(input):
    _check_square("MatrixDeterminant", input)
    _check_inexact("MatrixDeterminant", input)
    return xp.asarray(xp.linalg.det(input))


@_matrix_determinant.vjp
def _matrix_determinant_vjp(g, ans, input):
    nb = batch_ndim(g, ans)
    scale = _reshape(g * ans, shape=tuple(g.shape[:nb]) + tuple(ans.shape) + (1, 1))
    return (scale * _matrix_inverse(input, adjoint=True),)  # d det = det tr(A^-1 dA)


def det(input, name=None):
    """Determinant of (a batch of) square matrices."""
    return _matrix_determinant(input)


LogMatrixDeterminant = collections.namedtuple(
    "LogMatrixDeterminant", ["sign", "log_abs_determinant"]
)


@op(
    "LogMatrixDeterminant",
    multiple_outputs=True,
    batchable=True,
    samples=[
        Sample(_well_conditioned),
        Sample(lambda rng: -_well_conditioned(rng, (2, 3, 3))),
    ],
)
def _log_matrix_determinant(input):
    _check_square("LogMatrixDeterminant", input)
    _check_inexact("LogMatrixDeterminant", input)
    sign, logdet = xp.linalg.slogdet(input)
    return xp.asarray(sign), xp.asarray(logdet)


@_log_matrix_determinant.vjp
def _log_matrix_determinant_vjp(g, ans, input):
    g_log = g[1]  # the sign is piecewise constant: no gradient
    nb = batch_ndim(g_log, ans[1])
    scale = _reshape(g_log, shape=tuple(g_log.shape[:nb]) + tuple(ans[1].shape) + (1, 1))
    return (scale * _matrix_inverse(input, adjoint=True),)


def slogdet(input, name=None):
    """(sign, log |det|) of (a batch of) square matrices; no overflow for large ones."""
    return LogMatrixDeterminant(*_log_matrix_determinant(input))


def logdet(matrix, name=None):
    """log det of (a batch of) Hermitian positive definite matrices, via Cholesky."""
    from .math_unary import log

    chol = cholesky(matrix)
    return 2.0 * reduce_sum(log(diag_part(chol)), axis=-1)


@op(
    "MatrixSolve",
    batchable=True,
    samples=[
        Sample(_well_conditioned, (3, 2)),
        Sample(lambda rng: _well_conditioned(rng, (2, 3, 3)), (2, 3, 1)),
        Sample(_well_conditioned, (3, 4), adjoint=True),
    ],
)
def _matrix_solve(matrix, rhs, adjoint=False):
    _check_square("MatrixSolve", matrix)
    _check_inexact("MatrixSolve", matrix)
    _check_matrix("MatrixSolve", rhs, "rhs")
    if rhs.shape[-2] != matrix.shape[-1]:
        raise InvalidArgumentError(
            f"MatrixSolve: matrix and rhs are incompatible: matrix is "
            f"{tuple(matrix.shape)}, rhs is {tuple(rhs.shape)}"
        )
    try:
        return xp.linalg.solve(_adjoint_array(matrix) if adjoint else matrix, rhs)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(
            f"MatrixSolve: input matrix is not invertible (shape {tuple(matrix.shape)})"
        ) from None


@_matrix_solve.vjp
def _matrix_solve_vjp(g, ans, matrix, rhs, adjoint=False):
    grad_rhs = _matrix_solve(matrix, g, adjoint=not adjoint)
    if adjoint:
        return -_mm(ans, grad_rhs, adj_y=True), grad_rhs
    return -_mm(grad_rhs, ans, adj_y=True), grad_rhs


def solve(matrix, rhs, adjoint=False, name=None):
    """Solves `matrix @ x = rhs` (or `adjoint(matrix) @ x = rhs`) for x."""
    matrix, rhs = _as_tensor_pair(matrix, rhs)
    if matrix.ndim != rhs.ndim:
        raise InvalidArgumentError(
            f"MatrixSolve: matrix and rhs must have the same rank, got "
            f"matrix {matrix.shape} and rhs {rhs.shape}"
        )
    if tuple(matrix.shape)[:-2] != tuple(rhs.shape)[:-2]:
        raise InvalidArgumentError(
            f"MatrixSolve: matrix and rhs must have the same batch "
            f"dimensions, got matrix {matrix.shape} and rhs {rhs.shape}"
        )
    return _matrix_solve(matrix, rhs, adjoint=adjoint)


def _triangular(rng, shape=(3, 3), lower=True):
    a = _well_conditioned(rng, shape)
    return np.tril(a) if lower else np.triu(a)


@op(
    "MatrixTriangularSolve",
    batchable=True,
    samples=[
        Sample(_triangular, (3, 2), lower=True, adjoint=False),
        Sample(lambda rng: _triangular(rng, lower=False), (3, 2), lower=False, adjoint=False),
        Sample(lambda rng: _triangular(rng, (2, 3, 3)), (3, 1), lower=True, adjoint=True),
    ],
)
def _matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False):
    _check_square("MatrixTriangularSolve", matrix)
    _check_inexact("MatrixTriangularSolve", matrix)
    _check_matrix("MatrixTriangularSolve", rhs, "rhs")
    if rhs.shape[-2] != matrix.shape[-1]:
        raise InvalidArgumentError(
            f"MatrixTriangularSolve: matrix and rhs are incompatible: "
            f"matrix is {tuple(matrix.shape)}, rhs is "
            f"{tuple(rhs.shape)}"
        )
    tri = xp.tril(matrix) if lower else xp.triu(matrix)  # the other triangle is never read
    try:
        return xp.linalg.solve(_adjoint_array(tri) if adjoint else tri, rhs)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(
            "MatrixTriangularSolve: the triangular matrix is singular (a zero on its diagonal)"
        ) from None


@_matrix_triangular_solve.vjp
def _matrix_triangular_solve_vjp(g, ans, matrix, rhs, lower=True, adjoint=False):
    grad_rhs = _matrix_triangular_solve(matrix, g, lower=lower, adjoint=not adjoint)
    if adjoint:
        grad_matrix = -_mm(ans, grad_rhs, adj_y=True)
    else:
        grad_matrix = -_mm(grad_rhs, ans, adj_y=True)
    band = (-1, 0) if lower else (0, -1)
    return _matrix_band_part(grad_matrix, num_lower=band[0], num_upper=band[1]), grad_rhs


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """Solves `matrix @ x = rhs` reading only the lower (or upper) triangle of `matrix`."""
    return _matrix_triangular_solve(matrix, rhs, lower=lower, adjoint=adjoint)


@op(
    "Cholesky",
    batchable=True,
    samples=[
        Sample(_spd),
        Sample(lambda rng: _spd(rng, (2, 3, 3))),
    ],
)
def _cholesky(input):
    # TF reads the lower triangle only; averaging with the transpose gives the same factor for
    # the symmetric inputs Cholesky is meant for, and makes TF's symmetric gradient exact.
    _check_square("Cholesky", input)
    _check_inexact("Cholesky", input)
    try:
        return xp.linalg.cholesky((input + _adjoint_array(input)) / 2)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(
            f"Cholesky: the input is not positive definite (shape {tuple(input.shape)})"
        ) from None


@_cholesky.vjp
def _cholesky_vjp(g, ans, input):
    # Murray (2016), as TF's _CholeskyGrad: Phi(L^H g) with a halved diagonal, symmetrised.
    n = ans.shape[-1]
    dtype = _np_dtype(ans)
    l_inverse = _matrix_triangular_solve(ans, wrap(xp.eye(n, dtype=dtype)))
    middle = _mm(ans, g, adj_x=True) * wrap(xp.asarray(1.0 - 0.5 * np.eye(n), dtype=dtype))
    middle = _matrix_band_part(middle, num_lower=-1, num_upper=0)
    grad = _mm(_mm(l_inverse, middle, adj_x=True), l_inverse)
    return ((grad + _mT(grad)) * 0.5,)


def cholesky(input, name=None):
    """Lower-triangular L with L @ L^H = input, for symmetric positive definite input."""
    return _cholesky(input)


def cholesky_solve(chol, rhs, name=None):
    """Solves `A x = rhs` given `chol`, the Cholesky factor of A."""
    y = _matrix_triangular_solve(chol, rhs, lower=True, adjoint=False)
    return _matrix_triangular_solve(chol, y, lower=True, adjoint=True)


API = {
    "linalg": [
        "inv",
        "det",
        "slogdet",
        "logdet",
        "solve",
        "triangular_solve",
        "cholesky",
        "cholesky_solve",
    ],
}
