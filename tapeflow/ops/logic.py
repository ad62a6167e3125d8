"""Comparisons and logic, elementwise: bool results, no gradient (TF's NotDifferentiable)."""

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ._common import BINARY, UNARY, _floating


def _boolean(name, *xs):
    for x in xs:
        if x.dtype.kind != "b":
            raise InvalidArgumentError(f"{name}: expected bool tensors, got {x.dtype.name}")


def _bool_sample(rng):
    return rng.uniform(size=(3, 4)) > 0.5


BOOL_BINARY = [Sample(_bool_sample, _bool_sample)]


# ---- comparisons and logic (no gradient) ---------------------------------------------------


@op("Equal", differentiable=False, samples=BINARY)
def equal(x, y):
    """x == y elementwise (a bool tensor)."""
    return xp.equal(x, y)


@op("NotEqual", differentiable=False, samples=BINARY)
def not_equal(x, y):
    """x != y elementwise (a bool tensor)."""
    return xp.not_equal(x, y)


@op("Less", numbers=True, differentiable=False, samples=BINARY)
def less(x, y):
    """x < y elementwise (a bool tensor)."""
    return xp.less(x, y)


@op("LessEqual", numbers=True, differentiable=False, samples=BINARY)
def less_equal(x, y):
    """x <= y elementwise (a bool tensor)."""
    return xp.less_equal(x, y)


@op("Greater", numbers=True, differentiable=False, samples=BINARY)
def greater(x, y):
    """x > y elementwise (a bool tensor)."""
    return xp.greater(x, y)


@op("GreaterEqual", numbers=True, differentiable=False, samples=BINARY)
def greater_equal(x, y):
    """x >= y elementwise (a bool tensor)."""
    return xp.greater_equal(x, y)


@op("LogicalAnd", differentiable=False, samples=BOOL_BINARY)
def logical_and(x, y):
    """x AND y elementwise, for bool tensors."""
    _boolean("LogicalAnd", x, y)
    return xp.logical_and(x, y)


@op("LogicalOr", differentiable=False, samples=BOOL_BINARY)
def logical_or(x, y):
    """x OR y elementwise, for bool tensors."""
    _boolean("LogicalOr", x, y)
    return xp.logical_or(x, y)


@op("LogicalNot", differentiable=False, samples=[Sample(_bool_sample)])
def logical_not(x):
    """NOT x elementwise, for bool tensors."""
    _boolean("LogicalNot", x)
    return xp.logical_not(x)


def logical_xor(x, y, name="LogicalXor"):
    """x XOR y elementwise, for bool tensors (TF composes it the same way)."""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)))


@op("IsNan", differentiable=False, samples=UNARY)
def is_nan(x):
    """True where x is nan."""
    _floating("IsNan", x)
    return xp.isnan(x)


@op("IsInf", differentiable=False, samples=UNARY)
def is_inf(x):
    """True where x is +inf or -inf."""
    _floating("IsInf", x)
    return xp.isinf(x)


@op("IsFinite", differentiable=False, samples=UNARY)
def is_finite(x):
    """True where x is neither inf nor nan."""
    _floating("IsFinite", x)
    return xp.isfinite(x)


_BOTH = (
    "equal not_equal less less_equal greater greater_equal logical_and logical_or logical_not"
).split()
API = {
    "tf": _BOTH,
    "math": _BOTH + ["logical_xor", "is_nan", "is_finite", "is_inf"],
}
