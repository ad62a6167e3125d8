"""Counting values: tf.math.bincount, tf.unique / unique_with_counts, tf.histogram_fixed_width
and histogram_fixed_width_bins.

Their output sizes follow from the values (not the shapes), so each is one op whose forward
finds the size: a traced function then guards that size like any value-dependent shape.
TF defines no gradient for them; a gradient asked through one raises TF's LookupError.
"""

from __future__ import annotations

import collections

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor, wrap
from ._common import no_gradient
from .array import _reshape
from .math import _cast

_INDEX_TYPES = ("int32", "int64")


def _index_type(what, op_name, dtype) -> str:
    name = dtypes.as_dtype(dtype).name
    if name not in _INDEX_TYPES:
        raise InvalidArgumentError(f"{op_name}: {what} must be int32 or int64, got {name}")
    return name


def _int_arg(value, what) -> int:
    """A Python int from an int, a NumPy integer or a scalar integer tensor."""
    if isinstance(value, Operand):
        value = value.numpy()
    value = np.asarray(value)
    if value.ndim != 0 or value.dtype.kind not in "iu":
        raise TypeError(f"{what} must be a scalar integer, got {value!r}")
    return int(value)


# ---- bincount --------------------------------------------------------------------------------


def _counts_sample(rng, shape=(7,)):  # always holds 4: one output length for every draw
    a = rng.integers(0, 5, size=shape)
    a.flat[0] = 4
    return a.astype("int32")


@op(
    "DenseBincount",
    same_dtype=(),
    samples=[
        Sample(_counts_sample, (7,), minlength=None, maxlength=None, binary_output=False, wrt=()),
        Sample(
            lambda rng: _counts_sample(rng, (2, 3)),
            np.zeros(0, "float64"),
            minlength=7,
            maxlength=None,
            binary_output=True,
            wrt=(),
        ),
        Sample(_counts_sample, np.zeros(0, "float64"), minlength=None, maxlength=3,
               binary_output=False, wrt=()),
    ],
)  # fmt: skip
def _dense_bincount(arr, weights, minlength=None, maxlength=None, binary_output=False):
    """Counts (or sums of weights) of each value of arr; a 2-D arr counts row by row."""
    if arr.dtype.kind not in "iu":
        raise InvalidArgumentError(f"DenseBincount: arr must be int32 or int64, got {arr.dtype}")
    if arr.ndim > 2:
        raise InvalidArgumentError(
            f"DenseBincount: Shape must be at most rank 2 but is rank {arr.ndim}"
        )
    if weights.dtype.name not in ("int32", "int64", "float32", "float64"):
        raise InvalidArgumentError(
            f"DenseBincount: weights (or dtype) must be int32, int64, float32 or float64, "
            f"got {weights.dtype}"
        )
    weighted = weights.size > 0
    if weighted and weights.shape != arr.shape:
        raise InvalidArgumentError(
            "DenseBincount: `weights` must be the same shape as `arr` or a length-0 "
            f"`Tensor`, in which case it acts as all weights equal to 1. Received "
            f"{list(weights.shape)} for arr of shape {list(arr.shape)}"
        )
    if arr.size and int(arr.min()) < 0:
        raise InvalidArgumentError(
            f"DenseBincount: Input arr must be non-negative! Got {int(arr.min())}"
        )
    size = int(arr.max()) + 1 if arr.size else 0
    if minlength is not None:
        size = max(size, minlength)
    if maxlength is not None:
        size = min(size, maxlength)
    if size < 0:
        raise InvalidArgumentError(f"DenseBincount: size ({size}) must be non-negative")
    rows = arr.reshape((-1, arr.shape[-1]) if arr.ndim == 2 else (1, -1))
    out = xp.zeros((rows.shape[0], size), dtype=weights.dtype)
    inside = rows < size  # values past maxlength are dropped
    row_index = xp.broadcast_to(xp.arange(rows.shape[0])[:, None], rows.shape)
    target = (row_index[inside], rows[inside])
    if binary_output:
        out[target] = 1
    elif weighted:
        xp.add.at(out, target, weights.reshape(rows.shape)[inside])
    else:
        xp.add.at(out, target, 1)
    return out if arr.ndim == 2 else out[0]


