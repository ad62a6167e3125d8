"""`tf.image.resize` (bilinear and nearest, TF2's half-pixel centers) and the projective
transform behind Keras' RandomRotation, RandomZoom and RandomTranslation.

Every op here reads each output pixel as a fixed weighted sum of input pixels, so it is linear
in the image: its vjp is the adjoint (a scatter-add of the same weights), an op of its own
whose vjp is the forward op again, and the family is closed under differentiation.

Differences from TF: float64 images are interpolated in float64 (TF's kernels round through
float32); the gradient of the projective transform is the exact adjoint, where TF's registered
gradient re-applies the transform with the inverted matrix (an approximation).
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError, UnimplementedError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from .array import expand_dims, squeeze
from .math import cast

# ---- resize: separable interpolation plans ---------------------------------------------------


def _resize_scale(in_size: int, out_size: int, align_corners: bool) -> np.float32:
    # TF's CalculateResizeScale, in float32.
    if align_corners and out_size > 1:
        return np.float32(in_size - 1) / np.float32(out_size - 1)
    return np.float32(in_size) / np.float32(out_size)


def _bilinear_plan(in_size, out_size, align_corners, half_pixel_centers):
    """(lower, upper, lerp) per output index: TF's compute_interpolation_weights."""
    scale = _resize_scale(in_size, out_size, align_corners)
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
    scale = _resize_scale(in_size, out_size, align_corners)
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


