"""TensorFlow golden numbers for the math and reduction families.

Every case is a function of the `tf` module, so the very same code runs on TensorFlow (here,
to write `math.json`) and on tapeflow (in tests/ops/test_math.py and test_reduce.py):

    TF_CPP_MIN_LOG_LEVEL=3 /work/tfref/bin/python tests/golden/make_math.py
"""

import json
import math
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).with_name("math.json")
INF, NAN = math.inf, math.nan
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def grads(tf, f, *values, dtype="float32"):
    """(f(*xs), [df/dx for each x]) with every value a watched constant of `dtype`."""
    xs = [tf.constant(v, dtype=dtype) for v in values]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        out = f(*xs)
    return out, tape.gradient(out, xs)


def weights(n):
    """Distinct cotangent weights, so a gradient sent to the wrong entry shows."""
    return [1.0 + 0.5 * i for i in range(n)]


# ---- division, modulo, rounding, casts -----------------------------------------------------


@case
def truediv_dtypes(tf):
    out = {}
    for name in ("int8", "int16", "uint8", "uint16", "int32", "int64"):
        out[name] = tf.math.truediv(tf.constant([7, 8], name), tf.constant([2, 3], name))
    out["divide_python_ints"] = tf.divide(7, 2)
    out["divide_no_nan_int"] = tf.math.divide_no_nan(tf.constant([3, 1]), tf.constant([2, 0]))
    return out


@case
def floordiv_floormod(tf):
    out = {}
    for dt in ("int32", "int64"):
        x = tf.constant([-7, 7, -7, 7, 0, -1, 6], dt)
        y = tf.constant([2, -2, -2, 2, 3, 5, -3], dt)
        out[f"floordiv_{dt}"] = tf.math.floordiv(x, y)
        out[f"floormod_{dt}"] = tf.math.floormod(x, y)
    for dt in ("float32", "float64"):
        x = tf.constant([-7.5, 7.5, -7.5, 7.5, 1.0, 5.0, -1e-8, 3.0], dt)
        y = tf.constant([2.0, -2.0, -2.0, 2.0, 0.1, 0.5, 3.0, -0.7], dt)
        out[f"floordiv_{dt}"] = tf.math.floordiv(x, y)
        out[f"floormod_{dt}"] = tf.math.mod(x, y)
    value, (gx, gy) = grads(
        tf, lambda x, y: tf.math.floormod(x, y) * weights(3), [-7.5, 7.5, 5.2], [2.0, -2.0, 1.5]
    )
    out.update(floormod_grad_x=gx, floormod_grad_y=gy)
    return out


@case
def round_half_even(tf):
    halves = [0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 0.49999997, 2.6, -2.6]
    return {
        "float32": tf.round(tf.constant(halves, "float32")),
        "float64": tf.round(tf.constant(halves + [4503599627370497.0], "float64")),
        "int32": tf.round(tf.constant([1, -2, 3])),
        "floor": tf.math.floor(tf.constant([-1.5, -0.5, 0.5, 1.5])),
        "ceil": tf.math.ceil(tf.constant([-1.5, -0.5, 0.5, 1.5])),
    }


@case
def cast_truncation(tf):
    x = tf.constant([-2.9, -1.7, -0.5, 0.5, 1.7, 2.9])
    out = {f"to_{dt}": tf.cast(x, dt) for dt in ("int32", "int64", "int8", "bool")}
    out["to_uint8"] = tf.cast(tf.constant([-1.5, 0.5, 255.9, 256.0, 300.7]), tf.uint8)
    out["int_to_uint8"] = tf.cast(tf.constant([-1, 255, 256, 300]), tf.uint8)
    out["nonfinite_to_int32"] = tf.cast(tf.constant([NAN, INF, -INF, 3e9]), tf.int32)
    out["bool_to_float"] = tf.cast(tf.constant([True, False]), tf.float32)
    out["python_float"] = tf.cast(1.7, tf.int32)
    out["float64_to_float32"] = tf.cast(tf.constant([0.1, 1e40], tf.float64), tf.float32)
    v = tf.Variable([1.5, -2.5])
    with tf.GradientTape(persistent=True) as tape:
        wide = tf.cast(v, tf.float64)
        y = tf.reduce_sum(wide * wide)
        through_int = tf.cast(tf.cast(v, tf.int32), tf.float32)
        z = tf.reduce_sum(through_int * 3.0)
    out["grad_float_to_float"] = tape.gradient(y, v)
    out["grad_through_int"] = tape.gradient(z, v)
    return out


