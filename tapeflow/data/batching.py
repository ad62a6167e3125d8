"""Batching: batch, unbatch, padded_batch, rebatch and window.

`batch` over a row source gathers each batch with one `take` per component (see
`index_plan`); `unbatch().batch(b)` and `rebatch(b)` re-cut batches by concatenation.
Only elements that arrive one by one are stacked one by one.
"""

from __future__ import annotations

import collections
import itertools

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.ragged_spec import RaggedTensorSpec
from ..core.shape import TensorShape
from ..core.sparse import SparseTensorSpec
from ..core.spec import DatasetSpec, TensorSpec
from ..core.tensor import Operand
from . import ragged_rows, sparse_rows, structure
from .dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from .sources import ListDataset, Zip


def _size_arg(value, what: str, op_name: str) -> int:
    if isinstance(value, Operand):
        value = value.numpy()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op_name}: {what} must be an integer, got {value!r}")
    if value <= 0:
        raise InvalidArgumentError(f"{op_name}: {what} must be greater than zero, got {value}.")
    return int(value)


def _tensor_specs(dataset, op_name: str) -> list:
    specs = structure.flatten(dataset.element_spec)
    for s in specs:
        if not isinstance(s, (TensorSpec, SparseTensorSpec, RaggedTensorSpec)):
            raise TypeError(f"{op_name}: cannot batch elements holding datasets ({s!r})")
    return specs


def _batched_spec(dataset, batch_size, drop_remainder, op_name, shapes=None):
    specs = _tensor_specs(dataset, op_name)
    lead = TensorShape([batch_size if drop_remainder else None])
    shapes = shapes or [s.shape for s in specs]
    return structure.pack(
        dataset.element_spec,
        [
            RaggedTensorSpec(lead.concatenate(shape), s.dtype, s.ragged_rank + 1)
            if isinstance(s, RaggedTensorSpec)
            else type(s)(lead.concatenate(shape), s.dtype)
            for s, shape in zip(specs, shapes)
        ],
    )


def _batched_cardinality(n, batch_size, drop_remainder):
    if n < 0:
        return n
    return n // batch_size if drop_remainder else -(-n // batch_size)


