"""`tf.train.Checkpoint`: saves and restores the Variables reachable from its children.

File: one checkpoint is one file, `<prefix>.tapeflow`, in the `tapeflow.io.safe_format`
layout (atomic, checksummed, never unpickled). Its arrays are keyed by object path, e.g.
`model/layers/0/kernel` (see `_object_graph` for the walk), plus `save_counter`; its metadata
holds the aliases (other paths to objects reached twice). Optimizer slots are stored as
`<variable path>/.OPTIMIZER_SLOT/<optimizer path>/<slot name>`, for every optimizer (an
object with `_slot_variables(var) -> {slot name: Variable}` and
`_restore_slot(var, slot_name, value)`) and every variable in the graph.

Deferred restore: a saved value whose object does not exist yet stays pending in the
Checkpoint and is applied the moment its object appears, as in TF:
  * when a value is attached to a tracked owner: an attribute of a Checkpoint, a
    `tf.Module` or a Keras layer, or an element added to a list or dict they hold (while a
    checkpoint waits, such lists and dicts are `core.tracking` wrappers: `append`,
    `insert`, `extend`, `__setitem__`, `update` report additions);
  * by the hook `restore_pending(owner, name, variable)`, which code that creates variables
    lazily calls right after creating one: Keras' `Layer.add_weight` calls it with the layer,
    the weight's key in the layer's `_trackable_children()` and the new variable, before
    the variable is stored on the layer;
  * and, for anything else (a list inside a tuple, say), at the start of every later `save`,
    `write`, `read` and `restore` of that Checkpoint and by the status methods (`assert_*`,
    `run_restore_ops`, `initialize_or_restore`).
A value is applied once: a variable that later replaces a restored one keeps its own value.
"""

from __future__ import annotations

import logging
import os
import weakref

import numpy as np

from ..backend import to_numpy
from ..core import distribution, dtypes, tracking
from ..core.errors import InvalidArgumentError, NotFoundError, UnimplementedError
from ..core.module import Module
from ..core.variable import Variable
from ..io.safe_format import read_tensors, write_tensors
from . import _object_graph as graph_lib
from ._load_status import CheckpointLoadStatus, InitializationOnlyStatus
from .checkpoint_management import CHECKPOINT_SUFFIX, checkpoint_file, update_checkpoint_state

_log = logging.getLogger("tapeflow")
_FORMAT_TAG = "tapeflow.train.Checkpoint"
# Checkpoints that hold pending values, for `restore_pending`.
_with_pending: weakref.WeakSet = weakref.WeakSet()


def restore_pending(owner, name: str, variable) -> bool:
    """Gives a just-created `variable` its pending checkpoint value, if any Checkpoint holds
    one for it. Call it from code that creates variables lazily (Keras `Layer.add_weight`).

    Args:
        owner: the object that will hold the variable (reachable from the Checkpoint).
        name: the variable's child name in `owner` (its key in `owner._trackable_children()`
            or its attribute name on a Module).
        variable: the new Variable.

    Returns:
        True if a value was restored into `variable`.
    """
    restored = False
    for checkpoint in list(_with_pending):
        restored |= checkpoint._restore_created(owner, name, variable)
    return restored


def _restore_waiting(value):
    """The tracking restorer: `value` was just attached somewhere; the variables in it get
    the values waiting at their paths, as TF restores an object when it is attached."""
    attached = {v._id for v in graph_lib.ObjectGraph([("value", value)]).variables.values()}
    for checkpoint in list(_with_pending):
        checkpoint._apply_pending(attached=attached)
    _update_restorer()


def _update_restorer():
    tracking.set_restorer(_restore_waiting if len(_with_pending) else None)


def _array(value) -> np.ndarray:
    return to_numpy(value._value) if isinstance(value, Variable) else np.asarray(value)


def _warn_unused(pending: dict, flags: dict):
    if pending and not flags["expect_partial"]:
        keys = sorted(pending)
        _log.warning(
            "A checkpoint was restored but %d saved values were never matched to an "
            "object: %s%s. Call expect_partial() on the load status to silence this.",
            len(keys),
            keys[:10],
            " ..." if len(keys) > 10 else "",
        )


