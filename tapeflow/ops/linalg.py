"""Linear algebra (tf.linalg): products, einsum, norms, inverses, determinants, solves, Cholesky.

Every vjp is written with the products and solves defined here, so gradients of any order
work. Complex tensors run forward only (tapeflow differentiates floating tensors only).
"""

from __future__ import annotations

import collections
import string

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor, wrap
from ._common import batch_ndim
from .array import _reshape, _transpose
from .reduce import reduce_sum

# ---- helpers shared by the vjps ----------------------------------------------------------------


def _swap_last(ndim: int) -> tuple:
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


def _mT(x):
    """Transpose of the last two axes (a matrix transpose that leaves batch axes alone)."""
    return _transpose(x, perm=_swap_last(x.ndim))


def _mm(x, y, adj_x=False, adj_y=False):
    """x @ y with optional transposes, as one MatMul (both 2-D) or BatchMatMulV2."""
    if x.ndim == 2 and y.ndim == 2:
        return _mat_mul(x, y, transpose_a=adj_x, transpose_b=adj_y)
    return _batch_mat_mul(x, y, adj_x=adj_x, adj_y=adj_y)


def _np_dtype(x):
    return x.dtype.as_numpy_dtype


def _adjoint_array(a):
    a = xp.swapaxes(a, -1, -2)
    return xp.conj(a) if a.dtype.kind == "c" else a


def _check_matrix(name, a, what="input"):
    if a.ndim < 2:
        raise InvalidArgumentError(
            f"{name}: {what} must be a matrix or a batch of matrices "
            f"(rank >= 2), got shape {tuple(a.shape)}"
        )


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


# ---- matrix products ---------------------------------------------------------------------------


@op(
    "MatMul",
    batchable=True,
    samples=[
        Sample((3, 4), (4, 2)),
        Sample((4, 3), (4, 2), transpose_a=True),
        Sample((3, 4), (2, 4), transpose_b=True),
        Sample((4, 3), (2, 4), transpose_a=True, transpose_b=True),
    ],
)
def _mat_mul(a, b, transpose_a=False, transpose_b=False):
    for x, what in ((a, "a"), (b, "b")):
        if x.ndim != 2:
            raise InvalidArgumentError(
                f"MatMul: {what} must be a matrix (rank 2), got shape {tuple(x.shape)}"
            )
    _check_inner("MatMul", a, b, transpose_a, transpose_b)
    return xp.matmul(a.T if transpose_a else a, b.T if transpose_b else b)


def _check_inner(name, a, b, ta, tb):
    if a.shape[-2 if ta else -1] != b.shape[-1 if tb else -2]:
        flag_a = " (transposed)" if ta else ""
        flag_b = " (transposed)" if tb else ""
        raise InvalidArgumentError(
            f"{name}: inner dimensions differ: a is {tuple(a.shape)}"
            f"{flag_a}, b is {tuple(b.shape)}{flag_b}"
        )


@_mat_mul.vjp(needs=True)
def _mat_mul_vjp(g, ans, a, b, transpose_a=False, transpose_b=False, needs=(True, True)):
    return _matmul_grads(g, a, b, transpose_a, transpose_b, needs)


def _matmul_grads(g, a, b, ta, tb, needs=(True, True)):
    """(d a, d b) of a @ b with transposes, each None when `needs` says nobody wants it (the
    first layer's input batch: skipping it saves a fifth of an MLP's matmul work)."""
    ga = gb = None
    if needs[0]:
        if not ta:
            ga = _mm(g, b, adj_y=not tb)
        else:
            ga = _mm(b, g, adj_x=tb, adj_y=True)
    if needs[1]:
        if not tb:
            gb = _mm(a, g, adj_x=not ta)
        else:
            gb = _mm(g, a, adj_x=True, adj_y=ta)
    return ga, gb


@op(
    "BatchMatMulV2",
    batchable=True,
    samples=[
        Sample((2, 3, 4), (2, 4, 5)),
        Sample((2, 1, 3, 4), (3, 5, 4), adj_y=True),
        Sample((4, 3), (2, 4, 2), adj_x=True),
        Sample((2, 4, 3), (5, 4), adj_x=True, adj_y=True),
    ],
)
def _batch_mat_mul(x, y, adj_x=False, adj_y=False):
    _check_matrix("BatchMatMulV2", x, "x")
    _check_matrix("BatchMatMulV2", y, "y")
    _check_inner("BatchMatMulV2", x, y, adj_x, adj_y)
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise InvalidArgumentError(
            f"BatchMatMulV2: batch dimensions do not broadcast: x is "
            f"{tuple(x.shape)}, y is {tuple(y.shape)}"
        ) from None
    return xp.matmul(_adjoint_array(x) if adj_x else x, _adjoint_array(y) if adj_y else y)


