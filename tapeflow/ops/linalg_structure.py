"""Matrix structure (tf.linalg): band_part, diagonals (diag, diag_part, set_diag), trace,
matrix_transpose, adjoint and eye.
"""

from __future__ import annotations

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor, wrap
from . import _args
from .linalg import _check_matrix, _mT, _np_dtype
from .reduce import reduce_sum

# ---- bands and diagonals -----------------------------------------------------------------------


@op(
    "MatrixBandPart",
    batchable=True,
    samples=[
        Sample((3, 4), num_lower=-1, num_upper=0),
        Sample((2, 4, 3), num_lower=1, num_upper=1),
    ],
)
def _matrix_band_part(input, num_lower, num_upper):
    _check_matrix("MatrixBandPart", input)
    return xp.where(
        _band_mask(input.shape[-2], input.shape[-1], num_lower, num_upper),
        input,
        xp.zeros((), dtype=input.dtype),
    )


def _band_mask(m, n, num_lower, num_upper):
    offset = xp.arange(n)[None, :] - xp.arange(m)[:, None]  # column - row
    keep = xp.ones((m, n), dtype=bool)
    if num_lower >= 0:
        keep &= -offset <= num_lower
    if num_upper >= 0:
        keep &= offset <= num_upper
    return keep


@_matrix_band_part.vjp
def _matrix_band_part_vjp(g, ans, input, num_lower, num_upper):
    return (_matrix_band_part(g, num_lower=num_lower, num_upper=num_upper),)


def band_part(input, num_lower, num_upper, name=None):
    """Zeroes everything outside a band: `num_lower` subdiagonals, `num_upper` superdiagonals
    (-1 keeps the whole triangle)."""
    return _matrix_band_part(
        input,
        num_lower=_args.count(num_lower, "MatrixBandPart", "num_lower", minimum=None),
        num_upper=_args.count(num_upper, "MatrixBandPart", "num_upper", minimum=None),
    )


def _diag_index(k, length):
    i = xp.arange(length)
    return i + max(-k, 0), i + max(k, 0)


def _diag_len(m, n, k):
    return max(0, min(m + min(k, 0), n - max(k, 0)))


@op(
    "MatrixDiagPartV3",
    batchable=True,
    samples=[
        Sample((3, 3), k=0),
        Sample((2, 3, 4), k=1),
        Sample((4, 3), k=-2),
    ],
)
def _matrix_diag_part(input, k=0):
    if input.ndim < 2:
        raise InvalidArgumentError(
            f"MatrixDiagPartV3: input must be at least 2-dim, received shape {tuple(input.shape)}"
        )
    return xp.diagonal(input, offset=k, axis1=-2, axis2=-1).copy()


@_matrix_diag_part.vjp
def _matrix_diag_part_vjp(g, ans, input, k=0):
    m, n = input.shape[-2], input.shape[-1]
    return (_matrix_diag(g, k=k, num_rows=m, num_cols=n, padding_value=0),)


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):
    """The k-th diagonal of (a batch of) matrices (main diagonal for k=0)."""
    return _matrix_diag_part(input, k=_single_k("diag_part", k))


def _single_k(fn, k):
    ks = _args.int_array(k, f"tf.linalg.{fn}", "k").reshape(-1)
    if ks.size == 1 or (ks.size == 2 and ks[0] == ks[1]):
        return int(ks[0])
    if ks.size == 2:
        raise NotImplementedError(
            f"tf.linalg.{fn}: only a single diagonal k is supported, got k={k}"
        )
    raise InvalidArgumentError(f"tf.linalg.{fn}: k must be an int or a pair, got {k!r}")


@op(
    "MatrixDiagV3",
    batchable=True,
    samples=[
        Sample((3,), k=0, num_rows=-1, num_cols=-1, padding_value=0),
        Sample((2, 3), k=1, num_rows=-1, num_cols=-1, padding_value=0),
        Sample((3,), k=-1, num_rows=4, num_cols=5, padding_value=0),
    ],
)
def _matrix_diag(diagonal, k=0, num_rows=-1, num_cols=-1, padding_value=0):
    n = diagonal.shape[-1]
    min_rows, min_cols = n + max(-k, 0), n + max(k, 0)
    if num_rows < 0 and num_cols < 0:
        num_rows = num_cols = max(min_rows, min_cols)
    elif num_rows < 0:
        num_rows = min_rows
    elif num_cols < 0:
        num_cols = min_cols
    if _diag_len(num_rows, num_cols, k) != n:
        raise InvalidArgumentError(
            f"MatrixDiagV3: the number of rows or columns ({num_rows}, {num_cols}) is not "
            f"consistent with k={k} and a diagonal of length {n}"
        )
    out = xp.full(
        tuple(diagonal.shape[:-1]) + (num_rows, num_cols), padding_value, dtype=diagonal.dtype
    )
    rows, cols = _diag_index(k, n)
    out[..., rows, cols] = diagonal
    return out


