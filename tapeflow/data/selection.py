"""Datasets that pick elements from several inputs or drop repeats: `choose_from_datasets`,
`sample_from_datasets` and `unique` (TF's DirectedInterleave and UniqueDataset)."""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.spec import TensorSpec
from ..core.tensor import Operand
from . import structure
from .dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset


def _check_inputs(what: str, datasets) -> list:
    datasets = list(datasets)
    if not datasets:
        raise ValueError(f"{what}: `datasets` cannot be empty")
    for d in datasets:
        if not isinstance(d, Dataset):
            raise TypeError(f"{what}: expected a list of tf.data.Dataset, got {d!r}")
    first = datasets[0].element_spec
    for d in datasets[1:]:
        spec = d.element_spec
        same = structure.same_structure(first, spec) and all(
            a.dtype == b.dtype for a, b in zip(structure.flatten(first), structure.flatten(spec))
        )
        if not same:
            raise TypeError(
                f"{what}: all datasets must have compatible element specs, got {first!r} and "
                f"{spec!r}"
            )
    return datasets


class ChooseFromDatasets(Dataset):
    """Element i is the next element of `datasets[choice_i]`."""

    def __init__(self, datasets, choices, stop_on_empty_dataset: bool, weights=None):
        super().__init__(*datasets)
        self._choices = choices
        self._stop_on_empty = bool(stop_on_empty_dataset)
        # Random choices end once every input they can draw (weight > 0) is exhausted.
        self._drawable = None if weights is None else [w > 0 for w in weights]

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _cardinality(self):
        # TF's DirectedInterleave: infinite when any input is, otherwise unknown.
        if any(d._cardinality() == INFINITE_CARDINALITY for d in self._inputs):
            return INFINITE_CARDINALITY
        return UNKNOWN_CARDINALITY

    def _iter_flat(self):
        iterators = [d._iter_flat() for d in self._inputs]
        active = [True] * len(iterators)
        for index in self._choice_indices():
            if not 0 <= index < len(iterators):
                raise InvalidArgumentError(
                    f"choose_from_datasets: selector index {index} is out of range "
                    f"[0, {len(iterators)})"
                )
            if not active[index]:
                continue
            element = next(iterators[index], None)
            if element is None:
                if self._stop_on_empty:
                    return
                active[index] = False
                drawable = self._drawable or [True] * len(active)
                if not any(a and d for a, d in zip(active, drawable)):
                    return
                continue
            yield element

    def _choice_indices(self):
        for (value,) in self._choices._iter_flat():
            yield int(to_numpy(value))


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True) -> Dataset:
    """`tf.data.Dataset.choose_from_datasets`: element i comes from
    `datasets[choice_dataset[i]]`; an exhausted input ends the dataset
    (`stop_on_empty_dataset=True`) or its choices are skipped."""
    datasets = _check_inputs("choose_from_datasets", datasets)
    if not isinstance(choice_dataset, Dataset):
        raise TypeError(
            f"choose_from_datasets: expected a tf.data.Dataset, got {choice_dataset!r}"
        )
    spec = choice_dataset.element_spec
    if structure.is_nested(spec) or spec.dtype != dtypes.int64 or spec.shape.rank != 0:
        raise TypeError(
            "choose_from_datasets: `choice_dataset` must be a dataset of scalar tf.int64 "
            f"tensors, got {spec!r}"
        )
    return ChooseFromDatasets(datasets, choice_dataset, stop_on_empty_dataset)


class _RandomChoices(Dataset):
    """An endless stream of int64 indices drawn with probabilities `weights`."""

    def __init__(self, weights, seed, rerandomize_each_iteration):
        from .ordering import _base_seed

        super().__init__()
        self._weights = weights
        self._seed_words = _base_seed(seed)
        self._rerandomize = bool(rerandomize_each_iteration)
        self._epoch = 0  # the next pass's draws differ only with rerandomize_each_iteration

    def _compute_spec(self):
        return TensorSpec((), dtypes.int64)

    def _cardinality(self):
        return INFINITE_CARDINALITY

    def _iter_flat(self):
        rng = np.random.Generator(np.random.PCG64(self._seed_words + [self._epoch]))
        self._epoch += self._rerandomize
        cumulative = np.cumsum(self._weights)
        while True:
            draws = np.searchsorted(cumulative, rng.random(1024) * cumulative[-1], side="right")
            for index in np.minimum(draws, len(self._weights) - 1).tolist():
                yield (np.int64(index),)


def sample_from_datasets(
    datasets, weights=None, seed=None, stop_on_empty_dataset=False,
    rerandomize_each_iteration=None,
) -> Dataset:  # fmt: skip
    """`tf.data.Dataset.sample_from_datasets`: each element from an input drawn at random with
    probabilities `weights` (uniform when None; normalised). The draws follow tapeflow's
    seeding (reproducible with `seed` or `tf.random.set_seed`), not TF's random stream."""
    datasets = _check_inputs("sample_from_datasets", datasets)
    if isinstance(weights, Dataset):
        raise TypeError("sample_from_datasets: a Dataset of weights is not supported in tapeflow")
    static = weights is not None and not isinstance(weights, Operand)
    if weights is None:
        weights = np.ones(len(datasets))
    else:
        if isinstance(weights, Operand):
            weights = weights.numpy()
        weights = np.asarray(weights, dtype=np.float64).reshape(-1)
        if len(weights) != len(datasets):
            raise ValueError(
                f"sample_from_datasets: got {len(datasets)} datasets but {len(weights)} weights"
            )
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise InvalidArgumentError(
                f"sample_from_datasets: weights must be finite, non-negative and not all zero, "
                f"got {weights.tolist()}"
            )
    if static:  # as TF: inputs with a Python weight of 0 are dropped, one left is returned
        kept = [i for i, w in enumerate(weights) if w > 0]
        datasets, weights = [datasets[i] for i in kept], weights[kept]
        if len(datasets) == 1:
            return datasets[0]
    if isinstance(seed, Operand):
        seed = int(seed)
    choices = _RandomChoices(weights, seed, rerandomize_each_iteration)
    return ChooseFromDatasets(datasets, choices, stop_on_empty_dataset, weights.tolist())


class Unique(Dataset):
    """`Dataset.unique`: each distinct scalar element once, in order of first appearance."""

    _DTYPES = (dtypes.int32, dtypes.int64, dtypes.string)

    def __init__(self, dataset):
        super().__init__(dataset)
        spec = dataset.element_spec
        if structure.is_nested(spec) or spec.dtype not in self._DTYPES:
            raise TypeError(
                "Dataset.unique: expected elements of a single tf.int32, tf.int64 or tf.string "
                f"tensor, got {spec!r}"
            )

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _iter_flat(self):
        seen = set()
        for flat in self._inputs[0]._iter_flat():
            value = to_numpy(flat[0])
            if value.ndim != 0:
                raise InvalidArgumentError(
                    f"Dataset.unique: expected scalar elements, got shape {value.shape}"
                )
            key = value.item()
            if key not in seen:
                seen.add(key)
                yield flat
