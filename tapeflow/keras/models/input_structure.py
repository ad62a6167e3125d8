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
        _adjust(model, kt, value, index)
        for index, (kt, value) in enumerate(zip(model.inputs, flat, strict=True))
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


def _adjust(model, kt, value, index):
    """`value` as the Input `kt` wants it: its dtype, and its rank when they differ by a
    trailing axis of size 1 (Keras' `_adjust_input_rank`)."""
    if value is None:
        return None
    if not isinstance(value, Operand):
        if not isinstance(value, (np.ndarray, np.generic, list, int, float, bool)):
            return value  # a composite tensor (sparse, ragged): the layers take it as it is
        value = convert_to_tensor(np.asarray(value) if isinstance(value, list) else value)
    if value.dtype != kt.dtype and _castable(value.dtype) and _castable(kt.dtype):
        from ...ops.math import cast

        value = cast(value, kt.dtype)
    ref = kt.shape.as_list()
    _check_shape(model, kt, value, index)
    rank = value.ndim
    if rank == len(ref):
        return value
    if rank == len(ref) + 1 and value.shape[-1] == 1:
        from ...ops.array import squeeze

        return squeeze(value, axis=-1)
    if rank == len(ref) - 1 and ref[-1] == 1:
        from ...ops.array import expand_dims

        return expand_dims(value, axis=-1)
    raise ValueError(
        f'Model "{model.name}": invalid shape for input {index} (named "{kt.name}"): '
        f"expected shape {tuple(ref)}, but the input has the incompatible shape "
        f"{tuple(value.shape)}"
    )


def _check_shape(model, kt, value, index):
    """Keras' input spec of a functional model: the known sizes must agree, a trailing axis
    of size 1 on either side left out (so a column may come as a vector and back)."""
    expected = [None] + kt.shape.as_list()[1:]
    got = list(value.shape)
    spec, shape = expected, got
    if shape and shape[-1] == 1:
        shape = shape[:-1]
    if spec and spec[-1] == 1:
        spec = spec[:-1]
    for want, have in zip(spec, shape):
        if want is not None and have is not None and want != have:
            raise ValueError(
                f'Model "{model.name}": input {index} (named "{kt.name}") is incompatible '
                f"with the model: expected shape {tuple(expected)}, but received shape "
                f"{tuple(got)}"
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