no_gradient(_dense_bincount)


def bincount(
    arr,
    weights=None,
    minlength=None,
    maxlength=None,
    dtype=dtypes.int32,
    name=None,
    axis=None,
    binary_output=False,
):
    """How often each value 0, 1, ... occurs in `arr` (or the sum of its `weights`).

    The length is `max(arr) + 1`, at least `minlength` and at most `maxlength` (larger values
    are dropped). `axis=-1` counts each row of a 2-D arr on its own; `binary_output` gives
    1 for present values. The result has the dtype of `weights`, else `dtype`.
    """
    arr = convert_to_tensor(arr)
    if weights is not None:
        weights = convert_to_tensor(weights)
        if binary_output:
            raise ValueError(
                "Arguments `binary_output` and `weights` are mutually exclusive. Please "
                "specify only one."
            )
    if not arr.dtype.is_integer:
        arr = _cast(arr, dtype="int32")
    axis = 0 if axis is None else axis
    if axis not in (0, -1):
        raise ValueError(
            f"Unsupported value for argument axis={axis}. Only 0 and -1 are currently supported."
        )
    if axis == 0:
        arr = _reshape(arr, shape=(-1,))
        if weights is not None:
            weights = _reshape(weights, shape=(-1,))
    if weights is None:
        weights = wrap(xp.zeros(0, dtype=dtypes.as_dtype(dtype).as_numpy_dtype))
    return _dense_bincount(
        arr,
        weights,
        minlength=None if minlength is None else _int_arg(minlength, "minlength"),
        maxlength=None if maxlength is None else _int_arg(maxlength, "maxlength"),
        binary_output=bool(binary_output),
    )


# ---- unique ----------------------------------------------------------------------------------

UniqueOutput = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCountsOutput = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _first_occurrences(op_name, x):
    """(index of each distinct value's first occurrence in order, the value number of each
    entry, a backend array): TF's order is the order in which values first appear."""
    if x.ndim != 1:
        raise InvalidArgumentError(
            f"{op_name}: unique expects a 1D vector, got shape {list(x.shape)}"
        )
    if x.dtype == object:  # strings: bytes hash, so one pass over a dict
        seen = {}
        inverse = np.fromiter((seen.setdefault(v, len(seen)) for v in x), np.int64, x.size)
        first = np.zeros(len(seen), dtype=np.int64)
        first[inverse[::-1]] = np.arange(x.size - 1, -1, -1)
        return first, xp.asarray(inverse)  # `first` indexes the host strings
    # A NaN equals nothing, not even another NaN: each one is its own value, as in TF.
    kw = {"equal_nan": False} if x.dtype.kind in "fc" else {}
    _, first, inverse = xp.unique(x, return_index=True, return_inverse=True, **kw)
    order = xp.argsort(first, kind="stable")
    rank = xp.empty_like(order)
    rank[order] = xp.arange(order.size)
    return first[order], rank[inverse.reshape(-1)]


def _unique_sample(rng):  # the same number of distinct values in every draw
    return rng.permutation(np.r_[rng.uniform(-2, 2, 4), 0.5, 0.5, 1.5])


@op(
    "Unique",
    multiple_outputs=True,
    strings=True,
    samples=[Sample(_unique_sample, out_idx="int32", wrt=())],
)
def _unique(x, out_idx="int32"):
    first, inverse = _first_occurrences("Unique", x)
    return x[first], xp.asarray(inverse, dtype=out_idx)


no_gradient(_unique)


@op(
    "UniqueWithCounts",
    multiple_outputs=True,
    strings=True,
    samples=[Sample(_unique_sample, out_idx="int64", wrt=())],
)
def _unique_with_counts(x, out_idx="int32"):
    first, inverse = _first_occurrences("UniqueWithCounts", x)
    counts = xp.bincount(inverse, minlength=first.size)
    return x[first], xp.asarray(inverse, dtype=out_idx), xp.asarray(counts, dtype=out_idx)


