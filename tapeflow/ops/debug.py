"""Debugging ops and checks (tf.debugging): numeric checks that pass values through unchanged,
and the `assert_*` family, which raise TF's eager errors (InvalidArgumentError for values,
ValueError for static shapes and ranks, TypeError for dtypes) and otherwise return None.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy, xp
from ..core import dtypes
from ..core.error_context import deliberate
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Operand, convert_to_tensor

_FLOAT_KINDS = ("float16", "float32", "float64")
_GRAD_PREFIX = "Not a number (NaN) or infinity (Inf) values detected in gradient. "


# ---- check_numerics ------------------------------------------------------------------------


@op(
    "CheckNumerics",
    stateful=True,
    batchable=True,
    samples=[Sample((3, 4), message="m"), Sample((), message="m")],
)
def _check_numerics(x, message):
    if x.dtype.name not in _FLOAT_KINDS:
        raise InvalidArgumentError(
            f"CheckNumerics: {message} : the tensor must be float16, "
            f"float32 or float64, got {x.dtype}"
        )
    if not xp.isfinite(x).all():  # one pass in the common case; the details only on failure
        has_nan, has_inf = bool(xp.isnan(x).any()), bool(xp.isinf(x).any())
        what = "Inf and NaN" if has_nan and has_inf else "NaN" if has_nan else "Inf"
        raise InvalidArgumentError(f"CheckNumerics: {message} : Tensor had {what} values")
    return x


@_check_numerics.vjp
def _check_numerics_vjp(g, ans, x, message):
    return (_check_numerics(g, message=_GRAD_PREFIX + message),)  # TF checks the gradient too


def check_numerics(tensor, message, name=None):
    """Returns `tensor` unchanged; raises InvalidArgumentError if it holds NaN or Inf.

    The gradient is checked the same way on the backward pass.
    """
    if not isinstance(message, (str, bytes)):
        raise TypeError(f"CheckNumerics: Expected string for argument 'message' not {message!r}.")
    return _check_numerics(tensor, message=message if isinstance(message, str) else
                           message.decode())  # fmt: skip


def assert_all_finite(x, message, name=None):
    """`check_numerics(x, message)`: `x` itself, or InvalidArgumentError on NaN or Inf."""
    return check_numerics(x, message)


# ---- value assertions ----------------------------------------------------------------------


def _values(x) -> np.ndarray:
    return np.asarray(to_numpy(x._value))


def _pretty(item, summarize) -> str:
    """One entry of an assertion message, as TF prints it (`['1', '2', '...']` for arrays)."""
    if isinstance(item, Operand):
        arr = _values(item)
        if arr.ndim == 0:
            return str(arr[()])
        flat = arr.reshape(-1)
        items = [str(v) for v in flat[:summarize]]
        if len(items) < flat.size:
            items.append("...")
        return str(items)
    return str(item)


def _convert_pair(x, y):
    """Tensors for x and y; a Python number takes the other side's dtype, as in dispatch."""
    if hasattr(x, "dtype") and not hasattr(y, "dtype"):
        return convert_to_tensor(x), convert_to_tensor(y, dtype=x.dtype)
    if hasattr(y, "dtype") and not hasattr(x, "dtype"):
        return convert_to_tensor(x, dtype=y.dtype), convert_to_tensor(y)
    return convert_to_tensor(x), convert_to_tensor(y)


