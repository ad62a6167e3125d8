"""Keras 3 object (de)serialization: objects <-> JSON-able dicts.

`serialize_keras_object(obj)` gives `{"module", "class_name", "config", "registered_name"}`
(plus "build_config" and "compile_config" for built/compiled layers and models), exactly
Keras 3's layout. `deserialize_keras_object` rebuilds the object: custom objects first
(registered, scoped or passed in `custom_objects`), then the built-in classes of
`tapeflow.keras`, found by name at call time. No module named in a config is ever imported
and no Python code is ever unpickled or unmarshalled: a saved `lambda` cannot be loaded.
"""

from __future__ import annotations

import importlib
import inspect
import threading
import types
import warnings

import numpy as np

from ...core.dtypes import DType
from ...core.shape import TensorShape
from ...core.tensor import Operand
from . import object_registration as registration

PLAIN_TYPES = (str, int, float, bool)

# The `tapeflow.keras` submodules holding built-in classes, in the order an unknown module
# is searched, and the Keras module each one is published as.
_CLASS_MODULES = (
    "layers",
    "models",
    "initializers",
    "regularizers",
    "optimizers",
    "optimizers.schedules",
    "losses",
    "metrics",
    "activations",
)
_KERAS_MODULE = {sub: f"keras.{sub}" for sub in _CLASS_MODULES}
_KERAS_MODULE["models"] = "keras"
# Built-in functions (activations, loss and metric functions) are looked up here only.
_FUNCTION_MODULES = ("activations", "losses", "metrics")
_NOT_MODELING = frozenset({"get", "serialize", "deserialize"})


# ---- safe mode ------------------------------------------------------------------------------


class _SafeMode(threading.local):
    def __init__(self):
        self.value = None  # None: not inside a SafeModeScope; use the argument's value


_safe_mode = _SafeMode()


class SafeModeScope:
    """Makes nested deserialization calls use `safe_mode` (Keras' propagation of the flag)."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._backup = _safe_mode.value
        _safe_mode.value = self.safe_mode
        return self

    def __exit__(self, *exc):
        _safe_mode.value = self._backup


def enable_unsafe_deserialization():
    """Turns safe mode off globally (`keras.config.enable_unsafe_deserialization`)."""
    _safe_mode.value = False


def in_safe_mode():
    """The safe-mode flag in force: True, False, or None outside any loading call."""
    return _safe_mode.value


# ---- serializing ----------------------------------------------------------------------------


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
        source = None
    warnings.warn(
        "The object being serialized includes a `lambda`. tapeflow never stores Python code, "
        "so the saved object cannot be loaded again with this lambda. Use a named function "
        "decorated with `@keras.saving.register_keras_serializable()` instead. The lambda: "
        f"{source}",
        stacklevel=3,
    )
    return {"class_name": "__lambda__", "config": {"value": None, "source": source}}


def _class_identity(cls) -> tuple:
    """(module, registered_name) of `cls`, as Keras 3 writes them."""
    sub = _builtin_submodule(cls)
    if sub is not None:
        if cls.__name__ == "Functional":
            return "keras.src.models.functional", None
        return _KERAS_MODULE[sub], None
    module = cls.__module__
    return (None if module == "__main__" else module), registration.get_registered_name(cls)


def _builtin_submodule(cls):
    """The `tapeflow.keras` submodule publishing `cls` under its own name, or None."""
    if cls in registration.GLOBAL_CUSTOM_NAMES or not cls.__module__.startswith("tapeflow.keras."):
        return None
    for sub in _CLASS_MODULES:
        if vars(_submodule(sub)).get(cls.__name__) is cls:
            return sub
    return None


def _submodule(sub: str):
    return importlib.import_module(f"tapeflow.keras.{sub}")


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


# ---- build and compile state ----------------------------------------------------------------


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
    model.compile(**deserialize_keras_object(config))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and model.built and hasattr(optimizer, "build"):
        optimizer.build(model.trainable_variables)  # slots exist before their values load


# ---- deserializing --------------------------------------------------------------------------


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a `serialize_keras_object` config describes.

    Args:
        config: a config dict (or a plain value, list or dict of them).
        custom_objects: {name: class or function} for custom objects that are not
            registered with `register_keras_serializable`.
        safe_mode: refuse to load Python lambdas (always refused in tapeflow: they are never
            stored as code).

    Raises:
        TypeError: a class or function that cannot be found, or a `from_config` failure.
        ValueError: a lambda.
    """
    if _safe_mode.value is not None:
        safe_mode = _safe_mode.value
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}")
    custom_objects = {
        **(custom_objects or {}),
        **registration.scope_objects(),
        **registration.GLOBAL_CUSTOM_OBJECTS,
    }
    if config is None:
        return None
    if isinstance(config, str):
        if config in custom_objects:
            return custom_objects[config]
        if module_objects is not None and config in module_objects:
            return module_objects[config]
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(x, custom_objects, safe_mode) for x in config]
    if isinstance(config, PLAIN_TYPES):
        return config
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
    if "class_name" not in config or "config" not in config:
        return {
            k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()
        }
    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    special = _deserialize_special(class_name, inner, custom_objects, safe_mode)
    if special is not _NOT_SPECIAL:
        return special
    if class_name == "function":
        return _retrieve_function(inner, config, custom_objects)
    if not isinstance(inner, dict):
        raise TypeError(
            f"Expected 'config' to be a dict for {class_name}, got {type(inner).__name__}. "
            f"Full config: {_short(config)}"
        )
    cls = _retrieve_class(class_name, config, custom_objects, module_objects)
    if isinstance(cls, types.FunctionType):
        return cls
    if not hasattr(cls, "from_config"):
        raise TypeError(
            f"Unable to reconstruct an instance of '{class_name}' because the class is "
            f"missing a `from_config()` method. Full object config: {_short(config)}"
        )
    with registration.CustomObjectScope(custom_objects), SafeModeScope(safe_mode):
        instance = _from_config(cls, class_name, inner, config)
        build_config = config.get("build_config")
        if build_config and not getattr(instance, "built", True):
            build_from_config(instance, build_config)
        compile_config = config.get("compile_config")
        if compile_config:
            compile_from_config(instance, compile_config)
    return instance


