"""`fit`, `evaluate`, `predict` and the `*_on_batch` methods of `keras.Model` (Keras 3).

`fit` calls `train_step(batch)` for each batch, `evaluate` calls `test_step` and `predict`
`predict_step`, through the functions `Trainer.make_*_function` builds. The loop adds as
little as it can to a step: the trainable variables are read once per `fit`, and when the
steps are Keras' own the metric results are computed only when a callback or the progress
bar reads them.
"""

from __future__ import annotations

import warnings

import numpy as np

from ...backend import to_numpy, xp
from ...core import nest
from ...core.tensor import Operand, convert_to_tensor
from .. import callbacks as callbacks_module
from ..utils import data_adapter
from . import compile_utils, replicas


class TrainingLoops:
    """Mixin: the loops over a dataset that call the model's step functions."""

    # ---- fit / evaluate / predict -------------------------------------------------------------

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Trains the model for `epochs` epochs; returns a `History`.

        `x`/`y`: arrays, Tensors, lists or dicts of them, or (with no `y`) an iterable of
        batches `(x, y)` / `(x, y, sample_weight)` such as a `tf.data.Dataset`.
        `validation_split` holds out the last fraction of the arrays (before shuffling).
        """
        self._assert_compile_called("fit")
        state = self._trainer
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapter.train_validation_split(
                (x, y, sample_weight), validation_split
            )
        if validation_data is not None:
            val_x, val_y, val_sample_weight = data_adapter.unpack_x_y_sample_weight(
                validation_data
            )
        epochs = _capped_epochs(epochs)
        epoch_iterator = data_adapter.EpochIterator(
            x,
            y,
            sample_weight,
            batch_size=batch_size,
            steps_per_epoch=steps_per_epoch,
            shuffle=shuffle,
            class_weight=class_weight,
            steps_per_execution=self.steps_per_execution,
        )
        distributed = replicas.for_model(self)  # None unless a strategy has several replicas
        if distributed is not None:
            verbose = distributed.verbose(verbose)
        if isinstance(callbacks, callbacks_module.CallbackList):
            if callbacks.model is None:
                callbacks.set_model(self)
        else:
            callbacks = callbacks_module.CallbackList(
                callbacks,
                add_history=True,
                add_progbar=verbose != 0,
                verbose=verbose,
                epochs=epochs,
                steps=epoch_iterator.num_batches,
                model=self,
            )
        self.stop_training = False
        state.trainable = None
        train_function = self.make_train_function()
        state.tracked_metrics = compile_utils.tracked_metrics(self)
        state.eval_iterator = None
        if distributed is not None:
            distributed.enter()
            train_function = distributed.step(train_function)
        try:
            callbacks.on_train_begin()
            training_logs = None
            initial_epoch = self._initial_epoch or initial_epoch
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                logs, steps = None, 0
                for begin, end, batches in epoch_iterator.enumerate_epoch():
                    callbacks.on_train_batch_begin(begin)
                    logs = train_function(batches)
                    steps += len(batches)
                    callbacks.on_train_batch_end(
                        end, logs if logs is not None else self.get_metrics_result
                    )
                    if self.stop_training:
                        break
                if steps == 0 and epoch_iterator.exhausted:
                    break  # a generator ran dry: no data for this epoch or any later one
                epoch_logs = dict(self._epoch_logs(distributed, logs))
                if validation_data is not None and _should_eval(epoch, validation_freq):
                    if state.eval_iterator is None:
                        state.eval_iterator = data_adapter.EpochIterator(
                            val_x,
                            val_y,
                            val_sample_weight,
                            batch_size=validation_batch_size or batch_size,
                            steps_per_epoch=validation_steps,
                            shuffle=False,
                            steps_per_execution=self.steps_per_execution,
                        )
                    val_logs = self.evaluate(
                        callbacks=callbacks, return_dict=True, _use_cached_eval_dataset=True
                    )
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callbacks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
            finalize = getattr(self.optimizer, "finalize_variable_values", None)
            if finalize is not None and epochs > 0:
                finalize(self.trainable_weights)
            callbacks.on_train_end(logs=training_logs)
        finally:
            state.eval_iterator = None
            state.tracked_metrics = None
            state.trainable = None
            if distributed is not None:
                distributed.exit()
        return self.history

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """The loss and metrics on the data: a float, a list in `metrics` order, or a dict."""
        self._assert_compile_called("evaluate")
        use_cached = kwargs.pop("_use_cached_eval_dataset", False)
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        state = self._trainer
        if use_cached:
            epoch_iterator = state.eval_iterator
        else:
            epoch_iterator = data_adapter.EpochIterator(
                x,
                y,
                sample_weight,
                batch_size=batch_size,
                steps_per_epoch=steps,
                shuffle=False,
                steps_per_execution=self.steps_per_execution,
            )
        distributed = replicas.for_model(self)  # None unless a strategy has several replicas
        if distributed is not None:
            verbose = distributed.verbose(verbose)
        callbacks = self._one_pass_callbacks(callbacks, verbose, epoch_iterator)
        test_function = self.make_test_function()
        own_tracking = state.tracked_metrics is None
        if own_tracking:
            state.tracked_metrics = compile_utils.tracked_metrics(self)
        if distributed is not None:
            distributed.enter()
            test_function = distributed.step(test_function)
        try:
            self.stop_evaluating = False
            callbacks.on_test_begin()
            logs = None
            self.reset_metrics()
            for begin, end, batches in epoch_iterator.enumerate_epoch():
                callbacks.on_test_batch_begin(begin)
                logs = test_function(batches)
                callbacks.on_test_batch_end(
                    end, logs if logs is not None else self.get_metrics_result
                )
                if self.stop_evaluating:
                    break
            logs = callbacks_module.pythonify_logs(self._epoch_logs(distributed, logs))
            callbacks.on_test_end(logs)
        finally:
            if own_tracking:
                state.tracked_metrics = None
            if distributed is not None:
                distributed.exit()
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def _one_pass_callbacks(self, callbacks, verbose, epoch_iterator):
        """`callbacks` as the CallbackList of one pass over the data (evaluate, predict)."""
        if isinstance(callbacks, callbacks_module.CallbackList):
            return callbacks
        return callbacks_module.CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            verbose=verbose,
            epochs=1,
            steps=epoch_iterator.num_batches,
            model=self,
        )

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on `x`, batch by batch, concatenated into NumPy arrays."""
        epoch_iterator = data_adapter.EpochIterator(
            x,
            batch_size=batch_size,
            steps_per_epoch=steps,
            shuffle=False,
            steps_per_execution=self.steps_per_execution,
        )
        callbacks = self._one_pass_callbacks(callbacks, verbose, epoch_iterator)
        predict_function = self.make_predict_function()
        self.stop_predicting = False
        callbacks.on_predict_begin()
        outputs, structure = None, None
        for begin, end, batches in epoch_iterator.enumerate_epoch():
            callbacks.on_predict_batch_begin(begin)
            for batch_outputs in predict_function(batches):
                if outputs is None:
                    structure = batch_outputs
                    outputs = [[] for _ in nest.flatten(batch_outputs)]
                for parts, value in zip(outputs, nest.flatten(batch_outputs)):
                    parts.append(value)
            callbacks.on_predict_batch_end(end, {"outputs": batch_outputs})
            if self.stop_predicting:
                break
        callbacks.on_predict_end()
        if outputs is None:
            raise ValueError(
                "Unexpected result of `predict_function` (Empty batch_outputs). Please use "
                "`Model.compile(..., run_eagerly=True)`, or `tf.config.run_functions_eagerly"
                "(True)` for more information of where went wrong, or file a issue/bug to "
                "`tf.keras`."
            )
        return nest.pack_sequence_as(structure, [_concat(parts) for parts in outputs])

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch (metrics are reset first, as in Keras 3)."""
        self._assert_compile_called("train_on_batch")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(
                    "Arguments `sample_weight` and `class_weight` cannot be specified at the "
                    f"same time. Received: sample_weight={sample_weight}, "
                    f"class_weight={class_weight}"
                )
            sample_weight = data_adapter.class_weight_to_sample_weights(y, class_weight)
        self._trainer.trainable = None
        train_function = self.make_train_function()
        self.reset_metrics()
        logs = train_function([_as_batch(x, y, sample_weight)])
        self._trainer.trainable = None
        if logs is None:
            logs = self.get_metrics_result()
        logs = callbacks_module.pythonify_logs(logs)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics on one batch (metrics are reset first)."""
        self._assert_compile_called("test_on_batch")
        test_function = self.make_test_function()
        self.reset_metrics()
        logs = test_function([_as_batch(x, y, sample_weight)])
        if logs is None:
            logs = self.get_metrics_result()
        logs = callbacks_module.pythonify_logs(logs)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        """The model's outputs on one batch, as NumPy arrays."""
        outputs = self.make_predict_function()([_as_batch(x, None, None)])[0]
        return nest.map_structure(lambda t: _concat([t]), outputs)

    def _get_metrics_result_or_logs(self, logs):
        """The metrics' results, unless a custom step returned other logs (then those)."""
        metric_logs = self.get_metrics_result()
        if logs is None or (isinstance(logs, dict) and set(logs) == set(metric_logs)):
            return metric_logs
        return logs

    def _epoch_logs(self, distributed, logs):
        """The logs at the end of an epoch or evaluation: under a strategy with several
        replicas, from the metric states summed over the replicas."""
        if distributed is None:
            return self._get_metrics_result_or_logs(logs)
        return distributed.synchronized(self, self._get_metrics_result_or_logs, logs)