def _binary_assert(sym, test, x, y, message, summarize, op_name):
    x, y = _convert_pair(x, y)
    if x.dtype != y.dtype:
        raise InvalidArgumentError(
            f"{op_name}: cannot compare x and y of different dtypes, "
            f"got {x.dtype.name} and {y.dtype.name}"
        )
    xv, yv = _values(x), _values(y)
    try:
        ok = test(xv, yv)
    except ValueError:
        raise InvalidArgumentError(
            f"{op_name}: Incompatible shapes: {list(xv.shape)} vs. {list(yv.shape)}"
        ) from None
    if ok.all():
        return None
    summarize = 3 if summarize is None else (10**9 if summarize < 0 else summarize)
    lines = [] if message is None else [str(message)]
    lines.append(f"Condition x {sym} y did not hold.")
    if summarize > 0:
        # Which elements differ is only worth printing when nothing was broadcast.
        if xv.shape == yv.shape and xv.ndim:
            bad = ~ok
            n = min(summarize, int(bad.sum()))
            lines += [
                f"Indices of first {n} different values:",
                str(np.argwhere(bad)[:n]),
                "Corresponding x values:",
                str(xv[bad][:n]),
                "Corresponding y values:",
                str(yv[bad][:n]),
            ]
        xf, yf = xv.reshape(-1), yv.reshape(-1)
        nx, ny = min(xf.size, summarize), min(yf.size, summarize)
        lines += [
            f"First {nx} elements of x:",
            str(xf[:nx]),
            f"First {ny} elements of y:",
            str(yf[:ny]),
        ]
    raise deliberate(InvalidArgumentError("\n".join(lines)))


