"""The object graph a Checkpoint saves: paths from its children down to each Variable.

A Variable is a leaf. An object with a `_trackable_children()` method (Keras layers and
optimizers, a nested Checkpoint) contributes that dict; a `tf.Module` contributes its
attributes in sorted order; lists, tuples and dicts contribute their items by index or key.
Anything else is ignored. The walk is breadth first, so an object reached along several paths
is stored once, under its shortest (then first in order) path, as TF names objects; the other
paths become aliases.
"""

from __future__ import annotations

import re

from ..core.module import Module
from ..core.variable import Variable

SLOT_MARKER = ".OPTIMIZER_SLOT"
# The attribute through which an object keeps alive the Checkpoints still waiting to restore
# values into it (as TF's objects hold their deferred restorations); never a child.
ANCHOR = "_tapeflow_checkpoints_waiting"


def escape(name) -> str:
    """A child name as one path component: '/' and '%' are %-escaped, and a leading '.' too,
    so no component can be mistaken for the slot marker or split a path."""
    s = str(name).replace("%", "%25").replace("/", "%2F")
    if s.startswith("."):
        s = "%2E" + s[1:]
    return s or "%00"


def join(parent: str, name) -> str:
    return f"{parent}/{escape(name)}" if parent else escape(name)


def saveable_key(path: str, name) -> str:
    """The key of a saveable's array `name` (TF's `<path>/.ATTRIBUTES/<name>`)."""
    return f"{path}/.ATTRIBUTES/{escape(name) if name else ''}"


def slot_key(variable_path: str, optimizer_path: str, slot_name) -> str:
    return f"{variable_path}/{SLOT_MARKER}/{optimizer_path}/{escape(slot_name)}"


def split_slot_key(key: str):
    """(variable path, optimizer path, escaped slot name) of a slot key, or None."""
    variable_path, marker, rest = key.partition(f"/{SLOT_MARKER}/")
    if not marker or "/" not in rest:
        return None
    optimizer_path, _, slot_name = rest.rpartition("/")
    return variable_path, optimizer_path, slot_name


_UNESCAPED = {"%25": "%", "%2F": "/", "%2E": ".", "%00": ""}


def unescape(component: str) -> str:
    return re.sub("%25|%2F|%2E|%00", lambda m: _UNESCAPED[m.group()], component)


def is_optimizer(obj) -> bool:
    return (
        not isinstance(obj, type)
        and hasattr(obj, "_slot_variables")
        and hasattr(obj, "_restore_slot")
    )


def is_saveable(obj) -> bool:
    """An object that saves its own state as named arrays (TF's saveable protocol:
    `_serialize_to_tensors()` and `_restore_from_tensors(tensors)`), such as a tf.data
    iterator: a leaf of the graph, like a Variable."""
    return (
        not isinstance(obj, type)
        and hasattr(obj, "_serialize_to_tensors")
        and hasattr(obj, "_restore_from_tensors")
    )


def is_trackable(obj) -> bool:
    """What a Checkpoint accepts as a child: a Variable, a Module, an object with
    `_trackable_children`, a saveable (a tf.data iterator), or a list, tuple or dict (of
    those)."""
    return (
        isinstance(obj, (Variable, Module, list, tuple, dict))
        or (not isinstance(obj, type) and hasattr(obj, "_trackable_children"))
        or is_saveable(obj)
    )


def children(obj):
    """The (name, child) pairs of `obj`, or None for a leaf or an ignored value."""
    if isinstance(obj, Variable) or isinstance(obj, type):
        return None
    if hasattr(obj, "_trackable_children"):
        return list(obj._trackable_children().items())
    if isinstance(obj, Module):
        attributes = vars(obj)
        return [
            (k, attributes[k])
            for k in sorted(attributes)
            if k not in obj._TF_MODULE_IGNORED_PROPERTIES and k != ANCHOR
        ]
    if isinstance(obj, (list, tuple)):
        return list(enumerate(obj))
    if isinstance(obj, dict):
        return [(k, obj[k]) for k in sorted(obj, key=repr)]
    return None


class ObjectGraph:
    """One walk of the graph below `top` (a list of (name, object)).

    Attributes:
        variables: path -> Variable, each Variable under its first path.
        saveables: path -> object that saves its own arrays (`is_saveable`).
        optimizers: path -> object following the optimizer slot protocol.
        aliases: later path -> first path, for every object reached more than once.
        paths: id(object) -> first path (the objects stay alive through the graph).
        nodes: every path of a non-leaf object.
    """

    def __init__(self, top, root=None):
        self.variables: dict[str, Variable] = {}
        self.saveables: dict[str, object] = {}
        self.optimizers: dict[str, object] = {}
        self.aliases: dict[str, str] = {}
        self.paths: dict[int, str] = {}
        self.nodes: set[str] = set()
        self.objects = []  # every object visited (kept alive, so no id() is reused)
        if root is not None:
            self.paths[id(root)] = ""
            self.objects.append(root)
        queue = [(join("", name), obj) for name, obj in top]
        head = 0
        while head < len(queue):
            path, obj = queue[head]
            head += 1
            if isinstance(obj, Variable):
                kids = None
            elif is_saveable(obj):
                if id(obj) in self.paths:
                    self.aliases[path] = self.paths[id(obj)]
                else:
                    self.paths[id(obj)] = path
                    self.objects.append(obj)
                    self.saveables[path] = obj
                continue
            else:
                kids = children(obj)
                if kids is None:
                    continue
            seen = self.paths.get(id(obj))
            if seen is not None:
                self.aliases[path] = seen
                continue
            self.paths[id(obj)] = path
            self.objects.append(obj)
            if kids is None:
                self.variables[path] = obj
                continue
            self.nodes.add(path)
            if is_optimizer(obj):
                self.optimizers[path] = obj
            queue.extend((join(path, name), child) for name, child in kids)


def resolve(path: str, aliases: dict) -> str:
    """The saved path of `path`, following the longest aliased prefix (repeatedly)."""
    for _ in range(64):  # an alias chain longer than this is a corrupt table
        parts = path.split("/")
        for i in range(len(parts), 0, -1):
            prefix = "/".join(parts[:i])
            if prefix in aliases:
                path = "/".join([aliases[prefix]] + parts[i:])
                break
        else:
            return path
    return path
