"""Transformations of element order and count: shuffle, repeat, take, skip, shard.

Over a row source (slices, range) each one only rewrites the index stream (see
`index_plan`), so `from_tensor_slices(x).shuffle(n).batch(b)` gathers whole batches.
Otherwise they work element by element with the same semantics.
"""

from __future__ import annotations

import importlib
import itertools
import threading
import zlib

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.tensor import Operand
from . import index_plan
from .dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset

_DEFAULT_GLOBAL_SEED = 87654321  # TF's DEFAULT_GRAPH_SEED, as tapeflow.ops.random uses
_SHUFFLE_STREAM = zlib.crc32(b"ShuffleDataset")


def _count_arg(value, what: str) -> int:
    if isinstance(value, Operand):
        value = value.numpy()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what}: expected an integer, got {value!r}")
    return int(value)


class _OrderNode(Dataset):
    """A node whose elements and spec are its input's, reordered or cut."""

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _transform(self, chunks):
        """The index-stream version of this node (see `index_plan`)."""
        raise NotImplementedError

    def _index_plan(self):
        plan = self._inputs[0]._index_plan()
        return None if plan is None else plan.derive(self._transform)

    def _iter_flat(self):
        plan = self._index_plan()
        if plan is not None:
            return plan.rows()
        return self._iter_elements(self._inputs[0]._iter_flat())

    def _iter_elements(self, elements):
        raise NotImplementedError


class Take(_OrderNode):
    def __init__(self, dataset, count):
        super().__init__(dataset)
        self._count = _count_arg(count, "take")

    def _cardinality(self):
        n, k = self._inputs[0]._cardinality(), self._count
        if k < 0:
            return n
        if n == UNKNOWN_CARDINALITY:
            return UNKNOWN_CARDINALITY
        return k if n == INFINITE_CARDINALITY else min(n, k)

    def _transform(self, chunks):
        return chunks if self._count < 0 else index_plan.take_stream(chunks, self._count)

    def _iter_elements(self, elements):
        return elements if self._count < 0 else itertools.islice(elements, self._count)


class Skip(_OrderNode):
    def __init__(self, dataset, count):
        super().__init__(dataset)
        self._count = _count_arg(count, "skip")

    def _cardinality(self):
        n, k = self._inputs[0]._cardinality(), self._count
        if k < 0:
            return 0
        if n < 0:
            return n
        return max(n - k, 0)

    def _transform(self, chunks):
        if self._count < 0:
            return iter(())
        return index_plan.skip_stream(chunks, self._count)

    def _iter_elements(self, elements):
        if self._count < 0:
            return iter(())
        return itertools.islice(elements, self._count, None)


class Shard(_OrderNode):
    def __init__(self, dataset, num_shards, index):
        super().__init__(dataset)
        self._num = _count_arg(num_shards, "shard")
        self._index = _count_arg(index, "shard")
        if self._num <= 0:
            raise InvalidArgumentError(
                f"ShardDataset: Number of shards must be greater than zero "
                f"(currently num_shards = {self._num})."
            )
        if not 0 <= self._index < self._num:
            raise InvalidArgumentError(
                f"ShardDataset: Index must be between 0 and {self._num - 1} "
                f"(currently index = {self._index})."
            )

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return n // self._num + (1 if self._index < n % self._num else 0)

    def _transform(self, chunks):
        return index_plan.shard_stream(chunks, self._num, self._index)

    def _iter_elements(self, elements):
        return itertools.islice(elements, self._index, None, self._num)


class Repeat(_OrderNode):
    def __init__(self, dataset, count):
        super().__init__(dataset)
        count = -1 if count is None else _count_arg(count, "repeat")
        self._count = None if count < 0 else count

    def _cardinality(self):
        n, k = self._inputs[0]._cardinality(), self._count
        if k == 0 or n == 0:
            return 0
        if k is None:
            return INFINITE_CARDINALITY
        return n if n < 0 else n * k

    def _index_plan(self):
        plan = self._inputs[0]._index_plan()
        if plan is None:
            return None
        # A new stream of the input per repetition: a shuffle below reshuffles each epoch.
        return index_plan.IndexPlan(
            plan.source, lambda: index_plan.repeat_stream(plan.chunks, self._count)
        )

    def _iter_elements(self, elements):
        first = True
        done = 0
        while self._count is None or done < self._count:
            source = elements if first else self._inputs[0]._iter_flat()
            first = False
            empty = True
            for element in source:
                empty = False
                yield element
            if empty:
                return
            done += 1


# ---- shuffle ------------------------------------------------------------------------------


def _base_seed(seed) -> list:
    """The seed words of one shuffle dataset, following tapeflow's seeding model (TF's):
    fresh entropy without a global or op seed; with only a global seed, the next op-counter
    seed (so successive shuffles differ but a program repeats itself); with an op seed,
    (global seed or the default, op seed)."""
    # tapeflow.data may not import tapeflow.ops (DESIGN.md layering, checked statically by
    # tests/test_layering.py); the seed state lives in ops.random, so it is looked up at call
    # time. A `get_global_seed()` accessor in core would remove this indirection.
    random_ops = importlib.import_module("tapeflow.ops.random")
    global_seed = random_ops.get_global_seed()
    if seed is None and global_seed is None:
        return [int(w) for w in np.random.SeedSequence().generate_state(2)]
    if seed is None:
        op_seed = int(random_ops.next_rng(None).integers(1 << 62))
        return [global_seed & 0xFFFFFFFF, op_seed, _SHUFFLE_STREAM]
    g = _DEFAULT_GLOBAL_SEED if global_seed is None else global_seed
    return [g & 0xFFFFFFFF, int(seed) & 0xFFFFFFFFFFFFFFFF, _SHUFFLE_STREAM]


class Shuffle(_OrderNode):
    def __init__(self, dataset, buffer_size, seed, reshuffle_each_iteration):
        super().__init__(dataset)
        size = _count_arg(buffer_size, "shuffle")
        if size == 0 or size < -2:
            raise InvalidArgumentError(
                "ShuffleDataset: buffer_size must be greater than zero or UNKNOWN_CARDINALITY"
            )
        if size < 0:  # -2 (UNKNOWN_CARDINALITY): the whole dataset, as TF
            size = 1 << 62
        self._buffer_size = size
        if isinstance(seed, Operand):
            seed = int(seed)
        self._seed_words = _base_seed(seed)
        self._reshuffle = bool(reshuffle_each_iteration)
        self._next_epoch = 0  # the epoch of the next pass (an iterator's checkpoint keeps it)
        self._lock = threading.Lock()

    def _cardinality(self):
        return self._inputs[0]._cardinality()

    def _next_rng(self) -> np.random.Generator:
        with self._lock:
            epoch = self._next_epoch if self._reshuffle else 0
            self._next_epoch += 1
        return np.random.Generator(np.random.PCG64(self._seed_words + [epoch]))

    def _transform(self, chunks):
        return index_plan.shuffle_stream(chunks, self._buffer_size, self._next_rng())

    def _iter_elements(self, elements):
        # Elements come one by one here: the buffer is a list and each step draws one slot
        # (the same semantics as index_plan.shuffle_stream, which vectorises it).
        rng = self._next_rng()
        size = self._buffer_size
        buf = []
        slots = iter(())
        for element in elements:
            if len(buf) < size:
                buf.append(element)
                continue
            slot = next(slots, None)
            if slot is None:
                slots = iter(rng.integers(0, size, 1024).tolist())
                slot = next(slots)
            yield buf[slot]
            buf[slot] = element
        for i in rng.permutation(len(buf)).tolist():
            yield buf[i]
