"""`tf.compat`'s Python helpers: text/bytes conversion, dimension values and type tuples.

`tf.compat.v1` (TF1's graph API) is deliberately absent; these are the version-independent
utilities TF keeps beside it.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

bytes_or_text_types = (bytes, str)
complex_types = (numbers.Complex, np.number)
integral_types = (numbers.Integral, np.integer)
real_types = (numbers.Real, np.integer, np.floating)


def as_bytes(bytes_or_text, encoding="utf-8") -> bytes:
    """`bytes_or_text` as bytes (text encoded with `encoding`); TypeError for anything else."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8") -> str:
    """`bytes_or_text` as str (bytes decoded with `encoding`); TypeError for anything else."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value, encoding="utf-8") -> str:
    """`value` as str: bytes decoded, anything else through `str()`."""
    if isinstance(value, bytes):
        return as_str(value, encoding=encoding)
    return str(value)


def path_to_str(path):
    """A path-like object (pathlib.Path) as its str; anything else unchanged."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    return path


def dimension_value(dimension):
    """The int (or None) of a dimension, whatever form it comes in."""
    return getattr(dimension, "value", dimension)


def dimension_at_index(shape, index):
    """Dimension `index` of `shape` (a TensorShape or a list); None where the rank is
    unknown."""
    from .shape import TensorShape

    shape = TensorShape(shape)
    if shape.rank is None:
        return None
    return shape[index]
