"""Horovod's `DistributedGradientTape` and `DistributedOptimizer`.

The tape starts the all-reduce of each bucket of gradients while its backward pass is still
running (the tape's ready hook, `core/tape.py`): the buckets of the last layers travel while
the first layers' gradients are computed. Bucket size: `HOROVOD_FUSION_THRESHOLD` bytes when
set, else 4 MiB.
"""

from __future__ import annotations

import os

from ..core import nest
from ..core.tape import GradientTape
from ..core.variable import Variable
from ..distribute.reducer import GradientReducer, OverlappedReduction
from ..ops.math import cast
from . import basics
from .basics import Average, Compression, _check_process_set, _comm, global_process_set

_DEFAULT_FUSION_BYTES = 4 * 1024 * 1024


def _fusion_bytes() -> int:
    text = os.environ.get("HOROVOD_FUSION_THRESHOLD")
    return int(text) if text and text.strip() else _DEFAULT_FUSION_BYTES


def _reducer(op, compression, gradient_predivide_factor, what) -> GradientReducer:
    reduction = basics.reduction_name(op)
    if reduction not in ("mean", "sum"):
        raise NotImplementedError("tapeflow.horovod: gradients are reduced with Average or Sum")
    if gradient_predivide_factor != 1.0 and reduction != "mean":
        raise ValueError("gradient_predivide_factor not supported with op != Average")
    comm = _comm()
    return GradientReducer(
        comm,
        reduction,
        bytes_per_pack=_fusion_bytes(),
        wire_dtype=getattr(compression, "wire_dtype", None),
        prescale=1.0 / gradient_predivide_factor,
        postscale=gradient_predivide_factor,
        what=what,
    )


class DistributedGradientTape:
    """Wraps a `tf.GradientTape`: `gradient()` returns gradients averaged (by default) over
    every rank, all-reduced in buckets while the backward pass runs."""

    def __init__(self, gradtape, device_dense="", device_sparse="",
                 compression=Compression.none, sparse_as_dense=False, op=Average,
                 gradient_predivide_factor=1.0, num_groups=0, groups=None,
                 process_set=global_process_set, scale_local_gradients=True):  # fmt: skip
        if not isinstance(gradtape, GradientTape):
            raise TypeError(
                f"DistributedGradientTape wraps a tf.GradientTape, got {type(gradtape).__name__}"
            )
        _check_process_set(process_set)
        self._tape = gradtape
        self._sparse_as_dense = sparse_as_dense
        self._reducer = _reducer(
            op, compression, gradient_predivide_factor, "DistributedGradientTape"
        )

    def gradient(self, target, sources, output_gradients=None, use_generic_names=False,
                 unconnected_gradients=None):  # fmt: skip
        """The tape's gradients of `target`, reduced over the ranks."""
        flat = nest.flatten(sources)
        overlapped = OverlappedReduction(self._reducer, len(flat))

        def ready(k, g):
            if self._sparse_as_dense and g is not None and not hasattr(g, "_value"):
                from ..core.tensor import convert_to_tensor

                g = convert_to_tensor(g)
            overlapped.ready(k, g)

        extra = {} if unconnected_gradients is None else {"unconnected_gradients": "none"}
        self._tape._on_source_ready = ready
        try:
            local = self._tape.gradient(target, flat, output_gradients, **extra)
        finally:
            self._tape._on_source_ready = None
        reduced = overlapped.finish()
        if unconnected_gradients is not None and str(unconnected_gradients).endswith("zero"):
            from ..backend import xp
            from ..core.tensor import wrap

            reduced = [
                wrap(xp.zeros_like(s._value)) if g is None else g for s, g in zip(flat, reduced)
            ]
        del local
        return nest.pack_sequence_as(sources, reduced)

    def __getattr__(self, name):
        return getattr(self._tape, name)


def DistributedOptimizer(optimizer, name=None, use_locking=False, device_dense="",
                         device_sparse="", compression=Compression.none, sparse_as_dense=False,
                         backward_passes_per_step=1, op=Average, gradient_predivide_factor=1.0,
                         average_aggregated_gradients=False, num_groups=0, groups=None,
                         process_set=global_process_set, scale_local_gradients=True):  # fmt: skip
    """A copy of the Keras `optimizer` (same class and config) whose `apply_gradients`
    first reduces the gradients over every rank; with `backward_passes_per_step=N` it sums
    N steps' gradients locally and reduces and applies on every N-th call."""
    _check_process_set(process_set)
    if backward_passes_per_step < 1:
        raise ValueError(f"backward_passes_per_step must be >= 1, got {backward_passes_per_step}")
    cls = type(optimizer)
    reducer = _reducer(op, compression, gradient_predivide_factor, "DistributedOptimizer")
    distributed_cls = type(
        cls.__name__,
        (cls,),
        {
            "apply": _distributed_apply,
            "_hvd_reducer": reducer,
            "_hvd_passes": int(backward_passes_per_step),
            "_hvd_average_aggregated": bool(average_aggregated_gradients),
            "_hvd_sparse_as_dense": bool(sparse_as_dense),
        },
    )
    config = optimizer.get_config()
    if name is not None:
        config["name"] = name
    return distributed_cls.from_config(config)


def _distributed_apply(self, grads, trainable_variables=None):
    grads = list(grads)
    if trainable_variables is None:
        trainable_variables = self._trainable_variables[:]
    variables = list(trainable_variables)
    if self._hvd_sparse_as_dense:
        from ..core.tensor import convert_to_tensor

        grads = [None if g is None else convert_to_tensor(g) for g in grads]
    if self._hvd_passes > 1:
        grads = _aggregate_locally(self, grads, variables)
        if grads is None:
            return None
    grads = self._hvd_reducer.reduce_tensors(grads)
    return super(type(self), self).apply(grads, variables)


def _aggregate_locally(optimizer, grads, variables):
    """Adds this step's gradients to local accumulators; on every N-th call returns the
    sums (averaged with `average_aggregated_gradients`), else None. The counter is a
    Variable read as a Python int, so a traced step takes one branch per trace."""
    from ..core.tensor import convert_to_tensor

    state = optimizer.__dict__.setdefault("_hvd_local", {})
    if "counter" not in state:
        state["counter"] = Variable(0, trainable=False, name="hvd_backward_passes")
        state["sums"] = [
            None
            if g is None
            else Variable(v._value * 0, trainable=False, name="hvd_aggregated_gradient")
            for g, v in zip(grads, variables)
        ]
    sums = state["sums"]
    for acc, g in zip(sums, grads):
        if acc is not None and g is not None:
            acc.assign_add(cast(convert_to_tensor(g), acc.dtype))
    counter = state["counter"]
    counter.assign_add(1)
    if int(counter.numpy()) < optimizer._hvd_passes:
        return None
    counter.assign(0)
    scale = 1.0 / optimizer._hvd_passes if optimizer._hvd_average_aggregated else 1.0
    out = []
    for acc in sums:
        if acc is None:
            out.append(None)
            continue
        out.append(acc.read_value() * scale if scale != 1.0 else acc.read_value())
        acc.assign(acc._value * 0)
    return out
