"""`tf.keras.config`: Keras 3's global settings (float type, epsilon, image data format,
backend) and the switch that allows loading saved lambdas (`enable_unsafe_deserialization`).
"""

from __future__ import annotations

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


def backend() -> str:
    """The name of the backend Keras runs on: "tensorflow", which is what tapeflow stands
    in for."""
    return "tensorflow"


__all__ = [
    "backend",
    "dtype_policy",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]
