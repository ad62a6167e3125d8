"""Linear algebra (tf.linalg): matrix products, tensordot, einsum and norms.

Solves and decompositions are in linalg_solve.py, bands and diagonals in linalg_structure.py.
Complex tensors run forward only (tapeflow differentiates floating tensors only).
"""

from __future__ import annotations

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


# ---- matrix products ---------------------------------------------------------------------------


@op(
    "MatMul",
    numbers=True,
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
    return _same_dtype(xp.matmul(a.T if transpose_a else a, b.T if transpose_b else b), a)


def _same_dtype(out, a):
    """ml_dtypes' bfloat16 matmul accumulates and returns float32; TF's rounds to bfloat16."""
    return out.astype(a.dtype) if out.dtype != a.dtype else out


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


@_mat_mul.array_vjp
def _mat_mul_array_vjp(g, ans, a, b, transpose_a=False, transpose_b=False, needs=(True, True)):
    mm = _mat_mul.forward  # `_matmul_grads` on arrays: every operand here is a matrix
    ga = gb = None
    if needs[0]:
        if not transpose_a:
            ga = mm(g, b, transpose_a=False, transpose_b=not transpose_b)
        else:
            ga = mm(b, g, transpose_a=transpose_b, transpose_b=True)
    if needs[1]:
        if not transpose_b:
            gb = mm(a, g, transpose_a=not transpose_a, transpose_b=False)
        else:
            gb = mm(g, a, transpose_a=True, transpose_b=transpose_a)
    return ga, gb


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
    numbers=True,
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
    out = xp.matmul(_adjoint_array(x) if adj_x else x, _adjoint_array(y) if adj_y else y)
    return _same_dtype(out, x)


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
    if a.dtype.is_complex or b.dtype.is_complex:
        from .linalg_structure import matrix_transpose  # imported here: it imports this module
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
    numbers=True,
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
    from .math import pow as pow_
    from .math_unary import abs as abs_
    from .math_unary import sqrt
    from .reduce import reduce_max

    tensor = convert_to_tensor(tensor)
    if is_matrix_norm and _ord_in(ord, [2]):
        result = _spectral_norm(tensor, axis)
    elif _ord_in(ord, ["fro", "euclidean", 2]):
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


def _spectral_norm(tensor, axis):
    """The largest singular value over the two `axis` dimensions, kept as size-1 axes (TF
    moves them last, takes the SVD and moves the result back)."""
    from .linalg_decomp import svd  # imported here: it imports this module
    from .reduce import reduce_max

    pair = [a % tensor.ndim for a in axis]
    perm = [i for i in range(tensor.ndim) if i not in pair] + pair
    largest = reduce_max(svd(_maybe_transpose(tensor, perm), compute_uv=False), -1, keepdims=True)
    kept = _reshape(largest, shape=tuple(largest.shape) + (1,))
    return _maybe_transpose(kept, [perm.index(i) for i in range(tensor.ndim)])


def _ord_in(ord, choices) -> bool:
    """`ord in choices`, without 'fro' == 2 or True == 1 style coincidences."""
    if isinstance(ord, str):
        return ord in [c for c in choices if isinstance(c, str)]
    return any(ord == c for c in choices if not isinstance(c, str))


API = {
    "tf": ["matmul", "tensordot", "einsum", "norm"],
    "linalg": ["matmul", "matvec", "tensordot", "einsum", "norm"],
}
