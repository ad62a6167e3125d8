"""Transformations that call user functions: map, filter, take_while, interleave/flat_map,
scan, and the consumers reduce and get_single_element.

TensorFlow traces these functions once to learn the output's type; tapeflow runs eagerly,
so a map's `element_spec` comes from calling the function on the first input element (once
per dataset object, when the spec is first needed). A leading dimension that is None in the
input spec (a batch) is None in the output spec as well.
"""

from __future__ import annotations

import collections
import concurrent.futures
import os

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.ragged_spec import RaggedTensorSpec
from ..core.shape import TensorShape
from ..core.sparse import SparseTensorSpec
from ..core.spec import TensorSpec
from ..core.tensor import Operand, wrap
from . import ragged_rows, sparse_rows, structure
from .dataset import AUTOTUNE, Dataset, close_iterator


class PassThrough(Dataset):
    """The same elements as its input (`with_options`)."""

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _cardinality(self):
        return self._inputs[0]._cardinality()

    def _index_plan(self):
        return self._inputs[0]._index_plan()

    def _iter_flat(self):
        return self._inputs[0]._iter_flat()


def _first_element(dataset):
    """The first flat element of `dataset`, or None when it is empty."""
    it = dataset._iter_flat()
    try:
        return next(it, None)
    finally:
        close_iterator(it)


def _placeholder_element(spec):
    """Zeros in the shape of `spec` (unknown dimensions 1) for an empty input."""
    out = []
    for s in structure.flatten(spec):
        if isinstance(s, SparseTensorSpec):
            out.append(sparse_rows.empty_like_spec(s))
            continue
        if isinstance(s, RaggedTensorSpec):
            out.append(ragged_rows.empty_like_spec(s))
            continue
        dims = [1] if s.shape.rank is None else [1 if d is None else d for d in s.shape]
        out.append(xp.zeros(dims, dtype=s.dtype._np))
    return tuple(out)


def _traced_output(dataset, call, what):
    """(input flat element, output of `call(element)`), from the first input element."""
    flat = _first_element(dataset)
    if flat is None:
        try:
            flat = _placeholder_element(dataset.element_spec)
            return flat, call(flat)
        except Exception as e:
            raise ValueError(
                f"{what}: cannot determine the output type of the function: the input dataset "
                f"is empty and the function fails on a placeholder element ({e})"
            ) from e
    return flat, call(flat)


def _output_spec(input_spec, input_flat, template, output_flat):
    in_specs = structure.flatten(input_spec)
    unknown_rank = any(s.shape.rank is None for s in in_specs)
    batch_sizes = {
        a.shape[0]
        for a, s in zip(input_flat, in_specs)
        if s.shape.rank and s.shape[0] is None and a.ndim
    }

    def spec(a):
        if structure._is_dataset(a):
            return structure.spec_of(a)
        if unknown_rank:
            shape = TensorShape(None)
        elif a.ndim and a.shape[0] in batch_sizes:
            shape = TensorShape([None] + list(a.shape[1:]))
        else:
            shape = TensorShape(a.shape)
        if ragged_rows.is_ragged_array(a):
            return a.spec()
        spec_type = SparseTensorSpec if sparse_rows.is_sparse_array(a) else TensorSpec
        return spec_type(shape, dtypes.from_numpy(a.dtype))

    return structure.pack(template, [spec(a) for a in output_flat])


