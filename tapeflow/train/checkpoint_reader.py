"""Reading a checkpoint file directly: `tf.train.list_variables`, `load_variable`,
`load_checkpoint`.

Names are TF's: a variable saved at object path `net/l1/kernel` is listed as
`net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE`, an optimizer slot as
`<variable path>/.OPTIMIZER_SLOT/<optimizer path>/<slot>/.ATTRIBUTES/VARIABLE_VALUE`, an
iterator's state as `<path>/.ATTRIBUTES/ITERATOR_STATE`. `get_tensor` and `load_variable`
also take the bare object path. The paths themselves follow tapeflow's object graph
(`_object_graph`), which for Keras models differs from TF's `layer_with_weights-0` names."""

from __future__ import annotations

import os

from ..core import dtypes
from ..io.safe_format import read_tensors
from .checkpoint import _checkpoint_filename
from .checkpoint_management import latest_checkpoint

VARIABLE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
ATTRIBUTES = "/.ATTRIBUTES/"


def tf_name(key: str) -> str:
    """TF's name for a key of tapeflow's checkpoint file."""
    return key if ATTRIBUTES in key else key + VARIABLE_SUFFIX


class CheckpointReader:
    """The saved arrays of one checkpoint file, by TF's names (see the module docstring)."""

    def __init__(self, filename: str):
        self._filename = filename
        tensors, self._metadata = read_tensors(filename)
        self._tensors = {tf_name(k): v for k, v in tensors.items()}

    def _key(self, name: str) -> str:
        return name if name in self._tensors else tf_name(name)

    def has_tensor(self, name: str) -> bool:
        return self._key(name) in self._tensors

    def get_tensor(self, name: str):
        """A copy of the saved array `name` (NumPy): TF's name or the object path."""
        key = self._key(name)
        if key not in self._tensors:
            raise ValueError(f"{name!r} not found in checkpoint {self._filename}")
        return self._tensors[key].copy()

    def get_variable_to_shape_map(self) -> dict:
        return {k: list(v.shape) for k, v in self._tensors.items()}

    def get_variable_to_dtype_map(self) -> dict:
        return {k: dtypes.as_dtype(v.dtype) for k, v in self._tensors.items()}


def _resolve(ckpt_dir_or_file) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(
                f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}"
            )
        path = latest
    return _checkpoint_filename(path)


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A `CheckpointReader` for a checkpoint prefix, or the latest one in a directory."""
    return CheckpointReader(_resolve(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file) -> list:
    """Sorted (key, shape) pairs of every array saved in the checkpoint."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return sorted(shapes.items())


def load_variable(ckpt_dir_or_file, name: str):
    """The saved array `name` of the checkpoint, as NumPy."""
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)
