"""What a compiled step (`tf.function(jit_compile=True)`) needs to run an optimizer update
as direct kernel calls instead of the host callback that replays `apply` in Python.

Inside a trace, `Optimizer.apply` records one host callback; it hangs a `NativeUpdate` on
it. The compiler (tapeflow/function/native/) asks it, once, which kernel of
`backend/native/optim.py` each variable's update runs, with which slot arrays, and on every
call for the step's scalars. Those come from the optimizer's own `update_step`, run once on
one-element stand-ins with `backend.updates` capturing its call (`updates.capturing`), so
no formula is written twice: the kernel then does exactly what the eager update does.

Only plain updates are lowered: a built-in `@elementwise` update step, dense gradients of
the variables' dtype, and none of clipping, weight decay, EMA, accumulation, loss scaling,
constraints or an override of the base class's update path. The optimizer's settings are
checked again on every call; a change makes the compiled step retrace.
"""

from __future__ import annotations

import numpy as np

from ...backend import threads, updates
from . import _flat


def _update_path(cls) -> tuple:
    """The methods of `cls` an update runs through: compared on every call (a tuple of
    class attributes), so a class whose path changes after the trace is noticed."""
    return (
        cls.update_step,
        cls._backend_update_step,
        cls._backend_apply_gradients,
        cls._apply_now,
        cls._update,
    )


def _plain(optimizer) -> bool:
    from .base_optimizer import Optimizer

    cls = type(optimizer)
    return (
        getattr(cls.update_step, "elementwise", False)
        and _update_path(cls)[1:] == (_update_path(Optimizer)[1:])
    )


class NativeUpdate:
    """The update of `variables` by `optimizer`, described for a compiler."""

    def __init__(self, optimizer, variables):
        self.optimizer = optimizer
        self.variables = list(variables)
        self._stand_in = None
        self._layout = None  # (kernel, array names, flags) seen at trace time

    def _settings(self):
        o = self.optimizer
        return (
            o.clipnorm,
            o.clipvalue,
            o.global_clipnorm,
            o.weight_decay,
            o.use_ema,
            o.gradient_accumulation_steps,
            o.loss_scale_factor,
            any([v.constraint is not None for v in self.variables]),
        )

    def describe(self, grad_arrays):
        """Per variable: (kernel name, the arrays of its call as "var", "grad" or a slot
        Variable, flags); None when this update cannot be lowered."""
        o = self.optimizer
        if not _plain(o) or len(grad_arrays) != len(self.variables):
            return None
        settings = self._settings()
        if any(s not in (None, 0, False) for s in settings):
            return None
        dtype = self.variables[0]._value.dtype
        for v, g in zip(self.variables, grad_arrays):
            if v._value.dtype != dtype or g.dtype != dtype or g.shape != v._value.shape:
                return None
            if v._value.ndim == 0 or dtype not in (np.float32, np.float64):
                return None
        self._dtype = dtype
        self._traced_settings = settings
        self._traced_path = _update_path(type(o))
        self._stand_in = _flat._FlatState(np.zeros(1, dtype))
        names = sorted(set(o._slots.get(self.variables[0]._id, {})))
        o._slots[self._stand_in._id] = {n: _flat._FlatState(np.zeros(1, dtype)) for n in names}
        call = self._capture()
        if call is None:
            return None
        kernel, arrays, scalars, flags = call
        self._layout = (kernel, arrays, flags)
        # Scalars that do not move with the iteration (SGD, RMSprop...) are reused while the
        # learning rate stays; Adam's bias corrections change every step.
        saved = o._current_iteration
        o._current_iteration = saved + 1
        try:
            again = self._capture()
        finally:
            o._current_iteration = saved
        self._by_iteration = again is None or again[2] != scalars
        # Adam's update_step passes its kernel exactly `_step_scalars(dtype, lr)`: where both
        # captures show that, later steps call it directly instead of replaying update_step
        # under capture (15-20 us a step, a tenth of W3's compiled step).
        self._direct = again is not None and self._direct_scalars(o, saved) == (scalars, again[2])
        self._key = self._params = None
        # The hyperparameters update_step may read (beta_1, rho, epsilon...): numbers held
        # on the optimizer; a change recomputes the scalars.
        self._numbers = [
            k
            for k, v in vars(o).items()
            if type(v) in (float, int, bool) and k != "_current_iteration"
        ]
        out = []
        for v in self.variables:
            slots = o._slots.get(v._id, {})
            refs = []
            for a in arrays:
                if a in ("var", "grad"):
                    refs.append(a)
                elif a in slots:
                    refs.append(slots[a])
                else:
                    return None
            out.append((kernel, refs, flags))
        return out

    def _capture(self):
        """(kernel, array names, scalars, flags) of one update step, or None."""
        o = self.optimizer
        stand_in = self._stand_in
        slots = o._slots[stand_in._id]
        by_array = {id(stand_in._value): "var"}
        by_array.update({id(s._value): name for name, s in slots.items()})
        with updates.capturing() as calls:
            o.update_step(np.zeros(1, self._dtype), stand_in, o._learning_rate_value())
        if len(calls) != 1:
            return None
        name, args = calls[0]
        kernel, arrays, scalars, flags = updates.native_call(name, args)
        names = []
        for a in arrays:
            if a == "grad":
                names.append("grad")
                continue
            slot = by_array.get(id(args[a]))
            if slot is None:
                return None
            names.append(slot)
        return kernel, tuple(names), scalars, flags

    def scalars(self):
        """The step's scalars as the kernel's `p` array; None when the optimizer's settings
        changed since the trace (the compiled step must not run). Sets the iteration as
        `apply` does; `finish` counts the step."""
        o = self.optimizer
        if self._settings() != self._traced_settings or _update_path(type(o)) != self._traced_path:
            return None
        threads.follow_load()
        o._current_iteration = self._iteration = iteration = int(o._iterations._value)
        lr = o._learning_rate_value()
        numbers = o.__dict__
        step = iteration if self._by_iteration else 0
        key = (lr, step, *[numbers.get(k) for k in self._numbers])
        if key == self._key:
            return self._params
        if self._direct:
            self._key = key
            self._params = np.array(o._step_scalars(self._dtype.type, lr), dtype=self._dtype)
            return self._params
        call = self._capture()
        if call is None or (call[0], call[1], call[3]) != self._layout:
            return None
        self._key, self._params = key, np.array(call[2], dtype=self._dtype)
        return self._params

    def _direct_scalars(self, o, iteration):
        """(`_step_scalars` at `iteration`, at `iteration + 1`), or None without one."""
        step_scalars = getattr(o, "_step_scalars", None)
        if step_scalars is None:
            return None
        lr = o._learning_rate_value()
        out = []
        for it in (iteration, iteration + 1):
            o._current_iteration = it
            try:
                out.append(tuple(step_scalars(self._dtype.type, lr)))
            finally:
                o._current_iteration = iteration
        return tuple(out)

    def finish(self):
        """Counts the step, as `apply` does (a new array: whatever held the old one keeps
        its value, as copy-on-write asks)."""
        counter = self.optimizer._iterations
        counter._value = np.array(self._iteration + 1, dtype=counter._value.dtype)
