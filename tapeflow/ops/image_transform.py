"""The projective transform behind Keras' RandomRotation, RandomZoom and RandomTranslation
(TF's ImageProjectiveTransformV3): fill modes reflect / wrap / constant / nearest, bilinear or
nearest sampling, as TF's kernel computes them in float32.

Each output pixel is a fixed weighted sum of input pixels, so the op is linear in the image:
its vjp is the exact adjoint (a scatter-add), an op of its own whose vjp is the transform
again. Difference from TF: TF's registered gradient re-applies the transform with the inverted
matrix, an approximation of this adjoint; float64 images are sampled in float64.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from .array import expand_dims, squeeze
from .math import cast

_FILL_MODES = ("REFLECT", "WRAP", "CONSTANT", "NEAREST")
_INTERPOLATIONS = ("NEAREST", "BILINEAR")


def _trunc(x):
    return xp.trunc(x).astype(xp.float32)


def _map_reflect(c, n):
    # Reflect [abcd] to [dcba|abcd|dcba], as TF's MapCoordinate<FILL_REFLECT>, in float32.
    if n <= 1:
        return xp.zeros_like(c)
    sz2 = xp.float32(2 * n)
    out = c.copy()
    neg = c < 0
    v = c[neg]
    v = sz2 * _trunc(-v / sz2) + v
    out[neg] = xp.where(v < -n, v + sz2, -v - 1)
    pos = c > n - 1
    v = c[pos]
    v = v - sz2 * _trunc(v / sz2)
    out[pos] = xp.where(v >= n, sz2 - v - 1, v)
    return xp.clip(out, 0, n - 1)


def _map_wrap(c, n):
    # Wrap [abcd] to [abcd|abcd|abcd], as TF's MapCoordinate<FILL_WRAP>.
    if n <= 1:
        return xp.zeros_like(c)
    sz = xp.float32(n - 1)
    out = c.copy()
    neg = c < 0
    out[neg] = c[neg] + xp.float32(n) * (_trunc(-c[neg] / sz) + 1)
    pos = c > n - 1
    out[pos] = c[pos] - xp.float32(n) * _trunc(c[pos] / sz)
    return xp.clip(out, 0, n - 1)


def _map_coordinate(c, n, fill_mode):
    if fill_mode == "REFLECT":
        return _map_reflect(c, n)
    if fill_mode == "WRAP":
        return _map_wrap(c, n)
    if fill_mode == "NEAREST":
        return xp.clip(c, 0, n - 1)
    return c


def _round_half_away(c):
    # std::round, without the float rounding of `floor(c + 0.5)`.
    a = xp.abs(c)
    r = xp.floor(a) + (a - xp.floor(a) >= 0.5)
    return xp.copysign(r, c).astype(xp.int64)


def _projective_plan(image_shape, transforms, output_shape, interpolation, fill_mode):
    """(indices, weights): for every output pixel (batch, y, x), the flat input pixels
    `batch * H * W + y * W + x` it reads and their weights, one column per read (-1 where a
    read falls outside the image and gives the fill value)."""
    batch, height, width = image_shape[:3]
    out_h, out_w = output_shape
    t = transforms.astype(xp.float32).reshape(-1, 8)
    t = xp.broadcast_to(t, (batch, 8)) if t.shape[0] == 1 else t
    t = t[:, :, None, None]
    oy, ox = xp.meshgrid(
        xp.arange(out_h, dtype=xp.float32), xp.arange(out_w, dtype=xp.float32), indexing="ij"
    )
    projection = t[:, 6] * ox + t[:, 7] * oy + xp.float32(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        in_x = (t[:, 0] * ox + t[:, 1] * oy + t[:, 2]) / projection
        in_y = (t[:, 3] * ox + t[:, 4] * oy + t[:, 5]) / projection
    infinite = projection == 0
    in_x = xp.where(infinite, xp.float32(0), in_x)
    in_y = xp.where(infinite, xp.float32(0), in_y)
    # CONSTANT mode leaves coordinates outside the image: their reads give the fill value.
    x = _map_coordinate(in_x, width, fill_mode)
    y = _map_coordinate(in_y, height, fill_mode)
    base = (xp.arange(batch) * height * width)[:, None, None]

    def read(yi, xi):
        valid = ~infinite & (yi >= 0) & (yi < height) & (xi >= 0) & (xi < width)
        return xp.where(valid, base + yi * width + xi, -1).reshape(-1)

    if interpolation == "NEAREST":
        yi, xi = _round_half_away(y), _round_half_away(x)
        return read(yi, xi)[:, None], xp.ones((yi.size, 1), xp.float32)
    y_floor, x_floor = xp.floor(y), xp.floor(x)
    y_ceil, x_ceil = y_floor + 1, x_floor + 1
    yf, xf = y_floor.astype(xp.int64), x_floor.astype(xp.int64)
    yc, xc = yf + 1, xf + 1
    indices = xp.stack([read(yf, xf), read(yf, xc), read(yc, xf), read(yc, xc)], axis=1)
    wx0, wx1 = x_ceil - x, x - x_floor
    wy0, wy1 = y_ceil - y, y - y_floor
    weights = xp.stack([wy0 * wx0, wy0 * wx1, wy1 * wx0, wy1 * wx1], axis=-1)
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
        valid = (indices[:, k] >= 0)[:, None]
        values = xp.where(valid, flat[xp.maximum(indices[:, k], 0)], fill)
        out = out + weights[:, k].astype(images.dtype)[:, None] * values
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
        contribution = flat_g[valid] * weights[valid, k].astype(grads.dtype)[:, None]
        xp.add.at(out, indices[valid, k], contribution)
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
    transforms = convert_to_tensor(transforms)
    if transforms.dtype != dtypes.float32:
        transforms = cast(transforms, dtypes.float32)
    if transforms.shape.rank == 1:
        transforms = expand_dims(transforms, 0)
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
