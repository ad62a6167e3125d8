"""Tracked lists and dicts: containers that say when an object joins them (TF's ListWrapper).

TF restores a checkpoint value the moment its object appears: when a Variable is appended to
a list held by a `tf.train.Checkpoint` or a `tf.Module`, put in such a dict, or assigned as an
attribute. Plain lists cannot tell anyone they changed, so while a checkpoint waits for
objects (`restoring()`), lists and dicts given to a tracked owner become `TrackedList` /
`TrackedDict`, and every addition calls the restorer that `tapeflow.train` installs.

A wrapper shares its storage with the list or dict it wraps (as TF's does): code that kept the
original sees the same elements, and every method reads the shared storage. Its own list/dict
base storage mirrors it (updated by each change made through the wrapper, rebuilt when the
original was changed directly) for the C code that reads a subclass's base storage (the
`json` encoder's empty-dict check, `heapq`).
"""

from __future__ import annotations

_restorer = None  # called with the value just attached to a tracked owner or container
_busy = False  # the restorer is running: additions it makes do not call it again


_owner_classes = []  # classes whose attribute assignment reports, while a checkpoint waits


def set_restorer(fn):
    """Installs `fn` (or None): what runs after a value joins a tracked owner or container."""
    global _restorer
    was_restoring = _restorer is not None
    _restorer = fn
    if (fn is not None) != was_restoring:
        # Only while a checkpoint waits do owners pay for a Python-level __setattr__.
        for cls in _owner_classes:
            if fn is not None:
                cls.__setattr__ = _reporting_setattr
            else:
                del cls.__setattr__


def report_attributes(cls):
    """Class decorator: while a checkpoint waits, assigning an attribute of an instance
    tracks a list/dict value and reports it (for classes without their own __setattr__)."""
    _owner_classes.append(cls)
    if _restorer is not None:
        cls.__setattr__ = _reporting_setattr
    return cls


def _reporting_setattr(self, name, value):
    if name not in getattr(self, "_TF_MODULE_IGNORED_PROPERTIES", ()):
        value = track(value)
    object.__setattr__(self, name, value)
    attached(value)


def restoring() -> bool:
    """True while a checkpoint waits for objects: new lists and dicts are then tracked."""
    return _restorer is not None


def track(value):
    """`value`, or a TrackedList/TrackedDict sharing its storage if it is a plain list/dict;
    a tuple whose items hold such lists or dicts is rebuilt around tracked ones."""
    cls = type(value)
    if cls is list:
        return TrackedList(value)
    if cls is dict:
        return TrackedDict(value)
    if isinstance(value, tuple):
        items = [track(x) for x in value]
        if all(a is b for a, b in zip(items, value)):
            return value
        return cls(*items) if hasattr(value, "_fields") else cls(items)
    return value


def attached(value):
    """Tells the restorer that `value` was just attached to a tracked owner or container."""
    global _busy
    if _restorer is None or _busy or isinstance(value, (bool, int, float, str, bytes)):
        return
    if value is None:
        return
    _busy = True
    try:
        _restorer(value)
    finally:
        _busy = False


