"""One trace for every size of an input_signature's None dimensions (function/polymorphic.py).

Every op sample is traced with a None first dimension and called at other sizes: the plan
must give the eager results bit for bit, forward and gradient. A trace that cannot serve
other sizes is specialised (one trace per size), never wrong.
"""

import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.indexed_slices import IndexedSlices
from tapeflow.core.registry import registered_ops
from tapeflow.testing.gradcheck import differentiable_positions, sample_inputs

OPS = registered_ops()

CASES = [
    pytest.param(name, i, id=f"{name}-{i}")
    for name, op in sorted(OPS.items())
    if not op.stateful and op.samples
    for i in range(len(op.samples))
]


def _bits(x):
    if isinstance(x, IndexedSlices):
        x = tf.convert_to_tensor(x)
    if x is None:
        return None
    a = np.asarray(x.numpy())
    if a.dtype == object:
        return a.dtype.str, a.shape, a.tolist()
    return a.dtype.str, a.shape, a.tobytes()


def _resized(arrays, varying, n):
    """The inputs with their varying first axis cycled to size `n` (values stay in domain)."""
    return [
        np.take(a, np.arange(n) % a.shape[0], axis=0) if i in varying else a
        for i, a in enumerate(arrays)
    ]


def _step_for(op, sample, wrt):
    def step(*xs):
        with tf.GradientTape() as tape:
            for i in wrt:
                tape.watch(xs[i])
            outs = op(*xs, **sample.attrs)
            outs = outs if isinstance(outs, tuple) else (outs,)
            scalar = None
            for o in outs:
                if o.dtype.is_floating:
                    term = tf.reduce_sum(tf.sin(o))
                    scalar = term if scalar is None else scalar + term
        grads = []
        if op.differentiable and scalar is not None and wrt:
            grads = tape.gradient(scalar, [xs[i] for i in wrt])
        return list(outs), list(grads)

    return step


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
@pytest.mark.parametrize("name, index", CASES)
def test_plan_serves_other_sizes_as_eager(name, index):
    op = OPS[name]
    sample = op.samples[index]
    rng = np.random.default_rng(index)
    first = sample_inputs(op, sample, rng)
    lead = next((a.shape[0] for a in first if np.ndim(a) >= 1), None)
    if lead is None:
        pytest.skip("no input with a first axis")
    varying = {i for i, a in enumerate(first) if np.ndim(a) >= 1 and a.shape[0] == lead}
    if lead < 2:
        first = _resized(first, varying, 3)
    wrt = differentiable_positions(sample, first)
    specs = [
        tf.TensorSpec(
            [None] + list(a.shape[1:]) if i in varying else a.shape,
            tf.as_dtype(np.asarray(a).dtype),
        )
        for i, a in enumerate(first)
    ]
    step = _step_for(op, sample, wrt)
    traced = tf.function(step, input_signature=specs)
    try:
        step(*[tf.constant(a) for a in first])
    except Exception:  # noqa: BLE001 - a sample that fails eagerly has nothing to compare
        pytest.skip("the sample fails eagerly once resized")
    traced(*[tf.constant(a) for a in first])
    for n in (lead + 2, 2, 1):
        xs = [tf.constant(a) for a in _resized(first, varying, n)]
        try:
            expected = step(*xs)
        except Exception as e:  # noqa: BLE001 - eager fails at this size: so must the plan
            with pytest.raises(
                type(e) if isinstance(e, tf.errors.InvalidArgumentError) else Exception
            ):
                traced(*xs)
            continue
        got = traced(*xs)
        for e, g in zip(expected[0] + expected[1], got[0] + got[1]):
            assert _bits(g) == _bits(e), n


# ---- whole functions -----------------------------------------------------------------------


