"""`tf.image.resize` (every method; TF2's half-pixel centers) and its bilinear and nearest
neighbour ops; bicubic, area and scale-and-translate are in image_resample.py.

Each resize reads every output pixel as a fixed weighted sum of input pixels (separable: rows,
then columns), so it is linear in the image: its vjp is the adjoint (a scatter-add of the same
weights), an op of its own (TF's ResizeBilinearGrad, ResizeNearestNeighborGrad) whose vjp is
the forward op again. The projective transform of the augmentation layers is in
image_transform.py, decoding in image_decode.py.

Difference from TF: float64 images are interpolated in float64 (TF's kernel rounds through
float32; `resize` itself casts to float32 first, as TF2 does).
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from . import image_resample as resample
from .array import expand_dims, squeeze
from .image_resample import check_resize, resize_scale
from .math import cast

# ---- resize: separable interpolation plans ---------------------------------------------------


def _bilinear_plan(in_size, out_size, align_corners, half_pixel_centers):
    """(lower, upper, lerp) per output index: TF's compute_interpolation_weights."""
    scale = resize_scale(in_size, out_size, align_corners)
    i = np.arange(out_size, dtype=np.float32)
    if half_pixel_centers:
        source = (i + np.float32(0.5)) * scale - np.float32(0.5)
    else:
        source = i * scale
    floor = np.floor(source)
    lower = np.maximum(floor.astype(np.int64), 0)
    upper = np.minimum(np.ceil(source).astype(np.int64), in_size - 1)
    return lower, upper, (source - floor).astype(np.float32)


def _nearest_plan(in_size, out_size, align_corners, half_pixel_centers):
    """The source index of each output index: TF's ResizeNearestNeighbor."""
    scale = resize_scale(in_size, out_size, align_corners)
    i = np.arange(out_size, dtype=np.float32)
    if half_pixel_centers:
        source = np.floor((i + np.float32(0.5)) * scale)
    elif align_corners:
        source = np.floor(i * scale + np.float32(0.5))  # roundf: half away from zero, >= 0
    else:
        source = np.floor(i * scale)
    index = np.minimum(source.astype(np.int64), in_size - 1)
    return np.maximum(index, 0)


def _lerp_along(x, axis, lower, upper, lerp):
    # TF's `a + (b - a) * lerp`, along one axis (width first, then height, as TF does).
    a = xp.take(x, xp.asarray(lower), axis=axis)
    if np.array_equal(lower, upper):
        return a
    b = xp.take(x, xp.asarray(upper), axis=axis)
    shape = [1] * x.ndim
    shape[axis] = len(lerp)
    return a + (b - a) * xp.asarray(lerp.astype(x.dtype).reshape(shape))


def _scatter_along(g, axis, lower, upper, lerp, in_size):
    """The adjoint of `_lerp_along`: each output row goes back to its two sources (to its
    one source when `upper` is None: nearest neighbour)."""
    shape = list(g.shape)
    shape[axis] = in_size
    out = xp.zeros(shape, dtype=g.dtype)
    where = [slice(None)] * g.ndim
    if upper is None:
        where[axis] = xp.asarray(lower)
        xp.add.at(out, tuple(where), g)
        return out
    weight_shape = [1] * g.ndim
    weight_shape[axis] = len(lerp)
    lerp = xp.asarray(lerp.astype(g.dtype).reshape(weight_shape))
    where[axis] = xp.asarray(lower)
    xp.add.at(out, tuple(where), g * (1 - lerp))
    where[axis] = xp.asarray(upper)
    xp.add.at(out, tuple(where), g * lerp)
    return out


_RESIZE_SAMPLES = [
    Sample((2, 3, 4, 2), size=(5, 7), align_corners=False, half_pixel_centers=True),
    Sample((1, 6, 5, 1), size=(4, 2), align_corners=False, half_pixel_centers=True),
    Sample((1, 3, 3, 2), size=(5, 2), align_corners=True, half_pixel_centers=False),
]


def _bilinear_plans(in_hw, size, align_corners, half_pixel_centers):
    return (
        _bilinear_plan(in_hw[0], size[0], align_corners, half_pixel_centers),
        _bilinear_plan(in_hw[1], size[1], align_corners, half_pixel_centers),
    )


