"""BatchOuter: the outer product of each pair of rows, (..., m) x (..., n) -> (..., m, n).

Not a TensorFlow op: it is what `vmap` turns a matmul of two batched vectors into (a Dense
kernel's per-example gradient, `x^T dy` for one example), so that per-example gradients
write their (B, m, n) result in one pass (`backend.fused.batch_outer`, a native kernel with
the `fast` extra) instead of NumPy's broadcast multiply, which sets its loop up anew for
every output row. The numbers are NumPy's `a[..., :, None] * b[..., None, :]`, bitwise.
"""

from __future__ import annotations

from ..backend import fused
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from .array import _reshape
from .linalg import _batch_mat_mul


@op(
    "BatchOuter",
    batchable=True,
    samples=[
        Sample((3,), (4,)),
        Sample((2, 3), (2, 5)),
        Sample((2, 1, 3), (2, 1, 2)),
    ],
)
def _batch_outer(a, b):
    if a.ndim < 1 or a.shape[:-1] != b.shape[:-1]:
        raise InvalidArgumentError(
            f"BatchOuter: a and b must be (..., m) and (..., n) with the same leading shape, "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return fused.batch_outer(a, b)


@_batch_outer.vjp(needs=True)
def _batch_outer_vjp(g, ans, a, b, needs=(True, True)):
    # d a[.., i] = sum_j g[.., i, j] b[.., j];  d b[.., j] = sum_i a[.., i] g[.., i, j].
    # g may carry leading jacobian axes: the batched matmuls broadcast a and b over them.
    shape = tuple(g.shape)
    ga = gb = None
    if needs[0]:
        column = _reshape(b, shape=tuple(b.shape) + (1,))
        ga = _reshape(_batch_mat_mul(g, column), shape=shape[:-1])
    if needs[1]:
        a_shape = tuple(a.shape)
        row = _reshape(a, shape=a_shape[:-1] + (1, a_shape[-1]))
        gb = _reshape(_batch_mat_mul(row, g), shape=shape[:-2] + shape[-1:])
    return ga, gb


def batch_outer(a, b):
    """a[..., :, None] * b[..., None, :] as one op (see the module docstring)."""
    return _batch_outer(a, b)
