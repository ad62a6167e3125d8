"""`tf.image.extract_patches` (TF's ExtractImagePatches): every `sizes` window of a batch of
images, taken every `strides` pixels with `rates` dilation, flattened into the depth.

The op only copies pixels, so its vjp is the adjoint: each window's gradient is added back
where the window was read (an op of its own, whose vjp is the extraction again).
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core.errors import InvalidArgumentError, OutOfRangeError, UnimplementedError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor


def _spatial(name, what, values):
    values = [int(v) for v in values]
    if len(values) != 4:
        raise InvalidArgumentError(
            f"{name}: {what} must have 4 entries [1, rows, cols, 1], got {values}"
        )
    if values[0] != 1 or values[3] != 1:
        raise UnimplementedError(f"{name}: Only support {what} across space, got {values}")
    if min(values[1:3]) < 1:
        raise OutOfRangeError(f"{name}: {what} is out of range: {values}")
    return values[1], values[2]


def _plan(name, in_hw, sizes, strides, rates, padding):
    """Per spatial axis: (output size, padding before, padding after, size, stride, rate)."""
    if padding not in ("SAME", "VALID"):
        raise InvalidArgumentError(
            f'{name}: padding must be one of "SAME", "VALID", got {padding!r}'
        )
    ks, ss, rs = (_spatial(name, w, v) for w, v in
                  (("ksizes", sizes), ("strides", strides), ("rates", rates)))  # fmt: skip
    axes = []
    for n, k, s, r in zip(in_hw, ks, ss, rs):
        reach = k + (k - 1) * (r - 1)  # the dilated window
        if padding == "VALID":
            out = int((n - reach + s) / s)  # C's division, toward zero
            if out < 0:
                raise InvalidArgumentError(
                    f"{name}: Computed output size would be negative: {out} [input: {n}, "
                    f"effective filter: {reach}, stride: {s}]"
                )
            before = after = 0
        else:
            out = -(-n // s)
            total = max((out - 1) * s + reach - n, 0)
            before, after = total // 2, total - total // 2
        axes.append((out, before, after, k, s, r))
    return axes


def _check_images(name, images):
    if images.ndim != 4:
        raise InvalidArgumentError(f"{name}: input must be 4-dimensional, got {images.shape}")
    if images.dtype.kind not in "iuf":
        raise InvalidArgumentError(f"{name}: expected a real-valued image, got {images.dtype}")


def _int_list(what, values) -> tuple:
    """TF's list(int) attribute: a flat list of Python ints."""
    if hasattr(values, "numpy"):
        values = values.numpy()
    array = np.asarray(values)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise TypeError(f"ExtractImagePatches: expected a list of ints for {what}, got {values!r}")
    return tuple(int(v) for v in array)


def _windows(rows, cols):
    """(i, j, row slice, col slice) of every window offset, on the padded image."""
    (oh, _, _, kh, sh, rh), (ow, _, _, kw, sw, rw) = rows, cols
    for i in range(kh):
        for j in range(kw):
            yield (
                i,
                j,
                slice(i * rh, i * rh + (oh - 1) * sh + 1, sh),
                slice(j * rw, j * rw + (ow - 1) * sw + 1, sw),
            )


_SAMPLES = [
    Sample((2, 5, 6, 2), sizes=(1, 2, 3, 1), strides=(1, 2, 1, 1), rates=(1, 1, 1, 1),
           padding="VALID"),
    Sample((1, 5, 6, 2), sizes=(1, 3, 2, 1), strides=(1, 2, 3, 1), rates=(1, 2, 1, 1),
           padding="SAME"),
]  # fmt: skip


@op("ExtractImagePatches", samples=_SAMPLES)
def _extract_patches(images, sizes, strides, rates, padding):
    name = "ExtractImagePatches"
    _check_images(name, images)
    rows, cols = _plan(name, images.shape[1:3], sizes, strides, rates, padding)
    padded = xp.pad(images, [(0, 0), rows[1:3], cols[1:3], (0, 0)])
    batch, depth = images.shape[0], images.shape[3]
    out = xp.empty((batch, rows[0], cols[0], rows[3], cols[3], depth), dtype=images.dtype)
    for i, j, rs, cs in _windows(rows, cols):
        out[:, :, :, i, j, :] = padded[:, rs, cs, :]
    return out.reshape(batch, rows[0], cols[0], rows[3] * cols[3] * depth)


@_extract_patches.vjp
def _extract_patches_vjp(g, ans, images, **attrs):
    return (_extract_patches_grad(g, image_size=tuple(images.shape[1:3]), **attrs),)


@op(
    "ExtractImagePatchesGrad",
    samples=[
        Sample(
            (2, 2, 4, 12),
            image_size=(5, 6),
            sizes=(1, 2, 3, 1),
            strides=(1, 2, 1, 1),
            rates=(1, 1, 1, 1),
            padding="VALID",
        ),
        Sample(
            (1, 3, 2, 12),
            image_size=(5, 6),
            sizes=(1, 3, 2, 1),
            strides=(1, 2, 3, 1),
            rates=(1, 2, 1, 1),
            padding="SAME",
        ),
    ],  # fmt: skip
)
def _extract_patches_grad(grads, image_size, sizes, strides, rates, padding):
    # No TF op (TF's gradient is a sparse matmul): the adjoint of ExtractImagePatches.
    name = "ExtractImagePatchesGrad"
    _check_images(name, grads)
    rows, cols = _plan(name, image_size, sizes, strides, rates, padding)
    batch = grads.shape[0]
    depth = grads.shape[3] // (rows[3] * cols[3])
    g = grads.reshape(batch, rows[0], cols[0], rows[3], cols[3], depth)
    h, w = image_size
    padded = xp.zeros((batch, h + rows[1] + rows[2], w + cols[1] + cols[2], depth), g.dtype)
    for i, j, rs, cs in _windows(rows, cols):
        padded[:, rs, cs, :] += g[:, :, :, i, j, :]  # one window offset: no repeated pixel
    return padded[:, rows[1] : rows[1] + h, cols[1] : cols[1] + w, :]


@_extract_patches_grad.vjp
def _extract_patches_grad_vjp(gg, ans, grads, image_size, **attrs):
    return (_extract_patches(gg, **attrs),)


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """Patches of `images` [batch, height, width, depth]: `sizes`, `strides` and `rates` are
    [1, rows, cols, 1]; `padding` "VALID" or "SAME" (zeros). The output is [batch,
    out_rows, out_cols, rows * cols * depth], each patch flattened row by row."""
    images = convert_to_tensor(images)
    return _extract_patches(
        images,
        sizes=_int_list("ksizes", sizes),
        strides=_int_list("strides", strides),
        rates=_int_list("rates", rates),
        padding=str(padding).upper(),
    )


API = {"image": ["extract_patches"]}
