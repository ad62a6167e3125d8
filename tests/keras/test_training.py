"""Model.compile / fit / evaluate / predict: Keras 3's numbers, API and step overrides.

Golden numbers come from tests/golden/make_keras_fit.py (Keras 3 in TensorFlow 2.21). The
Dense layer, losses and metrics used here are small stand-ins written in this file, so the
training loop is tested on its own; `keras_standins` installs them into `keras.metrics` /
`keras.losses` only where the real ones are missing. The tests at the end use the real
classes and are skipped until those exist.
"""

import json
import pathlib
import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import keras
from tapeflow.keras import losses as losses_module
from tapeflow.keras import metrics as metrics_module
from tapeflow.keras.layers.layer import Layer
from tapeflow.keras.models import compile_utils

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "keras_fit.json").read_text()
)
RTOL = 1e-5


# ---- stand-ins --------------------------------------------------------------------------------


class Dense(Layer):
    """keras.layers.Dense reduced to what the tests need (same weights, same order)."""

    def __init__(self, units, activation=None, kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation
        self.kernel_regularizer = kernel_regularizer

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), name="kernel", regularizer=self.kernel_regularizer
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        y = tf.matmul(x, self.kernel) + self.bias
        if self.activation == "relu":
            y = tf.nn.relu(y)
        elif self.activation == "sigmoid":
            y = tf.sigmoid(y)
        elif self.activation == "softmax":
            y = tf.nn.softmax(y)
        return y


class Mean:
    """keras.metrics.Mean: weighted running mean in float32."""

    def __init__(self, name="mean", dtype=None):
        self.name = name
        self.total = tf.Variable(0.0, trainable=False)
        self.count = tf.Variable(0.0, trainable=False)

    def update_state(self, values, sample_weight=None):
        values = tf.cast(tf.convert_to_tensor(values), tf.float32)
        if sample_weight is None:
            weights = tf.ones_like(values)
        else:
            weights = tf.cast(tf.convert_to_tensor(sample_weight), tf.float32)
            if weights.ndim > values.ndim:
                weights = tf.reshape(weights, values.shape)
            weights = tf.broadcast_to(weights, values.shape) if values.ndim else weights
        self.total.assign_add(tf.reduce_sum(values * weights))
        self.count.assign_add(tf.reduce_sum(weights))

    def result(self):
        return tf.math.divide_no_nan(self.total, self.count)

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)


class _MeanOfFn(Mean):
    fn = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.convert_to_tensor(y_pred)
        y_true = tf.cast(tf.convert_to_tensor(y_true), y_pred.dtype)
        super().update_state(type(self).fn(y_true, y_pred), sample_weight)


def _mae(y_true, y_pred):
    return tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)


def _mse(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_pred - y_true), axis=-1)


def _binary_accuracy(y_true, y_pred):
    return tf.reduce_mean(
        tf.cast(tf.equal(y_true, tf.cast(y_pred > 0.5, y_pred.dtype)), "float32"), -1
    )


def _categorical_accuracy(y_true, y_pred):
    return tf.cast(tf.equal(tf.argmax(y_true, -1), tf.argmax(y_pred, -1)), "float32")


def _sparse_accuracy(y_true, y_pred):
    labels = tf.cast(tf.reshape(y_true, [-1]), "int64")
    return tf.cast(tf.equal(labels, tf.argmax(y_pred, -1)), "float32")


class MeanAbsoluteError(_MeanOfFn):
    fn = staticmethod(_mae)

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name)


class MeanSquaredErrorMetric(_MeanOfFn):
    fn = staticmethod(_mse)

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name)


class BinaryAccuracy(_MeanOfFn):
    fn = staticmethod(_binary_accuracy)
    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None):
        super().__init__(name)


class CategoricalAccuracy(_MeanOfFn):
    fn = staticmethod(_categorical_accuracy)
    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(name)


class SparseCategoricalAccuracy(_MeanOfFn):
    fn = staticmethod(_sparse_accuracy)
    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(name)


def metrics_get(identifier):
    table = {
        "mae": MeanAbsoluteError,
        "mean_absolute_error": MeanAbsoluteError,
        "mse": MeanSquaredErrorMetric,
        "mean_squared_error": MeanSquaredErrorMetric,
    }
    return table[identifier]()


