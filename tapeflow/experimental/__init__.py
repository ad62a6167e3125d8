"""tf.experimental: `tf.experimental.numpy` (tnp), and tapeflow's `numpy_dispatch` switch.

Imported with tapeflow (so that _api adds TF's other tf.experimental names to this package);
`tf.experimental.numpy` loads on first use.
"""

from .dispatch import numpy_dispatch, numpy_dispatch_enabled  # noqa: F401

__all__ = ["numpy_dispatch", "numpy_dispatch_enabled"]


def __getattr__(name):
    if name == "numpy":
        import importlib

        return importlib.import_module(f"{__name__}.numpy")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
