"""An optimizer's state in a weights file, in both layouts tapeflow reads.

Keras 3's layout (HDF5, what tapeflow writes): `optimizer/vars/<i>` is `optimizer.variables[i]`
(iterations, learning rate, then the slots in the order the optimizer made them), loaded by
position as Keras does; a different count skips the optimizer with Keras' warning.
tapeflow's earlier layout (its own tensor format): `optimizer/iterations`,
`optimizer/learning_rate`, `optimizer/slots/<variable key>/<slot name>` and
`optimizer/vars/<i>` for any other variable, matched by name.
"""

from __future__ import annotations

import warnings

from ...core.variable import Variable
from .weight_paths import weight_entries

OPTIMIZER = "optimizer/"
KERAS_LAYOUT = "keras"
TAPEFLOW_LAYOUT = "tapeflow"


def _shape(variable) -> tuple:
    return tuple(variable.shape.as_list())


def _optimizer(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "_slot_variables"):
        return None
    return optimizer


# ---- Keras 3's layout -----------------------------------------------------------------------


def keras_optimizer_variables(model) -> dict:
    """key -> Variable of `model.optimizer`'s state as Keras 3 writes it (empty without one)."""
    optimizer = _optimizer(model)
    if optimizer is None:
        return {}
    return {f"{OPTIMIZER}vars/{i}": v for i, v in enumerate(optimizer.variables)}


def _prepare_keras(model, saved_count: int):
    """Builds an optimizer that has no slots yet against the model's trainable variables, so
    that a file holding its state can fill it (Keras' compile_from_config does the same)."""
    optimizer = _optimizer(model)
    if (
        optimizer is not None
        and saved_count > len(optimizer.variables)
        and not optimizer._trainable_variables
        and model.built
        and hasattr(optimizer, "build")
    ):
        optimizer.build(model.trainable_variables)
    return optimizer


def keras_needed_keys(model, entries: dict) -> set:
    keys = [k for k in entries if k.startswith(f"{OPTIMIZER}vars/")]
    optimizer = _prepare_keras(model, len(keys))
    if optimizer is None:
        return set()
    known = keras_optimizer_variables(model)
    if len(known) != len(keys):
        return set()
    return {k for k in keys if k in known and _shape(known[k]) == entries[k].shape}


def keras_optimizer_plan(model, shapes: dict, tensors: dict, problems: list) -> list:
    """Keras' `Optimizer.load_own_variables`: every variable by position, or none."""
    keys = [k for k in shapes if k.startswith(OPTIMIZER)]
    optimizer = _prepare_keras(model, len(keys))
    if not keys or optimizer is None:
        return []
    known = keras_optimizer_variables(model)
    if len(keys) != len(known) or set(keys) != set(known):
        message = (
            f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
            f"{len(known)} variables whereas the saved optimizer has {len(keys)} variables. "
        )
        if not known:
            message += "This is likely because the optimizer has not been called/built yet."
        warnings.warn(message, stacklevel=4)
        return []
    plan = []
    for key, variable in known.items():
        if _shape(variable) != tuple(shapes[key]):
            problems.append(
                f"optimizer '{optimizer.name}': {key} ({variable.name}) has shape "
                f"{_shape(variable)}, but {tuple(shapes[key])} in the file"
            )
            continue
        value = tensors[key].astype(variable.dtype.as_numpy_dtype)
        plan.append(lambda variable=variable, value=value: variable.assign(value))
    return plan


# ---- tapeflow's earlier layout --------------------------------------------------------------