class Checkpoint:
    """Groups trackable objects (Variables, Modules, Keras layers and optimizers) to save and
    restore together. Keyword arguments become attributes and top-level names in the file."""

    def __init__(self, root=None, **kwargs):
        if isinstance(root, weakref.ref):
            root = root()
        self._root = root
        self._children = {}
        self._save_counter = None
        self._pending = {}  # saved key -> (array, restore uid, file)
        self._aliases = {}
        self._restored = {}  # Variable._id -> uid of the restore that last assigned it
        # Variables a walk saw since the last read: a value still pending at the path one
        # of them sits at now is not for it (it was moved there, as by `insert`), unless it
        # is attached there anew. TF, too, restores an object only when it is attached.
        self._seen = set()
        self._anchored = []  # objects holding this Checkpoint while values wait (_anchor)
        # Slot values an optimizer holds until it creates the slot: key -> (optimizer,
        # variable, slot name, restore uid).
        self._handed_over = {}
        self._restored_slots = {}  # (Variable._id, id(optimizer), slot name) -> uid
        self._restored_saveables = {}  # id(saveable) -> uid of the restore that set it
        self._seen_saveables = set()  # as `_seen`, for saveables (tf.data iterators)
        self._restore_uid = 0
        self._flags = {"expect_partial": False}
        weakref.finalize(self, _warn_unused, self._pending, self._flags)
        if root is not None:
            _check_trackable(root, "root")
        root_children = dict(graph_lib.children(root) or []) if root is not None else {}
        for name, value in sorted(kwargs.items()):
            if name in root_children and root_children[name] is not value:
                raise ValueError(
                    f"Cannot create a Checkpoint with keyword argument {name} if "
                    f"root.{name} already exists."
                )
            setattr(self, name, value)

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        _check_trackable(value, name)
        value = tracking.track(value) if tracking.restoring() else value
        object.__setattr__(self, name, value)
        self._children[name] = value
        tracking.attached(value)

    @property
    def save_counter(self) -> Variable:
        """int64 Variable counting `save()` calls; numbers the checkpoints."""
        if self._save_counter is None:
            self._save_counter = Variable(
                0, dtype=dtypes.int64, trainable=False, name="save_counter"
            )
            self._apply_pending()
        return self._save_counter

    def _top_children(self) -> list:
        top = []
        if isinstance(self._root, Variable):
            top.append(("root", self._root))
        elif self._root is not None:
            top.extend(graph_lib.children(self._root) or [])
        names = {name for name, _ in top}
        top.extend((k, v) for k, v in self._children.items() if k not in names)
        if self._save_counter is not None:
            top.append(("save_counter", self._save_counter))
        return top

    def _trackable_children(self) -> dict:
        return dict(self._top_children())

    def _graph(self) -> graph_lib.ObjectGraph:
        root = None if isinstance(self._root, Variable) else self._root
        return graph_lib.ObjectGraph(self._top_children(), root=root)

    # ---- saving ---------------------------------------------------------------------------------

    def write(self, file_prefix, options=None) -> str:
        """Writes a checkpoint to `file_prefix` (file `file_prefix.tapeflow`) without numbering
        it or updating the "checkpoint" state file. Returns `file_prefix`."""
        file_prefix = os.fspath(file_prefix)
        graph = self._graph()
        self._apply_pending(graph)
        tensors = {path: _array(var) for path, var in graph.variables.items()}
        for path, saveable in graph.saveables.items():
            for name, value in saveable._serialize_to_tensors().items():
                tensors[graph_lib.saveable_key(path, name)] = np.asarray(value)
        for optimizer_path, optimizer in graph.optimizers.items():
            for path, var in graph.variables.items():
                for slot_name, slot in (optimizer._slot_variables(var) or {}).items():
                    tensors[graph_lib.slot_key(path, optimizer_path, slot_name)] = _array(slot)
        if not distribution.is_chief_writer():
            return file_prefix  # a multi-worker job: the chief writes the path
        directory = os.path.dirname(file_prefix)
        if directory:
            os.makedirs(directory, exist_ok=True)
        write_tensors(
            checkpoint_file(file_prefix),
            tensors,
            {"format": _FORMAT_TAG, "aliases": graph.aliases},
        )
        return file_prefix

    def save(self, file_prefix, options=None) -> str:
        """Increments `save_counter`, writes `file_prefix-<save_counter>` and records it as the
        latest checkpoint of its directory. Returns that path."""
        file_prefix = os.fspath(file_prefix)
        counter = self.save_counter
        counter.assign_add(1)
        path = self.write(f"{file_prefix}-{int(counter.numpy())}")
        if distribution.is_chief_writer():
            update_checkpoint_state(os.path.dirname(path), path, [path])
        return path

    # ---- restoring ------------------------------------------------------------------------------

    def read(self, save_path, options=None):
        """Restores the checkpoint written by `write` at `save_path`; values whose objects do
        not exist yet are restored when they appear. Returns a load status."""
        filename = _checkpoint_filename(os.fspath(save_path))
        tensors, metadata = read_tensors(filename)
        if metadata.get("format") != _FORMAT_TAG:
            raise ValueError(
                f"{filename} is a tapeflow tensor file holding {metadata.get('format')!r} "
                f"data, not a tf.train.Checkpoint"
            )
        graph = self._graph()
        self._apply_pending(graph)
        before = dict(self._pending)
        self._restore_uid += 1
        uid = self._restore_uid
        aliases = metadata.get("aliases", {})
        if isinstance(aliases, dict):
            self._aliases.update(
                {k: v for k, v in aliases.items() if isinstance(k, str) and isinstance(v, str)}
            )
        self._pending.update((key, (value, uid, filename)) for key, value in tensors.items())
        try:
            self._apply_pending(graph, everything=True)
        except BaseException:
            self._pending.clear()
            self._pending.update(before)
            raise
        if self._pending:
            _track_containers(graph, self)
        return CheckpointLoadStatus(self, uid, filename, tensors.keys())

    def restore(self, save_path, options=None):
        """Restores the checkpoint at `save_path` (a prefix from `save` or
        `tf.train.latest_checkpoint`). With None, nothing is restored. Returns a load status:
        `assert_consumed()`, `assert_existing_objects_matched()`, `assert_nontrivial_match()`,
        `expect_partial()`, `run_restore_ops()`, `initialize_or_restore()`.

        Raises:
            tf.errors.NotFoundError: no checkpoint at `save_path`.
            tf.errors.DataLossError: the file is truncated, corrupted or not a checkpoint.
            ValueError: a saved value's shape differs from its variable's (names the path), or
                the file is a tapeflow tensor file of another kind (e.g. Keras weights).
            tf.errors.InvalidArgumentError: a saved value's dtype differs from its variable's.
        """
        if save_path is None:
            return InitializationOnlyStatus()
        try:
            status = self.read(save_path, options)
        except NotFoundError as e:
            raise NotFoundError(
                f"Error when restoring from checkpoint at {os.fspath(save_path)}: {e}\nPlease "
                f"double-check that the path is correct. You may be missing the checkpoint "
                f"suffix (e.g. the '-1' in 'path/to/ckpt-1')."
            ) from None
        self.save_counter  # noqa: B018 - created now, as TF does, and given its saved value
        return status

    def _apply_pending(self, graph=None, extra=(), attached=(), everything=False):
        """Assigns the pending values whose variables (in `graph`, plus `extra` (path,
        variable) pairs) and optimizers now exist: every variable with `everything` (a
        read), else those no walk saw yet and those in `attached` (ids of variables just
        attached). Checks every match before assigning any."""
        if not self._pending:
            self._seen.clear()
            return
        graph = graph if graph is not None else self._graph()
        variables = list(graph.variables.items()) + list(extra)
        seen = self._seen
        plan = []
        for path, var in variables:
            if not everything and var._id in seen and var._id not in attached:
                continue
            key = graph_lib.resolve(path, self._aliases)
            if key in self._pending:
                value, uid, filename = self._pending[key]
                _check_match(key, filename, value, var)
                plan.append((key, var, value, uid))
        slot_plan = self._slot_plan(graph, variables)
        saveable_plan = self._saveable_plan(graph, everything, attached)
        for _, var, value, uid in plan:
            var.assign(value)
            self._restored[var._id] = uid
        for key, optimizer, var, slot_name, value, uid in slot_plan:
            optimizer._restore_slot(var, slot_name, value)
            self._restored_slots[(var._id, id(optimizer), slot_name)] = uid
            if slot_name not in (optimizer._slot_variables(var) or {}):
                # The optimizer keeps it until it makes the slot; TF counts it unresolved.
                self._handed_over[key] = (optimizer, var, slot_name, uid)
        for keys, saveable, values, uid in saveable_plan:
            saveable._restore_from_tensors(values)
            self._restored_saveables[id(saveable)] = uid
            for key in keys:
                self._pending.pop(key, None)
        for key in {entry[0] for entry in plan} | {entry[0] for entry in slot_plan}:
            self._pending.pop(key, None)
        seen.update(var._id for _, var in variables)
        self._seen_saveables.update(id(s) for s in graph.saveables.values())
        if not self._pending:
            seen.clear()
            self._seen_saveables.clear()
            _with_pending.discard(self)
            self._release()
        else:
            _with_pending.add(self)
            self._anchor()
        _update_restorer()

    def _anchor(self):
        """Makes the objects given to this Checkpoint keep it alive while values wait for
        them: `tf.train.Checkpoint(model=m).restore(path)` without keeping the Checkpoint
        must still restore `m`'s weights when it builds, as in TF."""
        for _, obj in self._top_children():
            if isinstance(obj, (Variable, list, tuple, dict)) or any(
                obj is a for a in self._anchored
            ):
                continue
            try:
                waiting = vars(obj).setdefault(graph_lib.ANCHOR, [])
            except TypeError:  # no __dict__: it cannot hold the Checkpoint
                continue
            waiting.append(self)
            self._anchored.append(obj)

    def _release(self):
        for obj in self._anchored:
            waiting = vars(obj).get(graph_lib.ANCHOR, [])
            if self in waiting:
                waiting.remove(self)
            if not waiting:
                vars(obj).pop(graph_lib.ANCHOR, None)
        self._anchored = []

    def _saveable_plan(self, graph, everything, attached) -> list:
        """(keys, saveable, {name: value}, uid) for each saveable whose saved arrays wait:
        on a read, or for a saveable no walk saw before (attached since)."""
        plan = []
        for path, saveable in graph.saveables.items():
            if not everything and id(saveable) in self._seen_saveables:
                continue
            prefix = graph_lib.saveable_key(graph_lib.resolve(path, self._aliases), "")
            keys = [
                k for k in self._pending if k.startswith(prefix) and "/" not in k[len(prefix) :]
            ]
            if keys:
                values = {graph_lib.unescape(k[len(prefix) :]): self._pending[k][0] for k in keys}
                plan.append((keys, saveable, values, max(self._pending[k][1] for k in keys)))
        return plan

    def _slot_plan(self, graph, variables) -> list:
        if not graph.optimizers:
            return []
        index = {}  # saved variable path -> saved optimizer path -> slot name -> key
        for key in self._pending:
            parts = graph_lib.split_slot_key(key)
            if parts is not None:
                var_path, optimizer_path, slot_name = parts
                index.setdefault(var_path, {}).setdefault(optimizer_path, {})[slot_name] = key
        if not index:
            return []
        optimizers = {graph_lib.resolve(p, self._aliases): o for p, o in graph.optimizers.items()}
        plan = []
        for path, var in variables:
            for optimizer_path, slots in index.get(
                graph_lib.resolve(path, self._aliases), {}
            ).items():
                optimizer = optimizers.get(optimizer_path)
                if optimizer is None:
                    continue
                for slot_name, key in slots.items():
                    value, uid, _ = self._pending[key]
                    plan.append((key, optimizer, var, graph_lib.unescape(slot_name), value, uid))
        return plan

    def _restore_created(self, owner, name, variable) -> bool:
        if not self._pending:
            return False
        graph = self._graph()
        owner_path = graph.paths.get(id(owner))
        if owner_path is None:
            return False
        path = graph_lib.join(owner_path, name)
        was_restored = self._restored.get(variable._id)
        self._apply_pending(graph, extra=[(path, variable)])
        return self._restored.get(variable._id) != was_restored

    def _unmatched(self, uid: int) -> list:
        """Paths of the existing variables and slots that no restore since `uid` assigned."""
        graph = self._graph()
        self._apply_pending(graph)
        missing = [
            path for path, var in graph.variables.items() if self._restored.get(var._id, 0) < uid
        ]
        missing += [
            path
            for path, saveable in graph.saveables.items()
            if self._restored_saveables.get(id(saveable), 0) < uid
        ]
        for optimizer_path, optimizer in graph.optimizers.items():
            for path, var in graph.variables.items():
                for slot_name in optimizer._slot_variables(var) or {}:
                    if self._restored_slots.get((var._id, id(optimizer), slot_name), 0) < uid:
                        missing.append(graph_lib.slot_key(path, optimizer_path, slot_name))
        return missing