def _mlp(rng, with_batchnorm):
    layers = [tf.keras.Input((11,)), tf.keras.layers.Dense(16, activation="relu")]
    if with_batchnorm:
        layers.append(tf.keras.layers.BatchNormalization())
    layers += [tf.keras.layers.LayerNormalization(), tf.keras.layers.Dense(3)]
    model = tf.keras.Sequential(layers)
    for w in model.weights:
        w.assign(rng.standard_normal(w.shape).astype("float32") * 0.3)
    return model


def _training(rng, traced, with_batchnorm=True):
    """Two epochs over 71 examples in batches of 32 (the last one 7): losses, weights."""
    model = _mlp(np.random.default_rng(0), with_batchnorm)
    optimizer = tf.keras.optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    accuracy = tf.keras.metrics.SparseCategoricalAccuracy()

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        accuracy.update_state(y, model(x, training=False))
        return loss

    if traced:
        step = tf.function(
            step,
            input_signature=[tf.TensorSpec([None, 11]), tf.TensorSpec([None], tf.int64)],
        )
    x = rng.standard_normal((71, 11)).astype("float32")
    y = rng.integers(0, 3, 71)
    losses = [
        step(tf.constant(x[i : i + 32]), tf.constant(y[i : i + 32])).numpy()
        for _ in range(2)
        for i in range(0, 71, 32)
    ]
    return step, losses, [w.numpy() for w in model.weights] + [accuracy.result().numpy()]


def test_a_training_step_is_traced_once_for_every_batch_size():
    eager = _training(np.random.default_rng(1), traced=False)
    step, losses, weights = _training(np.random.default_rng(1), traced=True)
    assert step.experimental_get_tracing_count() == 1  # batches of 32, then 7, then 32 ...
    np.testing.assert_array_equal(losses, eager[1])
    for got, expected in zip(weights, eager[2]):
        assert got.tobytes() == expected.tobytes()
    (cf,) = [cf for entry in step._cache.values() for cf in entry.traces]
    assert cf.polymorphic and cf.polymorphic_reason is None
    assert cf.structured_input_signature[0][0].shape.as_list() == [None, 11]


def test_batchnorm_moving_statistics_move_on_every_traced_call():
    # They were computed with NumPy on the layer's arrays: the trace wrote the first call's
    # statistics on every later call.
    layer = tf.keras.layers.BatchNormalization(momentum=0.5)
    traced = tf.function(lambda x: layer(x, training=True))
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((8, 3)).astype("float32") for _ in range(3)]
    for b in batches:
        traced(tf.constant(b))
    expected = np.zeros(3, np.float32)
    for b in batches:
        expected = expected * np.float32(0.5) + b.mean(axis=0, dtype=np.float32) * np.float32(0.5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), expected, rtol=1e-6)


def _traces(f):
    return [cf for entry in f._cache.values() for cf in entry.traces]


def test_python_reading_a_varying_size_gets_a_trace_per_size():
    @tf.function(input_signature=[tf.TensorSpec([None, 3])])
    def per_row_mean(x):
        return tf.reduce_sum(x) / x.shape[0]  # TF's x.shape[0] is None here

    @tf.function(input_signature=[tf.TensorSpec([None, 3])])
    def by_features(x):
        return tf.reduce_sum(x, axis=1) / x.shape[-1]  # a fixed size: one trace

    for n in (4, 5, 4, 6):
        x = tf.ones([n, 3])
        assert float(per_row_mean(x)) == 3.0
        np.testing.assert_array_equal(by_features(x).numpy(), np.ones(n, np.float32))
    assert per_row_mean.experimental_get_tracing_count() == 3
    assert by_features.experimental_get_tracing_count() == 1
    reasons = {cf.polymorphic_reason for cf in _traces(per_row_mean)}
    assert len(reasons) == 1 and "reads a size" in reasons.pop()


