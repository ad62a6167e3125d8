"""`Model.summary()` as Keras 3 prints it: a box table of the layers with their output shapes
and parameter counts (and, for a functional graph, what each layer is connected to), then the
parameter counts with their sizes in bytes.

The text is Keras' with colours off (what Keras passes to `print_fn`); the table is drawn by
summary_table.py. Functional models list their layers in Keras' order (deepest first).
"""

from __future__ import annotations

import math
import re
import shutil
import sys

import numpy as np

from ...core import nest


def print_summary(
    model,
    line_length=None,
    positions=None,
    print_fn=None,
    expand_nested=False,
    show_trainable=False,
    layer_range=None,
):
    """Prints the summary of `model`; `print_fn` (default: write to stdout) gets the whole
    text at once, as in Keras 3. The arguments are `Model.summary`'s."""
    from . import summary_table
    from .functional import Functional

    layers, sequential_like, relevant_nodes = model.layers, True, None
    if isinstance(model, Functional):
        layers, sequential_like, relevant_nodes = _functional_layout(model)
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        justify = ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        justify = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    requested, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        requested.append(width)
        current += width

    def fields(layer, prefix=""):
        row = [f"{prefix}{layer.name} ({type(layer).__name__})", _output_shape(layer)]
        row.append(f"{_params(layer):,}" if layer.built else "0 (unbuilt)")
        if not sequential_like:
            row.append(_connections(layer, relevant_nodes))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows = [row]
        nested = getattr(layer, "layers", None) if expand_nested else None
        for inner in nested or ():
            depth = prefix.count("└") + 1
            rows += fields(inner, "   " * depth + "└ ")
        return rows

    first, last = _layer_range(layers, layer_range)
    rows = [row for layer in layers[first:last] for row in fields(layer)]
    widths = summary_table.column_widths(requested, line_length)
    lines = [f'Model: "{model.name}"']
    lines += summary_table.render(header, rows, widths, justify)
    lines += _totals(model)
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        sys.stdout.write(text)
    else:
        print_fn(text)


def _totals(model) -> list[str]:
    """The parameter-count lines under the table (the optimizer's once it is built)."""
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None
    optimizer_weights = optimizer.variables if optimizer is not None and optimizer.built else None
    parts = [trainable, non_trainable, optimizer_weights or []]
    total = (sum(_count(p) for p in parts), sum(_bytes(p) for p in parts))
    lines = [
        _count_line("Total params", *total),
        _count_line("Trainable params", _count(trainable), _bytes(trainable)),
        _count_line("Non-trainable params", _count(non_trainable), _bytes(non_trainable)),
    ]
    if optimizer_weights is not None:
        lines.append(
            _count_line("Optimizer params", _count(optimizer_weights), _bytes(optimizer_weights))
        )
    return lines


def _count_line(what: str, count: int, size: float) -> str:
    return f" {what}: {count:,} ({_readable_size(size)})"


def _count(weights) -> int:
    return int(sum(math.prod(w.shape.as_list()) for w in weights))


def _params(layer) -> int:
    return _count(layer.weights)


def _bytes(weights) -> float:
    unique = {id(w): w for w in weights}.values()
    return float(
        sum(math.prod(w.shape.as_list()) * np.dtype(w.dtype.as_numpy_dtype).itemsize
            for w in unique)
    )  # fmt: skip


def _readable_size(size: float) -> str:
    for unit in ["B", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


# ---- output shapes and connections -------------------------------------------------------------


def _format_shape(shape) -> str:
    # Keras joins the dimensions itself: a one-dimensional shape prints as "(None)".
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _format_structure(shapes) -> str:
    flat = nest.flatten(shapes)
    if len(flat) == 1:
        return flat[0]
    return str(shapes).replace("'", "")


def _output_shape(layer) -> str:
    """The layer's output shape as Keras prints it: from its last call in a graph, else from
    the input shape it was built for (a layer of a subclassed model), else "?"."""
    recorded = getattr(layer, "_summary_output_shape", None)  # a tapeflow Sequential's build
    if layer._inbound_nodes:
        outputs = layer._inbound_nodes[-1].outputs
        return _format_structure(
            nest.map_structure(lambda x: _format_shape(x.shape.as_list()), outputs)
        )
    if recorded is not None:
        return _format_shape(recorded)
    built_for = layer._build_shapes_dict
    if not built_for:
        return "?"
    if getattr(layer, "output_shape", None) is not None:  # a model: it knows its own
        return _format_structure(_shape_structure(layer.output_shape))
    shapes = _output_shape_for(layer, built_for.get("input_shape"))
    return "?" if shapes is None else _format_structure(_shape_structure(shapes))


def _shape_structure(shapes):
    """Tuples of dimensions -> their strings, in the same nesting."""
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, int) for d in shapes):
        return _format_shape(shapes)
    if isinstance(shapes, dict):
        return {k: _shape_structure(v) for k, v in shapes.items()}
    return type(shapes)(_shape_structure(s) for s in shapes)


