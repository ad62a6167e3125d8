"""Ordering ops: argmax, argmin, top_k, argsort and sort (no gradient flows to indices)."""

import collections

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor, wrap
from . import _args
from ._common import batch_ndim
from .array import _axis, _reshape, _transpose
from .indexing import _gather
from .math import _cast, _unsorted_segment_sum, add
from .reduce import _numeric

# ---- argmax, argmin, top_k (no gradient to indices) ----------------------------------------


def _arg_extremum(name, fn, x, axis, output_type, nan_as):
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgumentError(
            f"{name}: Expected dimension in the range [{-x.ndim}, {x.ndim}), but got {axis}"
        )
    if x.shape[axis] == 0:
        raise InvalidArgumentError(
            f"{name}: Reduction axis {axis} is empty in shape {list(x.shape)}"
        )
    if x.dtype.kind == "f":
        nan = xp.isnan(x)
        if nan.any():  # TF's kernel skips nan; NumPy would pick it
            x = xp.where(nan, nan_as, x)
    return fn(x, axis=axis).astype(output_type)


@op(
    "ArgMax",
    differentiable=False,
    samples=[
        Sample((3, 4), axis=1, output_type="int64"),
        Sample((5,), axis=0, output_type="int32"),
    ],
)
def _arg_max(x, axis=0, output_type="int64"):
    return _arg_extremum("ArgMax", xp.argmax, x, axis, output_type, -xp.inf)


@op("ArgMin", differentiable=False, samples=[Sample((3, 4), axis=0, output_type="int64")])
def _arg_min(x, axis=0, output_type="int64"):
    return _arg_extremum("ArgMin", xp.argmin, x, axis, output_type, xp.inf)


_ARG_TYPES = ("int16", "uint16", "int32", "int64")


def _arg_attrs(name, axis, output_type):
    if axis is None:
        axis = 0  # TF2's default
    axis = _args.scalar(axis, name, "axis", cast_floats=False)
    output_type = dtypes.as_dtype(output_type).name
    if output_type not in _ARG_TYPES:
        raise InvalidArgumentError(
            f"{name}: output_type must be one of {', '.join(_ARG_TYPES)}, got {output_type}"
        )
    return {"axis": int(axis), "output_type": output_type}


