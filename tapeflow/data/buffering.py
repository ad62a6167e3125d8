"""Buffering: `cache` (in memory or in a file) and `prefetch` (a background thread)."""

from __future__ import annotations

import math
import os
import queue
import threading

import numpy as np

from ..backend import to_numpy, xp
from ..core import dtypes
from ..core.errors import DataLossError, InvalidArgumentError
from ..core.tensor import Operand
from ..io import safe_format
from . import ragged_rows, sparse_rows, structure
from .dataset import AUTOTUNE, Dataset, close_iterator
from .index_plan import IndexPlan, SlicesSource, all_rows

CACHE_SUFFIX = ".tfcache"
_CACHE_KIND = "tapeflow.data.cache"
# prefetch(tf.data.AUTOTUNE): TF tunes the depth at run time; a few elements ahead is
# what it settles on for typical training loops.
_AUTOTUNE_PREFETCH = 4


def _stack_uniform(flats):
    """Per component, the elements stacked into one array, or None where shapes differ."""
    out = []
    for j in range(len(flats[0])):
        arrays = [f[j] for f in flats]
        same = len({a.shape for a in arrays}) == 1
        if sparse_rows.is_sparse_array(arrays[0]):
            out.append(sparse_rows.stack(arrays) if same else None)
            continue
        if ragged_rows.is_ragged_array(arrays[0]):
            out.append(None)  # kept element by element
            continue
        out.append(xp.stack(arrays) if same else None)
    return out


class Cache(Dataset):
    """`Dataset.cache`: the first complete iteration is recorded; later ones replay it.

    Only a complete iteration is kept: stopping early (a `take` below, a `break`) keeps
    nothing, in memory or on disk, so a truncated cache can never pass for the dataset.
    When every component has one shape the cache is stored stacked and acts as a row
    source, so `cache().shuffle(n).batch(b)` gathers whole batches after the first epoch.
    """

    def __init__(self, dataset, filename):
        super().__init__(dataset)
        self._path = os.fspath(filename) + CACHE_SUFFIX if filename else None
        self._stacked = None  # tuple of arrays with the elements as rows
        self._elements = None  # list of flat elements (shapes vary)

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _cardinality(self):
        return self._inputs[0]._cardinality()

    def _cached(self):
        """(stacked rows, None) or (None, element list) once complete, else (None, None)."""
        if self._stacked is not None or self._elements is not None:
            return self._stacked, self._elements
        if self._path is not None and os.path.exists(self._path):
            return self._read_file()
        return None, None

    @staticmethod
    def _plan(stacked):
        n = int(stacked[0].shape[0])
        return IndexPlan(SlicesSource(stacked), lambda: all_rows(n))

    def _index_plan(self):
        stacked, _ = self._cached()
        return None if stacked is None else self._plan(stacked)

    def _iter_flat(self):
        stacked, elements = self._cached()
        if stacked is not None:
            yield from self._plan(stacked).rows()
            return
        if elements is not None:
            yield from elements
            return
        recorded = []
        for flat in self._inputs[0]._iter_flat():
            recorded.append(flat)
            yield flat
        self._store(recorded)  # reached only when the input was exhausted

    def _store(self, flats):
        stacked = _stack_uniform(flats) if flats else []
        if self._path is not None:
            self._write_file(flats, stacked)
        elif flats and all(a is not None for a in stacked):
            self._stacked = tuple(stacked)
        else:
            self._elements = flats

    # ---- the file format: tapeflow.io.safe_format, one file, written atomically ----

    def _write_file(self, flats, stacked):
        if flats and any(sparse_rows.is_sparse_array(a) for a in flats[0]):
            raise TypeError(
                f"cache: {self._path}: tapeflow cannot write SparseTensor elements to a cache "
                f"file; use cache() without a filename (in memory)"
            )
        tensors, layout = {}, []
        for j, arr in enumerate(stacked):
            if arr is not None:
                tensors[f"c{j}"] = to_numpy(arr)
                layout.append("stacked")
                continue
            parts = [to_numpy(f[j]) for f in flats]
            tensors[f"c{j}.data"] = np.concatenate([p.reshape(-1) for p in parts])
            tensors[f"c{j}.ranks"] = np.array([p.ndim for p in parts], dtype=np.int64)
            tensors[f"c{j}.dims"] = np.array([d for p in parts for d in p.shape], dtype=np.int64)
            layout.append("ragged")
        specs = structure.flatten(self.element_spec)
        metadata = {
            "kind": _CACHE_KIND,
            "num_elements": len(flats),
            "dtypes": [s.dtype.name for s in specs],
            "layout": layout,
        }
        safe_format.write_tensors(self._path, tensors, metadata)

    def _read_file(self):
        tensors, meta = safe_format.read_tensors(self._path)
        specs = structure.flatten(self.element_spec)
        names = [s.dtype.name for s in specs]
        if meta.get("kind") != _CACHE_KIND or meta.get("dtypes") != names:
            raise InvalidArgumentError(
                f"cache: {self._path} is not a cache of this dataset: it holds "
                f"{meta.get('dtypes')!r} elements, the dataset has {names!r}"
            )
        n, layouts = _checked_layout(self._path, meta, len(specs))
        if n == 0:
            return None, []
        columns = []
        for j, (layout, spec) in enumerate(zip(layouts, specs)):
            np_dtype = dtypes.as_dtype(names[j])._np
            if layout == "stacked":
                column = _checked_array(self._path, tensors, f"c{j}", np_dtype)
                _check_element_shape(self._path, j, column.shape, n, spec)
                columns.append(xp.asarray(column))
            else:
                columns.append(_split_ragged(self._path, tensors, j, n, np_dtype, spec))
        if all(not isinstance(c, list) for c in columns):
            return tuple(columns), None
        rows = [c if isinstance(c, list) else [c[i, ...] for i in range(n)] for c in columns]
        return None, list(zip(*rows))