def _output_shape_for(layer, input_shape):
    """`compute_output_shape` for the batch the layer was built with, run on a batch of one
    (it may run the layer on zeros), or None where it cannot be known without side effects."""
    if input_shape is None or getattr(layer, "stateful", False):
        return None

    def unbatched(shape):
        return (None,) + tuple(shape[1:]) if shape else shape

    def is_shape(x):
        return isinstance(x, tuple) and all(d is None or isinstance(d, int) for d in x)

    batch = _first_batch(input_shape, is_shape)
    saved_losses = layer._call_losses
    try:
        shapes = layer.compute_output_shape(_map_shapes(unbatched, input_shape, is_shape))
    except Exception:  # noqa: BLE001 - a summary shows "?" rather than failing
        return None
    finally:
        layer._call_losses = saved_losses
    return _map_shapes(
        lambda s: (batch,) + tuple(s[1:]) if s and s[0] is None else tuple(s),
        shapes,
        lambda x: isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x),
    )


def _map_shapes(fn, shapes, is_shape):
    if is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {k: _map_shapes(fn, v, is_shape) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(_map_shapes(fn, s, is_shape) for s in shapes)
    return shapes


def _first_batch(shapes, is_shape):
    if is_shape(shapes):
        return shapes[0] if shapes else None
    values = shapes.values() if isinstance(shapes, dict) else shapes
    for s in values or ():
        return _first_batch(s, is_shape)
    return None


def _connections(layer, relevant_nodes) -> str:
    """ "name[node][tensor]" for each input of the layer's calls within this model."""
    found = []
    for node in layer._inbound_nodes:
        if relevant_nodes and id(node) not in relevant_nodes:
            continue
        for tensor in node.input_tensors:
            source, node_index, tensor_index = tensor._keras_history
            found.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(found) or "-"


def _functional_layout(model):
    """Keras' `map_graph` for the summary: the layers by depth (deepest first, then in the
    order a depth-first walk from the outputs meets them), whether the graph is a plain chain,
    and the ids of its nodes."""
    order, first_seen, done = [], {}, set()

    def visit(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in done:
            return
        first_seen.setdefault(id(layer), len(first_seen))
        for parent in node.input_tensors:
            visit(parent)
        done.add(id(node))
        order.append(node)

    for output in model.outputs:
        visit(output)
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        layers[id(node.layer)] = node.layer
        for tensor in node.input_tensors:
            source, index, _ = tensor._keras_history
            parent = source._inbound_nodes[index]
            if id(parent) in done:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for x in model.inputs:  # inputs the outputs do not use still get a row
        layer = x._keras_history[0]
        if id(layer) not in layer_depth:
            layer_depth[id(layer)], first_seen[id(layer)], layers[id(layer)] = 0, -1, layer
            node_depth[id(layer._inbound_nodes[x._keras_history[1]])] = 0
    ordered = sorted(layers.values(), key=lambda a: (-layer_depth[id(a)], first_seen[id(a)]))

    nodes_at = {}
    for node in order:
        nodes_at.setdefault(node_depth[id(node)], []).append(node)
    chain = all(
        len(nodes) == 1 and len(nodes[0].input_tensors) <= 1 for nodes in nodes_at.values()
    )
    if chain:  # a layer called twice in the graph is no chain either
        chain = all(
            sum(id(node) in done for node in layer._inbound_nodes) <= 1
            for layer in layers.values()
            if not getattr(layer, "_is_operation", False)
        )
    return ordered, chain, set(node_depth)


def _layer_range(layers, layer_range) -> tuple[int, int]:
    """[first, last + 1) of the layers whose names match `layer_range` (two regexes)."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {len(layer_range)}"
        )
    if not all(isinstance(name, str) for name in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(
            "Passed layer_names do not match the layer names in the model. "
            f"Received: {layer_range}"
        )
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1
