"""What every `keras.ops` function shares: Keras' conversion and casting rules, the dtype
helpers of the TensorFlow backend, and the switch to a graph node on symbolic inputs."""

from __future__ import annotations

import functools

import numpy as np

import tapeflow as tf

from ...core.tensor import Operand
from .. import backend
from ..layers.symbolic import KerasTensor
from ._dtypes import is_int_dtype, result_type, standardize_dtype


def to_tensor(x, dtype=None):
    """Keras' `convert_to_tensor`: a Tensor (a Variable is read), cast to `dtype` if given.
    Unlike tf.convert_to_tensor a Python float may become an int tensor (it is cast)."""
    if dtype is not None:
        dtype = standardize_dtype(dtype)
    if isinstance(x, Operand):
        t = tf.convert_to_tensor(x)
        if dtype is not None and t.dtype.name != dtype:
            t = tf.cast(t, dtype)
        return t
    if hasattr(x, "_tapeflow_tensor_conversion") or isinstance(x, tf.SparseTensor):
        t = tf.sparse.to_dense(x) if isinstance(x, tf.SparseTensor) else tf.convert_to_tensor(x)
        return t if dtype is None or t.dtype.name == dtype else tf.cast(t, dtype)
    if dtype is not None and (dtype == "bool" or is_int_dtype(dtype)):
        return tf.cast(tf.convert_to_tensor(x), dtype)
    return tf.convert_to_tensor(x, dtype=dtype)


def cast(x, dtype):
    """`x` as a Tensor of `dtype` (differentiable between float types)."""
    dtype = standardize_dtype(dtype)
    x = to_tensor(x)
    return x if x.dtype.name == dtype else tf.cast(x, dtype)


def dtype_of(x) -> str:
    """The Keras dtype of a Tensor, or the Python type of a scalar (a weak type)."""
    if isinstance(x, (bool, int, float)) and not isinstance(x, np.generic):
        return type(x)
    return standardize_dtype(x.dtype)


def is_python_scalar(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, (bool, np.generic))


def promote(*xs, extra=()):
    """Keras' elementwise rule: Python numbers stay weak, everything else becomes a Tensor;
    all are converted to `result_type` of them (and of `extra`). Returns (tensors, dtype)."""
    xs = [x if is_python_scalar(x) else to_tensor(x) for x in xs]
    dtype = result_type(*(x.dtype if isinstance(x, Operand) else type(x) for x in xs), *extra)
    return [to_tensor(x, dtype) for x in xs], dtype


def promote_tensors(*xs, extra=()):
    """As `promote`, but every argument first becomes a Tensor (Python ints int32, floats
    float32), as the ops that call convert_to_tensor on all inputs do."""
    xs = [to_tensor(x) for x in xs]
    dtype = result_type(*(x.dtype for x in xs), *extra)
    return [cast(x, dtype) for x in xs], dtype


def float_dtype(x) -> str:
    """The dtype of a transcendental function's result: ints and bools -> floatx, float and
    complex types stay (the TF backend's `int64 -> floatx, else result_type(x, float)`)."""
    name = standardize_dtype(x.dtype)
    return backend.floatx() if name == "int64" else result_type(name, float)


def to_float(x):
    """`x` as a Tensor cast to `float_dtype(x)`."""
    x = to_tensor(x)
    return cast(x, float_dtype(x))


def canonical_axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis + ndim if axis < 0 else axis


def axis_tuple(axis):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return (int(axis),)


def _has_symbolic(args, kwargs) -> bool:
    for value in (*args, *kwargs.values()):
        if isinstance(value, KerasTensor):
            return True
        if isinstance(value, (list, tuple)) and any(isinstance(v, KerasTensor) for v in value):
            return True
        if isinstance(value, dict) and any(isinstance(v, KerasTensor) for v in value.values()):
            return True
    return False


def keras_op(fn):
    """Marks a public `keras.ops` function: on KerasTensors (building a functional model) it
    becomes a node of the graph, replayed on real inputs, as Keras 3 operations do."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _has_symbolic(args, kwargs):
            from ._symbolic import symbolic_op_call

            return symbolic_op_call(fn, args, kwargs)
        return fn(*args, **kwargs)

    wrapper._keras_op = fn
    return wrapper


def check_kernel_dtype(op_name: str, dtype: str, allowed: str = "numeric"):
    """TF's kernels behind some Keras ops have no bool (or no integer) version, so Keras
    raises there: raise as it does rather than compute what TF would not."""
    ok = dtype != "bool" if allowed == "numeric" else dtype.startswith("float")
    if not ok:
        what = "bool" if dtype == "bool" else dtype
        raise tf.errors.InvalidArgumentError(
            f"keras.ops.{op_name}: {what} inputs are not supported (TensorFlow has no "
            f"{'bool' if allowed == 'numeric' else 'non-float'} kernel for it); cast first"
        )
