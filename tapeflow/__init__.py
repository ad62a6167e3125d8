"""tapeflow: TensorFlow 2's eager programming model on NumPy. Use as `import tapeflow as tf`.

Re-exports only: the ops' public names come from each op family's `API` table.
"""

# tapeflow's own version (pip's); `tf.version.VERSION` is the TensorFlow release it follows.
__version__ = "0.1.0"

from . import (
    _api,
    data,  # noqa: F401  (tf.data)
    debugging,  # noqa: F401  (tf.debugging: the package; _api adds the ops to it)
    experimental,  # noqa: F401  (tf.experimental: the package; _api adds ragged's names)
    io,  # noqa: F401  (tf.io: the file formats package; _api adds the ops to it)
)
from . import ops as _ops  # noqa: F401  (registers every op, installs Tensor operators)
from .core import errors  # noqa: F401
from .core.custom_gradient import custom_gradient  # noqa: F401
from .core.dtypes import (  # noqa: F401
    DType,
    as_dtype,
    bfloat16,
    bool,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from .core.indexed_slices import IndexedSlices  # noqa: F401
from .core.module import Module, name_scope  # noqa: F401
from .core.shape import TensorShape  # noqa: F401
from .core.spec import TensorSpec  # noqa: F401
from .core.tape import GradientTape, UnconnectedGradients  # noqa: F401
from .core.tensor import Tensor, constant, convert_to_tensor, is_tensor  # noqa: F401
from .core.variable import (  # noqa: F401
    Variable,
    VariableAggregation,
    VariableSynchronization,
)
from .function import cond, function, init_scope, print, while_loop  # noqa: F401, A004

_api.install(globals())


def __getattr__(name):
    # tf.keras, tf.train, tf.data, tf.distribute, tf.summary, tf.saved_model and tf.profiler
    # load on first use (a fast import).
    import importlib

    if name in ("keras", "train", "data", "distribute", "summary", "saved_model", "profiler"):
        return importlib.import_module(f"{__name__}.{name}")
    if name in ("losses", "metrics", "optimizers", "initializers"):  # TF: keras' modules
        return importlib.import_module(f"{__name__}.keras.{name}")
    raise AttributeError(f"module 'tapeflow' has no attribute {name!r}")


newaxis = None
