"""Writes random_debug.json: TensorFlow's answers for tf.random, tf.debugging, tf.test.

Run with the TensorFlow reference venv:
    TF_CPP_MIN_LOG_LEVEL=3 /work/tfref/bin/python tests/golden/make_random_debug.py

Random bits cannot match (different generators), so for tf.random this records the seeding
semantics (which draws are equal), output dtypes and shapes, and error types. Every case
is a code string run with `tf` bound to TensorFlow here and to tapeflow in the tests.
"""

import json
import os

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- tf.test.compute_gradient ---------------------------------------------------------------
# name: (function source taking `tf`, argument arrays, delta)
X23 = np.array([[0.5, -1.25, 2.0], [1.5, 0.75, -0.3]])
GRADIENT_CASES = {
    "sum_of_squares_f32": ("lambda x: tf.reduce_sum(x * x)", [X23.astype(np.float32)], None),
    "cube_f32": ("lambda x: x * x * x", [np.array([0.3, -1.7, 2.5], np.float32)], None),
    "cube_f16": ("lambda x: x * x * x", [np.array([0.3, -1.7, 2.5], np.float16)], None),
    "matmul_f64": (
        "lambda a, b: tf.reduce_sum(tf.reshape(a, (2, 3, 1)) * tf.reshape(b, (1, 3, 2)), axis=1)",
        [X23, np.array([[1.0, -2.0], [0.5, 3.0], [-1.5, 0.25]])],
        None,
    ),
    "broadcast_mul_f64": ("lambda x, y: x * y", [X23, np.array([2.0, -1.0, 0.5])], None),
    "exp_delta_f64": ("lambda x: tf.exp(x)", [np.array([0.1, -0.4, 1.3])], 1e-3),
    "unconnected_f64": ("lambda x, y: x * 2.0", [np.array([1.0, 2.0]), np.array([3.0])], None),
    "python_float_arg": ("lambda x: x * x", [1.0], None),
    "log_rows_f32": (
        "lambda x: tf.reduce_sum(tf.math.log(x), axis=0)",
        [np.array([[0.5, 1.5], [2.0, 3.0], [0.25, 1.0]], np.float32)],
        None,
    ),
}
# The real MatMul, for when tapeflow has it (the composite above pins the same numbers).
MATMUL_SOURCE = "lambda a, b: tf.matmul(a, b)"


def gradient_goldens():
    out = {}
    for name, (source, args, delta) in GRADIENT_CASES.items():
        f = eval(source, {"tf": tf})
        theoretical, numerical = tf.test.compute_gradient(f, args, delta=delta)
        out[name] = {
            "source": source,
            "args": [np.asarray(a).tolist() for a in args],
            "arg_dtypes": [
                str(np.asarray(a).dtype) if isinstance(a, np.ndarray) else None for a in args
            ],
            "delta": delta,
            "theoretical": [t.tolist() for t in theoretical],
            "numerical": [n.tolist() for n in numerical],
            "dtypes": [str(t.dtype) for t in theoretical],
            "numerical_dtypes": [str(n.dtype) for n in numerical],
            "structure": [type(theoretical).__name__, type(numerical).__name__],
        }
    matmul = eval(MATMUL_SOURCE, {"tf": tf})
    t, n = tf.test.compute_gradient(matmul, GRADIENT_CASES["matmul_f64"][1])
    np.testing.assert_allclose(t[0], out["matmul_f64"]["theoretical"][0])
    out["matmul_f64"]["matmul_source"] = MATMUL_SOURCE
    return out


# ---- tf.random and tf.debugging cases -----------------------------------------------------
# Every case is code run with PRELUDE's names; `tf` is TensorFlow here, tapeflow in the tests.
PRELUDE = """
u = lambda **k: tf.random.uniform([3], **k)
c = tf.constant
zeros = lambda *shape: tf.constant(np.zeros(shape, np.float32))
R = tf.random
D = tf.debugging
"""

