"""`keras.tree`: utilities for nested structures (lists, tuples, dicts of tensors)."""

from __future__ import annotations

from ..core.nest import assert_same_structure, flatten, is_nested, map_structure  # noqa: F401
from ..core.nest import pack_sequence_as as _pack_sequence_as


def pack_sequence_as(structure, flat_sequence, sequence_fn=None):
    """`flat_sequence` arranged in the structure of `structure`."""
    return _pack_sequence_as(structure, list(flat_sequence))


def traverse(func, structure, top_down=True):
    """`func` applied to every node (top-down: a non-None result replaces the subtree)."""
    if top_down:
        out = func(structure)
        if out is not None:
            return out
    if isinstance(structure, (list, tuple)):
        out = type(structure)(traverse(func, s, top_down) for s in structure)
    elif isinstance(structure, dict):
        out = {k: traverse(func, v, top_down) for k, v in structure.items()}
    else:
        out = structure
    if not top_down:
        result = func(out)
        return out if result is None else result
    return out


__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure",
           "pack_sequence_as", "traverse"]  # fmt: skip
