"""The registry of custom objects: `register_keras_serializable`, `custom_object_scope`.

Deserialization finds a custom class or function here by its registered name
("package>name"), in the innermost `custom_object_scope`, or in the `custom_objects` dict
passed to the loading function, in Keras 3's order.
"""

from __future__ import annotations

import inspect
import threading

# registered name -> object, and object -> registered name (Keras' two global tables)
GLOBAL_CUSTOM_OBJECTS: dict = {}
GLOBAL_CUSTOM_NAMES: dict = {}


class _ScopeState(threading.local):
    def __init__(self):
        self.objects = {}  # the custom_object_scope in force on this thread


_scope = _ScopeState()


class CustomObjectScope:
    """`with custom_object_scope({"MyLayer": MyLayer}):` makes these objects visible to
    deserialization (`load_model`, `deserialize_keras_object`, `from_config`) inside it."""

    def __init__(self, custom_objects=None):
        self.custom_objects = dict(custom_objects or {})
        self._backup = None

    def __enter__(self):
        self._backup = _scope.objects
        _scope.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope.objects = self._backup


custom_object_scope = CustomObjectScope


def scope_objects() -> dict:
    """The objects of the `custom_object_scope` in force (a copy)."""
    return dict(_scope.objects)


def get_custom_objects() -> dict:
    """The live global dict of registered objects (`register_keras_serializable` fills it;
    scopes do not)."""
    return GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator registering a class or function under `"package>name"` (name defaults to
    its `__name__`), so saved configs that name it can be loaded without `custom_objects`.

    Raises:
        ValueError: a class without a `get_config()` method.
    """

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj) -> str:
    """The name `obj` is registered under, else its `__name__`."""
    try:
        return GLOBAL_CUSTOM_NAMES[obj]
    except (KeyError, TypeError):  # TypeError: an unhashable object
        return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as `name`: looked up in the current `custom_object_scope`, the
    global registry, `custom_objects`, then `module_objects`. None if none has it."""
    if not isinstance(name, str):
        return None
    for table in (_scope.objects, GLOBAL_CUSTOM_OBJECTS, custom_objects, module_objects):
        if table and name in table:
            return table[name]
    return None
