"""What `Model.compile` makes of its `loss` and `metrics` arguments (Keras 3's rules).

Names ("mse", "accuracy") are resolved when the first batch shows the shapes of targets and
outputs: "accuracy"/"acc" becomes binary, categorical or sparse categorical accuracy, and
"crossentropy"/"ce" the matching loss, as in Keras. With several outputs, losses and metrics
are given per output (a list in output order, or a dict by output name) and named
`<output>_<metric>`; each loss then also gets a `<output>_loss` mean tracker.
"""

from __future__ import annotations

import numpy as np

from ...core import nest
from ...core.tensor import Operand, convert_to_tensor


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


class MetricsList:
    """The metrics of one output."""

    def __init__(self, metrics, output_name=None):
        self.metrics = metrics
        self.output_name = output_name
        self.name = "metrics_list"

    def update_state(self, y_true, y_pred, sample_weight=None):
        for m in self.metrics:
            m.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def result(self):
        return {m.name: m.result() for m in self.metrics}


def _metrics_list(metrics, y_true, y_pred, output_name=None):
    if metrics is None:
        return None
    entries = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
    return MetricsList([get_metric(m, y_true, y_pred) for m in entries], output_name)


class CompileMetrics:
    """`compile(metrics=..., weighted_metrics=...)` as one metric whose result is a dict."""

    def __init__(self, metrics, weighted_metrics, output_names=None):
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(
                    f"Expected `{arg}` argument to be a list, tuple, or dict. Received "
                    f"instead: {arg}={value} of type {type(value)}"
                )
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self.output_names = output_names
        self.name = "compile_metrics"
        self.built = False
        self._flat_metrics = []
        self._flat_weighted_metrics = []
        self._resolved_output_names = None

    @property
    def metrics(self) -> list:
        out = []
        for mls in self._flat_metrics + self._flat_weighted_metrics:
            if mls is not None:
                out.extend(mls.metrics)
        return out

    def build(self, y_true, y_pred):
        num_outputs = len(nest.flatten(y_pred))
        y_pred_is_flat = nest.is_nested(y_pred) and len(y_pred) == num_outputs
        output_names = self.output_names
        if y_pred_is_flat and isinstance(y_pred, dict):
            if not (output_names and set(y_pred) == set(output_names)):
                output_names = sorted(y_pred)
        self._resolved_output_names = output_names if num_outputs > 1 and y_pred_is_flat else None
        for attr, user, arg in (
            ("_flat_metrics", self._user_metrics, "metrics"),
            ("_flat_weighted_metrics", self._user_weighted_metrics, "weighted_metrics"),
        ):
            setattr(
                self,
                attr,
                self._build_set(user, num_outputs, output_names, y_true, y_pred, arg),
            )
        self.built = True

    def _build_set(self, metrics, num_outputs, output_names, y_true, y_pred, arg):
        if not metrics:
            return [None] * num_outputs
        if num_outputs == 1:
            return [
                _metrics_list(
                    nest.flatten(metrics), nest.flatten(y_true)[0], nest.flatten(y_pred)[0]
                )
            ]
        flat = None
        if isinstance(metrics, (list, tuple)) and len(metrics) == num_outputs:
            flat = list(metrics)
        elif isinstance(metrics, dict) and output_names and set(metrics) <= set(output_names):
            flat = [metrics.get(name) for name in output_names]
        if flat is None:
            raise ValueError(
                f"Invalid `{arg}`: with {num_outputs} outputs (named {output_names}), "
                f"`{arg}` must be a list with one entry per output or a dict keyed by output "
                f"name. Received: {arg}={metrics}"
            )
        names = output_names or [None] * num_outputs
        return [
            _metrics_list(m, yt, yp, n)
            for m, yt, yp, n in zip(flat, self._flatten_y(y_true), self._flatten_y(y_pred), names)
        ]

    def _flatten_y(self, y):
        if isinstance(y, dict) and self._resolved_output_names is not None:
            return [y[name] for name in self._resolved_output_names]
        return nest.flatten(y)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        y_true = self._flatten_y(y_true)
        y_pred = self._flatten_y(y_pred)
        for m, yt, yp in zip(self._flat_metrics, y_true, y_pred):
            if m is not None:
                m.update_state(yt, yp)
        if not any(m is not None for m in self._flat_weighted_metrics):
            return
        if sample_weight is not None:
            sample_weight = self._flatten_y(sample_weight)
            if len(sample_weight) < len(y_true):
                sample_weight = [sample_weight[0]] * len(y_true)
        else:
            sample_weight = [None] * len(y_true)
        for m, yt, yp, sw in zip(self._flat_weighted_metrics, y_true, y_pred, sample_weight):
            if m is not None:
                m.update_state(yt, yp, sw)

    def reset_state(self):
        for m in self._flat_metrics + self._flat_weighted_metrics:
            if m is not None:
                m.reset_state()

    reset_states = reset_state

    def result(self) -> dict:
        results, seen = {}, set()
        for mls in self._flat_metrics:
            for m in mls.metrics if mls is not None else ():
                name = f"{mls.output_name}_{m.name}" if mls.output_name else m.name
                base, i = name, 1
                while name in seen:
                    name, i = f"{base}_{i}", i + 1
                seen.add(name)
                results[name] = m.result()
        for mls in self._flat_weighted_metrics:
            for m in mls.metrics if mls is not None else ():
                prefix = f"{mls.output_name}_" if mls.output_name else ""
                name = prefix + m.name
                if name in seen:
                    name = f"{prefix}weighted_{m.name}"
                base, i = name, 1
                while name in seen:
                    name, i = f"{base}_{i}", i + 1
                seen.add(name)
                results[name] = m.result()
        return results


