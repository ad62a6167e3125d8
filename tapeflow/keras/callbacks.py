"""`keras.callbacks`: hooks into `fit`, `evaluate` and `predict` (Keras 3 API).

`CallbackList` calls a batch hook only on the callbacks that override it, and turns the
step's metric values into Python floats only when one of them reads them: a training step
with no per-batch callback pays nothing for logs. The built-in callbacks marked
`_lazy_batch_logs` get a function returning the logs instead of the logs, and call it only
when they use them (the progress bar: when it redraws).
"""

from __future__ import annotations

import collections
import csv
import os
import sys
import warnings

import numpy as np

from ..core import nest
from .utils.progbar import Progbar


def pythonify_logs(logs) -> dict:
    """Logs as Keras hands them to callbacks: keys sorted, nested dicts flattened, floats."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
        else:
            try:
                value = float(value)
            except (TypeError, ValueError):
                pass
            result[key] = value
    return result


def _resolve(logs):
    """Logs given as a dict or as the function that makes them."""
    return logs() if callable(logs) else (logs or {})


def _print(message: str):
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


class Callback:
    """Base class of callbacks: override the hooks you need.

    `self.model` is the model being trained, `self.params` holds `verbose`, `epochs` and
    `steps`. Hook arguments: `epoch` and `batch` are 0-based indices, `logs` a dict of
    metric values (Python floats) or None.
    """

    # True for callbacks whose batch hooks accept a function returning the logs.
    _lazy_batch_logs = False

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A training batch starts (kept for Keras 2 code; prefer on_train_batch_begin)."""

    def on_batch_end(self, batch, logs=None):
        """A training batch ended (kept for Keras 2 code; prefer on_train_batch_end)."""

    def on_epoch_begin(self, epoch, logs=None):
        """An epoch of `fit` starts."""

    def on_epoch_end(self, epoch, logs=None):
        """An epoch ended; `logs` has the training metrics and the `val_` ones."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """A batch of `evaluate` (or of the validation in `fit`) starts."""

    def on_test_batch_end(self, batch, logs=None):
        """A batch of `evaluate` ended."""

    def on_predict_batch_begin(self, batch, logs=None):
        """A batch of `predict` starts."""

    def on_predict_batch_end(self, batch, logs=None):
        """A batch of `predict` ended; `logs["outputs"]` holds its predictions."""

    def on_train_begin(self, logs=None):
        """`fit` starts."""

    def on_train_end(self, logs=None):
        """`fit` ends; `logs` are those of the last epoch."""

    def on_test_begin(self, logs=None):
        """`evaluate` (or a validation run) starts."""

    def on_test_end(self, logs=None):
        """`evaluate` ends; `logs` has its metric values."""

    def on_predict_begin(self, logs=None):
        """`predict` starts."""

    def on_predict_end(self, logs=None):
        """`predict` ends."""


# Each batch hook, and the hooks whose override means the callback wants it called
# (the base on_train_batch_* forwards to the Keras 2 names).
_BATCH_HOOKS = {
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
    "on_test_batch_begin": ("on_test_batch_begin",),
    "on_test_batch_end": ("on_test_batch_end",),
    "on_predict_batch_begin": ("on_predict_batch_begin",),
    "on_predict_batch_end": ("on_predict_batch_end",),
    "on_batch_begin": ("on_batch_begin",),
    "on_batch_end": ("on_batch_end",),
}


def _overrides(callback, name) -> bool:
    if name in vars(callback):  # LambdaCallback sets hooks on the instance
        return True
    return getattr(type(callback), name, None) is not getattr(Callback, name)


class CallbackList(Callback):
    """Calls a list of callbacks; `fit` adds `History` and `ProgbarLogger` to it."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = nest.flatten(callbacks) if callbacks else []
        self._history = None
        self._progbar = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._targets = {}
        self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        self._targets = {}

    def set_params(self, params):
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model):
        if not model:
            return
        super().set_model(model)
        if self._history:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def _batch_targets(self, hook):
        key = (hook, len(self.callbacks))
        targets = self._targets.get(key)
        if targets is None:
            names = _BATCH_HOOKS[hook]
            targets = [cb for cb in self.callbacks if any(_overrides(cb, n) for n in names)]
            self._targets[key] = targets
        return targets

    def _call_batch_hook(self, hook, batch, logs):
        targets = self._batch_targets(hook)
        if not targets:
            return
        cache = []

        def resolved():
            if not cache:
                cache.append(pythonify_logs(_resolve(logs)))
            return cache[0]

        for cb in targets:
            getattr(cb, hook)(batch, resolved if cb._lazy_batch_logs else resolved())

    def _call_hook(self, hook, *args):
        logs = pythonify_logs(_resolve(args[-1]))
        for cb in self.callbacks:
            getattr(cb, hook)(*args[:-1], logs)
        return logs

    def on_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_batch_end", batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        # Predictions are not metrics: passed through as they are.
        for cb in self._batch_targets("on_predict_batch_end"):
            cb.on_predict_batch_end(batch, _resolve(logs))

    def on_epoch_begin(self, epoch, logs=None):
        self._call_hook("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        # One dict for all: LR callbacks add "learning_rate" to it before History reads it.
        self._call_hook("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs=None):
        self._call_hook("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call_hook("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call_hook("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call_hook("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call_hook("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call_hook("on_predict_end", logs)

    def __iter__(self):
        return iter(self.callbacks)


class History(Callback):
    """Records the logs of each epoch in `history` (what `fit` returns)."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self

    def plot(self, path=None, metrics=None):
        """Draws the loss and metric curves (train and validation); see `plot_history`."""
        from .utils.plotting import plot_history

        return plot_history(self, path=path, metrics=metrics)


class ProgbarLogger(Callback):
    """Prints the progress bar of `fit` (validation stays silent), `evaluate`, `predict`."""

    _lazy_batch_logs = True

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        verbose = params["verbose"]
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            _print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(
                target=self.target, verbose=self.verbose, stateless_metrics=set(), unit_name="step"
            )

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            # The logs are made (metric results, floats) only if this update redraws.
            self.progbar._update(
                self.seen, None, lambda: list(pythonify_logs(_resolve(logs)).items()), False
            )

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list(pythonify_logs(_resolve(logs)).items()), True)


_MAXIMIZED = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2", "top_k")
_MINIMIZED = ("loss", "error", "mse", "mae", "mape", "msle", "crossentropy", "hinge", "kl")


class MonitorCallback(Callback):
    """Base of callbacks that watch one logged value (EarlyStopping, ModelCheckpoint, ...)."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = np.less
            direction = _metric_direction(self.model, name)
            if direction is not None:
                self.monitor_op = np.greater if direction == "up" else np.less
            elif self.monitor_op is None:
                lowered = name.lower()
                if any(k in lowered for k in _MAXIMIZED):
                    self.monitor_op = np.greater
                elif any(k in lowered for k in _MINIMIZED):
                    self.monitor_op = np.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    f"Keras isn't able to automatically determine whether that metric should "
                    f"be maximized or minimized. Pass `mode='max'` in order to monitor based "
                    f"on the highest metric value, or pass `mode='min'` in order to use the "
                    f"lowest value."
                )
        if self.monitor_op is np.less:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


def _metric_direction(model, name):
    """ "up"/"down" from the `_direction` of the model's metric called `name`, if any."""
    for m in getattr(model, "metrics", None) or []:
        for sub in getattr(m, "metrics", None) or [m]:
            if getattr(sub, "name", None) == name and hasattr(sub, "_direction"):
                return sub._direction
    return None


class EarlyStopping(MonitorCallback):
    """Stops training when `monitor` has not improved for `patience` epochs."""

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # late: compiled metrics exist once a step has run
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Patience restarts only once the baseline is beaten too.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(list((logs or {}).keys()))}",
                stacklevel=2,
            )
        return value


class ModelCheckpoint(MonitorCallback):
    """Saves the model (or its weights) every epoch or every `save_freq` batches.

    `filepath` may hold `{epoch:02d}`, `{batch}` and any logged value (`{val_loss:.2f}`);
    it must end in `.keras` (or `.h5`), or `.weights.h5` with `save_weights_only`.
    """

    _lazy_batch_logs = True

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or "
                f"integer values"
            )
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format). Received: "
                    f"filepath={self.filepath}"
                )
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). "
                f"Received: filepath={self.filepath}"
            )

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, pythonify_logs(_resolve(logs)))

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            add_batches = batch + 1  # a new epoch
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if np.ndim(current) > 0:
            warnings.warn(
                f"Can save best model only when `monitor` is a scalar value. Received: "
                f"{current}. Falling back to `save_best_only=False`.",
                stacklevel=2,
            )
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                _print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used "
                f"is an existing directory: {filepath}"
            )
        if not self._should_save_model(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}'
            ) from e


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by `factor` when `monitor` stops improving."""

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(np.asarray(optimizer.learning_rate))
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        _print(
                            f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                            f"to {new_lr}."
                        )
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Sets the learning rate at each epoch start to `schedule(epoch, lr)`."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, float(np.asarray(optimizer.learning_rate)))
        except TypeError:  # the one-argument form of Keras 2
            lr = self.schedule(epoch)
        if np.ndim(lr) != 0 or not np.issubdtype(np.asarray(lr).dtype, np.floating):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        lr = float(np.asarray(lr))
        optimizer.learning_rate = lr
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))


class CSVLogger(Callback):
    """Appends each epoch's logs as a CSV row to `filename`.

    The file is opened, written and closed for every row, so each row is complete on disk
    as soon as its epoch ends and no handle stays open if training dies.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.keys = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        self.keys = None
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as f:
                self.append_header = not f.readline()
        elif not self.append:
            with open(self.filename, "w", encoding="utf-8"):
                pass

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        row = collections.OrderedDict(epoch=epoch)
        row.update((k, _csv_value(logs.get(k, "NA"))) for k in self.keys)

        class Dialect(csv.excel):
            delimiter = self.sep

        with open(self.filename, "a", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=["epoch"] + self.keys, dialect=Dialect)
            if self.append_header:
                writer.writeheader()
                self.append_header = False
            writer.writerow(row)
            f.flush()
            os.fsync(f.fileno())


def _csv_value(v):
    if isinstance(v, str):
        return v
    if isinstance(v, collections.abc.Iterable) and not (isinstance(v, np.ndarray) and v.ndim == 0):
        return f'"[{", ".join(map(str, v))}]"'
    return v


class LambdaCallback(Callback):
    """A callback made of functions: `LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`."""

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


class TerminateOnNaN(Callback):
    """Stops training (or raises, with `raise_error=True`) when the loss is NaN or inf."""

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                    f"Terminating training immediately."
                )
            _print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


__all__ = [
    "Callback",
    "CallbackList",
    "CSVLogger",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]
