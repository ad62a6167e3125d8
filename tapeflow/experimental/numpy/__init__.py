"""`tf.experimental.numpy` (tnp): NumPy's API on tapeflow tensors, differentiable.

Functions take Tensors, arrays or Python values and return Tensors, with NumPy's dtype
rules (float64 and int64 defaults, NumPy promotion); they are built on tapeflow ops, so
a GradientTape records them. `experimental_enable_numpy_behavior()` gives Tensors
NumPy's methods and promotion, as TF defines it.
"""

import numpy as _np

import tapeflow as _tf

from . import _arrays, _math
from ._arrays import *  # noqa: F401, F403
from ._behavior import experimental_enable_numpy_behavior  # noqa: F401
from ._dtypes import asarray, result_type  # noqa: F401
from ._math import *  # noqa: F401, F403
from ._math import (  # noqa: F401, A004
    UFUNCS,  # noqa: F401
    abs,
    all,
    amax,
    amin,
    any,
    max,
    min,
    round,
    sum,
)

ndarray = _tf.Tensor
newaxis = None
pi, e, inf, nan = _np.pi, _np.e, _np.inf, _np.nan
bool_ = _np.bool_
float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint16, uint32, uint64 = _np.uint8, _np.uint16, _np.uint32, _np.uint64
complex64, complex128 = _np.complex64, _np.complex128
dtype, iinfo, finfo = _np.dtype, _np.iinfo, _np.finfo


def isscalar(num) -> bool:
    return _np.isscalar(num) or (isinstance(num, _tf.Tensor) and num.shape.rank == 0)


def _public(module):
    return {n: getattr(module, n) for n in dir(module) if not n.startswith("_") and
            callable(getattr(module, n)) and getattr(getattr(module, n), "__module__", "")
            .startswith("tapeflow.experimental")}  # fmt: skip


# NumPy function -> tnp function, for numpy_dispatch's __array_function__.
FUNCTIONS = {}
for _name, _fn in {**_public(_arrays), **_public(_math)}.items():
    _target = getattr(_np, _name, None)
    if callable(_target) and not isinstance(_target, _np.ufunc):
        FUNCTIONS[_target] = _fn
FUNCTIONS[_np.sum] = _math.sum
FUNCTIONS[_np.round] = _math.round
FUNCTIONS[_np.trace] = _arrays.trace
del _name, _fn, _target