# ---- gradients at ties and edges -----------------------------------------------------------


@case
def reduce_max_ties(tf):
    x = [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, -1.0, 5.0]]
    out = {}
    _, (out["max_axis1"],) = grads(tf, lambda x: tf.reduce_max(x, axis=1) * weights(3), x)
    _, (out["max_all"],) = grads(tf, lambda x: tf.reduce_max(x), [[1.0, 4.0], [4.0, 4.0]])
    _, (out["min_axis0"],) = grads(tf, lambda x: tf.reduce_min(x, axis=0) * weights(3), x)
    _, (out["max_keepdims"],) = grads(
        tf, lambda x: tf.reduce_max(x, axis=[0, 1], keepdims=True) * 2.0, x
    )
    out["values"] = tf.reduce_max(tf.constant(x), axis=1)
    out["max_nan"] = tf.reduce_max(tf.constant([1.0, NAN, 0.0]))
    out["max_empty"] = tf.reduce_max(tf.constant(np.zeros((0,), np.float32)))
    out["max_empty_int"] = tf.reduce_max(tf.constant(np.zeros((0,), np.int32)))
    out["min_empty"] = tf.reduce_min(tf.constant(np.zeros((0, 2), np.float32)), axis=0)
    return out


@case
def maximum_ties(tf):
    x, y = [1.0, 2.0, 3.0, 2.0, NAN], [1.0, 1.0, 3.0, 5.0, 0.0]
    out = {}
    out["maximum"], (out["max_gx"], out["max_gy"]) = grads(
        tf, lambda x, y: tf.maximum(x, y) * weights(5), x, y
    )
    out["minimum"], (out["min_gx"], out["min_gy"]) = grads(
        tf, lambda x, y: tf.minimum(x, y) * weights(5), x, y
    )
    _, (out["max_scalar_gx"],) = grads(tf, lambda x: tf.maximum(x, 2.0), [1.0, 2.0, 3.0])
    out["clip"], (out["clip_gx"], out["clip_glo"], out["clip_ghi"]) = grads(
        tf,
        lambda x, lo, hi: tf.clip_by_value(x, lo, hi) * weights(5),
        [0.0, 1.0, 2.0, 3.0, 4.0],
        1.0,
        3.0,
    )
    return out


@case
def pow_grad_at_zero(tf):
    x = [0.0, 0.0, 0.0, 0.0, -1.0, 2.0, -2.0, 4.0]
    y = [2.0, 0.5, 0.0, 1.0, 2.0, 3.0, 0.5, -0.5]
    out = {}
    out["value"], (out["gx"], out["gy"]) = grads(
        tf, lambda x, y: tf.pow(x, y) * weights(8), x, y, dtype="float64"
    )
    _, (out["square_gx"],) = grads(tf, lambda x: tf.pow(x, 2.0), [0.0, -1.0, 3.0])
    out["int"] = tf.pow(tf.constant([2, -3, 5]), tf.constant([3, 3, 0]))
    return out


@case
def softplus_sigmoid_extremes(tf):
    out = {}
    f32 = [-100.0, -50.0, -20.0, -10.0, -1.0, 0.0, 1.0, 10.0, 15.0, 20.0, 50.0, 100.0, 1000.0]
    f64 = [-800.0, -100.0, -50.0, -20.0, 0.0, 20.0, 33.0, 35.0, 36.0, 40.0, 100.0, 1000.0]
    for dt, x in (("float32", f32), ("float64", f64)):
        out[f"softplus_{dt}"], (out[f"softplus_grad_{dt}"],) = grads(
            tf, tf.math.softplus, x, dtype=dt
        )
        out[f"sigmoid_{dt}"], (out[f"sigmoid_grad_{dt}"],) = grads(tf, tf.sigmoid, x, dtype=dt)
        out[f"softsign_{dt}"], (out[f"softsign_grad_{dt}"],) = grads(
            tf, tf.math.softsign, x, dtype=dt
        )
    return out