def assert_equal(x, y, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless `x == y` element-wise (with broadcasting)."""
    return _binary_assert("==", np.equal, x, y, message, summarize, "assert_equal")


def assert_none_equal(x, y, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless `x != y` element-wise."""
    return _binary_assert("!=", np.not_equal, x, y, message, summarize, "assert_none_equal")


def assert_less(x, y, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless `x < y` element-wise."""
    return _binary_assert("<", np.less, x, y, message, summarize, "assert_less")


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless `x <= y` element-wise."""
    return _binary_assert("<=", np.less_equal, x, y, message, summarize, "assert_less_equal")


def assert_greater(x, y, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless `x > y` element-wise."""
    return _binary_assert(">", np.greater, x, y, message, summarize, "assert_greater")


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless `x >= y` element-wise."""
    return _binary_assert(">=", np.greater_equal, x, y, message, summarize, "assert_greater_equal")


def _unary_assert(sym, test, x, message, summarize):
    x = convert_to_tensor(x)
    if x.dtype.is_bool or x.dtype == dtypes.string:  # TF compares with a 0 of x's dtype
        raise TypeError(f"Cannot convert 0 to EagerTensor of dtype {x.dtype.name}")
    if test(_values(x)).all():
        return None
    summarize = 3 if summarize is None else (10**9 if summarize < 0 else summarize)
    prefix = "" if message is None else f"{message}.  "
    raise deliberate(
        InvalidArgumentError(
            f"{prefix}\nCondition x {sym} did not hold element-wise:\n"
            f"x (shape={x.shape} dtype={x.dtype.name}) = \n{_pretty(x, summarize)}"
        )
    )


def assert_positive(x, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless every element of `x` is > 0."""
    return _unary_assert("> 0", lambda v: v > 0, x, message, summarize)


def assert_negative(x, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless every element of `x` is < 0."""
    return _unary_assert("< 0", lambda v: v < 0, x, message, summarize)


def assert_non_negative(x, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless every element of `x` is >= 0."""
    return _unary_assert(">= 0", lambda v: v >= 0, x, message, summarize)


def assert_non_positive(x, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless every element of `x` is <= 0."""
    return _unary_assert("<= 0", lambda v: v <= 0, x, message, summarize)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless `|x - y| <= atol + rtol * |y|` element-wise.

    The default tolerances are 10 * eps of the dtype (about 1e-6 for float32, 2e-15 for
    float64). NaN is never near anything.
    """
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        raise ValueError(f"assert_near: x and y must be floating or complex, got {x.dtype.name}")
    eps = float(np.finfo(x.dtype.as_numpy_dtype).eps)
    rtol = 10 * eps if rtol is None else rtol
    atol = 10 * eps if atol is None else atol
    xv, yv = _values(x), _values(y)
    rt = np.asarray(to_numpy(convert_to_tensor(rtol, dtype=x.dtype)._value))
    at = np.asarray(to_numpy(convert_to_tensor(atol, dtype=x.dtype)._value))
    try:
        ok = np.abs(xv - yv) <= at + rt * np.abs(yv)
    except ValueError:
        raise InvalidArgumentError(
            f"assert_near: Incompatible shapes: {list(xv.shape)} vs. {list(yv.shape)}"
        ) from None
    if ok.all():
        return None
    summarize = 3 if summarize is None else (10**9 if summarize < 0 else summarize)
    prefix = "" if message is None else f"{message}.  "
    raise deliberate(
        InvalidArgumentError(
            f"{prefix}x and y not equal to tolerance rtol = {rt!s}, atol = {at!s}\n"
            f"x (shape={x.shape} dtype={x.dtype.name}) = {_pretty(x, summarize)}\n"
            f"y (shape={y.shape} dtype={y.dtype.name}) = {_pretty(y, summarize)}"
        )
    )


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's public name
    """Raises InvalidArgumentError listing `data` when the scalar `condition` is False."""
    cond = convert_to_tensor(condition)
    if cond.ndim != 0:
        raise ValueError(f"Assert: condition must be a scalar, got shape {cond.shape}")
    if bool(_values(cond)):
        return None
    summarize = 3 if summarize is None else summarize
    shown = [_pretty(d, summarize) for d in data]
    raise deliberate(
        InvalidArgumentError(
            f"Expected '{condition}' to be true. Summarized data: " + "\n".join(shown)
        )
    )


# ---- static assertions: ranks, shapes, dtypes ----------------------------------------------


def _prefix(message) -> str:
    return "" if not message else f"{message}.  "


def _static_rank(rank, fn) -> int:
    r = convert_to_tensor(rank)
    if r.ndim != 0:
        raise ValueError("Rank must be a scalar.")
    if not r.dtype.is_integer:
        raise TypeError(f"{fn}: rank must be of type tf.int32; got tf.{r.dtype.name}")
    return int(r)


def assert_rank(x, rank, message=None, name=None):
    """Raises ValueError unless `x` has rank `rank` (eager shapes are always known)."""
    x = convert_to_tensor(x)
    rank = _static_rank(rank, "assert_rank")
    if x.ndim != rank:
        raise deliberate(
            ValueError(
                f"{_prefix(message)}Tensor must have rank {rank}.  Received rank "
                f"{x.ndim}, shape {x.shape}"
            )
        )


def assert_rank_at_least(x, rank, message=None, name=None):
    """Raises ValueError unless `x` has rank `rank` or more."""
    x = convert_to_tensor(x)
    rank = _static_rank(rank, "assert_rank_at_least")
    if x.ndim < rank:
        raise deliberate(
            ValueError(
                f"{_prefix(message)}Tensor must have rank at least {rank}.  Received "
                f"rank {x.ndim}, shape {x.shape}"
            )
        )


def assert_rank_in(x, ranks, message=None, name=None):
    """Raises ValueError unless the rank of `x` is one of `ranks`."""
    x = convert_to_tensor(x)
    ranks = tuple(_static_rank(r, "assert_rank_in") for r in ranks)
    if x.ndim not in ranks:
        raise deliberate(
            ValueError(
                f"{_prefix(message)}Tensor must have rank in {ranks}.  Received rank "
                f"{x.ndim}, shape {x.shape}"
            )
        )


def assert_scalar(tensor, name=None, message=None):
    """Raises ValueError unless `tensor` is a scalar; returns it otherwise."""
    t = convert_to_tensor(tensor)
    if t.ndim != 0:
        raise deliberate(
            ValueError(f"{_prefix(message)}Expected scalar shape, saw shape: {t.shape}.")
        )
    return t


def assert_type(tensor, tf_type, message=None, name=None):
    """Raises TypeError unless `tensor` has dtype `tf_type`."""
    expected = dtypes.as_dtype(tf_type)
    got = tensor.dtype if isinstance(tensor, Operand) else convert_to_tensor(tensor).dtype
    if got != expected:
        raise deliberate(
            TypeError(
                f"{_prefix(message)}tensor must be of type tf.{expected.name}; got tf.{got.name}"
            )
        )


def assert_integer(x, message=None, name=None):
    """Raises TypeError unless `x` has an integer dtype."""
    x = convert_to_tensor(x)
    if not x.dtype.is_integer:
        raise deliberate(
            TypeError(
                f'{_prefix(message)}Expected "x" to be integer type.  Found: tensor of '
                f"dtype {x.dtype!r}"
            )
        )


def is_numeric_tensor(tensor) -> bool:
    """True for a Tensor or Variable of a numeric (integer, floating, complex) dtype."""
    return isinstance(tensor, Operand) and tensor.dtype.is_numeric


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Checks that tensors' shapes agree with symbolic specs, raising ValueError if not.

    `shapes` is a list of `(tensor, spec)` pairs. A spec entry is an int (that size), a
    string or other hashable (a size every entry with that name shares), None or '.' (any
    size); a leading `...` or '*' lets any number of outer dimensions come first. Scalars
    and empty specs both count as shape (1,), as in TF.
    """
    pairs = shapes.items() if isinstance(shapes, dict) else shapes
    known = {}  # symbol -> (size, tensor that fixed it, its dimension index)
    for tensor, spec in pairs:
        x = convert_to_tensor(tensor.deref() if hasattr(tensor, "deref") else tensor)
        spec = list(spec)
        variadic = bool(spec) and (spec[0] is Ellipsis or spec[0] == "*")
        if variadic:
            spec = spec[1:]
        spec = spec or [1]
        dims = list(x.shape.as_list()) or [1]
        if variadic:
            if len(dims) < len(spec):
                raise deliberate(
                    ValueError(
                        f"{_prefix(message)}Tensor must have rank at least "
                        f"{len(spec)}.  Received rank {x.ndim}, shape {x.shape}"
                    )
                )
            offset = len(dims) - len(spec)
        else:
            if len(dims) != len(spec):
                expected = f"in {(0, 1)}" if len(spec) == 1 else str(len(spec))
                raise deliberate(
                    ValueError(
                        f"{_prefix(message)}Tensor must have rank {expected}.  "
                        f"Received rank {x.ndim}, shape {x.shape}"
                    )
                )
            offset = 0
        for i, s in enumerate(spec):
            pos, size = i + offset, dims[i + offset]
            where = pos - len(dims) if variadic else pos
            if s is None or (isinstance(s, str) and s == "."):
                continue
            if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
                origin, want = "Specified explicitly", int(s)
            else:
                if s not in known:
                    known[s] = (size, x, where)
                    continue
                want, owner, owner_dim = known[s]
                origin = f"Specified by tensor {_describe(owner)} dimension {owner_dim}"
            if size != want:
                raise deliberate(
                    ValueError(
                        f"{_prefix(message)}{origin}.  Tensor {_describe(x)} dimension "
                        f"{where} must have size {want}.  Received size {size}, shape "
                        f"{x.shape}"
                    )
                )


def _describe(x) -> str:
    return f"shape={x.shape} dtype={x.dtype.name}"


API = {
    "tf": ["assert_equal", "assert_greater", "assert_less", "assert_rank"],
    "debugging": [
        "check_numerics",
        "assert_all_finite",
        "assert_equal",
        "assert_none_equal",
        "assert_less",
        "assert_less_equal",
        "assert_greater",
        "assert_greater_equal",
        "assert_positive",
        "assert_negative",
        "assert_non_negative",
        "assert_non_positive",
        "assert_near",
        "Assert",
        "assert_rank",
        "assert_rank_at_least",
        "assert_rank_in",
        "assert_scalar",
        "assert_type",
        "assert_integer",
        "is_numeric_tensor",
        "assert_shapes",
    ],
}
