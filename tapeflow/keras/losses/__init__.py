"""`keras.losses`: Keras 3's losses as classes (reduction and sample weights in `Loss.__call__`)
and as per-sample functions (`binary_crossentropy`, `mse`, ...), with `get`, `serialize` and
`deserialize`. The numbers follow Keras 3 on TensorFlow, clipping and all.
"""

from __future__ import annotations

import inspect

from .base import (  # noqa: F401  (re-exported: keras.losses.*)
    Loss,
    LossFunctionWrapper,
    Reduction,
    apply_mask,
    reduce_values,
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
    standardize_dtype,
    standardize_reduction,
)
from .classes import (  # noqa: F401  (re-exported: keras.losses.*)
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from .functions import (  # noqa: F401  (re-exported: keras.losses.*)
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)

# ---- aliases, get, serialize, deserialize ------------------------------------------------------

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

_CLASSES = (
    Loss,
    LossFunctionWrapper,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy,
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCosh,
    Huber,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
)
_FUNCTIONS = (
    kl_divergence,
    poisson,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    sparse_categorical_crossentropy,
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    cosine_similarity,
    log_cosh,
    huber,
    hinge,
    squared_hinge,
    categorical_hinge,
)
ALL_OBJECTS = set(_CLASSES) | set(_FUNCTIONS)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update(
    {
        "bce": bce,
        "BCE": bce,
        "kld": kld,
        "KLD": kld,
        "kullback_leibler_divergence": kld,
        "mae": mae,
        "MAE": mae,
        "mse": mse,
        "MSE": mse,
        "mape": mape,
        "MAPE": mape,
        "msle": msle,
        "MSLE": msle,
        "logcosh": log_cosh,
    }
)


def serialize_object(obj, module: str, builtins: set, top_level=()):
    """Keras 3's serialized form of an object or function (shared with keras.metrics); the
    `top_level` classes are exported as `keras.X` too and serialize with module "keras"."""
    if obj is None or isinstance(obj, str):
        return obj
    if inspect.isfunction(obj) or (callable(obj) and not hasattr(obj, "get_config")):
        name = getattr(obj, "__name__", type(obj).__name__)
        return {
            "module": "builtins",
            "class_name": "function",
            "config": name,
            "registered_name": "function",
        }
    cls = type(obj)
    builtin = cls in builtins
    return {
        "module": ("keras" if cls in top_level else module) if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize_object(config, objects: dict, custom_objects, kind: str):
    """The object a serialized form names: a name, a function record or a class config."""
    custom_objects = custom_objects or {}

    def lookup(name):
        obj = custom_objects.get(name, objects.get(name))
        if obj is None:
            raise ValueError(
                f"Could not interpret {kind} identifier: {name!r}; it is neither a built-in "
                f"{kind} (e.g. {sorted(k for k in objects if k[0].islower())[:6]}...) nor in "
                f"`custom_objects`."
            )
        return obj

    if isinstance(config, str):
        obj = lookup(config)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret {kind} identifier: {config!r}")
    if config["class_name"] == "function":
        return lookup(config["config"])
    cls = lookup(config.get("registered_name") or config["class_name"])
    if not inspect.isclass(cls):
        cls = lookup(config["class_name"])
    return cls.from_config(dict(config.get("config") or {}))


def serialize(loss):
    """The Keras 3 config dict of a Loss instance or loss function."""
    return serialize_object(loss, "keras.losses", set(_CLASSES), top_level=(Loss,))


def deserialize(name, custom_objects=None):
    """The Loss instance or loss function that `serialize` (or a name) describes."""
    return deserialize_object(name, ALL_OBJECTS_DICT, custom_objects, "loss")


def get_object(identifier, objects: dict, deserialize_fn, kind: str):
    """`get` for losses and metrics: a name, a config dict, an instance, a class or a function.
    Names of functions give the function; class names give an instance."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize_fn(identifier)
    elif isinstance(identifier, str):
        obj = objects.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret {kind} identifier: {identifier}")


def get(identifier):
    """A loss from a name ("mse", "CategoricalCrossentropy"), a config dict, a Loss, a class or
    a function. Names of functions give the function; class names give an instance."""
    return get_object(identifier, ALL_OBJECTS_DICT, deserialize, "loss")


__all__ = [
    "Loss",
    "LossFunctionWrapper",
    "Reduction",
    *[cls.__name__ for cls in _CLASSES[2:]],
    *[fn.__name__ for fn in _FUNCTIONS],
    "mse",
    "MSE",
    "mae",
    "MAE",
    "mape",
    "MAPE",
    "msle",
    "MSLE",
    "kld",
    "KLD",
    "kullback_leibler_divergence",
    "logcosh",
    "get",
    "serialize",
    "deserialize",
]
