"""`tf.ensure_shape`, `tf.identity_n`, `tf.no_op`, `tf.group`, `tf.tuple`, `tf.Assert` and
`tf.timestamp`.

Executing eagerly (which is also how tapeflow traces a tf.function), TF's `no_op` and
`group` return None: there is no graph operation to order. `ensure_shape` checks the
shape when it runs; inside tf.function shapes are fixed per trace, so that check holds for
every call the trace serves.
"""

import time

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, get_op, op
from ..core.shape import TensorShape
from ..core.tensor import convert_to_tensor


def ensure_shape(x, shape, name=None):
    """`x` itself when its shape is compatible with `shape` (None dimensions match any
    size), else TF's InvalidArgumentError."""
    x = convert_to_tensor(x)
    expected = TensorShape(shape)
    if not expected.is_compatible_with(x.shape):

        def fmt(s):
            return "[" + ",".join("?" if d is None else str(d) for d in s) + "]"

        raise InvalidArgumentError(
            f"EnsureShape: Shape of tensor input {fmt(x.shape)} is not compatible with "
            f"expected shape {fmt(expected)}."
        )
    return x


def identity_n(input, name=None):  # noqa: A002 - TF's argument name
    """A list holding `tf.identity` of each tensor of `input`."""
    identity = get_op("Identity")
    if isinstance(input, (list, tuple)) and not input:
        raise InvalidArgumentError("IdentityN: expected a non-empty list of tensors, got []")
    return [identity(convert_to_tensor(x)) for x in input]


def no_op(name=None):
    """Does nothing; returns None, as TF does when executing eagerly."""
    return None


def group(*inputs, name=None):
    """Groups ops to run together; when executing eagerly they ran already: None."""
    return None


def tuple(tensors, control_inputs=None, name=None):  # noqa: A001 - TF's name
    """`tf.identity` of each tensor of `tensors` (None stays None), as a list: the
    grouping TF adds orders nothing when executing eagerly."""
    identity = get_op("Identity")
    return [None if t is None else identity(convert_to_tensor(t)) for t in tensors]


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """Raises InvalidArgumentError, with the first `summarize` (3) values of each tensor of
    `data`, when `condition` is false; returns None otherwise."""
    if not condition:  # a tensor's bool(): a guard inside a tf.function trace
        lines = [_summarize(convert_to_tensor(d), summarize) for d in data]
        raise InvalidArgumentError(
            f"Expected '{str(condition)}' to be true. Summarized data: {chr(10).join(lines)}"
        )
    return None


def _summarize(tensor, summarize):
    """TF's eager Assert formatting: the first values, comma-separated, '...' if cut."""
    values = np.asarray(tensor.numpy())
    n = 3 if summarize is None else (values.size if summarize < 0 else summarize)
    if values.ndim == 0:
        return str(values[()]) if n else ""
    flat = values.reshape(-1)
    items = [str(v) for v in flat[:n]]
    if len(items) < flat.size:
        items.append("...")
    return ", ".join(items)


@op("Timestamp", stateful=True, differentiable=False, samples=[Sample()])
def _timestamp():
    return xp.asarray(time.time(), dtype=xp.float64)


def timestamp(name=None):
    """Seconds since the Unix epoch as a float64 scalar, read when the op runs (at each
    call of a tf.function, not at trace time)."""
    return _timestamp()


API = {"tf": ["ensure_shape", "identity_n", "no_op", "group", "tuple", "Assert", "timestamp"]}
