"""Source datasets (slices, tensors, generator, range) and the combinators zip/concatenate."""

from __future__ import annotations

import itertools

import numpy as np

from ..backend import to_numpy, xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.ragged_spec import RaggedTensorSpec
from ..core.shape import TensorShape
from ..core.sparse import SparseTensorSpec
from ..core.spec import TensorSpec, most_specific_shape
from ..core.tensor import Operand, Tensor
from . import structure
from .dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, close_iterator
from .index_plan import IndexPlan, RangeSource, SlicesSource, all_rows
from .ragged_rows import is_ragged_array
from .sparse_rows import is_sparse_array


def _own_array(value):
    """`value` as a backend array that no caller can mutate behind the dataset's back."""
    arr = structure.to_array(value)
    if isinstance(value, Tensor) or isinstance(value, (list, tuple, int, float, bool)):
        return arr  # Tensors are immutable; Python values were converted into a new array
    return arr.copy()  # NumPy arrays and Variables (assign writes in place) may change


def _spec_type(array):
    if is_ragged_array(array):  # the whole value, or (one dimension less) one of its rows
        return lambda shape, dtype: (
            array.spec()
            if len(shape) == array.ndim
            else RaggedTensorSpec(shape, dtype, max(array.ragged_rank - 1, 0))
        )
    return SparseTensorSpec if is_sparse_array(array) else TensorSpec


class TensorSlices(Dataset):
    """`Dataset.from_tensor_slices`: row i of every component is element i."""

    def __init__(self, tensors):
        super().__init__()
        if tensors is None:
            raise TypeError("from_tensor_slices: expected tensors, got None")
        leaves = structure.flatten_with_paths(tensors)
        if not leaves:
            raise ValueError("from_tensor_slices: the structure holds no tensors")
        arrays = []
        for path, leaf in leaves:
            arr = _own_array(leaf)
            if arr.ndim == 0:
                where = f" component {path}" if path else ""
                raise ValueError(
                    f"from_tensor_slices:{where} is a scalar of value {to_numpy(arr)!r}. "
                    f"Unbatching a tensor is only supported for rank >= 1"
                )
            arrays.append(arr)
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) > 1:
            listed = ", ".join(f"{p}: {n}" for (p, _), n in zip(leaves, sizes))
            raise ValueError(
                f"from_tensor_slices: all components must have the same size in their first "
                f"dimension (the number of elements), got {listed}"
            )
        self._arrays = tuple(arrays)
        self._spec_value = structure.pack(
            tensors, [_spec_type(a)(a.shape[1:], dtypes.from_numpy(a.dtype)) for a in arrays]
        )

    def _cardinality(self):
        return int(self._arrays[0].shape[0])

    def _index_plan(self):
        n = self._cardinality()
        return IndexPlan(SlicesSource(self._arrays), lambda: all_rows(n))


class FromTensors(Dataset):
    """`Dataset.from_tensors`: the whole structure is the single element."""

    def __init__(self, tensors):
        super().__init__()
        if tensors is None:
            raise TypeError("from_tensors: expected tensors, got None")
        self._arrays = tuple(_own_array(v) for v in structure.flatten(tensors))
        self._spec_value = structure.pack(
            tensors,
            [_spec_type(a)(a.shape, dtypes.from_numpy(a.dtype)) for a in self._arrays],
        )

    def _cardinality(self):
        return 1

    def _index_plan(self):
        return IndexPlan(SlicesSource([a[None] for a in self._arrays]), lambda: all_rows(1))


