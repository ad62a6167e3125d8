"""`compile(loss=..., loss_weights=...)`: the total loss of a batch, from every output.

With several outputs, losses and weights are given per output (a list in output order, or a
dict by output name); targets and sample weights come as a list or a dict by output name,
and each loss gets a `<output>_loss` mean tracker.
"""

from __future__ import annotations

from ...core import nest
from ...core.tensor import Operand, convert_to_tensor
from .compile_objects import _object_name, get_loss


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