@_matrix_diag.vjp
def _matrix_diag_vjp(g, ans, diagonal, k=0, num_rows=-1, num_cols=-1, padding_value=0):
    return (_matrix_diag_part(g, k=k),)


def diag(
    diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"
):
    """A (batch of) matrices with `diagonal` on the k-th diagonal, `padding_value` elsewhere."""
    return _matrix_diag(
        diagonal,
        k=_single_k("diag", k),
        num_rows=_args.count(num_rows, "MatrixDiagV3", "num_rows", minimum=-1),
        num_cols=_args.count(num_cols, "MatrixDiagV3", "num_cols", minimum=-1),
        padding_value=padding_value,
    )


@op(
    "MatrixSetDiagV3",
    batchable=True,
    samples=[
        Sample((3, 3), (3,), k=0),
        Sample((2, 3, 4), (2, 3), k=1),
        Sample((4, 3), (3,), k=0),
    ],
)
def _matrix_set_diag(input, diagonal, k=0):
    _check_matrix("MatrixSetDiagV3", input)
    m, n = input.shape[-2], input.shape[-1]
    length = _diag_len(m, n, k)
    if diagonal.shape[-1] != length:
        raise InvalidArgumentError(
            f"MatrixSetDiagV3: the diagonal has length "
            f"{diagonal.shape[-1]}, the k={k} diagonal of a "
            f"{m}x{n} matrix has length {length}"
        )
    out = xp.array(input, copy=True)
    rows, cols = _diag_index(k, length)
    out[..., rows, cols] = diagonal
    return out


@_matrix_set_diag.vjp
def _matrix_set_diag_vjp(g, ans, input, diagonal, k=0):
    m, n = input.shape[-2], input.shape[-1]
    off_diagonal = xp.ones((m, n), dtype=_np_dtype(input))
    rows, cols = _diag_index(k, _diag_len(m, n, k))
    off_diagonal[rows, cols] = 0
    return g * wrap(off_diagonal), _matrix_diag_part(g, k=k)


def set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):
    """`input` with its k-th diagonal replaced by `diagonal`."""
    ishape, dshape = tuple(getattr(input, "shape", ())), tuple(getattr(diagonal, "shape", ()))
    if len(ishape) >= 2 and dshape and dshape[:-1] != ishape[:-2]:
        raise InvalidArgumentError(
            f"MatrixSetDiagV3: diagonal.shape[:-1] {list(dshape[:-1])} must equal "
            f"input.shape[:-2] {list(ishape[:-2])}"
        )
    return _matrix_set_diag(input, diagonal, k=_single_k("set_diag", k))


def trace(x, name=None):
    """Sum of the main diagonal of (a batch of) matrices."""
    return reduce_sum(diag_part(x), axis=-1)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Transposes the last two axes of `a` (conjugating too when `conjugate`)."""
    a = convert_to_tensor(a)
    if a.ndim < 2:
        raise ValueError(
            f"Argument `a` should be a (batch) matrix with rank >= 2.  Received "
            f"`a` = {a} with shape: {a.shape}"
        )
    out = _mT(a)
    if conjugate and a.dtype.is_complex:
        from .math import conj

        out = conj(out)
    return out


def adjoint(matrix, name=None):
    """Conjugate transpose of the last two axes."""
    return matrix_transpose(matrix, conjugate=True)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix (or a batch of them) of the given dtype."""
    from .array import eye as _eye  # one argument check for tf.eye and tf.linalg.eye

    return _eye(num_rows, num_columns, batch_shape=batch_shape, dtype=dtype)


API = {
    "linalg": [
        "band_part",
        "diag_part",
        "diag",
        "set_diag",
        "trace",
        "matrix_transpose",
        "adjoint",
        "eye",
    ],
}
