"""_FusedConv2D: Conv2D + BiasAdd + Relu as one eager op.

TensorFlow's graph optimizer rewrites that chain into its internal `_FusedConv2D` op; a
tf.function plan in tapeflow fuses it the same way (function/fusion.py). This op does it for
eager code: Keras' Conv2D layer calls it when it runs eagerly with a bias and a relu and the
direct convolution kernels compute the convolution (backend/conv_direct.py), so a training
step makes one pass over the layer's activations instead of three, and the backward pass
computes the relu, bias and filter gradients in one more (the array vjp) instead of three.
Its values and gradients are bitwise those of the three ops (the same kernels in the same
order), so a model trains the same with and without it. Inside a trace the layer calls the
three ops, which is the graph TF shows.
"""

from ..backend import conv as kernels
from ..backend import conv_direct, fused
from ..core.context import state
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import Tensor
from .conv import _conv2d_vjp, _conv_window
from .nn import _relu_grad
from .reduce import _sum

_ATTRS = dict(strides=(1, 1), padding="SAME", dilations=(1, 1))
_STRIDED = dict(strides=(2, 1), padding="VALID", dilations=(1, 1))
_DILATED = dict(strides=(1, 1), padding="SAME", dilations=(2, 2))


@op(
    "_FusedConv2D",
    numbers=True,
    samples=[
        Sample((2, 5, 5, 1), (3, 3, 1, 3), (3,), **_ATTRS),
        Sample((1, 6, 5, 2), (2, 2, 2, 2), (2,), **_STRIDED),
        Sample((1, 7, 6, 1), (2, 2, 1, 3), (3,), **_DILATED),
    ],
)
def _fused_conv2d(input, filter, bias, strides, padding, dilations):
    win = _conv_window("Conv2D", input.shape, filter.shape, strides, padding, dilations)
    if bias.ndim != 1 or bias.shape[0] != filter.shape[3]:
        raise InvalidArgumentError(
            f"_FusedConv2D: bias must be 1-D with one value per filter ({filter.shape[3]}), "
            f"got shape {tuple(bias.shape)}"
        )
    return conv_direct.conv2d_bias_relu(input, filter, bias, win)


@_fused_conv2d.vjp(needs=True)
def _fused_conv2d_vjp(g, ans, input, filter, bias, strides, padding, dilations, needs=None):
    needs = needs or (True, True, True)
    dz = _relu_grad(g, ans)
    # Behind the relu and the bias it is Conv2D's gradient, at dz (Conv2D's vjp ignores ans).
    gi, gf = _conv2d_vjp(dz, None, input, filter, strides, padding, dilations, needs=needs[:2])
    gb = _sum(dz, axis=(0, 1, 2)) if needs[2] else None
    return gi, gf, gb


@_fused_conv2d.array_vjp
def _fused_conv2d_array_vjp(g, ans, input, filter, bias, strides, padding, dilations, needs=None):
    needs = needs or (True, True, True)
    win = _conv_window("Conv2D", input.shape, filter.shape, strides, padding, dilations)
    gi = gf = gb = None
    if needs[1] or needs[2]:  # one pass: the relu gradient is not stored
        gf, gb = conv_direct.filter_grad_relu(input, g, ans, filter.shape, win)
    if needs[0]:
        dz = fused.relu_grad(g, ans)
        gi = kernels.conv2d_backprop_input(filter, dz, input.shape, win)
    return gi, gf if needs[1] else None, gb if needs[2] else None


def fused_conv2d(input, filter, bias, strides, padding, dilations):
    """relu(bias_add(conv2d(input, filter), bias)) on NHWC tensors, as one op (see above)."""
    return _fused_conv2d(
        input, filter, bias, strides=tuple(strides), padding=padding, dilations=tuple(dilations)
    )


def eager_conv_bias_relu(x, kernel, bias, strides, padding, dilations):
    """`fused_conv2d` of a Keras layer's input and weights when it runs eagerly on a Tensor
    whose dtype is the weights' and the direct kernels compute the convolution; else None
    (the layer then runs its three ops)."""
    if state.tracer is not None or type(x) is not Tensor:
        return None
    value, f = x._value, kernel._value
    if value.ndim != 4 or value.dtype != f.dtype or bias._value.dtype != f.dtype:
        return None
    try:
        win = _conv_window("Conv2D", value.shape, f.shape, strides, padding, dilations)
    except InvalidArgumentError:  # the layer's own ops report it
        return None
    if not conv_direct.applies(value.shape, value.dtype, f.shape, win):
        return None
    return fused_conv2d(x, kernel, bias, strides, padding, dilations)