@case
def logsumexp_edges(tf):
    rows = [[-INF, -INF], [1000.0, 1000.0], [INF, 1.0], [-INF, 0.0], [1.0, 2.0], [-1e4, -1e4]]
    out = {}
    out["axis1"], (out["axis1_grad"],) = grads(
        tf, lambda x: tf.reduce_logsumexp(x, axis=1) * weights(6), rows
    )
    out["keepdims"] = tf.reduce_logsumexp(tf.constant(rows), axis=1, keepdims=True)
    out["all"], (out["all_grad"],) = grads(
        tf, tf.reduce_logsumexp, [[1000.0, 1001.0], [999.0, -INF]], dtype="float64"
    )
    out["empty"] = tf.reduce_logsumexp(tf.constant(np.zeros((0,), np.float32)))
    return out


@case
def clip_norms(tf):
    t = [[3.0, 4.0], [0.0, 0.0], [0.3, 0.4]]
    out = {}
    out["by_norm_rows"], (out["by_norm_rows_grad"],) = grads(
        tf, lambda t: tf.clip_by_norm(t, 1.0, axes=[1]) * [[1.0, 2.0]], t
    )
    out["by_norm_all"], (out["by_norm_all_grad"],) = grads(
        tf, lambda t: tf.clip_by_norm(t, 2.0) * [[1.0, 2.0]], t
    )
    _, (out["by_norm_zero_grad"],) = grads(tf, lambda t: tf.clip_by_norm(t, 1.0), [0.0, 0.0])
    a, b = tf.constant([3.0, 4.0]), tf.constant([12.0])
    clipped, norm = tf.clip_by_global_norm([a, None, b], 5.0)
    out.update(global_a=clipped[0], global_none=clipped[1], global_b=clipped[2], norm=norm)
    kept, norm = tf.clip_by_global_norm((a, b), 20.0)
    out.update(unclipped_a=kept[0], unclipped_norm=norm)
    nan, norm = tf.clip_by_global_norm([tf.constant([INF, 4.0])], 5.0)
    out.update(inf_clipped=nan[0], inf_norm=norm)
    used, _ = tf.clip_by_global_norm([a], 1.0, use_norm=tf.constant(2.0))
    out["use_norm"] = used[0]
    _, (out["global_grad_a"], out["global_grad_b"]) = grads(
        tf,
        lambda a, b: tf.reduce_sum(tf.clip_by_global_norm([a, b], 5.0)[0][0] * [1.0, 2.0]),
        [3.0, 4.0],
        [12.0],
    )
    return out


# ---- other reductions and scans ------------------------------------------------------------


@case
def reduce_prod_zeros(tf):
    x = [[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0]]
    out = {}
    out["axis1"], (out["axis1_grad"],) = grads(
        tf, lambda x: tf.reduce_prod(x, axis=1) * weights(3), x
    )
    out["all"], (out["all_grad"],) = grads(tf, tf.reduce_prod, [[2.0, 3.0], [0.5, 4.0]])
    out["int"] = tf.reduce_prod(tf.constant([[1, 2, 3], [-4, -5, 7]]), axis=0)
    return out


@case
def reduce_mean_int(tf):
    return {
        "neg_pair": tf.reduce_mean(tf.constant([-1, -2])),
        "rows": tf.reduce_mean(tf.constant([[1, 2, 3], [-4, -5, 7]]), axis=1),
        "int8_wide": tf.reduce_mean(tf.constant([100, 100], tf.int8)),
        "uint8": tf.reduce_mean(tf.constant([200, 201], tf.uint8)),
        "int8_sum_wraps": tf.reduce_sum(tf.constant([100, 100], tf.int8)),
        "empty_float": tf.reduce_mean(tf.constant(np.zeros((0,), np.float32))),
        "empty_int": tf.reduce_mean(tf.constant(np.zeros((0,), np.int32))),
    }


