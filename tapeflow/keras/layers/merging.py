"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot.

Each takes a list of inputs (`keras.layers.Add()([a, b])`); the lower-case functions
(`keras.layers.add([a, b])`) build the layer and call it, as in Keras.
"""

from __future__ import annotations

import numpy as np

from ...core.errors import InvalidArgumentError
from ...ops import clip as _clip
from ...ops import math as _math
from ...ops.array import expand_dims, reshape, squeeze, transpose
from ...ops.array_join import concat
from ...ops.linalg import matmul
from .layer import Layer


def _check_tensors(layer, inputs):
    for x in inputs:
        if not hasattr(x, "ndim"):
            raise ValueError(
                f"{type(layer).__name__} {layer.name}: Attempt to convert a value ({x!r}) with "
                f"an unsupported type ({type(x)}) to a Tensor."
            )


class Merge(Layer):
    """Base of the elementwise merges: checks the inputs, lines up their ranks, folds
    `_merge_function` over them."""

    _passes_masks = True  # Keras: supports_masking = True

    _min_inputs = 1

    def build(self, input_shape):
        self._check_list(input_shape, "input_shape")
        shapes = [s for s in input_shape if s is not None]
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"{type(self).__name__} {self.name}: cannot merge tensors with different "
                f"batch sizes, received shapes {list(input_shape)}"
            )
        out = None
        for s in input_shape:
            out = _broadcast_shape(self, out, None if s is None else tuple(s)[1:])
        self.built = True

    def _check_list(self, value, what):
        if not isinstance(value, (list, tuple)) or (
            value and not isinstance(value[0], (list, tuple, type(None))) and what == "input_shape"
        ):
            raise ValueError(
                f"{type(self).__name__} {self.name}: a merge layer must be called on a list "
                f"of inputs, received {what}={value!r}"
            )
        if len(value) < self._min_inputs:
            raise ValueError(
                f"{type(self).__name__} {self.name}: expected at least {self._min_inputs} "
                f"inputs, received {len(value)}"
            )

    def call(self, inputs):
        self._check_list(inputs, "inputs")
        _check_tensors(self, inputs)
        ranks = [x.ndim for x in inputs]
        if len(set(ranks)) > 1:
            # As Keras: lower-rank inputs get size-1 axes after the batch axis.
            top = max(ranks)
            inputs = [_expand_after_batch(x, top - x.ndim) for x in inputs]
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        out = None
        for s in input_shape:
            out = _broadcast_shape(self, out, None if s is None else tuple(s)[1:])
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        return (batch_sizes.pop() if len(batch_sizes) == 1 else None,) + out


def _expand_after_batch(x, count):
    for _ in range(count):
        x = expand_dims(x, 1)
    return x


def _broadcast_shape(layer, a, b):
    """Keras' elementwise output shape of two shapes without their batch axis."""
    if a is None:
        return b
    if b is None:
        return a
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b) :], b):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1 or i == j:
            out.append(j if i == 1 else i)
        else:
            raise ValueError(
                f"{type(layer).__name__} {layer.name}: inputs have incompatible shapes "
                f"{tuple(a)} and {tuple(b)} (without the batch axis)"
            )
    return tuple(out)


def _merge_compute_mask(layer, inputs, mask):
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    from .masking import merge_masks_or

    return merge_masks_or(inputs, mask)


Merge.compute_mask = _merge_compute_mask


class Add(Merge):
    """The elementwise sum of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(Merge):
    """inputs[0] - inputs[1]; exactly two inputs."""

    _min_inputs = 2

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"Subtract {self.name}: expected exactly 2 inputs, received "
                f"input_shape={list(input_shape)}"
            )

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(
                f"Subtract {self.name}: expected exactly 2 inputs, received {len(inputs)}"
            )
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """The elementwise product of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


class Average(Merge):
    """The elementwise mean of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / float(len(inputs))


class Maximum(Merge):
    """The elementwise maximum of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = _math.maximum(out, x)
        return out


