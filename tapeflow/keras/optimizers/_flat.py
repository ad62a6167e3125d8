"""The fused update: one `update_step` over all the variables of a step, on flat buffers.

A small model's optimizer step costs per-call overhead, not arithmetic: Adam on six small
arrays is ~70 NumPy calls. When the same variables come back step after step, their slots
are moved into one flat buffer per slot name (each slot Variable keeps a view of its part),
the gradients are copied into one flat buffer, and the built-in `update_step` runs once on
a flat stand-in for the variables, whose delta is then added to each variable in place.
Every element sees the same float operations as in the per-variable path, so the numbers are
identical; benchmarks/optimizer_update.py measures the gain.
"""

from __future__ import annotations

import sys
import weakref

from ...backend import xp
from ...core.tensor import _next_id
from ._gradients import inplace

# Below this many elements per variable (on average) the fused path is faster; above it the
# extra pass over the gradients costs more than the calls it saves.
MAX_MEAN_SIZE = 16384


def elementwise(update_step):
    """Marks a built-in `update_step` as elementwise, with step scalars depending only on the
    dtype: running it once on concatenated variables is the same as once per variable."""
    update_step.elementwise = True
    return update_step


class _FlatState:
    """What `update_step` sees instead of a Variable: a flat array nothing else shares."""

    __slots__ = ("_value", "_id")

    def __init__(self, value):
        self._value = value
        self._id = _next_id()

    def _owns_array(self) -> bool:
        return True


def update_scalar(optimizer, gradient, variable, learning_rate):
    """The built-in `update_step` on a 0-d variable, run on 1-element views of it and of its
    slots: NumPy arithmetic on 0-d arrays returns scalars, which the steps' in-place
    operations (`out=`, `+=` on a temporary) cannot write into. The numbers are the same."""
    stand_in = _FlatState(inplace(variable).reshape(1))
    optimizer._slots[stand_in._id] = {
        name: _FlatState(inplace(slot).reshape(1))
        for name, slot in optimizer._slots.get(variable._id, {}).items()
    }
    try:
        optimizer.update_step(xp.asarray(gradient).reshape(1), stand_in, learning_rate)
    finally:
        optimizer._slots.pop(stand_in._id, None)


class FlatGroup:
    """Flat slot buffers for one list of variables (same dtype), and the fused step."""

    def __init__(self, optimizer, variables):
        self.key = tuple(v._id for v in variables)
        self.variables = list(variables)
        dtype = variables[0]._value.dtype
        self.shapes = [v._value.shape for v in variables]
        sizes = [v._value.size for v in variables]
        self.bounds = []
        start = 0
        for n in sizes:
            self.bounds.append((start, start + n))
            start += n
        self.grad = xp.empty(start, dtype=dtype)
        self.delta = _FlatState(xp.empty(start, dtype=dtype))
        per_var = [optimizer._slots.get(v._id, {}) for v in variables]
        names = set(per_var[0]).intersection(*per_var[1:]) if per_var else set()
        state = {}
        self.views = []  # (slot Variable, weak reference to the view it should hold)
        for name in sorted(names):
            slots = [s[name] for s in per_var]
            flat = xp.concatenate([s._value.reshape(-1) for s in slots])
            for slot, (a, b), shape in zip(slots, self.bounds, self.shapes, strict=True):
                slot._value = flat[a:b].reshape(shape)
                self.views.append((slot, weakref.ref(slot._value)))
            state[name] = _FlatState(flat)
        optimizer._slots[self.delta._id] = state

    def intact(self) -> bool:
        """Whether every slot still holds its view and nothing else does (else rebuild)."""
        for slot, ref in self.views:
            value = slot._value
            if value is not ref() or sys.getrefcount(value) > 3:  # slot + `value` + argument
                return False
        return True

    def run(self, optimizer, grads, learning_rate):
        xp.concatenate([g.reshape(-1) for g in grads], out=self.grad)
        delta = self.delta._value
        delta.fill(0)
        # The variable stand-in starts at zero, so it ends holding exactly the increment
        # (0 - x is -x, and v + (-x) is v - x in IEEE arithmetic).
        optimizer.update_step(self.grad, self.delta, learning_rate)
        for v, (a, b), shape in zip(self.variables, self.bounds, self.shapes, strict=True):
            inplace(v)[...] += delta[a:b].reshape(shape)

    def release(self, optimizer):
        optimizer._slots.pop(self.delta._id, None)
