"""tf.experimental: `tf.experimental.numpy` (tnp), and tapeflow's `numpy_dispatch` switch.

Loaded on first use of `tf.experimental` (it is not needed by `import tapeflow`).
"""

from . import numpy  # noqa: F401
from .dispatch import numpy_dispatch, numpy_dispatch_enabled  # noqa: F401

__all__ = ["numpy_dispatch", "numpy_dispatch_enabled"]
