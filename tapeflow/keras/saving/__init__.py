"""`keras.saving`: weights files, .keras archives, object (de)serialization (Keras 3 API).

`model.save("m.keras")` / `load_model` keep the architecture, weights, compile config and
optimizer state; `model.save_weights("m.weights.h5")` / `load_weights` keep the weights only.
Both use tapeflow's safe tensor format (no pickle, checksummed against corruption, written
atomically), so tapeflow and Keras files are not interchangeable; configs are Keras 3's JSON.
Loading builds only registered or built-in classes and functions (`builtin_objects`), never
imports a module a file names, and loads a saved lambda only with `safe_mode=False`.
"""

from .object_registration import (  # noqa: F401
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from .saving_lib import load_model, model_from_json, save_model  # noqa: F401
from .serialization import deserialize_keras_object, serialize_keras_object  # noqa: F401


def save_weights(model, filepath, overwrite=True, **kwargs):
    """`model.save_weights(filepath)`: the weights alone, to a ".weights.h5" file."""
    from .weights import save_weights as _save

    if kwargs.pop("max_shard_size", None) is not None:
        raise ValueError("tapeflow does not shard weights files (max_shard_size)")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    _save(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """`model.load_weights(filepath)`: from a ".weights.h5" file or a ".keras" archive."""
    from .weights import load_weights as _load

    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    _load(model, filepath, skip_mismatch=skip_mismatch)


__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
