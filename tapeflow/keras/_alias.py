"""`import keras` served by `tapeflow.keras`: a meta-path finder that maps `keras` and
`keras.<sub>` to `tapeflow.keras` and `tapeflow.keras.<sub>` (same module objects)."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys


class KerasAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `keras[.x]` as `tapeflow.keras[.x]`; first on `sys.meta_path`."""

    def find_spec(self, name, path=None, target=None):
        if name == "keras" or name.startswith("keras."):
            try:
                importlib.import_module("tapeflow." + name)
            except ModuleNotFoundError:
                return None  # `import keras.applications`: tapeflow has no such module
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("tapeflow." + spec.name)

    def exec_module(self, module):
        pass  # the tapeflow module is already executed


def install_as_keras():
    """Makes `import keras` and `from keras import ops, layers` give `tapeflow.keras` in
    this process, so Keras 3 programs run unchanged on tapeflow.

    Raises:
        ImportError: if another `keras` is already imported in this process.
    """
    module = sys.modules.get("keras")
    import tapeflow.keras as ours

    if module is not None and module is not ours:
        raise ImportError(
            "install_as_keras: another keras is already imported in this process "
            f"({getattr(module, '__file__', module)}); call it before anything imports keras"
        )
    if not any(isinstance(finder, KerasAlias) for finder in sys.meta_path):
        sys.meta_path.insert(0, KerasAlias())
    sys.modules["keras"] = ours
    return ours