@case
def moments(tf):
    x = [[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]]
    out = {}
    out["variance"], (out["variance_grad"],) = grads(
        tf, lambda x: tf.math.reduce_variance(x, axis=1) * [1.0, 2.0], x
    )
    out["std"], (out["std_grad"],) = grads(tf, lambda x: tf.math.reduce_std(x), x)
    out["std_keepdims"] = tf.math.reduce_std(tf.constant(x, tf.float64), axis=0, keepdims=True)
    out["euclidean"], (out["euclidean_grad"],) = grads(
        tf, lambda x: tf.math.reduce_euclidean_norm(x, axis=1), [[3.0, 4.0], [1.0, 1.0]]
    )
    out["euclidean_int"] = tf.math.reduce_euclidean_norm(tf.constant([[3, 4], [1, 1]]), axis=1)
    out["l2_normalize"], (out["l2_normalize_grad"],) = grads(
        tf, lambda x: tf.math.l2_normalize(x, axis=1) * [[1.0, 3.0]], [[3.0, 4.0], [0.0, 0.0]]
    )
    out["count_nonzero"] = tf.math.count_nonzero(tf.constant([[0.0, 1.0], [2.0, 0.0]]), axis=1)
    return out


@case
def scans(tf):
    out = {}
    x = [[1.0, 2.0, 3.0], [4.0, 0.5, -1.0]]
    for exclusive in (False, True):
        for reverse in (False, True):
            key = f"{'ex' if exclusive else 'in'}_{'rev' if reverse else 'fwd'}"
            out[f"cumsum_{key}"], (out[f"cumsum_{key}_grad"],) = grads(
                tf, lambda x, e=exclusive, r=reverse: tf.cumsum(x, 1, e, r) * [[1.0, 2.0, 3.0]], x
            )
            out[f"cumprod_{key}"], (out[f"cumprod_{key}_grad"],) = grads(
                tf,
                lambda x, e=exclusive, r=reverse: tf.math.cumprod(x, 1, e, r) * [[1.0, 2.0, 3.0]],
                x,
            )
    _, (out["cumprod_zero_grad"],) = grads(tf, tf.math.cumprod, [2.0, 0.0, 3.0])
    out["cumsum_int_axis0"] = tf.cumsum(tf.constant([[1, 2], [3, 4]]), axis=0)
    return out


@case
def arg_and_top_k(tf):
    out = {
        "argmax_default_axis": tf.math.argmax(tf.constant([[1, 5], [3, 2]])),
        "argmax_ties": tf.math.argmax(tf.constant([1, 5, 5])),
        "argmin_ties_int32": tf.math.argmin(tf.constant([1, 1, 5]), output_type=tf.int32),
        "argmax_nan": tf.math.argmax(tf.constant([[NAN, 1.0, 0.0], [NAN, NAN, NAN]]), axis=1),
        "argmin_nan": tf.math.argmin(tf.constant([NAN, 1.0, 0.0])),
    }
    # No nan here: TF's order for nan depends on k and the position (sort on a bad order).
    x = [[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 1.0], [-INF, 0.0, 2.0, -1.0]]
    top = tf.math.top_k(tf.constant(x), k=3)
    out.update(top_values=top.values, top_indices=top.indices)
    _, (out["top_grad"],) = grads(tf, lambda x: tf.math.top_k(x, k=2)[0] * [[1.0, 2.0]], x[:2])
    out["top_int"] = tf.math.top_k(tf.constant([1, 3, 3, 2]), k=3).indices
    return out


# ---- elementwise functions: values and gradients -------------------------------------------

UNARY = {
    "exp": ("exp", [-3.0, -0.5, 0.0, 0.7, 2.0]),
    "expm1": ("math.expm1", [-1e-6, -0.5, 0.0, 1e-7, 2.0]),
    "log": ("math.log", [0.001, 0.5, 1.0, 2.0, 10.0]),
    "log1p": ("math.log1p", [-0.5, -1e-7, 0.0, 1e-6, 3.0]),
    "sqrt": ("sqrt", [0.0, 0.25, 1.0, 2.0, 9.0]),
    "rsqrt": ("math.rsqrt", [0.25, 1.0, 2.0, 9.0, 100.0]),
    "reciprocal": ("math.reciprocal", [-2.0, -0.5, 0.25, 1.0, 3.0]),
    "square": ("square", [-2.0, -0.5, 0.0, 1.0, 3.0]),
    "abs": ("abs", [-2.0, -0.5, 0.0, 1.0, 3.0]),
    "sign": ("sign", [-2.0, -0.5, 0.0, 1.0, 3.0]),
    "negative": ("negative", [-2.0, -0.5, 0.0, 1.0, 3.0]),
    "sin": ("sin", [-3.0, -0.5, 0.0, 1.0, 10.0]),
    "cos": ("cos", [-3.0, -0.5, 0.0, 1.0, 10.0]),
    "tan": ("tan", [-1.2, -0.5, 0.0, 1.0, 1.5]),
    "atan": ("atan", [-10.0, -0.5, 0.0, 1.0, 100.0]),
    "sinh": ("sinh", [-3.0, -0.5, 0.0, 1.0, 5.0]),
    "cosh": ("cosh", [-3.0, -0.5, 0.0, 1.0, 5.0]),
    "tanh": ("tanh", [-20.0, -0.5, 0.0, 1.0, 2.0]),
    "erf": ("math.erf", [-3.0, -0.5, 0.0, 0.1, 5.0]),
    "sigmoid": ("sigmoid", [-30.0, -0.5, 0.0, 1.0, 30.0]),
}