def argmax(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002
    """Index of the largest value along `axis` (0 when None); first index on ties."""
    return _arg_max(input, **_arg_attrs("ArgMax", axis, output_type))


def argmin(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002
    """Index of the smallest value along `axis` (0 when None); first index on ties."""
    return _arg_min(input, **_arg_attrs("ArgMin", axis, output_type))


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


@op(
    "TopKV2",
    numbers=True,
    multiple_outputs=True,
    batchable=True,
    samples=[
        Sample((3, 5), k=2, sorted=True, index_type="int32"),
        Sample((6,), k=6, sorted=True, index_type="int32"),
    ],
)
def _top_k(x, k=1, sorted=True, index_type="int32"):  # noqa: A002
    if x.ndim == 0:
        raise InvalidArgumentError("TopKV2: input must be >= 1-D, got shape []")
    _numeric("TopKV2", x)
    n = x.shape[-1]
    if k < 0:
        raise InvalidArgumentError(f"TopKV2: Need k >= 0, got {k}")
    if n < k:
        raise InvalidArgumentError(
            f"TopKV2: input must have at least k columns. Had {n}, needed {k}"
        )
    key = x
    if x.dtype.kind == "f":
        nan = xp.isnan(x)
        if nan.any():  # TF ranks nan below everything
            key = xp.where(nan, -xp.inf, x)
    # Descending, ties by lower index first: a stable ascending sort of the reversed row,
    # read backwards.
    order = xp.argsort(key[..., ::-1], axis=-1, kind="stable")[..., ::-1][..., :k]
    indices = (n - 1) - order
    return xp.take_along_axis(x, indices, axis=-1), indices.astype(index_type)


@_top_k.vjp
def _top_k_vjp(g, ans, x, k=1, sorted=True, index_type="int32"):
    from .array import reshape, transpose

    g = g[0]
    nb = batch_ndim(g, ans[0])
    lead = tuple(g.shape[:nb])
    n = int(x.shape[-1])
    rows = int(np.prod(x.shape[:-1]))
    # Scatter each row's k gradients to their columns: one segment per entry of x.
    offsets = wrap(xp.arange(rows, dtype=xp.int64).reshape(rows, 1) * n)
    ids = reshape(add(reshape(_cast(ans[1], dtype="int64"), (rows, k)), offsets), (-1,))
    if not nb:
        flat = _unsorted_segment_sum(reshape(g, (-1,)), ids, num_segments=rows * n)
        return (reshape(flat, tuple(x.shape)),)
    batch = int(np.prod(lead))
    columns = transpose(reshape(g, (batch, rows * k)), (1, 0))
    flat = _unsorted_segment_sum(columns, ids, num_segments=rows * n)
    return (reshape(transpose(flat, (1, 0)), lead + tuple(x.shape)),)


def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):  # noqa: A002
    """The k largest entries of the last axis and their indices (ties: lower index first).

    Returns a namedtuple `(values, indices)`; indices are int32 by default.
    """
    k = _args.scalar(k, "TopKV2", "k")
    if k < 0:
        raise InvalidArgumentError(f"TopKV2: Need k >= 0, got {k}")
    values, indices = _top_k(
        input, k=k, sorted=bool(sorted), index_type=dtypes.as_dtype(index_type).name
    )
    return TopKV2(values, indices)


# ---- sorting -------------------------------------------------------------------------------


# tapeflow's own op type: TF sorts with TopKV2 (k = the full length), which is stable:
# equal values keep their order in both directions, as here.
@op("ArgSort", differentiable=False, samples=[Sample((3, 4), axis=1, descending=True)])
def _argsort(x, axis, descending):
    if x.dtype.kind == "b":
        raise InvalidArgumentError("ArgSort: bool tensors cannot be sorted")
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable").astype(xp.int32)
    # Stable descending: sort the reversed array ascending, then map positions back.
    n = x.shape[axis]
    order = xp.argsort(xp.flip(x, axis), axis=axis, kind="stable")
    return (n - 1 - xp.flip(order, axis)).astype(xp.int32)


def _sort_args(values, axis, direction, what):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(
            f"{what}: argument `direction` should be one of ASCENDING, "
            f"DESCENDING. Received: direction={direction}"
        )
    values = convert_to_tensor(values)
    if values.ndim == 0:
        raise InvalidArgumentError(f"{what}: values must have rank >= 1, got a scalar")
    return values, _axis(axis, values.ndim, what)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort `values` along `axis` (ties keep their order)."""
    values, a = _sort_args(values, axis, direction, "argsort")
    return _argsort(values, axis=a, descending=direction == "DESCENDING")


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """`values` sorted along `axis`; differentiable (the gradient goes back to each source)."""
    values, a = _sort_args(values, axis, direction, "sort")
    order = _argsort(values, axis=a, descending=direction == "DESCENDING")
    last = values.ndim - 1
    if a != last:  # sort the last axis: swap it with `axis` (its own inverse)
        perm = tuple(last if i == a else a if i == last else i for i in range(values.ndim))
        values, order = _transpose(values, perm=perm), _transpose(order, perm=perm)
    shape = tuple(values.shape)
    # Rows of a matrix, gathered with one batch dimension: a dense gradient, as in TF.
    rows = (-1, shape[-1])
    out = _gather(_reshape(values, shape=rows), _reshape(order, shape=rows), axis=1, batch_dims=1)
    out = _reshape(out, shape=shape)
    return _transpose(out, perm=perm) if a != last else out


API = {
    "tf": ["argmax", "argmin", "sort", "argsort"],
    "math": ["argmax", "argmin", "top_k"],
    "nn": ["top_k"],
}
