"""Convolution and pooling: TF golden numbers, NumPy references, and hand-checked semantics."""

import json
import pathlib

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import tapeflow as tf
from tapeflow.backend import conv as conv_kernels
from tapeflow.core.errors import InvalidArgumentError, UnimplementedError
from tapeflow.core.registry import get_op

GOLDEN = json.loads((pathlib.Path(__file__).parent.parent / "golden" / "conv.json").read_text())
CASES = GOLDEN["cases"]
depthwise_op = get_op("DepthwiseConv2dNative")


# ---- TensorFlow golden numbers -------------------------------------------------------------


def _tolerance(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_tensorflow(name):
    case = CASES[name]
    dtype = case["dtype"]
    tol = _tolerance(dtype)
    fn = getattr(tf.nn, case["fn"])
    inputs = {k: tf.constant(np.array(v, dtype=dtype)) for k, v in case["inputs"].items()}
    u = tf.constant(np.array(case["u"], dtype=dtype))
    second = case.get("second_order")
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(list(inputs.values()) + [u])
        with tf.GradientTape() as tape:
            tape.watch(list(inputs.values()))
            y = fn(**inputs, **case["kwargs"])
        grads = tape.gradient(y, inputs, output_gradients=u)
        if second:
            w = tf.constant(np.array(second["w"], dtype=dtype))
            inner = tf.reduce_sum(grads[second["of"]] * w)
    assert y.dtype.name == dtype
    np.testing.assert_allclose(y.numpy(), np.array(case["output"]), **tol)
    for k, g in grads.items():
        np.testing.assert_allclose(g.numpy(), np.array(case["grads"][k]), **tol, err_msg=k)
    if second:
        got = outer.gradient(inner, dict(inputs, u=u), unconnected_gradients="zero")
        for k, want in second["grads"].items():
            want = np.zeros(got[k].shape) if want is None else np.array(want)
            np.testing.assert_allclose(got[k].numpy(), want, **tol, err_msg=f"second order {k}")


# ---- forward values against NumPy references -----------------------------------------------


def _same_pads(size, k, s, d):
    eff = (k - 1) * d + 1
    total = max((-(-size // s) - 1) * s + eff - size, 0)
    return total // 2, total - total // 2


def _windows(x, kernel, strides, dilations, padding, fill=0.0):
    """(N, OH, OW, C, kh, kw) windows of NHWC x, straight from sliding_window_view."""
    if padding == "SAME":
        pads = [_same_pads(x.shape[1 + a], kernel[a], strides[a], dilations[a]) for a in (0, 1)]
    elif padding == "VALID":
        pads = [(0, 0), (0, 0)]
    else:
        pads = padding
    xp = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilations, strict=True)]
    win = sliding_window_view(xp, eff, axis=(1, 2))
    return win[:, :: strides[0], :: strides[1], :, :: dilations[0], :: dilations[1]]


CONV_FORWARD = [
    ((2, 8, 8, 1), (3, 3, 1, 4), (1, 1), "VALID", (1, 1)),
    ((2, 8, 7, 3), (3, 2, 3, 5), (2, 2), "SAME", (1, 1)),
    ((1, 9, 9, 6), (3, 3, 6, 2), (2, 1), "SAME", (2, 2)),
    ((2, 6, 5, 8), (2, 3, 8, 3), (1, 2), ((2, 1), (0, 3)), (1, 2)),
    ((3, 5, 5, 2), (5, 5, 2, 1), (1, 1), "VALID", (1, 1)),  # a 1x1 output
]


@pytest.mark.parametrize("x_shape, f_shape, strides, padding, dilations", CONV_FORWARD)
def test_conv2d_and_depthwise_forward_match_numpy(
    rng, x_shape, f_shape, strides, padding, dilations
):
    x = rng.standard_normal(x_shape)
    f = rng.standard_normal(f_shape)
    win = _windows(x, f_shape[:2], strides, dilations, padding)
    pad_arg = padding if isinstance(padding, str) else [[0, 0], *padding, [0, 0]]
    got = tf.nn.conv2d(x, f, strides, pad_arg, dilations=dilations)
    np.testing.assert_allclose(
        got.numpy(), np.einsum("npqcij,ijco->npqo", win, f), rtol=1e-10, atol=1e-10
    )
    fd = rng.standard_normal(f_shape[:3] + (2,))
    # The op itself: tf.nn.depthwise_conv2d refuses strides > 1 with dilations > 1, as TF.
    pads = padding if isinstance(padding, str) else tuple(padding)
    got = depthwise_op(x, fd, strides=strides, padding=pads, dilations=dilations)
    want = np.einsum("npqcij,ijcm->npqcm", win, fd).reshape(got.shape.as_list())
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-10)


POOL_FORWARD = [
    ((2, 6, 6, 3), (2, 2), (2, 2), "VALID"),
    ((1, 7, 5, 2), (3, 3), (2, 2), "SAME"),
    ((2, 5, 8, 1), (2, 3), (1, 3), "SAME"),
    ((1, 5, 5, 4), (3, 2), (2, 1), ((1, 1), (0, 1))),
]


@pytest.mark.parametrize("x_shape, ksize, strides, padding", POOL_FORWARD)
def test_pooling_forward_matches_numpy(rng, x_shape, ksize, strides, padding):
    x = rng.standard_normal(x_shape)
    pad_arg = padding if isinstance(padding, str) else [[0, 0], *padding, [0, 0]]
    win = _windows(x, ksize, strides, (1, 1), padding, fill=-np.inf)
    got = tf.nn.max_pool2d(x, ksize, strides, pad_arg)
    np.testing.assert_array_equal(got.numpy(), win.max(axis=(-2, -1)))
    if isinstance(padding, str):
        win = _windows(x, ksize, strides, (1, 1), padding, fill=np.nan)
        got = tf.nn.avg_pool2d(x, ksize, strides, padding)
        np.testing.assert_allclose(got.numpy(), np.nanmean(win, axis=(-2, -1)), rtol=1e-12)


# ---- hand-checked semantics ----------------------------------------------------------------


def test_same_padding_puts_the_extra_cell_at_the_bottom_right():
    # 4 inputs, kernel 2, stride 1: SAME pads one cell, after the data.
    x = np.arange(1.0, 5.0).reshape(1, 1, 4, 1)
    f = np.ones((1, 2, 1, 1))
    y = tf.nn.conv2d(x, f, 1, "SAME")
    np.testing.assert_array_equal(y.numpy().ravel(), [3.0, 5.0, 7.0, 4.0])
    # kernel 3, stride 2 over 6 cells: total padding 1, again all of it at the end.
    x = np.arange(1.0, 7.0).reshape(1, 1, 6, 1)
    y = tf.nn.conv2d(x, np.ones((1, 3, 1, 1)), 2, "SAME")
    np.testing.assert_array_equal(y.numpy().ravel(), [6.0, 12.0, 11.0])


def test_avg_pool_same_counts_only_real_cells():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    y = tf.nn.avg_pool2d(x, 3, 2, "SAME")  # TF: [[5, 6.5], [11, 12.5]]
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[5.0, 6.5], [11.0, 12.5]])


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = tf.constant(
        np.array(
            [[1.0, 3, 3, 0], [3, 2, 3, 1], [0, 0, 1, 1], [1, 1, 0, 0]], dtype=np.float32
        ).reshape(1, 4, 4, 1)
    )
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 3, 1, "SAME")
    g = tape.gradient(y, x)
    # TF 2.21 gives exactly this routing (row-major first maximum of each window).
    want = [[0, 6, 2, 0], [2, 0, 2, 0], [0, 0, 3, 0], [1, 0, 0, 0]]
    np.testing.assert_array_equal(g.numpy()[0, :, :, 0], want)


