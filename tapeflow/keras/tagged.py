"""Tensors carrying Keras metadata: the mask of their entries (`_keras_mask`) and the logits
a softmax/sigmoid output was computed from (`_keras_logits`), as Keras 3's TensorFlow
backend sets them as attributes. Here a tagged tensor is an alias of the original (same value
and id, so tapes and traces see one tensor) of class `TaggedTensor`.
"""

from __future__ import annotations

from ..core.op_inputs import register_direct_type
from ..core.tensor import Tensor


class TaggedTensor(Tensor):
    """A Tensor with Keras' metadata: its mask and/or the logits it was computed from."""

    __slots__ = ("_keras_mask", "_keras_logits")


register_direct_type(TaggedTensor)


def get_mask(x):
    """The Keras mask of `x` (None if it has none)."""
    return getattr(x, "_keras_mask", None)


def with_mask(t, mask):
    """`t` carrying `mask` (an alias of `t`; anything but a Tensor is returned as is)."""
    if not isinstance(t, Tensor):
        return t
    tagged = TaggedTensor.__new__(TaggedTensor)
    tagged._value, tagged._id = t._value, t._id
    tagged._keras_mask = mask
    logits = getattr(t, "_keras_logits", None)
    if logits is not None:
        tagged._keras_logits = logits
    return tagged


def with_logits(t, logits):
    """`t` remembering the `logits` it was computed from (Keras' TF backend does so for
    softmax and sigmoid outputs, so the cross-entropies can use the logits)."""
    tagged = TaggedTensor.__new__(TaggedTensor)
    tagged._value, tagged._id = t._value, t._id
    tagged._keras_logits = logits
    mask = get_mask(t)
    if mask is not None:
        tagged._keras_mask = mask
    return tagged