def optimizer_variables(model, entries) -> dict:
    """key -> Variable of the state of `model.optimizer` in tapeflow's earlier layout:
    iterations, learning rate, each slot under its model variable's key, any other variable."""
    optimizer = _optimizer(model)
    if optimizer is None:
        return {}
    out = {f"{OPTIMIZER}iterations": optimizer._iterations}
    if isinstance(optimizer._learning_rate, Variable):
        out[f"{OPTIMIZER}learning_rate"] = optimizer._learning_rate
    for key, variable, _ in entries:
        for slot_name, slot in optimizer._slot_variables(variable).items():
            out[f"{OPTIMIZER}slots/{key}/{slot_name}"] = slot
    known = {id(v) for v in out.values()}
    for variable in getattr(optimizer, "_trainable_variables", []):
        known.update(id(s) for s in optimizer._slot_variables(variable).values())
    extras = [v for v in optimizer.variables if id(v) not in known]
    out.update({f"{OPTIMIZER}vars/{i}": v for i, v in enumerate(extras)})
    return out


def tapeflow_needed_keys(model, entries: dict, variables: dict) -> set:
    """The optimizer arrays of an earlier tapeflow file worth reading (`variables`: the
    model's key -> shape)."""
    known = {k: _shape(v) for k, v in optimizer_variables(model, weight_entries(model)).items()}
    slots = f"{OPTIMIZER}slots/"
    keep = set()
    for key, entry in entries.items():
        if key in known:
            if known[key] == entry.shape:
                keep.add(key)
        elif key.startswith(slots):
            var_key = key[len(slots) :].rpartition("/")[0]
            if variables.get(var_key) == entry.shape:
                keep.add(key)  # a slot the optimizer creates when it is restored
    return keep


def tapeflow_optimizer_plan(model, shapes, tensors, entries, problems) -> list:
    """Checks an earlier tapeflow file's optimizer state against `model.optimizer`; returns
    the assignments. Only the slots of `entries` (the variables being loaded) are restored."""
    keys = [k for k in shapes if k.startswith(OPTIMIZER)]
    optimizer = getattr(model, "optimizer", None)
    if not keys or optimizer is None or not hasattr(optimizer, "_restore_slot"):
        return []
    plan = []

    def put(variable, key, what):
        if _shape(variable) != tuple(shapes[key]):
            problems.append(
                f"optimizer '{optimizer.name}': {what} has shape {_shape(variable)}, but "
                f"{tuple(shapes[key])} in the file"
            )
        else:
            value = tensors[key]
            plan.append(lambda: variable.assign(value.astype(variable.dtype.as_numpy_dtype)))

    if f"{OPTIMIZER}iterations" in shapes:
        put(optimizer._iterations, f"{OPTIMIZER}iterations", "iterations")
    if f"{OPTIMIZER}learning_rate" in shapes and isinstance(optimizer._learning_rate, Variable):
        put(optimizer._learning_rate, f"{OPTIMIZER}learning_rate", "learning_rate")
    by_key = {key: variable for key, variable, _ in entries}
    prefix = f"{OPTIMIZER}slots/"
    for key in keys:
        if not key.startswith(prefix):
            continue
        var_key, _, slot_name = key[len(prefix) :].rpartition("/")
        variable = by_key.get(var_key)
        if variable is None:
            continue  # its layer was reported (or skipped) above, or it is not the model's
        if _shape(variable) != tuple(shapes[key]):
            problems.append(
                f"optimizer '{optimizer.name}': slot '{slot_name}' of {var_key} has shape "
                f"{tuple(shapes[key])} in the file, the variable has {_shape(variable)}"
            )
            continue
        array = tensors[key].astype(variable.dtype.as_numpy_dtype)
        plan.append(lambda v=variable, s=slot_name, a=array: optimizer._restore_slot(v, s, a))
    extras = [k for k in keys if k.startswith(f"{OPTIMIZER}vars/")]
    if extras:
        known = optimizer_variables(model, entries)
        mine = [k for k in known if k.startswith(f"{OPTIMIZER}vars/")]
        if len(mine) != len(extras):
            warnings.warn(
                f"Skipping the loading of {len(extras)} variables of optimizer "
                f"'{optimizer.name}': it has {len(mine)} such variables (not built yet?).",
                stacklevel=4,
            )
        else:
            for k in mine:
                put(known[k], k, k)
    return plan