def test_max_pool_skips_nan_like_tensorflow():
    x = np.array([-np.inf, np.nan, 1.0, 2.0], dtype=np.float32).reshape(1, 2, 2, 1)
    assert tf.nn.max_pool2d(x, 2, 1, "VALID").numpy().item() == 2.0


def test_max_pool_second_order_is_a_gather():
    x = tf.constant(np.array([[1.0, 5.0], [2.0, 0.0]]).reshape(1, 2, 2, 1))
    u = tf.constant(np.array([[[[3.0]]]]))
    with tf.GradientTape() as outer:
        outer.watch(u)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.nn.max_pool2d(x, 2, 2, "VALID")
        g = inner.gradient(y, x, output_gradients=u)
        z = tf.reduce_sum(g * tf.constant(np.arange(4.0).reshape(1, 2, 2, 1)))
    assert outer.gradient(z, u).numpy().item() == 1.0  # the weight at the argmax (0, 1)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_output_dtype_follows_the_input(dtype):
    x = np.ones((1, 4, 4, 2), dtype=dtype)
    f = np.ones((2, 2, 2, 3), dtype=dtype)
    assert tf.nn.conv2d(x, f, 1, "SAME").dtype == tf.as_dtype(dtype)
    assert tf.nn.max_pool2d(x, 2, 2, "SAME").dtype == tf.as_dtype(dtype)
    assert tf.nn.avg_pool2d(x, 2, 2, "SAME").dtype == tf.as_dtype(dtype)


