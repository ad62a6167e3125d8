"""Keras backend settings: float type, epsilon, image data format, per-name layer counters,
clear_session."""

from __future__ import annotations

import collections
import re

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_name_counts: collections.Counter = collections.Counter()


def floatx() -> str:
    return _FLOATX


def set_floatx(value: str):
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(  # Keras' wording; tapeflow has no bfloat16
            f"Unknown `floatx` value: {value}. Expected one of {{'float16', 'float32', 'float64'}}"
        )
    _FLOATX = value


def epsilon() -> float:
    return _EPSILON


def set_epsilon(value: float):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """The default `data_format` of image layers: "channels_last" or "channels_first"."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str):
    """Sets the `data_format` that convolution, pooling, padding and Flatten layers use when
    they are given none."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    _IMAGE_DATA_FORMAT = data_format


def clear_session(free_memory: bool = True):
    """Resets the layer-name counters ("dense", "dense_1", ... start again)."""
    _name_counts.clear()


def to_snake_case(name: str) -> str:
    """Keras' rule: "Conv2D" -> "conv2d", "MaxPooling2D" -> "max_pooling2d"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """Keras' automatic names: "dense", then "dense_1", "dense_2", ..."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def __getattr__(name):
    # Keras' legacy backend functions (K.random_normal, K.int_shape, ...) load on first use:
    # they need the op library, which this settings module must not import at start.
    from . import legacy_backend, legacy_backend_nn

    for module in (legacy_backend, legacy_backend_nn):
        if name in module.__all__:
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    from . import legacy_backend, legacy_backend_nn

    return sorted(set(globals()) | set(legacy_backend.__all__) | set(legacy_backend_nn.__all__))


def backend() -> str:
    """The backend Keras runs on: "tensorflow", the one tapeflow stands in for."""
    return "tensorflow"