def _track_containers(graph, checkpoint):
    """Makes the lists and dicts already held by tracked owners report additions, so values
    still pending are restored when their objects are appended (see `core.tracking`)."""
    for obj in [checkpoint] + graph.objects:
        if isinstance(obj, Checkpoint):
            for name, value in list(obj._children.items()):
                tracked = tracking.track(value)
                if tracked is not value:
                    object.__setattr__(obj, name, tracked)
                    obj._children[name] = tracked
        elif isinstance(obj, Module):
            for name, value in list(vars(obj).items()):
                if name not in obj._TF_MODULE_IGNORED_PROPERTIES:
                    tracked = tracking.track(value)
                    if tracked is not value:
                        object.__setattr__(obj, name, tracked)
        elif isinstance(obj, tracking.TrackedList):
            pass  # wrapped with its elements
        elif type(obj) is list:
            for i, value in enumerate(obj):  # a list in a tuple: its own items still track
                obj[i] = tracking.track(value)
        elif type(obj) is dict:
            for key, value in list(obj.items()):
                obj[key] = tracking.track(value)


def _check_trackable(value, name):
    if not graph_lib.is_trackable(value):
        raise ValueError(
            f"`Checkpoint` was expecting {name} to be a trackable object (a tf.Variable, a "
            f"tf.Module, a Keras layer or optimizer, or a list/tuple/dict of them), got "
            f"{value!r}."
        )


