"""tf.math.cumulative_logsumexp: the running log(sum(exp(x))) along an axis, without overflow.

cumsum and cumprod (and the scan helpers this module shares) are in reduce.py.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from ._common import batch_ndim
from .indexing import _select
from .logic import greater, less
from .math_unary import exp, log
from .reduce import _scan_attrs

# Exclusive scans start with -inf, where a finite-difference check cannot look: forward only
# (tests/golden covers them).
SAMPLES = [
    Sample((3, 4), axis=1, exclusive=False, reverse=False),
    Sample((2, 3), axis=0, exclusive=False, reverse=True),
]


@op("CumulativeLogsumexp", samples=SAMPLES, batchable=True)
def _cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False):
    if x.dtype.kind != "f":
        raise InvalidArgumentError(
            f"CumulativeLogsumexp: expected a floating-point tensor (float16, float32 or "
            f"float64), got {x.dtype}"
        )
    if reverse:
        x = xp.flip(x, axis)
    with np.errstate(invalid="ignore", over="ignore"):  # -inf - -inf inside logaddexp
        out = xp.logaddexp.accumulate(x, axis=axis)
    if exclusive and x.shape[axis]:
        # Shifted by one along the axis, -inf (log of an empty sum) entering at the front.
        head = list(x.shape)
        head[axis] = 1
        body = out[(slice(None),) * axis + (slice(0, -1),)]
        out = xp.concatenate([xp.full(head, -xp.inf, dtype=x.dtype), body], axis=axis)
    return xp.flip(out, axis) if reverse else out


@_cumulative_logsumexp.vjp
def _cumulative_logsumexp_vjp(g, ans, x, axis=0, exclusive=False, reverse=False):
    # TF's rule: split g by sign so both halves can go through logs (stable for large x).
    # Where a half is empty TF puts the dtype's lowest value; half of it gives the same exp
    # (0) without overflowing to -inf when `ans` is subtracted (-inf would make a NaN in
    # the second-order gradient).
    a = axis + batch_ndim(g, ans)
    empty = float(np.finfo(g.dtype.as_numpy_dtype).min) / 2
    ones = g * 0.0 + 1.0
    positive, negative = greater(g, 0.0), less(g, 0.0)
    log_pos = _select(positive, log(_select(positive, g, ones)), empty)
    log_neg = _select(negative, log(_select(negative, -g, ones)), empty)
    attrs = {"axis": a, "exclusive": exclusive, "reverse": not reverse}
    pos = exp(_cumulative_logsumexp(log_pos - ans, **attrs) + x)
    neg = exp(_cumulative_logsumexp(log_neg - ans, **attrs) + x)
    return (pos - neg,)


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """log(cumsum(exp(x))) along `axis`, computed stably; `exclusive` and `reverse` as in
    `tf.math.cumsum` (an exclusive first entry is -inf)."""
    x = convert_to_tensor(x)
    return _cumulative_logsumexp(
        x, **_scan_attrs("CumulativeLogsumexp", x, axis, exclusive, reverse)
    )


API = {"math": ["cumulative_logsumexp"]}