# Statements that leave arrays `a` and `b`; the golden says whether they are equal.
SEMANTICS = {
    "set_seed_repeats_first_draw": "R.set_seed(5); a = u(); R.set_seed(5); b = u()",
    "set_seed_repeats_second_draw": "R.set_seed(5); u(); a = u(); R.set_seed(5); u(); b = u()",
    "successive_draws_differ": "R.set_seed(5); a = u(); b = u()",
    "different_global_seeds_differ": "R.set_seed(5); a = u(); R.set_seed(6); b = u()",
    "op_seed_successive_differ": "R.set_seed(None); a = u(seed=7); b = u(seed=7)",
    "op_seed_alone_repeats": "R.set_seed(None); a = u(seed=7); R.set_seed(None); b = u(seed=7)",
    "op_seed_no_global_equals_default_global": (
        "R.set_seed(None); a = u(seed=7); R.set_seed(87654321); b = u(seed=7)"
    ),
    "op_seed_ignores_unseeded_calls": (
        "R.set_seed(5); u(); u(); a = u(seed=3); R.set_seed(5); b = u(seed=3)"
    ),
    "seeded_call_does_not_shift_unseeded": (
        "R.set_seed(5); u(seed=3); a = u(); R.set_seed(5); b = u()"
    ),
    "normal_and_uniform_streams_are_separate": (
        "R.set_seed(5); R.normal([3], seed=3); a = u(seed=3); R.set_seed(5); b = u(seed=3)"
    ),
    "different_op_seeds_differ": "R.set_seed(5); a = u(seed=1); b = u(seed=2)",
    "normal_repeats": "R.set_seed(1); a = R.normal([4]); R.set_seed(1); b = R.normal([4])",
    "shuffle_repeats": (
        "R.set_seed(1); a = R.shuffle(c(np.arange(20))); "
        "R.set_seed(1); b = R.shuffle(c(np.arange(20)))"
    ),
    "categorical_repeats": (
        "R.set_seed(1); a = R.categorical(zeros(2, 50), 20); "
        "R.set_seed(1); b = R.categorical(zeros(2, 50), 20)"
    ),
    "stateless_repeats": (
        "a = R.stateless_normal([4], seed=[1, 2]); b = R.stateless_normal([4], seed=[1, 2])"
    ),
    "stateless_seeds_differ": (
        "a = R.stateless_normal([4], seed=[1, 2]); b = R.stateless_normal([4], seed=[1, 3])"
    ),
    "stateless_ignores_global_seed": (
        "R.set_seed(1); a = R.stateless_uniform([4], seed=[1, 2]); "
        "R.set_seed(2); b = R.stateless_uniform([4], seed=[1, 2])"
    ),
    "generator_from_seed_repeats": (
        "a = R.Generator.from_seed(3).normal([4]); b = R.Generator.from_seed(3).normal([4])"
    ),
    "generator_successive_differ": (
        "g = R.Generator.from_seed(3); a = g.normal([4]); b = g.normal([4])"
    ),
    "generator_ignores_global_seed": (
        "R.set_seed(1); a = R.Generator.from_seed(3).uniform([4]); "
        "R.set_seed(2); b = R.Generator.from_seed(3).uniform([4])"
    ),
    "generator_reset_from_seed_repeats": (
        "g = R.Generator.from_seed(3); a = g.normal([4]); g.reset_from_seed(3); b = g.normal([4])"
    ),
}

