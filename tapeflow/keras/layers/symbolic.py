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
        self._keras_mask = None  # a KerasTensor when the real output will carry a mask

    @property
    def ndim(self):
        return self.shape.rank

    def __repr__(self):
        # Keras 3's fields; tapeflow's symbolic tensors are always dense and not ragged.
        return (
            f"<KerasTensor shape={tuple(self.shape.as_list())}, dtype={self.dtype.name}, "
            f"sparse=False, ragged=False, name={self.name}>"
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


# Unknown dimensions other than the batch are probed with two sizes: an output dimension
# that differs between the two runs depends on them and stays None. The sizes are large
# enough for usual kernels and 16 apart, so any stride or pool size up to 16 tells them apart.
_PROBE_SIZES = (32, 48)


def _concrete(x, layer=None, size=1, batch=1):
    """Zeros standing in for a KerasTensor: the batch dimension (if unknown) becomes `batch`,
    other unknown dimensions `size`; a KerasTensor with a mask gets an all-true mask."""
    dims = x.shape.as_list()
    shape = tuple((batch if i == 0 else size) if d is None else d for i, d in enumerate(dims))
    if layer is not None:
        from ..saving import load_budget  # no-op unless a file's model is being built

        load_budget.check_scratch(layer, shape, x.dtype.as_numpy_dtype)
    if x.dtype == dtypes.string:  # strings stay NumPy object arrays on every backend
        value = wrap(np.full(shape, b"", dtype=object))
    else:
        value = wrap(xp.zeros(shape, dtype=x.dtype.as_numpy_dtype))
    mask = getattr(x, "_keras_mask", None)
    if mask is not None:
        from ..tagged import with_mask

        mask_shape = tuple(shape[: mask.shape.rank])
        value = with_mask(value, wrap(xp.ones(mask_shape, dtype=bool)))
    return value


def _has_unknown(x, skip_batch: bool) -> bool:
    dims = x.shape.as_list() if x.shape.rank is not None else []
    return any(d is None for d in (dims[1:] if skip_batch else dims))


def _run_on(layer, args, run_kwargs, size, batch):
    def concrete(x):
        return _concrete(x, layer, size, batch) if isinstance(x, KerasTensor) else x

    concrete_args = nest.map_structure(concrete, args)
    concrete_kwargs = {k: nest.map_structure(concrete, v) for k, v in run_kwargs.items()}
    return layer(*concrete_args, **concrete_kwargs)


def symbolic_call(layer, args, kwargs):
    """Calls `layer` on KerasTensors: builds it, infers outputs, records a Node.

    The layer runs on zeros. Unknown non-batch dimensions (a `keras.Input(shape=(None, 10))`)
    are probed with two sizes, so an output dimension that follows them stays None; the
    batch dimension of a layer's output follows its input's (a keras.ops operation, which
    may reduce over the batch, probes it too).
    """
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
    symbolic_inputs = [x for x in nest.flatten((args, kwargs)) if isinstance(x, KerasTensor)]
    is_operation = getattr(layer, "_is_operation", False)
    probe = any(_has_unknown(x, skip_batch=not is_operation) for x in symbolic_inputs)
    if probe:
        small, large = _PROBE_SIZES
        out = _run_on(layer, args, run_kwargs, small, small if is_operation else 1)
        other = nest.flatten(_run_on(layer, args, run_kwargs, large, large if is_operation
                                     else 1))  # fmt: skip
    else:
        out = _run_on(layer, args, run_kwargs, 1, 1)
        other = None
    batch_unknown = not is_operation and any(
        x.shape.rank and x.shape[0] is None for x in symbolic_inputs
    )
    node_index = len(layer._inbound_nodes)

    flat = nest.flatten(out)
    symbolic = []
    for i, t in enumerate(flat):
        shape = list(t.shape.as_list())
        if other is not None:
            shape = [d if d == e else None for d, e in zip(shape, other[i].shape.as_list())]
        if batch_unknown and shape:
            shape[0] = None
        kt = KerasTensor(
            shape,
            t.dtype,
            name=f"{layer.name}_{i}" if i else layer.name,
            history=(layer, node_index, i),
        )
        mask = getattr(t, "_keras_mask", None)
        if mask is not None:
            kt._keras_mask = KerasTensor(shape[: mask.shape.rank], "bool")
        symbolic.append(kt)
    outputs = nest.pack_sequence_as(out, symbolic)
    layer._inbound_nodes.append(Node(layer, args, kwargs, outputs))
    return outputs


def output_shape_by_running(layer, input_shape):
    """`compute_output_shape` for any layer: run it on zeros of that shape."""
    out = symbolic_call(layer, (KerasTensor(input_shape),), {})
    layer._inbound_nodes.pop()  # a shape query is not part of any graph
    return nest.map_structure(lambda t: tuple(t.shape.as_list()), out)