def _fmt(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def _stack(group):
    """One batch from a list of flat elements, checking equal shapes as TF does."""
    out = []
    for j in range(len(group[0])):
        arrays = [element[j] for element in group]
        if sparse_rows.is_sparse_array(arrays[0]):
            out.append(sparse_rows.stack(arrays))
            continue
        if any(ragged_rows.is_ragged_array(a) for a in arrays):
            out.append(ragged_rows.stack(arrays))
            continue
        first = arrays[0].shape
        if len({a.shape for a in arrays}) > 1:
            i = next(i for i, a in enumerate(arrays) if a.shape != first)
            raise InvalidArgumentError(
                f"Cannot batch tensors with different shapes in component {j}. First element "
                f"had shape {_fmt(first)} and element {i} had shape {_fmt(arrays[i].shape)}."
            )
        out.append(xp.stack(arrays))
    return tuple(out)


def _groups(elements, size, drop_remainder):
    while True:
        group = list(itertools.islice(elements, size))
        if not group or (drop_remainder and len(group) < size):
            return
        yield group


def _lead(batch, op_name: str) -> int:
    leads = {a.shape[0] if a.ndim else None for a in batch}
    if None in leads:
        raise InvalidArgumentError(f"{op_name}: Cannot unbatch an input with scalar components.")
    if len(leads) > 1:
        a, b = sorted(leads)[:2]
        raise InvalidArgumentError(
            f"`unbatch()` is only supported for datasets of elements whose components have a "
            f"matching leading dimension. Encountered both {a} and {b}."
        )
    return leads.pop()


def _recut(batches, sizes, drop_remainder, op_name):
    """Re-cuts a stream of batches into batches of the sizes `sizes` yields, in order."""
    pending, have = [], 0
    target = next(sizes)
    for batch in batches:
        n = _lead(batch, op_name)
        if n == 0:
            continue
        pending.append(batch)
        have += n
        while have >= target:
            joined = _join(pending)
            yield tuple(a[:target] for a in joined)
            rest = tuple(a[target:] for a in joined)
            have -= target
            pending = [rest] if have else []
            target = next(sizes)
    if have and not drop_remainder:
        yield _join(pending)


def _join(batches):
    if len(batches) == 1:
        return batches[0]
    out = []
    for j in range(len(batches[0])):
        parts = [b[j] for b in batches]
        if sparse_rows.is_sparse_array(parts[0]):
            out.append(sparse_rows.concatenate(parts))
            continue
        if ragged_rows.is_ragged_array(parts[0]):
            out.append(ragged_rows.concatenate(parts))
            continue
        first = parts[0].shape[1:]
        for p in parts[1:]:
            if p.shape[1:] != first:
                raise InvalidArgumentError(
                    f"Cannot batch tensors with different shapes in component {j}. First "
                    f"element had shape {_fmt(first)} and element 1 had shape "
                    f"{_fmt(p.shape[1:])}."
                )
        out.append(xp.concatenate(parts))
    return tuple(out)


class Batch(Dataset):
    def __init__(self, dataset, batch_size, drop_remainder):
        super().__init__(dataset)
        self._size = _size_arg(batch_size, "Batch size", "BatchDataset")
        self._drop = bool(drop_remainder)

    def _compute_spec(self):
        return _batched_spec(self._inputs[0], self._size, self._drop, "batch")

    def _cardinality(self):
        return _batched_cardinality(self._inputs[0]._cardinality(), self._size, self._drop)

    def _iter_flat(self):
        source = self._inputs[0]
        plan = source._index_plan()
        if plan is not None:
            return plan.batches(self._size, self._drop)
        if isinstance(source, Unbatch):  # unbatch().batch(b): re-cut, no per-row work
            batches = source._inputs[0]._iter_flat()
            return _recut(batches, itertools.repeat(self._size), self._drop, "batch")
        if isinstance(source, Zip):  # zip / enumerate of row sources: batch each, then zip
            plans = [d._index_plan() for d in source._inputs]
            if all(p is not None for p in plans):
                return self._zipped_batches(plans)
        return map(_stack, _groups(source._iter_flat(), self._size, self._drop))

    def _zipped_batches(self, plans):
        size = self._size
        for parts in zip(*[p.batches(size, False) for p in plans]):
            n = min(len(part[0]) for part in parts)  # zip stops with its shortest input
            if n == 0 or (n < size and self._drop):
                return
            yield tuple(a if len(a) == n else a[:n] for part in parts for a in part)
            if n < size:
                return


class Unbatch(Dataset):
    def __init__(self, dataset):
        super().__init__(dataset)

    def _compute_spec(self):
        specs = _tensor_specs(self._inputs[0], "unbatch")
        for s in specs:
            if s.shape.rank == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
        return structure.pack(
            self._inputs[0].element_spec, [type(s)(s.shape[1:], s.dtype) for s in specs]
        )

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n == INFINITE_CARDINALITY:
            return n
        # Known only when every batch has the same static size (batch(drop_remainder=True)).
        specs = structure.flatten(self._inputs[0].element_spec)
        leads = {s.shape[0] if s.shape.rank else None for s in specs}
        if n == UNKNOWN_CARDINALITY or len(leads) != 1 or None in leads:
            return UNKNOWN_CARDINALITY
        return n * leads.pop()

    def _iter_flat(self):
        for batch in self._inputs[0]._iter_flat():
            for i in range(_lead(batch, "unbatch")):
                yield tuple([a[i, ...] for a in batch])


class Rebatch(Dataset):
    def __init__(self, dataset, batch_size, drop_remainder):
        super().__init__(dataset)
        sizes = batch_size.numpy() if isinstance(batch_size, Operand) else batch_size
        sizes = np.asarray(sizes).reshape(-1).tolist()
        if not sizes:
            raise ValueError("rebatch: `batch_size` is empty")
        self._sizes = [_size_arg(int(s), "batch_size", "RebatchDataset") for s in sizes]
        self._drop = bool(drop_remainder)
        for s in _tensor_specs(dataset, "rebatch"):
            if s.shape.rank == 0:
                raise ValueError(
                    "Invalid `batch_sizes`. Expected dataset with rank of >= 1 but found a "
                    "dataset with scalar elements. Fix the issue by adding the `batch` "
                    "transformation to the dataset."
                )

    def _compute_spec(self):
        specs = _tensor_specs(self._inputs[0], "rebatch")
        static = self._drop and len(self._sizes) == 1
        return _batched_spec(
            self._inputs[0], self._sizes[0], static, "rebatch", [s.shape[1:] for s in specs]
        )

    def _iter_flat(self):
        batches = self._inputs[0]._iter_flat()
        return _recut(batches, itertools.cycle(self._sizes), self._drop, "rebatch")


class PaddedBatch(Dataset):
    def __init__(self, dataset, batch_size, padded_shapes, padding_values, drop_remainder):
        super().__init__(dataset)
        self._size = _size_arg(batch_size, "Batch size", "PaddedBatchDataset")
        self._drop = bool(drop_remainder)
        specs = _tensor_specs(dataset, "padded_batch")
        if any(isinstance(s, SparseTensorSpec) for s in specs):
            raise TypeError(
                "`padded_batch` is only supported for datasets that produce tensor elements "
                "but the input dataset produces SparseTensors; use `batch`, which batches "
                "SparseTensors to their largest dense shape"
            )
        self._shapes = _padded_shapes(dataset.element_spec, specs, padded_shapes)
        self._pads = _padding_values(dataset.element_spec, specs, padding_values)

    def _compute_spec(self):
        return _batched_spec(self._inputs[0], self._size, self._drop, "padded_batch", self._shapes)

    def _cardinality(self):
        return _batched_cardinality(self._inputs[0]._cardinality(), self._size, self._drop)

    def _iter_flat(self):
        for group in _groups(self._inputs[0]._iter_flat(), self._size, self._drop):
            yield tuple(
                _pad_component([e[j] for e in group], shape, pad, j)
                for j, (shape, pad) in enumerate(zip(self._shapes, self._pads))
            )


def _pad_component(arrays, shape: TensorShape, pad, j):
    rank = shape.rank
    for a in arrays:
        if a.ndim != rank:
            raise InvalidArgumentError(
                f"padded_batch: component {j} has rank {a.ndim}, the padded shape {shape} has "
                f"rank {rank}"
            )
    longest = np.max([a.shape for a in arrays], axis=0) if rank else ()
    target = [int(m) if d is None else d for d, m in zip(shape.dims, longest)]
    for a in arrays:
        if any(n > t for n, t in zip(a.shape, target)):
            raise InvalidArgumentError(
                f"padded_batch: Attempted to pad to a smaller size than the input element: "
                f"component {j} has shape {_fmt(a.shape)}, the padded shape is {_fmt(target)}."
            )
    out = xp.full([len(arrays)] + target, pad, dtype=arrays[0].dtype)
    for i, a in enumerate(arrays):
        out[(i,) + tuple(slice(0, n) for n in a.shape)] = a
    return out


def _per_component(element_spec, value, is_leaf):
    """The entries of `value` that line up with the components of `element_spec`; a single
    leaf value is used for every component."""
    if is_leaf(value):
        return [value] * len(structure.flatten(element_spec))
    out = []

    def walk(spec, v):
        if isinstance(spec, dict):
            for k in sorted(spec):
                walk(spec[k], v[k])
        elif isinstance(spec, tuple):
            if not isinstance(v, (tuple, list)) or len(v) != len(spec):
                raise ValueError(f"{v!r} does not match the element structure {element_spec!r}")
            for s, x in zip(spec, v):
                walk(s, x)
        else:
            out.append(v)

    walk(element_spec, value)
    return out


def _is_shape(x) -> bool:
    if isinstance(x, TensorShape) or isinstance(x, (int, np.integer)) or x is None:
        return True
    return isinstance(x, (list, tuple)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in x
    )


def _padded_shapes(element_spec, specs, padded_shapes):
    if padded_shapes is None:
        out = []
        for j, s in enumerate(specs):
            if s.shape.rank is None:
                raise ValueError(
                    f"You must provide `padded_shapes` argument because component {j} has "
                    f"unknown rank."
                )
            out.append(TensorShape([None] * s.shape.rank))
        return out
    single = isinstance(element_spec, TensorSpec)
    shapes = _per_component(element_spec, padded_shapes, lambda v: single and _is_shape(v))
    out = []
    for j, (s, given) in enumerate(zip(specs, shapes)):
        if given is None:
            raise ValueError(f"padded_batch: the padded shape of component {j} is None")
        given = TensorShape([None if d is None or d < 0 else d for d in TensorShape(given)])
        # A larger padded size than a static dimension is fine, a smaller one is not.
        if given.rank != s.shape.rank or any(
            g is not None and d is not None and g < d for g, d in zip(given, s.shape)
        ):
            raise ValueError(
                f"The padded shape {given} is not compatible with the shape {s.shape} of the "
                f"corresponding input component."
            )
        out.append(given)
    return out


def _padding_values(element_spec, specs, padding_values):
    if padding_values is None:
        return [
            False if s.dtype.is_bool else b"" if s.dtype == dtypes.string else 0 for s in specs
        ]
    values = _per_component(
        element_spec, padding_values, lambda v: not isinstance(v, (tuple, list, dict))
    )
    out = []
    for s, v in zip(specs, values):
        arr = structure.to_array(v)
        if arr.ndim != 0:
            raise ValueError(f"Invalid `padding_values`: expected scalars, got {v!r}")
        got = dtypes.from_numpy(arr.dtype)
        if got != s.dtype:
            raise TypeError(
                f"Invalid `padding_values`. `padding_values` values type <dtype: '{got.name}'> "
                f"does not match type <dtype: '{s.dtype.name}'> of the corresponding input "
                f"component."
            )
        out.append(arr)
    return out


class Window(Dataset):
    def __init__(self, dataset, size, shift, stride, drop_remainder):
        super().__init__(dataset)
        self._size = _size_arg(size, "Window size", "WindowDataset")
        self._shift = self._size if shift is None else _size_arg(shift, "shift", "WindowDataset")
        self._stride = _size_arg(stride, "stride", "WindowDataset")
        self._drop = bool(drop_remainder)

    def _compute_spec(self):
        spec = self._inputs[0].element_spec
        return structure.pack(spec, [DatasetSpec(s) for s in structure.flatten(spec)])

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        if not self._drop:
            return -(-n // self._shift)
        span = (self._size - 1) * self._stride + 1
        return (n - span) // self._shift + 1 if n >= span else 0

    def _window(self, elements):
        leaf_specs = structure.flatten(self._inputs[0].element_spec)
        return tuple(ListDataset(s, [(e[j],) for e in elements]) for j, s in enumerate(leaf_specs))

    def _iter_flat(self):
        size, shift, stride = self._size, self._shift, self._stride
        span = (size - 1) * stride + 1
        buffer = collections.deque()  # elements from position `base` on
        base = start = count = 0
        for element in self._inputs[0]._iter_flat():
            buffer.append(element)
            count += 1
            while start + span <= count:
                yield self._window([buffer[start - base + k * stride] for k in range(size)])
                start += shift
                while base < start and buffer:
                    buffer.popleft()
                    base += 1
            while base < start and buffer:  # positions a shift jumped over
                buffer.popleft()
                base += 1
        while not self._drop and start < count:
            last = count - start
            yield self._window([buffer[start - base + k] for k in range(0, last, stride)])
            start += shift


class RaggedBatch(Dataset):
    """`Dataset.ragged_batch`: elements of different shapes batch into RaggedTensors (a
    dimension unknown in the element spec becomes ragged; known ones stay uniform)."""

    def __init__(self, dataset, batch_size, drop_remainder):
        super().__init__(dataset)
        self._size = _size_arg(batch_size, "Batch size", "RaggedBatchDataset")
        self._drop = bool(drop_remainder)
        self._specs = _tensor_specs(dataset, "ragged_batch")

    def _compute_spec(self):
        size = self._size
        return structure.pack(
            self._inputs[0].element_spec,
            [ragged_rows.ragged_batch_spec(s, size, self._drop) for s in self._specs],
        )

    def _cardinality(self):
        return _batched_cardinality(self._inputs[0]._cardinality(), self._size, self._drop)

    def _iter_flat(self):
        specs = self._specs
        for group in _groups(self._inputs[0]._iter_flat(), self._size, self._drop):
            yield tuple(
                ragged_rows.ragged_stack([element[j] for element in group], spec)
                for j, spec in enumerate(specs)
            )
