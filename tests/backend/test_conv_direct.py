"""backend/conv_direct.py: convolutions with few taps as generated native loops.

The loops against the im2col + GEMM path they replace (float tolerance: the summation order
differs), the fused forms against the op-by-op kernels (bitwise), and the shapes that must
keep the im2col path. Run when Numba is installed."""

import numpy as np
import pytest

from tapeflow import backend
from tapeflow.backend import conv, conv_direct, fused, native
from tapeflow.backend.native import conv_source
from tapeflow.ops.conv import _window

pytestmark = [
    pytest.mark.skipif(not native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native kernels run on NumPy arrays only"),
]

# (batch, height, width, channels, kernel, filters, strides, padding, dilations)
GEOMETRIES = [
    (3, 9, 11, 1, (3, 3), 8, (1, 1), "VALID", (1, 1)),
    (2, 8, 7, 1, (3, 3), 5, (2, 1), "SAME", (1, 1)),
    (2, 10, 10, 1, (3, 3), 16, (1, 1), "SAME", (2, 2)),
    (2, 6, 9, 3, (1, 3), 7, (1, 2), "SAME", (1, 1)),
    (1, 5, 5, 2, (2, 2), 3, (1, 1), "VALID", (1, 1)),
    (4, 7, 7, 1, (1, 1), 32, (1, 1), "VALID", (1, 1)),
]


def _case(geometry, dtype, rng):
    n, h, w, c, kernel, o, strides, padding, dilations = geometry
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    f = rng.standard_normal(kernel + (c, o)).astype(dtype)
    win = _window("Conv2D", x.shape, kernel, strides, padding, dilations)
    return x, f, win


def _im2col(monkeypatch):
    """Within the block, conv_direct takes nothing: backend/conv.py's im2col path runs."""
    monkeypatch.setattr(conv_direct, "applies", lambda *args: False)


def _bits(a):
    a = np.asarray(a)
    return a.dtype, a.shape, a.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_direct_loops_agree_with_im2col(geometry, dtype, rng, monkeypatch):
    x, f, win = _case(geometry, dtype, rng)
    assert conv_direct.applies(x.shape, x.dtype, f.shape, win)
    y = conv.conv2d(x, f, win)
    g = rng.standard_normal(y.shape).astype(dtype)
    df = conv.conv2d_backprop_filter(x, g, f.shape, win)
    key = (f.shape[0], f.shape[1], f.shape[2], win.strides, win.dilations)
    assert key in conv_source._modules  # the generated loops ran
    with monkeypatch.context() as m:
        _im2col(m)
        y_ref = conv.conv2d(x, f, win)
        df_ref = conv.conv2d_backprop_filter(x, g, f.shape, win)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert y.shape == y_ref.shape and y.dtype == dtype
    assert df.shape == df_ref.shape == f.shape and df.dtype == dtype
    np.testing.assert_allclose(y, y_ref, rtol=tol, atol=tol * np.abs(y_ref).max())
    np.testing.assert_allclose(df, df_ref, rtol=tol, atol=tol * np.abs(df_ref).max())


def test_values_by_hand(rng):
    """A 2x2 filter of ones over a 3x3 ramp with stride 1: each output is its window's sum;
    the filter gradient of a gradient of ones sums each tap's window."""
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    f = np.ones((2, 2, 1, 2), np.float32)
    f[..., 1] = 2
    win = _window("Conv2D", x.shape, (2, 2), (1, 1), "VALID", (1, 1))
    y = conv.conv2d(x, f, win)
    np.testing.assert_array_equal(y[0, :, :, 0], [[8, 12], [20, 24]])
    np.testing.assert_array_equal(y[..., 1], 2 * y[..., 0])
    df = conv.conv2d_backprop_filter(x, np.ones_like(y), f.shape, win)
    np.testing.assert_array_equal(df[:, :, 0, 0], [[8, 12], [20, 24]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("geometry", GEOMETRIES[:4], ids=str)
def test_fused_forms_equal_the_op_by_op_kernels_bitwise(geometry, dtype, rng):
    x, f, win = _case(geometry, dtype, rng)
    bias = rng.standard_normal(f.shape[3]).astype(dtype)
    x.reshape(-1)[:2] = [np.nan, -0.0]
    with np.errstate(invalid="ignore"):
        y = conv_direct.conv2d_bias_relu(x, f, bias, win)
        expected = fused.bias_relu(conv.conv2d(x, f, win), bias)
        assert _bits(y) == _bits(expected)
        assert np.isnan(y).any()  # NaN stays NaN through the relu
        g = rng.standard_normal(y.shape).astype(dtype)
        g.reshape(-1)[:3] = [0.0, -0.0, np.inf]
        df, db = conv_direct.filter_grad_relu(x, g, y, f.shape, win)
        dx, db_ref = fused.relu_grad_bias_grad(g, y)
        assert _bits(db) == _bits(db_ref)
        assert _bits(df) == _bits(conv.conv2d_backprop_filter(x, dx, f.shape, win))


@pytest.mark.parametrize(
    "what",
    ["many taps", "many filters", "integers", "one filter", "native off"],
)
def test_shapes_the_loops_do_not_take_compute_as_before(what, rng, monkeypatch):
    c, o, dtype = 1, 4, np.float32
    if what == "many taps":
        c = 2  # 18 taps
    elif what == "many filters":
        o = conv_direct.MAX_FILTERS + 1
    elif what == "integers":
        dtype = np.int32
    elif what == "one filter":
        o = 1
    x = (rng.standard_normal((2, 6, 6, c)) * 4).astype(dtype)
    f = (rng.standard_normal((3, 3, c, o)) * 4).astype(dtype)
    bias = np.arange(o).astype(dtype)
    win = _window("Conv2D", x.shape, (3, 3), (1, 1), "SAME", (1, 1))
    if what == "native off":
        native.set_enabled(False)
    try:
        takes = conv_direct.applies(x.shape, x.dtype, f.shape, win)
        got = conv_direct.conv2d_bias_relu(x, f, bias, win)
        g = (rng.standard_normal(got.shape) * 4).astype(dtype)
        df, db = conv_direct.filter_grad_relu(x, g, got, f.shape, win)
    finally:
        native.set_enabled(True)
    assert takes == (what == "one filter")
    with monkeypatch.context() as m:
        _im2col(m)
        expected = conv.conv2d(x, f, win) + bias
        expected = np.maximum(expected, 0).astype(dtype)
        dx = g * (expected > 0)
        df_ref = conv.conv2d_backprop_filter(x, dx, f.shape, win)
    if what == "one filter":  # the loops ran: float tolerance against im2col
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(df, df_ref, rtol=1e-5, atol=1e-3)
    else:
        assert _bits(got) == _bits(expected)
        assert _bits(df) == _bits(df_ref)
    assert _bits(db) == _bits(dx.sum(axis=(0, 1, 2)))


def test_each_geometry_is_one_generated_module_cached_on_disk(tmp_path, monkeypatch):
    from tapeflow.backend.native import source_cache

    monkeypatch.setattr(source_cache, "_state", {"dir": tmp_path})
    monkeypatch.setattr(conv_source, "_modules", {})
    # Geometries no other test loads (a module already imported is not written again).
    a = conv_source.module(3, 3, 1, (3, 3), (1, 1))
    assert conv_source.module(3, 3, 1, (3, 3), (1, 1)) is a
    b = conv_source.module(2, 2, 1, (1, 1), (3, 3))
    assert a is not b
    files = sorted(p.name for p in tmp_path.glob("conv_*.py"))
    assert len(files) == 2
    text = (tmp_path / files[0]).read_text()
    assert "def forward_bias_relu(" in text and "def filter_grad_relu(" in text