class Map(Dataset):
    def __init__(self, dataset, map_func, num_parallel_calls, deterministic):
        super().__init__(dataset)
        if not callable(map_func):
            raise TypeError(f"map: `map_func` must be callable, got {map_func!r}")
        self._fn = map_func
        if num_parallel_calls is None or num_parallel_calls == 1:
            self._workers = 0
        elif num_parallel_calls == AUTOTUNE:
            self._workers = os.cpu_count() or 1
        elif int(num_parallel_calls) > 0:
            self._workers = int(num_parallel_calls)
        else:
            raise ValueError(
                f"map: num_parallel_calls must be positive or tf.data.AUTOTUNE, got "
                f"{num_parallel_calls}"
            )
        self._deterministic = deterministic is not False

    def _call(self, pack, flat):
        return structure.call_with_element(self._fn, pack(flat))

    def _compute_spec(self):
        source = self._inputs[0]
        pack = structure.make_packer(source.element_spec)
        flat, out = _traced_output(source, lambda f: self._call(pack, f), "map")
        template, out_flat = structure.normalize(out)
        return _output_spec(source.element_spec, flat, template, out_flat)

    def _cardinality(self):
        return self._inputs[0]._cardinality()

    def _iter_flat(self):
        source_ds = self._inputs[0]
        pack = structure.LazyPacker(source_ds)
        expected = []  # the number of components, once known

        def apply(flat):
            template, out = structure.normalize(self._call(pack, flat))
            if not expected:
                if self._spec_value is None:  # learned from this first real element
                    self._spec_value = _output_spec(source_ds.element_spec, flat, template, out)
                expected.append(len(structure.flatten(self._spec_value)))
            if len(out) != expected[0]:
                raise ValueError(
                    f"map: the function returned {len(out)} components for one element and "
                    f"{expected[0]} for the first one"
                )
            return tuple(out)

        source = source_ds._iter_flat()
        if not self._workers:
            return map(apply, source)
        return self._parallel(apply, source)

    def _parallel(self, apply, source):
        workers = self._workers
        pool = concurrent.futures.ThreadPoolExecutor(workers, "tapeflow-data-map")
        pending = collections.deque()
        try:
            for flat in source:
                pending.append(pool.submit(apply, flat))
                if len(pending) >= 2 * workers:
                    if self._deterministic:
                        yield pending.popleft().result()
                    else:
                        yield from self._completed(pending)
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            close_iterator(source)

    @staticmethod
    def _completed(pending):
        done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
        for f in done:
            pending.remove(f)
        return [f.result() for f in done]


def _predicate_result(value, what: str, sep: str = ", ") -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    arr = structure.to_array(value) if not isinstance(value, Operand) else value._value
    if arr.dtype != np.bool_ or arr.ndim != 0:
        spec = TensorSpec(arr.shape, dtypes.from_numpy(arr.dtype))
        raise ValueError(
            f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor{sep}but "
            f"its return type is {spec!r}."
        )
    return bool(arr)


class Filter(Dataset):
    def __init__(self, dataset, predicate):
        super().__init__(dataset)
        self._predicate = predicate

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _iter_flat(self):
        pack = structure.LazyPacker(self._inputs[0])
        predicate = self._predicate
        for flat in self._inputs[0]._iter_flat():
            if _predicate_result(structure.call_with_element(predicate, pack(flat)), "filter"):
                yield flat


class TakeWhile(Filter):
    def _iter_flat(self):
        pack = structure.LazyPacker(self._inputs[0])
        predicate = self._predicate
        source = self._inputs[0]._iter_flat()
        try:
            for flat in source:
                keep = structure.call_with_element(predicate, pack(flat))
                if not _predicate_result(keep, "take_while", sep=" "):
                    return
                yield flat
        finally:
            close_iterator(source)


