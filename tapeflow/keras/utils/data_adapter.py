"""What `fit`, `evaluate` and `predict` iterate over: batches from arrays or from a dataset.

Arrays (NumPy, Tensors, or lists/dicts of them) are cut into batches here, shuffled each
epoch with `np.random` (so `keras.utils.set_random_seed` makes it reproducible), with floats
cast to `floatx` once up front, as Keras does. Anything else that can be iterated (a
`tf.data.Dataset`, a generator, a `keras.utils.PyDataset`-like sequence) must yield batches
`x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from ...core import nest
from ...core.sparse import SparseTensor
from ...core.tensor import Operand, convert_to_tensor
from ...data.sparse_rows import SparseArray


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from a batch `x`, `(x,)`, `(x, y)` or `(x, y, w)`."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
        f"`(x, y, sample_weight)`, found a tuple of {len(data)} elements: {data}"
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch tuple for `x`, `y`, `sample_weight` (`x` alone when it is not a tuple)."""
    if y is None:
        return x if not isinstance(x, (tuple, list)) else (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, Operand, SparseTensor, SparseArray)) or (
        hasattr(x, "__array__") and hasattr(x, "shape") and not hasattr(x, "cardinality")
    )


def is_array_data(*structures) -> bool:
    """Whether every leaf of the structures is an array (or None)."""
    leaves = nest.flatten(structures)
    return all(x is None or _is_array(x) for x in leaves) and any(x is not None for x in leaves)


def _to_numpy(x, cast_floats=True):
    """A NumPy array of `x`, floats cast to `floatx` (as Keras' array adapter does)."""
    from .. import backend

    if x is None:
        return None
    if isinstance(x, SparseTensor):  # batches are row slices of it, as in Keras
        rows = SparseArray.from_sparse(x)
        if cast_floats and rows.values.dtype.kind == "f":
            rows.values = rows.values.astype(backend.floatx())
        return rows
    a = np.asarray(x)
    if cast_floats and a.dtype.kind == "f" and a.dtype != np.dtype(backend.floatx()):
        a = a.astype(backend.floatx())
    return a


