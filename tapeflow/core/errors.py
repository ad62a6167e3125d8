"""TensorFlow's exception classes (`tf.errors`), with the same names and base classes."""


class OpError(Exception):
    """Base class of the errors an op raises; `message` holds the text, as in TF."""

    def __init__(self, node_def=None, op=None, message="", *args):
        # TF's signature is (node_def, op, message); tapeflow raises with the message alone.
        if op is None and not message and node_def is not None:
            node_def, message = None, node_def
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message


class InvalidArgumentError(OpError, ValueError):
    """An op received an argument it cannot use (wrong shape, mixed dtypes, bad value)."""


class NotFoundError(OpError):
    """A file or object that was asked for does not exist."""


class AlreadyExistsError(OpError):
    """An object that was to be created exists already."""


class FailedPreconditionError(OpError):
    """The system is not in a state the operation needs (e.g. an uninitialised variable)."""


class OutOfRangeError(OpError):
    """An iteration went past the end (e.g. of a dataset)."""


class UnimplementedError(OpError):
    """The operation is not implemented in tapeflow."""


class InternalError(OpError):
    """An invariant of tapeflow itself was broken: a bug to report."""


class ResourceExhaustedError(OpError):
    """Memory or another resource ran out."""


class UnknownError(OpError):
    """An error of no other kind."""


class DataLossError(OpError):
    """Data was lost or corrupted (e.g. a truncated or corrupted checkpoint file)."""


class UnavailableError(OpError):
    """A peer is unreachable: in a distributed job, a collective that could not complete."""


class DeadlineExceededError(OpError):
    """An operation did not complete within its deadline."""


class DTypeMismatchError(TypeError, ValueError):
    """A value of the wrong dtype for a Variable. TF raises TypeError for Python values and
    ValueError for Tensors; this is both, so code written against either keeps working."""


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of the wrong kind: a float, a string or a bool where an op takes integers
    (an axis, a shape, a size). TF raises TypeError or InvalidArgumentError for the same
    mistake depending on how the op converts the argument; this is both, so code written
    against either catches it."""
