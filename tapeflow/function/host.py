"""Host callbacks: code that works on arrays outside the op dispatcher, kept in traces.

Some library code updates state with NumPy directly, for speed: the Keras optimizers write
`variable._value` in place. The tracer cannot see such writes (they are not ops), so a
trace would silently drop them. `host_call` makes them visible: it runs `fn` on the arrays
now and, inside tf.function, records one opaque ``callback`` node that the plan runs again,
in program order, on each call's arrays.

Why an opaque callback rather than recording the NumPy calls: the update code reads
Python-side state at call time (the learning rate, `iterations`, slot creation, schedules);
re-running the same Python keeps all of it exact with no second implementation.

The contract for `fn`: it receives the arrays of `inputs` (in order) and returns None, an
array or a tuple of arrays. It must read everything else it needs when it runs (close
over objects such as the optimizer and its Variables, not over arrays or Tensors of one
call), and must not keep the input arrays for writing. `writes` lists the Variables it may
change: a plan then saves and restores them if a later guard fails; with `writes=None`
a guard after the callback makes that signature run eagerly instead.
"""

from __future__ import annotations

from ..backend import to_backend
from ..core.context import state
from ..core.tensor import Operand, convert_to_tensor, wrap
from .trace import suspended


def host_call(fn, *inputs, writes=None):
    """Runs `fn(*arrays)` now, and on every call of a tf.function being traced.

    Args:
        fn: a function of the input arrays (see the module docstring for the contract).
        *inputs: Tensors (or values convertible to Tensors) whose arrays `fn` gets.
        writes: the Variables `fn` may update, or None when unknown.

    Returns:
        What `fn` returned, with arrays wrapped as Tensors (None, a Tensor or a tuple).
    """
    tensors = [x if isinstance(x, Operand) else convert_to_tensor(x) for x in inputs]
    arrays = [t._value for t in tensors]
    tracer = state.tracer
    if tracer is None:
        return _wrap_result(fn(*arrays))
    tracer.require_arrays(arrays)  # fn must not run on a failed op's stand-in values
    if writes is not None:
        for var in writes:
            tracer._slot(var)  # known before fn runs: its array now is what to restore
    with suspended():
        result = fn(*arrays)
    wrapped = _wrap_result(result)
    outputs = () if wrapped is None else (wrapped if isinstance(wrapped, tuple) else (wrapped,))
    if not tracer.suspended:
        tracer.callback(fn, tensors, outputs, None if writes is None else list(writes))
    return wrapped


def _wrap_result(result):
    # `fn` may answer with host values (a flag, a summary's result): they go to the backend.
    if result is None:
        return None
    if isinstance(result, (tuple, list)):
        return tuple(wrap(to_backend(r)) for r in result)
    return wrap(to_backend(result))
