"""`numpy_dispatch(True)`: NumPy's own functions on tapeflow tensors return recorded tensors.

Off by default, as TF behaves: `np.sin(t)` converts `t` to an array and returns an array.
On, Tensors (and Variables) answer NumPy's dispatch protocols, `__array_ufunc__` (ufuncs:
`np.sin(t)`, `np_array @ t`, `np.add.reduce(t)`) and `__array_function__` (`np.mean(t,
axis=0)`, `np.concatenate`, ...), with the tnp function of the same name: the result is a
Tensor recorded on active tapes, so NumPy code written for arrays becomes differentiable.
A NumPy function tnp does not have runs on arrays, as before (the why-None explainer
names that line when a gradient is lost there). The switch is process-wide.
"""

from __future__ import annotations

import numpy as np

from ..core.tensor import Operand

_enabled = {"on": False}


def numpy_dispatch(enabled: bool = True) -> bool:
    """Turns NumPy dispatch to tnp on or off; returns the previous setting."""
    previous = _enabled["on"]
    enabled = bool(enabled)
    if enabled and not previous:
        Operand.__array_ufunc__ = _array_ufunc
        Operand.__array_function__ = _array_function
    elif previous and not enabled:
        del Operand.__array_ufunc__
        del Operand.__array_function__
    _enabled["on"] = enabled
    return previous


def numpy_dispatch_enabled() -> bool:
    """Whether NumPy functions and ufuncs applied to tensors return recorded tensors."""
    return _enabled["on"]


def _tnp():
    from . import numpy as tnp

    return tnp


def _to_arrays(values):
    if isinstance(values, Operand):
        return np.asarray(values)
    if isinstance(values, (list, tuple)):
        return type(values)(_to_arrays(v) for v in values)
    if isinstance(values, dict):
        return {k: _to_arrays(v) for k, v in values.items()}
    return values


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    tnp = _tnp()
    if "out" not in kwargs and "where" not in kwargs:
        if method == "__call__":
            fn = tnp.UFUNCS.get(ufunc)
            if fn is not None:
                return fn(*inputs, **kwargs)
            if ufunc is np.matmul:
                return tnp.matmul(*inputs)
        elif method == "reduce":
            fn = tnp._math.REDUCE.get(ufunc)
            if fn is not None:
                axis = kwargs.pop("axis", 0)
                return fn(inputs[0], axis=axis, **kwargs)
    # Not one tnp implements: NumPy computes it on arrays (no gradient, as with dispatch off).
    arrays = _to_arrays(inputs)
    kwargs = _to_arrays(kwargs)
    return getattr(ufunc, method)(*arrays, **kwargs)


def _array_function(self, func, types, args, kwargs):
    fn = _tnp().FUNCTIONS.get(func)
    if fn is not None:
        try:
            return fn(*args, **kwargs)
        except TypeError:
            pass  # a NumPy argument tnp does not take: compute it on arrays
    return func(*_to_arrays(args), **_to_arrays(kwargs))
