"""Nested structures (lists, tuples, namedtuples, dicts) as in `tf.nest`."""

from __future__ import annotations

from collections.abc import Mapping


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def is_nested(x) -> bool:
    """True for the containers that `flatten` descends into."""
    return isinstance(x, (list, tuple, Mapping))


def flatten(structure) -> list:
    """The leaves of `structure` in order (dicts by sorted key, as TF does)."""
    out = []
    _flatten_into(structure, out)
    return out


def _flatten_into(x, out):
    if isinstance(x, Mapping):
        for k in _sorted_keys(x):
            _flatten_into(x[k], out)
    elif isinstance(x, (list, tuple)):
        for item in x:
            _flatten_into(item, out)
    else:
        out.append(x)


def _sorted_keys(d):
    # No fallback to insertion order for keys that do not sort (TF raises too): two dicts
    # with the same keys in another order would then pair their values wrongly.
    try:
        return sorted(d)
    except TypeError as e:
        raise TypeError(
            f"nest only supports dicts with sortable keys; got the keys {list(d)} ({e})"
        ) from None


def pack_sequence_as(structure, flat_sequence):
    """Puts the leaves of `flat_sequence` back into the shape of `structure`."""
    flat = list(flat_sequence)
    result, used = _pack(structure, flat, 0)
    if used != len(flat):
        raise ValueError(
            f"pack_sequence_as: structure has {used} leaves but flat_sequence has {len(flat)}."
        )
    return result


def _pack(x, flat, i):
    if isinstance(x, Mapping):
        packed = {}
        for k in _sorted_keys(x):
            packed[k], i = _pack(x[k], flat, i)
        ordered = [(k, packed[k]) for k in x]
        return (dict(ordered) if type(x) is dict else type(x)(ordered)), i
    if isinstance(x, (list, tuple)):
        items = []
        for item in x:
            v, i = _pack(item, flat, i)
            items.append(v)
        if _is_namedtuple(x):
            return type(x)(*items), i
        return type(x)(items), i
    if i >= len(flat):
        raise ValueError("pack_sequence_as: flat_sequence has fewer leaves than structure.")
    return flat[i], i + 1


def map_structure(func, *structures):
    """Applies `func` to corresponding leaves of the structures; keeps the first's shape."""
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    flats = [flatten(s) for s in structures]
    n = len(flats[0])
    for s, f in zip(structures[1:], flats[1:]):
        if len(f) != n:
            raise ValueError(
                f"map_structure: structures differ: {structures[0]!r} has {n} leaves, "
                f"{s!r} has {len(f)}."
            )
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])


def assert_same_structure(a, b, check_types: bool = True):
    """Raises ValueError (or TypeError) when `a` and `b` do not have the same nesting."""
    if is_nested(a) != is_nested(b):
        raise ValueError(f"The two structures don't have the same nested structure: {a!r}, {b!r}")
    if not is_nested(a):
        return
    if check_types and type(a) is not type(b):
        raise TypeError(
            f"The two structures don't have the same sequence type: {type(a)}, {type(b)}"
        )
    if isinstance(a, Mapping):
        if set(a) != set(b):
            raise ValueError(
                f"The two dictionaries don't have the same keys: {list(a)}, {list(b)}"
            )
        for k in a:
            assert_same_structure(a[k], b[k], check_types)
        return
    if len(a) != len(b):
        raise ValueError(f"The two structures don't have the same length: {len(a)}, {len(b)}")
    for x, y in zip(a, b):
        assert_same_structure(x, y, check_types)
