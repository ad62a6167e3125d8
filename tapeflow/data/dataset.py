"""`tf.data.Dataset`: the base class, its iterator and every public transformation.

A dataset is a node over its input datasets. Internally elements flow as flat tuples of
backend arrays (`_iter_flat`); the iterator wraps them into Tensors in the nesting of
`element_spec` only at the end. The transformations live in sibling modules; the methods
here document the public API and build those nodes.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy, xp
from ..core import dtypes
from ..core.tensor import wrap
from . import structure
from .tf_names import named, repr_name

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class Dataset:
    """A sequence of elements, each a (nested) structure of Tensors, as in `tf.data`.

    Build one with `from_tensor_slices`, `from_tensors`, `from_generator` or `range`, then
    chain transformations (`shuffle`, `batch`, `map`, `prefetch`, ...). Iterating gives
    tapeflow Tensors of the source dtype (float64 data stays float64).
    """

    # ---- protocol of the concrete nodes ---------------------------------------------------

    def __init__(self, *inputs):
        self._inputs = inputs
        self._spec_value = None

    def _compute_spec(self):
        raise NotImplementedError

    def _iter_flat(self):
        """Yields each element as a flat tuple of backend arrays."""
        yield from self._index_plan().rows()

    def _index_plan(self):
        """An `index_plan.IndexPlan` when the elements are rows of arrays, else None."""
        return None

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    # ---- inspection ---------------------------------------------------------------------------

    @property
    def element_spec(self):
        """The nested structure of `tf.TensorSpec` describing one element."""
        spec = self._spec_value
        if spec is None:
            spec = self._spec_value = self._compute_spec()
        return spec

    def cardinality(self):
        """The number of elements as an int64 scalar Tensor; `tf.data.INFINITE_CARDINALITY`
        (-1) or `tf.data.UNKNOWN_CARDINALITY` (-2) when not known statically."""
        return wrap(xp.asarray(self._cardinality(), dtype=np.int64))

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True  # as TF: never falls back to __len__, which may raise

    def __iter__(self):
        from .iterator import OwnedIterator

        return OwnedIterator(self)

    def __repr__(self):
        return f"<{repr_name(self)} element_spec={self.element_spec!r}>"

    def as_numpy_iterator(self):
        """An iterator of the elements as NumPy values (rank 0 as NumPy scalars, as TF)."""
        for flat in self._iter_flat():
            yield structure.pack(self.element_spec, [_as_numpy(a) for a in flat])

    def options(self):
        """The dataset's `tf.data.Options` (accepted for compatibility, no effect)."""
        from .options import Options

        return getattr(self, "_options_value", None) or Options()

    def with_options(self, options, name=None):
        """A dataset with the same elements and these options (no effect in tapeflow)."""
        from .transforms import PassThrough

        out = PassThrough(self)
        out._options_value = options
        return out

    # ---- sources ------------------------------------------------------------------------------

    @staticmethod
    def from_tensor_slices(tensors, name=None) -> Dataset:
        """One element per row: slices every component along its first dimension.

        `tensors` is an array, Tensor or Python list, or a tuple/dict nesting of them (a
        pandas DataFrame as `dict(df)`). All components must have the same first dimension.
        """
        from .sources import TensorSlices

        return TensorSlices(tensors)

    @staticmethod
    def from_tensors(tensors, name=None) -> Dataset:
        """A dataset of exactly one element, `tensors`."""
        from .sources import FromTensors

        return FromTensors(tensors)

    @staticmethod
    def from_generator(
        generator,
        output_types=None,
        output_shapes=None,
        args=None,
        output_signature=None,
        name=None,
    ) -> Dataset:
        """Elements produced by calling `generator(*args)` anew for every iteration.

        Give `output_signature` (a nesting of `tf.TensorSpec`), or the older
        `output_types` (and optionally `output_shapes`). Each yielded value is converted to
        the declared dtype and checked against the declared shape and nesting.
        """
        from .sources import FromGenerator

        return FromGenerator(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None) -> Dataset:
        """The file names matching a glob pattern (or a list of them) as scalar strings,
        sorted, then shuffled unless `shuffle=False`. No match is an InvalidArgumentError."""
        from .text import list_files

        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def range(*args, output_type=dtypes.int64, name=None) -> Dataset:
        """`range(stop)`, `range(start, stop[, step])` as int64 scalars (or `output_type`)."""
        from .sources import Range

        return Range(args, output_type)

    @staticmethod
    def zip(*args, datasets=None, name=None) -> Dataset:
        """Zips datasets given as arguments or one (nested) tuple/dict of datasets."""
        from .sources import Zip

        if datasets is not None:
            if args:
                raise TypeError("Dataset.zip: pass datasets either positionally or as `datasets`")
            return Zip(datasets)
        if not args:
            raise TypeError("Dataset.zip: expected at least one dataset")
        return Zip(args[0] if len(args) == 1 else args)

    @staticmethod
    def counter(start=0, step=1, dtype=dtypes.int64, name=None) -> Dataset:
        """`start, start + step, ...` forever."""
        from .sources import Range

        return named(Range((start, None, step), dtype), "_ScanDataset")

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True) -> Dataset:
        """Element i from `datasets[choice_dataset[i]]` (scalar int64 choices)."""
        from .selection import choose_from_datasets

        return choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def sample_from_datasets(
        datasets, weights=None, seed=None, stop_on_empty_dataset=False,
        rerandomize_each_iteration=None,
    ) -> Dataset:  # fmt: skip
        """Each element from one of `datasets` drawn at random with probabilities `weights`."""
        from .selection import sample_from_datasets

        return sample_from_datasets(
            datasets, weights, seed, stop_on_empty_dataset, rerandomize_each_iteration
        )

    # ---- element order and count ------------------------------------------------------------

    def concatenate(self, dataset, name=None) -> Dataset:
        """The elements of `self`, then those of `dataset` (same nesting and dtypes)."""
        from .sources import Concatenate

        return Concatenate(self, dataset)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None) -> Dataset:
        """Randomly shuffles the elements with a buffer of `buffer_size` elements (TF's
        semantics: a buffer at least the dataset's size gives a uniform permutation).

        Reproducible when `seed` or `tf.random.set_seed` is set; a new order each iteration
        unless `reshuffle_each_iteration=False`.
        """
        from .ordering import Shuffle

        return Shuffle(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None, name=None) -> Dataset:
        """Repeats the dataset `count` times (forever for None or -1)."""
        from .ordering import Repeat

        return Repeat(self, count)

    def take(self, count, name=None) -> Dataset:
        """The first `count` elements (all of them for -1)."""
        from .ordering import Take

        return Take(self, count)

    def skip(self, count, name=None) -> Dataset:
        """All but the first `count` elements (none for -1)."""
        from .ordering import Skip

        return Skip(self, count)

    def shard(self, num_shards, index, name=None) -> Dataset:
        """Every `num_shards`-th element, starting at `index`."""
        from .ordering import Shard

        return Shard(self, num_shards, index)

    def unique(self, name=None) -> Dataset:
        """Each distinct element once, in order of first appearance (scalar int32, int64 or
        string elements, as TF)."""
        from .selection import Unique

        return Unique(self)

    def enumerate(self, start=0, name=None) -> Dataset:
        """Pairs `(i, element)` with an int64 counter `i` from `start`."""
        from .sources import Range, Zip

        return Zip((Range((start, None, 1), dtypes.int64), self))

    # ---- batching -----------------------------------------------------------------------------

    def batch(
        self,
        batch_size,
        drop_remainder=False,
        num_parallel_calls=None,
        deterministic=None,
        name=None,
    ) -> Dataset:
        """Stacks `batch_size` consecutive elements into one (the last may be smaller
        unless `drop_remainder`). Elements must have equal shapes per component."""
        from .batching import Batch

        out = Batch(self, batch_size, drop_remainder)
        return out if num_parallel_calls is None else named(out, "_ParallelBatchDataset")

    def ragged_batch(self, batch_size, drop_remainder=False, row_splits_dtype=dtypes.int64,
                     name=None) -> Dataset:  # fmt: skip
        """Batches elements of different shapes into RaggedTensors (dimensions unknown in
        the element spec become ragged)."""
        from .batching import RaggedBatch

        return RaggedBatch(self, batch_size, drop_remainder)

    def unbatch(self, name=None) -> Dataset:
        """Splits every element along its first dimension into rows."""
        from .batching import Unbatch

        return Unbatch(self)

    def padded_batch(
        self,
        batch_size,
        padded_shapes=None,
        padding_values=None,
        drop_remainder=False,
        name=None,
    ) -> Dataset:
        """Batches elements of different shapes, padding each component to `padded_shapes`
        (None dimensions: the longest in the batch) with `padding_values` (default 0)."""
        from .batching import PaddedBatch

        return PaddedBatch(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def rebatch(self, batch_size, drop_remainder=False, name=None) -> Dataset:
        """Re-cuts batched elements into batches of `batch_size` (an int, or a list of
        sizes used in turn)."""
        from .batching import Rebatch

        return Rebatch(self, batch_size, drop_remainder)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None) -> Dataset:
        """Windows of `size` elements (every `stride`-th), starting every `shift` elements;
        each window is the element nesting with a Dataset at every leaf."""
        from .batching import Window

        return Window(self, size, shift, stride, drop_remainder)

    # ---- functions of elements ----------------------------------------------------------------

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        """Applies `map_func` to every element (a tuple element is spread into arguments).

        With `num_parallel_calls` (an int or `tf.data.AUTOTUNE`) calls run on a thread
        pool; the order is kept unless `deterministic=False`.
        """
        from .transforms import Map

        out = Map(self, map_func, num_parallel_calls, deterministic)
        return out if num_parallel_calls is None else named(out, "_ParallelMapDataset")

    def filter(self, predicate, name=None) -> Dataset:
        """The elements for which `predicate` returns a scalar boolean True."""
        from .transforms import Filter

        return Filter(self, predicate)

    def take_while(self, predicate, name=None) -> Dataset:
        """Elements up to (not including) the first for which `predicate` is False."""
        from .transforms import TakeWhile

        return TakeWhile(self, predicate)

    def flat_map(self, map_func, name=None) -> Dataset:
        """Concatenates the datasets `map_func` returns for every element."""
        from .transforms import Interleave

        return named(Interleave(self, map_func, cycle_length=1, block_length=1), "_FlatMapDataset")

    def interleave(
        self,
        map_func,
        cycle_length=None,
        block_length=None,
        num_parallel_calls=None,
        deterministic=None,
        name=None,
    ) -> Dataset:
        """Interleaves the datasets `map_func` returns, `cycle_length` at a time, taking
        `block_length` elements from each in turn (run sequentially in tapeflow)."""
        from .transforms import Interleave

        out = Interleave(self, map_func, cycle_length, block_length)
        return out if num_parallel_calls is None else named(out, "_ParallelInterleaveDataset")

    def scan(self, initial_state, scan_func, name=None) -> Dataset:
        """Like `map` with a running state: `scan_func(state, element) -> (state, output)`."""
        from .transforms import Scan

        return Scan(self, initial_state, scan_func)

    def apply(self, transformation_func) -> Dataset:
        """`transformation_func(self)`, which must return a Dataset."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError(
                f"`transformation_func` must return a `tf.data.Dataset` object. Got {type(out)}."
            )
        return out

    # ---- buffering ----------------------------------------------------------------------------

    def cache(self, filename="", name=None) -> Dataset:
        """Caches the elements after the first complete iteration: in memory, or in a file
        (`filename + ".tfcache"`) that is written atomically once the iteration completes."""
        from .buffering import Cache

        return Cache(self, filename)

    def prefetch(self, buffer_size, name=None) -> Dataset:
        """Produces up to `buffer_size` elements ahead on a background thread."""
        from .buffering import Prefetch

        return Prefetch(self, buffer_size)

    # ---- consuming ----------------------------------------------------------------------------

    def reduce(self, initial_state, reduce_func, name=None):
        """Folds the dataset: `state = reduce_func(state, element)`; returns the state."""
        from .transforms import reduce_dataset

        return reduce_dataset(self, initial_state, reduce_func)

    def get_single_element(self, name=None):
        """The only element of the dataset (InvalidArgumentError if there are 0 or more)."""
        from .transforms import single_element

        return single_element(self)


def close_iterator(it):
    """Closes an element iterator early (generators run their `finally`; others may not
    have a `close`), so background threads below it stop now rather than at collection."""
    close = getattr(it, "close", None)
    if close is not None:
        close()


def _as_numpy(a):
    if isinstance(a, Dataset):
        return a
    if hasattr(a, "to_dense_numpy"):  # a SparseTensor component: dense, as TF gives it
        return a.to_dense_numpy()
    a = to_numpy(a)
    return a[()] if a.ndim == 0 else a
