"""`tf.keras`: layers, models, losses, optimizers, metrics, callbacks, saving (Keras 3 API)."""

from . import optimizers  # noqa: F401
