"""`tf.keras`: layers, models, losses, optimizers, metrics, callbacks, saving (Keras 3 API)."""

from . import (  # noqa: F401
    activations,
    backend,
    callbacks,
    config,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    optimizers,
    regularizers,
    saving,
    utils,
)
from .layers import Input  # noqa: F401
from .models import Model, Sequential  # noqa: F401
