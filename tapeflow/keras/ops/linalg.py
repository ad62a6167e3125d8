"""`keras.ops.linalg`: cholesky, det, inv, solve, solve_triangular, norm, eigh, qr, svd, lstsq,
pinv, matrix_rank, lu_factor and jvp.

`eig` (general, complex eigenvalues) is left out: tapeflow's op library has no complex
eigensolver; docs/api.md lists it."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from .. import backend
from ._base import cast, keras_op, to_tensor
from ._dtypes import result_type
from .numpy_shape import moveaxis


@keras_op
def cholesky(x, upper=False):
    """The lower (or upper) Cholesky factor of positive definite matrices."""
    out = tf.linalg.cholesky(to_tensor(x))
    out = tf.debugging.check_numerics(out, "Cholesky")
    return tf.linalg.adjoint(out) if upper else out


@keras_op
def cholesky_inverse(x, upper=False):
    """The inverse of the matrix whose Cholesky factor is `x`."""
    x = to_tensor(x)
    identity = tf.eye(x.shape[-1], dtype=x.dtype)
    inv_factor = tf.linalg.triangular_solve(x, identity, lower=not upper)
    if upper:
        return tf.matmul(inv_factor, inv_factor, transpose_b=True)
    return tf.matmul(inv_factor, inv_factor, transpose_a=True)


@keras_op
def det(x):
    """The determinant of square matrices."""
    return tf.linalg.det(to_tensor(x))


@keras_op
def inv(x):
    """The inverse of square matrices."""
    return tf.linalg.inv(to_tensor(x))


def _solve(fn, a, b, **kwargs):
    a, b = to_tensor(a), to_tensor(b)
    if b.ndim == a.ndim - 1:
        return tf.squeeze(fn(a, tf.expand_dims(b, -1), **kwargs), axis=-1)
    return fn(a, b, **kwargs)


@keras_op
def solve(a, b):
    """x such that a @ x = b."""
    return _solve(tf.linalg.solve, a, b)


@keras_op
def solve_triangular(a, b, lower=False):
    """x such that a @ x = b, a triangular."""
    return _solve(tf.linalg.triangular_solve, a, b, lower=lower)


@keras_op
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras' name
    """Vector norms (one axis) and matrix norms (two axes: "fro", 1, -1, inf, -inf)."""
    x = to_tensor(x)
    ndim = x.ndim
    axes = (
        tuple(range(ndim)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    )
    if any(a < -ndim or a >= ndim for a in axes):
        raise ValueError(
            "All `axis` values must be in the range [-ndim, ndim). "
            f"Received inputs with ndim={ndim}, while axis={axes}"
        )
    dtype = backend.floatx() if x.dtype.name == "int64" else result_type(x.dtype, float)
    x = cast(x, dtype)
    if len(axes) == 1:
        a = axes[0]
        if ord is None or ord == 2:
            return tf.sqrt(tf.reduce_sum(x * x, axis=a, keepdims=keepdims))
        if ord == float("inf"):
            return tf.reduce_max(tf.abs(x), axis=a, keepdims=keepdims)
        if ord == float("-inf"):
            return tf.reduce_min(tf.abs(x), axis=a, keepdims=keepdims)
        if ord == 0:
            return tf.reduce_sum(cast(tf.not_equal(x, 0), dtype), axis=a, keepdims=keepdims)
        if isinstance(ord, str):
            raise ValueError(f"Invalid `ord` argument for vector norm. Received: ord={ord}")
        p = tf.constant(ord, dtype)
        return tf.pow(tf.reduce_sum(tf.pow(tf.abs(x), p), axis=a, keepdims=keepdims), 1.0 / p)
    if len(axes) != 2:
        raise ValueError(f"Invalid axis values. Received: axis={axis}")
    row, col = (a + ndim if a < 0 else a for a in axes)
    if ord is None or ord == "fro":
        return tf.sqrt(tf.reduce_sum(x * x, axis=list(axes), keepdims=keepdims))
    if ord in (1, -1):
        pick = tf.reduce_max if ord == 1 else tf.reduce_min
        if not keepdims and col > row:
            col -= 1
        return pick(tf.reduce_sum(tf.abs(x), axis=row, keepdims=keepdims), axis=col,
                    keepdims=keepdims)  # fmt: skip
    if ord in (float("inf"), float("-inf")):
        pick = tf.reduce_max if ord > 0 else tf.reduce_min
        if not keepdims and row > col:
            row -= 1
        return pick(tf.reduce_sum(tf.abs(x), axis=col, keepdims=keepdims), axis=row,
                    keepdims=keepdims)  # fmt: skip
    if ord in ("nuc", 2, -2):
        values = tf.linalg.svd(moveaxis(x, list(axes), [-2, -1]), compute_uv=False)
        pick = {"nuc": tf.reduce_sum, 2: tf.reduce_max, -2: tf.reduce_min}[ord]
        out = pick(values, axis=-1)
        if keepdims:
            out = tf.expand_dims(tf.expand_dims(out, axes[0]), axes[1])
        return out
    raise ValueError(f"Invalid `ord` argument for matrix norm. Received: ord={ord}")


def jvp(fun, primals, tangents, has_aux=False):
    """`fun(*primals)` and its Jacobian-vector product with `tangents` (forward mode);
    with `has_aux`, `fun` returns (output, aux) and aux is returned third."""
    primals = [to_tensor(p) for p in primals]
    tangents = [to_tensor(t) for t in tangents]
    with tf.autodiff.ForwardAccumulator(primals, tangents) as accumulator:
        result = fun(*primals)
        out, aux = result if has_aux else (result, None)
    tangent_out = tf.nest.map_structure(
        lambda o: accumulator.jvp(o, unconnected_gradients="zero"), out
    )
    return (out, tangent_out, aux) if has_aux else (out, tangent_out)


@keras_op
def eigh(x):
    """The eigenvalues (ascending) and eigenvectors of symmetric matrices."""
    return tuple(tf.linalg.eigh(to_tensor(x)))


@keras_op
def qr(x, mode="reduced"):
    """The QR decomposition ("reduced" or "complete")."""
    if mode not in {"reduced", "complete"}:
        raise ValueError(
            "`mode` argument value not supported. Expected one of {'reduced', 'complete'}. "
            f"Received: mode={mode}"
        )
    return tuple(tf.linalg.qr(to_tensor(x), full_matrices=mode == "complete"))


@keras_op
def svd(x, full_matrices=True, compute_uv=True):
    """u, s, vh with x = u diag(s) vh (only s without `compute_uv`)."""
    x = to_tensor(x)
    if not compute_uv:
        return tf.linalg.svd(x, full_matrices=full_matrices, compute_uv=False)
    s, u, v = tf.linalg.svd(x, full_matrices=full_matrices, compute_uv=True)
    return u, s, tf.linalg.adjoint(v)


@keras_op
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse."""
    return tf.linalg.pinv(to_tensor(x), rcond=rcond)


