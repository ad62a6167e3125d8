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
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from .layers import Input  # noqa: F401
from .models import Model, Sequential  # noqa: F401


def version() -> str:
    """The Keras version this Keras stands for (see `tapeflow.keras.__version__`)."""
    return __version__


__version__ = "3.15.1"  # the Keras API and behaviour tapeflow.keras follows