def _corrupt(path, what) -> DataLossError:
    return DataLossError(f"cache: {path}: {what}")


def _checked_layout(path, meta, components: int):
    n, layouts = meta.get("num_elements"), meta.get("layout")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise _corrupt(path, f"malformed element count {n!r}")
    if (
        not isinstance(layouts, list)
        or len(layouts) != components
        or any(layout not in ("stacked", "ragged") for layout in layouts)
    ):
        raise _corrupt(path, f"malformed layout {str(layouts)[:100]} for {components} components")
    return n, layouts


def _checked_array(path, tensors, key, np_dtype, ndim=None):
    array = tensors.get(key)
    if array is None:
        raise _corrupt(path, f"the array {key!r} is missing")
    if array.dtype != np_dtype or (ndim is not None and array.ndim != ndim):
        raise _corrupt(path, f"the array {key!r} is {array.dtype} of shape {array.shape}")
    return array


def _check_element_shape(path, j, shape, n, spec):
    """A stacked component holds `n` rows of the rank the dataset's spec has. (Only the rank:
    a spec inferred from one element can be more specific than the dataset.)"""
    rank = spec.shape.rank
    if not shape or shape[0] != n or (rank is not None and len(shape) - 1 != rank):
        raise _corrupt(
            path,
            f"component {j} holds shape {tuple(shape)}, expected {n} elements of rank {rank}",
        )


def _split_ragged(path, tensors, j, n, np_dtype, spec):
    data = _checked_array(path, tensors, f"c{j}.data", np_dtype, ndim=1)
    ranks = _checked_array(path, tensors, f"c{j}.ranks", np.int64, ndim=1)
    dims = _checked_array(path, tensors, f"c{j}.dims", np.int64, ndim=1)
    if len(ranks) != n or (ranks < 0).any() or (ranks > safe_format.MAX_RANK).any():
        raise _corrupt(path, f"component {j}: malformed element ranks")
    if int(ranks.sum()) != len(dims) or (dims < 0).any():
        raise _corrupt(path, f"component {j}: malformed element shapes")
    dim_ends = np.cumsum(ranks)
    shapes = [tuple(dims[e - r : e].tolist()) for r, e in zip(ranks.tolist(), dim_ends)]
    sizes = [math.prod(s) for s in shapes]
    if sum(sizes) != len(data):
        raise _corrupt(
            path, f"component {j}: the shapes need {sum(sizes)} values, the file holds {len(data)}"
        )
    for shape in set(shapes):
        _check_element_shape(path, j, (1, *shape), 1, spec)
    ends = np.cumsum(sizes)
    return [
        xp.asarray(data[e - size : e].reshape(s).astype(np_dtype, copy=False))
        for s, size, e in zip(shapes, sizes, ends.tolist())
    ]


# ---- prefetch ---------------------------------------------------------------------------


class Prefetch(Dataset):
    """`Dataset.prefetch`: a daemon thread keeps up to `buffer_size` elements ready.

    The consumer side is a generator: when the iterator is dropped (garbage collected or
    closed) its `finally` stops the thread, which then closes its own input iterators.
    """

    def __init__(self, dataset, buffer_size):
        super().__init__(dataset)
        if isinstance(buffer_size, Operand):
            buffer_size = int(buffer_size)
        if buffer_size == AUTOTUNE:
            buffer_size = _AUTOTUNE_PREFETCH
        if buffer_size < 0:
            raise InvalidArgumentError(
                f"PrefetchDataset: buffer_size must be >= 0 or tf.data.AUTOTUNE, got {buffer_size}"
            )
        self._buffer_size = int(buffer_size)

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _cardinality(self):
        return self._inputs[0]._cardinality()

    def _iter_flat(self):
        if self._buffer_size == 0:
            yield from self._inputs[0]._iter_flat()
            return
        items = queue.Queue(self._buffer_size)
        stop = threading.Event()
        worker = threading.Thread(
            target=_produce,
            args=(self._inputs[0], items, stop),
            name="tapeflow-data-prefetch",
            daemon=True,
        )
        worker.start()
        try:
            while True:
                kind, value = items.get()
                if kind is _ITEM:
                    yield value
                elif kind is _END:
                    return
                else:
                    raise value
        finally:
            stop.set()
            # Frees a slot for a producer blocked in put(); it then sees `stop` and exits.
            while True:
                try:
                    items.get_nowait()
                except queue.Empty:
                    break


_ITEM, _END, _ERROR = object(), object(), object()


def _produce(dataset, items, stop):
    source = None
    try:
        source = dataset._iter_flat()
        for value in source:
            items.put((_ITEM, value))
            if stop.is_set():
                return
        items.put((_END, None))
    except BaseException as e:  # handed to the consumer, raised at its next()
        if not stop.is_set():
            items.put((_ERROR, e))
    finally:
        if source is not None:
            close_iterator(source)