def train_validation_split(arrays, validation_split):
    """Splits arrays into (train, validation): the validation part is the last fraction."""
    leaves = nest.flatten(arrays)
    bad = [type(t).__name__ for t in leaves if t is not None and not _is_array(t)]
    if bad:
        raise ValueError(
            "Argument `validation_split` is only supported for tensors or NumPy arrays. "
            f"Found incompatible type in the input: {bad}"
        )
    first = next((t for t in leaves if t is not None), None)
    if first is None:
        return arrays, arrays
    n = int(first.shape[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it "
            f"into a validation and training set as specified by "
            f"`validation_split={validation_split}`. Either provide more data, or a "
            f"different value for the `validation_split` argument."
        )
    arrays = nest.map_structure(lambda t: None if t is None else np.asarray(t), arrays)
    train = nest.map_structure(lambda t: None if t is None else t[:split_at], arrays)
    val = nest.map_structure(lambda t: None if t is None else t[split_at:], arrays)
    return train, val


def class_weight_to_sample_weights(y, class_weight: dict):
    """Per-sample weights looked up from the class of each target (one-hot or index)."""
    from .. import backend

    if nest.is_nested(y):
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else np.squeeze(y, axis=-1)
    y = np.round(y).astype("int64").reshape(-1)
    if y.size == 0:
        return np.ones((0,), dtype=backend.floatx())
    classes = np.arange(max(int(y.max()) + 1, 1))
    table = np.array([float(class_weight.get(int(c), 1.0)) for c in classes])
    weights = np.ones(y.shape, dtype=backend.floatx())
    known = y >= 0
    weights[known] = table[y[known]]
    return weights


def _check_cardinality(data):
    sizes = {int(a.shape[0]) for a in nest.flatten(data) if a is not None}
    if len(sizes) > 1:
        msg = "Data cardinality is ambiguous. Make sure all arrays contain the same number of "
        msg += "samples."
        for label, part in zip(["x", "y", "sample_weight"], data):
            shown = ", ".join(str(a.shape[0]) for a in nest.flatten(part) if a is not None)
            msg += f" '{label}' sizes: {shown}."
        raise ValueError(msg)
    return sizes.pop() if sizes else 0


def _batch_tensor(rows):
    return rows.to_sparse() if isinstance(rows, SparseArray) else convert_to_tensor(rows)


def _as_tensor(x):
    if x is None or isinstance(x, Operand):
        return x
    if isinstance(x, np.ndarray) or hasattr(x, "__array__"):
        return convert_to_tensor(np.asarray(x) if not isinstance(x, np.ndarray) else x)
    return x


class ArrayDataAdapter:
    """Batches of arrays in order or shuffled per epoch (`shuffle="batch"`: within batches)."""

    def __init__(
        self,
        x,
        y=None,
        sample_weight=None,
        batch_size=None,
        steps=None,
        shuffle=False,
        class_weight=None,
    ):
        x = nest.map_structure(_to_numpy, x)
        y = nest.map_structure(_to_numpy, y) if y is not None else None
        if sample_weight is not None:
            if class_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            sample_weight = nest.map_structure(_to_numpy, sample_weight)
            if nest.is_nested(y) and not nest.is_nested(sample_weight):
                # One weight array for every output, as Keras replicates it.
                sample_weight = nest.map_structure(lambda _: sample_weight, y)
        if class_weight is not None:
            if nest.is_nested(y):
                raise ValueError(
                    "`class_weight` is only supported for Models with a single output."
                )
            sample_weight = class_weight_to_sample_weights(y, class_weight)
        self._inputs = pack_x_y_sample_weight(x, y, sample_weight)
        self._flat = nest.flatten(self._inputs)
        self._num_samples = _check_cardinality((x, y, sample_weight))
        if not batch_size:
            batch_size = int(math.ceil(self._num_samples / steps)) if steps else 32
        self._batch_size = int(batch_size)
        self._size = int(math.ceil(self._num_samples / self._batch_size))
        self._shuffle = shuffle

    @property
    def num_batches(self):
        return self._size

    @property
    def batch_size(self):
        return self._batch_size

    def __iter__(self):
        n, bs, flat = self._num_samples, self._batch_size, self._flat
        permutation = None
        if self._shuffle and self._shuffle != "batch":
            permutation = np.random.permutation(n)
        structure = self._inputs
        single = not nest.is_nested(structure)
        # (x, y) and (x, y, w) of plain arrays, the common case, skip the generic packing.
        flat_tuple = isinstance(structure, tuple) and not any(map(nest.is_nested, structure))
        for i in range(self._size):
            start, stop = i * bs, min((i + 1) * bs, n)
            if self._shuffle == "batch":
                index = np.random.permutation(stop - start) + start
            elif permutation is not None:
                index = permutation[start:stop]
            else:
                index = slice(start, stop)
            batch = [None if a is None else _batch_tensor(a[index]) for a in flat]
            if single:
                yield batch[0]
            elif flat_tuple:
                yield tuple(batch)
            else:
                yield nest.pack_sequence_as(structure, batch)


class PyDataset:
    """Base class of batch sequences: implement `__getitem__(index)` and `__len__`.

    `fit` asks for batches by index (in a new random order each epoch with `shuffle=True`)
    and calls `on_epoch_end()` after each pass. The `workers` arguments are accepted for
    Keras compatibility; batches are always made in the calling thread.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    @property
    def num_batches(self):
        if hasattr(self, "__len__"):
            return len(self)
        return None

    def __iter__(self):
        n = self.num_batches
        for index in range(n) if n is not None else itertools.count():
            yield self[index]

    def on_epoch_begin(self):
        """Called before each pass over the batches."""

    def on_epoch_end(self):
        """Called after each pass over the batches (shuffle your data here)."""


Sequence = PyDataset


class IterableDataAdapter:
    """Batches from a dataset, generator or sequence; NumPy leaves become Tensors."""

    def __init__(self, data, class_weight=None, shuffle=False):
        self._data = data
        self._class_weight = class_weight
        self._one_shot = iter(data) is data if hasattr(data, "__next__") else False
        self._size = _known_size(data)
        # A sequence (PyDataset, keras.utils.Sequence) is read by index, so it can be shuffled.
        self._indexable = (
            self._size is not None
            and not self._one_shot
            and hasattr(type(data), "__getitem__")
            and not hasattr(data, "cardinality")
        )
        self._shuffle = bool(shuffle) and self._indexable

    @property
    def num_batches(self):
        return self._size

    @property
    def one_shot(self) -> bool:
        """A generator: it can be iterated once, so epochs share one iterator."""
        return self._one_shot

    def __iter__(self):
        data = self._data
        if not self._indexable:
            for batch in data:
                yield self._convert(batch)
            return
        order = np.random.permutation(self._size) if self._shuffle else range(self._size)
        for index in order:
            yield self._convert(data[int(index)])

    def on_epoch_begin(self):
        if self._indexable:
            getattr(self._data, "on_epoch_begin", _nothing)()

    def on_epoch_end(self):
        if self._indexable:
            getattr(self._data, "on_epoch_end", _nothing)()

    def _convert(self, batch):
        if isinstance(batch, list):
            batch = tuple(batch)
        batch = nest.map_structure(_as_tensor, batch)
        if self._class_weight is not None:
            x, y, sample_weight = unpack_x_y_sample_weight(batch)
            if y is None:
                raise ValueError("`class_weight` needs targets: the data yields no `y`")
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            weights = class_weight_to_sample_weights(y, self._class_weight)
            batch = (x, y, convert_to_tensor(weights))
        return batch


def _nothing():
    pass


def _known_size(data):
    """The number of batches per pass over `data` when it can be known, else None."""
    cardinality = getattr(data, "cardinality", None)
    if callable(cardinality):
        try:
            n = int(np.asarray(cardinality()))
        except (TypeError, ValueError):
            n = -1
        return n if n >= 0 else None
    try:
        num_batches = getattr(data, "num_batches", None)
    except NotImplementedError:
        num_batches = None
    if isinstance(num_batches, int):
        return num_batches
    if hasattr(data, "__len__") and not hasattr(data, "__next__"):
        try:
            return len(data)
        except TypeError:
            return None
    return None


def get_data_adapter(
    x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False, class_weight=None
):
    """The adapter for this data: arrays, or an iterable of batches."""
    if is_array_data(x, y, sample_weight):
        return ArrayDataAdapter(
            x, y, sample_weight, batch_size, steps, shuffle=shuffle, class_weight=class_weight
        )
    if x is None:
        raise ValueError("Expected input data `x`, got None")
    if not (hasattr(x, "__iter__") or hasattr(x, "__getitem__")):
        raise ValueError(
            f"Unrecognized data type: x={x!r} (of type {type(x).__name__}). Expected NumPy "
            "arrays, Tensors, lists or dicts of them, or an iterable yielding batches "
            "(a tf.data.Dataset, a generator, a PyDataset)"
        )
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(
                f"`{name}` argument is not supported when using a dataset or generator as "
                f"input: the data itself must yield `(x, y)` or `(x, y, sample_weight)`. "
                f"Received: x of type {type(x).__name__}, {name}={type(value).__name__}"
            )
    return IterableDataAdapter(x, class_weight=class_weight, shuffle=shuffle)


class EpochIterator:
    """Steps of one epoch: `(first_step, last_step, batches)`, `steps_per_execution` at once.

    With `steps_per_epoch` set, an iterable's iterator is kept across epochs (an epoch then
    takes up where the last one stopped), as Keras does; running out of data warns and ends
    the epoch.
    """

    def __init__(
        self,
        x,
        y=None,
        sample_weight=None,
        batch_size=None,
        steps_per_epoch=None,
        shuffle=False,
        class_weight=None,
        steps_per_execution=1,
    ):
        from ..config import max_steps_per_epoch

        limit = max_steps_per_epoch()  # keras.config's cap for debugging runs
        if limit and (not steps_per_epoch or limit < steps_per_epoch):
            warnings.warn(f"Limiting steps_per_epoch to {limit}", stacklevel=2)
            steps_per_epoch = limit
        self.steps_per_epoch = steps_per_epoch
        self.steps_per_execution = max(int(steps_per_execution or 1), 1)
        self.data_adapter = get_data_adapter(
            x, y, sample_weight, batch_size, steps_per_epoch, shuffle, class_weight
        )
        self._num_batches = self.data_adapter.num_batches
        self._iterator = None
        self._steps_seen = 0
        self.exhausted = False

    @property
    def num_batches(self):
        return self.steps_per_epoch or self._num_batches

    def _interrupted_warning(self):
        warnings.warn(
            "Your input ran out of data; interrupting training. Make sure that your "
            "dataset or generator can generate at least `steps_per_epoch * epochs` batches. "
            "You may need to use the `.repeat()` function when building your dataset.",
            stacklevel=3,
        )

    def enumerate_epoch(self):
        """Yields `(begin_step, end_step, [batch, ...])` for each execution of the epoch."""
        self.exhausted = False
        adapter = self.data_adapter
        getattr(adapter, "on_epoch_begin", _nothing)()
        try:
            yield from self._steps(adapter)
        finally:
            getattr(adapter, "on_epoch_end", _nothing)()

    def _steps(self, adapter):
        keep = self.steps_per_epoch is not None or getattr(adapter, "one_shot", False)
        if self._iterator is None or not keep:
            self._iterator = iter(adapter)
            self._steps_seen = 0
        limit = self.steps_per_epoch or self._num_batches
        iterator, n = self._iterator, self.steps_per_execution
        step = 0
        while limit is None or step < limit:
            count = n if limit is None else min(n, limit - step)
            batches = []
            for _ in range(count):
                try:
                    batches.append(next(iterator))
                except StopIteration:
                    break
            if len(batches) < count:
                self._on_exhausted(step + len(batches))
                if batches:
                    yield step, step + len(batches) - 1, batches
                return
            self._steps_seen += count
            yield step, step + count - 1, batches
            step += count
        if (
            self._num_batches is not None
            and self._steps_seen >= self._num_batches
            and not getattr(adapter, "one_shot", False)
        ):
            self._iterator = None  # a full pass: the next epoch starts a fresh one

    def _on_exhausted(self, steps_done):
        if self._num_batches is None and self.steps_per_epoch is None:
            # The natural end of a dataset of unknown size: now its size is known.
            if steps_done:
                self._num_batches = steps_done
            else:
                self.exhausted = True
                self._interrupted_warning()
        else:
            self.exhausted = True
            self._interrupted_warning()
        self._iterator = None
