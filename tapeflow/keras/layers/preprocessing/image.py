"""Image preprocessing that is the same at training and inference: Rescaling, Resizing
(bilinear or nearest, optionally cropping or padding to the target's aspect ratio) and
CenterCrop. Images are (batch,) height, width, channels ("channels_last"), or channels first
with `data_format="channels_first"`."""

from __future__ import annotations

import numpy as np

from ....core.tensor import Operand, convert_to_tensor
from ....ops import image as image_ops
from ....ops.array import transpose
from ....ops.array_join import concat
from ....ops.clip import clip_by_value
from ....ops.math import cast
from ....ops.math_unary import round as round_op
from ..core import _positive_int
from ..layer import Layer

_INTERPOLATIONS = ("bilinear", "nearest")


def _to_numpy(x):
    return np.asarray(x.numpy()) if isinstance(x, Operand) else np.asarray(x)


def data_format_of(layer, data_format) -> str:
    data_format = "channels_last" if data_format is None else str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer}: `data_format` must be 'channels_last' or 'channels_first', got "
            f"{data_format!r}"
        )
    return data_format


def image_rank(layer, images) -> int:
    rank = images.shape.rank
    if rank not in (3, 4):
        raise ValueError(
            f"{layer}: expected an image tensor of rank 3 (single image) or 4 (batch of "
            f"images), received shape {tuple(images.shape.as_list())}"
        )
    return rank


def to_channels_last(images, data_format):
    if data_format == "channels_last":
        return images
    return transpose(images, (0, 2, 3, 1) if images.shape.rank == 4 else (1, 2, 0))


def from_channels_last(images, data_format):
    if data_format == "channels_last":
        return images
    return transpose(images, (0, 3, 1, 2) if images.shape.rank == 4 else (2, 0, 1))


def aspect_crop_box(height, width, target_height, target_width):
    """(top, left, crop height, crop width): the largest centred crop with the target's
    aspect ratio, computed in float32 as Keras' TF backend does."""
    f32 = np.float32
    crop_h = int(f32(width * target_height) / f32(target_width))
    crop_h = max(min(height, crop_h), 1)
    crop_w = int(f32(height * target_width) / f32(target_height))
    crop_w = max(min(width, crop_w), 1)
    return int(f32(height - crop_h) / f32(2)), int(f32(width - crop_w) / f32(2)), crop_h, crop_w


def _crop(images, top, left, h, w):
    if images.shape.rank == 4:
        return images[:, top : top + h, left : left + w, :]
    return images[top : top + h, left : left + w, :]


def _pad_to_aspect(images, target_height, target_width, fill_value):
    height, width = images.shape.as_list()[-3:-1]
    f32 = np.float32
    pad_h = max(height, int(f32(width * target_height) / f32(target_width)))
    pad_w = max(width, int(f32(height * target_width) / f32(target_height)))
    top = int(f32(pad_h - height) / f32(2))
    left = int(f32(pad_w - width) / f32(2))

    def band(shape):
        return convert_to_tensor(np.full(shape, fill_value, images.dtype.as_numpy_dtype))

    lead = images.shape.as_list()[:-3]
    channels = images.shape.as_list()[-1]
    axis = images.shape.rank - 3
    if top > 0:
        edge = band(lead + [top, width, channels])
        images = concat([edge, images, edge], axis)
    if left > 0:
        edge = band(lead + [images.shape.as_list()[-3], left, channels])
        images = concat([edge, images, edge], axis + 1)
    return images


def resize_images(
    images, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False, fill_value=0.0, antialias=False,
):  # fmt: skip
    """Keras' `ops.image.resize` on channels-last images (rank 3 or 4)."""
    if crop_to_aspect_ratio:
        h, w = images.shape.as_list()[-3:-1]
        images = _crop(images, *aspect_crop_box(h, w, height, width))
    elif pad_to_aspect_ratio:
        images = _pad_to_aspect(images, height, width, fill_value)
    return image_ops.resize(images, (height, width), method=interpolation, antialias=antialias)


def saturate_cast(images, dtype):
    """`images` cast to `dtype`, clipped to its range first (rounded for integer types)."""
    if images.dtype == dtype:
        return images
    if dtype.is_integer:
        info = np.iinfo(dtype.as_numpy_dtype)
        images = clip_by_value(round_op(images), float(info.min), float(info.max))
    return cast(images, dtype)


