"""`tf.py_function` and `tf.numpy_function`: Python code run as an op, on every call.

Eagerly, `py_function` calls `func` on the input Tensors under the active tapes, so the
gradient is that of the ops `func` runs, as in TF; `numpy_function` calls it on NumPy
arrays, so nothing connects its outputs to its inputs (no gradient, as in TF).

Inside tf.function the call is a stateful host call (`host.host_call`): the trace keeps one
callback node, run again on every call of the function, never folded away. For
`py_function` a tape recording inside the function gets one entry whose vjp is a second host
call: it runs `func` again under a GradientTape on that call's inputs and returns the input
gradients, so gradients are right on every call (`func` runs twice when a gradient is
taken). The callback also records itself on a tape around the function call (see
`record_gradient`).

Errors raised by `func` surface as TF maps them: ValueError and TypeError as
InvalidArgumentError, StopIteration as OutOfRangeError, anything else as UnknownError
(`numpy_function` called eagerly lets them through unchanged, as TF does).
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy, xp
from ..core import dtypes, errors, nest
from ..core.context import state
from ..core.registry import Op
from ..core.spec import TensorSpec
from ..core.tape import GradientTape, record
from ..core.tensor import Operand, convert_to_tensor, wrap
from .host import host_call

_MISSING_TOUT = (
    "Missing required argument: 'Tout'\n  If using tf.py_function as a decorator, set `Tout`\n"
    "  **by name** above the function:\n  `@tf.py_function(Tout=tout)`"
)


def _out_dtypes(Tout):  # noqa: N803 - TF's argument name
    """(list of dtypes, whether the result is a list)."""
    if isinstance(Tout, (list, tuple)):
        return [_as_dtype(t) for t in Tout], True
    return [_as_dtype(Tout)], False


def _as_dtype(t):
    return t.dtype if isinstance(t, TensorSpec) else dtypes.as_dtype(t)


def _tf_error(e: Exception, name: str) -> Exception:
    """The TF error a Python exception raised inside the function becomes."""
    if isinstance(e, errors.OpError) and not isinstance(e, errors.InvalidArgumentError):
        return e
    text = f"{name}: {type(e).__name__}: {e}"
    if isinstance(e, (ValueError, TypeError)) and not isinstance(e, errors.OpError):
        return errors.InvalidArgumentError(text)
    if isinstance(e, StopIteration):
        return errors.OutOfRangeError(text)
    return errors.UnknownError(text)


def _convert_outputs(result, out_dtypes, as_list, name, check_dtype=True):
    """`func`'s result as Tensors of `out_dtypes` (a list when Tout was a list)."""
    if not out_dtypes:
        return []
    values = list(result) if as_list and isinstance(result, (list, tuple)) else [result]
    if len(values) != len(out_dtypes):
        raise errors.InvalidArgumentError(
            f"{name}: the function returned {len(values)} values, Tout lists {len(out_dtypes)}"
        )
    out = []
    for v, dt in zip(values, out_dtypes):
        try:
            out.append(convert_to_tensor(v, dtype=dt if check_dtype else None))
        except (TypeError, ValueError) as e:
            raise _tf_error(e, name) from e
    return out if as_list else out[0]


def _call_func(func, args, name):
    try:
        return func(*args)
    except Exception as e:
        raise _tf_error(e, name) from e


def py_function(func=None, inp=None, Tout=None, name=None):  # noqa: N803 - TF's names
    """Runs `func(*inp)` (eager Tensors in, Tensors of `Tout` out) as an op.

    `Tout` is a dtype (one Tensor back) or a list of dtypes (a list back). Without `func`
    it is a decorator: `@tf.py_function(Tout=tf.float32)`. Gradients flow through the ops
    `func` runs; inside tf.function it runs on every call (see the module docstring).
    """
    if func is None:
        if Tout is None:
            raise TypeError(_MISSING_TOUT)
        return lambda f: _decorated(f, py_function, Tout)
    if Tout is None:
        raise TypeError(_MISSING_TOUT)
    out_dtypes, as_list = _out_dtypes(Tout)
    inputs = [convert_to_tensor(x) for x in (inp or [])]
    if state.tracer is None:
        result = _call_func(func, inputs, "EagerPyFunc")
        return _convert_outputs(result, out_dtypes, as_list, "EagerPyFunc")
    call = _PyFuncCall(func, out_dtypes)
    outputs = host_call(call, *inputs)
    outputs = [] if outputs is None else list(outputs)
    call.record_gradient(inputs, outputs)
    return outputs if as_list else (outputs[0] if outputs else [])


