"""`tf.keras.optimizers`: Keras 3's optimizers, `get`, `serialize`, `deserialize`, schedules.

Each optimizer writes only `build` (its slots) and `update_step`; the rest (clipping,
weight decay, schedules, sparse gradients, accumulation, EMA) is in `base_optimizer`.
"""

from __future__ import annotations

from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .base_optimizer import Optimizer
from .lion import Lion
from .loss_scale_optimizer import LossScaleOptimizer
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

ALL_OBJECTS = (
    Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Nadam, Lion,
    LossScaleOptimizer,
)  # fmt: skip
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer) -> dict:
    """The Keras 3 serialized form of an optimizer: module, class_name, config."""
    cls = type(optimizer)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__.lower()) is cls
    return {
        "module": "keras.optimizers" if builtin else None,
        "class_name": cls.__name__,
        "config": optimizer.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize(config: dict, custom_objects=None) -> Optimizer:
    """The optimizer a `serialize` dict (or `{"class_name", "config"}`) describes."""
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or ALL_OBJECTS_DICT.get(name.lower())
    if cls is None:
        raise ValueError(
            f"Could not interpret optimizer identifier: {name!r} (known: "
            f"{sorted(c.__name__ for c in ALL_OBJECTS[1:])}; pass other classes "
            f"in `custom_objects`)"
        )
    cfg = dict(config.get("config", {}))
    if custom_objects:
        return cls.from_config(cfg, custom_objects=custom_objects)
    return cls.from_config(cfg)


def get(identifier):
    """An optimizer from a name ("adam"), a config dict, or an optimizer (returned as is)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


__all__ = [
    "Optimizer",
    "SGD",
    "RMSprop",
    "Adam",
    "AdamW",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "Nadam",
    "Lion",
    "LossScaleOptimizer",
    "get",
    "serialize",
    "deserialize",
    "schedules",
]
