"""Colour-space kernels of `tf.image`: RGBToHSV (with TF's registered gradient), HSVToRGB (not
differentiable in TF), AdjustHue, AdjustSaturation and AdjustContrastv2 (no gradient in TF:
asking for one raises LookupError, as the autodiff guide shows), and their public functions.

The forwards follow TF's CPU kernels step by step in float32 (the hue and saturation kernels
keep their own 6-sector arithmetic), so the results match TF's to the last bit or two.
Difference from TF: the three adjust ops also take float64 (computed in float32, as the
public functions convert it); TF's CPU kernels take float32 only (float16 on GPU).
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import FailedPreconditionError, InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from ._common import no_gradient
from .array_join import stack
from .image_convert import convert_image_dtype, float_image
from .math import cast, divide_no_nan

_F32 = np.float32


def _check_rgb(name, x, error=InvalidArgumentError, min_rank=1):
    if x.ndim < min_rank:
        raise InvalidArgumentError(
            f"{name}: input must be at least {min_rank}-D, got shape {list(x.shape)}"
        )
    if x.shape[-1] != 3:
        raise error(
            f"{name}: input must have 3 channels but input only has {x.shape[-1]} channels"
        )


def _check_float(name, x, allowed):
    if x.dtype.name not in allowed:
        raise InvalidArgumentError(
            f"{name}: expected {' or '.join(allowed)} images, got {x.dtype}"
        )


_FLOATS = ("float16", "float32", "float64")


def _rgb_sample(shape, dtype=np.float64):
    # Positive channels, distinct almost surely: TF's gradient is piecewise, ties are its
    # break points.
    def make(rng):
        return rng.uniform(0.05, 1.0, shape).astype(dtype)

    return make


_HSV_SAMPLES = [Sample(_rgb_sample((2, 4, 3))), Sample(_rgb_sample((5, 3)))]


@op("RGBToHSV", samples=_HSV_SAMPLES)
def _rgb_to_hsv(images):
    _check_rgb("RGBToHSV", images, FailedPreconditionError)
    _check_float("RGBToHSV", images, _FLOATS)
    t = images.dtype.type
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    v = xp.maximum(xp.maximum(r, g), b)
    spread = v - xp.minimum(xp.minimum(r, g), b)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = xp.where(v > 0, spread / v, t(0))
        norm = (t(1) / spread) * (t(1) / t(6))
        h = xp.where(
            r == v,
            norm * (g - b),
            xp.where(g == v, norm * (b - r) + t(2) / t(6), norm * (r - g) + t(4) / t(6)),
        )
    h = xp.where(spread > 0, h, t(0))
    h = xp.where(h < 0, h + t(1), h)
    return xp.stack([h, s, v], axis=-1)


@_rgb_to_hsv.vjp
def _rgb_to_hsv_vjp(g, ans, images):
    # TF's _RGBToHSVGrad (image_grad.py), term by term: ties between channels are broken as
    # it breaks them (R > G > B), and 1/0 is taken as 0.
    return (_rgb_to_hsv_grad(g, ans, images),)


def _rgb_to_hsv_grad(grad, hsv, rgb):
    dt = rgb.dtype
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    s, v = hsv[..., 1], hsv[..., 2]

    def on(mask):
        return cast(mask, dt)

    def inv(x):
        return divide_no_nan(cast(1.0, dt), x)

    r_max, g_max, b_max = on((r >= b) & (r >= g)), on((g > r) & (g >= b)), on((b > r) & (b > g))
    r_min, g_min, b_min = on((r < b) & (r < g)), on((g <= r) & (g < b)), on((b <= r) & (b <= g))
    r_pos, g_pos, b_pos = on(r > 0), on(g > 0), on(b > 0)
    ds_dr = r_pos * (
        r_max * (g_min * g + b_min * b) * inv(r * r) - r_min * inv(g_max * g + b_max * b)
    )
    ds_dg = g_pos * (
        g_max * (r_min * r + b_min * b) * inv(g * g) - g_min * inv(r_max * r + b_max * b)
    )
    ds_db = b_pos * (
        b_max * (g_min * g + r_min * r) * inv(b * b) - b_min * inv(g_max * g + r_max * r)
    )
    sv2 = inv(s * s) * inv(v * v)
    dh_dr = (
        (
            -(r_pos * r_max * (g - b) * sv2)
            + g_pos * g_max * r_min * (b - g) * inv((r - g) * (r - g))
            - g_pos * g_max * b_min * inv(g - b)
            + b_pos * b_max * r_min * (b - g) * inv((b - r) * (b - r))
            + b_pos * b_max * g_min * inv(b - g)
        )
        * 60
        / 360
    )
    dh_dg = (
        (
            -(g_pos * g_max * (b - r) * sv2)
            + r_pos * r_max * g_min * (r - b) * inv((r - g) * (r - g))
            + r_pos * r_max * b_min * inv(r - b)
            + b_pos * b_max * g_min * (r - b) * inv((b - g) * (b - g))
            - b_pos * b_max * r_min * inv(b - r)
        )
        * 60
        / 360
    )
    dh_db = (
        (
            -(b_pos * b_max * (r - g) * sv2)
            + r_pos * r_max * b_min * (g - r) * inv((r - b) * (r - b))
            - r_pos * r_max * g_min * inv(r - g)
            + g_pos * g_max * b_min * (g - r) * inv((g - b) * (g - b))
            + g_pos * g_max * r_min * inv(g - r)
        )
        * 60
        / 360
    )
    gh, gs, gv = grad[..., 0], grad[..., 1], grad[..., 2]
    return stack(
        [
            gv * r_max + gs * ds_dr + gh * dh_dr,
            gv * g_max + gs * ds_dg + gh * dh_dg,
            gv * b_max + gs * ds_db + gh * dh_db,
        ],
        axis=-1,
    )


@op("HSVToRGB", differentiable=False, samples=_HSV_SAMPLES)
def _hsv_to_rgb(images):
    _check_rgb("HSVToRGB", images, FailedPreconditionError)
    _check_float("HSVToRGB", images, _FLOATS)
    t = images.dtype.type
    h, s, v = images[..., 0], images[..., 1], images[..., 2]
    dh = h * t(6)

    def ramp(x):
        return xp.minimum(xp.maximum(x, t(0)), t(1))

    dr = ramp(xp.abs(dh - t(3)) - t(1))
    dg = ramp(-xp.abs(dh - t(2)) + t(2))
    db = ramp(-xp.abs(dh - t(4)) + t(2))
    one_s = -s + t(1)
    return xp.stack([(one_s + s * c) * v for c in (dr, dg, db)], axis=-1)


# ---- AdjustHue / AdjustSaturation / AdjustContrastv2 ----------------------------------------


def _rgb_to_hv_range(r, g, b):
    """TF's rgb_to_hv_range: hue in [0, 6) from the sector of the channel order, and the
    extreme values (TF's kernel counts ties into either side)."""
    r_lt_g = r < g
    cases = [
        (r_lt_g & (b < r), g, r, b, 1),
        (r_lt_g & (b > g), b, g, r, 3),
        (r_lt_g, g, b, r, 2),
        (b < g, r, g, b, 0),
        (b > r, b, r, g, 4),
        (None, r, b, g, 5),
    ]
    v_max, v_mid, v_min, sector = r, b, g, xp.full(r.shape, 5, dtype=np.int64)
    for mask, hi, mid, lo, k in reversed(cases[:-1]):
        v_max = xp.where(mask, hi, v_max)
        v_mid = xp.where(mask, mid, v_mid)
        v_min = xp.where(mask, lo, v_min)
        sector = xp.where(mask, k, sector)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (v_mid - v_min) / (v_max - v_min)
    ratio = xp.where(sector % 2 == 0, ratio, _F32(1) - ratio)
    h = sector.astype(_F32) + ratio
    return xp.where(v_max == v_min, _F32(0), h), v_min, v_max


def _hv_range_to_rgb(h, v_min, v_max):
    sector = h.astype(np.int64)  # h >= 0: truncation is the floor
    ratio = h - sector.astype(_F32)
    ratio = xp.where(sector % 2 == 0, ratio, _F32(1) - ratio)
    v_mid = v_min + ratio * (v_max - v_min)
    table = [  # (r, g, b) per sector
        (v_max, v_mid, v_min),
        (v_mid, v_max, v_min),
        (v_min, v_max, v_mid),
        (v_min, v_mid, v_max),
        (v_mid, v_min, v_max),
    ]
    r, g, b = v_max, v_min, v_mid  # sector 5 (and TF's default)
    for k, (rk, gk, bk) in enumerate(table):
        here = sector == k
        r, g, b = xp.where(here, rk, r), xp.where(here, gk, g), xp.where(here, bk, b)
    return xp.stack([r, g, b], axis=-1)


def _as_f32(name, images, factor, what):
    _check_rgb(name, images, min_rank=3)
    _check_float(name, images, _FLOATS)
    if factor.ndim != 0:
        raise InvalidArgumentError(f"{name}: {what} must be scalar: {list(factor.shape)}")
    return images.astype(_F32), _F32(float(factor))


@op(
    "AdjustHue",
    samples=[Sample(_rgb_sample((2, 3, 3)), np.float32(0.3), wrt=())],
    same_dtype=(),
)
def _adjust_hue(images, delta):
    x, delta = _as_f32("AdjustHue", images, delta, "delta")
    h, v_min, v_max = _rgb_to_hv_range(x[..., 0], x[..., 1], x[..., 2])
    h = h + delta * _F32(6)
    while bool((h < 0).any()):  # TF's loops, not fmod: the same float steps
        h = xp.where(h < 0, h + _F32(6), h)
    while bool((h >= 6).any()):
        h = xp.where(h >= 6, h - _F32(6), h)
    return _hv_range_to_rgb(h, v_min, v_max).astype(images.dtype)


no_gradient(_adjust_hue)


def _saturation_rgb_to_hsv(r, g, b):
    vv = xp.maximum(r, xp.maximum(g, b))
    spread = vv - xp.minimum(r, xp.minimum(g, b))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = xp.where(vv > 0, spread / vv, _F32(0))
        norm = _F32(1) / (_F32(6) * spread)
        # TF adds the double constants 2/6 and 4/6 in double precision, stores a float.
        from_g = (norm * (b - r)).astype(np.float64) + 2.0 / 6.0
        from_b = (norm * (r - g)).astype(np.float64) + 4.0 / 6.0
        hh = xp.where(r == vv, norm * (g - b), xp.where(g == vv, from_g, from_b).astype(_F32))
    hh = xp.where(spread <= 0, _F32(0), hh)
    return xp.where(hh < 0, hh + _F32(1), hh), s, vv


def _saturation_hsv_to_rgb(h, s, v):
    c = s * v
    m = v - c
    dh = h * _F32(6)
    sector = xp.trunc(dh).astype(np.int64)
    fmodu = dh
    while bool((fmodu <= 0).any()):
        fmodu = xp.where(fmodu <= 0, fmodu + _F32(2), fmodu)
    while bool((fmodu >= 2).any()):
        fmodu = xp.where(fmodu >= 2, fmodu - _F32(2), fmodu)
    x = c * (_F32(1) - xp.abs(fmodu - _F32(1)))
    zero = xp.zeros_like(c)
    table = [(c, x, zero), (x, c, zero), (zero, c, x), (zero, x, c), (x, zero, c), (c, zero, x)]
    r = g = b = zero
    for k, (rk, gk, bk) in enumerate(table):
        here = sector == k
        r, g, b = xp.where(here, rk, r), xp.where(here, gk, g), xp.where(here, bk, b)
    return xp.stack([r + m, g + m, b + m], axis=-1)


@op(
    "AdjustSaturation",
    samples=[Sample(_rgb_sample((2, 3, 3)), np.float32(1.7), wrt=())],
    same_dtype=(),
)
def _adjust_saturation(images, scale):
    x, scale = _as_f32("AdjustSaturation", images, scale, "scale")
    h, s, v = _saturation_rgb_to_hsv(x[..., 0], x[..., 1], x[..., 2])
    s = xp.minimum(_F32(1), xp.maximum(_F32(0), s * scale))
    return _saturation_hsv_to_rgb(h, s, v).astype(images.dtype)


no_gradient(_adjust_saturation)


@op(
    "AdjustContrastv2",
    samples=[
        Sample(_rgb_sample((2, 3, 4, 3)), np.float32(1.5), wrt=()),
        Sample(_rgb_sample((3, 2, 1)), np.float32(0.3), wrt=()),
    ],
    same_dtype=(),
)
def _adjust_contrast(images, contrast_factor):
    name = "AdjustContrastv2"
    if images.ndim < 3:
        raise InvalidArgumentError(
            f"{name}: input must be at least 3-D, got shape {list(images.shape)}"
        )
    _check_float(name, images, _FLOATS)
    if contrast_factor.ndim != 0:
        raise InvalidArgumentError(
            f"{name}: contrast_factor must be scalar: {list(contrast_factor.shape)}"
        )
    h, w = images.shape[-3], images.shape[-2]
    x = images if images.dtype == np.float16 else images.astype(_F32)
    # The per-channel mean in float32, cast to the image's dtype; then mean + (x - mean) * f.
    mean = (x.astype(_F32).sum(axis=(-3, -2), keepdims=True) / _F32(h * w)).astype(x.dtype)
    adjusted = ((x - mean).astype(_F32) * _F32(float(contrast_factor))).astype(x.dtype)
    return (mean + adjusted).astype(images.dtype)


no_gradient(_adjust_contrast)


# ---- the public functions -------------------------------------------------------------------


def rgb_to_hsv(images, name=None):
    """RGB images (last dimension 3, values in [0, 1]) to HSV, each in [0, 1]. Differentiable
    with TF's gradient formula."""
    return _rgb_to_hsv(convert_to_tensor(images))


def hsv_to_rgb(images, name=None):
    """HSV images (last dimension 3) to RGB. Not differentiable (TF declares it so: the
    gradient is None)."""
    return _hsv_to_rgb(convert_to_tensor(images))


def _through_float32(fn, image, *args):
    """TF's pattern: float16/float32 images go in as they are, others as float32 (scaled by
    convert_image_dtype), and the result goes back to the input's dtype."""
    image = convert_to_tensor(image)
    flt, orig = float_image(image)
    return convert_image_dtype(fn(flt, *args), orig)


def adjust_hue(image, delta, name=None):
    """Rotates the hue of RGB images by `delta` (in [-1, 1], a fraction of the colour wheel).
    TF defines no gradient for it."""
    if not hasattr(delta, "shape") and not -1 <= delta <= 1:
        raise ValueError("delta must be in the interval [-1, 1]")
    return _through_float32(lambda x: _adjust_hue(x, cast(delta, dtypes.float32)), image)


def adjust_saturation(image, saturation_factor, name=None):
    """Multiplies the saturation of RGB images by `saturation_factor` (clipped to [0, 1]).
    TF defines no gradient for it."""
    factor = cast(saturation_factor, dtypes.float32)
    return _through_float32(lambda x: _adjust_saturation(x, factor), image)


def adjust_contrast(images, contrast_factor):
    """`(x - mean) * contrast_factor + mean` per image and channel (mean over height and
    width). TF defines no gradient for it (AdjustContrastv2)."""
    images = convert_to_tensor(images)
    flt, orig = float_image(images)
    adjusted = _adjust_contrast(flt, cast(contrast_factor, dtypes.float32))
    return convert_image_dtype(adjusted, orig, saturate=True)


API = {
    "image": [
        "rgb_to_hsv",
        "hsv_to_rgb",
        "adjust_hue",
        "adjust_saturation",
        "adjust_contrast",
    ]
}