def numpy_function(func=None, inp=None, Tout=None, stateful=True, name=None):  # noqa: N803
    """Runs `func(*arrays)` on NumPy values; its results become Tensors. No gradient.

    As TF: the results keep the dtypes NumPy gives them. Also a decorator:
    `@tf.numpy_function(Tout=tf.float32)`.
    """
    if func is None:
        if Tout is None:
            raise TypeError(_MISSING_TOUT.replace("py_function", "numpy_function"))
        return lambda f: _decorated(f, numpy_function, Tout)
    if Tout is None:
        raise TypeError(_MISSING_TOUT.replace("py_function", "numpy_function"))
    out_dtypes, as_list = _out_dtypes(Tout)
    # As TF: Tensors arrive as NumPy arrays of their dtype (0-d arrays for scalars); Python
    # values as NumPy makes them (1.0 is float64).
    args = list(inp or [])
    tensors = [x for x in args if isinstance(x, Operand)]
    if state.tracer is None:
        result = func(*[np.asarray(to_numpy(convert_to_tensor(x)._value)) if
                        isinstance(x, Operand) else np.asarray(x) for x in args])  # fmt: skip
        return _convert_outputs(result, out_dtypes, as_list, "PyFunc", check_dtype=False)

    def call(*arrays):
        given = iter(arrays)
        values = [np.asarray(to_numpy(next(given))) if isinstance(x, Operand) else
                  np.asarray(x) for x in args]  # fmt: skip
        result = _call_func(func, values, "PyFunc")
        outs = _convert_outputs(result, out_dtypes, True, "PyFunc", check_dtype=False)
        return tuple(t._value for t in outs)

    call.__name__ = getattr(func, "__name__", "numpy_function")
    outputs = host_call(call, *tensors)
    outputs = [] if outputs is None else list(outputs)
    return outputs if as_list else (outputs[0] if outputs else [])


def _decorated(f, wrapper, Tout):  # noqa: N803
    import functools

    @functools.wraps(f)
    def call(*args):
        return wrapper(f, list(args), Tout)

    return call


class _PyFuncCall:
    """The host callback of one traced `py_function` call site."""

    def __init__(self, func, out_dtypes):
        self.func = func
        self.out_dtypes = out_dtypes
        self.__name__ = getattr(func, "__name__", "py_function")

    def __call__(self, *arrays):
        result = _call_func(self.func, [wrap(a) for a in arrays], "EagerPyFunc")
        outs = _convert_outputs(result, self.out_dtypes, True, "EagerPyFunc")
        return tuple(t._value for t in outs)

    def record_gradient(self, inputs, outputs):
        """Puts one entry on the active tapes: its vjp re-runs `func` under a tape."""
        if not state.tapes or not outputs:
            return
        floating = [x for x in inputs if x.dtype.is_floating]
        if not floating:
            return
        func, n = self.func, len(inputs)

        def vjp(g, ans, *xs):
            def backward(*arrays):
                xs_now = [wrap(a) for a in arrays[:n]]
                grads_out = [wrap(a) for a in arrays[n:]]
                with GradientTape() as tape:
                    for x in xs_now:
                        if x.dtype.is_floating:
                            tape.watch(x)
                    ys = func(*xs_now)
                ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
                ys = [convert_to_tensor(y) for y in ys]
                grads = tape.gradient(ys, xs_now, output_gradients=grads_out)
                return tuple(
                    (np.zeros_like(x._value) if gx is None else convert_to_tensor(gx)._value)
                    for x, gx in zip(xs_now, grads)
                )

            upstream = [gi if gi is not None else wrap(xp.zeros_like(a._value))
                        for gi, a in zip(nest.flatten(g), ans)]  # fmt: skip
            result = host_call(backward, *xs, *upstream)
            result = result if isinstance(result, tuple) else (result,)
            return [r if x.dtype.is_floating else None for r, x in zip(result, xs)]

        op = Op.python("EagerPyFunc", self, vjp, second_order=False)
        record(op, tuple(inputs), {}, tuple(outputs))
