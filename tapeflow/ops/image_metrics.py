"""`tf.image`'s image measures, as TF writes them out of ops (so they are differentiable as
TF's are): psnr, ssim (Gaussian-windowed, per channel), ssim_multiscale, total_variation,
image_gradients and sobel_edges.
"""

from __future__ import annotations

import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.tensor import convert_to_tensor
from .array import reshape, zeros
from .array_join import concat, pad, stack, tile
from .conv import depthwise_conv2d
from .image_convert import convert_image_dtype
from .math import cast, squared_difference
from .math import pow as _pow
from .math_unary import abs as _abs
from .math_unary import log, square
from .nn import relu, softmax
from .pooling import avg_pool
from .reduce import reduce_mean, reduce_prod, reduce_sum


def _compatible(fn, a, b, filtered):
    """TF's _verify_compatible_image_shapes: rank >= 3, equal last three dimensions, and
    broadcastable leading ones."""
    sa, sb = a.shape.as_list(), b.shape.as_list()
    if len(sa) < 3 or len(sb) < 3:
        raise InvalidArgumentError(f"{fn}: images must be at least 3-D, got shapes {sa} and {sb}")
    if a.dtype != b.dtype:
        raise InvalidArgumentError(
            f"{fn}: the two images must have the same dtype, got {a.dtype.name} and {b.dtype.name}"
        )
    if sa[-3:] != sb[-3:]:
        raise InvalidArgumentError(f"{fn}: Shapes {tuple(sa)} and {tuple(sb)} are incompatible")
    for d1, d2 in zip(reversed(sa[:-3]), reversed(sb[:-3])):
        if not (d1 == 1 or d2 == 1 or d1 == d2):
            raise ValueError(f"Two images are not compatible: {tuple(sa)} and {tuple(sb)}")
        if filtered and d1 != d2 and 0 in (d1, d2):  # TF's ssim filtering fails on it
            raise InvalidArgumentError(
                f"{fn}: an empty batch cannot be compared with a non-empty one: {tuple(sa)} "
                f"and {tuple(sb)}"
            )


