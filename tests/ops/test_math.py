"""Elementwise math: forward against NumPy, TF golden numbers, dtype rules and errors."""

import importlib.util
import math
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError, NotFoundError
from tapeflow.core.registry import get_op
from tapeflow.testing.gradcheck import sample_inputs

_spec = importlib.util.spec_from_file_location(
    "make_math", pathlib.Path(__file__).parents[1] / "golden" / "make_math.py"
)
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)
GOLDEN = golden.load()

MATH_CASES = [
    "truediv_dtypes", "floordiv_floormod", "round_half_even", "cast_truncation",
    "maximum_ties", "pow_grad_at_zero", "softplus_sigmoid_extremes", "clip_norms",
    "unary_functions", "binary_functions", "no_gradient_ops",
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf * 0 inside vjps, as TF computes
@pytest.mark.parametrize("name", MATH_CASES)
def test_matches_tensorflow(name):
    result = golden.CASES[name](tf)
    assert set(result) == set(GOLDEN[name])
    for key, expected in GOLDEN[name].items():
        golden.compare(expected, result[key], f"{name}.{key}")


# ---- forward against NumPy, on every sample of every op ------------------------------------


def _floormod(x, y):
    r = np.fmod(x, y)
    return np.where((r != 0) & ((y < 0) != (r < 0)), r + y, r)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


_erf = np.vectorize(math.erf)


NUMPY = {
    "AddV2": np.add, "Sub": np.subtract, "Mul": np.multiply, "RealDiv": np.true_divide,
    "DivNoNan": lambda x, y: np.where(y == 0, 0.0, x / np.where(y == 0, 1.0, y)),
    "FloorDiv": lambda x, y: np.floor(x / y), "FloorMod": _floormod, "Neg": np.negative,
    "Pow": np.power, "SquaredDifference": lambda x, y: (x - y) ** 2, "Abs": np.abs,
    "Sign": np.sign, "Square": np.square, "Sqrt": np.sqrt, "Rsqrt": lambda x: 1 / np.sqrt(x),
    "Reciprocal": np.reciprocal, "Exp": np.exp, "Expm1": np.expm1, "Log": np.log,
    "Log1p": np.log1p, "Sin": np.sin, "Cos": np.cos, "Tan": np.tan, "Atan": np.arctan,
    "Sinh": np.sinh, "Cosh": np.cosh, "Tanh": np.tanh, "Sigmoid": _sigmoid,
    "Softplus": _softplus, "Softsign": lambda x: x / (1 + np.abs(x)), "Erf": _erf,
    "Round": np.round, "Floor": np.floor, "Ceil": np.ceil, "Maximum": np.maximum,
    "Minimum": np.minimum, "Equal": np.equal, "NotEqual": np.not_equal, "Less": np.less,
    "LessEqual": np.less_equal, "Greater": np.greater, "GreaterEqual": np.greater_equal,
    "LogicalAnd": np.logical_and, "LogicalOr": np.logical_or, "LogicalNot": np.logical_not,
    "IsNan": np.isnan, "IsInf": np.isinf, "IsFinite": np.isfinite,
    "Cast": lambda x, dtype: x.astype(dtype), "AddN": lambda *xs: sum(xs),
}  # fmt: skip

FORWARD = [
    pytest.param(name, sample, id=f"{name}-{i}")
    for name in sorted(NUMPY)
    for i, sample in enumerate(get_op(name).samples)
]


@pytest.mark.parametrize("name, sample", FORWARD)
def test_forward_matches_numpy(name, sample):
    op = get_op(name)
    args = sample_inputs(op, sample, np.random.default_rng(3))
    got = op(*args, **sample.attrs)
    want = NUMPY[name](*args, **sample.attrs)
    assert got.dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("fn", [tf.exp, tf.sqrt, tf.sigmoid, tf.math.softplus, tf.math.erf,
                                tf.math.softsign, tf.tanh, tf.math.log1p])  # fmt: skip
def test_unary_ops_keep_the_float_dtype(fn, dtype, rng):
    x = tf.constant(rng.uniform(0.1, 2.0, size=(4,)).astype(dtype))
    assert fn(x).dtype == dtype


# ---- dtypes and errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn", [tf.exp, tf.math.log, tf.sqrt, tf.sin, tf.tanh, tf.sigmoid, tf.math.softplus,
           tf.math.softsign, tf.math.erf, tf.math.floor, tf.math.ceil, tf.math.is_nan],
)  # fmt: skip
def test_float_only_ops_reject_integers(fn):
    with pytest.raises(InvalidArgumentError, match="expected a floating-point tensor"):
        fn(tf.constant([1, 2]))


