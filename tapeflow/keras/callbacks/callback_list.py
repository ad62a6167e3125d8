"""`CallbackList`: calls the callbacks of a fit, evaluate or predict.

A batch hook is called only on the callbacks that override it, and the step's metric values
become Python floats only when one of them reads them: a step with no per-batch callback pays
nothing for logs. Callbacks marked `_lazy_batch_logs` get a function returning the logs and
call it only when they use them (the progress bar: when it redraws).
"""

from __future__ import annotations

from ...core import nest
from .callback import Callback, _resolve, pythonify_logs
from .loggers import History, ProgbarLogger

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
