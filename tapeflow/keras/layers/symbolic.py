"""Symbolic calls for the functional API: `keras.Input`, KerasTensor and graph nodes.

A layer called on KerasTensors is built from their (partly unknown) shapes and run once
on zeros to learn its output shapes; the call is recorded as a node so a functional
`Model` can replay the graph on real inputs.
"""

from __future__ import annotations

import numpy as np

from ...backend import xp
from ...core import dtypes, nest
from ...core.shape import TensorShape
from ...core.tensor import wrap
from .input_spec import assert_input_compatibility


class KerasTensor:
    """A symbolic tensor: shape (None for unknown dims), dtype, and the node that made it."""

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name
        self._keras_history = history  # (layer, node_index, tensor_index)

    @property
    def ndim(self):
        return self.shape.rank

    def __repr__(self):
        return (
            f"<KerasTensor shape={tuple(self.shape.as_list())}, dtype={self.dtype.name}, "
            f"name={self.name}>"
        )

    def __hash__(self):
        return id(self)


class Node:
    """One call of a layer on symbolic inputs: what went in, with which kwargs, what came out."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    @property
    def input_tensors(self) -> list:
        return [x for x in nest.flatten((self.args, self.kwargs)) if isinstance(x, KerasTensor)]


def _concrete(x, layer=None):
    """Zeros standing in for a KerasTensor: unknown dimensions become 1."""
    shape = tuple(1 if d is None else d for d in x.shape.as_list())
    if layer is not None:
        from ..saving import load_budget  # no-op unless a file's model is being built

        load_budget.check_scratch(layer, shape, x.dtype.as_numpy_dtype)
    if x.dtype == dtypes.string:  # strings stay NumPy object arrays on every backend
        return wrap(np.full(shape, b"", dtype=object))
    return wrap(xp.zeros(shape, dtype=x.dtype.as_numpy_dtype))


def symbolic_call(layer, args, kwargs):
    """Calls `layer` on KerasTensors: builds it, infers outputs, records a Node."""
    kwargs = dict(kwargs)  # as the user wrote the call: the node replays exactly these
    run_kwargs = dict(kwargs)
    if layer._call_takes_training:
        run_kwargs.setdefault("training", False)  # shape inference must not update statistics
    first = args[0] if args else kwargs.get("inputs")
    spec = layer.input_spec
    if spec is not None:  # with the symbolic shapes: unknown sizes pass, as in Keras
        assert_input_compatibility(spec, first, layer.name)
    if not layer.built:
        shapes = nest.map_structure(
            lambda x: tuple(x.shape.as_list()) if isinstance(x, KerasTensor) else None, first
        )
        layer._build_with_scope(shapes)
        if layer.input_spec is not None and layer.input_spec is not spec:
            assert_input_compatibility(layer.input_spec, first, layer.name)
    concrete_args = nest.map_structure(
        lambda x: _concrete(x, layer) if isinstance(x, KerasTensor) else x, args
    )
    concrete_kwargs = {
        k: nest.map_structure(
            lambda x: _concrete(x, layer) if isinstance(x, KerasTensor) else x, v
        )
        for k, v in run_kwargs.items()
    }
    out = layer(*concrete_args, **concrete_kwargs)
    batch_unknown = any(
        isinstance(x, KerasTensor) and x.shape.rank and x.shape[0] is None
        for x in nest.flatten((args, kwargs))
    )
    node_index = len(layer._inbound_nodes)

    flat = nest.flatten(out)
    symbolic = []
    for i, t in enumerate(flat):
        shape = list(t.shape.as_list())
        if batch_unknown and shape:
            shape[0] = None
        symbolic.append(
            KerasTensor(
                shape,
                t.dtype,
                name=f"{layer.name}_{i}" if i else layer.name,
                history=(layer, node_index, i),
            )
        )
    outputs = nest.pack_sequence_as(out, symbolic)
    layer._inbound_nodes.append(Node(layer, args, kwargs, outputs))
    return outputs


def output_shape_by_running(layer, input_shape):
    """`compute_output_shape` for any layer: run it on zeros of that shape."""
    out = symbolic_call(layer, (KerasTensor(input_shape),), {})
    layer._inbound_nodes.pop()  # a shape query is not part of any graph
    return nest.map_structure(lambda t: tuple(t.shape.as_list()), out)
