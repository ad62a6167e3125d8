"""`keras.saving`: weights files, .keras archives, object (de)serialization (Keras 3 API).

`model.save("m.keras")` / `load_model` keep the architecture, weights, compile config and
optimizer state; `model.save_weights("m.weights.h5")` / `load_weights` keep the weights only.
Both are Keras 3's layout (HDF5 through h5py; tapeflow's own tensor format without it), and
`model.save("m.h5")` / `load_model("m.h5")` / `load_weights("m.h5")` Keras' legacy HDF5 model
file (`legacy_h5`); configs are Keras 3's JSON.
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
    """`model.load_weights(filepath)`: from a ".weights.h5" file, a ".keras" archive, or a
    legacy ".h5"/".hdf5" file (by position, or by layer name with `by_name=True`)."""
    import os

    from . import legacy_h5
    from .weights import load_weights as _load

    by_name = kwargs.pop("by_name", None)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    path = os.fspath(filepath)
    if legacy_h5.is_legacy_h5_path(path):
        legacy_h5.load_weights(model, path, skip_mismatch=skip_mismatch, by_name=by_name)
        return
    if by_name is not None:
        raise ValueError(
            f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. Received: {path}"
        )
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
