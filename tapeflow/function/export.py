"""What `tf.saved_model` needs from tf.function: traces made for export, and the specs a
concrete function was asked for.

`trace_for_export(function, args, kwargs)` traces `function` for arguments (Tensors or
TensorSpecs, whose examples are ones of the spec's shape) without touching its cache: the
saver traces at chosen sizes to learn how the graph depends on `None` dimensions.
`get_concrete_function` records the specs it was called with (`note_requested`), so a
signature made from `f.get_concrete_function(tf.TensorSpec([None], tf.float32))` is saved
for every size, as in TF, though tapeflow's trace itself is specialised on one shape.
"""

from __future__ import annotations

import weakref

from ..core import nest
from ..core.spec import TensorSpec

_requested: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def note_requested(concrete, args, kwargs):
    """Records that `concrete` was returned for these arguments (TensorSpecs kept)."""
    try:
        _requested[concrete] = (tuple(args), dict(kwargs))
    except TypeError:
        pass


def requested(concrete):
    """(args, kwargs) of the last `get_concrete_function` call that returned `concrete`,
    or None."""
    return _requested.get(concrete)


def _example(x):
    return x._example() if isinstance(x, TensorSpec) else x


def trace_for_export(function, args, kwargs):
    """A ConcreteFunction of `function` traced for `args`/`kwargs`, not cached.

    Raises:
        ValueError: the function cannot be traced (it runs eagerly for these arguments).
    """
    from .concrete import ConcreteFunction

    args = nest.map_structure(_example, list(args))
    kwargs = nest.map_structure(_example, dict(kwargs))
    call = function._split(tuple(args), kwargs)
    _, concrete = function._trace(call, dry=True)
    if concrete is None:  # it created variables: the next trace is the one that counts
        _, concrete = function._trace(call, dry=True)
    if not isinstance(concrete, ConcreteFunction):
        raise ValueError(f"tf.function {function._name} cannot be traced: {concrete}")
    return concrete
