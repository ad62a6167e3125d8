"""Optimizer state: the model variables seen so far, their slots, and the checkpoint protocol.

A mixin of `Optimizer`. Slots are made per model variable, the first time it gets a gradient
(`build` is called again with each batch of new variables), and live in `_slots`:
`variable._id -> {slot name: Variable}`, with Keras 3's slot names ("momentum", ...).
"""

from __future__ import annotations

from ...backend import xp
from ...core import dtypes
from ...core.module import name_scope
from ...core.shape import TensorShape
from ...core.variable import Variable
from ._gradients import as_array


class SlotStore:
    """Model variables, slot variables and their checkpointing (`Optimizer`'s state half)."""

    # ---- variables ----------------------------------------------------------------------------

    def build(self, var_list):
        """Registers variables seen for the first time; subclasses then add their slots.

        Called again, with all the variables seen so far, whenever new ones appear (slots
        that exist are returned unchanged by `add_variable_from_reference`, so per-variable
        lists come out whole). A subclass must not return early when `self.built` is True.
        """
        new = [v for v in var_list if v._id not in self._trainable_variables_indices]
        for v in new:
            if self.use_ema:
                self.add_variable_from_reference(v, "average")
            self._trainable_variables_indices[v._id] = len(self._trainable_variables)
            self._trainable_variables.append(v)
            if self.gradient_accumulation_steps:
                self.add_variable_from_reference(v, "gradient_accumulator")
        self.built = True

    def _build_new(self, variables):
        new = [v for v in variables if v._id not in self._trainable_variables_indices]
        if not new:
            return
        self.build(self._trainable_variables + new)
        missing = [v.name for v in new if v._id not in self._trainable_variables_indices]
        if missing:
            raise ValueError(
                f"{type(self).__name__}.build did not register the variables {missing}: "
                "tapeflow calls `build` again when new variables appear, so `build` must "
                "call `super().build(var_list)` even when `self.built` is True."
            )

    def _get_variable_index(self, variable) -> int:
        return self._trainable_variables_indices[variable._id]

    def add_variable(
        self, shape, initializer="zeros", dtype=None, aggregation="none", layout=None, name=None
    ) -> Variable:
        """A new non-trainable optimizer variable ("zeros", "ones", a number or a callable)."""
        dtype = dtypes.as_dtype(dtype or "float32")
        shape = tuple(TensorShape(shape).as_list())
        if isinstance(initializer, str):
            fills = {"zeros": 0, "ones": 1}
            if initializer not in fills:
                raise ValueError(
                    f"{type(self).__name__}.add_variable: unknown initializer "
                    f"{initializer!r}; use 'zeros', 'ones', a number or a "
                    "callable(shape, dtype)"
                )
            value = xp.full(shape, fills[initializer], dtype=dtype._np)
        elif isinstance(initializer, (int, float)):
            value = xp.full(shape, initializer, dtype=dtype._np)
        else:
            value = as_array(initializer(shape, dtype=dtype)).astype(dtype._np)
        with name_scope(self.name):
            variable = Variable(value, name=name, dtype=dtype, trainable=False)
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(
        self, reference_variable, name=None, initializer="zeros"
    ) -> Variable:
        """The slot `name` of a model variable: same shape and dtype, made once."""
        name = name or "var"
        slots = self._slots.setdefault(reference_variable._id, {})
        if name in slots:
            return slots[name]
        if _is_keras_variable(reference_variable):  # Keras 3.15 names the slot by path
            base = reference_variable.path.replace("/", "_")
        else:
            base = str(reference_variable.name).replace("/", "_").replace(":", "_")
        slot = self.add_variable(
            reference_variable.shape,
            initializer=initializer,
            dtype=reference_variable.dtype,
            name=f"{base}_{name}",
        )
        slots[name] = slot
        pending = self._deferred_slot_values.get(reference_variable._id)
        if pending and name in pending:
            slot.assign(pending.pop(name))
        return slot

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Keras 3's helper: one slot (or one per name in a list) for each variable."""
        names = [name] if isinstance(name, str) else list(name)
        out = tuple(
            [self.add_variable_from_reference(v, n, initializer) for v in trainable_variables]
            for n in names
        )
        return out[0] if isinstance(name, str) else out

    # ---- the checkpoint protocol (used by tf.train.Checkpoint) --------------------------------

    def _trackable_children(self) -> dict:
        """The optimizer's own state by name (slots are reached through `_slot_variables`)."""
        children = {"iterations": self._iterations}
        if isinstance(self._learning_rate, Variable):
            children["learning_rate"] = self._learning_rate
        return children

    def _slot_variables(self, variable) -> dict:
        """slot name -> slot Variable of a model variable (empty before its first update)."""
        return dict(self._slots.get(variable._id, {}))

    def _restore_slot(self, variable, slot_name: str, value_array):
        """Sets a slot's value now, or when the slot is created (deferred restore)."""
        slot = self._slots.get(variable._id, {}).get(slot_name)
        if slot is not None:
            slot.assign(value_array)
        else:
            self._deferred_slot_values.setdefault(variable._id, {})[slot_name] = value_array


def _is_keras_variable(variable) -> bool:
    from ..layers.layer import KerasVariable

    return isinstance(variable, KerasVariable)