def _float_pair(fn, a, b, max_val, filtered=True):
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    _compatible(fn, a, b, filtered)
    max_val = convert_image_dtype(cast(max_val, a.dtype), dtypes.float32)
    return convert_image_dtype(a, dtypes.float32), convert_image_dtype(b, dtypes.float32), max_val


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio per image, 20 log10(max_val) - 10 log10(mse), in float32."""
    a, b, max_val = _float_pair("psnr", a, b, max_val, filtered=False)
    mse = reduce_mean(squared_difference(a, b), [-3, -2, -1])
    return 20 * log(max_val) / log(10.0) - np.float32(10 / np.log(10)) * log(mse)


def _gaussian_window(size, sigma):
    coords = cast(np.arange(size), sigma.dtype)
    coords -= cast(size - 1, sigma.dtype) / 2.0
    g = square(coords) * (-0.5 / square(sigma))
    g = reshape(g, [1, -1]) + reshape(g, [-1, 1])
    return reshape(softmax(reshape(g, [1, -1])), [size, size, 1, 1])


def _ssim_per_channel(img1, img2, max_val, filter_size, filter_sigma, k1, k2, index_map=False):
    dims = img1.shape.as_list()
    if min(dims[-3:-1]) < filter_size:
        raise InvalidArgumentError(
            f"ssim: the images' height and width must be at least filter_size={filter_size}, "
            f"got shape {tuple(dims)}"
        )
    sigma = convert_to_tensor(np.asarray(filter_sigma, img1.dtype.as_numpy_dtype))
    kernel = tile(_gaussian_window(filter_size, sigma), [1, 1, dims[-1], 1])

    def reducer(x):
        lead = x.shape.as_list()[:-3]
        y = depthwise_conv2d(reshape(x, [-1] + x.shape.as_list()[-3:]), kernel, [1, 1, 1, 1],
                             "VALID")  # fmt: skip
        return reshape(y, lead + y.shape.as_list()[1:])

    c1 = (k1 * max_val) ** 2
    c2 = (k2 * max_val) ** 2
    mean0, mean1 = reducer(img1), reducer(img2)
    num0 = mean0 * mean1 * 2.0
    den0 = square(mean0) + square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(img1 * img2) * 2.0
    den1 = reducer(square(img1) + square(img2))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    if index_map:
        return luminance * cs, cs
    return reduce_mean(luminance * cs, [-3, -2]), reduce_mean(cs, [-3, -2])


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         return_index_map=False):  # fmt: skip
    """Structural similarity per image (mean over channels), with a `filter_size` Gaussian
    window of `filter_sigma`; `return_index_map` keeps the per-pixel map."""
    img1, img2, max_val = _float_pair("ssim", img1, img2, max_val)
    per_channel, _ = _ssim_per_channel(
        img1, img2, max_val, filter_size, filter_sigma, k1, k2, return_index_map
    )
    return reduce_mean(per_channel, [-1])


_MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ssim_multiscale(img1, img2, max_val, power_factors=_MSSSIM_WEIGHTS, filter_size=11,
                    filter_sigma=1.5, k1=0.01, k2=0.03):  # fmt: skip
    """Multi-scale SSIM: contrast-structure at each of len(power_factors) scales (halving
    with 2 x 2 average pooling, odd sizes padded symmetrically) and SSIM at the last."""
    img1, img2, max_val = _float_pair("ssim_multiscale", img1, img2, max_val)
    imgs = [img1, img2]
    heads = [x.shape.as_list()[:-3] for x in imgs]
    mcs = []
    for k in range(len(power_factors)):
        if k > 0:
            tail = imgs[0].shape.as_list()[-3:]
            flat = [reshape(x, [-1] + tail) for x in imgs]
            rh, rw = tail[0] % 2, tail[1] % 2
            if rh or rw:
                flat = [pad(x, [[0, 0], [0, rh], [0, rw], [0, 0]], mode="SYMMETRIC") for x in flat]
            down = [avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID") for x in flat]
            imgs = [reshape(x, h + x.shape.as_list()[1:]) for x, h in zip(down, heads)]
        per_channel, cs = _ssim_per_channel(*imgs, max_val, filter_size, filter_sigma, k1, k2)
        mcs.append(relu(cs))
    mcs.pop()
    values = stack(mcs + [relu(per_channel)], axis=-1)
    factors = convert_to_tensor(np.asarray(power_factors, np.float32))
    return reduce_mean(reduce_prod(_pow(values, factors), [-1]), [-1])


def total_variation(images, name=None):
    """The sum of absolute differences between neighbouring pixels (per image for 4-D)."""
    images = convert_to_tensor(images)
    rank = images.shape.rank
    if rank == 3:
        dy = images[1:, :, :] - images[:-1, :, :]
        dx = images[:, 1:, :] - images[:, :-1, :]
        axis = None
    elif rank == 4:
        dy = images[:, 1:, :, :] - images[:, :-1, :, :]
        dx = images[:, :, 1:, :] - images[:, :, :-1, :]
        axis = [1, 2, 3]
    else:
        raise ValueError("'images' must be either 3 or 4-dimensional.")
    return reduce_sum(_abs(dy), axis=axis) + reduce_sum(_abs(dx), axis=axis)


def image_gradients(image):
    """(dy, dx): forward differences along height and width of a 4-D batch, zero in the
    last row (dy) and column (dx)."""
    image = convert_to_tensor(image)
    if image.shape.rank != 4:
        raise ValueError(
            f"image_gradients expects a 4D tensor [batch_size, h, w, d], not "
            f"{tuple(image.shape.as_list())}."
        )
    batch, height, width, depth = image.shape.as_list()
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    dy = concat([dy, zeros([batch, 1, width, depth], image.dtype)], 1)
    dx = concat([dx, zeros([batch, height, 1, depth], image.dtype)], 2)
    return dy, dx


_SOBEL = np.array([[[-1, -2, -1], [0, 0, 0], [1, 2, 1]], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]])


def sobel_edges(image):
    """The vertical and horizontal Sobel responses of a 4-D batch (edges reflected), stacked
    in a last dimension of 2: [batch, height, width, depth, 2]."""
    image = convert_to_tensor(image)
    dims = image.shape.as_list()
    if len(dims) != 4:
        raise InvalidArgumentError(
            f"sobel_edges: The first dimension of paddings must be the rank of inputs, got an "
            f"image of shape {tuple(dims)} (expected [batch, height, width, depth])"
        )
    if not image.dtype.is_floating:
        raise InvalidArgumentError(
            f"sobel_edges: expected a floating-point image, got {image.dtype.name}"
        )
    kernels = np.expand_dims(np.transpose(_SOBEL, (1, 2, 0)), -2)
    kernels = tile(convert_to_tensor(kernels.astype(image.dtype.as_numpy_dtype)),
                   [1, 1, dims[-1], 1])  # fmt: skip
    padded = pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    out = depthwise_conv2d(padded, kernels, [1, 1, 1, 1], "VALID")
    return reshape(out, dims + [2])


API = {
    "image": [
        "psnr",
        "ssim",
        "ssim_multiscale",
        "total_variation",
        "image_gradients",
        "sobel_edges",
    ]
}
