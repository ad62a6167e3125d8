"""`compile(metrics=..., weighted_metrics=...)`: one metric whose result is a dict.

With several outputs, metrics are given per output (a list in output order, or a dict by
output name) and named `<output>_<metric>`.
"""

from __future__ import annotations

from ...core import nest
from .compile_objects import get_metric


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
