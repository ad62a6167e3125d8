"""`keras.callbacks`: hooks into `fit`, `evaluate` and `predict` (Keras 3 API)."""

from .callback import Callback, LambdaCallback, TerminateOnNaN, pythonify_logs  # noqa: F401
from .callback_list import CallbackList
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .loggers import CSVLogger, History, ProgbarLogger
from .monitor import EarlyStopping, ModelCheckpoint, MonitorCallback
from .tensorboard import TensorBoard

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
    "TensorBoard",
    "TerminateOnNaN",
]
