"""Training state of `keras.Model` (Keras 3 semantics): compile, the loss and metrics it
sets up, the default `train_step`/`test_step`/`predict_step` and the functions that run them.

Override the steps as in Keras 3; the loops that call them (`fit`, `evaluate`, `predict`)
are in `training_loops.py`.
"""

from __future__ import annotations

import inspect
import warnings

from ...core import nest
from ...core.tape import GradientTape
from ...core.tensor import convert_to_tensor
from ..utils import data_adapter
from . import compile_utils, replicas
from .training_loops import TrainingLoops


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


class Trainer(TrainingLoops):
    """Mixin holding the compile/fit state of a Model (the loops: `training_loops.py`)."""

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

    # ---- helpers ------------------------------------------------------------------------------

    def _assert_compile_called(self, method_name=None):
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before using the model (in `{method_name}()`)."
            )

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


def _batch_size(x) -> int:
    for leaf in nest.flatten(x):
        if leaf is not None:
            return int(leaf.shape[0])
    return 0


_TAKES_TRAINING: dict = {}


def _takes_training(fn) -> bool:
    known = _TAKES_TRAINING.get(fn)
    if known is None:
        known = "training" in inspect.signature(fn).parameters
        _TAKES_TRAINING[fn] = known
    return known