# Expressions; the golden holds the result's dtype and shape.
OUTPUTS = {
    "normal_default": "R.normal([2, 3])",
    "normal_f64": "R.normal((4,), dtype=tf.float64)",
    "normal_f16": "R.normal([2], dtype=tf.float16)",
    "normal_scalar": "R.normal([])",
    "normal_empty": "R.normal([0, 3])",
    "normal_shape_tensor": "R.normal(c([2, 5]))",
    "normal_shape_tensorshape": "R.normal(tf.TensorShape([3, 1]))",
    "normal_shape_entry_tensor": "R.normal([c(2), 3])",
    "normal_shape_numpy": "R.normal(np.array([2, 3]))",
    "normal_tensor_mean_broadcasts": "R.normal([2], mean=c([[1.0], [2.0], [3.0]]))",
    "uniform_default": "R.uniform([5])",
    "uniform_int32": "R.uniform([5], maxval=10, dtype=tf.int32)",
    "uniform_int64": "R.uniform([2, 2], minval=-3, maxval=3, dtype=tf.int64)",
    "uniform_int_empty_equal_bounds": "R.uniform([0], minval=5, maxval=5, dtype=tf.int32)",
    "uniform_f64_bounds": "R.uniform([3], minval=-1.0, maxval=1.0, dtype=tf.float64)",
    "truncated_default": "R.truncated_normal([4, 2])",
    "truncated_f64": "R.truncated_normal([3], mean=1.0, stddev=2.0, dtype=tf.float64)",
    "shuffle_int": "R.shuffle(c([[1, 2], [3, 4], [5, 6]]))",
    "shuffle_scalar": "R.shuffle(c(3.0))",
    "categorical_default": "R.categorical([[1.0, 2.0, 3.0]], 4)",
    "categorical_int32": "R.categorical([[1.0, 2.0], [0.0, 0.0]], 3, dtype=tf.int32)",
    "categorical_zero_samples": "R.categorical([[1.0, 2.0]], 0)",
    "categorical_tensor_num_samples": "R.categorical([[1.0, 2.0]], c(2))",
    "stateless_normal": "R.stateless_normal([2, 2], seed=[1, 2])",
    "stateless_uniform_int": "R.stateless_uniform([3], [1, 2], 0, 10, dtype=tf.int32)",
    "stateless_uniform_full_int": "R.stateless_uniform([3], [1, 2], None, None, dtype=tf.int64)",
    "stateless_truncated": "R.stateless_truncated_normal([3], seed=[4, 5])",
    "generator_make_seeds": "R.Generator.from_seed(1).make_seeds(3)",
    "generator_uniform_int": "R.Generator.from_seed(1).uniform([2], 0, 4, dtype=tf.int32)",
    "generator_uniform_full_int": "R.Generator.from_seed(1).uniform_full_int([2])",
}

# Expressions; the golden holds the exception class name (None: no exception).
RANDOM_ERRORS = {
    "normal_int_shape": "R.normal(3)",
    "normal_negative_dim": "R.normal([-1, 2])",
    "normal_float_dim": "R.normal([2.5])",
    "normal_none_dim": "R.normal([None, 3])",
    "normal_partial_tensorshape": "R.normal(tf.TensorShape([None, 3]))",
    "normal_int_dtype": "R.normal([2], dtype=tf.int32)",
    "normal_mean_wrong_dtype": "R.normal([2], mean=c(1.0, tf.float64))",
    "uniform_int_without_maxval": "R.uniform([2], dtype=tf.int32)",
    "uniform_int_equal_bounds": "R.uniform([2], minval=5, maxval=5, dtype=tf.int32)",
    "uniform_int_reversed_bounds": "R.uniform([2], minval=6, maxval=5, dtype=tf.int64)",
    "uniform_int_vector_minval": "R.uniform([2], minval=[0, 1], maxval=5, dtype=tf.int32)",
    "uniform_int_float_bound": "R.uniform([3], minval=1.5, maxval=2, dtype=tf.int32)",
    "uniform_bool_dtype": "R.uniform([2], dtype=tf.bool)",
    "uniform_int16_dtype": "R.uniform([2], maxval=3, dtype=tf.int16)",
    "truncated_int_dtype": "R.truncated_normal([2], dtype=tf.int32)",
    "categorical_vector_logits": "R.categorical([1.0, 2.0], 3)",
    "categorical_float_dtype": "R.categorical([[1.0, 2.0]], 3, dtype=tf.float32)",
    "categorical_no_classes": "R.categorical(zeros(2, 0), 2)",
    "categorical_negative_samples": "R.categorical([[1.0, 2.0]], -1)",
    "stateless_seed_three": "R.stateless_normal([2], seed=[1, 2, 3])",
    "stateless_seed_scalar": "R.stateless_normal([2], seed=1)",
    "stateless_float_seed": "R.stateless_normal([2], seed=[1.0, 2.0])",
    "stateless_int_one_bound": "R.stateless_uniform([2], seed=[1, 2], dtype=tf.int32)",
    "generator_int_one_bound": "R.Generator.from_seed(1).uniform([2], dtype=tf.int32)",
}

