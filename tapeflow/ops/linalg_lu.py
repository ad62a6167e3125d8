"""LU factorization with partial pivoting (tf.linalg.lu) and what uses it: lu_solve,
lu_matrix_inverse, lu_reconstruct.

`lu` packs L (unit diagonal, not stored) and U into one matrix and returns the row
permutation `p` with input[p] = L @ U, as TF does. TF defines no gradient for `lu` itself;
the three users are built from triangular solves, gathers and products, so gradients flow
through them to `lower_upper` and `rhs` as in TF.
"""

from __future__ import annotations

import collections

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor, wrap
from ._common import no_gradient
from .array import _broadcast_to, _ones_like
from .counting import _index_type
from .indexing import _gather
from .linalg import _mm
from .linalg_solve import _check_inexact, _check_square, _matrix_triangular_solve
from .linalg_structure import _matrix_band_part, _matrix_set_diag
from .sorting import _argsort

Lu = collections.namedtuple("Lu", ["lu", "p"])


def _lu_sample(rng, shape=(4, 4)):
    return rng.uniform(-1, 1, size=shape) + 2 * np.eye(shape[-1])


@op(
    "Lu",
    multiple_outputs=True,
    samples=[
        Sample(_lu_sample, output_idx_type="int32", wrt=()),
        Sample(lambda rng: rng.uniform(-1, 1, size=(2, 3, 3)), output_idx_type="int64", wrt=()),
    ],
)
def _lu(input, output_idx_type="int32"):
    """(packed L\\U, p) by Gaussian elimination with partial pivoting (largest magnitude in
    the column, the first one on ties), vectorised over the batch."""
    if input.ndim < 2:
        raise InvalidArgumentError(f"Lu: Input tensor must have rank >= 2, got {input.ndim}")
    _check_square("Lu", input)
    _check_inexact("Lu", input)
    n = input.shape[-1]
    batch = input.shape[:-2]
    a = input.reshape((-1, n, n)).copy()
    perm = xp.broadcast_to(xp.arange(n), (a.shape[0], n)).copy()
    rows = xp.arange(a.shape[0])
    for k in range(n):
        pivot = k + xp.argmax(xp.abs(a[:, k:, k]), axis=1)
        for x in (a, perm):  # swap rows k and pivot of every matrix of the batch
            kept = x[rows, k].copy()
            x[rows, k] = x[rows, pivot]
            x[rows, pivot] = kept
        diagonal = a[:, k, k]
        if (diagonal == 0).any():
            raise InvalidArgumentError(
                f"Lu: Input is not invertible (a zero pivot in column {k}; input shape "
                f"{list(input.shape)})"
            )
        a[:, k + 1 :, k] /= diagonal[:, None]
        a[:, k + 1 :, k + 1 :] -= a[:, k + 1 :, k, None] * a[:, k, None, k + 1 :]
    return a.reshape(input.shape), perm.reshape(batch + (n,)).astype(output_idx_type)


no_gradient(_lu)


def lu(input, output_idx_type="int32", name=None):
    """LU decomposition with partial pivoting: a namedtuple `(lu, p)`, `lu` holding L below
    its diagonal (L's unit diagonal implied) and U on and above it, with input[p] = L @ U.
    InvalidArgumentError for a singular matrix (a zero pivot), as in TF."""
    return Lu(*_lu(input, output_idx_type=_index_type("output_idx_type", "Lu", output_idx_type)))


