"""`tf.custom_gradient`: a function that supplies its own gradient."""

from __future__ import annotations

import functools
import inspect

from . import nest, registry
from .registry import Op
from .tape import GradientTape, paused
from .tensor import Operand, convert_to_tensor


def custom_gradient(f=None):
    """Decorates `f(*x) -> (y, grad_fn)`; the tape uses `grad_fn(*dy)` as the vjp of f.

    When `f` reads variables, `grad_fn` must take a `variables` keyword argument and
    return `(input_grads, variable_grads)`, as in TensorFlow.
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        inputs = tuple(a if isinstance(a, Operand) else convert_to_tensor(a) for a in args)
        with paused():
            # A private tape finds the variables f reads; nothing else records f's ops.
            with GradientTape() as finder:
                result, grad_fn = f(*inputs, **kwargs)
        variables = [v for v in finder.watched_variables() if v._id not in {x._id for x in inputs}]
        if variables and "variables" not in inspect.signature(grad_fn).parameters:
            raise TypeError(
                f"custom_gradient: {f.__name__} uses variables "
                f"({', '.join(v.name for v in variables)}), so its grad_fn must accept a "
                f"keyword argument 'variables' and return (input_grads, variable_grads)."
            )
        flat_out = [convert_to_tensor(y) for y in nest.flatten(result)]
        vjp = _make_vjp(grad_fn, len(inputs), variables)
        op = Op.python(f"CustomGradient[{f.__name__}]", f, vjp)
        # Through the dispatcher's recorder: anomaly mode wraps what tapes record.
        registry._record(op, inputs + tuple(variables), {}, tuple(flat_out))
        return nest.pack_sequence_as(result, flat_out)

    return decorated


def _make_vjp(grad_fn, n_inputs, variables):
    def vjp(g, ans, *inputs):
        if variables:
            input_grads, variable_grads = grad_fn(*g, variables=variables)
        else:
            input_grads, variable_grads = grad_fn(*g), []
        input_grads = (
            list(input_grads) if isinstance(input_grads, (list, tuple)) else [input_grads]
        )
        if len(input_grads) != n_inputs:
            raise ValueError(
                f"custom_gradient: grad_fn returned {len(input_grads)} "
                f"gradients for {n_inputs} inputs"
            )
        return input_grads + list(variable_grads)

    return vjp
