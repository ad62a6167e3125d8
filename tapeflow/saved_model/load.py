"""`tf.saved_model.load`: objects, variables and functions back from a SavedModel directory,
without the Python code that made them.

The file is read as untrusted input: it is tapeflow's safe tensor format (checksummed, never
unpickled, read whole: memory is bounded by its own size), and every part of its document
is checked before anything is built (`function.ir_serialize.decode_graph` for the graphs).
Nothing in it is imported or run while loading; a loaded function runs registered ops only
(no file access), when called.
"""

from __future__ import annotations

import os

import numpy as np

from ..core import dtypes
from ..core.errors import DataLossError, NotFoundError, UnimplementedError
from ..core.variable import Variable
from ..function.ir_serialize import decode_graph
from ..io.safe_format import read_tensors
from .loaded_function import LoadedConcreteFunction, LoadedFunction, SignatureFunction
from .save import FILENAME, FORMAT, VERSION

MAX_OBJECTS = 1_000_000


class _UserObject:
    """A restored object: its children (variables, objects, lists, dicts) and functions are
    attributes; `variables` and `trainable_variables` collect the variables below it."""

    def __call__(self, *args, **kwargs):
        function = self.__dict__.get("__call__")
        if function is None:
            raise TypeError("'_UserObject' object is not callable (it saved no __call__)")
        return function(*args, **kwargs)

    def __getattr__(self, name):
        if name in ("variables", "trainable_variables", "non_trainable_variables"):
            found = _collect_variables(self)
            if name == "trainable_variables":
                found = [v for v in found if v.trainable]
            elif name == "non_trainable_variables":
                found = [v for v in found if not v.trainable]
            return tuple(found)
        raise AttributeError(f"'_UserObject' object has no attribute {name!r}")

    def __repr__(self):
        return f"<tapeflow saved_model _UserObject: {sorted(self.__dict__)}>"


def _collect_variables(obj) -> list:
    out, seen, stack = [], set(), [obj]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Variable):
            out.append(item)
        elif isinstance(item, _UserObject):
            stack.extend(reversed([v for k, v in sorted(vars(item).items()) if k != "signatures"]))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed([item[k] for k in sorted(item, key=str)]))
    return out


class _Signatures(dict):
    """`loaded.signatures`: name -> signature function."""


def _check(condition, path, what):
    if not condition:
        raise DataLossError(f"{path}: not a valid tapeflow SavedModel ({what})")


def load(export_dir, tags=None, options=None):
    """Loads a SavedModel written by `tf.saved_model.save` (or Keras' `model.export`).

    Returns an object whose attributes are the saved objects, variables and functions, with
    `signatures` (name -> function taking named inputs, returning a dict).

    Raises:
        OSError: no SavedModel in `export_dir`.
        tf.errors.UnimplementedError: the directory holds a TensorFlow SavedModel
            (protobuf), which tapeflow does not read.
        tf.errors.DataLossError: the file is truncated, corrupted or malformed.
    """
    export_dir = os.fspath(export_dir)
    path = os.path.join(export_dir, FILENAME)
    if not os.path.isfile(path):
        for name in ("saved_model.pb", "saved_model.pbtxt"):
            if os.path.isfile(os.path.join(export_dir, name)):
                raise UnimplementedError(
                    f"{export_dir} holds a TensorFlow SavedModel ({name}, a protobuf graph of "
                    f"TensorFlow ops); tapeflow loads only SavedModels written by tapeflow "
                    f"({FILENAME}). Load it with TensorFlow, or rebuild the model in tapeflow "
                    f"and load its weights."
                )
        raise OSError(f"SavedModel file does not exist at: {export_dir}/{{{FILENAME}}}")
    try:
        tensors, metadata = read_tensors(path)
    except NotFoundError:
        raise OSError(f"SavedModel file does not exist at: {export_dir}/{{{FILENAME}}}") from None
    _check(metadata.get("format") == FORMAT, path, f"format {metadata.get('format')!r:.60}")
    _check(metadata.get("version") == VERSION, path, f"version {metadata.get('version')!r:.20}")
    try:
        return _Loader(path, tensors, metadata).root
    except (ValueError, TypeError, KeyError, IndexError) as e:
        raise DataLossError(f"{path}: not a valid tapeflow SavedModel ({e})"[:2000]) from None


class _Loader:
    def __init__(self, path, tensors, metadata):
        self.path = path
        self.tensors = tensors
        self.variables = [self._variable(i, doc) for i, doc in enumerate(metadata["variables"])]
        self.concrete = [
            self._concrete(i, doc) for i, doc in enumerate(metadata["concrete_functions"])
        ]
        self.functions = [self._function(doc) for doc in metadata["functions"]]
        objects = metadata["objects"]
        _check(isinstance(objects, list) and 0 < len(objects) <= MAX_OBJECTS, path, "objects")
        self.objects = [self._object(doc) for doc in objects]
        for obj, doc in zip(self.objects, objects):
            self._attach(obj, doc)
        self.root = self.objects[0]
        signatures = _Signatures()
        for name, doc in metadata.get("signatures", {}).items():
            concrete = self.concrete[doc["function"]]
            signatures[str(name)] = SignatureFunction(
                concrete, doc["inputs"], doc["outputs"], doc.get("composite_outputs")
            )
        if isinstance(self.root, _UserObject):
            self.root.__dict__["signatures"] = signatures

    def _variable(self, index, doc) -> Variable:
        value = self.tensors[doc["key"]]
        dtype = dtypes.as_dtype(doc["dtype"])
        _check(np.dtype(dtype._np) == value.dtype, self.path, f"variable {index} dtype")
        _check(list(value.shape) == list(doc["shape"]), self.path, f"variable {index} shape")
        return Variable(value.copy(), name=str(doc["name"]), trainable=bool(doc["trainable"]))

    def _concrete(self, index, doc) -> LoadedConcreteFunction:
        where = f"{self.path}: function {doc.get('name')!r:.60}"
        parts = decode_graph(doc["graph"], self.tensors, len(self.variables), where)
        return LoadedConcreteFunction(doc, parts, self.variables, where)

    def _function(self, doc) -> LoadedFunction:
        return LoadedFunction(str(doc["name"]), [self.concrete[i] for i in doc["concrete"]])

    def _object(self, doc):
        kind = doc["kind"]
        if kind == "variable":
            return self.variables[doc["variable"]]
        if kind == "list":
            return []
        if kind == "tuple":
            return []  # filled, then frozen in _attach
        if kind == "dict":
            return {}
        _check(kind == "object", self.path, f"object kind {kind!r:.40}")
        return _UserObject()

    def _attach(self, obj, doc):
        if doc["kind"] == "variable":
            return
        children = doc["children"]
        _check(isinstance(children, dict), self.path, "object children")
        for name, index in children.items():
            child = self.objects[index]
            if isinstance(obj, list):
                obj.append(child)
            elif isinstance(obj, dict):
                obj[name] = child
            elif isinstance(obj, _UserObject):
                _check(
                    isinstance(name, str) and name.isidentifier() and not name.startswith("__"),
                    self.path,
                    f"attribute name {name!r:.40}",
                )
                obj.__dict__[name] = child
        for name, index in doc.get("functions", {}).items():
            _check(
                isinstance(obj, _UserObject)
                and isinstance(name, str)
                and (name.isidentifier() and not name.startswith("_") or name == "__call__"),
                self.path,
                f"function name {name!r:.40}",
            )
            obj.__dict__[name] = self.functions[index]