@_batch_mat_mul.vjp(needs=True)
def _batch_mat_mul_vjp(g, ans, x, y, adj_x=False, adj_y=False, needs=(True, True)):
    return _matmul_grads(g, x, y, adj_x, adj_y, needs)  # the engine sums broadcast batch axes


def matmul(
    a,
    b,
    transpose_a=False,
    transpose_b=False,
    adjoint_a=False,
    adjoint_b=False,
    a_is_sparse=False,
    b_is_sparse=False,
    output_type=None,
    grad_a=False,
    grad_b=False,
    name=None,
):
    """Matrix product `a @ b` of (batches of) matrices, batch axes broadcast.

    `transpose_*`/`adjoint_*` transpose (and conjugate) an operand first; the `*_is_sparse`
    and `grad_*` hints are accepted and ignored.
    """
    for t, adj, what in ((transpose_a, adjoint_a, "a"), (transpose_b, adjoint_b, "b")):
        if t and adj:
            raise ValueError(
                f"Only one of `transpose_{what}` and `adjoint_{what}` can be "
                f"True. Received `transpose_{what}`={t}, `adjoint_{what}`={adj}."
            )
    a, b = _as_tensor_pair(a, b)
    if a.dtype.is_complex and transpose_a:
        a, transpose_a, adjoint_a = matrix_transpose(a), False, False
    if b.dtype.is_complex and transpose_b:
        b, transpose_b, adjoint_b = matrix_transpose(b), False, False
    adj_a, adj_b = transpose_a or adjoint_a, transpose_b or adjoint_b
    if a.ndim == 2 and b.ndim == 2 and not a.dtype.is_complex:
        out = _mat_mul(a, b, transpose_a=adj_a, transpose_b=adj_b)
    elif a.ndim < 2 or b.ndim < 2:
        out = _mat_mul(a, b, transpose_a=adj_a, transpose_b=adj_b)  # raises the rank error
    else:
        out = _batch_mat_mul(a, b, adj_x=adj_a, adj_y=adj_b)
    if output_type is not None and dtypes.as_dtype(output_type) != out.dtype:
        if out.dtype.is_floating:
            raise TypeError(
                f"matmul: output_type is only supported for integer inputs, got "
                f"{out.dtype.name} inputs and output_type {output_type!r}"
            )
        out = wrap(out._value.astype(dtypes.as_dtype(output_type).as_numpy_dtype))
    return out


def _as_tensor_pair(a, b):
    """Both operands as Tensors (Variables stay as they are); a Python value takes the other
    operand's dtype."""
    if not isinstance(a, Operand):
        a = convert_to_tensor(
            a, dtype=b.dtype if isinstance(b, Operand) and _is_python(a) else None
        )
    if not isinstance(b, Operand):
        b = convert_to_tensor(b, dtype=a.dtype if _is_python(b) else None)
    return a, b


def _is_python(x) -> bool:
    return not hasattr(x, "dtype")


def matvec(
    a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False, name=None
):
    """Matrix-vector product `a @ b` over the last axis of `b` (batches broadcast)."""
    a, b = _as_tensor_pair(a, b)
    column = _reshape(b, shape=tuple(b.shape) + (1,))
    out = matmul(a, column, transpose_a=transpose_a, adjoint_a=adjoint_a)
    return _reshape(out, shape=tuple(out.shape)[:-1])


def tensordot(a, b, axes, name=None):
    """Sums the products of `a` and `b` over the given axes (`axes`: int or pair of lists)."""
    a, b = _as_tensor_pair(a, b)
    a_axes, b_axes = _tensordot_axes(a, b, axes)
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    if [a_shape[i] for i in a_axes] != [b_shape[i] for i in b_axes]:
        raise InvalidArgumentError(
            f"tensordot: contracted dimensions differ: a is {a_shape} (axes {list(a_axes)}), "
            f"b is {b_shape} (axes {list(b_axes)})"
        )
    free_a = [i for i in range(a.ndim) if i not in a_axes]
    free_b = [i for i in range(b.ndim) if i not in b_axes]
    k = int(np.prod([a_shape[i] for i in a_axes]))
    a2 = _reshape(
        _maybe_transpose(a, free_a + list(a_axes)),
        shape=(int(np.prod([a_shape[i] for i in free_a])), k),
    )
    b2 = _reshape(
        _maybe_transpose(b, list(b_axes) + free_b),
        shape=(k, int(np.prod([b_shape[i] for i in free_b]))),
    )
    out = _mat_mul(a2, b2)
    return _reshape(
        out, shape=tuple(a_shape[i] for i in free_a) + tuple(b_shape[i] for i in free_b)
    )