class _Loss:
    """keras.losses.Loss: per-sample values, weighted, summed over the batch size."""

    reduction = "sum_over_batch_size"

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.convert_to_tensor(y_pred)
        values = self.call(tf.convert_to_tensor(y_true), y_pred)
        if sample_weight is not None:
            weights = tf.cast(tf.reshape(tf.convert_to_tensor(sample_weight), [-1]), values.dtype)
            values = values * weights
        return tf.reduce_sum(values) / float(values.shape[0])


class MeanSquaredError(_Loss):
    name = "mean_squared_error"

    def call(self, y_true, y_pred):
        return _mse(tf.cast(y_true, y_pred.dtype), y_pred)


class BinaryCrossentropy(_Loss):
    name = "binary_crossentropy"

    def call(self, y_true, y_pred):
        y_true = tf.cast(y_true, y_pred.dtype)
        p = tf.clip_by_value(y_pred, 1e-7, 1 - 1e-7)
        return -tf.reduce_mean(y_true * tf.math.log(p) + (1 - y_true) * tf.math.log(1 - p), -1)


class SparseCategoricalCrossentropy(_Loss):
    name = "sparse_categorical_crossentropy"

    def call(self, y_true, y_pred):
        labels = tf.cast(tf.reshape(y_true, [-1]), "int32")
        p = tf.clip_by_value(y_pred, 1e-7, 1 - 1e-7)
        return -tf.reduce_sum(tf.one_hot(labels, y_pred.shape[-1]) * tf.math.log(p), -1)


def losses_get(identifier):
    table = {
        "mse": MeanSquaredError,
        "mean_squared_error": MeanSquaredError,
        "binary_crossentropy": BinaryCrossentropy,
        "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    }
    return table[identifier]()


STANDIN_METRICS = {
    "Mean": Mean,
    "BinaryAccuracy": BinaryAccuracy,
    "CategoricalAccuracy": CategoricalAccuracy,
    "SparseCategoricalAccuracy": SparseCategoricalAccuracy,
    "MeanAbsoluteError": MeanAbsoluteError,
    "get": metrics_get,
}
STANDIN_LOSSES = {"MeanSquaredError": MeanSquaredError, "get": losses_get}


def install_standins(monkeypatch):
    for name, value in STANDIN_METRICS.items():
        if not hasattr(metrics_module, name):
            monkeypatch.setattr(metrics_module, name, value, raising=False)
    for name, value in STANDIN_LOSSES.items():
        if not hasattr(losses_module, name):
            monkeypatch.setattr(losses_module, name, value, raising=False)


@pytest.fixture(autouse=True)
def keras_standins(monkeypatch):
    install_standins(monkeypatch)


def _close(actual, expected, rtol=RTOL, atol=1e-6):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64), expected, rtol=rtol, atol=atol
    )


def _assert_history(history, expected):
    assert sorted(history.history) == sorted(expected)
    for key, values in expected.items():
        _close(history.history[key], values)


def _f32(a):
    return np.asarray(a, dtype=np.float32)


# ---- golden: Keras 3's numbers ----------------------------------------------------------------


def _sgd_mse_model(case):
    model = keras.Sequential(
        [keras.Input((4,)), Dense(8, activation="relu", name="hidden"), Dense(1, name="out")]
    )
    model.set_weights([_f32(w) for w in case["init"]])
    return model


def test_fit_sgd_mse_matches_keras():
    case = GOLDEN["sgd_mse"]
    model = _sgd_mse_model(case)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse", metrics=["mae"])
    x, y, xv, yv = (_f32(case[k]) for k in ("x", "y", "x_val", "y_val"))
    history = model.fit(
        x, y, batch_size=16, epochs=2, shuffle=False, validation_data=(xv, yv), verbose=0
    )
    _assert_history(history, case["history"])
    assert history.epoch == [0, 1]
    assert model.history is history
    for got, want in zip(model.get_weights(), case["final"]):
        _close(got, want)
    result = model.evaluate(xv, yv, batch_size=8, verbose=0, return_dict=True)
    assert sorted(result) == sorted(case["evaluate"])
    for key in result:
        _close(result[key], case["evaluate"][key])
    _close(model.evaluate(xv, yv, batch_size=8, verbose=0), case["evaluate_list"])
    predicted = model.predict(xv, batch_size=7, verbose=0)
    assert isinstance(predicted, np.ndarray) and predicted.shape == (20, 1)
    _close(predicted, case["predict"])
    assert model.metrics_names == case["metrics_names"]


