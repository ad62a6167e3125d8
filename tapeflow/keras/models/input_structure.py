"""How a functional model matches what it is called on to its `keras.Input`s (Keras 3's rules).

A dict given to a model whose inputs are a list (or one Input) is matched by Input name,
and unused keys are ignored. A dict given to a model whose inputs are a dict is matched by
key, at every level of nesting (Keras 3.15 flattens it by sorted key instead, so an unused
key shifts the inputs; tapeflow matches by key). A list or tuple is matched by position,
leaf by leaf. Then each value gets its Input's rank (a trailing axis of 1 added or
removed) and dtype, as in Keras.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from ...core import nest
from ...core.tensor import Operand, convert_to_tensor
from ..layers.symbolic import KerasTensor


class InputSpecs:
    """What each Input wants, worked out once per model: dtype, rank and the sizes that the
    shape check compares (a trailing 1 left out)."""

    __slots__ = ("specs",)

    def __init__(self, inputs):
        self.specs = []
        for kt in inputs:
            ref = kt.shape.as_list()
            checked = [None] + ref[1:]
            if checked and checked[-1] == 1:
                checked = checked[:-1]
            self.specs.append((kt, kt.dtype, kt.dtype._np, len(ref), tuple(checked)))


def flat_inputs(model, inputs) -> list:
    """The values for `model.inputs` (flattened in their order), taken from `inputs`."""
    struct = model._inputs_struct
    if isinstance(struct, (list, tuple)) and len(struct) == 1 and not nest.is_nested(inputs):
        inputs = [inputs]
    elif isinstance(struct, KerasTensor) and isinstance(inputs, (list, tuple)):
        if len(inputs) == 1 and not _is_numeric_list(inputs):
            inputs = inputs[0]  # `model([x])` for a model of one Input, as Keras allows
    flat = _match(model, struct, inputs, inputs)
    return [
        _adjust(model, spec, value, index)
        for index, (spec, value) in enumerate(zip(model._input_specs.specs, flat, strict=True))
    ]


def _match(model, struct, given, everything) -> list:
    if isinstance(struct, KerasTensor):
        if isinstance(given, Mapping):
            if struct.name in given:
                return [given[struct.name]]
            _missing(model, [struct.name], given, [struct.name])
        if nest.is_nested(given) and not _is_numeric_list(given):
            _mismatch(model, everything)
        return [given]
    if isinstance(struct, Mapping):
        if isinstance(given, Mapping):
            missing = [k for k in struct if k not in given]
            if missing:
                _missing(model, missing, given, sorted(struct))
            out = []
            for key in sorted(struct):
                out += _match(model, struct[key], given[key], everything)
            return out
        # Keras takes a list for dict inputs only when the dict's keys are in sorted order
        # (then order and flattening agree); any other order would be a guess.
        if list(struct) != sorted(struct):
            _mismatch(model, everything)
        warnings.warn(_mismatch_message(model, everything), stacklevel=4)
        return _by_position(model, struct, given, everything)
    # A list or tuple of inputs.
    if isinstance(given, Mapping):
        if not all(isinstance(x, KerasTensor) for x in struct):
            _mismatch(model, everything)
        names = [x.name for x in struct]
        missing = [n for n in names if n not in given]
        if missing:
            _missing(model, missing, given, names)
        return [given[n] for n in names]
    if isinstance(given, (list, tuple)) and len(given) == len(struct):
        out = []
        for s, g in zip(struct, given, strict=True):
            out += _match(model, s, g, everything)
        return out
    return _by_position(model, struct, given, everything)


def _by_position(model, struct, given, everything) -> list:
    expected = len(nest.flatten(struct))
    flat = nest.flatten(given) if not _is_numeric_list(given) else [given]
    if len(flat) != expected:
        raise ValueError(
            f'Model "{model.name}" expects {expected} input(s), but it received '
            f"{len(flat)} input tensors. Expected: {_names(struct)}; received: "
            f"{_described(everything)}"
        )
    return flat


def _adjust(model, spec, value, index):
    """`value` as its Input wants it: its dtype, and its rank when they differ by a
    trailing axis of size 1 (Keras' `_adjust_input_rank`)."""
    kt, dtype, np_dtype, rank, checked = spec
    if value is None:
        return None
    if not isinstance(value, Operand):
        if not isinstance(value, (np.ndarray, np.generic, list, int, float, bool)):
            return value  # a composite tensor (sparse, ragged): the layers take it as it is
        value = convert_to_tensor(np.asarray(value) if isinstance(value, list) else value)
    if value._value.dtype != np_dtype and _castable(value.dtype) and _castable(dtype):
        from ...ops.math import cast

        value = cast(value, dtype)
    shape = value._value.shape
    _check_shape(model, kt, shape, checked, index)
    if len(shape) == rank:
        return value
    if len(shape) == rank + 1 and shape[-1] == 1:
        from ...ops.array import squeeze

        return squeeze(value, axis=-1)
    if len(shape) == rank - 1 and kt.shape[-1] == 1:
        from ...ops.array import expand_dims

        return expand_dims(value, axis=-1)
    raise ValueError(
        f'Model "{model.name}": invalid shape for input {index} (named "{kt.name}"): '
        f"expected shape {tuple(kt.shape.as_list())}, but the input has the incompatible "
        f"shape {tuple(shape)}"
    )


def _check_shape(model, kt, shape, checked, index):
    """Keras' input spec of a functional model: the known sizes must agree, a trailing axis
    of size 1 on either side left out (so a column may come as a vector and back)."""
    compared = shape[:-1] if shape and shape[-1] == 1 else shape
    for want, have in zip(checked, compared):
        if want is not None and want != have:
            raise ValueError(
                f'Model "{model.name}": input {index} (named "{kt.name}") is incompatible '
                f"with the model: expected shape {(None, *kt.shape.as_list()[1:])}, but "
                f"received shape {tuple(shape)}"
            )


def _is_numeric_list(x) -> bool:
    return isinstance(x, list) and all(isinstance(v, (int, float)) for v in nest.flatten(x))


def _names(struct):
    return nest.map_structure(lambda x: x.name, struct)


def _described(x):
    def describe(v):
        shape = getattr(v, "shape", None)
        return f"Tensor(shape={tuple(shape)})" if shape is not None else type(v).__name__

    if _is_numeric_list(x):
        return describe(x)
    return nest.map_structure(describe, x)


def _missing(model, missing, given, expected):
    raise ValueError(
        f'Model "{model.name}": Missing data for input "{missing[0]}". You passed a data '
        f"dictionary with keys {list(given)}. Expected the following keys: {expected}"
    )


def _mismatch_message(model, everything) -> str:
    return (
        f'Model "{model.name}": the structure of `inputs` doesn\'t match the expected '
        f"structure.\nExpected: {_names(model._inputs_struct)}\n"
        f"Received: inputs={_described(everything)}"
    )


def _mismatch(model, everything):
    raise ValueError(_mismatch_message(model, everything))


def _castable(dtype) -> bool:
    return dtype.is_numeric or dtype.is_bool
