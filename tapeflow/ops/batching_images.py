"""Batching rules (see batching.py) of convolutions, pooling and image ops: the batch
folds into the images' own batch axis, or the op works on any leading axes already."""

from __future__ import annotations

from .batching import _all_batched, _op, loop, rule

# ---- convolutions and pooling: the batch folds into the images' own batch axis ----------


def _fold(x):
    shape = tuple(x._value.shape)
    return _op("Reshape")(x, shape=(shape[0] * shape[1],) + shape[2:])


def _unfold(y, batch_size):
    shape = tuple(y._value.shape)
    return _op("Reshape")(y, shape=(batch_size, shape[0] // batch_size) + shape[1:])


def _folded(images: int, batch_size: int) -> int:
    """An image-batch size attribute once the examples fold in (-1: the gradient's own)."""
    return -1 if images == -1 else batch_size * images


@rule("Conv2D", "DepthwiseConv2dNative")
def conv(op, args, batched, batch_size, **attrs):
    x, f = args
    if batched[1]:
        return loop(op, args, batched, batch_size, **attrs)
    return _unfold(op(_fold(x), f, **attrs), batch_size)


@rule("Conv2DBackpropInput", "DepthwiseConv2dNativeBackpropInput")
def conv_backprop_input(op, args, batched, batch_size, input_sizes, **attrs):
    f, g = args
    if batched[0]:
        return loop(op, args, batched, batch_size, input_sizes=input_sizes, **attrs)
    sizes = (_folded(input_sizes[0], batch_size),) + tuple(input_sizes[1:])
    return _unfold(op(f, _fold(g), input_sizes=sizes, **attrs), batch_size)


@rule("Conv2DBackpropFilter")
def conv_backprop_filter(op, args, batched, batch_size, filter_sizes, **attrs):
    """Per-example filter gradients as one depthwise filter gradient: example b's input
    channels become channels (b, c) and its output gradient is repeated for each c, so
    the depthwise pairing of channel (b, c) with outputs ((b, c), f) is exactly example
    b's products. The repetition costs C copies of the gradient: used for C <= 8."""
    x, g = _all_batched(args, batched, batch_size)
    kh, kw, c, f = filter_sizes
    if c > 8:
        return loop(op, args, batched, batch_size, filter_sizes=filter_sizes, **attrs)
    b, n, h, w, _ = x._value.shape
    _, _, oh, ow, _ = g._value.shape
    x = _op("Reshape")(_op("Transpose")(x, perm=(1, 2, 3, 0, 4)), shape=(n, h, w, b * c))
    g = _op("Transpose")(g, perm=(1, 2, 3, 0, 4))  # (N, OH, OW, B, F)
    g = _op("BroadcastTo")(
        _op("Reshape")(g, shape=(n, oh, ow, b, 1, f)), shape=(n, oh, ow, b, c, f)
    )
    g = _op("Reshape")(g, shape=(n, oh, ow, b * c * f))
    depthwise = _op("DepthwiseConv2dNativeBackpropFilter")
    out = depthwise(x, g, filter_sizes=(kh, kw, b * c, f), **attrs)
    out = _op("Reshape")(out, shape=(kh, kw, b, c, f))
    return _op("Transpose")(out, perm=(2, 0, 1, 3, 4))


@rule("MaxPool", "AvgPool")
def pool(op, args, batched, batch_size, **attrs):
    return _unfold(op(_fold(args[0]), **attrs), batch_size)


@rule("MaxPoolGrad", "MaxPoolGradGrad")
def max_pool_grad(op, args, batched, batch_size, **attrs):
    folded = [_fold(a) for a in _all_batched(args, batched, batch_size)]
    return _unfold(op(*folded, **attrs), batch_size)


@rule("AvgPoolGrad")
def avg_pool_grad(op, args, batched, batch_size, orig_input_shape, **attrs):
    shape = (_folded(orig_input_shape[0], batch_size),) + tuple(orig_input_shape[1:])
    return _unfold(op(_fold(args[0]), orig_input_shape=shape, **attrs), batch_size)


@rule(
    "ResizeBilinear", "ResizeBilinearGrad", "ResizeNearestNeighbor", "ResizeNearestNeighborGrad",
    "ResizeBicubic", "ResizeBicubicGrad", "ResizeArea", "ScaleAndTranslate",
    "ScaleAndTranslateGrad", "ExtractImagePatches", "ExtractImagePatchesGrad",
)  # fmt: skip
def image_batch(op, args, batched, batch_size, **attrs):
    """Ops on one NHWC batch of images whose attributes name no batch size."""
    return _unfold(op(_fold(args[0]), **attrs), batch_size)


@rule("RGBToHSV", "HSVToRGB")
def per_pixel(op, args, batched, batch_size):
    return op(args[0])  # along the last axis: a leading batch axis changes nothing


@rule("AdjustHue", "AdjustSaturation", "AdjustContrastv2")
def image_adjust(op, args, batched, batch_size):
    """Per pixel, or per image over the last three axes; the factor is a scalar."""
    if batched[1]:
        return loop(op, args, batched, batch_size)
    return op(*args)
