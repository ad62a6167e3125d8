"""`tf.saved_model`: export an object's variables, structure and traced functions as data, and
load them back without the original Python code.

`save` writes one file per export directory, `saved_model.tapeflow` (tapeflow's safe tensor
format plus a JSON document; never pickle); `load` rebuilds the objects and runs the saved
graph IR. TensorFlow's own SavedModels (protobuf `saved_model.pb`) are not read: `load` says
so. Keras' `model.export(dir)` writes the same format.
"""

from .load import load
from .save import DEFAULT_SIGNATURE as DEFAULT_SERVING_SIGNATURE_DEF_KEY
from .save import save

SERVING = "serve"


class SaveOptions:
    """`tf.saved_model.SaveOptions`: accepted for compatibility; tapeflow has no options."""

    def __init__(self, **kwargs):
        self.options = kwargs


class LoadOptions:
    """`tf.saved_model.LoadOptions`: accepted for compatibility; tapeflow has no options."""

    def __init__(self, **kwargs):
        self.options = kwargs


def contains_saved_model(export_dir) -> bool:
    """Whether `export_dir` holds a SavedModel tapeflow can load."""
    import os

    from .save import FILENAME

    return os.path.isfile(os.path.join(os.fspath(export_dir), FILENAME))


__all__ = [
    "DEFAULT_SERVING_SIGNATURE_DEF_KEY",
    "LoadOptions",
    "SERVING",
    "SaveOptions",
    "contains_saved_model",
    "load",
    "save",
]