class CompileLoss:
    """`compile(loss=..., loss_weights=...)`: the total loss of a batch, from every output."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.output_names = output_names
        self.name = "compile_loss"
        self.built = False
        self._metrics = []
        self._entries = []  # (flat output index, loss object, weight, tracker or None)
        self._names = None
        self._has_loss = []
        self._single = False

    @property
    def metrics(self) -> list:
        return self._metrics

    def _output_keys(self, y_pred, n):
        if isinstance(y_pred, dict):
            return sorted(y_pred)  # the order nest.flatten gives
        if self.output_names and len(self.output_names) == n:
            return list(self.output_names)
        return [None] * n

    def _per_output(self, spec, names, n, what):
        """`spec` (one value, a list by output, or a dict by output name) as a flat list."""
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in names]
            if unknown:
                raise ValueError(
                    f"Expected keys {names} in {what} dict, but found {what}.keys()="
                    f"{list(spec)} (unknown: {unknown})"
                )
            return [spec.get(name) for name in names]
        if isinstance(spec, (list, tuple)):
            if len(spec) != n:
                raise ValueError(
                    f"`{what}` must have one entry per model output: the model has {n} "
                    f"output(s), `{what}` has {len(spec)} entries: {spec}"
                )
            return list(spec)
        return [spec] * n

    def build(self, y_true, y_pred):
        flat_pred = nest.flatten(y_pred)
        n = len(flat_pred)
        names = self._output_keys(y_pred, n)
        losses = self._per_output(self._user_loss, names, n, "loss")
        if self._user_loss_weights is None:
            weights = [None] * n
        else:
            weights = self._per_output(self._user_loss_weights, names, n, "loss_weights")
        flat_true = self._align(y_true, y_pred, names, losses)
        entries = []
        for i, loss in enumerate(losses):
            resolved = get_loss(loss, flat_true[i], flat_pred[i])
            if resolved is not None:
                entries.append([i, resolved, weights[i], None])
        if isinstance(y_pred, dict):
            # Keras walks dict outputs in the loss dict's order (else the outputs'), not by
            # sorted key: that order is the one of the per-output loss trackers (so of
            # `evaluate`'s list) and of the sum.
            walk = self._user_loss if isinstance(self._user_loss, dict) else y_pred
            rank = {key: r for r, key in enumerate(walk)}
            entries.sort(key=lambda entry: rank.get(names[entry[0]], len(rank)))
        self._metrics = []
        if len(entries) > 1:
            from .. import metrics as metrics_module

            for entry in entries:
                label = names[entry[0]] or _object_name(entry[1])
                entry[3] = metrics_module.Mean(name=f"{label}_loss")
                self._metrics.append(entry[3])
        self._entries = [tuple(e) for e in entries]
        self._names = names
        self._has_loss = [loss is not None for loss in losses]
        self._single = n == 1 and not nest.is_nested(y_true) and len(entries) == 1
        self.built = True

    def _align(self, y, y_pred, names, losses, what="targets"):
        """Targets (or sample weights) as a flat list in output order, None where an output
        has none."""
        n = len(names)
        if not nest.is_nested(y):
            if n == 1:
                return [y]
            raise ValueError(
                f"The model has {n} outputs but the targets `y` are a single array; pass "
                f"a list (one target per output) or a dict keyed by {names}"
            )
        if isinstance(y, dict) and None not in names:
            # By output name. An output without a loss needs no target, and an output
            # without sample weights is not weighted; keys that name no output are ignored,
            # as unused input keys are.
            needed = [name for name, has in zip(names, losses, strict=True) if _given(has)]
            missing = [name for name in needed if name not in y]
            if not missing or what == "sample weights":
                return [y.get(name) for name in names]
            if isinstance(y_pred, dict) or any(name in y for name in names):
                raise ValueError(
                    f"The {what} are a dict with keys {sorted(y)}, but the outputs "
                    f"{missing} have a loss and no target (the model's outputs are {names})"
                )
        flat = nest.flatten(y)
        if len(flat) == n:
            return flat
        with_loss = [i for i, has in enumerate(losses) if _given(has)]
        if len(flat) == len(with_loss):  # targets given only for the outputs with a loss
            out = [None] * n
            for i, value in zip(with_loss, flat):
                out[i] = value
            return out
        raise ValueError(
            f"y_true and y_pred have different structures: {len(flat)} target(s) for "
            f"{n} output(s) ({names})"
        )

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        if self._single:
            _, loss, weight, _ = self._entries[0]
            value = _as_floatx(loss(y_true, y_pred, sample_weight))
            return value if weight is None else value * weight
        flat_pred = nest.flatten(y_pred)
        names = self._names
        flat_true = self._align(y_true, y_pred, names, self._has_loss)
        if sample_weight is not None and nest.is_nested(sample_weight):
            flat_weights = self._align(
                sample_weight, y_pred, names, self._has_loss, what="sample weights"
            )
        else:
            flat_weights = [sample_weight] * len(flat_pred)
        total = None
        for i, loss, weight, tracker in self._entries:
            value = _as_floatx(loss(flat_true[i], flat_pred[i], flat_weights[i]))
            if tracker is not None:
                tracker.update_state(value, sample_weight=int(flat_pred[i].shape[0]))
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total


def _given(loss) -> bool:
    return loss is not None and loss is not False


def _as_floatx(value):
    """Keras casts each output's loss to floatx before adding them up."""
    from ...ops.math import cast
    from .. import backend

    if not isinstance(value, Operand):
        value = convert_to_tensor(value)
    if value.dtype.name != backend.floatx():
        value = cast(value, backend.floatx())
    return value


