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
    tree,
    utils,
)
from ._alias import install_as_keras  # noqa: F401
from .initializers import Initializer  # noqa: F401
from .layers import (
    Input,  # noqa: F401
    Layer,  # noqa: F401
)
from .layers.symbolic import KerasTensor  # noqa: F401
from .losses import Loss  # noqa: F401
from .metrics import Metric  # noqa: F401
from .models import Model, Sequential  # noqa: F401
from .optimizers import Optimizer  # noqa: F401
from .regularizers import Regularizer  # noqa: F401


def name_scope(name, **kwargs):
    """A name scope for the weights created inside it (tf.name_scope)."""
    from ..core.module import name_scope as _name_scope

    return _name_scope(name)


def device(device_name):
    """Places the ops inside on `device_name` (tf.device)."""
    from ..core.device import device as _device

    return _device(device_name)


def version() -> str:
    """The Keras version this Keras stands for (see `tapeflow.keras.__version__`)."""
    return __version__


__version__ = "3.15.1"  # the Keras API and behaviour tapeflow.keras follows