def test_integer_conv_and_max_pool():
    x = np.arange(9, dtype=np.int32).reshape(1, 3, 3, 1)
    y = tf.nn.conv2d(x, np.ones((2, 2, 1, 1), np.int32), 1, "VALID")
    assert y.dtype == tf.int32
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[8, 12], [20, 24]])
    y = tf.nn.max_pool2d(x, 2, 2, "SAME")
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[4, 5], [7, 8]])
    with pytest.raises(InvalidArgumentError, match="AvgPool: value must be a floating"):
        tf.nn.avg_pool2d(x, 2, 2, "SAME")


def test_both_im2col_layouts_agree(rng, monkeypatch):
    x = rng.standard_normal((2, 7, 6, 3))
    f = rng.standard_normal((3, 2, 3, 4))
    u = rng.standard_normal((2, 4, 3, 4))

    def run():
        xt, ft = tf.constant(x), tf.constant(f)
        with tf.GradientTape() as tape:
            tape.watch([xt, ft])
            y = tf.nn.conv2d(xt, ft, 2, "SAME", dilations=1)
        return [y.numpy()] + [g.numpy() for g in tape.gradient(y, [xt, ft], u)]

    monkeypatch.setattr(conv_kernels, "CHANNELS_FIRST_MAX", 8)
    first = run()
    monkeypatch.setattr(conv_kernels, "CHANNELS_FIRST_MAX", 0)
    last = run()
    for a, b in zip(first, last, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_channels_first_formats_transpose(rng):
    x = rng.standard_normal((2, 6, 5, 3))
    f = rng.standard_normal((3, 3, 3, 4))
    nhwc = tf.nn.conv2d(x, f, [1, 2, 1, 1], "SAME").numpy()
    nchw = tf.nn.conv2d(x.transpose(0, 3, 1, 2), f, [1, 1, 2, 1], "SAME", data_format="NCHW")
    np.testing.assert_allclose(nchw.numpy(), nhwc.transpose(0, 3, 1, 2), rtol=1e-12)
    pooled = tf.nn.max_pool2d(x.transpose(0, 3, 1, 2), 2, 2, "VALID", data_format="NCHW")
    np.testing.assert_array_equal(
        pooled.numpy(), tf.nn.max_pool2d(x, 2, 2, "VALID").numpy().transpose(0, 3, 1, 2)
    )
    x1 = rng.standard_normal((2, 7, 3))
    f1 = rng.standard_normal((3, 3, 2))
    ncw = tf.nn.conv1d(x1.transpose(0, 2, 1), f1, 2, "SAME", data_format="NCW")
    np.testing.assert_allclose(
        ncw.numpy(), tf.nn.conv1d(x1, f1, 2, "SAME").numpy().transpose(0, 2, 1)
    )


def test_extra_batch_dimensions(rng):
    x = rng.standard_normal((2, 3, 5, 5, 1))
    f = rng.standard_normal((3, 3, 1, 2))
    y = tf.nn.conv2d(x, f, 1, "VALID")
    assert y.shape == (2, 3, 3, 3, 2)
    np.testing.assert_allclose(y.numpy()[1, 2], tf.nn.conv2d(x[1, 2:3], f, 1, "VALID").numpy()[0])
    assert tf.nn.conv1d(
        rng.standard_normal((2, 3, 5, 1)), rng.standard_normal((3, 1, 2)), 1, "SAME"
    ).shape == (2, 3, 5, 2)


def test_generic_pools_pick_the_rank(rng):
    x3 = rng.standard_normal((2, 7, 3))
    np.testing.assert_array_equal(
        tf.nn.max_pool(x3, 3, 2, "SAME").numpy(), tf.nn.max_pool1d(x3, 3, 2, "SAME").numpy()
    )
    x4 = rng.standard_normal((2, 5, 5, 3))
    np.testing.assert_array_equal(
        tf.nn.avg_pool(x4, 2, 1, "VALID").numpy(), tf.nn.avg_pool2d(x4, 2, 1, "VALID").numpy()
    )
    with pytest.raises(UnimplementedError, match="MaxPool: tapeflow pools rank-3"):
        tf.nn.max_pool(rng.standard_normal((1, 4, 4, 4, 1)), 2, 2, "SAME")


def test_conv2d_transpose_is_the_adjoint_of_conv2d(rng):
    x = rng.standard_normal((2, 7, 6, 3))
    f = rng.standard_normal((3, 3, 3, 4))
    y = rng.standard_normal((2, 4, 3, 4))
    lhs = np.sum(tf.nn.conv2d(x, f, 2, "SAME").numpy() * y)
    rhs = np.sum(x * tf.nn.conv2d_transpose(y, f, [2, 7, 6, 3], 2, "SAME").numpy())
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    short = tf.nn.conv2d_transpose(y, f, [7, 6], 2, "SAME")  # 2 values: spatial only
    assert short.shape == (2, 7, 6, 3)


def test_variable_filters_get_gradients(rng):
    f = tf.Variable(rng.standard_normal((3, 3, 1, 2)).astype(np.float32))
    x = tf.constant(rng.standard_normal((4, 6, 6, 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.max_pool2d(tf.nn.conv2d(x, f, 1, "SAME"), 2, 2, "VALID"))
    g = tape.gradient(loss, f)
    assert g.dtype == tf.float32 and g.shape == (3, 3, 1, 2)
    assert np.abs(g.numpy()).sum() > 0


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: tf.nn.conv2d(np.ones((8, 28, 28, 3)), np.ones((3, 3, 1, 32)), 1, "SAME"),
            InvalidArgumentError,
            r"Conv2D: input depth 3 does not match filter in_channels 1: input \(8, 28, 28, 3\), "
            r"filters \(3, 3, 1, 32\)",
        ),
        (
            lambda: tf.nn.conv2d(np.ones((1, 1, 1, 1)), np.ones((3, 3, 1, 1)), 1, "VALID"),
            InvalidArgumentError,
            "Conv2D: computed output size would be negative: -1",
        ),
        (
            lambda: tf.nn.conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 1)), 1, "VALID"),
            InvalidArgumentError,
            r"Conv2D: input must be 4-dimensional .* got shape \(5, 5, 1\)",
        ),
        (
            lambda: tf.nn.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1)), 1, "VALID"),
            InvalidArgumentError,
            r"Conv2D: filter must be 4-dimensional, got shape \(3, 3, 1\)",
        ),
        (
            lambda: tf.nn.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), 1, "same"),
            InvalidArgumentError,
            "padding must be 'SAME', 'VALID'",
        ),
        (
            lambda: tf.nn.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), [1, 1, 1], "SAME"),
            ValueError,
            "strides should be of length 1, 2 or 4",
        ),
        (
            lambda: tf.nn.conv2d(
                np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), [2, 1, 1, 1], "SAME"
            ),
            UnimplementedError,
            "strides in the batch and depth dimensions",
        ),
        (
            lambda: tf.nn.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), 0, "SAME"),
            InvalidArgumentError,
            "strides and dilations must be positive",
        ),
        (
            lambda: tf.nn.conv2d(
                np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), 1, [[1, 0], [1, 1], [1, 1], [0, 0]]
            ),
            InvalidArgumentError,
            "nonzero explicit padding in the batch or depth",
        ),
        (
            lambda: tf.nn.conv2d(
                np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), 1, [[1, 1], [1, 1]]
            ),
            ValueError,
            "When padding is a list, it must be of size 4",
        ),
        (
            lambda: tf.nn.conv2d(
                tf.constant(np.ones((1, 5, 5, 1), np.float32)),
                tf.constant(np.ones((3, 3, 1, 1))),
                1,
                "SAME",
            ),
            InvalidArgumentError,
            "Conv2D: inputs must have the same dtype",
        ),
        (
            lambda: tf.nn.conv1d(
                np.ones((1, 5, 1)), np.ones((3, 1, 1)), 1, [[0, 0], [1, 1], [0, 0]]
            ),
            TypeError,
            "Expected string for argument 'padding'",
        ),
        (
            lambda: tf.nn.conv2d_transpose(
                np.ones((1, 3, 3, 4)), np.ones((3, 3, 2, 4)), [1, 8, 8, 2], 2, "SAME"
            ),
            InvalidArgumentError,
            r"Conv2DBackpropInput: out_backprop has shape \(1, 3, 3, 4\), but "
            r"input_sizes \(1, 8, 8, 2\) .* \(1, 4, 4, 4\)",
        ),
        (
            lambda: tf.nn.conv2d_transpose(
                np.ones((1, 3, 3, 4)), np.ones((3, 3, 2, 4)), [1, 6, 6], 2, "SAME"
            ),
            InvalidArgumentError,
            "requires input_sizes to contain 4 values or 2 values, but got: 3",
        ),
        (
            lambda: tf.nn.conv2d_transpose(
                np.ones((1, 3, 3, 4)), np.ones((3, 3, 2, 4)), [1, 6, 6, 3], 2, "SAME"
            ),
            InvalidArgumentError,
            r"input_sizes depth 3 does not match filter in_channels 2: input_sizes \(1, 6, 6, 3\)",
        ),
        (
            lambda: tf.nn.depthwise_conv2d(
                np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 2)), [1, 1, 1, 1], "SAME"
            ),
            InvalidArgumentError,
            "DepthwiseConv2dNative: input depth 3 does not match filter in_channels 2",
        ),
        (
            lambda: tf.nn.depthwise_conv2d(
                np.ones((1, 7, 7, 2)), np.ones((3, 3, 2, 2)), [1, 2, 2, 1], "SAME", dilations=2
            ),
            ValueError,
            "when dilations are greater than 1, all strides must be 1",
        ),
        (
            lambda: tf.nn.max_pool2d(np.ones((4, 4, 1)), 2, 2, "SAME"),
            InvalidArgumentError,
            r"MaxPool: input must be 4-dimensional, got shape \(4, 4, 1\)",
        ),
        (
            lambda: tf.nn.max_pool2d(np.ones((1, 1, 1, 1)), 3, 1, "VALID"),
            InvalidArgumentError,
            "MaxPool: computed output size would be negative",
        ),
        (
            lambda: tf.nn.max_pool2d(np.ones((1, 4, 4, 1)), [2, 2, 2], 2, "SAME"),
            ValueError,
            "ksize should be of length 1, 2 or 4",
        ),
        (
            lambda: tf.nn.avg_pool2d(
                np.ones((1, 4, 4, 1)), 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]
            ),
            TypeError,
            "Expected string for argument 'padding'",
        ),
    ],
)
def test_errors_name_the_op_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_empty_output_and_its_gradient():
    x = tf.constant(np.ones((2, 2, 2, 1)))
    f = tf.constant(np.ones((3, 3, 1, 1)))
    with tf.GradientTape() as tape:
        tape.watch([x, f])
        y = tf.nn.conv2d(x, f, 1, "VALID")
    assert y.shape == (2, 0, 0, 1)
    gx, gf = tape.gradient(y, [x, f])
    np.testing.assert_array_equal(gx.numpy(), np.zeros((2, 2, 2, 1)))
    np.testing.assert_array_equal(gf.numpy(), np.zeros((3, 3, 1, 1)))


