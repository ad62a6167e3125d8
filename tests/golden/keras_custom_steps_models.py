"""The models of Keras' guide "Customizing what happens in fit() with TensorFlow", written
once for both frameworks: `make_keras_custom_steps.py` runs them under Keras 3 + TF to write
the golden file, tests/keras/test_custom_steps.py under tapeflow.
"""


def model_classes(tf, keras):
    """(CompiledLossModel, OwnMetricsModel), subclasses of `keras.Model` using `tf`'s tape."""

    class CompiledLossModel(keras.Model):
        """The guide's first example: compute_loss, then every metric of self.metrics."""

        def train_step(self, data):
            if len(data) == 3:
                x, y, sample_weight = data
            else:
                sample_weight = None
                x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(gradients, self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def predict_step(self, data):
            x = data[0] if isinstance(data, tuple) else data
            return {"scaled": self(x, training=False) * 10.0}

    class OwnMetricsModel(keras.Model):
        """The guide's lower-level example: its own loss and metrics, listed in `metrics`."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.loss_fn(y, y_pred)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(gradients, self.trainable_variables)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    return CompiledLossModel, OwnMetricsModel


def build(keras, cls, init):
    """`cls` built functionally (`cls(inputs, outputs)`) with weights `init`."""
    inputs = keras.Input(shape=(5,))
    hidden = keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(1, name="out")(hidden)
    model = cls(inputs, outputs)
    model.set_weights(init)
    return model