def output_names(model):
    """Output layer names (functional and Sequential models), None for subclassed ones."""
    names = getattr(model, "output_names", None)
    if names:
        return list(names)
    outputs = getattr(model, "_outputs_struct", None)
    if outputs is not None:
        history = [getattr(t, "_keras_history", None) for t in nest.flatten(outputs)]
        if all(h is not None for h in history):
            return [h[0].name for h in history]
    stack = getattr(model, "_stack", None)
    if stack:
        return [stack[-1].name]
    return None


def tracked_metrics(model) -> list:
    """Metrics assigned as attributes of the model or of its (non-model) sublayers."""
    found, seen = [], set()
    sublayers = model._flatten_layers(include_self=False)
    # Another model inside this one has its own metrics (Keras leaves those out too).
    layers = [model] + [layer for layer in sublayers if not hasattr(layer, "_trainer")]
    for layer in layers:
        for name, value in vars(layer).items():
            if name != "_trainer":
                _collect_metrics(value, found, seen, 0)
    return found


def _collect_metrics(value, found, seen, depth):
    if depth > 3 or isinstance(value, (str, bytes, np.ndarray, Operand)):
        return
    if isinstance(value, dict):
        for v in value.values():
            _collect_metrics(v, found, seen, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect_metrics(v, found, seen, depth + 1)
    elif is_metric(value):
        if id(value) not in seen:
            seen.add(id(value))
            found.append(value)


def serialize_compile_arg(value):
    """A `compile` argument as saved in a compile config."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [serialize_compile_arg(v) for v in value]
    if isinstance(value, dict):
        return {k: serialize_compile_arg(v) for k, v in value.items()}
    if hasattr(value, "apply_gradients") and hasattr(value, "get_config"):
        from .. import optimizers

        return optimizers.serialize(value)
    try:
        from ..saving.serialization import serialize_keras_object
    except ImportError:
        serialize_keras_object = None
    if serialize_keras_object is not None:
        return serialize_keras_object(value)
    if hasattr(value, "get_config"):
        return {"class_name": type(value).__name__, "config": value.get_config()}
    return value


def deserialize_compile_arg(key, value):
    """The `compile` argument a compile config holds under `key`."""
    if key == "optimizer" and isinstance(value, dict):
        from .. import optimizers

        return optimizers.deserialize(value)
    if isinstance(value, dict) and "class_name" in value:
        try:
            from ..saving.serialization import deserialize_keras_object
        except ImportError:
            module = {"loss": "losses", "metrics": "metrics"}.get(key)
            if module is None:
                return value
            import importlib

            return importlib.import_module(f"..{module}", __package__).get(value)
        return deserialize_keras_object(value)
    if isinstance(value, list):
        return [deserialize_compile_arg(key, v) for v in value]
    return value