DEBUG_ERRORS = {
    "check_numerics_nan": "D.check_numerics(c([1.0, np.nan]), 'm')",
    "check_numerics_int": "D.check_numerics(c([1, 2]), 'm')",
    "check_numerics_ok": "D.check_numerics(c([1.0, 2.0]), 'm')",
    "assert_all_finite_inf": "D.assert_all_finite(c([np.inf]), 'm')",
    "assert_equal_values": "D.assert_equal(c([1, 2]), c([1, 3]))",
    "assert_equal_shapes": "D.assert_equal(c([1, 2, 3]), c([1, 2]))",
    "assert_equal_dtypes": "D.assert_equal(c([1, 2]), c([1.0, 2.0]))",
    "assert_equal_ok": "D.assert_equal(c([[1, 2]]), c([1, 2]))",
    "assert_less_fails": "D.assert_less(c([1, 2]), c([2, 2]))",
    "assert_greater_equal_ok": "D.assert_greater_equal(c([2, 2]), 2)",
    "assert_none_equal_fails": "D.assert_none_equal(c([1, 2]), c([1, 3]))",
    "assert_positive_fails": "D.assert_positive(c([1, 0]))",
    "assert_non_negative_ok": "D.assert_non_negative(c([0.0, 1.0]))",
    "assert_near_fails": "D.assert_near(c([1.0, 2.0]), c([1.0, 2.1]))",
    "assert_near_ok_f32": "D.assert_near(c([100.0]), c([100.0001]))",
    "assert_near_int": "D.assert_near(c([1, 2]), c([1, 2]))",
    "assert_near_nan": "D.assert_near(c([np.nan]), c([np.nan]))",
    "assert_near_rtol": "D.assert_near(c([1.0, 2.0]), c([1.0, 2.1]), rtol=0.1)",
    "assert_near_dtypes": "D.assert_near(c([1.0], tf.float64), c([1.0]))",
    "assert_rank_fails": "D.assert_rank(zeros(2, 3), 1)",
    "assert_rank_ok": "D.assert_rank([1, 2], 1)",
    "assert_rank_float_rank": "D.assert_rank(c([1]), 1.0)",
    "assert_rank_vector_rank": "D.assert_rank(c([1]), [1])",
    "assert_rank_at_least_fails": "D.assert_rank_at_least(c([1.0]), 2)",
    "assert_rank_in_fails": "D.assert_rank_in(c([1.0]), [0, 2])",
    "assert_scalar_fails": "D.assert_scalar(c([1.0]))",
    "assert_type_fails": "D.assert_type(c([1.0]), tf.int32)",
    "assert_type_ok_numpy": "D.assert_type(c([1.0]), np.float32)",
    "assert_integer_fails": "D.assert_integer(c([1.0]))",
    "assert_shapes_ok": "D.assert_shapes([(zeros(2, 3), ('N', 'Q')), (zeros(2), ('N',))])",
    "assert_shapes_symbol": "D.assert_shapes([(zeros(2, 3), ('N', 'Q')), (zeros(3), ('N',))])",
    "assert_shapes_rank": "D.assert_shapes([(zeros(2, 3), ('N',))])",
    "assert_shapes_explicit": "D.assert_shapes([(zeros(2, 3), (2, 4))])",
    "assert_shapes_ellipsis_ok": (
        "D.assert_shapes([(zeros(2, 3, 4), (..., 4)), (zeros(5, 4), ('*', 4))])"
    ),
    "assert_shapes_scalar_is_one": "D.assert_shapes([(c(1.0), (1,))])",
    "tf_assert_equal": "tf.assert_equal(1, 2)",
    "tf_assert_rank": "tf.assert_rank(c([1.0]), 1)",
    "Assert_false": "D.Assert(False, [c([1, 2])])",
    "Assert_true": "D.Assert(True, [c([1, 2])])",
}

