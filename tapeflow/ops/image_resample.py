"""The resize kernels beyond bilinear and nearest: bicubic (ResizeBicubic), area (ResizeArea)
and TF's scale-and-translate kernels (ScaleAndTranslate: lanczos3/5, gaussian, mitchellcubic,
keyscubic, triangle, box; the `antialias=True` path of `tf.image.resize`).

Each is separable: along one axis every output index reads a few input indices ("taps") with
float32 weights computed as TF's kernels compute them, and the image is resampled along height
and width in TF's order, accumulating tap by tap in the image's dtype. Linear in the image, so
the vjp is the adjoint: the same taps transposed (each input index gathers from the outputs
that read it, as TF's ScaleAndTranslateGrad builds its grad spans), an op whose vjp is the
forward op again. ResizeArea has no gradient in TF and none here.

Difference from TF: float64 images given to the ops directly are resampled in float64 (TF's
kernels compute in float32; `tf.image.resize` casts to float32 first, as TF2 does).
"""

from __future__ import annotations

import functools

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ._common import no_gradient

_F32 = np.float32


def resize_scale(in_size: int, out_size: int, align_corners: bool) -> np.float32:
    """TF's CalculateResizeScale, in float32."""
    if align_corners and out_size > 1:
        return _F32(in_size - 1) / _F32(out_size - 1)
    return _F32(in_size) / _F32(out_size)


def check_resize(name, images, size):
    """TF's ImageResizerState checks: a 4-D floating image of positive height and width."""
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


# ---- taps: gather, and the adjoint's transposed taps -----------------------------------------


def gather_taps(x, axis, taps):
    """sum over k of weights[:, k] * x[indices[:, k]] along `axis`, accumulated in k order."""
    indices, weights = taps
    shape = [1] * x.ndim
    shape[axis] = indices.shape[0]
    out = None
    for k in range(indices.shape[1]):
        w = xp.asarray(weights[:, k].astype(x.dtype).reshape(shape))
        term = xp.take(x, xp.asarray(indices[:, k]), axis=axis) * w
        out = term if out is None else out + term
    return out


@functools.lru_cache(maxsize=256)
def _transposed(taps_key, in_size):
    indices, weights = taps_key.taps
    n_out, width = indices.shape
    outs = np.repeat(np.arange(n_out), width)
    ins = indices.reshape(-1)
    w = weights.reshape(-1).astype(np.float64)
    keep = w != 0
    # Merge repeated (input, output) pairs (clamped taps read one pixel twice).
    pairs, inverse = np.unique(ins[keep] * n_out + outs[keep], return_inverse=True)
    summed = np.bincount(inverse.reshape(-1), weights=w[keep])
    rows, cols = pairs // n_out, pairs % n_out
    counts = np.bincount(rows, minlength=in_size)
    slots = np.arange(len(rows)) - (np.cumsum(counts) - counts)[rows]
    t_indices = np.zeros((in_size, max(int(counts.max(initial=0)), 1)), np.int64)
    t_weights = np.zeros(t_indices.shape, _F32)
    t_indices[rows, slots] = cols
    t_weights[rows, slots] = summed
    return t_indices, t_weights


class _TapsKey:
    """Hashable by identity of a cached plan, so the transposed taps are cached with it."""

    __slots__ = ("taps",)

    def __init__(self, taps):
        self.taps = taps


def scatter_taps(g, axis, taps_key, in_size):
    """The adjoint of `gather_taps` along `axis`: back to an axis of `in_size`."""
    return gather_taps(g, axis, _transposed(taps_key, in_size))


# ---- bicubic (TF's ResizeBicubic: a coefficient table of 1024 steps) -----------------------

_TABLE_SIZE = 1024


@functools.lru_cache(maxsize=2)
def _coeffs_table(a: float):
    x = (np.arange(_TABLE_SIZE + 1) / _TABLE_SIZE).astype(_F32).astype(np.float64)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = (x.astype(_F32) + _F32(1)).astype(np.float64)
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return near.astype(_F32), far.astype(_F32)


