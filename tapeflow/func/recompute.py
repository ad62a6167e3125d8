"""`tf.recompute_grad`: a block whose activations are recomputed in the backward pass.

The forward pass runs the block with every tape paused, so no tape keeps what the block
computes inside; the tapes record one entry for the whole block (its inputs, the variables
it read, its outputs). That entry's vjp runs the block again under a private tape and
takes its gradient: the activations exist only while that block's gradient is computed.
Peak memory drops from all activations to the blocks' inputs and outputs plus one block.

The recomputation replays the random draws of the original run (dropout masks agree), and
in a tf.function its inputs go through `OptimizationBarrier`, so the plan cannot merge it
with the forward ops (which would keep every activation alive again).
"""

from __future__ import annotations

import functools

from ..core import nest
from ..core import registry as core_registry
from ..core.context import state
from ..core.registry import Op, get_op
from ..core.tape import GradientTape, paused
from ..core.tensor import Operand, convert_to_tensor
from ..ops import random as random_ops


class _VariableFinder(GradientTape):
    """A tape that records nothing: it only notes the trainable variables the block reads."""

    def __init__(self):
        super().__init__()
        self._explain = False
        self.found = {}

    def _record(self, op, inputs, attrs, outputs):
        for x in inputs:
            if x._is_variable and x._trainable and x._value.dtype.kind == "f":
                self.found.setdefault(x._id, x)


def recompute_grad(f):
    """Wraps `f(*args, **kwargs)` so that its activations are recomputed, not kept.

    Gradients flow to the Tensor positional arguments and to every trainable variable `f`
    reads (Keras layers included); keyword arguments are passed through. `f` should be a
    pure function of its inputs and variables: it runs twice (random draws are replayed,
    other Python side effects are not).

    Returns:
        A function with `f`'s signature and results.
    """

    name = getattr(f, "__name__", type(f).__name__)

    def _forward(*arrays):  # never called: the entry only carries the vjp
        raise AssertionError("recompute_grad's tape entry is not executed")

    @functools.wraps(f)
    def inner(*args, **kwargs):
        if not state.differentiating:
            return f(*args, **kwargs)  # nothing records: nothing to save
        positions = [i for i, a in enumerate(args) if isinstance(a, Operand)]
        inputs = tuple(args[i] for i in positions)
        draws = random_ops.draw_state()
        finder = _VariableFinder()
        with paused():
            with finder:
                result = f(*args, **kwargs)
        own = {x._id for x in inputs}
        variables = [v for k, v in finder.found.items() if k not in own]
        flat_out = [convert_to_tensor(y) for y in nest.flatten(result)]
        vjp = _recomputing_vjp(f, args, kwargs, positions, variables, draws)
        op = Op.python(f"RecomputeGrad[{name}]", _forward, vjp)
        core_registry._record(op, inputs + tuple(variables), {}, tuple(flat_out))
        return nest.pack_sequence_as(result, flat_out) if nest.is_nested(result) else flat_out[0]

    return inner


def _recomputing_vjp(f, args, kwargs, positions, variables, draws):
    n_inputs = len(positions)

    def vjp(upstream, outputs, *inputs_and_variables):
        barrier = get_op("OptimizationBarrier")
        inputs = [barrier(x) for x in inputs_and_variables[:n_inputs]]
        call_args = list(args)
        for i, x in zip(positions, inputs):
            call_args[i] = x
        with GradientTape() as tape:
            tape._explain = False  # an input the block does not use is no user's None
            tape.watch(inputs)
            tape.watch(variables)
            with random_ops.replayed_draws(draws):
                result = f(*call_args, **kwargs)
        flat = [convert_to_tensor(y) for y in nest.flatten(result)]
        pairs = [(y, g) for y, g in zip(flat, upstream) if g is not None]
        grads = tape.gradient(
            [y for y, _ in pairs], inputs + list(variables), output_gradients=[g for _, g in pairs]
        )
        return list(grads)

    return vjp
