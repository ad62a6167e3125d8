"""Gradient all-reduce in buckets: the gradients are packed into flat buffers of about
`bytes_per_pack` bytes and each buffer is all-reduced as one message, started (non-blocking)
as soon as it is full, so that with a tape's ready hook the first buckets travel while the
backward pass still computes the rest (PyTorch DDP's and Horovod's design).

Buckets are cut in the order the gradients arrive. That order comes from the program (the
tape's entries, or the variable list), so it is the same on every rank: each rank cuts the
same buckets and starts their collectives in the same order, as MPI requires.

`IndexedSlices` gradients are not packed: their values and indices are all-gathered (summing
duplicated rows is then the optimizer's sparse update), as Horovod and TF do.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp
from ..core.context import state
from ..core.indexed_slices import IndexedSlices
from ..core.tensor import Tensor, wrap
from ..function.host import host_call
from ..ops import collective


class GradientReducer:
    """All-reduces lists of arrays in buckets over a communicator.

    Args:
        comm: the communicator (`comm.get()`).
        op: "sum" or "mean" (Horovod's Average: the sum divided by the number of ranks).
        bytes_per_pack: bucket size in bytes; 0 puts every gradient in one bucket.
        wire_dtype: floating arrays travel in this dtype (float16 for Horovod's
            `Compression.fp16`) and come back in their own.
        prescale, postscale: factors applied before and after the sum (Horovod's
            `gradient_predivide_factor`).
        timeout: the watchdog timeout of each collective (None: the communicator's).
    """

    def __init__(
        self,
        comm,
        op="sum",
        bytes_per_pack=0,
        wire_dtype=None,
        prescale=1.0,
        postscale=1.0,
        timeout=None,
        what="gradients",
    ):
        if op not in ("sum", "mean"):
            raise ValueError(f"gradient all-reduce: op must be 'sum' or 'mean', got {op!r}")
        self.comm = comm
        self.op = op
        self.bytes_per_pack = int(bytes_per_pack)
        self.wire_dtype = None if wire_dtype is None else np.dtype(wire_dtype)
        self.prescale = float(prescale)
        self.postscale = float(postscale) / (comm.size if op == "mean" else 1)
        self.timeout = timeout
        self.what = what

    def start(self) -> ReductionRun:
        return ReductionRun(self)

    def reduce_arrays(self, arrays) -> list:
        """The reduced arrays, in order (None entries stay None)."""
        run = self.start()
        for k, a in enumerate(arrays):
            if a is not None:
                run.add(k, a)
        return run.finish(len(arrays))

    # ---- Tensors (eager, or inside a traced tf.function) -----------------------------------

    def reduce_tensors(self, grads) -> list:
        """The reduced gradients (Tensors, IndexedSlices or None), in order."""
        dense = [k for k, g in enumerate(grads) if g is not None and type(g) is not IndexedSlices]
        out = list(grads)
        if dense:
            tensors = [_as_tensor(grads[k]) for k in dense]
            if state.tracer is None:
                reduced = [wrap(a) for a in self.reduce_arrays([t._value for t in tensors])]
            else:  # a traced step runs the bucketed collectives again on every call
                reduced = host_call(lambda *arrays: tuple(self.reduce_arrays(arrays)), *tensors)
            for k, r in zip(dense, reduced):
                out[k] = r
        for k, g in enumerate(grads):
            if type(g) is IndexedSlices:
                out[k] = self.reduce_sparse(g)
        return out

    def reduce_sparse(self, g: IndexedSlices) -> IndexedSlices:
        """An IndexedSlices holding every rank's rows (values scaled as a dense reduce)."""
        values = collective.all_gather(g.values, what=f"{self.what} (sparse values)")
        indices = collective.all_gather(g.indices, what=f"{self.what} (sparse indices)")
        scale = self.prescale * self.postscale
        if scale != 1.0:
            values = values * np.asarray(scale, values.dtype.as_numpy_dtype)
        return IndexedSlices(values, indices, g.dense_shape)


def _as_tensor(g):
    return g if isinstance(g, Tensor) else wrap(xp.asarray(g._value))


class ReductionRun:
    """One reduction: `add` gradients as they become final, then `finish`."""

    def __init__(self, reducer: GradientReducer):
        self.reducer = reducer
        self.bucket = []  # (k, array) not yet sent
        self.bucket_bytes = 0
        self.launched = []  # (pending collective, [(k, shape, dtype, size)])

    def add(self, k: int, array) -> None:
        r = self.reducer
        original = array.dtype
        if r.wire_dtype is not None and original.kind == "f" and original != r.wire_dtype:
            array = array.astype(r.wire_dtype)
        if self.bucket and self.bucket[0][1].dtype != array.dtype:
            self.launch()
        self.bucket.append((k, array, original))
        self.bucket_bytes += array.nbytes
        if r.bytes_per_pack and self.bucket_bytes >= r.bytes_per_pack:
            self.launch()

    def launch(self) -> None:
        if not self.bucket:
            return
        r = self.reducer
        members = [(k, a.shape, original, a.size) for k, a, original in self.bucket]
        flat = xp.concatenate([xp.ravel(a) for _, a, _ in self.bucket])
        if r.prescale != 1.0:
            flat *= flat.dtype.type(r.prescale)
        what = (
            f"{r.what} bucket {len(self.launched)} ({len(members)} tensors, {flat.nbytes} bytes)"
        )
        pending = r.comm.start_allreduce(flat, "sum", what, r.timeout)
        self.launched.append((pending, members))
        self.bucket, self.bucket_bytes = [], 0

    def finish(self, n: int) -> list:
        """Waits for every bucket; the reduced arrays by position (None where none added)."""
        self.launch()
        out = [None] * n
        scale = self.reducer.postscale
        for pending, members in self.launched:
            flat = pending.wait()
            if scale != 1.0:
                flat = flat * flat.dtype.type(scale)
            offset = 0
            for k, shape, original, size in members:
                piece = flat[offset : offset + size].reshape(shape)
                out[k] = piece.astype(original) if piece.dtype != original else piece
                offset += size
        self.launched = []
        return out


class OverlappedReduction:
    """Drives a `ReductionRun` from a tape's ready hook: `ready(k, g)` adds each final
    gradient (starting a bucket's all-reduce when it fills), `finish()` returns them all.

    Eagerly it works on the arrays; inside a traced tf.function each step is a host callback,
    so the plan starts and finishes the same buckets on every call.
    """

    def __init__(self, reducer: GradientReducer, n: int):
        self.reducer = reducer
        self.n = n
        self.traced = state.tracer is not None
        self.order = []  # dense positions in the order they were added
        self.sparse = {}
        self.run = None
        if self.traced:
            host_call(self._begin)
        else:
            self._begin()

    def _begin(self):
        self.run = self.reducer.start()

    def ready(self, k: int, g) -> None:
        if g is None:
            return
        if type(g) is IndexedSlices:
            self.sparse[k] = g
            return
        self.order.append(k)
        if self.traced:
            # A copy: the plan may reuse the input's buffer before the bucket is sent.
            host_call(lambda a, k=k: self.run.add(k, a.copy()), _as_tensor(g))
        else:
            self.run.add(k, _as_tensor(g)._value)

    def finish(self) -> list:
        out = [None] * self.n
        if self.order:
            order = list(self.order)
            if self.traced:

                def finish_run():
                    arrays = self.run.finish(self.n)
                    return tuple(arrays[k] for k in order)

                reduced = host_call(finish_run)
                reduced = reduced if isinstance(reduced, tuple) else (reduced,)
            else:
                arrays = self.run.finish(self.n)
                reduced = [wrap(arrays[k]) for k in order]
            for k, r in zip(order, reduced):
                out[k] = r
        for k, g in self.sparse.items():
            out[k] = self.reducer.reduce_sparse(g)
        return out
