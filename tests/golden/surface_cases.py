"""Cases of the everyday surface compared with TensorFlow 2.21 (tests/golden/surface.json).

`cases(tf)` maps a name to a function of no argument; it runs with `tensorflow` in the golden
script and with `tapeflow` in the test, so both compute exactly the same thing. `encode`
turns a result (Tensors, SparseTensors, NumPy values, nested lists/tuples/dicts) or the
exception it raised into JSON: values, dtype and shape, or the error's type name. The
sparse-tensor cases are in surface_sparse_cases.py.
"""

import numpy as np
from surface_sparse_cases import sparse_cases, sparse_gradient_cases, sparse_pipeline_cases


def encode(value):
    if hasattr(value, "indices") and hasattr(value, "dense_shape") and hasattr(value, "values"):
        return {
            "sparse": True,
            "indices": np.asarray(value.indices).tolist(),
            "values": encode(value.values),
            "dense_shape": np.asarray(value.dense_shape).tolist(),
        }
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in sorted(value.items())}}
    if isinstance(value, (list, tuple)):
        return {"list": [encode(v) for v in value]}
    if value is None:
        return {"none": True}
    if isinstance(value, (str, bool, int, float)) and not hasattr(value, "dtype"):
        return {"python": value}
    a = np.asarray(value)
    dtype = getattr(value, "dtype", a.dtype)
    name = getattr(dtype, "name", str(dtype))
    values = a.tolist()
    if a.dtype == object:
        values = [v.decode() if isinstance(v, bytes) else v for v in a.reshape(-1).tolist()]
    elif a.dtype.kind == "f":
        values = np.where(np.isnan(a), None, a).tolist() if np.isnan(a).any() else values
    return {"values": values, "dtype": name, "shape": list(a.shape)}


def run(fn):
    try:
        return encode(fn())
    except Exception as e:  # the error type is part of the expected behaviour
        return {"error": type(e).__name__}


def write_golden(tf, cases_of_tf, out) -> None:
    """Runs every case of `cases_of_tf(tf)` (under TensorFlow, seeded) into the JSON file
    `out`: what make_surface.py and make_common_names.py write."""
    import json

    results = {}
    for name, fn in cases_of_tf(tf).items():
        tf.random.set_seed(0)
        results[name] = run(fn)
    out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(results)} cases to {out}")


def tensor_array_cases(tf):
    def basic():
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, clear_after_read=False)
        ta = ta.write(0, 10).write(1, 20).write(2, 30)
        return [ta.read(0), ta.read(1), ta.stack(), ta.size(), ta.gather([2, 0]), ta.concat()]

    def reads_clear():
        ta = tf.TensorArray(tf.float32, size=2)
        ta.write(0, [1.0, 2.0])
        return [ta.read(0), ta.read(1), ta.stack()]

    def read_twice():
        ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0)
        ta.read(0)
        return ta.read(0)

    def unstack_scatter_split():
        a = tf.TensorArray(tf.float32, size=3).unstack(tf.reshape(tf.range(6.0), [3, 2]))
        b = tf.TensorArray(tf.float32, size=4).scatter([3, 0], [[1.0], [2.0]])
        c = tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 2])
        return [a.read(1), a.size(), b.gather([0, 3]), b.stack(), c.read(1)]

    @tf.function
    def squares(x):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in tf.range(tf.shape(x)[0]):
            ta = ta.write(i, x[i] * x[i])
        return ta.stack()

    @tf.function
    def cube_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            ta = tf.TensorArray(tf.float32, size=3)
            for i in tf.range(3):
                ta = ta.write(i, x[i] ** 3)
            y = tf.reduce_sum(ta.stack())
        return tape.gradient(y, x)

    def eager_grad():
        x = tf.Variable([1.0, 2.0, 3.0])
        with tf.GradientTape(persistent=True) as tape:
            ta = tf.TensorArray(tf.float32, size=3)
            for i in range(3):
                ta = ta.write(i, x[i] ** 2)
            y = tf.reduce_sum(ta.stack() * tf.constant([1.0, 10.0, 100.0]))
            tb = tf.TensorArray(tf.float32, size=3).unstack(x * 2.0)
            z = tb.read(0) + 3.0 * tb.read(2)
        return [tape.gradient(y, x), tape.gradient(z, x)]

    return {
        "ta_basic": basic,
        "ta_reads_clear": reads_clear,
        "ta_read_twice": read_twice,
        "ta_write_past_end": lambda: tf.TensorArray(tf.float32, size=2).write(2, 1.0),
        "ta_write_wrong_dtype": lambda: tf.TensorArray(tf.float32, size=2).write(
            0, tf.constant(1, tf.int32)
        ),
        "ta_write_wrong_shape": lambda: (
            tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2.0]).write(1, [3.0])
        ),
        "ta_unknown_shape_stack": lambda: tf.TensorArray(tf.float32, size=3).stack(),
        "ta_element_shape_stack": lambda: tf.TensorArray(
            tf.float32, size=3, element_shape=[2]
        ).stack(),
        "ta_empty_stack": lambda: tf.TensorArray(tf.float32, size=0, element_shape=[3]).stack(),
        "ta_negative_read": lambda: tf.TensorArray(tf.float32, size=3).read(-1),
        "ta_unstack_too_many": lambda: tf.TensorArray(tf.float32, size=2).unstack(tf.zeros([3])),
        "ta_split_bad": lambda: tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 1]),
        "ta_no_size": lambda: tf.TensorArray(tf.float32),
        "ta_unstack_scatter_split": unstack_scatter_split,
        "ta_function": lambda: [
            squares(tf.constant([1.0, 2.0, 3.0])),
            squares(tf.constant([4.0, 5.0])),
        ],  # fmt: skip
        "ta_function_grad": lambda: [
            cube_grad(tf.constant([1.0, 2.0, 3.0])),
            cube_grad(tf.constant([2.0, 2.0, 2.0])),
        ],  # fmt: skip
        "ta_eager_grad": eager_grad,
    }