def _lookup(tf, path):
    obj = tf
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@case
def unary_functions(tf):
    out = {}
    for key, (path, x) in UNARY.items():
        fn = _lookup(tf, path)
        for dt in ("float32", "float64"):
            out[f"{key}_{dt}"], (out[f"{key}_grad_{dt}"],) = grads(tf, fn, x, dtype=dt)
    return out


@case
def binary_functions(tf):
    x, y = [-2.0, -0.5, 0.0, 1.5, 3.0], [0.5, -1.5, 2.0, 0.0, 3.0]
    out = {}
    for name in (
        "add",
        "subtract",
        "multiply",
        "divide",
        "math.squared_difference",
        "math.divide_no_nan",
    ):
        fn = _lookup(tf, name)
        key = name.split(".")[-1]
        out[key], (out[f"{key}_gx"], out[f"{key}_gy"]) = grads(
            tf, lambda a, b, fn=fn: fn(a, b) * weights(5), x, y, dtype="float64"
        )
    return out


@case
def no_gradient_ops(tf):
    out = {}
    for name in ("round", "math.floor", "math.ceil", "sign"):
        _, (out[name],) = grads(tf, lambda x, name=name: _lookup(tf, name)(x) * 2.0, [0.4, 1.6])
    _, (out["floordiv"], out["floordiv_y"]) = grads(tf, tf.math.floordiv, [7.0], [2.0])
    return out


# ---- writing the JSON ----------------------------------------------------------------------


def encode(value):
    """A Tensor (or None, or a list of them) as JSON: values, dtype and shape."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    array = np.asarray(value.numpy())
    return {
        "dtype": value.dtype.name,
        "shape": list(array.shape),
        "value": array.astype(np.float64 if array.dtype.kind == "f" else object).tolist()
        if array.dtype.kind != "b"
        else array.tolist(),
    }


# Relative tolerance by dtype: TF's Eigen kernels and NumPy's may differ in the last bits.
RTOL = {"float16": 1e-3, "float32": 2e-6, "float64": 1e-13}
# Absolute: TF flushes float32 denormals (softplus(-100) is 0 there, 3.8e-44 in NumPy).
ATOL = {"float16": 1e-7, "float32": 1e-37, "float64": 1e-300}


def load():
    return json.loads(OUT.read_text())


def compare(expected, actual, where=""):
    """Asserts that a tapeflow result matches its JSON golden entry (dtype, shape, values)."""
    if expected is None or actual is None:
        assert expected is None and actual is None, f"{where}: expected {expected}, got {actual}"
        return
    if isinstance(expected, list):
        assert len(expected) == len(actual), f"{where}: length"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            compare(e, a, f"{where}[{i}]")
        return
    assert actual.dtype.name == expected["dtype"], f"{where}: dtype {actual.dtype.name}"
    got = np.asarray(actual.numpy())
    assert list(got.shape) == expected["shape"], f"{where}: shape {got.shape}"
    want = np.asarray(expected["value"], dtype=got.dtype if got.dtype.kind != "f" else None)
    if got.dtype.kind == "f":
        dt = expected["dtype"]
        np.testing.assert_allclose(got, want, rtol=RTOL[dt], atol=ATOL[dt], err_msg=where)
    else:
        np.testing.assert_array_equal(got, want, err_msg=where)


def main():
    import tensorflow as tf

    golden = {name: {k: encode(v) for k, v in fn(tf).items()} for name, fn in CASES.items()}
    OUT.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(golden)} cases to {OUT}")


if __name__ == "__main__":
    main()