def test_sizes_from_tf_shape_serve_every_size():
    @tf.function(input_signature=[tf.TensorSpec([None, None])])
    def centred(x):
        n = tf.cast(tf.shape(x)[0], tf.float32)
        return x - tf.reduce_sum(x, axis=0) / n, tf.reshape(x, [-1])

    rng = np.random.default_rng(0)
    for shape in [(4, 3), (2, 5), (7, 1), (1, 1)]:
        a = rng.standard_normal(shape).astype("float32")
        got, flat = centred(tf.constant(a))
        expected = a - a.sum(axis=0) / np.float32(shape[0])
        assert got.numpy().tobytes() == expected.tobytes()
        np.testing.assert_array_equal(flat.numpy(), a.reshape(-1))
    assert centred.experimental_get_tracing_count() == 1


def test_a_clamped_size_is_checked_on_each_call():
    @tf.function(input_signature=[tf.TensorSpec([None])])
    def head(x):
        return tf.reduce_mean(x[:5]) * 2.0

    for n in (8, 9, 3, 8):
        x = tf.range(n, dtype=tf.float32)
        assert float(head(x)) == float(np.arange(min(n, 5), dtype=np.float32).mean() * 2)
    assert head.experimental_get_tracing_count() == 2  # 8 and up, then 3 (a new trace)


def test_a_first_call_of_size_one_is_specialised():
    @tf.function(input_signature=[tf.TensorSpec([None])])
    def double(x):
        return x * 2.0

    double(tf.ones([1]))
    (cf,) = _traces(double)
    assert not cf.polymorphic and "size 1" in cf.polymorphic_reason
    for n in (3, 4, 2):
        np.testing.assert_array_equal(double(tf.ones([n])).numpy(), np.full(n, 2, np.float32))
    assert double.experimental_get_tracing_count() == 2


def test_a_concrete_function_of_none_specs_serves_later_calls():
    @tf.function
    def scale(x, factor):
        return x * factor

    cf = scale.get_concrete_function(tf.TensorSpec([None, 2]), 3.0)
    assert cf.polymorphic
    assert cf.structured_input_signature[0][0].shape.as_list() == [None, 2]
    for n in (1, 5, 2):
        np.testing.assert_array_equal(cf(tf.ones([n, 2])).numpy(), np.full((n, 2), 3, np.float32))
        np.testing.assert_array_equal(
            scale(tf.ones([n, 2]), 3.0).numpy(), np.full((n, 2), 3, np.float32)
        )
    assert scale.experimental_get_tracing_count() == 1


_L = tf.keras.layers
STACKS = {
    "cnn": lambda: [
        tf.keras.Input((8, 8, 2)),
        _L.Conv2D(4, 3, activation="relu"),
        _L.MaxPooling2D(),
        _L.Conv2D(3, 2, padding="same"),
        _L.AveragePooling2D(2),
        _L.Flatten(),
        _L.Dense(5),
    ],
    "conv1d": lambda: [
        tf.keras.Input((9, 3)),
        _L.Conv1D(4, 3),
        _L.MaxPooling1D(),
        _L.GlobalAveragePooling1D(),
        _L.Dense(5),
    ],
    "lstm": lambda: [
        tf.keras.Input((6, 3)),
        _L.LSTM(4, return_sequences=True),
        _L.GRU(3),
        _L.Dense(5),
    ],
    "embedding": lambda: [
        tf.keras.Input((6,), dtype="int32"),
        _L.Embedding(10, 4),
        _L.SimpleRNN(3),
        _L.Dense(5),
    ],
    "attention": lambda: [
        tf.keras.Input((6, 4)),
        _L.MultiHeadAttention(2, 3),
        _L.Flatten(),
        _L.Dense(5),
    ],
}
LOSSES = {
    "sparse": tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    "categorical": tf.keras.losses.CategoricalCrossentropy(from_logits=True),
    "binary": tf.keras.losses.BinaryCrossentropy(from_logits=True),
    "mse": tf.keras.losses.MeanSquaredError(),
    "huber": tf.keras.losses.Huber(),
}