def py_function_cases(tf):
    def mul(x, y):
        return x * y

    def eager_grad():
        x = tf.Variable(3.0)
        with tf.GradientTape(persistent=True) as tape:
            y = tf.py_function(lambda a: a * a, [x], tf.float32)
            z = tf.numpy_function(lambda a: a * a, [x], tf.float32)
        return [tape.gradient(y, x), tape.gradient(z, x)]

    @tf.function
    def inner_grad(a):
        with tf.GradientTape() as tape:
            tape.watch(a)
            y = tf.py_function(lambda v: v**3, [a], tf.float32)
        return tape.gradient(y, a)

    @tf.function
    def squared(a):
        return tf.py_function(lambda v: v**2, [a], tf.float32)

    def outer_grad():
        v = tf.Variable(4.0)
        squared(v)
        with tf.GradientTape() as tape:
            y = squared(v)
        return tape.gradient(y, v)

    @tf.function
    def numpy_in_function(a):
        return tf.numpy_function(lambda v: v * 10, [a], tf.float32)

    @tf.py_function(Tout=tf.float32)
    def decorated(x):
        return x * 2.0

    return {
        "py_one": lambda: tf.py_function(mul, [2.0, 3.0], tf.float32),
        "py_list": lambda: tf.py_function(mul, [2.0, 3.0], [tf.float32]),
        "py_two": lambda: tf.py_function(lambda x: (x, x + 1), [2.0], [tf.float32, tf.float32]),
        "py_none_tout": lambda: tf.py_function(lambda x: None, [2.0], None),
        "py_empty_tout": lambda: tf.py_function(lambda x: None, [2.0], []),
        "py_python_result": lambda: tf.py_function(lambda x: 1, [2.0], tf.float32),
        "py_bad_result": lambda: tf.py_function(lambda x: 1.5, [2.0], tf.int32),
        "py_wrong_dtype": lambda: tf.py_function(lambda x: x, [2.0], tf.float64),
        "py_raises": lambda: tf.py_function(lambda x: 1 / 0, [1.0], tf.float32),
        "py_spec_tout": lambda: tf.py_function(lambda x: x, [2.0], tf.TensorSpec([], tf.float32)),
        "py_decorator": lambda: [decorated(tf.constant(3.0)), decorated(3.0)],
        "np_array": lambda: tf.numpy_function(lambda x: x * 2, [np.array([1.0, 2.0])], tf.float64),
        "np_keeps_dtype": lambda: tf.numpy_function(lambda x: x * 2, [np.float32(1.5)], "float32"),
        "np_type": lambda: tf.numpy_function(lambda x: type(x).__name__, [2.0], tf.string),
        "np_raises": lambda: tf.numpy_function(lambda x: 1 / 0, [1.0], tf.float32),
        "py_eager_grads": eager_grad,
        "py_function_grad": lambda: [inner_grad(tf.constant(2.0)), inner_grad(tf.constant(3.0))],
        "py_outer_tape_grad": outer_grad,
        "np_function": lambda: [
            numpy_in_function(tf.constant(2.0)),
            numpy_in_function(tf.constant(3.0)),
        ],  # fmt: skip
        "py_in_map": lambda: list(
            tf.data.Dataset.range(3)
            .map(lambda i: tf.py_function(lambda j: j * 10, [i], tf.int64))
            .as_numpy_iterator()
        ),
    }


