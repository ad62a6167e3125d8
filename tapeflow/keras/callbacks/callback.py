"""The `Callback` base class, the logs it receives, and the function-made callbacks."""

from __future__ import annotations

import sys

import numpy as np


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

    @model.setter
    def model(self, model):  # Keras 2 callbacks assign it in set_model
        self._model = model

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
