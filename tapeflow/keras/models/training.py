"""Training methods of `keras.Model`: compile, fit, evaluate, predict (Keras 3 semantics).

`fit` calls `train_step(batch)` for each batch, `evaluate` calls `test_step` and `predict`
`predict_step`; override them as in Keras 3. The loop itself adds as little as it can to
a step: the trainable variables are read once per `fit`, and when the steps are Keras' own
the metric results are computed only when a callback or the progress bar reads them.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from ...backend import to_numpy, xp
from ...core import nest
from ...core.tape import GradientTape
from ...core.tensor import Operand, convert_to_tensor
from .. import callbacks as callbacks_module
from ..utils import data_adapter
from . import compile_utils, replicas


class _TrainerState:
    """What compile/fit keep between calls, out of the model's attributes (so that weight
    and checkpoint tracking never walks into metrics or cached lists)."""

    def __init__(self):
        self.compile_loss = None
        self.compile_metrics = None
        self.loss_tracker = None
        self.compile_config = None
        self.trainable = None  # trainable variables of the running fit (Keras: at trace)
        self.tracked_metrics = None  # metric attributes found during a fit/evaluate
        self.eval_iterator = None


class Trainer:
    """Mixin holding the compile/fit state of a Model."""

    def __init__(self):
        self._trainer = _TrainerState()
        self._run_eagerly = False
        self._jit_compile = None
        self.optimizer = None
        self.compiled = False
        self.loss = None
        self.steps_per_execution = 1
        self.stop_training = False
        self.history = None
        self._initial_epoch = None
        self.train_function = None
        self.test_function = None
        self.predict_function = None

    # ---- compile ------------------------------------------------------------------------------

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Configures the model for training.

        Args:
            optimizer: an optimizer or its name ("adam", "sgd", ...).
            loss: a loss object, function or name; per output: a list or a dict by name.
            loss_weights: weights of each output's loss in the total (list or dict).
            metrics: metrics, functions or names ("accuracy", "mae", ...); per output: a
                list of lists or a dict by output name. Not weighted by `sample_weight`.
            weighted_metrics: metrics weighted by `sample_weight` / `class_weight`.
            run_eagerly, jit_compile: accepted for compatibility; steps always run eagerly.
            steps_per_execution: batches run between two batch-level callback calls.
            auto_scale_loss: under the "mixed_float16" policy, wrap the optimizer in a
                `LossScaleOptimizer` (as Keras 3).
        """
        from .. import metrics as metrics_module
        from .. import optimizers

        state = self._trainer
        self.optimizer = optimizers.get(optimizer)
        if (
            auto_scale_loss
            and self.dtype_policy.name == "mixed_float16"
            and self.optimizer is not None
            and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)
        ):  # as Keras 3: float16 gradients need dynamic loss scaling
            self.optimizer = optimizers.LossScaleOptimizer(
                self.optimizer, name="loss_scale_optimizer"
            )
        output_names = compile_utils.output_names(self)
        state.compile_loss = (
            compile_utils.CompileLoss(loss, loss_weights, output_names=output_names)
            if loss is not None
            else None
        )
        self.loss = loss
        state.compile_metrics = (
            compile_utils.CompileMetrics(metrics, weighted_metrics, output_names=output_names)
            if metrics is not None or weighted_metrics is not None
            else None
        )
        if jit_compile == "auto":
            jit_compile = False
        self._jit_compile = bool(jit_compile) and not run_eagerly
        self._run_eagerly = run_eagerly
        self.stop_training = False
        self.compiled = True
        state.loss_tracker = metrics_module.Mean(name="loss")
        self.steps_per_execution = steps_per_execution
        self.train_function = self.test_function = self.predict_function = None
        state.trainable = None
        state.compile_config = dict(
            optimizer=self.optimizer,
            loss=loss,
            loss_weights=loss_weights,
            metrics=metrics,
            weighted_metrics=weighted_metrics,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
            jit_compile=self._jit_compile,
        )

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = value

    @property
    def jit_compile(self):
        return bool(self._jit_compile)

    @jit_compile.setter
    def jit_compile(self, value):
        self._jit_compile = value

    @property
    def _loss_tracker(self):
        return self._trainer.loss_tracker

    @property
    def _compile_loss(self):
        return self._trainer.compile_loss

    @property
    def _compile_metrics(self):
        return self._trainer.compile_metrics

    def get_compile_config(self) -> dict:
        """The arguments of `compile`, serialized (what saving stores)."""
        if not self.compiled or self._trainer.compile_config is None:
            return {}
        return {
            k: compile_utils.serialize_compile_arg(v)
            for k, v in self._trainer.compile_config.items()
        }

    def compile_from_config(self, config: dict):
        """Compiles from a `get_compile_config()` dict (used when loading a saved model)."""
        if type(self).compile is not Trainer.compile:
            warnings.warn(
                "`compile()` was not called as part of model loading because the model's "
                "`compile()` method is custom. All subclassed Models that have `compile()` "
                "overridden should also override `get_compile_config()` and "
                "`compile_from_config(config)`. Alternatively, you can call `compile()` "
                "manually after loading.",
                stacklevel=2,
            )
            return
        config = {k: compile_utils.deserialize_compile_arg(k, v) for k, v in config.items()}
        self.compile(**config)
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    # ---- metrics and losses -------------------------------------------------------------------

    @property
    def metrics(self) -> list:
        """Loss tracker, compiled metrics, per-output loss trackers, then metric attributes."""
        state = self._trainer
        out = []
        if self.compiled:
            if state.loss_tracker is not None:
                out.append(state.loss_tracker)
            if state.compile_metrics is not None:
                out.append(state.compile_metrics)
            if state.compile_loss is not None:
                out.extend(state.compile_loss.metrics)
        tracked = state.tracked_metrics
        if tracked is None:
            tracked = compile_utils.tracked_metrics(self)
        out.extend(tracked)
        return out

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of a batch: the compiled loss plus `self.losses` (regularization)."""
        from ...ops.reduce import reduce_sum

        losses = []
        compile_loss = self._trainer.compile_loss
        if compile_loss is not None:
            loss = compile_loss(y, y_pred, sample_weight)
            if loss is not None:
                losses.append(loss)
        for extra in self.losses:
            extra = convert_to_tensor(extra)
            if not extra.dtype.is_floating:
                from ...ops.math import cast
                from .. import backend

                extra = cast(extra, backend.floatx())
            losses.append(reduce_sum(extra) if extra.ndim else extra)
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = losses[0]
        for extra in losses[1:]:
            total = total + extra
        return total

    def _compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if _takes_training(type(self).compute_loss):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics and returns every metric's result."""
        if self._trainer.compile_metrics is not None:
            self._trainer.compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """`{name: result}` for `self.metrics` (dict results, like compiled metrics, merged)."""
        out = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[m.name] = result
        return out

    # Keras 2 spellings kept working in overridden train steps.
    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Keras 2's `self.compiled_loss(...)`: the loss, also recorded in the "loss" metric."""
        loss = self.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)
        tracker = self._trainer.loss_tracker
        if tracker is not None:
            tracker.update_state(loss, sample_weight=_batch_size(y_pred))
        return loss

    @property
    def compiled_metrics(self):
        """Keras 2's `self.compiled_metrics.update_state(y, y_pred)`."""
        return _CompiledMetricsShim(self)

    # ---- the steps ----------------------------------------------------------------------------

    def train_step(self, data):
        """One batch of training: forward, loss, gradients, update; returns the logs."""
        x, y, y_pred, sample_weight = self._train_update(data)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """One batch of evaluation: forward and loss; returns the logs."""
        x, y, y_pred, sample_weight = self._test_update(data)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """One batch of inference: the model's outputs for the batch."""
        x, _, _ = data_adapter.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _train_update(self, data):
        state = self._trainer
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        optimizer = self.optimizer
        if optimizer is None:
            raise ValueError(
                f"Model {self.name}: training needs an optimizer; compile() was given "
                f"optimizer=None"
            )
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._compute_loss(
                x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True
            )
            scaled = replicas.scale_loss(optimizer.scale_loss(loss))
        # The tracker is updated outside the tape: it is no part of the gradient.
        state.loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        trainable = state.trainable
        if trainable is None:
            trainable = list(self.trainable_weights)
            state.trainable = trainable
        if trainable:
            grads = tape.gradient(scaled, trainable)
            optimizer.apply_gradients(zip(grads, trainable))
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=3)
        return x, y, y_pred, sample_weight

    def _test_update(self, data):
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False
        )
        self._trainer.loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return x, y, y_pred, sample_weight

    def _uses_builtin(self, step_name) -> bool:
        """Whether this step and the metric methods it calls are Keras' own."""
        cls = type(self)
        return (
            getattr(cls, step_name) is getattr(Trainer, step_name)
            and cls.compute_metrics is Trainer.compute_metrics
            and cls.get_metrics_result is Trainer.get_metrics_result
        )

    def _make_function(self, step_name, update):
        if self._uses_builtin(step_name):
            # Keras' own step: update the state, leave the results to whoever reads them.
            def one_step(data):
                x, y, y_pred, sample_weight = update(data)
                compile_metrics = self._trainer.compile_metrics
                if compile_metrics is not None:
                    compile_metrics.update_state(y, y_pred, sample_weight)

        else:
            one_step = getattr(self, step_name)

        def function(batches):
            logs = None
            for data in batches:
                logs = one_step(data)
            return logs

        return function

    def make_train_function(self, force=False):
        """The function `fit` calls on each list of batches; None logs mean "ask the metrics"."""
        if self.train_function is None or force:
            self.train_function = self._make_function("train_step", self._train_update)
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            self.test_function = self._make_function("test_step", self._test_update)
        return self.test_function

    def make_predict_function(self, force=False):
        if self.predict_function is None or force:

            def function(batches):
                return [self.predict_step(data) for data in batches]

            self.predict_function = function
        return self.predict_function

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
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(
                callbacks,
                add_progbar=verbose != 0,
                verbose=verbose,
                epochs=1,
                steps=epoch_iterator.num_batches,
                model=self,
            )
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

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on `x`, batch by batch, concatenated into NumPy arrays."""
        epoch_iterator = data_adapter.EpochIterator(
            x,
            batch_size=batch_size,
            steps_per_epoch=steps,
            shuffle=False,
            steps_per_execution=self.steps_per_execution,
        )
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(
                callbacks,
                add_progbar=verbose != 0,
                verbose=verbose,
                epochs=1,
                steps=epoch_iterator.num_batches,
                model=self,
            )
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

    # ---- helpers ------------------------------------------------------------------------------

    def _assert_compile_called(self, method_name=None):
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before using the model (in `{method_name}()`)."
            )

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

    def _flatten_metrics_in_order(self, logs):
        """Logs as a list in `metrics` order (then the other keys, sorted); one: a scalar."""
        names = []
        for m in self.metrics:
            if isinstance(m, compile_utils.CompileMetrics):
                names += [sub.name for sub in m.metrics]
            else:
                names.append(m.name)
        results = [logs[n] for n in names if n in logs]
        results += [logs[k] for k in sorted(logs) if k not in names]
        return results[0] if len(results) == 1 else results


class _CompiledMetricsShim:
    """`model.compiled_metrics`: updates the compiled metrics (Keras 2 train steps)."""

    def __init__(self, model):
        self._model = model

    def update_state(self, y, y_pred, sample_weight=None):
        compile_metrics = self._model._trainer.compile_metrics
        if compile_metrics is not None:
            compile_metrics.update_state(y, y_pred, sample_weight)

    def reset_state(self):
        compile_metrics = self._model._trainer.compile_metrics
        if compile_metrics is not None:
            compile_metrics.reset_state()

    @property
    def metrics(self):
        compile_metrics = self._model._trainer.compile_metrics
        return compile_metrics.metrics if compile_metrics is not None else []


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


def _batch_size(x) -> int:
    for leaf in nest.flatten(x):
        if leaf is not None:
            return int(leaf.shape[0])
    return 0


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


_TAKES_TRAINING: dict = {}


def _takes_training(fn) -> bool:
    known = _TAKES_TRAINING.get(fn)
    if known is None:
        known = "training" in inspect.signature(fn).parameters
        _TAKES_TRAINING[fn] = known
    return known


def _capped_epochs(epochs):
    """`epochs`, at most keras.config.max_epochs() (a cap for debugging runs)."""
    from ..config import max_epochs

    limit = max_epochs()
    if limit and limit < epochs:
        warnings.warn(f"Limiting epochs to {limit}", stacklevel=3)
        return limit
    return epochs
