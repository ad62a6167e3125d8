"""Cases for the common TF names of tests/test_common_names_golden.py (issue 11): context
queries, tf.compat, bitwise ops, integer division, casts, roll, sequences, partitions, scans
and folds, case/switch_case, Assert, TF's initializers and gradients through the new ops.

`cases(tf)` maps a case name to a function of no argument; it runs unchanged under
TensorFlow (make_common_names.py writes the results) and under tapeflow (the test).
The encoding and error handling are surface_cases.py's.
"""

import re

import numpy as np


def _message(fn):
    """The type and text of the error `fn` raises, without the "tf.name: " prefix tapeflow's
    errors start with."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is the result
        return type(e).__name__ + ": " + re.sub(r"^tf\.[\w.]+(?: \([^)]*\))?: ", "", str(e))
    return "no error"


def _grads(tf, fn, *xs):
    xs = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = fn(*xs)
    return tape.gradient(y, xs)


def _in_function(tf, fn, *args):
    return tf.function(fn)(*args)


def query_cases(tf):
    def in_function():
        seen = {}

        @tf.function
        def f(x):
            c = tf.constant(2.0)
            seen["eager"] = tf.executing_eagerly()
            seen["inside"] = tf.inside_function()
            seen["static_x"] = tf.get_static_value(x)
            seen["static_c"] = tf.get_static_value(c)
            with tf.name_scope("outer"):
                seen["scope"] = tf.get_current_name_scope()
            return x

        f(tf.constant(1.0))
        return seen

    def scopes():
        with tf.name_scope("a"):
            with tf.name_scope("b"):
                inner = tf.get_current_name_scope()
        return [inner, tf.get_current_name_scope()]

    def run_eagerly():
        tf.config.run_functions_eagerly(True)
        try:
            return tf.function(lambda: [tf.executing_eagerly(), tf.inside_function()])()
        finally:
            tf.config.run_functions_eagerly(False)

    return {
        "executing_eagerly": lambda: [tf.executing_eagerly(), tf.inside_function()],
        "in_function": in_function,
        "run_functions_eagerly": run_eagerly,
        "name_scopes": scopes,
        "static_value_scalar": lambda: tf.get_static_value(tf.constant(3)),
        "static_value_vector": lambda: tf.get_static_value(tf.constant([1.0, 2.0])),
        "static_value_python": lambda: tf.get_static_value([1, 2]),
        "static_value_variable": lambda: tf.get_static_value(tf.Variable(1.0)),
        "logger": lambda: [tf.get_logger().name, type(tf.get_logger()).__name__],
        "gradients_eager": lambda: _message(
            lambda: tf.gradients(tf.constant(1.0), tf.constant(1.0))
        ),
        "gradients_eager_type": lambda: tf.gradients(tf.constant(1.0), tf.constant(1.0)),
        "hessians_eager_type": lambda: tf.hessians(tf.constant(1.0), tf.constant(1.0)),
        "gradient_tape_alias": lambda: tf.autodiff.GradientTape is tf.GradientTape,
        "top_level_aliases": lambda: (
            [getattr(tf, n)(tf.constant([0.5])) for n in ("acos", "asin", "asinh", "atanh")]
            + [tf.acosh(tf.constant([1.5])), tf.atan2(tf.constant([1.0]), tf.constant([-2.0]))]
        ),
        "lazy_keras_modules": lambda: [
            tf.losses.MeanSquaredError()(tf.constant([1.0, 2.0]), tf.constant([1.5, 2.0])),
            type(tf.optimizers.SGD(0.1)).__name__,
            type(tf.metrics.Mean()).__name__,
            tf.initializers.Zeros()((2,)),
        ],
    }


def compat_cases(tf):
    c = tf.compat
    return {
        "as_bytes": lambda: [
            c.as_bytes("é").hex(),
            c.as_bytes(b"x").hex(),
            c.as_bytes(bytearray(b"q")).hex(),
        ],  # fmt: skip
        "as_text": lambda: [
            c.as_text(b"\xc3\xa9"),
            c.as_str(b"x"),
            c.as_str_any(3),
            c.as_str_any(b"ab"),
        ],  # fmt: skip
        "as_bytes_bad": lambda: c.as_bytes(3),
        "as_text_bad": lambda: c.as_text(3),
        "path_to_str": lambda: c.path_to_str(__import__("pathlib").Path("/a/b")),
        "dimension_value": lambda: [
            c.dimension_value(tf.TensorShape([3, None])[0]),
            c.dimension_value(tf.TensorShape([3, None])[1]),
            c.dimension_value(4),
        ],
        "dimension_at_index": lambda: [
            c.dimension_value(c.dimension_at_index(tf.TensorShape([3, None]), 0)),
            c.dimension_value(c.dimension_at_index(tf.TensorShape(None), 0)),
        ],
        "types": lambda: [
            isinstance(np.int8(1), c.integral_types),
            isinstance(1.5, c.real_types),
            isinstance(1j, c.complex_types),
            isinstance(b"", c.bytes_or_text_types),
            isinstance(np.float32(1), c.integral_types),
        ],  # fmt: skip
    }


def integer_cases(tf):
    i32 = np.array([-7, 7, -8, 9], np.int32)
    d32 = np.array([5, -2, 4, 4], np.int32)
    ub = np.array([0, 5, 200], np.uint8)
    return {
        "truncatediv_int": lambda: tf.truncatediv(tf.constant(i32), tf.constant(d32)),
        "truncatediv_float": lambda: tf.truncatediv(
            tf.constant([-7.0, 7.5]), tf.constant([5.0, 2.0])
        ),
        "truncatemod_int": lambda: tf.truncatemod(tf.constant(i32), tf.constant(d32)),
        "truncatemod_float": lambda: tf.truncatemod(
            tf.constant([-7.0, 7.5]), tf.constant([5.0, 2.0])
        ),
        "truncatediv_zero": lambda: tf.truncatediv(tf.constant([1]), tf.constant([0])),
        "truncatemod_zero": lambda: tf.truncatemod(tf.constant([1]), tf.constant([0])),
        "truncatemod_gradient": lambda: _grads(
            tf, lambda x: tf.truncatemod(x, 2.0), np.array([1.5], np.float32)
        ),
        "bitwise_and": lambda: tf.bitwise.bitwise_and(tf.constant(i32), tf.constant(d32)),
        "bitwise_or": lambda: tf.bitwise.bitwise_or(tf.constant(i32), tf.constant(d32)),
        "bitwise_xor": lambda: tf.bitwise.bitwise_xor(tf.constant(ub), tf.constant(ub[::-1])),
        "invert_uint8": lambda: tf.bitwise.invert(tf.constant(ub)),
        "invert_int32": lambda: tf.bitwise.invert(tf.constant(i32)),
        "left_shift": lambda: tf.bitwise.left_shift(
            tf.constant([1, -1, 3], tf.int32), tf.constant([40, -1, 2])
        ),  # fmt: skip
        "right_shift": lambda: tf.bitwise.right_shift(
            tf.constant([-16, 16, 16], tf.int32), tf.constant([2, 40, 1])
        ),  # fmt: skip
        "right_shift_uint8": lambda: tf.bitwise.right_shift(tf.constant(ub), tf.constant(ub % 3)),
        "bitwise_float": lambda: tf.bitwise.bitwise_and(tf.constant([1.0]), tf.constant([1.0])),
        "bitcast_same_size": lambda: tf.bitcast(tf.constant([1.0, -2.0]), tf.int32),
        "bitcast_smaller": lambda: tf.bitcast(tf.constant([1, 258], tf.int32), tf.uint8),
        "bitcast_larger": lambda: tf.bitcast(tf.constant([[1, 2, 3, 4]], tf.uint8), tf.int32),
        "bitcast_bad_size": lambda: tf.bitcast(tf.constant([1, 2, 3], tf.uint8), tf.int32),
        "saturate_uint8": lambda: tf.saturate_cast(tf.constant([-300.0, 1.5, 300.0]), tf.uint8),
        "saturate_int16": lambda: tf.saturate_cast(tf.constant([-70000, 100, 70000]), tf.int16),
        "saturate_float32": lambda: tf.saturate_cast(
            tf.constant([1e40, -1e40], tf.float64), tf.float32
        ),  # fmt: skip
        "saturate_int32_from_float": lambda: tf.saturate_cast(
            tf.constant([-1.5, 3e9, -3e9]), tf.int32
        ),  # fmt: skip
        "saturate_complex": lambda: tf.saturate_cast(tf.complex(1.0, 2.0), tf.float32),
        "saturate_gradient": lambda: _grads(
            tf, lambda x: tf.saturate_cast(x, tf.float64), np.array([1.5, -2.0], np.float32)
        ),
        "complex_parts": lambda: (
            [tf.math.real(z) for z in [tf.complex([1.0, 2.0], [3.0, 4.0])]]
            + [
                tf.math.imag(tf.complex([1.0, 2.0], [3.0, 4.0])),
                tf.complex(1.0, 2.0).dtype.name,
                tf.complex(tf.constant(1.0, tf.float64), tf.constant(2.0, tf.float64)).dtype.name,
            ]
        ),
        "complex_mixed": lambda: tf.complex(tf.constant([1.0], tf.float64), 3.0),
        "complex_int": lambda: tf.complex(tf.constant([1]), tf.constant([1])),
    }


def array_cases(tf):
    m = [[1, 2, 3], [4, 5, 6]]
    seq = [[1.0, 2, 3, 4], [5, 6, 7, 8]]
    return {
        "roll_lists": lambda: tf.roll(m, shift=[1, -1], axis=[0, 1]),
        "roll_scalar": lambda: tf.roll([1, 2, 3, 4], shift=1, axis=0),
        "roll_same_axis": lambda: tf.roll(m, shift=[1, 2], axis=[1, 1]),
        "roll_negative": lambda: tf.roll([1, 2, 3], shift=-4, axis=-1),
        "roll_tensor_args": lambda: tf.roll(m, tf.constant([1]), tf.constant([1])),
        "roll_size_mismatch": lambda: tf.roll([1, 2, 3], shift=[1, 2], axis=[0]),
        "roll_bad_axis": lambda: tf.roll([1, 2, 3], shift=1, axis=2),
        "roll_gradient": lambda: _grads(
            tf,
            lambda x: tf.reduce_sum(tf.roll(x, 1, 0) * tf.constant([1.0, 2.0, 3.0])),
            np.array([1.0, 2.0, 3.0], np.float32),
        ),
        "sequence_mask": lambda: tf.sequence_mask([1, 3, 2], 5),
        "sequence_mask_default": lambda: tf.sequence_mask([[1, 3], [2, 0]]),
        "sequence_mask_dtype": lambda: tf.sequence_mask([1, 3], 4, dtype=tf.float32),
        "sequence_mask_float_lengths": lambda: tf.sequence_mask([1.0, 3.0]),
        "reverse_sequence": lambda: tf.reverse_sequence(seq, [2, 3], seq_axis=1, batch_axis=0),
        "reverse_sequence_int64": lambda: tf.reverse_sequence(
            seq, tf.constant([4, 0], tf.int64), seq_axis=1
        ),
        "reverse_sequence_batch1": lambda: tf.reverse_sequence(
            np.arange(12.0).reshape(3, 2, 2), [3, 1], seq_axis=0, batch_axis=1
        ),
        "reverse_sequence_no_axis": lambda: tf.reverse_sequence(seq, [2, 3]),
        "reverse_sequence_too_long": lambda: tf.reverse_sequence(seq, [2, 9], seq_axis=1),
        "reverse_sequence_gradient": lambda: _grads(
            tf,
            lambda x: tf.reduce_sum(
                tf.reverse_sequence(x, [2, 3], seq_axis=1) * tf.constant([[1.0, 2, 3, 4]] * 2)
            ),
            np.array(seq, np.float32),
        ),
        "unravel_index": lambda: tf.unravel_index([22, 41, 37], [7, 6]),
        "unravel_index_scalar": lambda: tf.unravel_index(5, [7, 6]),
        "unravel_index_int64": lambda: tf.unravel_index(
            tf.constant([3], tf.int64), tf.constant([7, 6], tf.int64)
        ),
        "unravel_index_out_of_bound": lambda: tf.unravel_index([50], [7, 6]),
        "shape_n": lambda: tf.shape_n([tf.zeros((2, 3)), tf.zeros(4)]),
        "shape_n_int64": lambda: tf.shape_n([tf.zeros((2, 3))], out_type=tf.int64),
        "shape_n_float": lambda: tf.shape_n([tf.zeros((2, 3))], out_type=tf.float32),
        "parallel_stack_eager": lambda: tf.parallel_stack([tf.constant([1, 2])]),
        "parallel_stack_function": lambda: _in_function(
            tf, lambda a, b: tf.parallel_stack([a, b]), tf.constant([1, 2]), tf.constant([3, 4])
        ),
        "tuple": lambda: tf.tuple([tf.constant(1.0), None, tf.constant(2)]),
        "timestamp_dtype": lambda: [
            tf.timestamp().dtype.name,
            tf.timestamp().shape.rank,
            bool(tf.timestamp() > 1.7e9),
        ],  # fmt: skip
        "dynamic_partition": lambda: tf.dynamic_partition(
            [10.0, 20, 30, 40, 50], [0, 0, 1, 1, 0], 2
        ),  # fmt: skip
        "dynamic_partition_2d": lambda: tf.dynamic_partition(
            [[1, 2], [3, 4], [5, 6]], [1, 0, 1], 3
        ),  # fmt: skip
        "dynamic_partition_bad": lambda: tf.dynamic_partition([1, 2], [0, 2], 2),
        "dynamic_stitch": lambda: tf.dynamic_stitch([[0, 2], [1, 3]], [[1.0, 2], [3, 4]]),
        "dynamic_stitch_repeat": lambda: tf.dynamic_stitch([[0, 2], [1, 0]], [[1.0, 2], [3, 4]]),
        "dynamic_stitch_gap": lambda: tf.dynamic_stitch([[0, 4]], [[1.0, 2]]),
        "dynamic_stitch_nested": lambda: tf.dynamic_stitch(
            [6, [4, 1], [[5, 2], [0, 3]]],
            [
                [61.0, 62.0],
                [[41.0, 42.0], [11.0, 12.0]],
                [[[51.0, 52.0], [21.0, 22.0]], [[1.0, 2.0], [31.0, 32.0]]],
            ],
        ),  # fmt: skip
        "dynamic_partition_gradient": lambda: _grads(
            tf,
            lambda x: (
                tf.reduce_sum(
                    tf.dynamic_partition(x, [0, 0, 1, 1, 0], 2)[0] * tf.constant([1.0, 2, 3])
                )
                + tf.reduce_sum(tf.dynamic_partition(x, [0, 0, 1, 1, 0], 2)[1] * 5.0)
            ),
            np.array([10.0, 20, 30, 40, 50], np.float32),
        ),
        "dynamic_stitch_gradient": lambda: _grads(
            tf,
            lambda x: tf.reduce_sum(
                tf.dynamic_stitch([[0, 2], [1, 0]], [x[:2], x[2:4]]) * tf.constant([1.0, 2, 3])
            ),
            np.array([10.0, 20, 30, 40, 50], np.float32),
        ),
    }


def control_cases(tf):
    t, f = tf.constant(True), tf.constant(False)
    elems = tf.constant([1, 2, 3, 4])
    x3 = np.array([1.0, 2.0, 3.0], np.float32)
    return {
        "scan_sum": lambda: tf.scan(lambda a, x: a + x, elems),
        "scan_init_reverse": lambda: tf.scan(
            lambda a, x: a + x, elems, initializer=10, reverse=True
        ),  # fmt: skip
        "scan_nested": lambda: tf.scan(
            lambda a, x: (a[0] + x[0], a[1] * x[1]),
            (tf.constant([1.0, 2, 3]), tf.constant([2.0, 3, 4])),
        ),
        "scan_dict_init": lambda: tf.scan(
            lambda a, x: {"s": a["s"] + x},
            tf.constant([1.0, 2]),
            initializer={"s": tf.constant(0.0)},
        ),  # fmt: skip
        "scan_state_shape": lambda: tf.scan(
            lambda a, x: a + tf.fill([2], x), tf.constant([1.0, 2.0]), initializer=tf.zeros([2])
        ),  # fmt: skip
        "scan_empty": lambda: tf.scan(lambda a, x: a + x, tf.constant([], tf.float32)),
        "scan_empty_init": lambda: tf.scan(
            lambda a, x: a + x, tf.constant([], tf.float32), initializer=0.0
        ),  # fmt: skip
        "scan_scalar": lambda: tf.scan(lambda a, x: a + x, tf.constant(3.0)),
        "foldl": lambda: tf.foldl(lambda a, x: a + x, elems),
        "foldr": lambda: tf.foldr(lambda a, x: a * 10 + x, elems),
        "foldl_init": lambda: tf.foldl(lambda a, x: a * 10 + x, elems, initializer=7),
        "foldl_tuple": lambda: tf.foldl(
            lambda a, x: a + x[0] * x[1], (tf.constant([1, 2]), tf.constant([3, 4])), initializer=0
        ),  # fmt: skip
        "foldl_empty": lambda: tf.foldl(lambda a, x: a + x, tf.constant([], tf.float32)),
        "foldl_empty_init": lambda: tf.foldl(
            lambda a, x: a + x, tf.constant([], tf.float32), initializer=1.0
        ),  # fmt: skip
        "scan_gradient": lambda: _grads(tf, lambda x: tf.scan(lambda a, e: a * e, x), x3),
        "foldr_gradient": lambda: _grads(
            tf, lambda x: tf.foldr(lambda a, e: a * e + 1.0, x, initializer=2.0), x3
        ),
        "foldl_gradient": lambda: _grads(tf, lambda x: tf.foldl(lambda a, e: a * e - a, x), x3),
        "scan_function": lambda: _in_function(
            tf, lambda x: tf.scan(lambda a, e: a * e + 1.0, x), tf.constant(x3)
        ),
        "foldl_function": lambda: _in_function(
            tf, lambda x: tf.foldl(lambda a, e: a * e + 1.0, x), tf.constant(x3)
        ),
        "case_first_true": lambda: tf.case([(f, lambda: 1), (t, lambda: 2)], default=lambda: 3),
        "case_exclusive": lambda: tf.case(
            [(t, lambda: 1), (t, lambda: 2)], default=lambda: 3, exclusive=True
        ),  # fmt: skip
        "case_no_default": lambda: tf.case([(t, lambda: 1), (t, lambda: 2)]),
        "case_default": lambda: tf.case([(f, lambda: 1)], default=lambda: 3),
        "case_none_true": lambda: tf.case([(f, lambda: 1)]),
        "case_python_pred": lambda: tf.case([(False, lambda: 1)], default=lambda: 3),
        "case_function": lambda: _in_function(
            tf,
            lambda x: tf.case([(x > 2.0, lambda: x * 2.0)], default=lambda: -x),
            tf.constant(3.0),
        ),
        "switch_case": lambda: tf.switch_case(tf.constant(1), [lambda: 10, lambda: 20]),
        "switch_case_out_of_range": lambda: tf.switch_case(
            tf.constant(5), [lambda: 10, lambda: 20]
        ),  # fmt: skip
        "switch_case_negative_default": lambda: tf.switch_case(
            tf.constant(-1), [lambda: 10, lambda: 20], default=lambda: 30
        ),
        "switch_case_dict": lambda: tf.switch_case(tf.constant(1), {1: lambda: 11, 0: lambda: 0}),
        "switch_case_gap": lambda: tf.switch_case(tf.constant(3), {0: lambda: 10, 3: lambda: 20}),
        "switch_case_python_index": lambda: tf.switch_case(1, [lambda: 10, lambda: 20]),
        "switch_case_float_index": lambda: tf.switch_case(tf.constant(1.0), [lambda: 10]),
        "switch_case_function": lambda: _in_function(
            tf,
            lambda i: tf.switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(20)]),
            tf.constant(1),
        ),
        "assert_true": lambda: tf.Assert(t, [1]),
        "assert_message": lambda: _message(
            lambda: tf.Assert(f, [tf.constant([1, 2, 3]), "hello", tf.constant([[1.5]])])
        ),
        "assert_summarize": lambda: _message(lambda: tf.Assert(f, [tf.range(10)], summarize=4)),
        "assert_default_summarize": lambda: _message(lambda: tf.Assert(f, [tf.range(10)])),
        "assert_python_false": lambda: _message(lambda: tf.Assert(False, ["x"])),
        "assert_error_type": lambda: tf.Assert(f, [1]),
        "grad_pass_through": lambda: _grads(
            tf,
            lambda x: tf.grad_pass_through(lambda v: tf.round(v) * 5.0)(x),
            np.float32(3.2),
        ),
        "grad_pass_through_value": lambda: tf.grad_pass_through(lambda v: v * 2.0)(3.0),
        "no_gradient_unknown": lambda: tf.no_gradient("TapeflowTestOpThatDoesNotExist"),
        "no_gradient_existing": lambda: tf.no_gradient("Exp"),
        "no_gradient_bad": lambda: tf.no_gradient(3),
    }


def _round_trip(tf):
    layer = tf.keras.layers.Dense(2, kernel_initializer=tf.constant_initializer(0.5))
    config = layer.get_config()
    again = tf.keras.layers.Dense.from_config(config)
    return [config["kernel_initializer"]["class_name"], config["kernel_initializer"]["config"],
            again(tf.ones((1, 3)))]  # fmt: skip


def initializer_cases(tf):
    return {
        "constant_default": lambda: tf.constant_initializer()((2,)),
        "constant_float": lambda: tf.constant_initializer(2.0)((2,)),
        "constant_list": lambda: tf.constant_initializer([1, 2, 3, 4])((2, 2), tf.float32),
        "constant_wrong_size": lambda: tf.constant_initializer([1, 2, 3])((2, 2)),
        "constant_numpy": lambda: tf.constant_initializer(np.array([1.0, 2.0]))((2,)),
        "constant_bad_kwarg": lambda: tf.constant_initializer(3)((2,), foo=1),
        "constant_config": lambda: tf.constant_initializer(3.0).get_config(),
        "zeros": lambda: tf.zeros_initializer()((2,), tf.int32),
        "zeros_string": lambda: tf.zeros_initializer()((2,), tf.string),
        "ones": lambda: tf.ones_initializer()([2]),
        "ones_config": lambda: tf.ones_initializer().get_config(),
        "normal_int": lambda: tf.random_normal_initializer(seed=1)((2,), tf.int32),
        "normal_config": lambda: tf.random_normal_initializer(1.0, 2.0, 3).get_config(),
        "normal_from_config": lambda: tf.random_normal_initializer.from_config(
            {"mean": 1.0, "stddev": 2.0, "seed": 3}
        ).get_config(),
        "normal_stats": lambda: [
            abs(float(tf.reduce_mean(tf.random_normal_initializer(1.0, 0.5)((20000,)))) - 1.0)
            < 0.02,
            tf.random_normal_initializer()((3, 2), tf.float64).dtype.name,
        ],
        "uniform_int": lambda: (
            tf.random_uniform_initializer(0, 10, seed=1)((2,), tf.int32).dtype.name
        ),
        "uniform_range": lambda: [
            bool(tf.reduce_all(tf.abs(tf.random_uniform_initializer()((1000,))) <= 0.05)),
            tf.random_uniform_initializer().get_config(),
        ],
        "uniform_string": lambda: tf.random_uniform_initializer()((2,), tf.string),
        "keras_config_round_trip": lambda: _round_trip(tf),
        "class_names": lambda: [
            c.__name__
            for c in (
                tf.constant_initializer,
                tf.zeros_initializer,
                tf.ones_initializer,
                tf.random_normal_initializer,
                tf.random_uniform_initializer,
            )
        ],  # fmt: skip
        "keras_layer": lambda: tf.keras.layers.Dense(
            2,
            kernel_initializer=tf.constant_initializer(0.5),
            bias_initializer=tf.ones_initializer(),
        )(tf.ones((1, 3))),
    }


def cases(tf):
    out = {}
    for group in (query_cases, compat_cases, integer_cases, array_cases, control_cases,
                  initializer_cases):  # fmt: skip
        for name, fn in group(tf).items():
            out[f"{group.__name__[:-6]}.{name}"] = fn
    return out