def _maybe_transpose(x, perm):
    return x if perm == list(range(x.ndim)) else _transpose(x, perm=tuple(perm))


def _tensordot_axes(a, b, axes):
    if isinstance(axes, Operand):
        axes = axes.numpy().tolist()
    if isinstance(axes, (int, np.integer)):
        axes = int(axes)
        if axes < 0:
            raise ValueError(f"`axes` must be at least 0. Received: axes={axes}.")
        if axes > a.ndim:
            raise ValueError(
                f"`axes` must not be larger than the number of dimensions of "
                f"tensor {a}. Received {axes}, vs tensor dimensions {a.ndim}."
            )
        return tuple(range(a.ndim - axes, a.ndim)), tuple(range(axes))
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(f"`axes` must be an integer or have length 2. Received {axes}.")
    a_axes, b_axes = ([ax] if isinstance(ax, (int, np.integer)) else list(ax) for ax in axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(
            f"Different number of contraction axes `a` and `b`, {len(a_axes)} != {len(b_axes)}."
        )
    for ax, x, what in ((a_axes, a, "a"), (b_axes, b, "b")):
        for i in ax:
            if not -x.ndim <= i < x.ndim:
                raise ValueError(
                    f"tensordot: axis {i} is out of range for {what} of rank {x.ndim}"
                )
    return (tuple(int(i) % a.ndim for i in a_axes), tuple(int(i) % b.ndim for i in b_axes))


# ---- einsum ------------------------------------------------------------------------------------


@op(
    "Einsum",
    batchable=True,
    samples=[
        Sample((2, 3), (3, 4), equation="ij,jk->ik"),
        Sample((2, 3, 4), (2, 4, 2), equation="bij,bjk->bik"),
        Sample((1, 2, 3), (4, 3, 2), equation="...ij,...jk->...ik"),
        Sample((3, 3), equation="ii->i"),
        Sample((3, 4), equation="ij->"),
        Sample((2, 3), (3,), (2,), equation="ij,j,i->j"),
    ],
)
def _einsum(*inputs, equation):
    return xp.asarray(xp.einsum(equation, *inputs, optimize=len(inputs) > 1))


@_einsum.vjp
def _einsum_vjp(g, ans, *inputs, equation):
    # d/dx_i is the einsum of g with the other operands, written back to x_i's subscripts;
    # a repeated subscript of x_i needs an identity factor, one found nowhere else a ones.
    nb = batch_ndim(g, ans)
    in_subs, out_subs, fresh = _explicit_subscripts(equation, [x.ndim for x in inputs])
    batch = "".join(next(fresh) for _ in range(nb))
    grads = []
    for i, x in enumerate(inputs):
        if not x.dtype.is_floating:
            grads.append(None)
            continue
        operands = [g] + [y for j, y in enumerate(inputs) if j != i]
        subs = [batch + out_subs] + [s for j, s in enumerate(in_subs) if j != i]
        target = ""
        shape = tuple(x.shape)
        for pos, c in enumerate(in_subs[i]):
            if c in target:
                d = next(fresh)
                operands.append(wrap(xp.eye(shape[pos], dtype=_np_dtype(x))))
                subs.append(c + d)
                c = d
            target += c
        present = set("".join(subs))
        for pos, c in enumerate(target):
            if c not in present:
                operands.append(wrap(xp.ones(shape[pos], dtype=_np_dtype(x))))
                subs.append(c)
                present.add(c)
        grads.append(_einsum(*operands, equation=",".join(subs) + "->" + batch + target))
    return tuple(grads)


def _explicit_subscripts(equation, ndims):
    """(input subscripts, output subscripts, fresh letters) with every `...` spelled out."""
    lhs, out = equation.split("->")
    parts = lhs.split(",")
    fresh = iter([c for c in string.ascii_letters if c not in equation])
    ell = [nd - (len(p) - 3) if "..." in p else 0 for p, nd in zip(parts, ndims, strict=True)]
    letters = "".join(next(fresh) for _ in range(max(ell, default=0)))
    parts = [
        p.replace("...", letters[len(letters) - n :]) for p, n in zip(parts, ell, strict=True)
    ]
    return parts, out.replace("...", letters), fresh


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, e.g. `einsum("bij,bjk->bik", x, y)`; `...` broadcasts."""
    equation = equation.replace(" ", "")
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    lhs = equation.split("->")[0]
    if len(lhs.split(",")) != len(inputs):
        raise ValueError(
            f'Got {len(inputs)} inputs for equation "{equation}", expecting {len(lhs.split(","))}'
        )
    if "->" not in equation:
        letters = lhs.replace(",", "").replace(".", "")
        singles = sorted(c for c in set(letters) if letters.count(c) == 1)
        equation = lhs + "->" + ("..." if "..." in lhs else "") + "".join(singles)
    return _einsum(*inputs, equation=equation)


# ---- norms -------------------------------------------------------------------------------------


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """Vector norm (axis None or int) or matrix norm (axis a pair), as `tf.norm`.

    ord: 'euclidean' (default), 'fro', 1, 2, np.inf, or any p > 0 for vector norms. As in
    TF, the euclidean norm of an all-zero vector has a NaN gradient (d sqrt(0) = inf).
    """
    keepdims = bool(keepdims)
    is_matrix_norm = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix_norm:
        axis = tuple(axis)
        if not all(isinstance(a, (int, np.integer)) for a in axis) or axis[0] == axis[1]:
            raise ValueError(
                f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}"
            )
        supported = ["euclidean", "fro", 1, 2, np.inf]
        if not _ord_in(ord, supported):
            raise ValueError(f"'ord' must be a supported matrix norm in {supported}, got {ord}")
    else:
        if not (axis is None or isinstance(axis, (int, np.integer))):
            raise ValueError(
                f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}"
            )
        is_p = not isinstance(ord, str) and np.isreal(ord) and ord > 0
        if not is_p and not _ord_in(ord, ["euclidean", 1, 2, np.inf]):
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
        if axis is not None:
            axis = (int(axis),)
    from .math import abs as abs_
    from .math import pow as pow_
    from .math import sqrt
    from .reduce import reduce_max

    tensor = convert_to_tensor(tensor)
    if _ord_in(ord, ["fro", "euclidean", 2]):
        if is_matrix_norm and ord == 2:
            raise NotImplementedError(
                "tf.norm: ord=2 over two axes (the spectral norm) needs "
                "an SVD, which tapeflow does not implement"
            )
        result = sqrt(reduce_sum(tensor * tensor, axis, keepdims=True))
    else:
        result = abs_(tensor)
        if ord == 1:
            result = reduce_sum(result, None if axis is None else axis[0], keepdims=True)
            if is_matrix_norm:
                result = reduce_max(result, axis[-1], keepdims=True)
        elif ord == np.inf:
            if is_matrix_norm:
                result = reduce_sum(result, axis[1], keepdims=True)
            result = reduce_max(result, None if axis is None else axis[0], keepdims=True)
        else:
            result = pow_(reduce_sum(pow_(result, float(ord)), axis, keepdims=True), 1.0 / ord)
    if not keepdims:
        dropped = range(tensor.ndim) if axis is None else [a % tensor.ndim for a in axis]
        result = _reshape(
            result, shape=tuple(d for i, d in enumerate(result.shape) if i not in dropped)
        )
    return result


def _ord_in(ord, choices) -> bool:
    """`ord in choices`, without 'fro' == 2 or True == 1 style coincidences."""
    if isinstance(ord, str):
        return ord in [c for c in choices if isinstance(c, str)]
    return any(ord == c for c in choices if not isinstance(c, str))


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
    from .math import log

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
    return _matrix_band_part(input, num_lower=int(num_lower), num_upper=int(num_upper))


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
    if isinstance(k, Operand):
        k = k.numpy().tolist()
    if isinstance(k, (list, tuple)):
        if len(k) == 2 and k[0] == k[1]:
            return int(k[0])
        raise NotImplementedError(
            f"tf.linalg.{fn}: only a single diagonal k is supported, got k={k}"
        )
    return int(k)


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
        num_rows=int(num_rows),
        num_cols=int(num_cols),
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
    num_columns = num_rows if num_columns is None else num_columns
    batch_shape = () if batch_shape is None else tuple(int(d) for d in batch_shape)
    m = xp.eye(int(num_rows), int(num_columns), dtype=dtypes.as_dtype(dtype).as_numpy_dtype)
    return wrap(xp.array(xp.broadcast_to(m, batch_shape + m.shape)))


API = {
    "tf": ["matmul", "tensordot", "einsum", "norm"],
    "linalg": [
        "matmul",
        "matvec",
        "tensordot",
        "einsum",
        "norm",
        "inv",
        "det",
        "slogdet",
        "logdet",
        "solve",
        "triangular_solve",
        "cholesky",
        "cholesky_solve",
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