class Interleave(Dataset):
    """`interleave` (and `flat_map`: cycle_length=1): TF's InterleaveDataset order."""

    def __init__(self, dataset, map_func, cycle_length, block_length):
        super().__init__(dataset)
        self._fn = map_func
        if cycle_length is None or cycle_length == AUTOTUNE:
            cycle_length = os.cpu_count() or 1
        if block_length is None:
            block_length = 1
        if cycle_length <= 0 or block_length <= 0:
            raise InvalidArgumentError(
                f"InterleaveDataset: cycle_length ({cycle_length}) and block_length "
                f"({block_length}) must be greater than zero."
            )
        self._cycle, self._block = int(cycle_length), int(block_length)

    def _open(self, pack, flat):
        out = structure.call_with_element(self._fn, pack(flat))
        if not isinstance(out, Dataset):
            raise TypeError(f"`map_func` must return a `Dataset` object. Got {type(out)}.")
        return out

    def _compute_spec(self):
        source = self._inputs[0]
        pack = structure.make_packer(source.element_spec)
        return _traced_output(source, lambda f: self._open(pack, f), "interleave")[1].element_spec

    def _iter_flat(self):
        pack = structure.LazyPacker(self._inputs[0])
        source = self._inputs[0]._iter_flat()
        slots = [None] * self._cycle
        cycle_index = block_index = num_open = 0
        end_of_input = False
        try:
            while not end_of_input or num_open:
                it = slots[cycle_index]
                if it is not None:
                    element = next(it, None)
                    if element is not None:
                        block_index += 1
                        if block_index == self._block:
                            cycle_index, block_index = (cycle_index + 1) % self._cycle, 0
                        yield element
                        continue
                    slots[cycle_index] = None
                    num_open -= 1
                elif not end_of_input:
                    flat = next(source, None)
                    if flat is None:
                        end_of_input = True
                    else:
                        opened = self._open(pack, flat)
                        if self._spec_value is None:
                            self._spec_value = opened.element_spec
                        slots[cycle_index] = opened._iter_flat()
                        num_open += 1
                    continue
                cycle_index, block_index = (cycle_index + 1) % self._cycle, 0
        finally:
            for it in slots:
                if it is not None:
                    close_iterator(it)
            close_iterator(source)


def _state_arrays(state, what: str, expected=None):
    template, flat = structure.normalize(state)
    if expected is not None:
        exp_template, exp_flat = expected
        if not structure.same_structure(exp_template, template) or len(flat) != len(exp_flat):
            raise TypeError(
                f"{what}: the new state {state!r} does not match the structure of the initial "
                f"state {exp_template!r}"
            )
        for a, b in zip(exp_flat, flat):
            if a.dtype != b.dtype:
                raise TypeError(
                    f"The element types for the new state must match the initial state. "
                    f"Expected <dtype: '{dtypes.from_numpy(a.dtype).name}'> but got "
                    f"<dtype: '{dtypes.from_numpy(b.dtype).name}'>."
                )
    return template, flat


def _as_tensors(template, flat):
    return structure.pack(template, [wrap(a) for a in flat])


class Scan(Dataset):
    def __init__(self, dataset, initial_state, scan_func):
        super().__init__(dataset)
        self._initial = _state_arrays(initial_state, "scan")
        self._fn = scan_func

    def _step(self, state, pack, flat):
        out = self._fn(_as_tensors(*state), pack(flat))
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError(f"scan: `scan_func` must return (new_state, output), got {out!r}")
        return _state_arrays(out[0], "scan", self._initial), out[1]

    def _compute_spec(self):
        source = self._inputs[0]
        pack = structure.make_packer(source.element_spec)
        flat, (_, out) = _traced_output(
            source, lambda f: self._step(self._initial, pack, f), "scan"
        )
        template, out_flat = structure.normalize(out)
        return _output_spec(source.element_spec, flat, template, out_flat)

    def _cardinality(self):
        return self._inputs[0]._cardinality()

    def _iter_flat(self):
        pack = structure.LazyPacker(self._inputs[0])
        state = self._initial
        for flat in self._inputs[0]._iter_flat():
            state, out = self._step(state, pack, flat)
            template, out_flat = structure.normalize(out)
            if self._spec_value is None:
                source_spec = self._inputs[0].element_spec
                self._spec_value = _output_spec(source_spec, flat, template, out_flat)
            yield tuple(out_flat)


def reduce_dataset(dataset, initial_state, reduce_func):
    initial = _state_arrays(initial_state, "reduce")
    pack = structure.LazyPacker(dataset)
    state = initial
    for flat in dataset._iter_flat():
        new = reduce_func(_as_tensors(*state), pack(flat))
        state = _state_arrays(new, "reduce", initial)
    return _as_tensors(*state)


def single_element(dataset):
    pack = structure.LazyPacker(dataset)
    it = dataset._iter_flat()
    try:
        first = next(it, None)
        if first is None:
            raise InvalidArgumentError("DatasetToSingleElement: Dataset was empty.")
        if next(it, None) is not None:
            raise InvalidArgumentError(
                "DatasetToSingleElement: Dataset had more than one element."
            )
    finally:
        close_iterator(it)
    return pack(first)
