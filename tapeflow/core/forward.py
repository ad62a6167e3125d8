"""`tf.autodiff.ForwardAccumulator`: forward-mode autodiff (Jacobian-vector products).

An op's jvp is its own `jvp` rule when it has one; otherwise it is derived from the vjp,
which is linear in the upstream gradient u:  J v = d/du <vjp(u), v>. The vjp is written
in tapeflow ops, so the derivation needs no per-op code, and a GradientTape around the
accumulator records it all: that is how Hessian-vector products come out.
"""

from __future__ import annotations

from ..backend import xp
from . import nest
from .context import pop, push, state
from .dtypes import is_float_array
from .tape import GradientTape, UnconnectedGradients
from .tensor import Operand, convert_to_tensor, wrap


class ForwardAccumulator:
    """Computes `acc.jvp(y)`: the derivative of y along `tangents` at `primals`."""

    def __init__(self, primals, tangents):
        flat_p = nest.flatten(primals)
        flat_t = nest.flatten(tangents)
        if len(flat_p) != len(flat_t):
            raise ValueError(
                f"ForwardAccumulator: {len(flat_p)} primals but {len(flat_t)} tangents"
            )
        self._tangents = {}
        self._primals = flat_p  # kept alive so their ids stay unique
        for p, t in zip(flat_p, flat_t):
            if not isinstance(p, Operand):
                raise TypeError(
                    f"ForwardAccumulator: primals must be Tensors or Variables, "
                    f"got {type(p).__name__}"
                )
            t = convert_to_tensor(t, dtype=p.dtype)
            if tuple(t._value.shape) != tuple(p._value.shape):
                raise ValueError(
                    f"ForwardAccumulator: tangent shape {t.shape} does not "
                    f"match primal shape {p.shape}"
                )
            self._tangents[p._id] = t
        self._recording = False

    def __enter__(self):
        push(self, state.accumulators)
        self._recording = True
        return self

    def __exit__(self, *exc):
        self._recording = False
        pop(self, state.accumulators)

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """The tangent of each primal (a structure like `primals`)."""
        zero = UnconnectedGradients(unconnected_gradients) is UnconnectedGradients.ZERO

        def lookup(p):
            t = self._tangents.get(p._id)
            if t is None and zero:
                return wrap(xp.zeros_like(p._value))
            return t

        return nest.map_structure(lookup, primals)

    def _record(self, op, inputs, attrs, outputs):
        tangents = [self._tangents.get(x._id) for x in inputs]
        if all(t is None for t in tangents) or not op.differentiable:
            return
        self._recording = False  # the jvp's own ops are for other recorders, not this one
        try:
            out_tangents = _jvp(op, inputs, attrs, outputs, tangents)
        finally:
            self._recording = True
        for o, t in zip(outputs, out_tangents):
            if t is not None and is_float_array(o._value.dtype):
                self._tangents[o._id] = t


def _jvp(op, inputs, attrs, outputs, tangents):
    if op.jvp_fn is not None:
        ans = outputs if op.multiple_outputs else outputs[0]
        result = op.jvp_fn(tangents, ans, *inputs, **attrs)
        return result if op.multiple_outputs else (result,)
    if op.vjp_fn is None:
        raise LookupError(
            f"No gradient defined for operation '{op.name}', so forward-mode "
            f"differentiation cannot go through it."
        )
    from .registry import get_op

    us = [
        wrap(xp.zeros_like(o._value)) if is_float_array(o._value.dtype) else None for o in outputs
    ]
    watched = [u for u in us if u is not None]
    with GradientTape(watch_accessed_variables=False) as tape:
        tape._explain = False  # an output the vjp does not use is no user's None
        tape.watch(watched)
        if op.multiple_outputs:
            grads = op.vjp_fn(tuple(us), outputs, *inputs, **attrs)
        else:
            grads = op.vjp_fn(us[0], outputs[0], *inputs, **attrs)
        terms = [
            get_op("Sum")(gx * v, axis=None, keepdims=False)
            for gx, v in zip(grads, tangents)
            if gx is not None and v is not None
        ]
        if not terms:
            return [None] * len(outputs)
        total = get_op("AddN")(*terms) if len(terms) > 1 else terms[0]
    jv = tape.gradient(total, watched)
    jv = iter(jv)
    return [next(jv) if u is not None else None for u in us]
