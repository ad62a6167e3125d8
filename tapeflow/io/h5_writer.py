"""Writing an HDF5 file of named arrays (Keras 3's `.weights.h5` layout) through h5py.

`h5_bytes(tensors, group_attrs)` builds the file in memory: each key `a/b/vars/0` becomes the
dataset `0` in group `a/b/vars`, stored contiguous and uncompressed as Keras writes it, and
`group_attrs` puts string attributes on groups (Keras' `{"name": layer name}` on each `vars`
group). `write_h5(path, ...)` writes those bytes atomically (`tapeflow.io.atomic`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np

from .atomic import atomic_write
from .h5_reader import import_h5py


def h5_bytes(tensors: Mapping[str, np.ndarray], group_attrs: Mapping[str, dict] = ()) -> bytes:
    """The bytes of an HDF5 file holding `tensors` (key -> array) and `group_attrs`."""
    h5py = import_h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for group, attrs in dict(group_attrs).items():
            target = f.require_group(group) if group else f
            for name, value in attrs.items():
                target.attrs[name] = value
        for key, value in tensors.items():
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError(
                    f"HDF5 weights: {key!r} has dtype {array.dtype}; only bool, integer and "
                    f"float arrays are written"
                )
            group, _, name = key.rpartition("/")
            parent = f.require_group(group) if group else f
            parent.create_dataset(name, data=array)
    return buffer.getvalue()


def write_h5(path, tensors: Mapping[str, np.ndarray], group_attrs: Mapping[str, dict] = ()):
    """Writes `tensors` and `group_attrs` as an HDF5 file at `path`, atomically."""
    data = h5_bytes(tensors, group_attrs)
    with atomic_write(path) as f:
        f.write(data)
