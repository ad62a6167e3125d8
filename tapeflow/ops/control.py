"""`tf.ensure_shape`, `tf.identity_n`, `tf.no_op` and `tf.group`.

Executing eagerly (which is also how tapeflow traces a tf.function), TF's `no_op` and
`group` return None: there is no graph operation to order. `ensure_shape` checks the
shape when it runs; inside tf.function shapes are fixed per trace, so that check holds for
every call the trace serves.
"""

from ..core.errors import InvalidArgumentError
from ..core.registry import get_op
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


API = {"tf": ["ensure_shape", "identity_n", "no_op", "group"]}
