"""Elementwise math: arithmetic, powers, exponentials, trigonometry, comparisons."""

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ._common import BINARY, UNARY

# ---- arithmetic ----------------------------------------------------------------------------

@op("AddV2", samples=BINARY, batchable=True)
def add(x, y):
    return xp.add(x, y)


@add.vjp
def _add_vjp(g, ans, x, y):
    return g, g


@op("Sub", samples=BINARY, batchable=True)
def subtract(x, y):
    return xp.subtract(x, y)


@subtract.vjp
def _subtract_vjp(g, ans, x, y):
    return g, -g


@op("Mul", samples=BINARY, batchable=True)
def multiply(x, y):
    return xp.multiply(x, y)


@multiply.vjp
def _multiply_vjp(g, ans, x, y):
    return g * y, g * x


@op("RealDiv", samples=BINARY, domain=(0.5, 2.0), batchable=True)
def _real_div(x, y):
    return xp.true_divide(x, y)


@_real_div.vjp
def _real_div_vjp(g, ans, x, y):
    return g / y, -g * ans / y


@op("Neg", samples=UNARY, batchable=True)
def negative(x):
    return xp.negative(x)


@negative.vjp
def _negative_vjp(g, ans, x):
    return (-g,)


# ---- exponentials and logarithms -----------------------------------------------------------

@op("Exp", samples=UNARY, domain=(-3, 3), batchable=True)
def exp(x):
    return xp.exp(x)


@exp.vjp
def _exp_vjp(g, ans, x):
    return (g * ans,)  # d exp = exp


@op("Log", samples=UNARY, domain=(0.5, 3), batchable=True)
def log(x):
    return xp.log(x)


@log.vjp
def _log_vjp(g, ans, x):
    return (g / x,)


# ---- sums of several tensors ---------------------------------------------------------------

@op("AddN", samples=[Sample((3, 4), (3, 4), (3, 4)), Sample((2,), (2,))], batchable=True)
def _add_n(*xs):
    out = xs[0] + xs[1] if len(xs) > 1 else xs[0].copy()
    for x in xs[2:]:
        out += x
    return out


@_add_n.vjp
def _add_n_vjp(g, ans, *xs):
    return (g,) * len(xs)


def add_n(inputs, name=None):
    """Elementwise sum of a list of tensors of one shape and dtype."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    shapes = {tuple(getattr(x, "shape", ())) for x in inputs}
    if len(shapes) > 1:
        raise InvalidArgumentError(f"AddN: all inputs must have the same shape, got "
                                   f"{sorted(shapes)}")
    return _add_n(*inputs)


def _segment_ids_sample(rng):
    return rng.integers(0, 4, size=(6,)).astype("int32")


@op("UnsortedSegmentSum", same_dtype=(),
    samples=[Sample((6, 3), _segment_ids_sample, num_segments=4, wrt=(0,)),
             Sample((6,), _segment_ids_sample, num_segments=5, wrt=(0,))])
def _unsorted_segment_sum(data, segment_ids, num_segments):
    ids = segment_ids.astype(xp.intp)
    if ids.size and ids.max() >= num_segments:
        raise InvalidArgumentError(
            f"UnsortedSegmentSum: segment_ids must be < num_segments={num_segments}, got "
            f"max {int(ids.max())}")
    out = xp.zeros((num_segments,) + data.shape[ids.ndim:], dtype=data.dtype)
    valid = ids >= 0  # TF drops negative ids
    xp.add.at(out, ids[valid], data[valid])
    return out


@_unsorted_segment_sum.vjp
def _unsorted_segment_sum_vjp(g, ans, data, segment_ids, num_segments):
    from .array import gather

    return gather(g, segment_ids, axis=0, batch_dims=0), None


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums the rows of `data` into `num_segments` buckets chosen by `segment_ids`."""
    return _unsorted_segment_sum(data, segment_ids, num_segments=int(num_segments))


API = {
    "tf": ["add", "subtract", "multiply", "negative", "exp", "log", "add_n"],
    "math": ["add", "subtract", "multiply", "negative", "exp", "log", "add_n",
             "unsorted_segment_sum"],
}
