"""The loss and metric objects `Model.compile` makes of names, functions and objects.

Names ("mse", "accuracy") are resolved when the first batch shows the shapes of targets and
outputs: "accuracy"/"acc" becomes binary, categorical or sparse categorical accuracy, and
"crossentropy"/"ce" the matching loss, as in Keras. A plain function becomes a loss reduced
(or a metric averaged) the way Keras wraps it.
"""

from __future__ import annotations

from ...core.tensor import convert_to_tensor


def is_binary_or_sparse_categorical(y_true, y_pred):
    """(is_binary, is_sparse_categorical) from the shapes of targets and predictions."""
    t_shape, p_shape = tuple(y_true.shape), tuple(y_pred.shape)
    t_last = t_shape[-1] if t_shape else None
    p_last = p_shape[-1] if p_shape else None
    is_binary = p_last == 1
    is_sparse = len(t_shape) < len(p_shape) or (t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def is_metric(obj) -> bool:
    """Duck-typed `keras.metrics.Metric`: an instance with update_state/result/reset_state."""
    cls = type(obj)
    return (
        not isinstance(obj, type)
        and callable(getattr(cls, "update_state", None))
        and callable(getattr(cls, "result", None))
        and callable(getattr(cls, "reset_state", None))
    )


def _is_loss_object(obj) -> bool:
    """A loss that reduces and weights by itself (a `keras.losses.Loss`), not a function."""
    from .. import losses as losses_module

    loss_class = getattr(losses_module, "Loss", None)
    if loss_class is not None and isinstance(obj, loss_class):
        return True
    return not isinstance(obj, type) and hasattr(obj, "reduction") and callable(obj)


def _object_name(obj) -> str:
    name = getattr(obj, "name", None)
    if isinstance(name, str):
        return name
    return getattr(obj, "__name__", None) or type(obj).__name__


def _set_name(metric, name):
    try:
        metric.name = name
    except AttributeError:  # a read-only `name` property
        metric._name = name


def get_metric(identifier, y_true, y_pred):
    """A metric object for one entry of `compile(metrics=...)`, named as Keras names it."""
    from .. import metrics as metrics_module

    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            cls = metrics_module.BinaryAccuracy
        elif is_sparse:
            cls = metrics_module.SparseCategoricalAccuracy
        else:
            cls = metrics_module.CategoricalAccuracy
        metric = cls(name=identifier)
    elif is_metric(identifier) or (callable(identifier) and not isinstance(identifier, type)):
        metric = identifier
    else:
        metric = metrics_module.get(identifier)
    name = identifier if isinstance(identifier, str) else _object_name(metric)
    if not is_metric(metric):
        wrapper = getattr(metrics_module, "MeanMetricWrapper", None)
        metric = wrapper(metric, name=name) if wrapper is not None else _MeanOf(metric, name)
    _set_name(metric, name)
    return metric


def get_loss(identifier, y_true, y_pred):
    """A loss object for one entry of `compile(loss=...)`, called `(y_true, y_pred, w)`."""
    from .. import losses as losses_module

    if identifier is None:
        return None
    name = identifier if isinstance(identifier, str) else None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            identifier = "binary_crossentropy"
        elif is_sparse:
            identifier = "sparse_categorical_crossentropy"
        else:
            identifier = "categorical_crossentropy"
    if isinstance(identifier, (str, dict, type)):
        loss = losses_module.get(identifier)
    else:
        loss = identifier
    if not callable(loss):
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
    if not _is_loss_object(loss):
        name = name or _object_name(loss)
        wrapper = getattr(losses_module, "LossFunctionWrapper", None)
        loss = wrapper(loss, name=name) if wrapper is not None else _ReducedLoss(loss, name)
    return loss


class _ReducedLoss:
    """A loss function (per-sample values) reduced as Keras does: weighted sum / count."""

    reduction = "sum_over_batch_size"

    def __init__(self, fn, name):
        self.fn = fn
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        from ...ops.math import cast
        from ...ops.reduce import reduce_sum

        y_pred = convert_to_tensor(y_pred)
        y_true = convert_to_tensor(y_true)
        if y_true.dtype != y_pred.dtype and y_pred.dtype.is_floating:
            y_true = cast(y_true, y_pred.dtype)
        values = convert_to_tensor(self.fn(y_true, y_pred))
        if values.dtype != y_pred.dtype and y_pred.dtype.is_floating:
            values = cast(values, y_pred.dtype)
        if sample_weight is not None:
            values = values * _weights_like(sample_weight, values)
        if values.ndim == 0:
            return values
        return reduce_sum(values) / float(max(values._value.size, 1))


def _weights_like(sample_weight, values):
    """Sample weights cast to the values' dtype, squeezed or expanded to their rank."""
    from ...ops.array import expand_dims, squeeze
    from ...ops.math import cast

    w = convert_to_tensor(sample_weight)
    if w.dtype != values.dtype:
        w = cast(w, values.dtype)
    while w.ndim > values.ndim and w.shape[-1] == 1:
        w = squeeze(w, axis=-1)
    while w.ndim < values.ndim:
        w = expand_dims(w, axis=-1)
    return w


class _MeanOf:
    """The mean of a metric function's per-sample values (Keras' MeanMetricWrapper)."""

    def __init__(self, fn, name):
        from .. import metrics as metrics_module

        self._fn = fn
        self.name = name
        self._mean = metrics_module.Mean(name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(convert_to_tensor(y_true), convert_to_tensor(y_pred))
        self._mean.update_state(values, sample_weight=sample_weight)

    def result(self):
        return self._mean.result()

    def reset_state(self):
        self._mean.reset_state()

    def reset_states(self):
        self.reset_state()
