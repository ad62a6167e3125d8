"""`keras.utils.plot_model` and `model_to_dot`: a model's layer graph drawn with pydot/graphviz.

Both are optional dependencies, imported on first use: without pydot (or one of its forks
pydot_ng, pydotplus) or without the graphviz programs, `plot_model` raises Keras'
ImportError naming what to install (in a notebook it prints the message instead, as Keras
does). The boxes and labels are Keras 3.15's: one box per layer (a subclassed model is one
box), edges along the functional graph or the Sequential order. Nested models are drawn as
single boxes (`expand_nested` is accepted and not expanded).
"""

from __future__ import annotations

import os
import sys

_PYDOT_MESSAGE = "You must install pydot (`pip install pydot`) for `{}` to work."
_GRAPHVIZ_MESSAGE = (
    "You must install graphviz (see instructions at https://graphviz.gitlab.io/download/) "
    "for `plot_model` to work."
)


def _pydot():
    for name in ("pydot", "pydot_ng", "pydotplus"):
        try:
            return __import__(name)
        except ImportError:
            continue
    return None


def _graphviz_works(pydot) -> bool:
    try:
        pydot.Dot.create(pydot.Dot())  # renders an empty graph: needs the `dot` program
        return True
    except (OSError, getattr(pydot, "PydotException", OSError)):
        return False


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        text = ", ".join(f"{k}: {v}" for k, v in shape.items())
    else:
        text = f"{shape}"
    return text.replace("}", "").replace("{", "")


def _activation_name(layer) -> str:
    activation = layer.activation
    return getattr(activation, "name", None) or getattr(activation, "__name__", str(activation))


def _label(layer, shapes, show_layer_names, show_layer_activations, show_dtype, show_shapes,
           show_trainable) -> str:  # fmt: skip
    """Keras' HTML-like table label of one layer's box."""
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    table = '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
    table += (
        f'<tr><td colspan="{colspan}" bgcolor="black"><font point-size="16" color="white">'
        f"{title}</font></td></tr>"
    )
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        table += (
            f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">Activation: '
            f"<b>{_activation_name(layer)}</b></font></td></tr>"
        )
    cols = []
    in_shape, out_shape, out_dtype = shapes.get(id(layer), (None, None, None))
    if show_shapes:
        if class_name != "InputLayer":
            cols.append(
                f'<td bgcolor="white"><font point-size="14">Input shape: '
                f"<b>{_shape_text(in_shape)}</b></font></td>"
            )
        cols.append(
            f'<td bgcolor="white"><font point-size="14">Output shape: '
            f"<b>{_shape_text(out_shape)}</b></font></td>"
        )
    if show_dtype:
        cols.append(
            f'<td bgcolor="white"><font point-size="14">Output dtype: '
            f"<b>{out_dtype or '?'}</b></font></td>"
        )
    if show_trainable and getattr(layer, "weights", None):
        if layer.trainable:
            color, text = "forestgreen", "Trainable"
        else:
            color, text = "firebrick", "Non-trainable"
        cols.append(
            f'<td bgcolor="{color}"><font point-size="14" color="white"><b>{text}</b></font></td>'
        )
    if cols:
        table += f"<tr>{''.join(cols)}</tr>"
    return table + "</table>>"


def _functional_graph(model):
    """(layers, edges, shapes) of a functional model, from its recorded nodes."""
    layers, edges, shapes = list(model.layers), [], {}

    def tuple_shape(t):
        return tuple(t.shape.as_list()) if t.shape.rank is not None else None

    for node in model._nodes:
        ins = node.input_tensors
        outs = [t for t in _flat(node.outputs)]
        in_shape = tuple_shape(ins[0]) if len(ins) == 1 else [tuple_shape(t) for t in ins]
        out_shape = tuple_shape(outs[0]) if len(outs) == 1 else [tuple_shape(t) for t in outs]
        shapes.setdefault(id(node.layer), (in_shape if ins else None, out_shape,
                                           outs[0].dtype.name if outs else None))  # fmt: skip
        for t in ins:
            source = t._keras_history[0] if t._keras_history else None
            if source is not None and (source, node.layer) not in edges:
                edges.append((source, node.layer))
    return layers, edges, shapes


def _flat(x):
    from ...core import nest

    return nest.flatten(x)


def _sequential_graph(model):
    layers = list(model.layers)
    shapes = {}
    shape = getattr(model, "input_shape", None) if model.built else None
    for layer in layers:
        out = None
        if shape is not None:
            try:
                out = tuple(layer.compute_output_shape(shape))
            except Exception:  # a layer without static shape inference: "?" from here on
                out = None
        shapes[id(layer)] = (shape, out, getattr(layer, "dtype", None))
        shape = out
    edges = list(zip(layers[:-1], layers[1:]))
    return layers, edges, shapes


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):  # fmt: skip
    """The model's graph as a `pydot.Dot` (a `pydot.Cluster` with `subgraph=True`)."""
    from ..models.functional import Functional
    from ..models.sequential import Sequential

    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or "
            "by calling the model on a batch of data."
        )
    pydot = _pydot()
    if pydot is None:
        raise ImportError(_PYDOT_MESSAGE.format("model_to_dot"))
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    options = dict(
        show_layer_names=show_layer_names,
        show_layer_activations=show_layer_activations,
        show_dtype=show_dtype,
        show_shapes=show_shapes,
        show_trainable=show_trainable,
    )
    if isinstance(model, Sequential):
        layers, edges, shapes = _sequential_graph(model)
    elif isinstance(model, Functional):
        layers, edges, shapes = _functional_graph(model)
    else:  # a subclassed model is one box, as in Keras
        layers, edges, shapes = [model], [], {}
    for layer in layers:
        node = pydot.Node(str(id(layer)), label=_label(layer, shapes, **options))
        node.set("fontname", "Helvetica")
        node.set("border", "0")
        node.set("margin", "0")
        dot.add_node(node)
    for source, destination in edges:
        src, dst = str(id(source)), str(id(destination))
        if not dot.get_edge(src, dst):
            edge = pydot.Edge(src, dst)
            edge.set("penwidth", "2")
            dot.add_edge(edge)
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho",
               **kwargs):  # fmt: skip
    """Draws the model's graph into `to_file` (its extension is the format: png, svg, pdf...).

    Needs pydot and graphviz (see the module docstring). Returns an IPython Image when
    IPython is installed and the format is not pdf, else None.
    """
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or "
            "by calling the model on a batch of data."
        )
    in_notebook = "IPython.core.magics.namespace" in sys.modules
    pydot = _pydot()
    for missing, message in (
        (pydot is None, _PYDOT_MESSAGE.format("plot_model")),
        (pydot is not None and not _graphviz_works(pydot), _GRAPHVIZ_MESSAGE),
    ):
        if missing:
            if in_notebook:  # as Keras: a notebook keeps running
                print(message)
                return None
            raise ImportError(message)
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)  # fmt: skip
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