no_gradient(_unique_with_counts)


def unique(x, out_idx=dtypes.int32, name=None):
    """The distinct values of the 1-D `x` in order of first appearance, and for each entry of
    x the position of its value among them: a namedtuple `(y, idx)`."""
    out_idx = _index_type("out_idx", "Unique", out_idx)
    return UniqueOutput(*_unique(x, out_idx=out_idx))


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """As `unique`, plus how often each distinct value occurs: `(y, idx, count)`."""
    out_idx = _index_type("out_idx", "UniqueWithCounts", out_idx)
    return UniqueWithCountsOutput(*_unique_with_counts(x, out_idx=out_idx))


# ---- histograms ------------------------------------------------------------------------------


@op(
    "HistogramFixedWidth",
    differentiable=False,
    same_dtype=(0, 1),
    samples=[Sample((10,), np.array([-1.0, 1.0]), nbins=4, dtype="int32")],
)
def _histogram_fixed_width(values, value_range, nbins=100, dtype="int32"):
    if value_range.shape != (2,):
        raise InvalidArgumentError(
            f"HistogramFixedWidth: value_range should be a vector of 2 elements, got shape "
            f"{list(value_range.shape)}"
        )
    lo, hi = value_range[0], value_range[1]
    if not lo < hi:
        raise InvalidArgumentError(
            f"HistogramFixedWidth: value_range should satisfy value_range[0] < "
            f"value_range[1], but got '[{lo}, {hi}]'"
        )
    if nbins <= 0:
        raise InvalidArgumentError(
            f"HistogramFixedWidth: nbins should be a positive number, but got '{nbins}'"
        )
    # TF's kernel: the offset from lo in the values' dtype, the bin in double precision.
    step = float(hi - lo) / nbins
    offset = (xp.maximum(values.reshape(-1), lo) - lo).astype(xp.float64)
    bins = xp.minimum(offset / step, nbins - 1).astype(xp.int64)
    return xp.bincount(bins, minlength=nbins).astype(dtype)


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """Counts of `values` in `nbins` equal bins spanning `value_range` = [lo, hi]; values
    below lo count in the first bin, values at or above hi in the last."""
    dtype = _index_type("dtype", "HistogramFixedWidth", dtype)
    return _histogram_fixed_width(values, value_range, nbins=_int_arg(nbins, "nbins"), dtype=dtype)


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The bin (int32) of each entry of `values` among `nbins` equal bins of `value_range`,
    clipped to [0, nbins - 1].

    As in TF, `dtype` is accepted and ignored (the result is int32) and the values must be
    floating point.
    """
    from .clip import clip_by_value
    from .math_unary import floor

    values = convert_to_tensor(values)
    if not values.dtype.is_floating:
        raise InvalidArgumentError(
            f"histogram_fixed_width_bins: values must be floating point (TF scales them by "
            f"a float), got {values.dtype.name}"
        )
    # A tensor or array value_range keeps its dtype, which must be the values' (a list takes
    # theirs), as in TF.
    if hasattr(value_range, "dtype") and convert_to_tensor(value_range).dtype != values.dtype:
        raise InvalidArgumentError(
            f"histogram_fixed_width_bins: value_range must be {values.dtype.name} like the "
            f"values, got {convert_to_tensor(value_range).dtype.name}"
        )
    value_range = convert_to_tensor(value_range, dtype=values.dtype)
    nbins = _int_arg(nbins, "nbins")
    if nbins <= 0:
        raise InvalidArgumentError(f"histogram_fixed_width_bins: nbins {nbins} must > 0")
    lo, hi = value_range[0], value_range[1]
    scaled = (values - lo) / (hi - lo)
    index = floor(float(nbins) * scaled)
    return _cast(clip_by_value(index, 0.0, float(nbins - 1)), dtype="int32")


API = {
    "tf": ["unique", "unique_with_counts", "histogram_fixed_width", "histogram_fixed_width_bins"],
    "math": ["bincount"],
}
