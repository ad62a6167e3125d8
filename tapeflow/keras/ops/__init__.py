"""`keras.ops`: Keras 3's backend-agnostic operations, on tapeflow's op library.

Names, signatures and dtype rules are Keras 3.15's with its TensorFlow backend (see
`_dtypes.py`); every op records on the tape and traces in tf.function, and called on
KerasTensors it becomes a node of a functional model. `keras.ops.numpy`, `.nn`, `.linalg`
and `.image` hold the same functions by family. What Keras has and tapeflow leaves out is
listed in `ABSENT` (and in docs/api.md).
"""

from __future__ import annotations

import sys as _sys
import types as _types

from . import core as _core
from . import image as _image
from . import linalg as _linalg
from . import math as _math
from . import nn as _nn
from . import nn_conv as _nn_conv
from . import nn_losses as _nn_losses
from . import numpy_create as _create
from . import numpy_index as _index
from . import numpy_logic as _logic
from . import numpy_math as _elementwise
from . import numpy_nan as _nan
from . import numpy_products as _products
from . import numpy_reduce as _reduce
from . import numpy_shape as _shape

_NUMPY_MODULES = (_create, _elementwise, _logic, _reduce, _nan, _shape, _index, _products)


def _public(module) -> dict:
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_")
        and callable(value)
        and getattr(value, "__module__", None) == module.__name__
        and not isinstance(value, type)
    }


def _names(*modules) -> dict:
    out = {}
    for module in modules:
        out.update(_public(module))
    return out


_NUMPY = _names(*_NUMPY_MODULES)
_NN = _names(_nn, _nn_conv, _nn_losses)
_LINALG = _public(_linalg)
_IMAGE = _public(_image)
_CORE = {**_public(_core), **_public(_math)}

# Keras puts some numpy-family names in ops.nn too and these in the flat namespace only.
_FLAT = {**_NUMPY, **_LINALG, **_NN, **_CORE}  # image functions: keras.ops.image only
globals().update(_FLAT)


def _namespace(name: str, members: dict) -> _types.ModuleType:
    # Registered in sys.modules, so `import keras.ops.numpy` works as with Keras.
    module = _types.ModuleType(f"{__name__}.{name}", f"keras.ops.{name}")
    _sys.modules[module.__name__] = module
    for key, value in members.items():
        setattr(module, key, value)
    module.__all__ = sorted(members)
    return module


numpy = _namespace("numpy", _NUMPY)
nn = _namespace("nn", _NN)
linalg = _namespace("linalg", _LINALG)
image = _namespace("image", _IMAGE)

# Keras 3.15 names with no counterpart in tapeflow's op library (see docs/api.md).
ABSENT = {
    "bitwise ops (no integer bit ops in the op library)": [
        "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
        "bitwise_or", "bitwise_right_shift", "bitwise_xor", "left_shift", "right_shift",
    ],
    "FFT and signal windows (no complex FFT in the op library)": [
        "fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft", "bartlett", "blackman",
        "hamming", "hanning", "kaiser",
    ],
    "3-D and adaptive convolution/pooling, folding, CTC": [
        "adaptive_average_pool", "adaptive_max_pool", "fold", "unfold", "ctc_loss", "ctc_decode",
        "extract_patches_3d",
    ],
    "special functions without a primitive": [
        "erfinv", "i0", "gcd", "lcm", "nextafter", "polar", "angle", "view", "view_as_complex",
        "view_as_real",
    ],
    "general eigendecomposition (no complex eigensolver in the op library)": ["eig"],
    "image transforms (resampling, filtering, color spaces)": [
        "affine_transform", "perspective_transform", "map_coordinates",
        "scale_and_translate", "elastic_transform", "gaussian_blur", "sobel_edges", "ssim",
        "rgb_to_hsv", "hsv_to_rgb", "extract_patches",
    ],
    "tracing helpers of other backends": ["vectorize", "rearrange", "corrcoef", "correlate",
                                          "histogram"],
}  # fmt: skip

__all__ = sorted([*_FLAT, "numpy", "nn", "linalg", "image"])
