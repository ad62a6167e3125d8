"""Keras 3 object deserialization: config dicts -> objects, with nothing taken on trust.

A config names classes and functions; each name is looked up, in Keras 3's order, in the
`custom_objects` passed in, the innermost `custom_object_scope`, the global registry of
`register_keras_serializable`, then tapeflow's own built-ins (`builtin_objects`). A name
found nowhere is an error: no module a config names is ever imported, and no attribute is
looked up on one. Arrays in a config may only be numbers or booleans. Saved lambdas (Python
bytecode) load only outside safe mode (`safe_mode`), as in Keras.
"""

from __future__ import annotations

import types

import numpy as np

from . import builtin_objects
from . import object_registration as registration
from . import safe_mode as safe_mode_lib
from .function_code import func_load

PLAIN_TYPES = (str, int, float, bool)
# The dtypes an array in a config may have: numbers and booleans, nothing NumPy could turn
# into strings, objects or records of unbounded size.
NUMERIC_DTYPES = frozenset(
    {
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    }
)


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a `serialize_keras_object` config describes.

    Args:
        config: a config dict (or a plain value, list or dict of them).
        custom_objects: {name: class or function} for custom objects that are not
            registered with `register_keras_serializable`.
        safe_mode: refuse to load Python lambdas (their bytecode would run). A
            `SafeModeScope` in force, or `keras.config.enable_unsafe_deserialization()`,
            takes precedence, as in Keras.

    Raises:
        TypeError: a class or function that is not registered nor built in, or a
            `from_config` failure.
        ValueError: a lambda in safe mode, a non-modeling function, or an array of a
            non-numeric dtype.
    """
    safe_mode = safe_mode_lib.resolve(safe_mode)
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
        raise TypeError(f"Could not parse config: {_short(config)}")
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
        return retrieve_function(inner, config, custom_objects)
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
    from .build_compile import build_from_config, compile_from_config

    with registration.CustomObjectScope(custom_objects), safe_mode_lib.SafeModeScope(safe_mode):
        instance = _from_config(cls, inner, config)
        build_config = config.get("build_config")
        if build_config and not getattr(instance, "built", True):
            build_from_config(instance, build_config)
        compile_config = config.get("compile_config")
        if compile_config:
            compile_from_config(instance, compile_config)
    return instance


_NOT_SPECIAL = object()


def numeric_array(value, dtype, what: str) -> np.ndarray:
    """`np.asarray(value, dtype)` for a value read from a config, refusing every dtype but
    numbers and booleans (a dtype such as "U67108864" would allocate 256 MiB per element)."""
    if not isinstance(dtype, str) or dtype not in NUMERIC_DTYPES:
        raise ValueError(
            f"{what}: dtype {str(dtype)[:40]!r} is not allowed in a saved config; only "
            f"{sorted(NUMERIC_DTYPES)}"
        )
    if not isinstance(value, (list, int, float, bool)):
        raise ValueError(f"{what}: the value must be numbers or nested lists of numbers")
    try:
        return np.asarray(value, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"{what}: cannot make a {dtype} array of the saved value ({e})") from None


def _deserialize_special(class_name, inner, custom_objects, safe_mode):
    if class_name == "__keras_tensor__":
        from ..layers.symbolic import KerasTensor

        if not isinstance(inner, dict):
            raise TypeError(f"__keras_tensor__: malformed config {_short(inner)}")
        tensor = KerasTensor(inner.get("shape"), inner.get("dtype"))
        tensor._pre_serialization_keras_history = inner.get("keras_history")
        return tensor
    if class_name == "__tensor__":
        from ...core.tensor import constant

        return constant(numeric_array(_get(inner, "value"), _get(inner, "dtype"), class_name))
    if class_name == "__numpy__":
        return numeric_array(_get(inner, "value"), _get(inner, "dtype"), class_name)
    if class_name == "__bytes__":
        value = _get(inner, "value")
        if not isinstance(value, str):
            raise TypeError(f"__bytes__: the value must be a string, got {_short(value)}")
        return value.encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(
            *(
                deserialize_keras_object(_get(inner, k), custom_objects, safe_mode)
                for k in ("start", "stop", "step")
            )
        )
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(safe_mode_lib.LAMBDA_REFUSED)
        return func_load(_get(inner, "value"))
    return _NOT_SPECIAL


def _get(inner, key):
    return inner.get(key) if isinstance(inner, dict) else None


def _from_config(cls, inner, config):
    from ..models.functional import Functional
    from ..models.model import Model

    is_functional = all(k in inner for k in ("layers", "input_layers", "output_layers"))
    try:
        if is_functional and (cls is Model or cls is Functional):
            return Functional.from_config(inner)
        return cls.from_config(inner)
    except UnsupportedKerasClass:
        raise  # it names the layer already: no wrapping by each enclosing model
    except TypeError as e:
        name = inner.get("name")
        named = f" (name {name!r})" if isinstance(name, str) else ""
        raise TypeError(
            f"{cls.__name__} could not be deserialized properly{named}. Please ensure that "
            f"components that are Python object instances (layers, models, etc.) returned "
            f"by `get_config()` are explicitly deserialized in the model's `from_config()` "
            f"method.\n\nconfig={_short(config)}.\n\nException encountered: {e}"
        ) from e


class UnsupportedKerasClass(TypeError):
    """A config names a Keras 3 built-in class that tapeflow does not implement."""


def _not_found(kind: str, name, config) -> TypeError:
    module = config.get("module") if isinstance(config, dict) else None
    inner = config.get("config") if isinstance(config, dict) else None
    if kind == "class" and isinstance(module, str) and module.split(".")[0] == "keras":
        label = inner.get("name") if isinstance(inner, dict) else None
        named = f" '{label}'" if isinstance(label, str) else ""
        return UnsupportedKerasClass(
            f"Could not locate class '{name}': the config's object{named} is a `{module}."
            f"{name}` of Keras 3, which tapeflow does not implement, so the model cannot be "
            f"loaded (no partial model is made). Full object config: {_short(config)}"
        )
    return TypeError(
        f"Could not locate {kind} '{name}'. Make sure custom classes and functions are "
        f"decorated with `@keras.saving.register_keras_serializable()`. If they are already "
        f"decorated, make sure they are all imported so that the decorator is run before "
        f"trying to load them (or pass them in `custom_objects`). Full object config: "
        f"{_short(config)}"
    )


def _retrieve_class(class_name, config, custom_objects, module_objects):
    registered_name = config.get("registered_name") or class_name
    for key in (registered_name, class_name):
        found = registration.get_registered_object(key, custom_objects, module_objects)
        if found is not None:
            return found
    found = builtin_objects.find_class(class_name, config.get("module"))
    if found is not None:
        return found
    raise _not_found("class", class_name, config)


def retrieve_function(name, config, custom_objects=None):
    """The function a `{"class_name": "function", "config": name}` config names: a custom
    or registered object, else a built-in activation, loss or metric function."""
    if not isinstance(name, str):
        raise TypeError(
            f"Expected 'config' to be a non-null str for a function, got {type(name).__name__}."
            f" Full config: {_short(config)}"
        )
    custom_objects = custom_objects or {}
    found = registration.get_registered_object(name, custom_objects)
    if found is not None:
        return found
    if ">" not in name:
        # Keras <= 3.6 saved registered functions by bare name.
        for key, obj in {**registration.GLOBAL_CUSTOM_OBJECTS, **custom_objects}.items():
            if isinstance(key, str) and key.endswith(f">{name}"):
                return obj
    found = builtin_objects.find_function(name, config.get("module"))
    if found is not None:
        return found
    raise _not_found("function", name, config)


def _short(config, limit=300) -> str:
    text = repr(config)
    return text if len(text) <= limit else text[:limit] + " ...}"
