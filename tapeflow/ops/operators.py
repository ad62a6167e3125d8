"""Installs Python operators on Tensor and Variable (TF's `_override_operator`).

As TF's operator wrappers do, the other operand is converted with the tensor's dtype:
`x + 1.5` is float32 for a float32 x; for an int32 x, `+`, `/` and `@` let the op report
the mismatch and the other operators fail converting 1.5 (TypeError), as in TF.
`+ - *` and unary `-` call `execute`
directly: they are the hot path of every training step.
"""

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import execute
from ..core.tensor import Operand, convert_to_tensor, wrap
from . import indexing, linalg, logic, math, math_unary

_EMPTY = {}
_NATIVE_FLOATS = frozenset(np.dtype(t) for t in ("float16", "float32", "float64"))


def _operand(value, like, fallback=False):
    """`value` as a Tensor of `like`'s dtype: TF's TypeError when it cannot take it (a Python
    float for an int tensor), or with `fallback` its own dtype, for the op to report."""
    if isinstance(value, Operand):
        return value
    if type(value) is float and like._value.dtype in _NATIVE_FLOATS:  # `lr * grad`
        return wrap(xp.asarray(value, dtype=like._value.dtype))  # as convert_to_tensor does
    if like.dtype == dtypes.string:  # TF: "Cannot convert 2 to EagerTensor of dtype string"
        return convert_to_tensor(value, dtype=dtypes.string)
    if not fallback:
        return convert_to_tensor(value, dtype=like.dtype)
    try:
        return convert_to_tensor(value, dtype=like.dtype)
    except (TypeError, ValueError):
        return convert_to_tensor(value)


def _direct(op, fallback=False):
    def forward(self, other):
        if not isinstance(other, Operand):
            other = _operand(other, self, fallback)
        return execute(op, (self, other), _EMPTY)

    def reflected(self, other):
        return execute(op, (_operand(other, self), self), _EMPTY)

    return forward, reflected


def _through(fn, fallback=False):
    def forward(self, other):
        return fn(self, _operand(other, self, fallback))

    def reflected(self, other):
        return fn(_operand(other, self), self)

    return forward, reflected


def _comparison(fn):
    return lambda self, other: fn(self, _operand(other, self))


def _equality(fn, fallback: bool):
    def compare(self, other):
        if other is None:
            return fallback
        other = _operand(other, self)  # TypeError, as TF, for a value of another kind
        if other.dtype != self.dtype:
            raise InvalidArgumentError(
                f"{'Equal' if fallback is False else 'NotEqual'}: cannot compare a "
                f"{self.dtype.name} tensor with a {other.dtype.name} tensor; use tf.cast"
            )
        try:
            return fn(self, other)
        except InvalidArgumentError:
            # TF answers False (True for !=) when shapes cannot broadcast.
            return convert_to_tensor(fallback)

    return compare


def _logical(fn, name):
    def forward(self, other):
        if not self.dtype.is_bool:
            raise TypeError(
                f"operator {name} is only defined for bool tensors in tapeflow, got "
                f"{self.dtype.name}"
            )
        return fn(self, _operand(other, self))

    def reflected(self, other):
        return forward(_operand(other, self), self)

    return forward, reflected


def _install():
    # As TF: `int_tensor + 2.5` reaches the op (InvalidArgumentError), `int_tensor * 2.5`
    # fails converting 2.5 (TypeError), and so do all the reflected forms (`2.5 + x`).
    for name, op, fallback in (
        ("add", math.add, True),
        ("sub", math.subtract, False),
        ("mul", math.multiply, False),
    ):
        forward, reflected = _direct(op, fallback)
        setattr(Operand, f"__{name}__", forward)
        setattr(Operand, f"__r{name}__", reflected)
    for name, fn, fallback in (
        ("truediv", math.truediv, True),
        ("floordiv", math.floordiv, False),
        ("mod", math.floormod, False),
        ("pow", math.pow, False),
        ("matmul", linalg.matmul, True),
    ):
        forward, reflected = _through(fn, fallback)
        setattr(Operand, f"__{name}__", forward)
        setattr(Operand, f"__r{name}__", reflected)
    for name, fn in (
        ("and", logic.logical_and),
        ("or", logic.logical_or),
        ("xor", logic.logical_xor),
    ):
        forward, reflected = _logical(fn, name)
        setattr(Operand, f"__{name}__", forward)
        setattr(Operand, f"__r{name}__", reflected)
    Operand.__lt__ = _comparison(logic.less)
    Operand.__le__ = _comparison(logic.less_equal)
    Operand.__gt__ = _comparison(logic.greater)
    Operand.__ge__ = _comparison(logic.greater_equal)
    Operand.__eq__ = _equality(logic.equal, False)
    Operand.__ne__ = _equality(logic.not_equal, True)
    Operand.__neg__ = lambda self: execute(math.negative, (self,), _EMPTY)
    Operand.__abs__ = lambda self: math_unary.abs(self)
    Operand.__invert__ = lambda self: logic.logical_not(self)
    Operand.__getitem__ = _getitem


def _getitem(self, key):
    return execute(indexing._strided_slice, (self,), {"key": indexing.slice_key(key)})


_install()