@functools.lru_cache(maxsize=256)
def _bicubic_taps(in_size, out_size, align_corners, half_pixel_centers):
    scale = resize_scale(in_size, out_size, align_corners)
    i = np.arange(out_size, dtype=_F32)
    loc = (i + _F32(0.5)) * scale - _F32(0.5) if half_pixel_centers else i * scale
    base = np.floor(loc).astype(np.int64)
    offset = np.rint((loc - base.astype(_F32)) * _F32(_TABLE_SIZE)).astype(np.int64)
    # Keys' cubic (a = -0.5) with half-pixel centers; the legacy a = -0.75 otherwise.
    near, far = _coeffs_table(-0.5 if half_pixel_centers else -0.75)
    weights = np.stack(
        [far[offset], near[offset], near[_TABLE_SIZE - offset], far[_TABLE_SIZE - offset]], 1
    )
    wanted = base[:, None] + np.arange(-1, 3)
    indices = np.clip(wanted, 0, in_size - 1)
    if half_pixel_centers:
        # Taps outside the image get weight 0 and the rest are renormalized (TF's Keys path).
        weights = np.where(indices == wanted, weights, _F32(0))
        total = ((weights[:, 0] + weights[:, 1]) + weights[:, 2]) + weights[:, 3]
        ok = np.abs(total) >= _F32(1000) * np.finfo(_F32).tiny
        inverse = _F32(1) / np.where(ok, total, _F32(1))
        weights = np.where(ok[:, None], weights * inverse[:, None], weights)
    return _TapsKey((indices, weights.astype(_F32)))


def _bicubic_plans(in_hw, size, align_corners, half_pixel_centers):
    return [_bicubic_taps(n, m, align_corners, half_pixel_centers) for n, m in zip(in_hw, size)]


_RESIZE_SAMPLES = [
    Sample((2, 3, 4, 2), size=(5, 7), align_corners=False, half_pixel_centers=True),
    Sample((1, 6, 5, 1), size=(4, 2), align_corners=False, half_pixel_centers=True),
    Sample((1, 3, 3, 2), size=(5, 2), align_corners=True, half_pixel_centers=False),
]


@op("ResizeBicubic", samples=_RESIZE_SAMPLES)
def _resize_bicubic(images, size, align_corners, half_pixel_centers):
    check_resize("ResizeBicubic", images, size)
    rows, cols = _bicubic_plans(images.shape[1:3], size, align_corners, half_pixel_centers)
    # Along the height first, then the width, as TF's kernel interpolates.
    return gather_taps(gather_taps(images, 1, rows.taps), 2, cols.taps)


@_resize_bicubic.vjp
def _resize_bicubic_vjp(g, ans, images, size, align_corners, half_pixel_centers):
    original = tuple(images.shape[1:3])
    return (
        _resize_bicubic_grad(
            g,
            original_size=original,
            align_corners=align_corners,
            half_pixel_centers=half_pixel_centers,
        ),
    )


@op(
    "ResizeBicubicGrad",
    samples=[
        Sample((2, 5, 7, 2), original_size=(3, 4), align_corners=False, half_pixel_centers=True),
        Sample((1, 2, 3, 1), original_size=(5, 4), align_corners=True, half_pixel_centers=False),
    ],
)
def _resize_bicubic_grad(grads, original_size, align_corners, half_pixel_centers):
    # TF's op takes the original image; its shape is all it reads, here a static attribute.
    check_resize("ResizeBicubicGrad", grads, original_size)
    rows, cols = _bicubic_plans(original_size, grads.shape[1:3], align_corners, half_pixel_centers)
    back = scatter_taps(grads, 2, cols, original_size[1])
    return scatter_taps(back, 1, rows, original_size[0])


@_resize_bicubic_grad.vjp
def _resize_bicubic_grad_vjp(gg, ans, grads, original_size, align_corners, half_pixel_centers):
    size = tuple(grads.shape[1:3])
    return (
        _resize_bicubic(
            gg, size=size, align_corners=align_corners, half_pixel_centers=half_pixel_centers
        ),
    )


# ---- area (TF's ResizeArea: each output pixel averages the input area it covers) -----------


@functools.lru_cache(maxsize=256)
def _area_taps(in_size, out_size, align_corners):
    scale = resize_scale(in_size, out_size, align_corners)
    lo = np.arange(out_size, dtype=_F32) * scale
    hi = np.arange(1, out_size + 1, dtype=_F32) * scale
    start = np.floor(lo).astype(np.int64)
    end = np.ceil(hi).astype(np.int64)
    width = max(int((end - start).max()), 1)
    cells = start[:, None] + np.arange(width)
    c = cells.astype(_F32)
    lo_, hi_ = lo[:, None], hi[:, None]
    # The fraction of input cell i inside [lo, hi), as TF's kernel computes it.
    inside = np.where(
        c < lo_,
        np.where(c + 1 > hi_, scale, c + 1 - lo_),
        np.where(c + 1 > hi_, hi_ - c, _F32(1)),
    ).astype(_F32)
    weights = np.where(cells < end[:, None], inside, _F32(0))
    return _TapsKey((np.clip(cells, 0, in_size - 1), weights.astype(_F32)))


