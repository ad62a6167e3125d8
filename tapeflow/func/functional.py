"""`functional_call(model, params, *args)`: a model run on parameter values you pass.

The model's variables stay as they are; while the call runs, every op that would read one
of them gets the given Tensor instead (`core.op_inputs.substituting`). Gradients with
respect to the parameters, and `vmap` over them (per-example gradients, ensembles), are
then plain function transforms of `params`.
"""

from __future__ import annotations

from ..core import nest
from ..core.op_inputs import substituting
from ..core.tensor import Operand, convert_to_tensor


def named_parameters(model, trainable_only: bool = True) -> dict:
    """`{variable.path: variable}` of a (built) model or layer: the `params` layout."""
    variables = model.trainable_variables if trainable_only else model.variables
    return {_key(v): v for v in variables}


def _key(v) -> str:
    return getattr(v, "path", None) or v.name


def functional_call(model, params, *args, **kwargs):
    """Calls `model(*args, **kwargs)` with its variables replaced by `params`.

    Args:
        model: a built Keras model or layer (or any callable reading tf.Variables; then
            `params` must be a dict keyed by the Variables' paths or names).
        params: a dict `{variable path: Tensor}` (as `named_parameters` gives; variables
            not named keep their own values), or a list/tuple of Tensors in the order of
            `model.trainable_variables`.

    Variable writes during the call (BatchNormalization's moving statistics in training
    mode) go to the model's own variables, as in `torch.func.functional_call`.
    """
    variables = list(getattr(model, "variables", []))
    if isinstance(params, dict):
        by_key = {_key(v): v for v in variables}
        mapping = {}
        for key, value in params.items():
            var = key if isinstance(key, Operand) and key._is_variable else by_key.get(key)
            if var is None:
                raise KeyError(
                    f"functional_call: {key!r} names no variable of {type(model).__name__}; "
                    f"its variables are {sorted(by_key)}"
                )
            mapping[var._id] = _checked(var, value)
    else:
        trainable = list(model.trainable_variables)
        values = nest.flatten(params)
        if len(values) != len(trainable):
            raise ValueError(
                f"functional_call: {len(values)} parameter values for "
                f"{len(trainable)} trainable variables of {type(model).__name__}"
            )
        mapping = {v._id: _checked(v, p) for v, p in zip(trainable, values)}
    with substituting(mapping):
        return model(*args, **kwargs)


def _checked(var, value):
    t = value if isinstance(value, Operand) else convert_to_tensor(value, dtype=var.dtype)
    if t.dtype != var.dtype or tuple(t._value.shape) != tuple(var._value.shape):
        raise ValueError(
            f"functional_call: the value for {_key(var)} has dtype {t.dtype.name} and shape "
            f"{tuple(t._value.shape)}; the variable has {var.dtype.name} "
            f"{tuple(var._value.shape)}"
        )
    return t
