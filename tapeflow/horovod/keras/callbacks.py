"""Horovod's Keras callbacks: broadcast the initial state, average the epoch metrics, warm
up and schedule the learning rate (`horovod.tensorflow.keras.callbacks` 0.28)."""

from __future__ import annotations

import numpy as np

from ...keras.callbacks.callback import Callback
from .. import basics
from ..collectives import broadcast_variables


class BroadcastGlobalVariablesCallback(Callback):
    """After the first batch (when the optimizer's slots exist), every rank takes rank
    `root_rank`'s model and optimizer variables."""

    def __init__(self, root_rank, device=""):
        super().__init__()
        self.root_rank = root_rank
        self.broadcast_done = False

    def on_batch_end(self, batch, logs=None):
        if self.broadcast_done:
            return
        broadcast_variables(self.model.variables, root_rank=self.root_rank)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            broadcast_variables(optimizer.variables, root_rank=self.root_rank)
        self.broadcast_done = True

    on_train_batch_end = on_batch_end


class MetricAverageCallback(Callback):
    """Replaces each epoch-end metric in `logs` by its mean over the ranks (put it before
    the callbacks that read the metrics)."""

    def __init__(self, device=""):
        super().__init__()

    def on_epoch_end(self, epoch, logs=None):
        if not logs:
            return
        comm = basics._comm()
        for key in sorted(logs):  # the same order on every rank
            value = np.asarray(logs[key], dtype=np.float64)
            logs[key] = float(comm.allreduce(value, "mean", f"MetricAverageCallback ({key})"))


def _get_lr(optimizer) -> float:
    return optimizer._learning_rate_value()


def _set_lr(optimizer, value: float) -> None:
    optimizer.learning_rate = float(value)


class LearningRateScheduleCallback(Callback):
    """Sets the rate to `initial_lr * multiplier(epoch)` between `start_epoch` and
    `end_epoch`: at each epoch's first batch (`staircase`), else at every batch with a
    fractional epoch; `momentum_correction` scales the momentum by new/old rate for that
    batch (Goyal et al., 2017)."""

    def __init__(self, initial_lr, multiplier, start_epoch=0, end_epoch=None, staircase=True,
                 momentum_correction=True, steps_per_epoch=None):  # fmt: skip
        super().__init__()
        if initial_lr is None:
            raise ValueError("Parameter `initial_lr` is required")
        self.initial_lr = initial_lr
        self.multiplier = multiplier if callable(multiplier) else (lambda e: multiplier**e)
        self.start_epoch, self.end_epoch = start_epoch, end_epoch
        self.staircase = staircase
        self.momentum_correction = momentum_correction
        self.steps_per_epoch = steps_per_epoch
        self.current_epoch = None
        self.restore_momentum = None

    def on_train_begin(self, logs=None):
        if not self.staircase and not self.steps_per_epoch:
            steps = (self.params or {}).get("steps")
            if not steps:
                raise ValueError(
                    f"Could not autodetect the number of steps per epoch. Please specify the "
                    f"steps_per_epoch parameter to the {type(self).__name__}()."
                )
            self.steps_per_epoch = steps

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch

    def _adjust(self, epoch):
        optimizer = self.model.optimizer
        old = _get_lr(optimizer)
        new = self.initial_lr * self.multiplier(epoch)
        _set_lr(optimizer, new)
        if self.momentum_correction and hasattr(optimizer, "momentum") and old:
            self.restore_momentum = optimizer.momentum
            optimizer.momentum = self.restore_momentum * new / old

    def on_batch_begin(self, batch, logs=None):
        epoch = self.current_epoch
        if epoch < self.start_epoch or (self.end_epoch is not None and epoch >= self.end_epoch):
            return
        if self.staircase and batch == 0:
            self._adjust(epoch)
        elif not self.staircase:
            self._adjust(epoch + float(batch) / self.steps_per_epoch)

    on_train_batch_begin = on_batch_begin

    def on_batch_end(self, batch, logs=None):
        if self.restore_momentum is not None:
            self.model.optimizer.momentum = self.restore_momentum
            self.restore_momentum = None

    on_train_batch_end = on_batch_end

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = _get_lr(self.model.optimizer)


class LearningRateWarmupCallback(LearningRateScheduleCallback):
    """Raises the rate from `initial_lr / size` to `initial_lr` over `warmup_epochs`
    (Goyal et al.'s gradual warmup for large global batches)."""

    def __init__(self, initial_lr, warmup_epochs=5, momentum_correction=True,
                 steps_per_epoch=None, verbose=0):  # fmt: skip
        def multiplier(epoch):
            # Shifted by one batch so the rate reaches round values at the epochs' ends.
            epoch += 1.0 / self.steps_per_epoch
            n = basics.size()
            return 1.0 / n * (epoch * (n - 1) / warmup_epochs + 1)

        super().__init__(initial_lr, multiplier, start_epoch=0, end_epoch=warmup_epochs,
                         staircase=False, momentum_correction=momentum_correction,
                         steps_per_epoch=steps_per_epoch)  # fmt: skip
        self.verbose = verbose

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if epoch == self.end_epoch - 1 and self.verbose > 0 and basics.rank() == 0:
            print(
                f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to "
                f"{_get_lr(self.model.optimizer):g}."
            )