@keras_op
def matrix_rank(x, tol=None):
    """The number of singular values above `tol`, as int32."""
    return tf.linalg.matrix_rank(to_tensor(x), tol=tol)


@keras_op
def lstsq(a, b, rcond=None):
    """The least-squares solution of a @ x = b (singular values under rcond * s[0] dropped)."""
    a, b = to_tensor(a), to_tensor(b)
    if a.shape[0] != b.shape[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    vector = b.ndim == 1
    if vector:
        b = tf.expand_dims(b, -1)
    if a.ndim != 2:
        raise TypeError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    if b.ndim != 2:
        raise TypeError(f"{b.ndim}-dimensional array given. Array must be one or two-dimensional")
    m, n = a.shape.as_list()
    eps = float(np.finfo(a.dtype.as_numpy_dtype).eps)
    rcond = eps * max(n, m) if rcond is None else (eps if rcond < 0 else rcond)
    u, s, vt = svd(a, full_matrices=False)
    keep = s >= rcond * s[0]
    s_inv = tf.expand_dims(tf.where(keep, 1 / tf.where(keep, s, tf.ones_like(s)),
                                    tf.zeros_like(s)), -1)  # fmt: skip
    x = tf.matmul(tf.transpose(vt), s_inv * tf.matmul(tf.transpose(u), b))
    return tf.reshape(x, [-1]) if vector else x


@keras_op
def lu_factor(x):
    """The packed LU factors of square matrices and the row permutation (LAPACK's pivots
    as Keras' TensorFlow backend returns them: the inverse of tf.linalg.lu's)."""
    lu, p = tf.linalg.lu(to_tensor(x))
    inverse = tf.constant(np.argsort(np.asarray(p), axis=-1).astype(np.int32))
    return lu, inverse