def _check_match(key, filename, value, var):
    if np.dtype(var.dtype.as_numpy_dtype) != value.dtype:
        raise InvalidArgumentError(
            f"Checkpoint: {key!r} in {filename} has dtype {value.dtype}, but the variable "
            f"{var.name} it restores has dtype {var.dtype.name}"
        )
    if not var._shape.is_compatible_with(value.shape):
        raise ValueError(
            f"Checkpoint: cannot restore {key!r} from {filename}: the saved value has shape "
            f"{tuple(value.shape)}, the variable {var.name} has shape "
            f"{tuple(var.shape.as_list())}"
        )


def _checkpoint_filename(save_path: str) -> str:
    """The file of the checkpoint `save_path` (a prefix, or the file itself)."""
    filename = checkpoint_file(save_path)
    if os.path.isfile(filename):
        return filename
    if save_path.endswith(CHECKPOINT_SUFFIX) and os.path.isfile(save_path):
        return save_path
    if os.path.isfile(save_path + ".index"):
        raise UnimplementedError(
            f"{save_path} is a TensorFlow checkpoint; tapeflow reads only "
            f"its own checkpoint files ({filename})"
        )
    if os.path.isdir(save_path):
        raise NotFoundError(
            f"{save_path} is a directory; pass a checkpoint prefix, e.g. "
            f"tf.train.latest_checkpoint({save_path!r})"
        )
    raise NotFoundError(f"no checkpoint file {filename}")
