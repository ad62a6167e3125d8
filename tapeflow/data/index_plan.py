"""Index plans: datasets whose elements are rows of arrays, iterated by index chunks.

`from_tensor_slices` and `range` are row sources; `shuffle`, `take`, `skip`, `shard` and
`repeat` over them only rearrange row indices. A plan is (source, chunk stream): the stream
yields 1-D int64 index arrays, and `batch` regroups it into batch-sized chunks and gathers
each component once per batch (one `take` per component), never stacking single rows.
"""

from __future__ import annotations

import numpy as np

from ..backend import xp

# Element-wise iteration gathers this many rows at a time, then yields views of them.
ROW_CHUNK = 256


class SlicesSource:
    """Rows of equally long arrays (one per flat component)."""

    __slots__ = ("arrays", "n")

    def __init__(self, arrays):
        self.arrays = tuple(arrays)
        self.n = int(self.arrays[0].shape[0])

    def gather(self, idx):
        if len(idx) and idx[-1] - idx[0] == len(idx) - 1 and _is_run(idx):
            # A contiguous run (unshuffled data): a slice copy is cheaper than a gather.
            lo, hi = int(idx[0]), int(idx[-1]) + 1
            return tuple([a[lo:hi].copy() for a in self.arrays])
        if xp is np:
            return tuple([a.take(idx, axis=0) for a in self.arrays])
        on_device = xp.asarray(idx)  # text (object arrays) stays on the host
        return tuple(
            [a.take(idx if isinstance(a, np.ndarray) else on_device, axis=0) for a in self.arrays]
        )


def _is_run(idx) -> bool:
    return bool(np.all(np.diff(idx) == 1)) if len(idx) > 1 else True


class RangeSource:
    """The rows of `range(start, stop, step)` as one int component, computed on demand."""

    __slots__ = ("start", "step", "n", "np_dtype")

    def __init__(self, start, step, n, np_dtype):
        self.start, self.step, self.n, self.np_dtype = start, step, n, np_dtype

    def gather(self, idx):
        values = self.start + np.asarray(idx, dtype=np.int64) * self.step
        return (xp.asarray(values.astype(self.np_dtype, copy=False)),)


class IndexPlan:
    """A row source and a factory of index-chunk streams (one stream per iteration)."""

    __slots__ = ("source", "chunks")

    def __init__(self, source, chunks):
        self.source = source
        self.chunks = chunks  # () -> iterator of 1-D int64 arrays

    def derive(self, transform) -> IndexPlan:
        """The same source with `transform(chunks())` as the stream."""
        parent = self.chunks
        return IndexPlan(self.source, lambda: transform(parent()))

    def rows(self):
        """Yields one flat element (tuple of arrays) per index."""
        gather = self.source.gather
        for chunk in split_stream(self.chunks(), ROW_CHUNK):
            block = gather(chunk)
            # `a[i, ...]` is a 0-d array for 1-d `a` (a NumPy scalar for `a[i]`).
            for i in range(len(chunk)):
                yield tuple([a[i, ...] for a in block])

    def batches(self, batch_size: int, drop_remainder: bool):
        gather = self.source.gather
        for chunk in regroup(self.chunks(), batch_size, drop_remainder):
            yield gather(chunk)


def all_rows(n: int):
    """The identity stream 0..n-1, in chunks that keep memory flat for huge sources."""
    step = 1 << 16
    for lo in range(0, n, step):
        yield np.arange(lo, min(lo + step, n), dtype=np.int64)


