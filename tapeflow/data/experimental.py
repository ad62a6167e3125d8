"""`tf.data.experimental`: cardinality constants and helpers, CSV file sources."""

from __future__ import annotations

from ..core.errors import FailedPreconditionError
from .dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from .options import AutoShardPolicy


def cardinality(dataset: Dataset):
    """`dataset.cardinality()`: an int64 scalar Tensor, -1 infinite, -2 unknown."""
    return dataset.cardinality()


class _AssertCardinality(Dataset):
    def __init__(self, dataset, expected: int):
        super().__init__(dataset)
        self._expected = int(expected)

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _cardinality(self):
        return self._expected

    def _iter_flat(self):
        count = 0
        for flat in self._inputs[0]._iter_flat():
            count += 1
            if self._expected >= 0 and count > self._expected:
                raise FailedPreconditionError(
                    f"Input dataset was expected to contain {self._expected} elements but "
                    f"contained at least {count} elements."
                )
            yield flat
        if self._expected == INFINITE_CARDINALITY or 0 <= count < self._expected:
            raise FailedPreconditionError(
                f"Input dataset was expected to contain {self._expected} elements but "
                f"contained only {count} elements."
            )


def assert_cardinality(expected_cardinality):
    """A transformation for `Dataset.apply` declaring (and checking) the element count."""
    return lambda dataset: _AssertCardinality(dataset, int(expected_cardinality))


def dense_to_ragged_batch(batch_size, drop_remainder=False, row_splits_dtype=None):
    """A transformation for `Dataset.apply`: `Dataset.ragged_batch`."""
    return lambda dataset: dataset.ragged_batch(batch_size, drop_remainder)


__all__ = [
    "AUTOTUNE",
    "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY",
    "AutoShardPolicy",
    "CsvDataset",  # noqa: F822  (loaded by __getattr__)
    "assert_cardinality",
    "cardinality",
    "Counter",
    "choose_from_datasets",
    "sample_from_datasets",
    "unique",
    "dense_to_ragged_batch",
    "make_csv_dataset",  # noqa: F822  (loaded by __getattr__)
    "TFRecordWriter",  # noqa: F822  (loaded by __getattr__)
]


def Counter(start=0, step=1, dtype=None):  # noqa: N802  (TF's name: a function, as in TF)
    """`tf.data.experimental.Counter` (= `Dataset.counter`): `start, start + step, ...`."""
    from ..core import dtypes

    return Dataset.counter(start, step, dtypes.int64 if dtype is None else dtype)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True) -> Dataset:
    """`tf.data.experimental.choose_from_datasets` (= `Dataset.choose_from_datasets`)."""
    return Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    """`tf.data.experimental.sample_from_datasets` (= `Dataset.sample_from_datasets`)."""
    return Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def unique():
    """A transformation for `Dataset.apply`: `dataset.unique()`."""
    return lambda dataset: dataset.unique()


def __getattr__(name):
    # The CSV sources load on first use (csv, gzip): `import tapeflow` stays fast.
    if name == "CsvDataset":
        from .text import CsvDataset

        return CsvDataset
    if name == "TFRecordWriter":
        from .tfrecord import DatasetTFRecordWriter

        return DatasetTFRecordWriter
    if name == "make_csv_dataset":
        from .csv import make_csv_dataset

        return make_csv_dataset
    raise AttributeError(f"module 'tapeflow.data.experimental' has no attribute {name!r}")
