"""Installs Python operators on Tensor and Variable (TF's `_override_operator`)."""

from ..core.registry import execute
from ..core.tensor import Operand
from . import array, math

_EMPTY = {}


def _binary(op):
    def forward(self, other):
        return execute(op, (self, other), _EMPTY)

    def reflected(self, other):
        return execute(op, (other, self), _EMPTY)

    return forward, reflected


def _install():
    for name, op in (("add", math.add), ("sub", math.subtract), ("mul", math.multiply),
                     ("truediv", math._real_div)):
        forward, reflected = _binary(op)
        setattr(Operand, f"__{name}__", forward)
        setattr(Operand, f"__r{name}__", reflected)
    Operand.__neg__ = lambda self: execute(math.negative, (self,), _EMPTY)
    Operand.__getitem__ = _getitem


def _getitem(self, key):
    return execute(array._strided_slice, (self,), {"key": array.slice_key(key)})


_install()