@op("ResizeBilinear", samples=_RESIZE_SAMPLES)
def _resize_bilinear(images, size, align_corners, half_pixel_centers):
    check_resize("ResizeBilinear", images, size)
    rows, cols = _bilinear_plans(images.shape[1:3], size, align_corners, half_pixel_centers)
    return _lerp_along(_lerp_along(images, 2, *cols), 1, *rows)


@_resize_bilinear.vjp
def _resize_bilinear_vjp(g, ans, images, size, align_corners, half_pixel_centers):
    return (
        _resize_bilinear_grad(
            g,
            original_size=tuple(images.shape[1:3]),
            align_corners=align_corners,
            half_pixel_centers=half_pixel_centers,
        ),
    )


@op(
    "ResizeBilinearGrad",
    samples=[
        Sample((2, 5, 7, 2), original_size=(3, 4), align_corners=False, half_pixel_centers=True),
        Sample((1, 5, 2, 2), original_size=(3, 3), align_corners=True, half_pixel_centers=False),
    ],
)
def _resize_bilinear_grad(grads, original_size, align_corners, half_pixel_centers):
    # TF's op takes the original image; its shape is all it reads, here a static attribute.
    check_resize("ResizeBilinearGrad", grads, original_size)
    rows, cols = _bilinear_plans(
        original_size, grads.shape[1:3], align_corners, half_pixel_centers
    )
    back = _scatter_along(grads, 1, *rows, original_size[0])
    return _scatter_along(back, 2, *cols, original_size[1])


@_resize_bilinear_grad.vjp
def _resize_bilinear_grad_vjp(gg, ans, grads, original_size, align_corners, half_pixel_centers):
    size = tuple(grads.shape[1:3])
    return (
        _resize_bilinear(
            gg, size=size, align_corners=align_corners, half_pixel_centers=half_pixel_centers
        ),
    )


def _nearest_plans(in_hw, size, align_corners, half_pixel_centers):
    return (
        _nearest_plan(in_hw[0], size[0], align_corners, half_pixel_centers),
        _nearest_plan(in_hw[1], size[1], align_corners, half_pixel_centers),
    )


@op("ResizeNearestNeighbor", samples=_RESIZE_SAMPLES)
def _resize_nearest(images, size, align_corners, half_pixel_centers):
    check_resize("ResizeNearestNeighbor", images, size)
    rows, cols = _nearest_plans(images.shape[1:3], size, align_corners, half_pixel_centers)
    return xp.take(xp.take(images, xp.asarray(cols), axis=2), xp.asarray(rows), axis=1)


@_resize_nearest.vjp
def _resize_nearest_vjp(g, ans, images, size, align_corners, half_pixel_centers):
    return (
        _resize_nearest_grad(
            g,
            original_size=tuple(images.shape[1:3]),
            align_corners=align_corners,
            half_pixel_centers=half_pixel_centers,
        ),
    )


@op(
    "ResizeNearestNeighborGrad",
    samples=[
        Sample((2, 5, 7, 2), original_size=(3, 4), align_corners=False, half_pixel_centers=True),
        Sample((1, 2, 3, 1), original_size=(5, 4), align_corners=False, half_pixel_centers=True),
    ],
)
def _resize_nearest_grad(grads, original_size, align_corners, half_pixel_centers):
    check_resize("ResizeNearestNeighborGrad", grads, original_size)
    rows, cols = _nearest_plans(original_size, grads.shape[1:3], align_corners, half_pixel_centers)
    back = _scatter_along(grads, 1, rows, None, None, original_size[0])
    return _scatter_along(back, 2, cols, None, None, original_size[1])


@_resize_nearest_grad.vjp
def _resize_nearest_grad_vjp(gg, ans, grads, original_size, align_corners, half_pixel_centers):
    size = tuple(grads.shape[1:3])
    return (
        _resize_nearest(
            gg, size=size, align_corners=align_corners, half_pixel_centers=half_pixel_centers
        ),
    )


