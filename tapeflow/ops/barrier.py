"""`OptimizationBarrier`: an identity that tf.function's passes never merge, fold or move.

`tf.recompute_grad` passes a block's inputs through it before recomputing the block in the
backward pass, so that a traced function does not merge the recomputation with the
original forward ops (common subexpressions) and thereby keep every activation alive,
which is what recomputation is there to avoid. JAX's `lax.optimization_barrier` is the
model. Eagerly it is an identity.
"""

from __future__ import annotations

from ..core.registry import Sample, op


@op(
    "OptimizationBarrier",
    stateful=True,  # the passes keep stateful ops apart: that is the whole point
    batchable=True,
    samples=[Sample((3, 4)), Sample(())],
)
def optimization_barrier(x):
    return x.view()  # a view: never a fresh buffer the plan could write into


@optimization_barrier.vjp
def _optimization_barrier_vjp(g, ans, x):
    return (g,)