def test_fit_rmsprop_bce_sample_weight_regularizer_validation_split():
    case = GOLDEN["rmsprop_bce"]
    model = keras.Sequential(
        [
            keras.Input((3,)),
            Dense(6, activation="relu", kernel_regularizer=keras.regularizers.L2(0.01)),
            Dense(1, activation="sigmoid"),
        ]
    )
    model.set_weights([_f32(w) for w in case["init"]])
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.01),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    x, y, w = _f32(case["x"]), _f32(case["y"]), _f32(case["sample_weight"])
    history = model.fit(
        x,
        y,
        sample_weight=w,
        batch_size=10,
        epochs=2,
        shuffle=False,
        validation_split=0.2,
        verbose=0,
    )
    _assert_history(history, case["history"])
    # "accuracy" on a one-unit output is binary accuracy, named as the user wrote it.
    accuracy = model.metrics[1].metrics[0]
    assert isinstance(accuracy, metrics_module.BinaryAccuracy) and accuracy.name == "accuracy"
    for got, want in zip(model.get_weights(), case["final"]):
        _close(got, want)
    result = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    for key in case["evaluate"]:
        _close(result[key], case["evaluate"][key])
    _close(model.predict(x[:9], verbose=0), case["predict"])


def _multi_output_model(case):
    inputs = keras.Input((4,), name="features")
    h = Dense(5, activation="relu", name="trunk")(inputs)
    out_a = Dense(1, name="reg")(h)
    out_b = Dense(3, activation="softmax", name="cls")(h)
    model = keras.Model(inputs, [out_a, out_b])
    model.set_weights([_f32(w) for w in case["init"]])
    return model


def test_fit_multi_output_losses_weights_and_metrics():
    case = GOLDEN["multi_output"]
    model = _multi_output_model(case)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
        loss=["mse", "sparse_categorical_crossentropy"],
        loss_weights=[1.0, 0.5],
        metrics=[["mae"], ["accuracy"]],
    )
    x, ya, yb = _f32(case["x"]), _f32(case["ya"]), np.asarray(case["yb"], np.int32)
    history = model.fit(
        x,
        [ya, yb],
        batch_size=8,
        epochs=2,
        shuffle=False,
        validation_data=(x, [ya, yb]),
        verbose=0,
    )
    _assert_history(history, case["history"])
    result = model.evaluate(x, [ya, yb], batch_size=40, verbose=0, return_dict=True)
    assert sorted(result) == sorted(case["evaluate"])
    for key in result:
        _close(result[key], case["evaluate"][key])
    pa, pb = model.predict(x, batch_size=16, verbose=0)
    _close(pa, case["predict_a"])
    _close(pb, case["predict_b"])


def test_multi_output_loss_dict_by_output_name_matches_list():
    case = GOLDEN["multi_output"]
    model = _multi_output_model(case)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
        loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
        loss_weights={"reg": 1.0, "cls": 0.5},
        metrics={"reg": ["mae"], "cls": ["accuracy"]},
    )
    x, ya, yb = _f32(case["x"]), _f32(case["ya"]), np.asarray(case["yb"], np.int32)
    history = model.fit(
        x, {"reg": ya, "cls": yb}, batch_size=8, epochs=2, shuffle=False, verbose=0
    )
    for key in ("loss", "reg_loss", "cls_loss", "reg_mae", "cls_accuracy"):
        _close(history.history[key], case["history"][key])


def test_train_on_batch_test_on_batch_predict_on_batch():
    case = GOLDEN["train_on_batch"]
    model = keras.Sequential([keras.Input((3,)), Dense(2, name="out")])
    model.set_weights([_f32(w) for w in case["init"]])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    x, y = _f32(case["x"]), _f32(case["y"])
    first = model.train_on_batch(x[:6], y[:6], return_dict=True)
    assert sorted(first) == sorted(case["first"])
    for key in first:
        _close(first[key], case["first"][key])
    _close(model.train_on_batch(x[6:], y[6:]), case["second"])
    test = model.test_on_batch(x, y, return_dict=True)
    for key in test:
        _close(test[key], case["test"][key])
    out = model.predict_on_batch(x[:4])
    assert isinstance(out, np.ndarray)
    _close(out, case["predict_on_batch"])


# ---- overridden steps ---------------------------------------------------------------------------


def _golden_fit(model, epochs=2, **kwargs):
    case = GOLDEN["sgd_mse"]
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05),
        loss=MeanSquaredError(),
        metrics=["mae"],
    )
    x, y, xv, yv = (_f32(case[k]) for k in ("x", "y", "x_val", "y_val"))
    return model.fit(
        x,
        y,
        batch_size=16,
        epochs=epochs,
        shuffle=False,
        validation_data=(xv, yv),
        verbose=0,
        **kwargs,
    )


