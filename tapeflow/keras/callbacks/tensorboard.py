"""`keras.callbacks.TensorBoard`: training curves, weight histograms and the model's graph in
TensorBoard event files, as Keras 3 writes them (through `tf.summary`).

`log_dir/train` and `log_dir/validation` get `epoch_<metric>` scalars at each epoch end (the
learning rate too), with `update_freq="batch"` or N also `batch_<metric>` every N batches;
`evaluation_<metric>_vs_iterations` after each validation; with `histogram_freq` a histogram
(and with `write_images` an image) of every weight; with `write_graph` the model's config as
TensorBoard's conceptual Keras graph (Sequential and functional models, as in Keras). `fit`
runs its steps without `tf.function`, so there is no op graph of the training step.
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np

from .callback import Callback


def keras_model_summary(name, data, step=None):
    """Writes the model `data` as JSON for TensorBoard's conceptual graph (Keras' function of
    the same name). Returns False when the model does not serialize."""
    from tensorboard.compat.proto import summary_pb2

    from ... import summary

    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "graph_keras_model"
    metadata.plugin_data.content = b"1"
    try:
        json_string = data.to_json()
    except Exception as exc:  # noqa: BLE001 - as Keras: a model that fails is only skipped
        warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}", stacklevel=2)
        return False
    return summary.write(tag=name, tensor=json_string, step=step, metadata=metadata)


class TensorBoard(Callback):
    """Writes TensorBoard logs of a `fit` run (Keras 3's arguments and tags)."""

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        super().__init__()
        if profile_batch:
            raise ValueError(
                "Profiling is not available in tapeflow (there is no profiler). Received: "
                f"profile_batch={profile_batch} (must be 0)"
            )
        if embeddings_freq:
            raise ValueError(
                "The embedding projector is not available in tapeflow. Received: "
                f"embeddings_freq={embeddings_freq} (must be 0)"
            )
        if update_freq != "epoch" and update_freq != "batch" and not isinstance(update_freq, int):
            raise ValueError(
                f"update_freq must be 'epoch', 'batch' or an int, got {update_freq!r}"
            )
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0.0
        self._epoch_start_time = 0.0
        self._batch_start_time = 0.0
        self._contexts = []

    @property
    def summary(self):
        from ... import summary

        return summary

    def set_model(self, model):
        super().set_model(model)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        if self.write_graph:
            self._write_keras_model_summary()

    def _writer(self, which):
        if which not in self._writers:
            directory = self._train_dir if which == "train" else self._val_dir
            self._writers[which] = self.summary.create_file_writer(directory)
        return self._writers[which]

    def _write_keras_model_summary(self):
        if type(self.model).__name__ in ("Functional", "Sequential"):
            with self._writer("train").as_default():
                keras_model_summary("keras", self.model, step=0)

    # ---- batch-level summaries: a default writer and record_if, as Keras pushes them ----

    def _push_writer(self, which, step):
        if self.update_freq == "epoch":
            return
        writer = self._writer(which)
        contexts = (writer.as_default(step), self.summary.record_if(step % self.update_freq == 0))
        for context in contexts:
            context.__enter__()
        self._contexts.append(contexts)

    def _pop_writer(self):
        if self.update_freq == "epoch" or not self._contexts:
            return
        for context in reversed(self._contexts.pop()):
            context.__exit__(None, None, None)

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0.0
        self._push_writer("train", self._global_train_batch)

    def on_train_end(self, logs=None):
        self._pop_writer()
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def on_test_begin(self, logs=None):
        self._push_writer("val", self._global_test_batch)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations"):
            with self._writer("val").as_default():
                for name, value in (logs or {}).items():
                    self.summary.scalar(
                        f"evaluation_{name}_vs_iterations",
                        value,
                        step=int(optimizer.iterations.numpy()),
                    )
        self._pop_writer()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer("train", self._global_train_batch)
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" and not self.write_steps_per_second:
            return
        with self._writer("train").as_default():
            if self.write_steps_per_second:
                elapsed = max(time.time() - self._batch_start_time, 1e-9)
                self.summary.scalar(
                    "batch_steps_per_second", 1.0 / elapsed, step=self._global_train_batch
                )
            if self.update_freq != "epoch" and isinstance(logs, dict):
                with self.summary.record_if(self._global_train_batch % self.update_freq == 0):
                    for name, value in logs.items():
                        self.summary.scalar(f"batch_{name}", value, step=self._global_train_batch)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer("val", self._global_test_batch)

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = float(self.model.optimizer.iterations.numpy())
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def _learning_rates(self, logs):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            try:
                logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
            except (TypeError, ValueError):
                pass
        return logs

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._learning_rates(train_logs)
        if self.write_steps_per_second:
            iterations = float(self.model.optimizer.iterations.numpy())
            elapsed = max(time.time() - self._epoch_start_time, 1e-9)
            train_logs["steps_per_second"] = (
                iterations - self._previous_epoch_iterations
            ) / elapsed
        for which, values in (("train", train_logs), ("val", val_logs)):
            if values:
                with self._writer(which).as_default():
                    for name, value in values.items():
                        self.summary.scalar(f"epoch_{name}", value, step=epoch)

    def _log_weights(self, epoch):
        with self._writer("train").as_default():
            for layer in self.model.layers:
                for weight in layer.weights:
                    name = weight.path.replace(":", "_")
                    self.summary.histogram(f"{name}/histogram", weight, step=epoch)
                    if self.write_images:
                        self._log_weight_as_image(weight, f"{name}/image", epoch)
            self._writer("train").flush()

    def _log_weight_as_image(self, weight, name, epoch):
        image = np.squeeze(weight.numpy())
        if image.ndim == 1:
            image = image.reshape(1, image.shape[0], 1, 1)
        elif image.ndim == 2:
            if image.shape[0] > image.shape[1]:
                image = image.T
            image = image.reshape(1, image.shape[0], image.shape[1], 1)
        elif image.ndim == 3:
            image = np.transpose(image, (2, 0, 1))[..., None]
        if image.ndim == 4 and image.shape[-1] in (1, 3, 4):
            self.summary.image(name, image, step=epoch)
