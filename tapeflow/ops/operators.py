"""Installs Python operators on Tensor and Variable (TF's `_override_operator`).

`+ - *` and unary `-` call `execute` with the registered op directly: they are the hot
path of every training step. The rest go through the public functions, which carry TF's
conversions (`/` casts integers to float, `==` answers False for incompatible shapes).
"""

from ..core.errors import InvalidArgumentError
from ..core.registry import execute
from ..core.tensor import Operand, convert_to_tensor
from . import array, linalg, math

_EMPTY = {}


def _direct(op):
    def forward(self, other):
        return execute(op, (self, other), _EMPTY)

    def reflected(self, other):
        return execute(op, (other, self), _EMPTY)

    return forward, reflected


def _through(fn):
    def forward(self, other):
        return fn(self, other)

    def reflected(self, other):
        return fn(other, self)

    return forward, reflected


def _equality(fn, fallback: bool):
    def compare(self, other):
        if other is None:
            return fallback
        try:
            return fn(self, other)
        except (InvalidArgumentError, TypeError, ValueError):
            # TF answers a plain bool when the shapes cannot broadcast or dtypes differ.
            return convert_to_tensor(fallback)

    return compare


def _logical_or_bitwise(logical, name):
    def forward(self, other):
        if self.dtype.is_bool:
            return logical(self, other)
        raise TypeError(f"operator {name} is only defined for bool tensors in tapeflow, got "
                        f"{self.dtype.name}")

    def reflected(self, other):
        return forward(convert_to_tensor(other, dtype=self.dtype), self)

    return forward, reflected


def _install():
    for name, op in (("add", math.add), ("sub", math.subtract), ("mul", math.multiply)):
        forward, reflected = _direct(op)
        setattr(Operand, f"__{name}__", forward)
        setattr(Operand, f"__r{name}__", reflected)
    for name, fn in (("truediv", math.truediv), ("floordiv", math.floordiv),
                     ("mod", math.floormod), ("pow", math.pow), ("matmul", linalg.matmul)):
        forward, reflected = _through(fn)
        setattr(Operand, f"__{name}__", forward)
        setattr(Operand, f"__r{name}__", reflected)
    for name, fn in (("and", math.logical_and), ("or", math.logical_or),
                     ("xor", math.logical_xor)):
        forward, reflected = _logical_or_bitwise(fn, name)
        setattr(Operand, f"__{name}__", forward)
        setattr(Operand, f"__r{name}__", reflected)
    Operand.__lt__ = lambda self, other: math.less(self, other)
    Operand.__le__ = lambda self, other: math.less_equal(self, other)
    Operand.__gt__ = lambda self, other: math.greater(self, other)
    Operand.__ge__ = lambda self, other: math.greater_equal(self, other)
    Operand.__eq__ = _equality(math.equal, False)
    Operand.__ne__ = _equality(math.not_equal, True)
    Operand.__neg__ = lambda self: execute(math.negative, (self,), _EMPTY)
    Operand.__abs__ = lambda self: math.abs(self)
    Operand.__invert__ = lambda self: math.logical_not(self)
    Operand.__getitem__ = _getitem


def _getitem(self, key):
    return execute(array._strided_slice, (self,), {"key": array.slice_key(key)})


_install()