def _check_resize(name, images, size):
    if images.ndim != 4:
        raise InvalidArgumentError(f"{name}: input must be 4-dimensional, got {images.shape}")
    if images.dtype.kind != "f":
        raise InvalidArgumentError(
            f"{name}: expected a floating-point image (float16, float32 or float64), got "
            f"{images.dtype}"
        )
    if len(size) != 2 or min(size) <= 0:
        raise InvalidArgumentError(
            f"{name}: output dimensions must be positive, got size {tuple(size)}"
        )
    if min(images.shape[1:3]) <= 0:
        raise InvalidArgumentError(
            f"{name}: input image must have a positive height and width, got {images.shape}"
        )


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
    _check_resize("ResizeBilinear", images, size)
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
    _check_resize("ResizeBilinearGrad", grads, original_size)
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
    _check_resize("ResizeNearestNeighbor", images, size)
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
    _check_resize("ResizeNearestNeighborGrad", grads, original_size)
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
    """The names `tf.image.resize` takes for `method` (tapeflow runs BILINEAR and
    NEAREST_NEIGHBOR)."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


_KNOWN_METHODS = {v for k, v in vars(ResizeMethod).items() if k.isupper()}


def _target_size(size) -> tuple:
    values = np.asarray(size.numpy() if hasattr(size, "numpy") else size)
    if values.shape != (2,) or values.dtype.kind not in "iu":
        raise ValueError(
            f"resize: 'size' must be a 1-D Tensor of 2 integers (new_height, new_width), "
            f"got {values.tolist()!r}"
        )
    return int(values[0]), int(values[1])


def resize(
    images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False, antialias=False,
    name=None,
):  # fmt: skip
    """Resizes `images` ([batch,] height, width, channels) to `size` = (height, width).

    `method` "bilinear" returns float32 (TF2's half-pixel centers, no antialiasing);
    "nearest" keeps the input's dtype. With `preserve_aspect_ratio`, the image is scaled to
    fit inside `size`.
    """
    images = convert_to_tensor(images)
    method = str(method).lower()
    if method not in (ResizeMethod.BILINEAR, ResizeMethod.NEAREST_NEIGHBOR):
        if method in _KNOWN_METHODS:
            raise UnimplementedError(
                f"resize: method {method!r} is not supported by tapeflow yet (it has "
                f"'bilinear' and 'nearest')"
            )
        raise ValueError(f"resize: Resize method is not implemented: {method!r}")
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
    if antialias and method == ResizeMethod.BILINEAR and (height < in_h or width < in_w):
        raise UnimplementedError(
            "resize: antialias=True when downsampling is not supported by tapeflow yet"
        )
    attrs = dict(size=(height, width), align_corners=False, half_pixel_centers=True)
    if method == ResizeMethod.BILINEAR:
        if batched.dtype != dtypes.float32:
            batched = cast(batched, dtypes.float32)
        out = _resize_bilinear(batched, **attrs)
    else:
        keep = batched.dtype
        if not keep.is_floating:  # integer images: exact through float64, cast back
            out = cast(_resize_nearest(cast(batched, dtypes.float64), **attrs), keep)
        else:
            out = _resize_nearest(batched, **attrs)
    return out if rank == 4 else squeeze(out, [0])


# ---- projective transform (ImageProjectiveTransformV3) ---------------------------------------

_FILL_MODES = ("REFLECT", "WRAP", "CONSTANT", "NEAREST")
_INTERPOLATIONS = ("NEAREST", "BILINEAR")


def _trunc(x):
    return np.trunc(x).astype(np.float32)


def _map_reflect(c, n):
    # Reflect [abcd] to [dcba|abcd|dcba], as TF's MapCoordinate<FILL_REFLECT>, in float32.
    if n <= 1:
        return np.zeros_like(c)
    sz2 = np.float32(2 * n)
    out = c.copy()
    neg = c < 0
    v = c[neg]
    v = sz2 * _trunc(-v / sz2) + v
    out[neg] = np.where(v < -n, v + sz2, -v - 1)
    pos = c > n - 1
    v = c[pos]
    v = v - sz2 * _trunc(v / sz2)
    out[pos] = np.where(v >= n, sz2 - v - 1, v)
    return np.clip(out, 0, n - 1)


def _map_wrap(c, n):
    # Wrap [abcd] to [abcd|abcd|abcd], as TF's MapCoordinate<FILL_WRAP>.
    if n <= 1:
        return np.zeros_like(c)
    sz = np.float32(n - 1)
    out = c.copy()
    neg = c < 0
    out[neg] = c[neg] + np.float32(n) * (_trunc(-c[neg] / sz) + 1)
    pos = c > n - 1
    out[pos] = c[pos] - np.float32(n) * _trunc(c[pos] / sz)
    return np.clip(out, 0, n - 1)


def _map_coordinate(c, n, fill_mode):
    if fill_mode == "REFLECT":
        return _map_reflect(c, n)
    if fill_mode == "WRAP":
        return _map_wrap(c, n)
    if fill_mode == "NEAREST":
        return np.clip(c, 0, n - 1)
    return c


def _round_half_away(c):
    # std::round, without the float rounding of `floor(c + 0.5)`.
    a = np.abs(c)
    r = np.floor(a) + (a - np.floor(a) >= 0.5)
    return np.copysign(r, c).astype(np.int64)


def _projective_plan(image_shape, transforms, output_shape, interpolation, fill_mode):
    """(indices, weights): for every output pixel (batch, y, x), the flat input pixels
    `batch * H * W + y * W + x` it reads and their weights, one column per read (-1 where a
    read falls outside the image and gives the fill value)."""
    batch, height, width = image_shape[:3]
    out_h, out_w = output_shape
    t = np.asarray(transforms, dtype=np.float32).reshape(-1, 8)
    t = np.broadcast_to(t, (batch, 8)) if t.shape[0] == 1 else t
    t = t[:, :, None, None]
    oy, ox = np.meshgrid(
        np.arange(out_h, dtype=np.float32), np.arange(out_w, dtype=np.float32), indexing="ij"
    )
    projection = t[:, 6] * ox + t[:, 7] * oy + np.float32(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        in_x = (t[:, 0] * ox + t[:, 1] * oy + t[:, 2]) / projection
        in_y = (t[:, 3] * ox + t[:, 4] * oy + t[:, 5]) / projection
    infinite = projection == 0
    in_x = np.where(infinite, np.float32(0), in_x)
    in_y = np.where(infinite, np.float32(0), in_y)
    # CONSTANT mode leaves coordinates outside the image: their reads give the fill value.
    x = _map_coordinate(in_x, width, fill_mode)
    y = _map_coordinate(in_y, height, fill_mode)
    base = (np.arange(batch) * height * width)[:, None, None]

    def read(yi, xi):
        valid = ~infinite & (yi >= 0) & (yi < height) & (xi >= 0) & (xi < width)
        return np.where(valid, base + yi * width + xi, -1).reshape(-1)

    if interpolation == "NEAREST":
        yi, xi = _round_half_away(y), _round_half_away(x)
        return read(yi, xi)[:, None], np.ones((yi.size, 1), np.float32)
    y_floor, x_floor = np.floor(y), np.floor(x)
    y_ceil, x_ceil = y_floor + 1, x_floor + 1
    yf, xf = y_floor.astype(np.int64), x_floor.astype(np.int64)
    yc, xc = yf + 1, xf + 1
    indices = np.stack([read(yf, xf), read(yf, xc), read(yc, xf), read(yc, xc)], axis=1)
    wx0, wx1 = x_ceil - x, x - x_floor
    wy0, wy1 = y_ceil - y, y - y_floor
    weights = np.stack([wy0 * wx0, wy0 * wx1, wy1 * wx0, wy1 * wx1], axis=-1)
    return indices, weights.reshape(-1, 4)


def _check_transform(name, images, transforms, output_shape, interpolation, fill_mode):
    if images.ndim != 4:
        raise InvalidArgumentError(f"{name}: images must be 4-dimensional, got {images.shape}")
    if images.dtype.kind != "f":
        raise InvalidArgumentError(f"{name}: expected floating-point images, got {images.dtype}")
    if (
        transforms.ndim != 2
        or transforms.shape[1] != 8
        or transforms.shape[0]
        not in (
            1,
            images.shape[0],
        )
    ):
        raise InvalidArgumentError(
            f"{name}: transforms must be [1, 8] or [batch, 8] for images of batch "
            f"{images.shape[0]}, got {transforms.shape}"
        )
    if len(output_shape) != 2 or min(output_shape) <= 0:
        raise InvalidArgumentError(
            f"{name}: output_shape must be 2 positive ints, got {tuple(output_shape)}"
        )
    if interpolation not in _INTERPOLATIONS or fill_mode not in _FILL_MODES:
        raise InvalidArgumentError(
            f"{name}: interpolation must be one of {_INTERPOLATIONS} and fill_mode one of "
            f"{_FILL_MODES}, got {interpolation!r} and {fill_mode!r}"
        )


def _transform_sample(rng):
    # A rotation by 0.4 rad about the center of a 4 x 5 image, slightly scaled and shifted.
    c, s = np.cos(0.4) * 1.1, np.sin(0.4) * 1.1
    return np.array([[c, -s, 0.7, s, c, -0.6, 0.01, -0.02]], np.float32)


_TRANSFORM_SAMPLES = [
    Sample((2, 4, 5, 2), _transform_sample, wrt=[0], output_shape=(4, 5), fill_value=0.5,
           interpolation=i, fill_mode=m)
    for i, m in [("BILINEAR", "REFLECT"), ("BILINEAR", "CONSTANT"), ("NEAREST", "WRAP"),
                 ("BILINEAR", "NEAREST"), ("BILINEAR", "WRAP")]
]  # fmt: skip


@op("ImageProjectiveTransformV3", samples=_TRANSFORM_SAMPLES, same_dtype=())
def _projective_transform(images, transforms, output_shape, fill_value, interpolation, fill_mode):
    name = "ImageProjectiveTransformV3"
    _check_transform(name, images, transforms, output_shape, interpolation, fill_mode)
    batch, _, _, channels = images.shape
    indices, weights = _projective_plan(
        images.shape, transforms, output_shape, interpolation, fill_mode
    )
    flat = images.reshape(-1, channels)
    fill = images.dtype.type(fill_value)
    out = xp.zeros((indices.shape[0], channels), dtype=images.dtype)
    for k in range(indices.shape[1]):
        valid = xp.asarray(indices[:, k] >= 0)[:, None]
        values = xp.where(valid, flat[xp.asarray(np.maximum(indices[:, k], 0))], fill)
        out = out + xp.asarray(weights[:, k].astype(images.dtype))[:, None] * values
    return out.reshape(batch, output_shape[0], output_shape[1], channels)


@_projective_transform.vjp
def _projective_transform_vjp(g, ans, images, transforms, **attrs):
    return (
        _projective_transform_grad(
            g, transforms, image_size=tuple(images.shape[1:3]), **_plan_attrs(attrs)
        ),
        None,
    )


def _plan_attrs(attrs):
    return {k: attrs[k] for k in ("interpolation", "fill_mode")}


@op(
    "ImageProjectiveTransformV3Grad",
    same_dtype=(),
    samples=[
        Sample(
            (2, 4, 5, 2),
            _transform_sample,
            wrt=[0],
            image_size=(4, 5),
            interpolation=i,
            fill_mode=m,
        )
        for i, m in [("BILINEAR", "REFLECT"), ("NEAREST", "CONSTANT")]
    ],  # fmt: skip
)
def _projective_transform_grad(grads, transforms, image_size, interpolation, fill_mode):
    # No TF op: the exact adjoint of ImageProjectiveTransformV3 in the image (see the module
    # docstring). Reads that gave the fill value carry no gradient.
    name = "ImageProjectiveTransformV3Grad"
    batch, out_h, out_w, channels = grads.shape
    _check_transform(name, grads, transforms, (out_h, out_w), interpolation, fill_mode)
    image_shape = (batch, image_size[0], image_size[1], channels)
    indices, weights = _projective_plan(
        image_shape, transforms, (out_h, out_w), interpolation, fill_mode
    )
    flat_g = grads.reshape(-1, channels)
    out = xp.zeros((batch * image_size[0] * image_size[1], channels), dtype=grads.dtype)
    for k in range(indices.shape[1]):
        valid = indices[:, k] >= 0
        contribution = (
            flat_g[xp.asarray(valid)] * xp.asarray(weights[valid, k].astype(grads.dtype))[:, None]
        )
        xp.add.at(out, xp.asarray(indices[valid, k]), contribution)
    return out.reshape(image_shape)


@_projective_transform_grad.vjp
def _projective_transform_grad_vjp(gg, ans, grads, transforms, image_size, **attrs):
    out_shape = tuple(grads.shape[1:3])
    return (
        _projective_transform(
            gg, transforms, output_shape=out_shape, fill_value=0.0, **_plan_attrs(attrs)
        ),
        None,
    )


def projective_transform(
    images, transforms, output_shape=None, interpolation="bilinear", fill_mode="constant",
    fill_value=0.0,
):  # fmt: skip
    """Keras' `affine_transform` (TF's ImageProjectiveTransformV3): output pixel (x, y) reads
    the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, for
    each image's `transforms` row [a0, a1, a2, b0, b1, b2, c0, c1]."""
    images = convert_to_tensor(images)
    rank = images.shape.rank
    if rank not in (3, 4):
        raise ValueError(
            f"affine_transform: images must be rank 3 or 4, got shape "
            f"{tuple(images.shape.as_list())}"
        )
    batched = images if rank == 4 else expand_dims(images, 0)
    transforms = convert_to_tensor(np.asarray(transforms, np.float32).reshape(-1, 8))
    shape = tuple(batched.shape.as_list()[1:3]) if output_shape is None else tuple(output_shape)
    out = _projective_transform(
        batched,
        transforms,
        output_shape=shape,
        fill_value=float(fill_value),
        interpolation=interpolation.upper(),
        fill_mode=fill_mode.upper(),
    )
    return out if rank == 4 else squeeze(out, [0])


API = {"image": ["resize", "ResizeMethod"]}