class Minimum(Merge):
    """The elementwise minimum of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = _math.minimum(out, x)
        return out


class Concatenate(Merge):
    """Joins the inputs along `axis`; the other axes must match."""

    def compute_mask(self, inputs, mask=None):
        """Keras 3.15's rule: unmasked inputs count as all-true masks, each mask is widened
        to its input's rank, they are joined along `axis`, then OR-ed over the last axis."""
        if mask is None or all(m is None for m in mask):
            return None
        from ...ops.array import expand_dims, ones_like
        from ...ops.logic import logical_or
        from ...ops.reduce import reduce_any

        widened = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = ones_like(x) > 0
            elif m.ndim < x.ndim:
                m = logical_or(expand_dims(m, -1), ones_like(x) < 0)
            widened.append(m)
        return reduce_any(concat(widened, axis=self.axis), axis=-1)

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
            raise TypeError(f"Concatenate: `axis` must be an int, received axis={axis!r}")
        self.axis = int(axis)

    def build(self, input_shape):
        self._check_list(input_shape, "input_shape")
        shapes = [tuple(s) for s in input_shape if s is not None]
        if shapes:
            ranks = {len(s) for s in shapes}
            rank = ranks.pop()
            if ranks or not -rank <= self.axis < rank:
                raise InvalidArgumentError(
                    f"Concatenate {self.name}: inputs must have one rank and axis={self.axis} "
                    f"must be within it, received input_shape={list(input_shape)}"
                )
            axis = self.axis % rank
            for d in range(rank):
                sizes = {s[d] for s in shapes} - {None}
                if d != axis and len(sizes) > 1:
                    raise ValueError(
                        f"Concatenate {self.name}: inputs must have matching shapes except "
                        f"on the concatenation axis ({self.axis}), received "
                        f"input_shape={list(input_shape)}"
                    )
        self.built = True

    def call(self, inputs):
        self._check_list(inputs, "inputs")
        return concat(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        out = list(input_shape[0])
        for s in input_shape[1:]:
            if out[self.axis] is None or s[self.axis] is None:
                out[self.axis] = None
                break
            out[self.axis] += s[self.axis]
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """Batched dot product of two inputs along `axes` (an int or a pair), as `batch_dot`.

    With `normalize=True` both inputs are L2-normalised along those axes first (the cosine).
    """

    _passes_masks = True  # Keras: supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return None

    _min_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, bool) or not isinstance(axes, (int, list, tuple)):
            raise TypeError(
                f"Dot: invalid type for argument `axes`: it should be a list or an int. "
                f"Received: axes={axes!r}"
            )
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)) or len(axes) != 2:
                raise ValueError(
                    f"Dot: `axes` must be an int or a pair of ints, received axes={axes!r}"
                )
            if not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Dot: `axes` entries must be integers, received {axes!r}")
        self.axes = axes
        self.normalize = normalize

    def _axes(self, ranks):
        axes = [self.axes] * 2 if isinstance(self.axes, int) else list(self.axes)
        return [a % r if a < 0 else a for a, r in zip(axes, ranks)]

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError(
                f"Dot {self.name}: expected a list of 2 inputs, received "
                f"input_shape={input_shape!r}"
            )
        s1, s2 = (tuple(s) for s in input_shape)
        a1, a2 = self._axes((len(s1), len(s2)))
        if s1[a1] != s2[a2]:
            raise ValueError(
                f"Dot {self.name}: incompatible input shapes: axis values {s1[a1]} (at axis "
                f"{a1}) != {s2[a2]} (at axis {a2}). Full input shapes: {s1}, {s2}"
            )
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"Dot {self.name}: expected exactly 2 inputs, received {inputs!r}")
        x, y = inputs
        a1, a2 = self._axes((x.ndim, y.ndim))
        if self.normalize:
            x, y = _clip.l2_normalize(x, axis=a1), _clip.l2_normalize(y, axis=a2)
        return _batch_dot(self, x, y, a1, a2)

    def compute_output_shape(self, input_shape):
        s1, s2 = (list(s) for s in input_shape)
        a1, a2 = self._axes((len(s1), len(s2)))
        s1.pop(a1)
        s2.pop(a2)
        out = s1 + s2[1:]
        return tuple(out + [1] if len(out) == 1 else out)

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _batch_dot(layer, x, y, a1, a2):
    """Keras' batch_dot: contract x's axis a1 with y's axis a2 for each batch entry."""
    if x.ndim < 2 or y.ndim < 2 or 0 in (a1, a2):
        raise ValueError(
            f"Dot {layer.name}: inputs must have rank >= 2 and axes cannot be the batch "
            f"axis, received shapes {tuple(x.shape)}, {tuple(y.shape)} with axes {[a1, a2]}"
        )
    x_ndim, y_ndim = x.ndim, y.ndim
    if x_ndim == 2:
        x, a1 = expand_dims(x, 1), a1 + 1
    if y_ndim == 2:
        y = expand_dims(y, 2)
    # x: (batch, rest..., k); y: (batch, k, rest...); then one batched matmul.
    perm_x = [d for d in range(x.ndim) if d != a1] + [a1]
    perm_y = [0, a2] + [d for d in range(1, y.ndim) if d != a2]
    x = transpose(x, perm_x) if perm_x != list(range(x.ndim)) else x
    y = transpose(y, perm_y) if perm_y != list(range(y.ndim)) else y
    x_mid, y_trail = tuple(x.shape[1:-1]), tuple(y.shape[2:])
    b, k = x.shape[0], x.shape[-1]
    out = matmul(reshape(x, (b, -1, k)), reshape(y, (b, k, -1)))
    out = reshape(out, (b,) + x_mid + y_trail)
    if x_ndim == 2:
        out = squeeze(out, 1)
    elif y_ndim == 2:
        out = squeeze(out, -1)
    return out


def _functional(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    merge.__name__ = merge.__qualname__ = cls.__name__.lower()
    merge.__doc__ = f"`{cls.__name__}(**kwargs)(inputs)`."
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis, **kwargs)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """`Dot(axes, **kwargs)(inputs)`."""
    return Dot(axes=axes, **kwargs)(inputs)


__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