@op(
    "ResizeArea",
    samples=[
        Sample((2, 5, 7, 2), size=(3, 4), align_corners=False, wrt=()),
        Sample((1, 3, 4, 1), size=(5, 6), align_corners=True, wrt=()),
    ],
)
def _resize_area(images, size, align_corners):
    check_resize("ResizeArea", images, size)
    (in_h, in_w), (out_h, out_w) = images.shape[1:3], size
    rows = _area_taps(in_h, out_h, align_corners)
    cols = _area_taps(in_w, out_w, align_corners)
    cell = resize_scale(in_h, out_h, align_corners) * resize_scale(in_w, out_w, align_corners)
    inverse_area = _F32(1.0 / float(cell))  # TF: the double 1.0 over the float32 product
    # Along the width first, then the height, then scaled by 1 / (cell area), as TF.
    out = gather_taps(gather_taps(images, 2, cols.taps), 1, rows.taps)
    return out * images.dtype.type(inverse_area)


no_gradient(_resize_area)


# ---- scale and translate (TF's sampling kernels) ----------------------------------------------


def _lanczos(radius):
    pi = _F32(3.14159265359)

    def kernel(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            v = _F32(radius) * np.sin(pi * x) * np.sin(pi * x / _F32(radius)) / (pi * pi * x * x)
        tiny = x.astype(np.float64) <= 1e-3  # TF compares the float with the double 1e-3
        return np.where(x > radius, _F32(0), np.where(tiny, _F32(1), v))

    return kernel, float(radius)


def _gaussian(x):
    # sigma = radius / 3 = 0.5; TF divides by the double 2 * sigma^2.
    v = np.exp((-x * x).astype(np.float64) / (2.0 * 0.5 * 0.5)).astype(_F32)
    return np.where(x >= _F32(1.5), _F32(0), v)


def _box(x):
    return np.where(x < _F32(0.5), _F32(1), np.where(x == _F32(0.5), _F32(0.5), _F32(0)))


def _triangle(x):
    return np.where(x < _F32(1), _F32(1) - x, _F32(0))


def _keys_cubic(x):
    near = ((_F32(1.5) * x - _F32(2.5)) * x) * x + _F32(1)
    far = ((_F32(-0.5) * x + _F32(2.5)) * x - _F32(4)) * x + _F32(2)
    return np.where(x >= _F32(2), _F32(0), np.where(x >= _F32(1), far, near))


def _mitchell_cubic(x):
    near = ((_F32(7.0 / 6.0) * x - _F32(2)) * x) * x + _F32(8.0 / 9.0)
    far = ((_F32(-7.0 / 18.0) * x + _F32(2)) * x - _F32(10.0 / 3.0)) * x + _F32(16.0 / 9.0)
    return np.where(x >= _F32(2), _F32(0), np.where(x >= _F32(1), far, near))


SAMPLING_KERNELS = {
    "lanczos1": _lanczos(1),
    "lanczos3": _lanczos(3),
    "lanczos5": _lanczos(5),
    "gaussian": (_gaussian, 1.5),
    "box": (_box, 1.0),
    "triangle": (_triangle, 1.0),
    "keyscubic": (_keys_cubic, 2.0),
    "mitchellcubic": (_mitchell_cubic, 2.0),
}


@functools.lru_cache(maxsize=256)
def _span_taps(kernel_type, in_size, out_size, scale, translate, antialias):
    """TF's ComputeSpansCore: per output index, the input span and its normalized weights."""
    kernel, radius = SAMPLING_KERNELS[kernel_type]
    inv_scale = _F32(1.0 / float(_F32(scale)))
    inv_translate = -inv_scale * _F32(translate)
    kernel_scale = max(inv_scale, _F32(1)) if antialias else _F32(1)
    span = min(2 * int(np.ceil(_F32(radius) * kernel_scale)) + 1, in_size)
    sample = (np.arange(out_size, dtype=_F32) + _F32(0.5)) * inv_scale + inv_translate
    reach = _F32(radius) * kernel_scale
    start = np.clip(np.ceil(sample - reach - _F32(0.5)), 0, in_size - 1).astype(np.int64)
    end = np.clip(np.floor(sample + reach - _F32(0.5)), 0, in_size - 1).astype(np.int64) + 1
    sources = start[:, None] + np.arange(span)
    position = sources.astype(_F32) + _F32(0.5) - sample[:, None]
    weights = kernel(np.abs(position * (_F32(1) / kernel_scale))).astype(_F32)
    weights = np.where(sources < end[:, None], weights, _F32(0))
    total = np.zeros(out_size, _F32)
    for k in range(span):  # float32, in order, as TF sums them
        total = total + weights[:, k]
    ok = np.abs(total) >= _F32(1000) * np.finfo(_F32).tiny
    weights = np.where(ok[:, None], weights * (_F32(1) / np.where(ok, total, _F32(1)))[:, None], 0)
    # A sampling location outside the source image reads nothing (an empty span).
    outside = (sample < 0) | (sample > in_size)
    weights = np.where(outside[:, None], _F32(0), weights)
    return _TapsKey((np.clip(sources, 0, in_size - 1), weights.astype(_F32)))


def _check_scale_translate(name, images, size, scale, translation, kernel_type):
    check_resize(name, images, size)
    if kernel_type not in SAMPLING_KERNELS:
        raise InvalidArgumentError(f"{name}: Unrecognized kernel type: {kernel_type}")
    if len(scale) != 2 or len(translation) != 2:
        raise InvalidArgumentError(f"{name}: scale and translation must have two elements")
    if min(scale) <= 0:
        raise InvalidArgumentError(f"{name}: Scale must be greater than zero, got {scale}")


def _span_plans(in_hw, size, scale, translation, kernel_type, antialias):
    return [
        _span_taps(kernel_type, n, m, float(s), float(t), bool(antialias))
        for n, m, s, t in zip(in_hw, size, scale, translation)
    ]


_SCALE_SAMPLES = [
    Sample((2, 6, 5, 2), size=(3, 4), scale=(0.5, 0.8), translation=(0.0, 0.0),
           kernel_type=k, antialias=a)
    for k, a in [("lanczos3", True), ("gaussian", True), ("mitchellcubic", False),
                 ("triangle", True), ("keyscubic", True), ("lanczos5", False)]
] + [
    Sample((1, 3, 4, 1), size=(7, 5), scale=(7 / 3, 1.25), translation=(0.3, -0.2),
           kernel_type="lanczos3", antialias=True),
]  # fmt: skip


@op("ScaleAndTranslate", samples=_SCALE_SAMPLES)
def _scale_and_translate(images, size, scale, translation, kernel_type, antialias):
    _check_scale_translate("ScaleAndTranslate", images, size, scale, translation, kernel_type)
    rows, cols = _span_plans(images.shape[1:3], size, scale, translation, kernel_type, antialias)
    # Rows (height) first, then columns, as TF's GatherSpans.
    return gather_taps(gather_taps(images, 1, rows.taps), 2, cols.taps)


@_scale_and_translate.vjp
def _scale_and_translate_vjp(g, ans, images, **attrs):
    return (_scale_and_translate_grad(g, original_size=tuple(images.shape[1:3]), **attrs),)


@op(
    "ScaleAndTranslateGrad",
    samples=[
        Sample(
            (2, 3, 4, 2),
            original_size=(6, 5),
            size=(3, 4),
            scale=(0.5, 0.8),
            translation=(0.0, 0.0),
            kernel_type=k,
            antialias=True,
        )
        for k in ("lanczos3", "keyscubic")
    ],  # fmt: skip
)
def _scale_and_translate_grad(
    grads, original_size, size, scale, translation, kernel_type, antialias
):  # fmt: skip
    name = "ScaleAndTranslateGrad"
    _check_scale_translate(name, grads, original_size, scale, translation, kernel_type)
    rows, cols = _span_plans(original_size, size, scale, translation, kernel_type, antialias)
    back = scatter_taps(grads, 2, cols, original_size[1])
    return scatter_taps(back, 1, rows, original_size[0])


@_scale_and_translate_grad.vjp
def _scale_and_translate_grad_vjp(gg, ans, grads, original_size, **attrs):
    return (_scale_and_translate(gg, **attrs),)


# Public spellings used by `tf.image.resize` (image.py).
resize_bicubic = _resize_bicubic
resize_area = _resize_area
scale_and_translate = _scale_and_translate
