"""`tf.image` dtype conversion and per-pixel arithmetic, as compositions of ops:
`convert_image_dtype` (TF's scaling between integer ranges and [0, 1] floats, with its
saturating cast), brightness, gamma, per-image standardization and the linear colour spaces
(grayscale, YIQ, YUV). Differentiable wherever their ops are.
"""

from __future__ import annotations

import numpy as np

from ..core import dtypes
from ..core.tensor import convert_to_tensor
from .array import expand_dims
from .array_join import tile
from .clip import clip_by_value
from .linalg import tensordot
from .math import cast, floordiv, maximum
from .math_unary import rsqrt
from .reduce import reduce_mean, reduce_std


def saturate_cast(value, dtype):
    """TF's `saturate_cast`: clamp to the range both dtypes can hold (nudged inside the
    input dtype when a limit is not representable there), then cast."""
    dtype = dtypes.as_dtype(dtype)
    value = convert_to_tensor(value)
    in_np = value.dtype.as_numpy_dtype
    out_np = dtype.as_numpy_dtype
    in_t = np.dtype(in_np).type
    promoted = np.promote_types(in_np, out_np)
    low = in_t(max(value.dtype.min, dtype.min))
    if np.array([low, dtype.min], promoted)[0] < np.array([low, dtype.min], promoted)[1]:
        low = np.nextafter(low, in_t(0), dtype=in_np)
    high = in_t(min(float(value.dtype.max), float(dtype.max)))
    if np.array([high, dtype.max], promoted)[0] > np.array([high, dtype.max], promoted)[1]:
        high = np.nextafter(high, in_t(0), dtype=in_np)
    clamped = clip_by_value(value, convert_to_tensor(low), convert_to_tensor(high))
    return cast(clamped, dtype)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts `image` to `dtype`, rescaling: floats are in [0, 1], integers use their
    whole positive range (uint8 255 -> 1.0, 1.0 -> int32 2147483647). Float -> int
    multiplies by (max + 0.5) and truncates; int -> int shifts by whole powers of two.
    `saturate=True` clamps before a cast that could overflow."""
    image = convert_to_tensor(image)
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise AttributeError("dtype must be either floating point or integer")
    if not (image.dtype.is_floating or image.dtype.is_integer):
        raise AttributeError("image dtype must be either floating point or integer")
    if dtype == image.dtype:
        return image
    to_dtype = saturate_cast if saturate else cast
    if image.dtype.is_integer and dtype.is_integer:
        scale_in, scale_out = int(image.dtype.max), int(dtype.max)
        if scale_in > scale_out:
            return to_dtype(floordiv(image, (scale_in + 1) // (scale_out + 1)), dtype)
        return to_dtype(image, dtype) * ((scale_out + 1) // (scale_in + 1))
    if image.dtype.is_floating and dtype.is_floating:
        return cast(image, dtype)
    if image.dtype.is_integer:
        return cast(image, dtype) * (1.0 / int(image.dtype.max))
    return to_dtype(image * (int(dtype.max) + 0.5), dtype)


def float_image(image):
    """(image as float16/float32, its original dtype): TF's adjust_* functions work on
    float16 and float32 as they are and convert anything else to float32."""
    orig = image.dtype
    if orig in (dtypes.float16, dtypes.float32):
        return image, orig
    return convert_image_dtype(image, dtypes.float32), orig


def adjust_brightness(image, delta):
    """`image + delta` (in float, then back to the image's dtype, saturating)."""
    image = convert_to_tensor(image)
    flt, orig = float_image(image)
    adjusted = flt + cast(delta, flt.dtype)
    return convert_image_dtype(adjusted, orig, saturate=True)


def adjust_gamma(image, gamma=1, gain=1):
    """`gain * image ** gamma` (in float, then back to the image's dtype, saturating)."""
    image = convert_to_tensor(image)
    flt, orig = float_image(image)
    if not hasattr(gamma, "shape") and gamma < 0:
        raise ValueError("Gamma should be a non-negative real number.")
    if hasattr(gamma, "shape"):
        gamma = cast(gamma, flt.dtype)
    adjusted = gain * flt**gamma
    return convert_image_dtype(adjusted, orig, saturate=True)


def per_image_standardization(image):
    """`(x - mean) / max(stddev, 1 / sqrt(N))` over each image's last three dimensions
    (N = height * width * channels); the result is float32."""
    image = convert_to_tensor(image)
    dims = _at_least_3d("per_image_standardization", image)
    image = cast(image, dtypes.float32)
    num_pixels = int(np.prod(dims[-3:]))
    mean = reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
    stddev = reduce_std(image, axis=[-1, -2, -3], keepdims=True)
    min_stddev = rsqrt(cast(num_pixels, dtypes.float32))
    return (image - mean) / maximum(stddev, min_stddev)


def _at_least_3d(fn, image):
    dims = image.shape.as_list()
    if len(dims) < 3:
        raise ValueError(
            f"{fn}: 'image' (shape {tuple(dims)}) must be at least three-dimensional."
        )
    if 0 in dims[-3:]:
        raise ValueError(f"{fn}: inner 3 dims of 'image.shape' must be > 0: {tuple(dims)}")
    return dims


_GRAY_WEIGHTS = [0.2989, 0.587, 0.114]


def rgb_to_grayscale(images, name=None):
    """The luma 0.2989 R + 0.587 G + 0.114 B, keeping a last dimension of 1 and the dtype."""
    images = convert_to_tensor(images)
    orig = images.dtype
    flt = convert_image_dtype(images, dtypes.float32)
    gray = tensordot(flt, convert_to_tensor(np.array(_GRAY_WEIGHTS, np.float32)), [-1, -1])
    return convert_image_dtype(expand_dims(gray, -1), orig)


def grayscale_to_rgb(images, name=None):
    """Repeats the single channel of grayscale images three times."""
    images = convert_to_tensor(images)
    dims = images.shape.as_list()
    if len(dims) < 2:
        raise ValueError(
            f"grayscale_to_rgb: a grayscale image (shape {tuple(dims)}) must be at least "
            f"two-dimensional."
        )
    if dims[-1] != 1:
        raise ValueError(
            f"grayscale_to_rgb: last dimension of a grayscale image should be size 1, got "
            f"shape {tuple(dims)}"
        )
    return tile(images, [1] * (len(dims) - 1) + [3])


_RGB_TO_YIQ = [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617],
               [0.114, -0.32134392, 0.31119955]]  # fmt: skip
