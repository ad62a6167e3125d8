"""`tf.keras.config`: Keras 3's global settings (float type, epsilon, image data format,
backend), the switch that allows loading saved lambdas (`enable_unsafe_deserialization`),
the logging and traceback switches, and the caps on epochs and steps for debugging runs
(also read from `KERAS_MAX_EPOCHS` / `KERAS_MAX_STEPS_PER_EPOCH`, as Keras does).
"""

from __future__ import annotations

import os

from .backend import (  # noqa: F401
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from .mixed_precision.policy import global_policy as dtype_policy  # noqa: F401
from .mixed_precision.policy import set_global_policy as set_dtype_policy  # noqa: F401
from .saving.safe_mode import enable_unsafe_deserialization  # noqa: F401

_settings = {
    "interactive_logging": True,
    "traceback_filtering": True,
    "flash_attention": None,
    "max_epochs": int(os.environ["KERAS_MAX_EPOCHS"])
    if "KERAS_MAX_EPOCHS" in os.environ
    else None,
    "max_steps_per_epoch": (
        int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"])
        if "KERAS_MAX_STEPS_PER_EPOCH" in os.environ
        else None
    ),
}


def backend() -> str:
    """The name of the backend Keras runs on: "tensorflow", which is what tapeflow stands
    in for."""
    return "tensorflow"


def set_backend(backend):
    """Keras reloads itself on another backend; tapeflow.keras is the TensorFlow one only."""
    if backend != "tensorflow":
        raise ValueError(
            f"tapeflow.keras runs on tapeflow, which stands in for the 'tensorflow' backend; "
            f"it cannot switch to {backend!r}"
        )


def is_nnx_enabled() -> bool:
    """Whether Flax NNX integration is on (a JAX-backend option: never here)."""
    return False


def enable_interactive_logging():
    """Progress bars and logs go to stdout (the default)."""
    _settings["interactive_logging"] = True


def disable_interactive_logging():
    """Logs go to the `logging` module ("keras" logger) instead of stdout."""
    _settings["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    return _settings["interactive_logging"]


def enable_traceback_filtering():
    """Recorded for Keras compatibility: tapeflow's tracebacks are never filtered."""
    _settings["traceback_filtering"] = True


def disable_traceback_filtering():
    _settings["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    return _settings["traceback_filtering"]


def enable_flash_attention():
    """Recorded for Keras compatibility: attention here is always the plain computation."""
    _settings["flash_attention"] = True


def disable_flash_attention():
    _settings["flash_attention"] = False


def is_flash_attention_enabled():
    return _settings["flash_attention"]


def set_max_epochs(max_epochs):
    """Caps the epochs of every `fit` (None: no cap); a debugging aid."""
    _settings["max_epochs"] = max_epochs


def max_epochs():
    return _settings["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Caps the steps of every epoch of `fit`, `evaluate` and `predict` (None: no cap)."""
    _settings["max_steps_per_epoch"] = max_steps_per_epoch


def max_steps_per_epoch():
    return _settings["max_steps_per_epoch"]


__all__ = [
    "backend",
    "disable_flash_attention",
    "disable_interactive_logging",
    "disable_traceback_filtering",
    "dtype_policy",
    "enable_flash_attention",
    "enable_interactive_logging",
    "enable_traceback_filtering",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "is_flash_attention_enabled",
    "is_interactive_logging_enabled",
    "is_nnx_enabled",
    "is_traceback_filtering_enabled",
    "max_epochs",
    "max_steps_per_epoch",
    "set_backend",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_max_epochs",
    "set_max_steps_per_epoch",
]
