"""`tf.grad_pass_through` (a function whose gradient is the identity) and `tf.no_gradient`
(declare an op type as having no gradient)."""

from __future__ import annotations

import functools

from ..core.custom_gradient import custom_gradient
from ..core.registry import _REGISTRY

# Op types declared with tf.no_gradient that tapeflow has no op for (TF records any name).
_DECLARED = set()


def grad_pass_through(f):
    """`f` with the gradient of the identity: the forward value is `f(x)`, the backward
    pass hands the upstream gradient to `x` unchanged (straight-through estimators)."""

    @custom_gradient
    def _pass_through(*args, **kwargs):
        def grad(*dy, variables=None):
            if variables is not None:
                return dy, [None] * len(variables)
            return dy

        return f(*args, **kwargs), grad

    return functools.wraps(f)(_pass_through)


def no_gradient(op_type: str) -> None:
    """Declares that ops of type `op_type` ("Exp") have no gradient: the tape gives None
    through them. As in TF, declaring it for an op that has a gradient is a KeyError."""
    if not isinstance(op_type, str):
        raise TypeError("op_type must be a string")
    registered = _REGISTRY.get(op_type)
    if op_type in _DECLARED or (
        registered is not None
        and registered.vjp_fn is not None
        and getattr(registered, "gradient_error", None) is None
    ):
        raise KeyError(
            f"Registering two gradient with name '{op_type}'! (tapeflow: {op_type} has a "
            f"gradient already)"
        )
    _DECLARED.add(op_type)
    if registered is None:
        return None

    def _none_vjp(g, ans, *inputs, **attrs):
        return (None,) * len(inputs)

    registered.vjp_fn = _none_vjp
    registered.vjp_needs = False
    return None


API = {"tf": ["grad_pass_through", "no_gradient"]}
