"""The build and compile state a Keras 3 config records: `build_config` (the input shape a
layer was built with) and `compile_config` (the arguments of `model.compile`)."""

from __future__ import annotations

import warnings


def get_build_config(obj):
    """{"input_shape": ...} of a built layer (Keras 3's `get_build_config`), else None."""
    method = getattr(obj, "get_build_config", None)
    config = method() if method is not None else None
    return config if config is not None else _model_build_config(obj)


def _model_build_config(obj):
    """What a model records of how it was built (Sequential, or a symbolic call)."""
    from ..models.functional import Functional
    from ..models.model import Model

    if not isinstance(obj, Model) or isinstance(obj, Functional) or not obj.built:
        return None
    shape = getattr(obj, "_built_input_shape", None)
    if shape is None:
        shape = getattr(obj, "_build_input_shape", None)
    if shape is None and obj._inbound_nodes:
        node = obj._inbound_nodes[0]
        shape = [tuple(x.shape.as_list()) for x in node.input_tensors]
        shape = shape[0] if len(shape) == 1 else shape
    return {"input_shape": shape} if shape is not None else None


def build_from_config(instance, build_config):
    """Builds a deserialized layer from its build config (Keras 3's `build_from_config`)."""
    if not isinstance(build_config, dict):
        return
    if build_config.get("input_shape") is not None:  # JSON lists back to shape tuples
        build_config = {**build_config, "input_shape": as_shape(build_config["input_shape"])}
    method = getattr(instance, "build_from_config", None)
    if method is not None:
        method(build_config)
        return
    shape = build_config.get("input_shape")
    if shape is None:
        return
    from ..models.sequential import Sequential

    if isinstance(instance, Sequential):
        instance.build(shape)  # Sequential scopes its layers itself
    else:
        instance._build_with_scope(shape)


def as_shape(value):
    """A JSON shape back as tuples: [None, 3] -> (None, 3); lists of shapes stay lists."""
    if isinstance(value, (list, tuple)):
        if all(v is None or isinstance(v, int) for v in value):
            return tuple(value)
        return [as_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: as_shape(v) for k, v in value.items()}
    return value


def get_compile_config(obj):
    """The compile arguments of a compiled model (Keras 3's `get_compile_config`), else None."""
    method = getattr(obj, "get_compile_config", None)
    if method is not None:
        return method()
    if not getattr(obj, "compiled", False) or not hasattr(obj, "optimizer"):
        return None
    stored = getattr(obj, "_compile_config", None)
    if stored is not None:
        return dict(getattr(stored, "config", stored))
    return {"optimizer": obj.optimizer, "loss": getattr(obj, "loss", None)}


def compile_from_config(model, config):
    """Compiles a loaded model from its compile config (Keras 3's `compile_from_config`)."""
    from .deserialization import deserialize_keras_object

    method = getattr(model, "compile_from_config", None)
    if method is not None:
        method(config)
        return
    if not callable(getattr(model, "compile", None)):
        warnings.warn(
            f"The saved model {model.name!r} was compiled, but {type(model).__name__} has no "
            f"compile() method: it is loaded uncompiled.",
            stacklevel=3,
        )
        return
    arguments = deserialize_keras_object(config)
    if not isinstance(arguments, dict):
        raise TypeError(f"compile_config must be a dict of compile() arguments, got {config!r}")
    model.compile(**arguments)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and model.built and hasattr(optimizer, "build"):
        optimizer.build(model.trainable_variables)  # slots exist before their values load