class ResizeMethod:
    """The names `tf.image.resize` takes for `method`."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


_KNOWN_METHODS = {v for k, v in vars(ResizeMethod).items() if k.isupper()}
# The methods TF runs through ScaleAndTranslate (always, or with antialias=True).
_SCALE_AND_TRANSLATE = {"lanczos3", "lanczos5", "gaussian", "mitchellcubic"}
_ANTIALIASED = {"bilinear": "triangle", "bicubic": "keyscubic"}


def _target_size(size) -> tuple:
    values = np.asarray(size.numpy() if hasattr(size, "numpy") else size)
    if values.shape != (2,) or values.dtype.kind not in "iu":
        raise ValueError(
            f"resize: 'size' must be a 1-D Tensor of 2 integers (new_height, new_width), "
            f"got {values.tolist()!r}"
        )
    return int(values[0]), int(values[1])


def _check_image_dims(batched):
    if batched.shape[3] == 0:
        raise InvalidArgumentError(
            f"resize: image must have at least one channel, got shape {tuple(batched.shape)}"
        )


def resize(
    images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False, antialias=False,
    name=None,
):  # fmt: skip
    """Resizes `images` ([batch,] height, width, channels) to `size` = (height, width).

    Every method but "nearest" returns float32 (TF2's half-pixel centers): "bilinear",
    "bicubic" (Keys' cubic, a = -0.5), "area", and TF's scale-and-translate kernels
    "lanczos3", "lanczos5", "gaussian", "mitchellcubic"; with `antialias=True` bilinear and
    bicubic also go through scale-and-translate, whose kernel widens when downsampling.
    "nearest" keeps the input's dtype. With `preserve_aspect_ratio`, the image is scaled to
    fit inside `size`. Differentiable for every method but "area" (TF has no gradient for it).
    """
    images = convert_to_tensor(images)
    if method not in _KNOWN_METHODS:
        raise ValueError(f"Resize method is not implemented: {method}")
    rank = images.shape.rank
    if rank not in (3, 4):
        raise ValueError(
            f"resize: 'images' must have either 3 or 4 dimensions, got shape "
            f"{tuple(images.shape.as_list())}"
        )
    if images.dtype == dtypes.string or images.dtype == dtypes.bool:
        raise InvalidArgumentError(f"resize: images must be numeric, got {images.dtype.name}")
    height, width = _target_size(size)
    batched = images if rank == 4 else expand_dims(images, 0)
    in_h, in_w = batched.shape.as_list()[1:3]
    if preserve_aspect_ratio:
        factor = min(np.float32(height) / np.float32(in_h), np.float32(width) / np.float32(in_w))
        height = int(np.round(np.float32(factor) * np.float32(in_h)))
        width = int(np.round(np.float32(factor) * np.float32(in_w)))
    _check_image_dims(batched)
    out = _resize_batched(batched, (height, width), method, antialias)
    return out if rank == 4 else squeeze(out, [0])


def _resize_batched(batched, size, method, antialias):
    if method == ResizeMethod.NEAREST_NEIGHBOR:
        attrs = dict(size=size, align_corners=False, half_pixel_centers=True)
        keep = batched.dtype
        if not keep.is_floating:  # integer images: exact through float64, cast back
            return cast(_resize_nearest(cast(batched, dtypes.float64), **attrs), keep)
        return _resize_nearest(batched, **attrs)
    # TF's kernels read any real image as float32 and return float32.
    if batched.dtype != dtypes.float32:
        batched = cast(batched, dtypes.float32)
    kernel = _ANTIALIASED.get(method) if antialias else None
    if method in _SCALE_AND_TRANSLATE:
        kernel = method
    if kernel is not None:
        in_hw = batched.shape.as_list()[1:3]
        scale = tuple(float(np.float32(n) / np.float32(o)) for n, o in zip(size, in_hw))
        return resample.scale_and_translate(
            batched, size=size, scale=scale, translation=(0.0, 0.0), kernel_type=kernel,
            antialias=bool(antialias),
        )  # fmt: skip
    attrs = dict(size=size, align_corners=False)
    if method == ResizeMethod.AREA:
        return resample.resize_area(batched, **attrs)
    if method == ResizeMethod.BICUBIC:
        return resample.resize_bicubic(batched, half_pixel_centers=True, **attrs)
    return _resize_bilinear(batched, half_pixel_centers=True, **attrs)


API = {"image": ["resize", "ResizeMethod"]}