class Range(Dataset):
    """`Dataset.range` (and `counter` when stop is None)."""

    def __init__(self, args, output_type):
        super().__init__()
        if not 1 <= len(args) <= 3:
            raise TypeError(f"Dataset.range takes 1 to 3 positional arguments, got {len(args)}")
        ints = [None if a is None else _int_arg(a) for a in args]
        if len(ints) == 1:
            ints = [0, ints[0], 1]
        elif len(ints) == 2:
            ints = [ints[0], ints[1], 1]
        self._start, self._stop, self._step = ints
        if self._step == 0:
            raise InvalidArgumentError("RangeDataset: step must be a non-zero integer.")
        self._dtype = dtypes.as_dtype(output_type)
        self._spec_value = TensorSpec((), self._dtype)

    def _cardinality(self):
        if self._stop is None:
            return INFINITE_CARDINALITY
        return len(range(self._start, self._stop, self._step))

    def _index_plan(self):
        source = RangeSource(self._start, self._step, self._cardinality(), self._dtype._np)
        if self._stop is None:
            return IndexPlan(source, _count_forever)
        n = self._cardinality()
        return IndexPlan(source, lambda: all_rows(n))


def _int_arg(a):
    if isinstance(a, Operand):
        if not a.dtype.is_integer:
            raise TypeError(f"Dataset.range: expected integer arguments, got {a!r}")
        return int(a)
    if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
        raise TypeError(f"Cannot convert {a!r} to EagerTensor of dtype int64")
    return int(a)


def _count_forever():
    step = 1 << 16
    for lo in itertools.count(0, step):
        yield np.arange(lo, lo + step, dtype=np.int64)


# ---- from_generator ---------------------------------------------------------------------------


class FromGenerator(Dataset):
    """`Dataset.from_generator`: calls the generator anew for every iteration."""

    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        super().__init__()
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is not None:
            if output_types is not None:
                raise TypeError(
                    "The `output_types` argument can not be used together with the "
                    "`output_signature` argument."
                )
            if output_shapes is not None:
                raise TypeError(
                    "The `output_shapes` argument can not be used together with the "
                    "`output_signature` argument."
                )
            for leaf in structure.flatten(output_signature):
                if not isinstance(leaf, TensorSpec):
                    raise TypeError(
                        f"from_generator: `output_signature` must hold tf.TensorSpec objects, "
                        f"got {leaf!r}"
                    )
            spec = output_signature
        elif output_types is None:
            raise TypeError(
                "To specify the output signature you need to provide either the "
                "`output_signature` argument or the `output_types` argument."
            )
        else:
            spec = _spec_from_types(output_types, output_shapes)
        self._generator = generator
        self._args = tuple(_generator_arg(a) for a in (args or ()))
        self._spec_value = spec
        self._flat_specs = structure.flatten(spec)

    def _iter_flat(self):
        spec, flat_specs = self._spec_value, self._flat_specs
        for value in self._generator(*self._args):
            leaves = _match_structure(spec, value)
            yield tuple([_convert_generated(v, s) for v, s in zip(leaves, flat_specs)])


def _generator_arg(a):
    # TF turns `args` into tensors and hands the generator their NumPy values.
    arr = to_numpy(structure.to_array(a))
    return arr[()] if arr.ndim == 0 else arr


def _spec_from_types(output_types, output_shapes):
    def build(types, shapes):
        if structure.is_nested(types):
            if isinstance(types, dict):
                return {k: build(types[k], None if shapes is None else shapes[k]) for k in types}
            items = [build(t, None if shapes is None else shapes[i]) for i, t in enumerate(types)]
            return type(types)(*items) if hasattr(types, "_fields") else type(types)(items)
        return TensorSpec(TensorShape(shapes), dtypes.as_dtype(types))

    try:
        return build(output_types, output_shapes)
    except (KeyError, IndexError, TypeError) as e:
        raise ValueError(
            f"from_generator: `output_shapes` {output_shapes!r} does not match the nesting of "
            f"`output_types` {output_types!r}"
        ) from e


def _dtype_names(spec):
    return structure.pack(spec, [s.dtype for s in structure.flatten(spec)])


def _match_structure(spec, value):
    if isinstance(spec, TensorSpec):
        return [value]
    if structure.same_structure(spec, value) or (
        type(spec) is tuple and isinstance(value, tuple) and len(spec) == len(value)
    ):
        return structure.flatten(value)
    raise InvalidArgumentError(
        f"`generator` yielded an element that did not match the expected structure. The "
        f"expected structure was {_dtype_names(spec)}, but the yielded element was {value!r}."
    )


