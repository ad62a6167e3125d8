"""`keras.models`: Model, Sequential, and (later) saving and loading."""

from ..saving.saving_lib import load_model, model_from_json, save_model  # noqa: F401, E402
from .functional import Functional  # noqa: F401
from .model import Model  # noqa: F401
from .sequential import Sequential  # noqa: F401
