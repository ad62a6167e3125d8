"""Keras masks: a boolean tensor riding on a layer's output (`output._keras_mask`), as Keras
3 attaches it, and the `Masking` layer.

`Layer.__call__` asks this module two things around `call`: which mask arguments to fill
in (`mask`, or `<name>_mask` for each tensor argument of a call with several) from the
inputs' masks, and which masks to put on the outputs (`compute_mask`, for layers that
support masking; other layers drop an incoming mask with Keras' warning). A Tensor gets a
mask by being aliased (same value and id, so tapes and traces see one tensor) as a
`TaggedTensor`, which can also carry the logits of a softmax/sigmoid output.
"""

from __future__ import annotations

import inspect
import warnings

from ...core import nest
from ...core.tensor import Tensor
from ...ops.logic import logical_or, not_equal
from ...ops.reduce import reduce_any
from ..tagged import get_mask, with_mask
from .layer import Layer

# ---- the hooks of Layer.__call__ ---------------------------------------------------------------


def _signature(cls):
    """(call's parameter names in order, the names whose `<name>_mask` is a parameter)."""
    cached = cls.__dict__.get("_mask_signature_cache")
    if cached is None:
        names = list(inspect.signature(cls.call).parameters)
        names = [n for n in names if n != "self"]
        masked = [n for n in names if f"{n}_mask" in names]
        cached = (names, masked)
        type.__setattr__(cls, "_mask_signature_cache", cached)
    return cached


def _masks_of(value):
    if isinstance(value, (list, tuple)):
        masks = [get_mask(v) for v in value]
        return None if all(m is None for m in masks) else masks
    return get_mask(value)


def fill_mask_arguments(layer, args, kwargs):
    """Keras' rule: a call with one tensor argument gets `mask=` from that tensor's mask; a
    call with several gets `<name>_mask=` for each. Returns the "previous mask" (the mask
    argument, else the first input's masks), which the outputs' masks derive from."""
    names, masked = _signature(type(layer))
    tensors = {}
    for name, value in zip(names, args):
        if _is_tensor_argument(value):
            tensors[name] = value
    for name, value in kwargs.items():
        if name in names and _is_tensor_argument(value):
            tensors[name] = value
    if len(tensors) == 1 and "mask" in names and kwargs.get("mask") is None:
        mask = _masks_of(next(iter(tensors.values())))
        if mask is not None:
            kwargs["mask"] = mask
    elif len(tensors) > 1:
        for name in masked:
            if name in tensors and kwargs.get(f"{name}_mask") is None:
                mask = _masks_of(tensors[name])
                if mask is not None:
                    kwargs[f"{name}_mask"] = mask
    if kwargs.get("mask") is not None:
        return kwargs["mask"]
    first = args[0] if args else kwargs.get("inputs", kwargs.get(names[0]) if names else None)
    return _masks_of(first)


def _is_tensor_argument(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, Tensor) for v in value)
    return isinstance(value, Tensor)


def attach_output_masks(layer, first_input, outputs, previous_mask):
    """The outputs, with the masks `layer.compute_mask` gives attached (a layer that does not
    support masking drops an incoming mask, with Keras' warning)."""
    if not layer.supports_masking:
        if previous_mask is not None and any(m is not None for m in nest.flatten(previous_mask)):
            warnings.warn(
                f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an input "
                "with a mask attached to it. However, this layer does not support masking "
                "and will therefore destroy the mask information. Downstream layers will not "
                "see the mask.",
                stacklevel=3,
            )
        return outputs
    flat = nest.flatten(outputs)
    if all(get_mask(t) is not None for t in flat):
        return outputs
    masks = layer.compute_mask(first_input, previous_mask)
    if masks is None:
        return outputs
    flat_masks = nest.flatten(masks) if isinstance(masks, (list, tuple)) else [masks]
    if len(flat_masks) != len(flat):
        flat_masks = [masks] + [None] * (len(flat) - 1) if len(flat) > 1 else [masks]
    tagged = [
        with_mask(t, m) if m is not None and get_mask(t) is None else t
        for t, m in zip(flat, flat_masks)
    ]
    return nest.pack_sequence_as(outputs, tagged)


# ---- the Masking layer ------------------------------------------------------------------


class Masking(Layer):
    """Masks the timesteps whose features all equal `mask_value`: they become zeros and the
    output's mask is False there, so masking-aware layers downstream skip them."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return reduce_any(not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        from ...ops.indexing import where
        from ...ops.math import cast

        keep = reduce_any(not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        outputs = where(keep, inputs, cast(0, inputs.dtype))
        return with_mask(outputs, reduce_any(keep, axis=-1))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


def merge_masks_or(inputs, masks):
    """Keras' default merge mask: the OR of the inputs' masks, None if any is None."""
    if masks is None or any(m is None for m in masks):
        return None
    out = masks[0]
    for m in masks[1:]:
        out = logical_or(out, m)
    return out