def regroup(chunks, size: int, drop_remainder: bool):
    """Re-cuts a stream of index chunks into chunks of exactly `size` (the last one may be
    short unless `drop_remainder`)."""
    pending, have = [], 0
    for c in chunks:
        if not len(c):
            continue
        pending.append(c)
        have += len(c)
        if have >= size:
            joined = np.concatenate(pending) if len(pending) > 1 else pending[0]
            full = (len(joined) // size) * size
            for lo in range(0, full, size):
                yield joined[lo : lo + size]
            rest = joined[full:]
            pending, have = ([rest], len(rest)) if len(rest) else ([], 0)
    if have and not drop_remainder:
        yield np.concatenate(pending) if len(pending) > 1 else pending[0]


def split_stream(chunks, size: int):
    """Cuts every chunk into pieces of at most `size`."""
    for c in chunks:
        for lo in range(0, len(c), size):
            yield c[lo : lo + size]


def take_stream(chunks, count: int):
    left = count
    if left == 0:
        return
    for c in chunks:
        if len(c) >= left:
            yield c[:left]
            return
        left -= len(c)
        yield c


def skip_stream(chunks, count: int):
    left = count
    for c in chunks:
        if left >= len(c):
            left -= len(c)
            continue
        yield c[left:] if left else c
        left = 0


def shard_stream(chunks, num_shards: int, index: int):
    position = 0  # global position of the chunk's first element
    for c in chunks:
        first = (index - position) % num_shards
        position += len(c)
        piece = c[first::num_shards]
        if len(piece):
            yield piece


def repeat_stream(make_chunks, count):
    """`make_chunks()` once per repetition, forever when `count` is None. Passes over a small
    source are joined into chunks of at least `_MIN_REPEAT_CHUNK`, so `from_tensors(x)
    .repeat()` does not move one index at a time."""
    done = 0
    pending, have = [], 0
    while count is None or done < count:
        empty = True
        for c in make_chunks():
            if not len(c):
                continue
            empty = False
            if not have and len(c) >= _MIN_REPEAT_CHUNK:
                yield c
                continue
            pending.append(c)
            have += len(c)
            if have >= _MIN_REPEAT_CHUNK:
                yield np.concatenate(pending)
                pending, have = [], 0
        if empty:  # an empty dataset repeated forever is empty, as in TF
            break
        done += 1
    if pending:
        yield np.concatenate(pending)


_MIN_REPEAT_CHUNK = 4096


# ---- shuffling with TensorFlow's buffer semantics ----------------------------------------------


def shuffle_stream(chunks, buffer_size: int, rng: np.random.Generator):
    """Shuffles a stream of values (int arrays) the way TF's shuffle buffer does: the buffer
    is filled with the first `buffer_size` values; each output is a uniformly chosen buffer
    slot, which the next input value then takes; at the end of input the buffer is emptied
    in random order. With `buffer_size >= n` this is a uniform permutation.

    Vectorised per input chunk: the slot chosen at step t holds the input written at the last
    earlier step that chose the same slot, else what the slot held when the chunk began.
    """
    buf = np.empty(0, dtype=np.int64)
    for c in chunks:
        if len(buf) < buffer_size:
            need = buffer_size - len(buf)
            buf = np.concatenate([buf, c[:need]])
            c = c[need:]
        if len(c):
            out, buf = _steady_state(buf, c, rng)
            yield out
    if len(buf):
        yield rng.permutation(buf)


def _steady_state(buf, incoming, rng):
    k, size = len(incoming), len(buf)
    slots = rng.integers(0, size, k)
    order = np.argsort(slots, kind="stable")  # steps grouped by slot, in time order
    sorted_slots = slots[order]
    same_as_previous = np.empty(k, dtype=bool)
    same_as_previous[0] = False
    np.equal(sorted_slots[1:], sorted_slots[:-1], out=same_as_previous[1:])
    # previous step that chose the same slot (or -1)
    prev = np.full(k, -1, dtype=np.int64)
    prev[order[1:]] = np.where(same_as_previous[1:], order[:-1], -1)
    out = np.where(prev >= 0, incoming[np.maximum(prev, 0)], buf[slots])
    last_of_slot = np.empty(k, dtype=bool)
    last_of_slot[-1] = True
    np.not_equal(sorted_slots[1:], sorted_slots[:-1], out=last_of_slot[:-1])
    new_buf = buf.copy()
    new_buf[sorted_slots[last_of_slot]] = incoming[order[last_of_slot]]
    return out, new_buf
