"""What `Model.compile` keeps: output names, metric attributes, and the compile config.

The loss and metric objects are made in compile_objects.py, the compiled loss and metrics
in compile_loss.py and compile_metrics.py; their names are re-exported here.
"""

from __future__ import annotations

import numpy as np

from ...core import nest
from ...core.tensor import Operand
from .compile_loss import CompileLoss
from .compile_metrics import CompileMetrics, MetricsList
from .compile_objects import get_loss, get_metric, is_binary_or_sparse_categorical, is_metric

__all__ = [
    "CompileLoss",
    "CompileMetrics",
    "MetricsList",
    "get_loss",
    "get_metric",
    "is_binary_or_sparse_categorical",
    "is_metric",
    "output_names",
    "tracked_metrics",
    "serialize_compile_arg",
    "deserialize_compile_arg",
]


def output_names(model):
    """Output layer names (functional and Sequential models), None for subclassed ones."""
    names = getattr(model, "output_names", None)
    if names:
        return list(names)
    outputs = getattr(model, "_outputs_struct", None)
    if outputs is not None:
        history = [getattr(t, "_keras_history", None) for t in nest.flatten(outputs)]
        if all(h is not None for h in history):
            return [h[0].name for h in history]
    stack = getattr(model, "_stack", None)
    if stack:
        return [stack[-1].name]
    return None


def tracked_metrics(model) -> list:
    """Metrics assigned as attributes of the model or of its (non-model) sublayers."""
    found, seen = [], set()
    sublayers = model._flatten_layers(include_self=False)
    # Another model inside this one has its own metrics (Keras leaves those out too).
    layers = [model] + [layer for layer in sublayers if not hasattr(layer, "_trainer")]
    for layer in layers:
        for name, value in vars(layer).items():
            if name != "_trainer":
                _collect_metrics(value, found, seen, 0)
    return found


def _collect_metrics(value, found, seen, depth):
    if depth > 3 or isinstance(value, (str, bytes, np.ndarray, Operand)):
        return
    if isinstance(value, dict):
        for v in value.values():
            _collect_metrics(v, found, seen, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect_metrics(v, found, seen, depth + 1)
    elif is_metric(value):
        if id(value) not in seen:
            seen.add(id(value))
            found.append(value)


def serialize_compile_arg(value):
    """A `compile` argument as saved in a compile config."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [serialize_compile_arg(v) for v in value]
    if isinstance(value, dict):
        return {k: serialize_compile_arg(v) for k, v in value.items()}
    if hasattr(value, "apply_gradients") and hasattr(value, "get_config"):
        from .. import optimizers

        return optimizers.serialize(value)
    try:
        from ..saving.serialization import serialize_keras_object
    except ImportError:
        serialize_keras_object = None
    if serialize_keras_object is not None:
        return serialize_keras_object(value)
    if hasattr(value, "get_config"):
        return {"class_name": type(value).__name__, "config": value.get_config()}
    return value


def deserialize_compile_arg(key, value):
    """The `compile` argument a compile config holds under `key`."""
    if key == "optimizer" and isinstance(value, dict):
        from .. import optimizers

        return optimizers.deserialize(value)
    if isinstance(value, dict) and "class_name" in value:
        try:
            from ..saving.serialization import deserialize_keras_object
        except ImportError:
            module = {"loss": "losses", "metrics": "metrics"}.get(key)
            if module is None:
                return value
            import importlib

            return importlib.import_module(f"..{module}", __package__).get(value)
        return deserialize_keras_object(value)
    if isinstance(value, list):
        return [deserialize_compile_arg(key, v) for v in value]
    return value
