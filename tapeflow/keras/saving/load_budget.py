"""What building a model from a file may allocate: no more than the file's own weights.

A config is a recipe: `Dense(units=2**40)` or `Input(shape=(2**20, 2**20))` in a 2 KB file
would make `load_model` allocate terabytes while it builds the model. While a file's model is
built, `add_weight` and the symbolic calls that infer shapes charge this budget first: the
weights created may not exceed the bytes of weights the file holds (plus some slack for
weights a model creates but does not save), and no input the layers are run on to infer
shapes may exceed the scratch limit. Outside a loading call nothing is checked.
"""

from __future__ import annotations

import contextlib
import math
import threading

import numpy as np

from ...core.errors import DataLossError

WEIGHT_SLACK_BYTES = 64 << 20
SCRATCH_BYTES = 256 << 20


class _State(threading.local):
    def __init__(self):
        self.budget = None


_state = _State()


def _size(nbytes: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if nbytes < 1024 or unit == "TiB":
            return f"{nbytes} bytes" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return ""


def _nbytes(shape, dtype) -> int:
    try:
        itemsize = np.dtype(dtype).itemsize
    except TypeError:
        itemsize = 8
    return math.prod(max(int(d), 0) for d in shape) * itemsize


class _Budget:
    def __init__(self, weight_bytes: int, source: str):
        self.saved = weight_bytes
        self.left = weight_bytes + WEIGHT_SLACK_BYTES
        self.scratch = SCRATCH_BYTES + weight_bytes
        self.source = source


@contextlib.contextmanager
def limit(weight_bytes: int, source: str):
    """Within the block (on this thread), building layers may allocate about
    `weight_bytes` of weights, the size of the weights the file `source` holds."""
    backup = _state.budget
    _state.budget = _Budget(weight_bytes, source)
    try:
        yield
    finally:
        _state.budget = backup


def charge_weight(layer, shape, dtype):
    """Called by `Layer.add_weight` before it allocates a weight of `shape` and `dtype`.

    Raises:
        tf.errors.DataLossError: inside a loading call, the weights would outgrow the file's.
    """
    budget = _state.budget
    if budget is None:
        return
    nbytes = _nbytes(shape, dtype)
    if nbytes > budget.left:
        raise DataLossError(
            f"{budget.source}: layer '{layer.name}' ({type(layer).__name__}) would create a "
            f"weight of shape {tuple(shape)} and dtype {dtype} ({_size(nbytes)}), but the "
            f"file holds {_size(budget.saved)} of weights in all: its config does not match "
            f"its weights"
        )
    budget.left -= nbytes


def check_scratch(layer, shape, dtype):
    """Called before a layer is run on zeros of `shape` to infer its output shape.

    Raises:
        tf.errors.DataLossError: inside a loading call, those zeros would be too large.
    """
    budget = _state.budget
    if budget is None:
        return
    nbytes = _nbytes(shape, dtype)
    if nbytes > budget.scratch:
        raise DataLossError(
            f"{budget.source}: layer '{layer.name}' ({type(layer).__name__}) would be run on "
            f"an input of shape {tuple(shape)} ({_size(nbytes)}) to build the model, over the "
            f"{_size(budget.scratch)} that loading this file may use"
        )