def _check_lu(what, lower_upper, perm):
    lower_upper = convert_to_tensor(lower_upper)
    perm = convert_to_tensor(perm)
    if lower_upper.ndim < 2:
        raise ValueError(f"{what}: Input `lower_upper` must have at least 2 dimensions.")
    if lower_upper.shape[-1] != lower_upper.shape[-2]:
        raise ValueError(f"{what}: Input `lower_upper` must be square.")
    if perm.ndim != lower_upper.ndim - 1:
        raise ValueError(
            f"{what}: `perm` must have rank {lower_upper.ndim - 1} (one index per row of each "
            f"matrix of `lower_upper`, shape {list(lower_upper.shape)}), got shape "
            f"{list(perm.shape)}"
        )
    if tuple(perm.shape) != tuple(lower_upper.shape[:-1]):
        raise InvalidArgumentError(
            f"{what}: `perm` must hold one row index per row of `lower_upper` "
            f"(shape {list(lower_upper.shape)}), got shape {list(perm.shape)}"
        )
    if not perm.dtype.is_integer:
        raise InvalidArgumentError(f"{what}: `perm` must be int32 or int64, got {perm.dtype.name}")
    n = lower_upper.shape[-1]
    values = np.asarray(perm)
    if values.size and (values.min() < 0 or values.max() >= n):
        raise InvalidArgumentError(
            f"{what}: `perm` holds row indices in [0, {n}), got {values.tolist()}"
        )
    return lower_upper, perm


def _unit_lower(lower_upper):
    """L of a packed LU: the strict lower triangle with ones on the diagonal."""
    lower = _matrix_band_part(lower_upper, num_lower=-1, num_upper=0)
    ones = _ones_like(lower_upper[..., 0])
    return _matrix_set_diag(lower, ones, k=0)


def _permute_rows(x, perm):
    """x[..., perm, :] for each matrix of the batch (batches of x and perm broadcast)."""
    if x.ndim == 2 and perm.ndim == 1:
        return _gather(x, perm, axis=0)
    batch = np.broadcast_shapes(tuple(x.shape[:-2]), tuple(perm.shape[:-1]))
    x = _broadcast_to(x, shape=batch + tuple(x.shape[-2:]))
    perm = _broadcast_to(perm, shape=batch + tuple(perm.shape[-1:]))
    return _gather(x, perm, axis=len(batch), batch_dims=len(batch))


def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None):
    """Solves input @ x = rhs given `(lower_upper, perm) = tf.linalg.lu(input)`."""
    lower_upper, perm = _check_lu("lu_solve", lower_upper, perm)
    rhs = convert_to_tensor(rhs, dtype=lower_upper.dtype)
    if rhs.ndim < 2:
        raise ValueError("Input `rhs` must have at least 2 dimensions.")
    if lower_upper.shape[-1] != rhs.shape[-2]:
        raise ValueError("`lower_upper.shape[-1]` must equal `rhs.shape[-1]`.")
    permuted = _permute_rows(rhs, perm)
    y = _matrix_triangular_solve(_unit_lower(lower_upper), permuted, lower=True, adjoint=False)
    return _matrix_triangular_solve(lower_upper, y, lower=False, adjoint=False)  # upper only


def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None):
    """The inverse of input given `(lower_upper, perm) = tf.linalg.lu(input)`."""
    lower_upper, perm = _check_lu("lu_matrix_inverse", lower_upper, perm)
    n = lower_upper.shape[-1]
    eye = xp.eye(n, dtype=lower_upper.dtype.as_numpy_dtype)
    eye = wrap(xp.broadcast_to(eye, tuple(lower_upper.shape)).copy())
    return lu_solve(lower_upper, perm, eye)


def lu_reconstruct(lower_upper, perm, validate_args=False, name=None):
    """The matrix `(lower_upper, perm) = tf.linalg.lu(input)` came from: input itself."""
    lower_upper, perm = _check_lu("lu_reconstruct", lower_upper, perm)
    upper = _matrix_band_part(lower_upper, num_lower=0, num_upper=-1)
    product = _mm(_unit_lower(lower_upper), upper)
    inverse = _argsort(perm, axis=perm.ndim - 1, descending=False)  # the inverse permutation
    return _permute_rows(product, inverse)


API = {"linalg": ["lu", "lu_solve", "lu_matrix_inverse", "lu_reconstruct"]}