def shape_and_control_cases(tf):
    v = tf.Variable(tf.ones([5, 8]))
    return {
        "reduce_prod_shape": lambda: tf.reduce_prod(v.shape),
        "convert_shape": lambda: tf.convert_to_tensor(v.shape),
        "convert_shape_int64": lambda: tf.convert_to_tensor(tf.TensorShape([2, 3]), tf.int64),
        "convert_shape_float": lambda: tf.convert_to_tensor(tf.TensorShape([2, 3]), tf.float32),
        "convert_partial_shape": lambda: tf.convert_to_tensor(tf.TensorShape([None, 3])),
        "convert_unknown_shape": lambda: tf.convert_to_tensor(tf.TensorShape(None)),
        "convert_empty_shape": lambda: tf.convert_to_tensor(tf.TensorShape([])),
        "convert_big_shape": lambda: tf.convert_to_tensor(tf.TensorShape([2**40, 3])),
        "zeros_of_shape": lambda: tf.zeros(tf.TensorShape([2, 3])),
        "ones_partial_shape": lambda: tf.ones(tf.TensorShape([2, None])),
        "reshape_to_shape": lambda: tf.reshape(tf.range(6), tf.TensorShape([2, 3])),
        "cast_shape": lambda: tf.cast(v.shape, tf.float32),
        "add_shape": lambda: tf.add(v.shape, 1),
        "ensure_shape_ok": lambda: tf.ensure_shape(tf.zeros([3, 2]), [None, 2]),
        "ensure_shape_bad": lambda: tf.ensure_shape(tf.zeros([3]), [2]),
        "ensure_shape_rank": lambda: tf.ensure_shape(tf.zeros([3, 2]), [3]),
        "identity_n": lambda: tf.identity_n([tf.constant(1.0), tf.constant([2, 3])]),
        "identity_n_scalar": lambda: tf.identity_n(tf.constant(1.0)),
        "no_op": lambda: tf.no_op(),
        "group": lambda: tf.group(tf.constant(1.0), tf.constant(2.0)),
    }


def device_cases(tf):
    def device_of(name):
        def run():
            with tf.device(name):
                x = tf.constant([1.0]) + 1
            return x.device

        return run

    names = ["/CPU:0", "/cpu:0", "CPU:0", "cpu", "/device:CPU:0", "/GPU:0", "/gpu:1",
             "/job:localhost/replica:0/task:0/device:CPU:0", "/TPU:0", "", "bad", "/XLA_CPU:0",
             "/job:worker/task:1"]  # fmt: skip
    out = {f"device_{name}": device_of(name) for name in names}
    out.update(
        {
            "physical_devices": lambda: [tuple(d) for d in tf.config.list_physical_devices()],
            "physical_cpu": lambda: [tuple(d) for d in tf.config.list_physical_devices("CPU")],
            "physical_gpu": lambda: tf.config.list_physical_devices("GPU"),
            "physical_lowercase": lambda: tf.config.list_physical_devices("cpu"),
            "logical_devices": lambda: [tuple(d) for d in tf.config.list_logical_devices()],
            "visible_devices": lambda: [tuple(d) for d in tf.config.get_visible_devices()],
            "device_details": lambda: tf.config.experimental.get_device_details(
                tf.config.list_physical_devices("CPU")[0]
            ),
            "memory_growth_cpu": lambda: tf.config.experimental.set_memory_growth(
                tf.config.list_physical_devices("CPU")[0], True
            ),
            "hide_gpus": lambda: tf.config.set_visible_devices([], "GPU"),
            "soft_placement": lambda: tf.config.get_soft_device_placement(),
            "variable_device": lambda: tf.Variable(1.0).device,
            "gpu_available": lambda: [tf.test.is_gpu_available(), tf.test.gpu_device_name()],
        }
    )
    return out


