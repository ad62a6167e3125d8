"""Row-wise lowerings of a native segment: Softmax, the softmax cross entropies and OneHot.

Each views its operand as (rows, last axis) and writes one loop over rows; the row maximum
is taken first (NaN wins, as np.max), so exp never overflows. A mixin of `emit.Segment`,
whose `emit`, `fresh`, `graph`, `local` and `_contiguous` these use.
"""

from __future__ import annotations

import numpy as np

from .rules import literal


class RowOps:
    """The row-wise `_op_*` emitters of `emit.Segment`."""

    def _rows(self, v):
        shape = self.graph.shape(v)
        src = self._contiguous(v)
        rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        local = self.fresh("r2")
        self.emit(f"{local} = {src}.reshape(({rows}, {shape[-1]}))")
        return local, rows, shape[-1]

    def _emit_row_max(self, x, cols):
        """Inside a `for i0` row loop: `top` = the row's largest value (NaN wins, as
        np.max)."""
        self.emit(f"    top = {x}[i0, 0]")
        self.emit(f"    for i1 in range(1, {cols}):")
        self.emit(f"        u = {x}[i0, i1]")
        self.emit("        if u > top or u != u:")
        self.emit("            top = u")

    def _emit_exp_total(self, x, cols, dtype):
        """Inside a `for i0` row loop, after `_emit_row_max`: `total` = sum of exp(x - top)."""
        self.emit(f"    total = {literal(0, dtype)}")
        self.emit(f"    for i1 in range({cols}):")
        self.emit(f"        total += np.exp({x}[i0, i1] - top)")

    def _bind_reshaped(self, value, array):
        """Binds graph value `value` to `array` reshaped to the value's shape."""
        local = self.fresh("w")
        self.emit(f"{local} = {array}.reshape({self.graph.shape(value)!r})")
        self.local[value] = local

    def _op_Softmax(self, n):
        x, rows, cols = self._rows(n.inputs[0])
        dtype = self.graph.arrays[n.outputs[0]].dtype
        out = self.fresh("sm")
        self.emit(f"{out} = np.empty(({rows}, {cols}), np.{dtype.name})")
        self.emit(f"for i0 in range({rows}):")
        self._emit_row_max(x, cols)
        self.emit(f"    total = {literal(0, dtype)}")
        self.emit(f"    for i1 in range({cols}):")
        self.emit(f"        e = np.exp({x}[i0, i1] - top)")
        self.emit(f"        {out}[i0, i1] = e")
        self.emit("        total += e")
        self.emit(f"    for i1 in range({cols}):")
        self.emit(f"        {out}[i0, i1] = {out}[i0, i1] / total")
        self._bind_reshaped(n.outputs[0], out)

    def _op_SparseSoftmaxCrossEntropyWithLogits(self, n):
        labels_v, logits_v = n.inputs
        x, rows, cols = self._rows(logits_v)
        labels = self._contiguous(labels_v)
        flat = self.fresh("lb")
        self.emit(f"{flat} = {labels}.reshape(-1)")
        dtype = self.graph.arrays[n.outputs[0]].dtype
        out = self.fresh("xe")
        self.emit(f"for i0 in range({rows}):")
        self.emit(f"    if {flat}[i0] < 0 or {flat}[i0] >= {cols}:")
        self.emit(
            "        raise ValueError('SparseSoftmaxCrossEntropyWithLogits: Received a label "
            f"value which is outside the valid range of [0, {cols})')"
        )
        self.emit(f"{out} = np.empty({rows}, np.{dtype.name})")
        self.emit(f"for i0 in range({rows}):")
        self._emit_row_max(x, cols)
        self._emit_exp_total(x, cols, dtype)
        self.emit(f"    {out}[i0] = np.log(total) - ({x}[i0, {flat}[i0]] - top)")
        self._bind_reshaped(n.outputs[0], out)

    def _op_SoftmaxCrossEntropyWithLogits(self, n):
        labels_v, logits_v = n.inputs
        x, rows, cols = self._rows(logits_v)
        z, _, _ = self._rows(labels_v)
        dtype = self.graph.arrays[n.outputs[0]].dtype
        out = self.fresh("xe")
        self.emit(f"{out} = np.empty({rows}, np.{dtype.name})")
        self.emit(f"for i0 in range({rows}):")
        self._emit_row_max(x, cols)
        self._emit_exp_total(x, cols, dtype)
        self.emit("    lse = np.log(total)")
        self.emit(f"    acc = {literal(0, dtype)}")
        self.emit(f"    for i1 in range({cols}):")
        self.emit(f"        acc += {z}[i0, i1] * (lse - ({x}[i0, i1] - top))")
        self.emit(f"    {out}[i0] = acc")
        self._bind_reshaped(n.outputs[0], out)

    def _op_OneHot(self, n):
        indices = self._contiguous(n.inputs[0])
        shape = self.graph.shape(n.outputs[0])
        dtype = self.graph.arrays[n.outputs[0]].dtype
        depth = shape[-1]
        rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        flat = self.fresh("ix")
        self.emit(f"{flat} = {indices}.reshape(-1)")
        out = self.fresh("oh")
        on, off = literal(n.attrs["on_value"], dtype), literal(n.attrs["off_value"], dtype)
        self.emit(f"{out} = np.empty(({rows}, {depth}), np.{dtype.name})")
        self.emit(f"for i0 in range({rows}):")
        self.emit(f"    for i1 in range({depth}):")
        self.emit(f"        {out}[i0, i1] = {on} if {flat}[i0] == i1 else {off}")
        self._bind_reshaped(n.outputs[0], out)