class Rescaling(Layer):
    """`inputs * scale + offset` (scale and offset may be per-channel arrays)."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for what, value in (("scale", scale), ("offset", offset)):
            if value is None or isinstance(value, (str, bytes)):
                raise ValueError(
                    f"Rescaling: `{what}` must be a number or an array, got {value!r}"
                )
        self.scale = scale
        self.offset = offset
        dtype = np.dtype(self._dtype)
        self._scale = convert_to_tensor(np.asarray(_to_numpy(scale), dtype))
        self._offset = convert_to_tensor(np.asarray(_to_numpy(offset), dtype))

    def call(self, inputs):
        inputs = convert_to_tensor(inputs)
        if inputs.dtype.name != self._dtype:
            inputs = cast(inputs, self._dtype)
        return inputs * self._scale + self._offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def plain(v):
            return v.tolist() if isinstance(v, np.ndarray) else v

        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}


class Resizing(Layer):
    """Resizes images to (height, width): "bilinear" or "nearest"; `crop_to_aspect_ratio`
    first takes the largest centred crop with the target's aspect ratio, and
    `pad_to_aspect_ratio` pads with `fill_value` instead. Integer images stay integers
    (rounded), others become float32."""

    def __init__(
        self,
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=False,
        pad_to_aspect_ratio=False,
        fill_mode="constant",
        fill_value=0.0,
        antialias=False,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(
                f"Resizing: tapeflow supports interpolation 'bilinear' and 'nearest', "
                f"received interpolation={interpolation!r}"
            )
        if fill_mode != "constant":
            raise ValueError(
                f"Resizing: invalid value for argument `fill_mode`. Only `'constant'` is "
                f"supported. Received: fill_mode={fill_mode}"
            )
        if pad_to_aspect_ratio and crop_to_aspect_ratio:
            raise ValueError(
                "Resizing: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                "`True`."
            )
        self.height = _positive_int("Resizing", "height", height)
        self.width = _positive_int("Resizing", "width", width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.data_format = data_format_of("Resizing", data_format)

    def call(self, inputs):
        images = convert_to_tensor(inputs)
        image_rank(f"Resizing {self.name}", images)
        resized = resize_images(
            to_channels_last(images, self.data_format),
            self.height,
            self.width,
            self.interpolation,
            self.crop_to_aspect_ratio,
            self.pad_to_aspect_ratio,
            self.fill_value,
            self.antialias,
        )
        resized = from_channels_last(resized, self.data_format)
        return saturate_cast(resized, images.dtype)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                f"Resizing {self.name}: `input_shape` must have rank 3 (unbatched) or 4 "
                f"(batched), got {tuple(shape)}"
            )
        first = len(shape) - 3 + (1 if self.data_format == "channels_first" else 0)
        shape[first], shape[first + 1] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
            "data_format": self.data_format,
        }


class CenterCrop(Layer):
    """Crops the central (height, width) window of images (float32 output); an image smaller
    than the target in either dimension is first cropped to the target's aspect ratio and
    resized (Keras' `smart_resize`)."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = _positive_int("CenterCrop", "height", height)
        self.width = _positive_int("CenterCrop", "width", width)
        self.data_format = data_format_of("CenterCrop", data_format)

    def call(self, inputs):
        images = convert_to_tensor(inputs)
        image_rank(f"CenterCrop {self.name}", images)
        if images.dtype.name != self._dtype:
            images = cast(images, self._dtype)
        images = to_channels_last(images, self.data_format)
        in_h, in_w = images.shape.as_list()[-3:-1]
        if in_h >= self.height and in_w >= self.width:
            top, left = (in_h - self.height) // 2, (in_w - self.width) // 2
            out = _crop(images, top, left, self.height, self.width)
        else:
            out = resize_images(images, self.height, self.width, crop_to_aspect_ratio=True)
        return from_channels_last(out, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                f"CenterCrop {self.name}: `input_shape` must have rank 3 (unbatched) or 4 "
                f"(batched), got {tuple(shape)}"
            )
        first = len(shape) - 3 + (1 if self.data_format == "channels_first" else 0)
        shape[first], shape[first + 1] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "data_format": self.data_format,
        }


__all__ = ["CenterCrop", "Rescaling", "Resizing"]
