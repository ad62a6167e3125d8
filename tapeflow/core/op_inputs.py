"""What `execute` does to an op's inputs before its forward runs, and how its errors name
the op: converting Python values and arrays (TF's dtype rules, refusing strings and bools
where the op does), swapping Variables for given Tensors (`substituting`, behind
`tapeflow.func.functional_call`), and the types that skip conversion altogether.
Split from registry.py, which imports these names from here.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .error_context import leaf, names, rewrite_message
from .errors import InvalidArgumentError
from .string_values import OBJECT as _STRING
from .tensor import Operand, Tensor, convert_to_tensor
from .variable import Variable

if TYPE_CHECKING:
    from .registry import Op

ALL_INPUTS = "all"  # Op.same_dtype: every input shares one dtype

# Types whose `_value` dispatch reads directly; anything else is converted first.
_DIRECT_TYPES = {Tensor, Variable}


def register_direct_type(cls):
    """Lets a Tensor or Variable subclass (Keras' variables) take the no-conversion path."""
    if not issubclass(cls, (Tensor, Variable)):
        raise TypeError(f"{cls.__name__} is not a Tensor or Variable subclass")
    with _substituting_lock:
        if _substituting["active"] and issubclass(cls, Variable):
            _substituting["removed"].add(cls)  # joins the direct path when the blocks end
        else:
            _DIRECT_TYPES.add(cls)
    return cls


class substituting:  # noqa: N801 - a context manager used like a function
    """Ops given one of the Variables in `mapping` (by id) get its Tensor instead, in this
    thread.

    For `tapeflow.func.functional_call`: a Keras model runs on given parameter values,
    and tapes, accumulators and traces see those Tensors as the ops' inputs. While any
    thread is in such a block, Variables leave the no-conversion path of `execute` so that
    `_convert_inputs` can swap them; the mapping itself is the thread's own, so another
    thread running the same model meanwhile reads the Variables' values.
    """

    def __init__(self, mapping: dict):
        self.mapping = mapping

    def __enter__(self):
        self.previous = getattr(_thread_substitutes, "mapping", None)
        _thread_substitutes.mapping = {**(self.previous or {}), **self.mapping}
        with _substituting_lock:
            if not _substituting["active"]:
                removed = {t for t in _DIRECT_TYPES if issubclass(t, Variable)}
                _DIRECT_TYPES.difference_update(removed)
                _substituting["removed"] = removed
            _substituting["active"] += 1
        return self

    def __exit__(self, *exc):
        _thread_substitutes.mapping = self.previous
        with _substituting_lock:
            _substituting["active"] -= 1
            if not _substituting["active"]:
                _DIRECT_TYPES.update(_substituting["removed"])


# Variable id -> Tensor of each thread's `substituting` blocks, and how many blocks are open
# in all threads (while any is, no Variable type takes the no-conversion path).
_thread_substitutes = threading.local()
_substituting = {"active": 0, "removed": set()}
_substituting_lock = threading.Lock()


def _convert_inputs(op: Op, inputs) -> tuple:
    """Converts Python values and arrays; values in a dtype group take the group's dtype.

    As in TF, `tf.add(float32_tensor, np.float64_array)` is float32. A
    Python value that cannot take that dtype (1.5 into int32) is a TypeError, as in TF's
    op functions (the `+` operator turns it into TF's InvalidArgumentError instead).
    """
    if _substituting["active"]:
        mapping = getattr(_thread_substitutes, "mapping", None)
        if mapping:
            inputs = tuple(mapping.get(x._id, x) if isinstance(x, Variable) else x for x in inputs)
    group = range(len(inputs)) if op.same_dtype is ALL_INPUTS else op.same_dtype
    # TF converts in order: the first Tensor or array fixes the dtype (so np.float64 then a
    # float32 Tensor is an error, the other way round gives float32); Python values adapt.
    ref = next((inputs[i].dtype for i in group if hasattr(inputs[i], "dtype")), None)
    if ref is None and len(group):
        ref = _convert_value(op, group[0], inputs[group[0]], None).dtype
    converted = []
    for i, x in enumerate(inputs):
        if isinstance(x, Operand) and not isinstance(x, (Tensor, Variable)):
            x = convert_to_tensor(x)
        elif not isinstance(x, Operand):
            x = _convert_value(op, i, x, ref if i in group else None)
        converted.append(x)
    if len(group) > 1:
        members = [converted[i] for i in group]
        if any(m._value.dtype != members[0]._value.dtype for m in members):
            _raise_dtype_mismatch(op, converted)
    if not (op.strings or op.string_variant) and any(x._value.dtype is _STRING for x in converted):
        raise InvalidArgumentError(
            f"{label(op)} does not support string tensors (got {describe(converted)}); "
            f"tf.strings has the string operations"
        )
    if op.numbers and any(x._value.dtype.kind == "b" for x in converted):
        raise InvalidArgumentError(
            f"{label(op)}: expected number tensors, got bool (inputs {describe(converted)}); "
            f"use tf.cast for arithmetic on bools"
        )
    return tuple(converted)


def _convert_value(op: Op, position: int, value, dtype):
    try:
        return convert_to_tensor(value, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{label(op)}: input {position}: {e}") from None


def label(op: Op) -> str:
    """How errors name `op`: its TF op type, and the public name when that differs
    ("Mul (tf.multiply)"), so the message names what the user called either way."""
    public = op.public_name
    if public is None or names(op.name, leaf(public)):
        return op.name
    return f"{op.name} ({public})"


def _forward_error(op: Op, inputs, e: Exception) -> Exception:
    """The error to raise for `e` from `op`'s forward, naming the op: InvalidArgumentError
    for bad values and for a dtype NumPy has no kernel for (TF's type for both); tapeflow's
    own TypeErrors and InvalidArgumentErrors keep their type."""
    own_type_error = isinstance(e, TypeError) and not type(e).__module__.startswith("numpy")
    if not own_type_error and not isinstance(e, InvalidArgumentError):
        error = InvalidArgumentError(f"{label(op)}: {e} (got {describe(inputs)})")
        error.__cause__ = e
        return error
    if not names(str(e), op.name):
        rewrite_message(e, f"{label(op)}: {e}")
    elif op.public_name is not None and not names(str(e), leaf(op.public_name)):
        rewrite_message(e, f"{e} (in {op.public_name})")
    return e


def _raise_dtype_mismatch(op: Op, inputs):
    dtype_names = ", ".join(f"{x.dtype.name}" for x in inputs)
    raise InvalidArgumentError(
        f"{label(op)}: inputs must have the same dtype, got {dtype_names} "
        f"(shapes {', '.join(str(x.shape) for x in inputs)}); tapeflow does not promote "
        f"dtypes implicitly: use tf.cast"
    )


def describe(inputs) -> str:
    """'float32 (32, 11), float32 (12, 64)': the inputs as an error message shows them."""
    return ", ".join(f"{x.dtype.name} {tuple(x._value.shape)}" for x in inputs)