_NOT_SPECIAL = object()


def _deserialize_special(class_name, inner, custom_objects, safe_mode):
    if class_name == "__keras_tensor__":
        from ..layers.symbolic import KerasTensor

        tensor = KerasTensor(inner["shape"], inner["dtype"])
        tensor._pre_serialization_keras_history = inner.get("keras_history")
        return tensor
    if class_name == "__tensor__":
        from ...core.tensor import constant

        return constant(np.asarray(inner["value"], dtype=inner["dtype"]))
    if class_name == "__numpy__":
        return np.asarray(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(
            *(
                deserialize_keras_object(inner.get(k), custom_objects, safe_mode)
                for k in ("start", "stop", "step")
            )
        )
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(
                "Requested the deserialization of a Python lambda. This carries a potential "
                "risk of arbitrary code execution and thus it is disallowed by default "
                "(safe_mode=True)."
            )
        raise ValueError(
            "Requested the deserialization of a Python lambda: tapeflow never loads Python "
            "code, even with safe_mode=False. Replace the lambda with a named function "
            "decorated with `@keras.saving.register_keras_serializable()` (or passed in "
            "`custom_objects`) and save the model again."
        )
    return _NOT_SPECIAL


def _from_config(cls, class_name, inner, config):
    from ..models.functional import Functional
    from ..models.model import Model

    is_functional = all(k in inner for k in ("layers", "input_layers", "output_layers"))
    try:
        if is_functional and (cls is Model or cls is Functional):
            return Functional.from_config(inner)
        return cls.from_config(inner)
    except TypeError as e:
        raise TypeError(
            f"{cls.__name__} could not be deserialized properly. Please ensure that "
            f"components that are Python object instances (layers, models, etc.) returned "
            f"by `get_config()` are explicitly deserialized in the model's `from_config()` "
            f"method.\n\nconfig={_short(config)}.\n\nException encountered: {e}"
        ) from e


def _retrieve_class(class_name, config, custom_objects, module_objects):
    registered_name = config.get("registered_name") or class_name
    for key in (registered_name, class_name):
        found = registration.get_registered_object(key, custom_objects, module_objects)
        if found is not None:
            return found
    found = _builtin_class(class_name, config.get("module"))
    if found is not None:
        return found
    raise TypeError(
        f"Could not locate class '{class_name}' (registered name {registered_name!r}). "
        f"Make sure custom classes are decorated with "
        f"`@keras.saving.register_keras_serializable()` and imported before loading, or "
        f"pass them as `custom_objects={{{registered_name!r}: {class_name}}}` to the loading "
        f"function. Full object config: {_short(config)}"
    )


def _builtin_class(class_name: str, module):
    if not isinstance(class_name, str) or not class_name.isidentifier():
        return None
    if class_name.startswith("_"):
        return None
    for sub in _candidate_submodules(module):
        obj = vars(_submodule(sub)).get(class_name)
        if (
            isinstance(obj, type)
            and obj.__module__.startswith("tapeflow.")
            and hasattr(obj, "from_config")
        ):
            return obj
    return None


def _candidate_submodules(module) -> list:
    """The tapeflow.keras submodules to search for a class saved from Keras module `module`."""
    order = list(_CLASS_MODULES)
    if not isinstance(module, str) or not module.startswith("keras"):
        return order
    parts = module.split(".")
    if parts[1:2] == ["src"]:
        parts = parts[:1] + parts[2:]  # keras.src.models.functional -> keras.models...
    first = []
    if len(parts) == 1:
        first = ["models", "layers"]
    elif parts[1] in ("optimizers",) and parts[2:3] == ["schedules"]:
        first = ["optimizers.schedules"]
    elif parts[1] in _KERAS_MODULE:
        first = [parts[1]]
    return first + [m for m in order if m not in first]


def _retrieve_function(name, config, custom_objects):
    if not isinstance(name, str):
        raise TypeError(
            f"Expected 'config' to be a non-null str for a function, got {type(name).__name__}."
            f" Full config: {_short(config)}"
        )
    found = registration.get_registered_object(name, custom_objects)
    if found is not None:
        return found
    if ">" not in name:
        # Keras <= 3.6 saved registered functions by bare name.
        for key, obj in custom_objects.items():
            if key.endswith(f">{name}"):
                return obj
    if name.isidentifier() and not name.startswith("_") and name not in _NOT_MODELING:
        for sub in _FUNCTION_MODULES:
            obj = vars(_submodule(sub)).get(name)
            if callable(obj) and getattr(obj, "__module__", "").startswith("tapeflow."):
                return obj
    raise TypeError(
        f"Could not locate function '{name}'. Make sure custom functions are decorated with "
        f"`@keras.saving.register_keras_serializable()` and imported before loading, or pass "
        f"them as `custom_objects={{{name!r}: {name.split('>')[-1]}}}` to the loading function."
        f" Full object config: {_short(config)}"
    )


def _short(config, limit=300) -> str:
    text = repr(config)
    return text if len(text) <= limit else text[:limit] + " ...}"
