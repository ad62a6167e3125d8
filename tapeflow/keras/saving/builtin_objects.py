"""The registry of tapeflow's built-in Keras objects that a saved config may name.

Deserialization turns a name from a file into a class or function only through a lookup in
this table (or the custom-object registry), never through `import_module` or `getattr` on a
module the file names. The table is built once, from a fixed list of `tapeflow.keras`
namespaces, and holds only modeling objects: layers, models, initializers, regularizers,
constraints, optimizers, learning-rate schedules, losses and metrics (classes, each a
subclass of its family's base), and the activation, loss and metric functions. Nothing that
reads or writes files, changes global settings or calls back into Python code is in it.
"""

from __future__ import annotations

import functools
import inspect

# Keras 3 module under which each family is published, as configs name it.
KERAS_MODULES = {
    "layers": "keras.layers",
    "models": "keras",
    "initializers": "keras.initializers",
    "regularizers": "keras.regularizers",
    "constraints": "keras.constraints",
    "optimizers": "keras.optimizers",
    "schedules": "keras.optimizers.schedules",
    "losses": "keras.losses",
    "metrics": "keras.metrics",
    "activations": "keras.activations",
}
# The order in which families are searched for a class whose module says nothing useful.
_SEARCH_ORDER = tuple(KERAS_MODULES)

# Keras' list of public functions that a config must never name (they act, not model).
NON_MODELING_APIS = frozenset(
    {
        "keras.backend.clear_session",
        "keras.config.enable_unsafe_deserialization",
        "keras.models.load_model",
        "keras.models.model_from_json",
        "keras.models.save_model",
        "keras.saving.deserialize_keras_object",
        "keras.saving.load_model",
        "keras.saving.load_weights",
        "keras.saving.register_keras_serializable",
        "keras.saving.save_model",
        "keras.saving.save_weights",
        "keras.saving.serialize_keras_object",
        "keras.utils.deserialize_keras_object",
        "keras.utils.get_file",
        "keras.utils.register_keras_serializable",
        "keras.utils.serialize_keras_object",
    }
)


def _public_subclasses(module, base) -> dict:
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and inspect.isclass(obj)
        and issubclass(obj, base)
        and obj.__module__.startswith("tapeflow.")
        and hasattr(obj, "from_config")
    }


@functools.cache
def classes() -> dict:
    """{family: {class name: class}} of the built-in classes."""
    from .. import initializers, layers, losses, metrics, models, optimizers, regularizers
    from ..layers.layer import Layer
    from ..models.functional import Functional
    from ..optimizers import schedules

    table = {
        "layers": _public_subclasses(layers, Layer),
        "models": {
            "Model": models.Model,
            "Sequential": models.Sequential,
            "Functional": Functional,
        },
        "initializers": _public_subclasses(initializers, initializers.Initializer),
        "regularizers": _public_subclasses(regularizers, regularizers.Regularizer),
        "constraints": {},
        "optimizers": {cls.__name__: cls for cls in optimizers.ALL_OBJECTS},
        "schedules": _public_subclasses(schedules, schedules.LearningRateSchedule),
        "losses": _public_subclasses(losses, losses.Loss),
        "metrics": _public_subclasses(metrics, metrics.Metric),
        "activations": {},
    }
    try:
        from .. import constraints  # not every tapeflow has keras.constraints
    except ImportError:
        pass
    else:
        table["constraints"] = _public_subclasses(constraints, constraints.Constraint)
    return table


@functools.cache
def functions() -> dict:
    """{family: {name: function}} of the built-in activation, loss and metric functions, from
    the tables those modules keep of them (Keras' `keras.<family>.<name>`)."""
    import types

    from .. import activations, losses, metrics

    def plain(table):
        return {
            name: fn
            for name, fn in table.items()
            if isinstance(fn, types.FunctionType) and fn.__module__.startswith("tapeflow.")
        }

    return {
        "activations": plain(activations._BY_NAME),
        "losses": plain(losses.ALL_OBJECTS_DICT),
        "metrics": plain(metrics._FUNCTIONS_DICT),
    }


def family_of(cls) -> str | None:
    """The family publishing `cls` under its own name (the class itself, not a subclass)."""
    for family, table in classes().items():
        if table.get(cls.__name__) is cls:
            return family
    return None


def _families_for(module) -> list:
    """The families to search for a name saved with Keras module `module`, most likely
    first; every family is searched (a config's module is a hint, never an import)."""
    first = []
    if isinstance(module, str):
        parts = module.split(".")
        if parts[1:2] == ["src"]:
            parts = parts[:1] + parts[2:]  # keras.src.models.functional -> keras.models
        if parts == ["keras"] or parts[1:2] == ["models"]:
            first = ["models", "layers"]
        elif parts[1:3] == ["optimizers", "schedules"]:
            first = ["schedules"]
        elif len(parts) > 1 and parts[1] in KERAS_MODULES:
            first = [parts[1]]
    return first + [f for f in _SEARCH_ORDER if f not in first]


def find_class(class_name, module=None):
    """The built-in class saved as `class_name` (from Keras module `module`), or None."""
    if not isinstance(class_name, str):
        return None
    table = classes()
    for family in _families_for(module):
        found = table[family].get(class_name)
        if found is not None:
            return found
    return None


def find_function(name, module=None):
    """The built-in function saved as `name`, or None. Raises ValueError for Keras'
    non-modeling functions (loading and saving, global switches)."""
    if not isinstance(name, str):
        return None
    if isinstance(module, str) and f"{module}.{name}" in NON_MODELING_APIS:
        raise ValueError(
            f"Cannot deserialize `{module}.{name}` because it is not a modeling function. "
            f"Non-modeling APIs are disallowed during deserialization for security. Model "
            f"configuration should only contains operations, layers, metrics, losses, or "
            f"registered custom objects and functions."
        )
    table = functions()
    for family in ("activations", "losses", "metrics"):
        found = table[family].get(name)
        if found is not None:
            return found
    return None
