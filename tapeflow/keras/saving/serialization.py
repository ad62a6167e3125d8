"""Keras 3 object serialization: objects -> JSON-able config dicts.

`serialize_keras_object(obj)` gives `{"module", "class_name", "config", "registered_name"}`
(plus "build_config" and "compile_config" for built/compiled layers and models), exactly
Keras 3's layout; a named function is saved by name, a `lambda` as marshalled bytecode, as
Keras saves them. The reverse is `deserialization.deserialize_keras_object`, re-exported here.
"""

from __future__ import annotations

import inspect
import types
import warnings

import numpy as np

from ...core.dtypes import DType
from ...core.shape import TensorShape
from ...core.tensor import Operand
from . import builtin_objects
from . import object_registration as registration
from .build_compile import (  # noqa: F401 - part of this module's historical API
    as_shape,
    build_from_config,
    compile_from_config,
    get_build_config,
    get_compile_config,
)
from .deserialization import deserialize_keras_object  # noqa: F401
from .function_code import func_dump
from .safe_mode import SafeModeScope, enable_unsafe_deserialization, in_safe_mode  # noqa: F401

PLAIN_TYPES = (str, int, float, bool)


def serialize_keras_object(obj):
    """The Keras 3 config dict of `obj` (plain values, lists and dicts are mapped through).

    Raises:
        NotImplementedError: a layer or model whose constructor takes arguments but that does
            not implement `get_config()` (Keras 3's error).
        TypeError: an object that cannot be serialized.
    """
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        out = [serialize_keras_object(x) for x in obj]
        return tuple(out) if isinstance(obj, tuple) else out
    if isinstance(obj, dict):
        return serialize_dict(obj)
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {
            "class_name": "__slice__",
            "config": {
                "start": serialize_keras_object(obj.start),
                "stop": serialize_keras_object(obj.stop),
                "step": serialize_keras_object(obj.step),
            },
        }
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    from ..layers.symbolic import KerasTensor

    if isinstance(obj, KerasTensor):
        history = obj._keras_history
        if history is not None:
            history = [history[0].name, history[1], history[2]]
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": obj.shape.as_list() if obj.shape.rank is not None else None,
                "dtype": obj.dtype.name,
                "keras_history": history,
            },
        }
    if isinstance(obj, TensorShape):
        return obj.as_list() if obj.rank is not None else None
    if isinstance(obj, Operand):
        value = np.asarray(obj.numpy())
        return {
            "class_name": "__tensor__",
            "config": {"value": value.tolist(), "dtype": value.dtype.name},
        }
    if isinstance(obj, (np.ndarray, np.generic)):
        if isinstance(obj, np.ndarray) and obj.ndim > 0:
            return {
                "class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": obj.dtype.name},
            }
        return obj.item()
    if isinstance(obj, (DType, np.dtype)):
        return obj.name
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        return _serialize_lambda(obj)
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        # Keras 3 writes every named function this way; the name is looked up on loading.
        return {
            "module": "builtins",
            "class_name": "function",
            "config": registration.get_registered_name(obj),
            "registered_name": "function",
        }
    if isinstance(obj, type):
        raise TypeError(
            f"Cannot serialize the class {obj.__name__} itself; serialize an instance of it"
        )
    module, registered_name = _class_identity(type(obj))
    config = {
        "module": module,
        "class_name": type(obj).__name__,
        "config": _object_config(obj),
        "registered_name": registered_name,
    }
    build_config = get_build_config(obj)
    if build_config is not None:
        config["build_config"] = serialize_dict(build_config)
    compile_config = get_compile_config(obj)
    if compile_config is not None:
        config["compile_config"] = serialize_dict(compile_config)
    return config


def serialize_dict(obj: dict) -> dict:
    return {key: serialize_keras_object(value) for key, value in obj.items()}


def _serialize_lambda(fn):
    try:
        source = inspect.getsource(fn).strip()
    except (OSError, TypeError):
        source = "<source not available>"
    warnings.warn(
        "The object being serialized includes a `lambda`. This is unsafe. In order to reload "
        "the object, you will have to pass `safe_mode=False` to the loading function. Please "
        "avoid using `lambda` in the future, and use named Python functions instead. This is "
        f"the `lambda` being serialized: {source}",
        stacklevel=3,
    )
    return {"class_name": "__lambda__", "config": {"value": func_dump(fn)}}


def _class_identity(cls) -> tuple:
    """(module, registered_name) of `cls`, as Keras 3 writes them."""
    family = None
    if cls not in registration.GLOBAL_CUSTOM_NAMES and cls.__module__.startswith("tapeflow."):
        family = builtin_objects.family_of(cls)
    if family is not None:
        if cls.__name__ == "Functional":
            return "keras.src.models.functional", None
        return builtin_objects.KERAS_MODULES[family], None
    module = cls.__module__
    return (None if module == "__main__" else module), registration.get_registered_name(cls)


# Base classes whose `get_config` only knows the base constructor's arguments.
def _base_get_configs() -> tuple:
    from ..layers.layer import Layer
    from ..models.model import Model

    return (Layer.get_config, Model.get_config)


def _base_init_args() -> set:
    from ..layers.layer import Layer

    return set(inspect.signature(Layer.__init__).parameters)


def _object_config(obj) -> dict:
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize object {obj!r} of type {type(obj).__name__}. To be "
            f"serializable, a class must implement the `get_config()` method."
        )
    cls = type(obj)
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(
            f"The `get_config()` method of {obj!r} should return a dict. It returned: {config!r}"
        )
    if cls.get_config in _base_get_configs():
        config = _checked_base_config(cls, config)
    return serialize_dict(config)


def _checked_base_config(cls, config: dict) -> dict:
    """The base `get_config` of a subclass that does not override it: enough only if the
    constructor takes no arguments of its own (Keras 3 raises the same error otherwise)."""
    params = inspect.signature(cls.__init__).parameters
    own = [
        p.name
        for p in params.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.POSITIONAL_ONLY)
        and p.name not in _base_init_args()
    ]
    if own:
        raise NotImplementedError(
            f"\nObject {cls.__name__} was created by passing\nnon-serializable argument "
            f"values in `__init__()`,\nand therefore the object must override `get_config()` "
            f"in\norder to be serializable. Please implement `get_config()`.\n\nExample:\n\n"
            f"class CustomLayer(keras.layers.Layer):\n"
            f"    def __init__(self, arg1, arg2, **kwargs):\n"
            f"        super().__init__(**kwargs)\n"
            f"        self.arg1 = arg1\n"
            f"        self.arg2 = arg2\n\n"
            f"    def get_config(self):\n"
            f"        config = super().get_config()\n"
            f"        config.update({{\n"
            f'            "arg1": self.arg1,\n'
            f'            "arg2": self.arg2,\n'
            f"        }})\n"
            f"        return config\n\n"
            f"({cls.__name__}.__init__ takes {own})"
        )
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return config
    return {k: v for k, v in config.items() if k in params}