class _SequentialStack(keras.Model):
    """A subclassed model with the sgd_mse architecture."""

    def __init__(self, case, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(8, activation="relu")
        self.out = Dense(1)
        self(np.zeros((1, 4), np.float32))
        self.set_weights([_f32(w) for w in case["init"]])

    def call(self, x, training=None):
        return self.out(self.hidden(x))


def test_keras3_tutorial_train_step_override_gives_the_builtin_numbers():
    calls = []

    class CustomModel(_SequentialStack):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss, sample_weight=tf.shape(x)[0])
                else:
                    metric.update_state(y, y_pred)
            calls.append(1)
            return {m.name: m.result() for m in self.metrics}

    history = _golden_fit(CustomModel(GOLDEN["sgd_mse"]))
    assert len(calls) == 8
    _assert_history(history, GOLDEN["sgd_mse"]["history"])


def test_keras2_style_train_step_with_compiled_loss_and_metrics():
    class Keras2Model(_SequentialStack):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    history = _golden_fit(Keras2Model(GOLDEN["sgd_mse"]))
    _assert_history(history, GOLDEN["sgd_mse"]["history"])


def test_own_metrics_property_and_test_step_override():
    class OwnMetrics(_SequentialStack):
        def __init__(self, case):
            super().__init__(case)
            self.loss_tracker = Mean(name="loss")
            self.mae_metric = MeanAbsoluteError(name="mae")

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = tf.reduce_mean(tf.square(y_pred - y))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.loss_tracker.update_state(loss, sample_weight=x.shape[0])
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.loss_tracker.update_state(tf.reduce_mean(tf.square(y_pred - y)), x.shape[0])
            self.mae_metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    model = OwnMetrics(GOLDEN["sgd_mse"])
    case = GOLDEN["sgd_mse"]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05))
    x, y, xv, yv = (_f32(case[k]) for k in ("x", "y", "x_val", "y_val"))
    history = model.fit(
        x, y, batch_size=16, epochs=2, shuffle=False, validation_data=(xv, yv), verbose=0
    )
    _assert_history(history, case["history"])


def test_metric_attributes_are_tracked_and_reset_each_epoch():
    class Tracking(_SequentialStack):
        def __init__(self, case):
            super().__init__(case)
            self.seen = Mean(name="seen")

        def train_step(self, data):
            self.seen.update_state(1.0)
            return super().train_step(data)

    model = Tracking(GOLDEN["sgd_mse"])
    assert model.metrics[-1] is model.seen
    history = _golden_fit(model)
    # Reset at each epoch start (4 steps per epoch), then logged with the others; the
    # validation run resets it again (its test steps leave it at 0, and so does Keras).
    assert history.history["seen"] == [1.0, 1.0]
    assert history.history["val_seen"] == [0.0, 0.0]
    _close(history.history["loss"], GOLDEN["sgd_mse"]["history"]["loss"])


def test_compute_loss_override_and_regularization_losses():
    class Penalized(_SequentialStack):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return super().compute_loss(x, y, y_pred, sample_weight, training) * 0.0 + 3.0

    model = Penalized(GOLDEN["sgd_mse"])
    history = _golden_fit(model, epochs=1)
    _close(history.history["loss"], [3.0])

    layer = Dense(2, kernel_regularizer=keras.regularizers.L2(0.5))
    model = keras.Sequential([keras.Input((3,)), layer])
    model.compile(optimizer="sgd", loss=MeanSquaredError())
    x = np.ones((4, 3), np.float32)
    y = np.zeros((4, 2), np.float32)
    expected = float(MeanSquaredError()(y, model(x))) + 0.5 * float(
        tf.reduce_sum(tf.square(layer.kernel))
    )
    _close(model.evaluate(x, y, verbose=0), expected)


def test_loss_function_and_metric_function_are_wrapped_with_keras_reduction():
    def my_loss(y_true, y_pred):
        return tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)

    def my_metric(y_true, y_pred):
        return tf.reduce_max(tf.abs(y_pred - y_true), axis=-1)

    model = keras.Sequential([keras.Input((2,)), Dense(1)])
    model.compile(optimizer="sgd", loss=my_loss, metrics=[my_metric])
    x = np.array([[1, 2], [3, 4], [5, 6]], np.float32)
    y = np.array([[1], [0], [2]], np.float32)
    w = np.array([1.0, 0.0, 2.0], np.float32)
    pred = model.predict(x, verbose=0)
    err = np.abs(pred - y)[:, 0]
    result = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    _close(result["loss"], (err * w).sum() / 3)
    _close(result["my_metric"], err.mean())  # `metrics` are not weighted


