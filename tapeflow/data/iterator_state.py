"""The checkpointable state of a `tf.data` iterator: how far it got, and the shuffle seeds.

An iterator's position is saved as the number of elements it has returned, with, for every
`shuffle` in its pipeline, the seed words and the epoch its first pass used; restoring sets
those shuffles back and replays a fresh pass of the pipeline up to that position, so the next
elements are the ones the saved iterator would have returned (with a seedless shuffle too,
and in a new process). The replay recomputes the skipped elements: restoring costs as much
as reading that far (TF instead saves its buffers). A pipeline whose replay would not give
the same elements cannot be saved, as in TF: `from_generator` (Python state;
TF: "PyFunc is stateful") and a parallel `map(deterministic=False)`.

The state is one uint8 array holding a small JSON document, read back with bounded size and
nesting; it also names the pipeline's node types, so it restores only into the same pipeline.
"""

from __future__ import annotations

import json

import numpy as np

from ..core.errors import FailedPreconditionError, InvalidArgumentError
from ..io import safe_json

STATE_KEY = "ITERATOR_STATE"
VERSION = 1
MAX_STATE_BYTES = 1 << 20


def pipeline(dataset) -> list:
    """Every dataset node of the pipeline, depth first from the last one (inputs in order)."""
    from .dataset import Dataset

    out, seen, stack = [], set(), [dataset]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        stack.extend(reversed([d for d in node._inputs if isinstance(d, Dataset)]))
    return out


def _shuffles(nodes) -> list:
    from .ordering import Shuffle

    return [node for node in nodes if isinstance(node, Shuffle)]


def shuffle_states(dataset) -> list:
    """[{"seed": words, "epoch": next epoch}] of the pipeline's shuffles, now."""
    return [
        {"seed": [int(w) for w in node._seed_words], "epoch": int(node._next_epoch)}
        for node in _shuffles(pipeline(dataset))
    ]


def check_saveable(dataset):
    """Raises FailedPreconditionError when a replay could not reproduce the elements."""
    from .sources import FromGenerator
    from .transforms import Map

    for node in pipeline(dataset):
        if isinstance(node, FromGenerator):
            raise FailedPreconditionError(
                "Cannot checkpoint a tf.data iterator over Dataset.from_generator: the "
                "generator's position is Python state (TF: PyFunc is stateful)."
            )
        if isinstance(node, Map) and node._workers and not node._deterministic:
            raise FailedPreconditionError(
                "Cannot checkpoint a tf.data iterator over map(num_parallel_calls=..., "
                "deterministic=False): its element order cannot be reproduced."
            )


def encode(dataset, consumed: int, start_shuffles: list) -> np.ndarray:
    check_saveable(dataset)
    document = {
        "version": VERSION,
        "consumed": int(consumed),
        "pipeline": [type(node).__name__ for node in pipeline(dataset)],
        "shuffles": start_shuffles,
    }
    return np.frombuffer(json.dumps(document).encode("utf-8"), dtype=np.uint8).copy()


def decode(array, dataset) -> dict:
    """The checked state document of `array` (saved by `encode`) for `dataset`."""
    data = np.asarray(array)
    if data.dtype != np.uint8 or data.ndim != 1 or data.size > MAX_STATE_BYTES:
        raise InvalidArgumentError(
            f"tf.data iterator checkpoint: the saved state is a {data.dtype} array of shape "
            f"{data.shape}, not the state tapeflow writes"
        )
    try:
        document = safe_json.loads(data.tobytes(), "iterator state", max_depth=8)
    except ValueError as e:
        raise InvalidArgumentError(f"tf.data iterator checkpoint: {e}") from None
    nodes = [type(node).__name__ for node in pipeline(dataset)]
    shuffles = _shuffles(pipeline(dataset))
    if not (
        isinstance(document, dict)
        and document.get("version") == VERSION
        and isinstance(document.get("consumed"), int)
        and document["consumed"] >= 0
        and isinstance(document.get("shuffles"), list)
        and len(document["shuffles"]) == len(shuffles)
        and all(_valid_shuffle(s) for s in document["shuffles"])
    ):
        raise InvalidArgumentError("tf.data iterator checkpoint: malformed iterator state")
    if document.get("pipeline") != nodes:
        raise InvalidArgumentError(
            f"tf.data iterator checkpoint: the saved iterator ran over a pipeline of "
            f"{document.get('pipeline')}, this iterator's pipeline is {nodes}"
        )
    return document


def _valid_shuffle(state) -> bool:
    seed, epoch = state.get("seed") if isinstance(state, dict) else None, None
    if isinstance(state, dict):
        epoch = state.get("epoch")
    return (
        isinstance(seed, list)
        and 0 < len(seed) <= 4
        and all(isinstance(w, int) and 0 <= w < 1 << 64 for w in seed)
        and isinstance(epoch, int)
        and epoch >= 0
    )


def apply_shuffles(dataset, states: list):
    """Sets the pipeline's shuffles to the saved seeds and first epoch."""
    for node, state in zip(_shuffles(pipeline(dataset)), states, strict=True):
        with node._lock:
            node._seed_words = list(state["seed"])
            node._next_epoch = state["epoch"]
