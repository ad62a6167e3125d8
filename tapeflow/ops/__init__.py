"""Every op of tapeflow: forward on arrays and vjp side by side, one family per module.

Importing this package registers all ops and installs the Tensor operators.
"""

from . import array, conv, debug, linalg, math, nn, random, reduce  # noqa: F401  (registration)
from . import operators  # noqa: F401  (after the ops it dispatches to)