_YIQ_TO_RGB = [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021],
               [0.6208248, -0.64720424, 1.70423049]]  # fmt: skip
_RGB_TO_YUV = [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
               [0.114, 0.43601035, -0.10001026]]  # fmt: skip
_YUV_TO_RGB = [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]]


def _linear_colour(fn, images, matrix):
    images = convert_to_tensor(images)
    if not images.dtype.is_floating:
        raise TypeError(f"{fn}: expected a floating-point image, got {images.dtype.name}")
    kernel = convert_to_tensor(np.array(matrix, images.dtype.as_numpy_dtype))
    return tensordot(images, kernel, [[images.shape.rank - 1], [0]])


def rgb_to_yiq(images):
    """RGB to YIQ (a fixed 3 x 3 matrix on the last dimension)."""
    return _linear_colour("rgb_to_yiq", images, _RGB_TO_YIQ)


def yiq_to_rgb(images):
    """YIQ to RGB (a fixed 3 x 3 matrix on the last dimension)."""
    return _linear_colour("yiq_to_rgb", images, _YIQ_TO_RGB)


def rgb_to_yuv(images):
    """RGB to YUV (a fixed 3 x 3 matrix on the last dimension)."""
    return _linear_colour("rgb_to_yuv", images, _RGB_TO_YUV)


def yuv_to_rgb(images):
    """YUV to RGB (a fixed 3 x 3 matrix on the last dimension)."""
    return _linear_colour("yuv_to_rgb", images, _YUV_TO_RGB)


API = {
    "image": [
        "convert_image_dtype",
        "adjust_brightness",
        "adjust_gamma",
        "per_image_standardization",
        "rgb_to_grayscale",
        "grayscale_to_rgb",
        "rgb_to_yiq",
        "yiq_to_rgb",
        "rgb_to_yuv",
        "yuv_to_rgb",
    ]
}
