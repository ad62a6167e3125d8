"""What a plan needs at run time: the Plan object, guard checks and variable writers.

The generated code calls these; they mirror `Variable.assign*` (copy-on-write: in place
only when nothing else holds the array) and the tensor-to-Python conversions.
"""

from __future__ import annotations

import sys

import numpy as np

from ..backend import to_numpy, xp
from ..core.errors import InvalidArgumentError


class GuardFailure(Exception):
    """A guard of the plan failed: this trace does not apply to the call."""

    def __init__(self, index: int):
        super().__init__(index)
        self.index = index


class Plan:
    """A compiled trace: `run(input_arrays, arg_variables)` returns the flat output arrays."""

    def __init__(self, fn, source: str, graph, guards: list, rollback: bool):
        self.fn = fn
        self.source = source
        self.graph = graph
        self.guards = guards  # per guard index: its node (kind, expected, where)
        self.rollback = rollback  # effects run before a guard (undone if it fails)

    def run(self, arrays, variables):
        try:
            return self.fn(*arrays, *variables)
        except (ValueError, IndexError) as e:
            if isinstance(e, InvalidArgumentError):
                raise
            raise InvalidArgumentError(f"tf.function: {e}") from e


def _assign(var, arr):
    value = var._value
    if sys.getrefcount(value) <= 3 and arr.shape == value.shape:  # slot, local, argument
        np.copyto(value, arr)
    else:
        var._value = xp.array(arr, copy=True)


def _assign_add(var, arr):
    value = var._value
    if sys.getrefcount(value) <= 3:
        np.add(value, arr, out=value)
    else:
        var._value = xp.asarray(value + arr)


def _assign_sub(var, arr):
    value = var._value
    if sys.getrefcount(value) <= 3:
        np.subtract(value, arr, out=value)
    else:
        var._value = xp.asarray(value - arr)


WRITERS = {"assign": _assign, "assign_add": _assign_add, "assign_sub": _assign_sub}


def float_differs(x, expected) -> bool:
    f = float(x)
    return f != expected and not (f != f and expected != expected)


def complex_differs(x, expected) -> bool:
    c = complex(x)
    return c != expected and not (c != c and expected != expected)


def array_differs(x, expected) -> bool:
    a = np.asarray(to_numpy(x))  # a guard compares on the host
    if a.shape != expected.shape or a.dtype != expected.dtype:
        return True
    return not np.array_equal(a, expected, equal_nan=a.dtype.kind in "fc")


def guard_fails(kind: str, x, expected) -> bool:
    """Whether array `x` converts to another Python value than `expected` (replay mode)."""
    if kind == "bool":
        return bool(x) != expected
    if kind == "int":
        return int(x) != expected
    if kind == "float":
        return float_differs(x, expected)
    if kind == "complex":
        return complex_differs(x, expected)
    if kind == "shape":
        return tuple(np.shape(x)) != tuple(expected)
    return array_differs(x, expected)


def outputs_of(result, n):
    if n == 0:
        return ()
    if isinstance(result, (tuple, list)):
        return tuple(result)
    return (result,)