def _stack_model(name):
    layers = STACKS[name]()
    if name == "attention":  # a layer of two inputs: a functional model
        inputs = layers[0]
        x = layers[1](inputs, inputs)
        for layer in layers[2:]:
            x = layer(x)
        model = tf.keras.Model(inputs, x)
    else:
        model = tf.keras.Sequential(layers)
    rng = np.random.default_rng(0)
    for w in model.weights:
        w.assign((rng.standard_normal(w.shape) * 0.3).astype(w.dtype.as_numpy_dtype))
    return model, layers[0]


def _stack_training(name, loss_name, traced):
    model, inputs = _stack_model(name)
    optimizer = tf.keras.optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)
    loss_fn = LOSSES[loss_name]
    sparse = loss_name == "sparse"

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    x_spec = tf.TensorSpec([None] + list(inputs.shape[1:]), inputs.dtype)
    y_spec = tf.TensorSpec([None], tf.int64) if sparse else tf.TensorSpec([None, 5])
    if traced:
        step = tf.function(step, input_signature=[x_spec, y_spec])
    rng = np.random.default_rng(1)
    losses = []
    for n in (8, 3, 8, 1):
        shape = [n] + list(inputs.shape[1:])
        if inputs.dtype == tf.int32:
            x = rng.integers(0, 10, shape).astype("int32")
        else:
            x = rng.standard_normal(shape).astype("float32")
        labels = rng.integers(0, 5, n)
        y = labels if sparse else np.eye(5, dtype="float32")[labels]
        losses.append(step(tf.constant(x), tf.constant(y)).numpy())
    return step, np.array(losses), [w.numpy() for w in model.weights]


@pytest.mark.parametrize(
    "name, loss_name",
    [(name, "sparse") for name in STACKS] + [("cnn", n) for n in LOSSES if n != "sparse"],
)
def test_keras_training_steps_serve_every_batch_size(name, loss_name):
    _, eager_losses, eager_weights = _stack_training(name, loss_name, traced=False)
    step, losses, weights = _stack_training(name, loss_name, traced=True)
    assert step.experimental_get_tracing_count() == 1
    assert losses.tobytes() == eager_losses.tobytes()
    for got, expected in zip(weights, eager_weights):
        assert got.tobytes() == expected.tobytes()


def test_reduce_retracing_generalises_the_sizes_that_changed_as_tf():
    @tf.function(reduce_retracing=True)
    def column_sums(x, k=2):
        return tf.reduce_sum(x * k, axis=0)

    for n in (32, 32, 7, 5, 32):  # TF 2.21: 2 traces, the second one with shape (None, 3)
        np.testing.assert_array_equal(column_sums(tf.ones([n, 3])).numpy(), [2.0 * n] * 3)
    assert column_sums.experimental_get_tracing_count() == 2
    column_sums(tf.ones([4, 5]))
    column_sums(tf.ones([6, 5]))
    assert column_sums.experimental_get_tracing_count() == 3  # traced as (None, None), as TF


def test_a_size_turned_into_a_python_int_gets_a_trace_per_size():
    @tf.function(input_signature=[tf.TensorSpec([None, 3])])
    def plus_ones(x):
        return x + tf.reduce_sum(x) / int(tf.shape(x)[0]) + 1.0  # a size as a Python int

    @tf.function(input_signature=[tf.TensorSpec([None])])
    def maybe_double(x):
        return x * 2.0 if tf.reduce_max(x) > 100.0 else x  # same branch at every size

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # more sizes than paths per signature: no eager runs
        for n in range(2, 14):
            np.testing.assert_array_equal(plus_ones(tf.zeros([n, 3])).numpy(), np.ones((n, 3)))
            np.testing.assert_array_equal(maybe_double(tf.ones([n])).numpy(), np.ones(n))
    assert plus_ones.experimental_get_tracing_count() == 12
    assert maybe_double.experimental_get_tracing_count() == 1
