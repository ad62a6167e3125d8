"""`tf.io.read_file` and `tf.io.write_file`: whole files as scalar string tensors.

Both are stateful ops, so a traced function reads or writes on every call, as in TF.
Writing is atomic: the bytes go to a temporary file in the target's directory (created if
missing, as TF does), are flushed and fsynced, then renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
import secrets

import numpy as np

from ..core import dtypes, string_values
from ..core.errors import InvalidArgumentError, NotFoundError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor


def _path(filename) -> str:
    return filename.reshape(()).item().decode("utf-8", "surrogateescape")


@op(
    "ReadFile",
    differentiable=False,
    strings=True,
    host=True,
    stateful=True,
    samples=[Sample(lambda rng: string_values.bytes_array([os.devnull.encode()], ()))],
)
def _read_file(filename):
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise NotFoundError(f"{path}; No such file or directory") from None
    except IsADirectoryError:
        raise InvalidArgumentError(f"{path}; is a directory, not a file") from None
    return string_values.bytes_array([data], ())


def read_file(filename, name=None):
    """The contents of the file `filename` as a scalar string tensor."""
    return _read_file(_scalar_string(filename, "ReadFile", "filename"))


@op(
    "WriteFile",
    differentiable=False,
    strings=True,
    host=True,
    stateful=True,
    samples=[  # never run by the generic tests (stateful); documents the inputs
        Sample(
            lambda rng: string_values.bytes_array([os.devnull.encode()], ()),
            lambda rng: string_values.bytes_array([b""], ()),
        )
    ],
)
def _write_file(filename, contents):
    path = _path(filename)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(contents.reshape(()).item())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return np.zeros((0,), np.int32)  # TF's op has no output; the plan needs an array


def write_file(filename, contents, name=None):
    """Writes the scalar string `contents` to `filename`, atomically (see the module)."""
    _write_file(
        _scalar_string(filename, "WriteFile", "filename"),
        _scalar_string(contents, "WriteFile", "contents"),
    )


def _scalar_string(value, op_name, what):
    t = (
        convert_to_tensor(value, dtype=dtypes.string)
        if isinstance(value, (str, bytes))
        else (convert_to_tensor(value))
    )
    if t.dtype != dtypes.string or t.ndim != 0:
        raise InvalidArgumentError(f"{op_name}: {what} must be a scalar string, got {t!r}")
    return t


API = {"io": ["read_file", "write_file"]}
