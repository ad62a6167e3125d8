"""`tf.cond` and `tf.while_loop`, as TensorFlow runs them eagerly.

Inside tf.function they need no sub-graphs: tracing runs on concrete values, so the
predicate's `bool()` is a guard like any Python `if`/`while` on a tensor. A trace holds
the branch taken (or the loop unrolled as many times as it ran); a call that would take
another path fails a guard and is traced for that path.
"""

from __future__ import annotations

from ..core import nest
from ..core.tensor import Operand, convert_to_tensor
from ..ops.logic import logical_and


def cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` if `pred` is true else `false_fn()` (TF 2's `tf.cond`).

    Args:
        pred: a scalar boolean Tensor (or Python bool).
        true_fn, false_fn: callables taking no argument.
        name: unused (TF's op name).

    Returns:
        What the chosen function returned.
    """
    if not callable(true_fn):
        raise TypeError("'true_fn' must be callable.")
    if not callable(false_fn):
        raise TypeError("'false_fn' must be callable.")
    if isinstance(pred, Operand):
        if pred.shape.rank not in (0, None) and pred.shape.num_elements() != 1:
            raise ValueError(
                f"cond: the predicate must be a scalar boolean tensor, got shape {pred.shape}"
            )
    else:
        pred = convert_to_tensor(pred)
    return true_fn() if pred else false_fn()


def while_loop(
    cond,
    body,
    loop_vars,
    shape_invariants=None,
    parallel_iterations=10,
    back_prop=True,
    swap_memory=False,
    maximum_iterations=None,
    name=None,
):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (TF 2's while_loop).

    Args:
        cond: callable returning a scalar boolean Tensor (or bool) from the loop variables.
        body: callable returning new loop variables of the same structure.
        loop_vars: a list or tuple of Tensors (or nested structures of them).
        maximum_iterations: if set, at most this many iterations.
        shape_invariants, parallel_iterations, back_prop, swap_memory, name: accepted for
            compatibility; the loop runs eagerly (or is unrolled in a trace).

    Returns:
        The final loop variables, as Tensors, in the structure of `loop_vars`.
    """
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    if not loop_vars:
        raise ValueError("'loop_vars' must be provided.")
    loop_vars = nest.map_structure(
        lambda x: x.read_value() if getattr(x, "_is_variable", False) else x, loop_vars
    )
    if maximum_iterations is not None:
        limit = convert_to_tensor(maximum_iterations)
        if limit.shape.rank != 0:
            raise ValueError(
                f"'maximum_iterations' must be a scalar. Received shape: {limit.shape}"
            )
        limit = int(limit)
        user_cond, user_body = cond, body
        loop_vars = (0, loop_vars)

        def cond(i, lv):
            return logical_and(i < limit, user_cond(*lv))

        def body(i, lv):
            return (i + 1, user_body(*lv))

    structure = list(loop_vars)
    while cond(*loop_vars):
        loop_vars = body(*loop_vars)
        nest.assert_same_structure(structure, list(loop_vars))
    loop_vars = nest.map_structure(convert_to_tensor, loop_vars)
    return loop_vars[1] if maximum_iterations is not None else loop_vars
