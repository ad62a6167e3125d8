"""`tf.image` geometry as compositions of array ops (so their gradients are those ops'):
flips, rot90, transpose, crops and pads to a bounding box, central_crop,
resize_with_crop_or_pad and resize_with_pad. Images are [height, width, channels] or
[batch, height, width, channels]; bad ranks, sizes and offsets raise TF's ValueErrors.
"""

from __future__ import annotations

import numpy as np

from ..core.tensor import convert_to_tensor
from .array import expand_dims, squeeze
from .array import transpose as _transpose
from .array_join import pad, reverse
from .image import ResizeMethod, resize
from .indexing import slice as _slice


def static_int(value, what="value") -> int:
    """A Python int from an int, NumPy scalar or scalar tensor (offsets, sizes, k)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    array = np.asarray(value)
    if array.ndim != 0:
        raise ValueError(f"Shape {array.shape} must have rank 0 ({what})")
    if array.dtype.kind not in "iu":
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype int32 ({what})")
    return int(array)


def image_dims(image, fn):
    """The static shape of an image of rank 3 or 4, with TF's checks (at least 3-D, inner
    three dimensions positive, at most 4-D)."""
    dims = image.shape.as_list()
    if len(dims) < 3:
        raise ValueError(
            f"{fn}: 'image' (shape {tuple(dims)}) must be at least three-dimensional."
        )
    if 0 in dims[-3:]:
        raise ValueError(f"{fn}: inner 3 dims of 'image.shape' must be > 0: {tuple(dims)}")
    if len(dims) > 4:
        raise ValueError(
            f"{fn}: 'image' (shape {tuple(dims)}) must have either 3 or 4 dimensions."
        )
    return dims


def _flip(image, axis, fn):
    image = convert_to_tensor(image)
    dims = image_dims(image, fn)
    return reverse(image, [axis + len(dims) - 3])


def flip_left_right(image):
    """Reverses the width dimension of an image or a batch of images."""
    return _flip(image, 1, "flip_left_right")


def flip_up_down(image):
    """Reverses the height dimension of an image or a batch of images."""
    return _flip(image, 0, "flip_up_down")


def rot90(image, k=1, name=None):
    """Rotates images counter-clockwise by k * 90 degrees."""
    image = convert_to_tensor(image)
    dims = image_dims(image, "rot90")
    k = static_int(k, "k") % 4
    h = len(dims) - 3  # the height axis
    perm = list(range(len(dims)))
    perm[h], perm[h + 1] = perm[h + 1], perm[h]
    if k == 1:
        return _transpose(reverse(image, [h + 1]), perm)
    if k == 2:
        return reverse(image, [h, h + 1])
    if k == 3:
        return reverse(_transpose(image, perm), [h + 1])
    return image


def transpose(image, name=None):
    """Swaps the height and width of images."""
    image = convert_to_tensor(image)
    dims = image_dims(image, "transpose")
    h = len(dims) - 3
    perm = list(range(len(dims)))
    perm[h], perm[h + 1] = perm[h + 1], perm[h]
    return _transpose(image, perm)


def _as_batch(image, fn):
    image = convert_to_tensor(image)
    rank = image.shape.rank
    if rank not in (3, 4):
        raise ValueError(
            f"{fn}: 'image' (shape {tuple(image.shape.as_list())}) must have either 3 or 4 "
            f"dimensions."
        )
    batch = image if rank == 4 else expand_dims(image, 0)
    return batch, rank == 4


def _unbatch(image, is_batch):
    return image if is_batch else squeeze(image, [0])


def _require(ok, message):
    if not ok:
        raise ValueError(message)


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The [target_height, target_width] window of `image` whose top-left corner is at
    (offset_height, offset_width)."""
    batch, is_batch = _as_batch(image, "crop_to_bounding_box")
    _, height, width, _ = image_dims(batch, "crop_to_bounding_box")
    oh, ow = static_int(offset_height), static_int(offset_width)
    th, tw = static_int(target_height), static_int(target_width)
    _require(ow >= 0, "offset_width must be >= 0.")
    _require(oh >= 0, "offset_height must be >= 0.")
    _require(tw > 0, "target_width must be > 0.")
    _require(th > 0, "target_height must be > 0.")
    _require(width >= tw + ow, "width must be >= target + offset.")
    _require(height >= th + oh, "height must be >= target + offset.")
    return _unbatch(_slice(batch, [0, oh, ow, 0], [-1, th, tw, -1]), is_batch)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """`image` placed at (offset_height, offset_width) in a zero image of
    [target_height, target_width]."""
    batch, is_batch = _as_batch(image, "pad_to_bounding_box")
    _, height, width, _ = image_dims(batch, "pad_to_bounding_box")
    oh, ow = static_int(offset_height), static_int(offset_width)
    th, tw = static_int(target_height), static_int(target_width)
    after_w, after_h = tw - ow - width, th - oh - height
    _require(oh >= 0, "offset_height must be >= 0")
    _require(ow >= 0, "offset_width must be >= 0")
    _require(after_w >= 0, "width must be <= target - offset")
    _require(after_h >= 0, "height must be <= target - offset")
    padded = pad(batch, [[0, 0], [oh, after_h], [ow, after_w], [0, 0]])
    return _unbatch(padded, is_batch)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centrally crops and/or pads with zeros to [target_height, target_width]."""
    batch, is_batch = _as_batch(image, "resize_with_crop_or_pad")
    _, height, width, _ = image_dims(batch, "resize_with_crop_or_pad")
    th, tw = static_int(target_height), static_int(target_width)
    _require(tw > 0, "target_width must be > 0.")
    _require(th > 0, "target_height must be > 0.")
    dw, dh = tw - width, th - height
    cropped = crop_to_bounding_box(
        batch, max(-dh // 2, 0), max(-dw // 2, 0), min(th, height), min(tw, width)
    )
    out = pad_to_bounding_box(cropped, max(dh // 2, 0), max(dw // 2, 0), th, tw)
    return _unbatch(out, is_batch)


def resize_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR,
                    antialias=False):  # fmt: skip
    """Resizes keeping the aspect ratio to fit [target_height, target_width], then pads
    with zeros to it (TF's arithmetic, in float32)."""
    batch, is_batch = _as_batch(image, "resize_with_pad")
    _, height, width, _ = image_dims(batch, "resize_with_pad")
    th, tw = static_int(target_height), static_int(target_width)
    _require(tw > 0, "target_width must be > 0.")
    _require(th > 0, "target_height must be > 0.")
    f32 = np.float32
    ratio = max(f32(width) / f32(tw), f32(height) / f32(th))
    new_h, new_w = f32(height) / ratio, f32(width) / ratio
    top = max(0, int(np.floor((f32(th) - new_h) / f32(2))))
    left = max(0, int(np.floor((f32(tw) - new_w) / f32(2))))
    size = (int(np.floor(new_h)), int(np.floor(new_w)))
    resized = resize(batch, size, method=method, antialias=antialias)
    return _unbatch(pad_to_bounding_box(resized, top, left, th, tw), is_batch)


def central_crop(image, central_fraction):
    """The central `central_fraction` (in (0, 1]) of each image's height and width."""
    image = convert_to_tensor(image)
    fraction = np.asarray(
        central_fraction.numpy() if hasattr(central_fraction, "numpy") else central_fraction
    )
    if fraction.ndim != 0 or fraction.dtype.kind not in "iuf":
        raise ValueError(f"central_fraction must be a number in (0, 1], got {fraction!r}")
    fraction = float(fraction)
    if not 0.0 < fraction <= 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    if fraction == 1.0:
        return image
    dims = image.shape.as_list()
    if len(dims) < 3:
        raise ValueError(
            f"central_crop: 'image' (shape {tuple(dims)}) must be at least three-dimensional."
        )
    if len(dims) > 4:
        raise ValueError(
            f"`image` should either be a Tensor with rank = 3 or rank = 4. Had rank = {len(dims)}."
        )
    h_axis = len(dims) - 3
    height, width = dims[h_axis], dims[h_axis + 1]
    top = int((float(height) - float(height) * fraction) / 2)
    left = int((float(width) - float(width) * fraction) / 2)
    begin = [0] * len(dims)
    size = [-1] * len(dims)
    begin[h_axis], begin[h_axis + 1] = top, left
    size[h_axis], size[h_axis + 1] = height - 2 * top, width - 2 * left
    return _slice(image, begin, size)


API = {
    "image": [
        "flip_left_right",
        "flip_up_down",
        "rot90",
        "transpose",
        "crop_to_bounding_box",
        "pad_to_bounding_box",
        "resize_with_crop_or_pad",
        "resize_with_pad",
        "central_crop",
    ]
}