def test_realdiv_and_reciprocal_have_no_integer_kernel():
    with pytest.raises(NotFoundError, match="RealDiv"):
        tf.realdiv(tf.constant([4]), tf.constant([2]))
    with pytest.raises(NotFoundError, match="Reciprocal"):
        tf.math.reciprocal(tf.constant([4]))


def test_truediv_conversions():
    assert tf.divide(7, 2).dtype == tf.float64
    assert tf.math.truediv(tf.constant([1.0]), 2).dtype == tf.float32
    # A NumPy array takes the tensor's dtype when it can, as TF's dtype_hint does.
    assert tf.math.truediv(tf.constant([1.0]), np.array([2.0])).dtype == tf.float32
    with pytest.raises(TypeError, match="same dtype, got tf.int32 != tf.float32"):
        tf.math.truediv(tf.constant([1, 2]), 2.5)
    with pytest.raises(TypeError, match="same dtype"):
        tf.divide(tf.constant(1.0), tf.constant(1.0, tf.float64))


def test_integer_division_by_zero_is_an_error():
    for fn in (tf.math.floordiv, tf.math.floormod):
        with pytest.raises(InvalidArgumentError, match="integer division by zero"):
            fn(tf.constant([1, 2]), tf.constant([1, 0]))
    out = tf.math.floordiv(tf.constant([1.0, -1.0]), tf.constant([0.0, 0.0]))
    np.testing.assert_array_equal(out.numpy(), [np.inf, -np.inf])