def test_weighted_metrics_use_sample_weight():
    model = keras.Sequential([keras.Input((2,)), Dense(1)])
    model.compile(
        optimizer="sgd", loss=MeanSquaredError(), metrics=["mae"], weighted_metrics=["mae"]
    )
    x = np.array([[1, 2], [3, 4]], np.float32)
    y = np.zeros((2, 1), np.float32)
    w = np.array([1.0, 3.0], np.float32)
    err = np.abs(model.predict(x, verbose=0))[:, 0]
    result = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    _close(result["mae"], err.mean())
    _close(result["weighted_mae"], (err * w).sum() / w.sum())


# ---- data ---------------------------------------------------------------------------------------


class _Batches:
    """A dataset-like iterable: re-iterable, with a cardinality, yielding (x, y) batches."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __iter__(self):
        for i in range(0, len(self.x), self.batch_size):
            yield self.x[i : i + self.batch_size], self.y[i : i + self.batch_size]

    def cardinality(self):
        return tf.constant(-(-len(self.x) // self.batch_size), dtype=tf.int64)


def test_iterable_dataset_matches_arrays():
    case = GOLDEN["sgd_mse"]
    model = _sgd_mse_model(case)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05),
        loss=MeanSquaredError(),
        metrics=["mae"],
    )
    x, y, xv, yv = (_f32(case[k]) for k in ("x", "y", "x_val", "y_val"))
    history = model.fit(
        _Batches(x, y, 16), epochs=2, validation_data=_Batches(xv, yv, 16), verbose=0
    )
    _assert_history(history, case["history"])
    _close(model.predict(_Batches(xv, yv, 7), verbose=0), model.predict(xv, verbose=0))


def test_generator_with_steps_per_epoch_continues_across_epochs():
    model = keras.Sequential([keras.Input((2,)), Dense(1)])
    model.compile(optimizer="sgd", loss=MeanSquaredError())
    seen = []

    def batches():
        for i in range(6):
            seen.append(i)
            yield np.full((2, 2), i, np.float32), np.zeros((2, 1), np.float32)

    model.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0)
    assert seen == [0, 1, 2, 3, 4, 5]
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(batches(), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1  # the generator is empty after one pass


class _Add(Layer):
    def call(self, inputs):
        return inputs[0] + inputs[1]


class _Sequence(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.order, self.epochs_ended = [], 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        self.order.append(index)
        i = index * self.batch_size
        return self.x[i : i + self.batch_size], self.y[i : i + self.batch_size]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_py_dataset_in_order_or_shuffled_with_epoch_hooks():
    case = GOLDEN["sgd_mse"]
    model = _sgd_mse_model(case)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05),
        loss=MeanSquaredError(),
        metrics=["mae"],
    )
    x, y, xv, yv = (_f32(case[k]) for k in ("x", "y", "x_val", "y_val"))
    data = _Sequence(x, y, 16)
    history = model.fit(data, epochs=2, shuffle=False, validation_data=(xv, yv), verbose=0)
    _assert_history(history, case["history"])
    assert data.order == [0, 1, 2, 3] * 2 and data.epochs_ended == 2
    np.random.seed(0)
    data = _Sequence(x, y, 16)
    model.fit(data, epochs=2, verbose=0)
    assert sorted(data.order[:4]) == [0, 1, 2, 3] and data.order[:4] != data.order[4:]
    assert issubclass(_Sequence, keras.utils.Sequence)


def test_dict_inputs_and_sample_weights_in_dataset():
    a = keras.Input((2,), name="a")
    b = keras.Input((3,), name="b")
    merged = _Add()([Dense(1, name="from_a")(a), Dense(1, name="from_b")(b)])
    model = keras.Model({"a": a, "b": b}, merged)
    model.compile(optimizer="sgd", loss=MeanSquaredError())
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(8, 2)).astype(np.float32), rng.normal(size=(8, 3)).astype(np.float32)
    y = rng.normal(size=(8, 1)).astype(np.float32)
    w = np.array([1, 0, 1, 0, 1, 0, 1, 0], np.float32)
    arrays = model.evaluate({"a": xa, "b": xb}, y, sample_weight=w, verbose=0)
    data = [({"a": xa[i : i + 4], "b": xb[i : i + 4]}, y[i : i + 4], w[i : i + 4]) for i in (0, 4)]
    _close(model.evaluate(iter(data), verbose=0), arrays)
    pred = model.predict({"a": xa, "b": xb}, batch_size=3, verbose=0)
    assert pred.shape == (8, 1)


def test_class_weight_equals_the_matching_sample_weight():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 3)).astype(np.float32)
    y = (rng.uniform(size=(12, 1)) > 0.5).astype(np.float32)

    def trained(**kwargs):
        model = keras.Sequential([keras.Input((3,)), Dense(1, activation="sigmoid")])
        model.set_weights([np.full((3, 1), 0.1, np.float32), np.zeros(1, np.float32)])
        model.compile(optimizer="sgd", loss=BinaryCrossentropy())
        return model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, **kwargs)

    by_class = trained(class_weight={0: 0.5, 1: 2.0})
    by_sample = trained(sample_weight=np.where(y[:, 0] > 0, 2.0, 0.5).astype(np.float32))
    _close(by_class.history["loss"], by_sample.history["loss"])


def test_shuffle_is_reproducible_with_set_random_seed():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20, 2)).astype(np.float32)
    y = rng.normal(size=(20, 1)).astype(np.float32)

    def run(shuffle):
        keras.utils.set_random_seed(7)
        model = keras.Sequential([keras.Input((2,)), Dense(1)])
        model.set_weights([np.ones((2, 1), np.float32), np.zeros(1, np.float32)])
        model.compile(optimizer="sgd", loss=MeanSquaredError())
        return model.fit(x, y, batch_size=3, epochs=2, shuffle=shuffle, verbose=0).history["loss"]

    assert run(True) == run(True)
    assert run(True) != run(False)


def test_validation_freq_steps_per_execution_and_initial_epoch():
    case = GOLDEN["sgd_mse"]
    model = _sgd_mse_model(case)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05),
        loss=MeanSquaredError(),
        metrics=["mae"],
        steps_per_execution=3,
    )
    batches = []
    callback = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))
    x, y, xv, yv = (_f32(case[k]) for k in ("x", "y", "x_val", "y_val"))
    history = model.fit(
        x,
        y,
        batch_size=16,
        epochs=2,
        shuffle=False,
        validation_data=(xv, yv),
        validation_freq=2,
        callbacks=[callback],
        verbose=0,
    )
    # Same numbers; batch callbacks once per execution, at its last step (2, then 3).
    _close(history.history["loss"], case["history"]["loss"])
    assert batches == [2, 3, 2, 3]
    assert list(history.history["val_loss"]) == pytest.approx(case["history"]["val_loss"][1:])

    model = _sgd_mse_model(case)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss=MeanSquaredError())
    history = model.fit(x, y, batch_size=16, epochs=3, initial_epoch=1, shuffle=False, verbose=0)
    assert history.epoch == [1, 2]
    _close(history.history["loss"], case["history"]["loss"])


def test_predict_structures_and_scalar_outputs():
    inputs = keras.Input((2,))
    a = Dense(1, name="head_a")(inputs)
    b = Dense(3, name="head_b")(inputs)
    model = keras.Model(inputs, {"a": a, "b": b})
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    out = model.predict(x, batch_size=2, verbose=0)
    assert set(out) == {"a", "b"} and out["a"].shape == (5, 1) and out["b"].shape == (5, 3)
    _close(out["b"], model(x)["b"].numpy())

    class Summed(keras.Model):
        def call(self, x):
            return tf.reduce_sum(x)

    assert Summed().predict(x, batch_size=2, verbose=0).shape == (3,)


def test_stop_training_and_history_keys_sorted():
    model = _sgd_mse_model(GOLDEN["sgd_mse"])
    model.compile(optimizer="sgd", loss=MeanSquaredError(), metrics=["mae"])

    class StopAfterTwoBatches(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            assert isinstance(logs["loss"], float) and isinstance(logs["mae"], float)
            if batch == 1:
                self.model.stop_training = True

    case = GOLDEN["sgd_mse"]
    history = model.fit(
        _f32(case["x"]),
        _f32(case["y"]),
        batch_size=16,
        epochs=5,
        verbose=0,
        validation_data=(_f32(case["x_val"]), _f32(case["y_val"])),
        callbacks=[StopAfterTwoBatches()],
    )
    assert history.epoch == [0]
    assert list(history.history) == ["loss", "mae", "val_loss", "val_mae"]


def test_evaluate_resets_metrics_and_model_metrics_api():
    model = _sgd_mse_model(GOLDEN["sgd_mse"])
    assert model.metrics == []
    model.compile(optimizer="sgd", loss=MeanSquaredError(), metrics=["mae"])
    assert model.metrics_names == ["loss", "compile_metrics"]
    x, y = _f32(GOLDEN["sgd_mse"]["x_val"]), _f32(GOLDEN["sgd_mse"]["y_val"])
    first = model.evaluate(x, y, verbose=0)
    assert model.evaluate(x, y, verbose=0) == first
    model.reset_metrics()
    assert float(model.metrics[0].result()) == 0.0


def test_errors_name_the_problem():
    model = keras.Sequential([keras.Input((2,)), Dense(1)])
    x, y = np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32)
    with pytest.raises(ValueError, match="compile"):
        model.fit(x, y, verbose=0)
    model.compile(optimizer="sgd", loss=MeanSquaredError())
    with pytest.raises(ValueError, match="not sufficient"):
        model.fit(x[:1], y[:1], validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match="`y` argument is not supported"):
        model.fit(_Batches(x, y, 2), y, verbose=0)
    with pytest.raises(ValueError, match="cardinality is ambiguous"):
        model.fit(x, y[:3], verbose=0)
    with pytest.raises(ValueError, match="Arguments not recognized"):
        model.evaluate(x, y, verbose=0, bogus=1)
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(x, y, verbose=0)


def test_accuracy_string_resolution():
    def resolved(y_true_shape, y_pred_shape):
        m = compile_utils.get_metric("acc", np.zeros(y_true_shape), np.zeros(y_pred_shape))
        return type(m), m.name

    assert resolved((4, 1), (4, 1)) == (metrics_module.BinaryAccuracy, "acc")
    assert resolved((4,), (4, 5)) == (metrics_module.SparseCategoricalAccuracy, "acc")
    assert resolved((4, 1), (4, 5)) == (metrics_module.SparseCategoricalAccuracy, "acc")
    assert resolved((4, 5), (4, 5)) == (metrics_module.CategoricalAccuracy, "acc")


def test_compile_config_round_trip():
    model = keras.Sequential([keras.Input((2,)), Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse", metrics=["mae"])
    config = model.get_compile_config()
    assert config["loss"] == "mse" and config["metrics"] == ["mae"]
    other = keras.Sequential([keras.Input((2,)), Dense(1)])
    other.compile_from_config(config)
    assert other.compiled and isinstance(other.optimizer, keras.optimizers.SGD)
    assert float(other.optimizer.learning_rate) == 0.5


def test_trainable_change_needs_recompile_only_between_fits():
    model = _sgd_mse_model(GOLDEN["sgd_mse"])
    model.compile(optimizer="sgd", loss=MeanSquaredError())
    x, y = _f32(GOLDEN["sgd_mse"]["x"]), _f32(GOLDEN["sgd_mse"]["y"])
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for got, want in zip(model.layers[0].get_weights(), frozen):
        np.testing.assert_array_equal(got, want)


def test_no_trainable_weights_warns():
    model = keras.Sequential([keras.Input((2,)), Dense(1)])
    model.trainable = False
    model.compile(optimizer="sgd", loss=MeanSquaredError())
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        model.fit(np.zeros((2, 2), np.float32), np.zeros((2, 1), np.float32), verbose=0)


# ---- with the real Keras classes (skipped until they exist) -------------------------------------


def _real(module, *names):
    for name in names:
        if name not in vars(module):
            pytest.skip(f"{module.__name__}.{name} does not exist yet")


def test_real_layers_losses_and_metrics_match_keras(monkeypatch):
    monkeypatch.undo()
    _real(keras.layers, "Dense")
    _real(losses_module, "get")
    _real(metrics_module, "get", "Mean")
    case = GOLDEN["multi_output"]
    inputs = keras.Input((4,), name="features")
    h = keras.layers.Dense(5, activation="relu", name="trunk")(inputs)
    model = keras.Model(
        inputs,
        [
            keras.layers.Dense(1, name="reg")(h),
            keras.layers.Dense(3, activation="softmax", name="cls")(h),
        ],
    )
    model.set_weights([_f32(w) for w in case["init"]])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
        loss=["mse", "sparse_categorical_crossentropy"],
        loss_weights=[1.0, 0.5],
        metrics=[["mae"], ["accuracy"]],
    )
    x, ya, yb = _f32(case["x"]), _f32(case["ya"]), np.asarray(case["yb"], np.int32)
    history = model.fit(
        x,
        [ya, yb],
        batch_size=8,
        epochs=2,
        shuffle=False,
        validation_data=(x, [ya, yb]),
        verbose=0,
    )
    _assert_history(history, case["history"])


def test_real_binary_model_matches_keras(monkeypatch):
    monkeypatch.undo()
    _real(keras.layers, "Dense")
    _real(losses_module, "get")
    _real(metrics_module, "get", "Mean", "BinaryAccuracy")
    case = GOLDEN["rmsprop_bce"]
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(
                6, activation="relu", kernel_regularizer=keras.regularizers.L2(0.01)
            ),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.set_weights([_f32(w) for w in case["init"]])
    model.compile(
        optimizer=keras.optimizers.RMSprop(0.01), loss="binary_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(
        _f32(case["x"]),
        _f32(case["y"]),
        sample_weight=_f32(case["sample_weight"]),
        batch_size=10,
        epochs=2,
        shuffle=False,
        validation_split=0.2,
        verbose=0,
    )
    _assert_history(history, case["history"])


def test_no_warnings_in_a_plain_fit():
    model = _sgd_mse_model(GOLDEN["sgd_mse"])
    model.compile(optimizer="sgd", loss=MeanSquaredError(), metrics=["mae"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(_f32(GOLDEN["sgd_mse"]["x"]), _f32(GOLDEN["sgd_mse"]["y"]), epochs=1, verbose=0)


# ---- keras.utils --------------------------------------------------------------------------------


def test_to_categorical_and_normalize_match_keras():
    one_hot = keras.utils.to_categorical([[1], [0], [2]])
    assert one_hot.dtype == np.float64
    np.testing.assert_array_equal(one_hot, np.eye(3)[[1, 0, 2]])
    nested = keras.utils.to_categorical(np.array([[0, 1], [1, 1]]), 3)
    assert nested.shape == (2, 2, 3) and nested[1, 0, 1] == 1.0
    tensor = keras.utils.to_categorical(tf.constant([[1], [0]]), 3)
    assert isinstance(tensor, tf.Tensor) and tensor.dtype == tf.float32
    np.testing.assert_array_equal(tensor.numpy(), [[0, 1, 0], [1, 0, 0]])
    with pytest.raises(ValueError, match="class indices"):
        keras.utils.to_categorical([0, 3], num_classes=3)

    np.testing.assert_allclose(
        keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]])), [[0.6, 0.8], [0, 0]]
    )
    np.testing.assert_allclose(
        keras.utils.normalize(np.array([[3.0, 4.0], [1.0, 1.0]]), axis=0, order=1),
        [[0.75, 1.0], [0.2, 0.2]],
    )
    normalized = keras.utils.normalize(tf.constant([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(normalized.numpy(), [[0.6, 0.8], [0, 0]], rtol=1e-6)


def test_set_random_seed_seeds_numpy_python_and_tapeflow():
    import random

    keras.utils.set_random_seed(3)
    first = (np.random.rand(), random.random(), tf.random.uniform([2]).numpy())
    keras.utils.set_random_seed(3)
    second = (np.random.rand(), random.random(), tf.random.uniform([2]).numpy())
    assert first[:2] == second[:2]
    np.testing.assert_array_equal(first[2], second[2])
    with pytest.raises(ValueError, match="integer"):
        keras.utils.set_random_seed(1.5)


def test_unpack_and_pack_x_y_sample_weight():
    unpack, pack = keras.utils.unpack_x_y_sample_weight, keras.utils.pack_x_y_sample_weight
    assert unpack((1, 2)) == (1, 2, None) and unpack([1, 2, 3]) == (1, 2, 3)
    assert unpack(5) == (5, None, None) and unpack((5,)) == (5, None, None)
    assert pack(1) == 1 and pack((1, 2)) == ((1, 2),) and pack(1, 2, 3) == (1, 2, 3)
    with pytest.raises(ValueError, match="found a tuple of 4"):
        unpack((1, 2, 3, 4))


def test_predict_step_override():
    class Doubled(_SequentialStack):
        def predict_step(self, data):
            x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
            return {"y": self(x, training=False) * 2.0, "x": x}

    model = Doubled(GOLDEN["sgd_mse"])
    xv = _f32(GOLDEN["sgd_mse"]["x_val"])
    out = model.predict(xv, batch_size=8, verbose=0)
    _close(out["y"], 2.0 * model(xv).numpy())
    np.testing.assert_array_equal(out["x"], xv)
