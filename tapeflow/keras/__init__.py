"""`tf.keras`: layers, models, losses, optimizers, metrics, callbacks, saving (Keras 3 API)."""

from . import backend, initializers, layers, models, optimizers, regularizers  # noqa: F401
from .layers import Input  # noqa: F401
from .models import Model, Sequential  # noqa: F401
