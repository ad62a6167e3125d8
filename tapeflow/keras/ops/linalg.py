"""`keras.ops.linalg`: cholesky, det, inv, solve, solve_triangular, norm, slogdet, logdet.

Decompositions tapeflow's op library does not have (eig, eigh, qr, svd, lu_factor, lstsq,
pinv, matrix_rank) are left out; docs/api.md lists them."""

from __future__ import annotations

import tapeflow as tf

from .. import backend
from ._base import cast, keras_op, to_tensor
from ._dtypes import result_type


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
        raise NotImplementedError(
            f"keras.ops.norm(ord={ord!r}) over two axes needs singular values, which tapeflow's "
            "op library does not differentiate yet"
        )
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
