"""`tf.Module` and `tf.name_scope`: named containers that find their variables.

A Module finds variables and submodules by walking its attributes (and the lists, tuples
and dicts in them) in sorted attribute order, its own leaves before its submodules', as
TensorFlow does, so `trainable_variables` comes out in the same order as in TF. While a
checkpoint waits for objects, attribute assignment tells it (see `tracking`).
"""

from __future__ import annotations

import functools
import re

from . import tracking
from .context import state
from .variable import Variable


class name_scope:  # noqa: N801 - TF's public name
    """Prefixes `name/` to the names of variables created inside it."""

    def __init__(self, name: str):
        self._name = name
        self.name = "".join(state.name_scopes) + (name + "/" if name else "")

    def __enter__(self):
        state.name_scopes.append(self._name + "/" if self._name else "")
        return self.name

    def __exit__(self, *exc):
        state.name_scopes.pop()


class _ModuleScope(name_scope):
    """A module's scope: the prefix is fixed when the module is built, like TF's."""

    def __init__(self, full_name: str):
        self.name = full_name
        self._prefix = full_name

    def __enter__(self):
        self._saved = state.name_scopes[:]
        state.name_scopes[:] = [self._prefix]
        return self.name

    def __exit__(self, *exc):
        state.name_scopes[:] = self._saved


def _camel_to_snake(name: str) -> str:
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower()


@tracking.report_attributes  # a checkpoint waiting for objects hears of new attributes
class Module:
    """Base class of stateful objects: layers, models, optimizers, your own containers."""

    _TF_MODULE_IGNORED_PROPERTIES = frozenset()

    def __init__(self, name: str | None = None):
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not name.isidentifier():
            raise ValueError(
                f"'{name}' is not a valid module name. Module names must be valid "
                f"Python identifiers (e.g. a valid class name)."
            )
        self._name = name
        self._scope = _ModuleScope("".join(state.name_scopes) + name + "/")

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self) -> name_scope:
        return self._scope

    @property
    def variables(self) -> tuple:
        """Every Variable of this module and its submodules (deduplicated, TF's order)."""
        return tuple(self._flatten(lambda x: isinstance(x, Variable)))

    @property
    def trainable_variables(self) -> tuple:
        return tuple(self._flatten(lambda x: isinstance(x, Variable) and x.trainable))

    @property
    def non_trainable_variables(self) -> tuple:
        return tuple(self._flatten(lambda x: isinstance(x, Variable) and not x.trainable))

    @property
    def submodules(self) -> tuple:
        return tuple(self._flatten(lambda x: isinstance(x, Module)))

    def _flatten(self, predicate, recursive: bool = True):
        seen = {id(self)}
        found = set()
        out = []
        queue = [self]
        while queue:
            module = queue.pop(0)
            children = []
            for key in sorted(vars(module)):
                if key in module._TF_MODULE_IGNORED_PROPERTIES:
                    continue
                for leaf in _leaves(vars(module)[key]):
                    if predicate(leaf) and id(leaf) not in found:
                        found.add(id(leaf))
                        out.append(leaf)
                    if isinstance(leaf, Module) and id(leaf) not in seen:
                        seen.add(id(leaf))
                        children.append(leaf)
            if recursive:
                queue.extend(children)
        return out

    @classmethod
    def with_name_scope(cls, method):
        """Decorator: runs `method` inside the module's name scope."""

        @functools.wraps(method)
        def scoped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)

        return scoped


def _leaves(value, depth=0):
    if depth > 100:
        return
    if isinstance(value, dict):
        for k in sorted(value, key=repr):
            yield from _leaves(value[k], depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v, depth + 1)
    else:
        yield value