def test_forward_mode_jvp_of_conv2d(rng):
    from tapeflow.core.forward import ForwardAccumulator  # tf.autodiff is not exported yet

    x, vx = rng.standard_normal((2, 6, 5, 2)), rng.standard_normal((2, 6, 5, 2))
    f, vf = rng.standard_normal((3, 3, 2, 3)), rng.standard_normal((3, 3, 2, 3))
    xt, ft = tf.constant(x), tf.constant(f)
    with ForwardAccumulator([xt, ft], [tf.constant(vx), tf.constant(vf)]) as acc:
        y = tf.nn.conv2d(xt, ft, 2, "SAME")
    want = tf.nn.conv2d(vx, f, 2, "SAME").numpy() + tf.nn.conv2d(x, vf, 2, "SAME").numpy()
    np.testing.assert_allclose(acc.jvp(y).numpy(), want, rtol=1e-12, atol=1e-12)


def test_few_output_channels_build_no_im2col_buffer(monkeypatch, rng):
    # A Conv2D(1, 7x7) over 128 channels (the Keras GAN guide's last layer): im2col's buffer
    # would be 49*128 times the output; the output-side path builds 49 times the input's
    # spatial size instead. Values against TF: the conv2d_few_outputs_* golden cases.
    def refuse(*args, **kwargs):
        raise AssertionError("im2col buffer built")

    monkeypatch.setattr(conv_kernels, "im2col", refuse)
    monkeypatch.setattr(conv_kernels, "col2im", refuse)
    x = tf.constant(rng.standard_normal((2, 28, 28, 128)).astype(np.float32))
    f = tf.constant(rng.standard_normal((7, 7, 128, 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch([x, f])
        y = tf.nn.conv2d(x, f, strides=1, padding="SAME")
    dx, df = tape.gradient(y, [x, f])
    assert y.shape == (2, 28, 28, 1) and dx.shape == x.shape and df.shape == f.shape


def test_max_pool_third_derivative_runs_and_second_is_zero_as_tf():
    # TF's MaxPoolGrad and MaxPoolGradGrad gradients give zeros for orig_input and
    # orig_output (the pooling is piecewise linear): d2 y / dx2 is zeros, not None.
    x = tf.constant(np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1))
    with tf.GradientTape() as third:
        third.watch(x)
        with tf.GradientTape() as second:
            second.watch(x)
            with tf.GradientTape() as first:
                first.watch(x)
                y = tf.nn.max_pool2d(x, 2, 2, "VALID")
            g = first.gradient(y, x)
        gg = second.gradient(g, x)
        total = tf.reduce_sum(gg * x)
    assert gg is not None
    np.testing.assert_array_equal(gg.numpy(), np.zeros((1, 4, 4, 1), np.float32))
    np.testing.assert_array_equal(third.gradient(total, x).numpy(), np.zeros((1, 4, 4, 1)))