def _convert_generated(value, spec: TensorSpec):
    if isinstance(value, Operand):
        value = value.numpy()
    if spec.dtype == dtypes.string:
        try:
            arr = structure.to_array(value, dtypes.string)
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                f"`generator` yielded an element that could not be converted to the expected "
                f"type. The expected type was string, but the yielded element was {value!r}."
            ) from None
        if not spec.shape.is_compatible_with(arr.shape):
            raise InvalidArgumentError(
                f"`generator` yielded an element of shape {arr.shape} where an element of "
                f"shape {spec.shape} was expected."
            )
        return arr
    arr = np.asarray(value)
    if arr.dtype.kind in "USOV":
        raise InvalidArgumentError(
            f"`generator` yielded an element that could not be converted to the expected "
            f"type. The expected type was {spec.dtype.name}, but the yielded element was "
            f"{value!r}."
        )
    if not spec.shape.is_compatible_with(arr.shape):
        raise InvalidArgumentError(
            f"`generator` yielded an element of shape {arr.shape} where an element of shape "
            f"{spec.shape} was expected."
        )
    # A copy: generators often yield one buffer they keep refilling.
    return xp.array(arr, dtype=spec.dtype._np, copy=True)


# ---- zip and concatenate --------------------------------------------------------------------


class Zip(Dataset):
    """`Dataset.zip`: elements of several datasets side by side, as a (nested) structure."""

    def __init__(self, datasets):
        leaves = structure.flatten(datasets)
        for d in leaves:
            if not isinstance(d, Dataset):
                raise TypeError(
                    f"Invalid input to `zip`. Inputs are expected to be (nested) structures of "
                    f"`tf.data.Dataset` objects. Python `list` is not supported and you should "
                    f"use `tuple` instead. Got {datasets!r}"
                )
        super().__init__(*leaves)
        self._datasets = datasets

    def _compute_spec(self):
        return structure.pack(self._datasets, [d.element_spec for d in self._inputs])

    def _cardinality(self):
        cards = [d._cardinality() for d in self._inputs]
        if UNKNOWN_CARDINALITY in cards:
            return UNKNOWN_CARDINALITY
        finite = [c for c in cards if c != INFINITE_CARDINALITY]
        return min(finite) if finite else INFINITE_CARDINALITY

    def _iter_flat(self):
        iterators = [d._iter_flat() for d in self._inputs]
        try:
            while True:
                flat = []
                for it in iterators:
                    element = next(it, None)
                    if element is None:
                        return
                    flat.extend(element)
                yield tuple(flat)
        finally:
            for it in iterators:
                close_iterator(it)


class Concatenate(Dataset):
    """`Dataset.concatenate`: the elements of one dataset, then of the other."""

    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate: expected a tf.data.Dataset, got {second!r}")
        super().__init__(first, second)
        a, b = first.element_spec, second.element_spec
        fa, fb = structure.flatten(a), structure.flatten(b)
        if not structure.same_structure(a, b) or any(x.dtype != y.dtype for x, y in zip(fa, fb)):
            raise TypeError(f"Incompatible dataset elements:\n  {a!r} vs.   {b!r}")
        self._spec_value = structure.pack(
            a, [TensorSpec(most_specific_shape(x.shape, y.shape), x.dtype) for x, y in zip(fa, fb)]
        )

    def _cardinality(self):
        cards = [d._cardinality() for d in self._inputs]
        if INFINITE_CARDINALITY in cards:
            return INFINITE_CARDINALITY
        if UNKNOWN_CARDINALITY in cards:
            return UNKNOWN_CARDINALITY
        return sum(cards)

    def _iter_flat(self):
        for d in self._inputs:
            yield from d._iter_flat()


class ListDataset(Dataset):
    """A finite dataset of flat elements held in a list (the windows of `window`)."""

    def __init__(self, element_spec, flats):
        super().__init__()
        self._spec_value = element_spec
        self._flats = flats

    def _cardinality(self):
        return len(self._flats)

    def _iter_flat(self):
        yield from self._flats
