"""tapeflow: TensorFlow 2's eager programming model on NumPy. Use as `import tapeflow as tf`."""

from . import ops as _ops  # noqa: F401  (registers every op, installs Tensor operators)
from .core.dtypes import (  # noqa: F401
    DType, as_dtype, bool, complex64, complex128, double, float16, float32, float64, half,
    int8, int16, int32, int64, uint8, uint16, uint32, uint64,
)
from .core.custom_gradient import custom_gradient  # noqa: F401
from .core.indexed_slices import IndexedSlices  # noqa: F401
from .core.shape import TensorShape  # noqa: F401
from .core.tape import GradientTape, UnconnectedGradients  # noqa: F401
from .core.tensor import Tensor, constant, convert_to_tensor, is_tensor  # noqa: F401
from .core.variable import (  # noqa: F401
    Variable, VariableAggregation, VariableSynchronization,
)
from .ops.array import (  # noqa: F401
    broadcast_to, concat, gather, identity, reshape, stack, stop_gradient, transpose,
)
from .ops.math import add, add_n, exp, log, multiply, negative, subtract  # noqa: F401
from .ops.reduce import reduce_sum  # noqa: F401

newaxis = None
__version__ = "0.1.0"