# Expressions that raise; the golden holds TF's full message.
MESSAGES = {
    "assert_equal_indices": "D.assert_equal(c([1, 2, 3, 4]), c([1, 5, 3, 7]), message='hello')",
    "assert_equal_broadcast": "D.assert_equal(c([1, 2, 3, 4]), 1)",
    "assert_equal_2d": "D.assert_equal(c([[1, 2], [3, 4]]), c([[1, 2], [0, 4]]))",
    "assert_equal_summarize": "D.assert_equal(c(np.arange(9)), c(np.arange(9) * 0), summarize=2)",
    "assert_equal_summarize_zero": "D.assert_equal(c([0, 1]), c([1, 2]), summarize=0)",
    "assert_less_float": "D.assert_less(c([1.0, 2.5]), c([2.0, 2.0]))",
    "assert_positive": "D.assert_positive(c(np.arange(-5, 10)), summarize=4)",
    "assert_negative_message": "D.assert_negative(c([1.0, 0.0]), message='mm')",
    "check_numerics_nan": "D.check_numerics(c([1.0, np.nan]), 'my msg')",
    "check_numerics_inf": "D.check_numerics(c([1.0, -np.inf]), 'my msg')",
    "check_numerics_both": "D.check_numerics(c([np.inf, np.nan]), 'my msg')",
    "assert_rank_message": "D.assert_rank(zeros(2, 3), 1, message='mm')",
    "assert_type_message": "D.assert_type(c([1.0]), tf.int32, message='mm')",
    "assert_shapes_symbol": "D.assert_shapes([(zeros(2, 3), ('N', 'Q')), (zeros(3), ('N',))])",
    "assert_shapes_ellipsis": "D.assert_shapes([(zeros(2, 3, 4), (..., 'N')), (zeros(5), 'N')])",
}


def _scope():
    scope = {"tf": tf, "np": np}
    exec(PRELUDE, scope)
    return scope


def _raises(expr):
    try:
        eval(expr, _scope())
    except Exception as e:  # noqa: BLE001 - recording what TF raises
        return e
    return None


def random_goldens():
    semantics = {}
    for name, code in SEMANTICS.items():
        scope = _scope()
        exec(code, scope)
        equal = np.array_equal(np.asarray(scope["a"]), np.asarray(scope["b"]))
        semantics[name] = {"code": code, "equal": bool(equal)}
    outputs = {}
    for name, expr in OUTPUTS.items():
        t = eval(expr, _scope())
        outputs[name] = {"code": expr, "dtype": t.dtype.name, "shape": t.shape.as_list()}
    return semantics, outputs


def error_goldens(cases):
    out = {}
    for name, expr in cases.items():
        e = _raises(expr)
        out[name] = {"code": expr, "raises": None if e is None else type(e).__name__}
    return out


def message_goldens():
    out = {}
    for name, expr in MESSAGES.items():
        e = _raises(expr)
        text = e.message if isinstance(e, tf.errors.OpError) else str(e)
        out[name] = {"code": expr, "raises": type(e).__name__, "message": text}
    return out


def main():
    semantics, outputs = random_goldens()
    golden = {
        "tensorflow": tf.__version__,
        "prelude": PRELUDE,
        "compute_gradient": gradient_goldens(),
        "random_semantics": semantics,
        "random_outputs": outputs,
        "random_errors": error_goldens(RANDOM_ERRORS),
        "debug_errors": error_goldens(DEBUG_ERRORS),
        "messages": message_goldens(),
    }
    with open(os.path.join(HERE, "random_debug.json"), "w") as fh:
        json.dump(golden, fh, indent=1, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