def keras_cases(tf):
    keras = tf.keras
    x = np.array([[-10.0, -5.0, -0.5, 0.0, 0.3, 5.0, 10.0]], np.float32)
    x2 = np.stack([x[0], x[0] * 0.5])
    mask = np.array([[1, 1, 0, 1, 1, 0, 1]], bool)
    x4 = np.arange(-12, 12, dtype=np.float32).reshape(1, 2, 3, 4)
    seqs = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10]]
    data = np.arange(20).reshape(10, 2).astype("float32")
    labels = np.arange(10)

    def prelu_grad():
        model = keras.Sequential([keras.Input((7,)), keras.layers.PReLU(),
                                  keras.layers.Dense(1, kernel_initializer="ones")])  # fmt: skip
        with tf.GradientTape() as tape:
            out = tf.reduce_sum(model(x))
        return tape.gradient(out, model.layers[0].alpha)

    def prelu_shared():
        layer = keras.layers.PReLU(alpha_initializer="ones", shared_axes=[1, 2])
        y = layer(x4)
        return [y, [list(w.shape) for w in layer.weights]]

    def listed(ds):
        return [
            [np.asarray(t).tolist() for t in e] if isinstance(e, tuple) else np.asarray(e).tolist()
            for e in ds
        ]

    return {
        "relu": lambda: keras.layers.ReLU()(x),
        "relu_max6": lambda: keras.layers.ReLU(max_value=6)(x),
        "relu_max_slope": lambda: keras.layers.ReLU(max_value=4.5, negative_slope=0.1)(x),
        "relu_threshold": lambda: keras.layers.ReLU(threshold=0.4)(x),
        "relu_all": lambda: keras.layers.ReLU(max_value=10, negative_slope=0.5, threshold=0.2)(x),
        "relu_negative_max": lambda: keras.layers.ReLU(max_value=-1),
        "relu_negative_slope": lambda: keras.layers.ReLU(negative_slope=-1),
        "relu_config": lambda: {
            k: v
            for k, v in keras.layers.ReLU(max_value=2.0).get_config().items()
            if k in ("max_value", "negative_slope", "threshold")
        },
        "leaky_relu": lambda: keras.layers.LeakyReLU()(x),
        "leaky_relu_slope": lambda: keras.layers.LeakyReLU(negative_slope=0.1)(x),
        "leaky_relu_bad": lambda: keras.layers.LeakyReLU(negative_slope=-0.1),
        "elu": lambda: keras.layers.ELU()(x),
        "elu_alpha": lambda: keras.layers.ELU(alpha=0.5)(x),
        "softmax": lambda: keras.layers.Softmax()(x),
        "softmax_axes": lambda: keras.layers.Softmax(axis=(0, 1))(x2),
        "softmax_mask": lambda: keras.layers.Softmax()(x, mask=mask),
        "softmax_float_mask": lambda: keras.layers.Softmax()(x, mask=mask.astype(np.float32)),
        "softmax_bad_mask": lambda: keras.layers.Softmax()(x, mask=np.ones((1, 3), bool)),
        "prelu": lambda: keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25))(
            x
        ),
        "prelu_shared": prelu_shared,
        "prelu_grad": prelu_grad,
        "pad": lambda: keras.utils.pad_sequences(seqs),
        "pad_post": lambda: keras.utils.pad_sequences(seqs, padding="post"),
        "pad_truncate_post": lambda: keras.utils.pad_sequences(seqs, maxlen=3, truncating="post"),
        "pad_value": lambda: keras.utils.pad_sequences(seqs, maxlen=3, value=-1),
        "pad_float": lambda: keras.utils.pad_sequences(
            [[1.5, 2.5], [3.5]], dtype="float32", value=0.5
        ),
        "pad_strings": lambda: keras.utils.pad_sequences(
            [["a", "b"], ["c"]], dtype=object, value="x"
        ),
        "pad_string_value_bad": lambda: keras.utils.pad_sequences([["a"], ["c"]], value="x"),
        "pad_bad_padding": lambda: keras.utils.pad_sequences(seqs, padding="mid"),
        "pad_bad_shape": lambda: keras.utils.pad_sequences([np.ones((2, 2)), np.ones((1, 3))]),
        "pad_not_iterable": lambda: keras.utils.pad_sequences([1, 2]),
        "split_array": lambda: [listed(d) for d in keras.utils.split_dataset(data, left_size=0.8)],
        "split_tuple_shuffled": lambda: [
            listed(d)
            for d in keras.utils.split_dataset((data, labels), left_size=0.5, shuffle=True, seed=7)
        ],
        "split_list_counts": lambda: [
            listed(d) for d in keras.utils.split_dataset([data, labels], left_size=4, right_size=3)
        ],
        "split_batched_dataset": lambda: [
            listed(d)
            for d in keras.utils.split_dataset(
                tf.data.Dataset.from_tensor_slices((data, labels)).batch(3), left_size=0.6
            )
        ],
        "split_no_sizes": lambda: keras.utils.split_dataset(data),
        "split_too_big": lambda: keras.utils.split_dataset(data, left_size=1.5),
        "split_sum_too_big": lambda: keras.utils.split_dataset(data, left_size=8, right_size=5),
        "split_bad_type": lambda: keras.utils.split_dataset(5, left_size=0.5),
    }


def cases(tf):
    out = {}
    for group in (sparse_cases, sparse_gradient_cases, sparse_pipeline_cases,
                  tensor_array_cases, py_function_cases, shape_and_control_cases,
                  device_cases, keras_cases):  # fmt: skip
        out.update(group(tf))
    return out
