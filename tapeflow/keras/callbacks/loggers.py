"""Callbacks that record or show progress: History, ProgbarLogger, CSVLogger."""

from __future__ import annotations

import collections
import csv
import os

import numpy as np

from ..utils.progbar import Progbar
from .callback import Callback, _print, _resolve, pythonify_logs


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
        from ..utils.plotting import plot_history

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