def _should_eval(epoch, validation_freq) -> bool:
    epoch += 1
    if isinstance(validation_freq, int):
        return epoch % validation_freq == 0
    if isinstance(validation_freq, list):
        return epoch in validation_freq
    raise ValueError(
        "Expected `validation_freq` to be a list or int. Received: "
        f"validation_freq={validation_freq} of the type {type(validation_freq)}."
    )


def _as_batch(x, y, sample_weight):
    """One batch for `*_on_batch`: arrays become Tensors (dtypes kept, as Keras does)."""

    def convert(v):
        if v is None or isinstance(v, Operand) or not hasattr(v, "__array__"):
            return v
        return convert_to_tensor(np.asarray(v))

    return data_adapter.pack_x_y_sample_weight(
        nest.map_structure(convert, x),
        None if y is None else nest.map_structure(convert, y),
        None if sample_weight is None else nest.map_structure(convert, sample_weight),
    )


def _concat(parts):
    values = [p._value if isinstance(p, Operand) else xp.asarray(p) for p in parts]
    if values[0].ndim == 0:
        return to_numpy(xp.stack(values))
    if len(values) == 1:  # a copy: the array may be a view of the caller's input
        return np.array(to_numpy(values[0]), copy=True)
    return to_numpy(xp.concatenate(values, axis=0))


def _capped_epochs(epochs):
    """`epochs`, at most keras.config.max_epochs() (a cap for debugging runs)."""
    from ..config import max_epochs

    limit = max_epochs()
    if limit and limit < epochs:
        warnings.warn(f"Limiting epochs to {limit}", stacklevel=3)
        return limit
    return epochs