def test_mismatched_shapes_and_dtypes_name_the_op():
    with pytest.raises(InvalidArgumentError, match="Maximum"):
        tf.maximum(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(InvalidArgumentError, match="AddV2.*float32, float64"):
        tf.add(tf.constant([1.0]), tf.constant([1.0], tf.float64))


def test_logical_ops_need_bools():
    t, f = tf.constant([True, True, False]), tf.constant([True, False, False])
    np.testing.assert_array_equal(tf.math.logical_xor(t, f).numpy(), [False, True, False])
    np.testing.assert_array_equal(tf.logical_not(t).numpy(), [False, False, True])
    with pytest.raises(InvalidArgumentError, match="LogicalAnd: expected bool"):
        tf.logical_and(tf.constant([1]), tf.constant([0]))
    with pytest.raises(InvalidArgumentError, match="Neg"):
        tf.negative(tf.constant([1], tf.uint8))


def test_pow_integer_rules():
    with pytest.raises(InvalidArgumentError, match="negative integer powers"):
        tf.pow(tf.constant([2]), tf.constant([-1]))
    with pytest.raises(TypeError):
        tf.pow(tf.constant(2), 0.5)  # 0.5 cannot become int32, as in TF
    assert tf.pow(tf.constant(2.0), 3).numpy() == 8.0


def test_cast_returns_the_input_for_its_own_dtype_and_handles_slices():
    x = tf.constant([1.5, -2.5])
    assert tf.cast(x, tf.float32) is x
    assert tf.dtypes.cast(x, "int32").dtype == tf.int32
    slices = tf.IndexedSlices(x, tf.constant([0, 2]), (3,))
    cast = tf.cast(slices, tf.float64)
    assert isinstance(cast, tf.IndexedSlices) and cast.values.dtype == tf.float64


def test_scalar_mul():
    np.testing.assert_allclose(tf.math.scalar_mul(2, tf.constant([1.0, 2.0])).numpy(), [2, 4])
    slices = tf.math.scalar_mul(3.0, tf.IndexedSlices(tf.constant([1.0]), tf.constant([1]), (2,)))
    np.testing.assert_allclose(slices.values.numpy(), [3.0])
    with pytest.raises(ValueError, match="must be a 0-D value"):
        tf.math.scalar_mul(tf.constant([2.0, 1.0]), tf.constant([1.0, 2.0]))


def test_add_n():
    assert tf.add_n([1, 2]).numpy() == 3
    with pytest.raises(InvalidArgumentError, match="same shape"):
        tf.add_n([tf.constant([1.0, 2.0]), tf.constant(1.0)])
    with pytest.raises(ValueError):
        tf.add_n([])


def test_clip_errors_and_sparse_values():
    with pytest.raises(ValueError, match="incompatible"):
        tf.clip_by_value(tf.constant([1.0, 5.0, 9.0]), tf.constant([[0.0], [6.0]]), 6.0)
    with pytest.raises(TypeError, match="Cannot convert 0.5"):
        tf.clip_by_value(tf.constant([1, 5]), 0.5, 3)
    with pytest.raises(TypeError, match="should be a sequence"):
        tf.clip_by_global_norm(tf.constant([3.0, 4.0]), 5.0)
    np.testing.assert_array_equal(
        tf.clip_by_value(tf.constant([1, 5, 9]), 2, 6).numpy(), [2, 5, 6]
    )
    slices = tf.IndexedSlices(tf.constant([[3.0, 4.0]]), tf.constant([1]), (2, 2))
    clipped = tf.clip_by_norm(slices, 1.0)
    np.testing.assert_allclose(clipped.values.numpy(), [[0.6, 0.8]], rtol=1e-6)
    (g,), norm = tf.clip_by_global_norm([slices], 2.5)
    np.testing.assert_allclose(g.values.numpy(), [[1.5, 2.0]], rtol=1e-6)
    assert norm.numpy() == pytest.approx(5.0)


def test_l2_normalize_rejects_integers_like_tf():
    with pytest.raises(TypeError, match="1e-12"):
        tf.math.l2_normalize(tf.constant([[3, 4]]), axis=1)


def test_erf_in_float32(rng):
    x = rng.uniform(-3, 3, size=(50,)).astype(np.float32)
    np.testing.assert_allclose(tf.math.erf(x).numpy(), _erf(x.astype(np.float64)), rtol=1e-6)


def test_erf_without_scipy_is_accurate():
    from tapeflow.backend import to_numpy, xp
    from tapeflow.ops.math_unary import _erf_chebyshev

    def erf(x):  # the kernel computes on backend arrays
        return to_numpy(_erf_chebyshev(xp.asarray(x)))

    x = np.concatenate([np.linspace(-7, 7, 20001), np.geomspace(1e-300, 1, 200)])
    want = _erf(x)
    got = erf(x)
    np.testing.assert_allclose(got, want, rtol=4e-15, atol=0)
    special = erf(np.array([np.nan, np.inf, -np.inf, -0.0, 6.0]))
    np.testing.assert_array_equal(special, [np.nan, 1.0, -1.0, -0.0, 1.0])
    assert np.signbit(special[3])
    f32 = np.float32([0.3, -2.0])
    np.testing.assert_allclose(erf(f32), _erf(f32.astype(np.float64)), rtol=4e-15)


def test_sign_gradient_is_zero_not_none():
    x = tf.constant([-1.0, 0.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sign(x) * 3.0
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 0.0, 0.0])


def test_second_order_through_pow_and_sigmoid():
    x = tf.constant(0.7, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.sigmoid(tf.pow(x, 3.0))
        dy = inner.gradient(y, x)
    s = _sigmoid(0.7**3)
    d1 = s * (1 - s) * 3 * 0.7**2
    d2 = s * (1 - s) * (1 - 2 * s) * (3 * 0.7**2) ** 2 + s * (1 - s) * 6 * 0.7
    assert dy.numpy() == pytest.approx(d1, rel=1e-12)
    assert outer.gradient(dy, x).numpy() == pytest.approx(d2, rel=1e-12)


def test_namespaces_follow_tensorflow():
    assert tf.math.mod is tf.math.floormod
    for name in ("sigmoid", "softplus", "softsign", "tanh", "l2_normalize"):
        assert getattr(tf.nn, name) is getattr(tf.math, name)
    assert tf.linalg.l2_normalize is tf.math.l2_normalize
    assert tf.dtypes.cast is tf.cast
    for name in ("log", "floordiv", "erf", "softplus", "ceil", "rsqrt"):
        assert not hasattr(tf, name), f"TF has no tf.{name}"
    for name in ("realdiv", "clip_by_value", "clip_by_norm", "clip_by_global_norm", "cast"):
        assert hasattr(tf, name) and not hasattr(tf.math, name)