class TrackedList(list):
    """A list that calls the restorer when an element is added (TF's ListWrapper)."""

    __slots__ = ("_storage",)

    def __init__(self, storage=()):
        super().__init__()
        self._storage = storage if type(storage) is list else list(storage)
        for i, x in enumerate(self._storage):
            tracked = track(x)
            if tracked is not x:
                self._storage[i] = tracked
        list.extend(self, self._storage)

    def _change(self, name, *args):
        """Applies list method `name` to the storage and to the mirror; its result."""
        in_sync = list.__len__(self) == len(self._storage)
        result = getattr(list, name)(self._storage, *args)
        if in_sync:
            getattr(list, name)(self, *args)
        else:  # the original was changed directly: copy it again
            list.__setitem__(self, slice(None), self._storage)
        return result

    # ---- reading ----------------------------------------------------------------------------

    def __len__(self):
        return len(self._storage)

    def __iter__(self):
        return iter(self._storage)

    def __reversed__(self):
        return reversed(self._storage)

    def __contains__(self, x):
        return x in self._storage

    def __getitem__(self, i):
        return self._storage[i]

    def index(self, *args):
        return self._storage.index(*args)

    def count(self, x):
        return self._storage.count(x)

    def copy(self):
        return list(self._storage)

    def __eq__(self, other):
        return self._storage == _unwrap(other)

    def __ne__(self, other):
        return self._storage != _unwrap(other)

    def __lt__(self, other):
        return self._storage < _unwrap(other)

    def __le__(self, other):
        return self._storage <= _unwrap(other)

    def __gt__(self, other):
        return self._storage > _unwrap(other)

    def __ge__(self, other):
        return self._storage >= _unwrap(other)

    __hash__ = None

    def __add__(self, other):
        return self._storage + _unwrap(other)

    def __radd__(self, other):
        return _unwrap(other) + self._storage

    def __mul__(self, n):
        return self._storage * n

    __rmul__ = __mul__

    def __repr__(self):
        return repr(self._storage)

    def __reduce_ex__(self, protocol):
        return (TrackedList, (list(self._storage),))

    # ---- adding (each addition may complete a pending restore) -------------------------------

    def append(self, x):
        x = track(x)
        self._change("append", x)
        attached(x)

    def extend(self, items):
        items = [track(x) for x in items]
        self._change("extend", items)
        attached(items)

    def __iadd__(self, items):
        self.extend(items)
        return self

    def __imul__(self, n):
        self._change("__imul__", n)
        return self

    def insert(self, i, x):
        x = track(x)
        self._change("insert", i, x)
        attached(x)

    def __setitem__(self, i, x):
        x = [track(v) for v in x] if isinstance(i, slice) else track(x)
        self._change("__setitem__", i, x)
        attached(x)

    # ---- removing and reordering ------------------------------------------------------------

    def __delitem__(self, i):
        self._change("__delitem__", i)

    def pop(self, *args):
        return self._change("pop", *args)

    def remove(self, x):
        self._change("remove", x)

    def clear(self):
        self._change("clear")

    def sort(self, *, key=None, reverse=False):
        self._storage.sort(key=key, reverse=reverse)
        list.__setitem__(self, slice(None), self._storage)

    def reverse(self):
        self._change("reverse")


class TrackedDict(dict):
    """A dict that calls the restorer when a value is set (TF's _DictWrapper)."""

    __slots__ = ("_storage",)

    def __init__(self, storage=(), **kwargs):
        super().__init__()
        self._storage = (
            storage if type(storage) is dict and not kwargs else dict(storage, **kwargs)
        )
        for k, v in self._storage.items():
            tracked = track(v)
            if tracked is not v:
                self._storage[k] = tracked
        dict.update(self, self._storage)

    def _change(self, name, *args):
        """Applies dict method `name` to the storage and to the mirror; its result."""
        in_sync = dict.__len__(self) == len(self._storage)
        result = getattr(dict, name)(self._storage, *args)
        if in_sync:
            getattr(dict, name)(self, *args)
        else:  # the original was changed directly: copy it again
            dict.clear(self)
            dict.update(self, self._storage)
        return result

    # ---- reading ----------------------------------------------------------------------------

    def __len__(self):
        return len(self._storage)

    def __iter__(self):
        return iter(self._storage)

    def __reversed__(self):
        return reversed(self._storage)

    def __contains__(self, k):
        return k in self._storage

    def __getitem__(self, k):
        return self._storage[k]

    def get(self, k, default=None):
        return self._storage.get(k, default)

    def keys(self):
        return self._storage.keys()

    def values(self):
        return self._storage.values()

    def items(self):
        return self._storage.items()

    def copy(self):
        return dict(self._storage)

    def __eq__(self, other):
        return self._storage == _unwrap(other)

    def __ne__(self, other):
        return self._storage != _unwrap(other)

    __hash__ = None

    def __or__(self, other):
        return self._storage | _unwrap(other)

    def __ror__(self, other):
        return _unwrap(other) | self._storage

    def __repr__(self):
        return repr(self._storage)

    def __reduce_ex__(self, protocol):
        return (TrackedDict, (dict(self._storage),))

    # ---- adding -----------------------------------------------------------------------------

    def __setitem__(self, k, v):
        v = track(v)
        self._change("__setitem__", k, v)
        attached(v)

    def update(self, *args, **kwargs):
        added = {k: track(v) for k, v in dict(*args, **kwargs).items()}
        self._change("update", added)
        attached(list(added.values()))

    def __ior__(self, other):
        self.update(other)
        return self

    def setdefault(self, k, default=None):
        if k in self._storage:
            return self._storage[k]
        self[k] = default
        return self._storage[k]

    # ---- removing ---------------------------------------------------------------------------

    def __delitem__(self, k):
        self._change("__delitem__", k)

    def pop(self, *args):
        return self._change("pop", *args)

    def popitem(self):
        key, value = self._storage.popitem()
        dict.pop(self, key, None)
        return key, value

    def clear(self):
        self._change("clear")


def _unwrap(x):
    return x._storage if isinstance(x, (TrackedList, TrackedDict)) else x
