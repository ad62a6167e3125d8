"""`keras.Input` and `InputLayer`: the entry points of a functional model."""

from __future__ import annotations

import numpy as np

from .layer import Layer
from .symbolic import KerasTensor, Node


def _shape(dims) -> tuple:
    """Keras' standardize_shape: ints >= 0 or None, else Keras' ValueError."""
    for d in dims:
        if d is None:
            continue
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            shown = "NaN" if d != d else repr(d)  # a NaN from a file says so
            raise ValueError(
                f"Cannot convert '{list(dims[1:])}' to a shape. Found invalid dimension {shown} "
                f"of type '{type(d)}'."
            )
        if d < 0:
            raise ValueError(
                f"Cannot convert '{list(dims[1:])}' to a shape. Negative dimensions are not "
                f"allowed."
            )
    return tuple(None if d is None else int(d) for d in dims)


class InputLayer(Layer):
    """Holds the KerasTensor a functional model starts from."""

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name=None,
        ragged=None,
        **kwargs,
    ):
        if ragged:
            raise NotImplementedError(_RAGGED_INPUT)
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "InputLayer: give `shape` (without the batch dimension) or `batch_shape`"
                )
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self._batch_shape = _shape(batch_shape)
        output = KerasTensor(self._batch_shape, self._dtype, name=self.name, history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, (), {}, output))
        self.built = True

    @property
    def batch_shape(self):
        return self._batch_shape

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {
            "batch_shape": self._batch_shape,
            "dtype": self._dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": False,
        }


_RAGGED_INPUT = (
    "keras.Input(ragged=True): tapeflow's Keras layers take dense tensors; pad the rows with "
    "rt.to_tensor() (and mask_zero=True in Embedding, or a Masking layer) instead"
)


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    batch_shape=None,
    name=None,
    tensor=None,
    optional=False,
    ragged=None,
):  # noqa: N802 - Keras' public name
    """A symbolic input of `shape` (without the batch dimension) for a functional model."""
    if ragged:
        raise NotImplementedError(_RAGGED_INPUT)
    layer = InputLayer(
        shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name
    )
    return layer.output
