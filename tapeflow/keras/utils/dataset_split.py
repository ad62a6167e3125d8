"""`keras.utils.split_dataset`: a dataset (or arrays) cut into a left and a right tf.data.Dataset.

As Keras 3.15: the samples are gathered into a list (a batched dataset is unbatched first),
shuffled with Python's `random` seeded by `seed` when asked (so the split matches Keras'),
cut at `left_size` from the front and `right_size` from the back, and turned back into
datasets (batched again with the original batch size).
"""

from __future__ import annotations

import random

import numpy as np

from ...core import nest
from ...core.tensor import Operand


def split_dataset(
    dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None
):
    """Splits `dataset` into (left, right) `tf.data.Dataset`s.

    Args:
        dataset: a `tf.data.Dataset`, a NumPy array, or a list/tuple of arrays of one length.
        left_size: a fraction in (0, 1) or a number of samples for the left part (default:
            what `right_size` leaves).
        right_size: the same for the right part (default: what `left_size` leaves).
        shuffle: shuffle the samples before splitting.
        seed: the seed of that shuffle (Python's `random`, as Keras).
        preferred_backend: accepted for Keras compatibility ("tensorflow").

    Returns:
        (left_dataset, right_dataset).
    """
    from ...data import Dataset
    from ...data.batching import Batch

    kind = _type_of(dataset, Dataset)
    if kind is None:
        raise TypeError(f"Unsupported dataset type: {type(dataset)}")
    if right_size is None and left_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. Received: "
            "left_size=None and right_size=None"
        )
    samples = list(_samples(dataset, kind, Batch))
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.seed(seed)
        random.shuffle(samples)
    total = len(samples)
    left_size, right_size = _rescale_sizes(left_size, right_size, total)
    left = _restore(samples[:left_size], kind, dataset)
    right = _restore(samples[-right_size:], kind, dataset)
    left, right = Dataset.from_tensor_slices(left), Dataset.from_tensor_slices(right)
    if isinstance(dataset, Batch):
        left, right = left.batch(dataset._size), right.batch(dataset._size)
    return left.prefetch(-1), right.prefetch(-1)


def _type_of(dataset, dataset_class):
    for kind in (tuple, list, np.ndarray):
        if isinstance(dataset, kind):
            return kind
    return dataset_class if isinstance(dataset, dataset_class) else None


def _samples(dataset, kind, batch_class):
    """The samples of `dataset` one by one, checking that they share a shape."""
    if kind in (list, tuple):
        name = "list" if kind is list else "tuple"
        if len(dataset) == 0:
            raise ValueError(
                f"Received an empty list dataset. Please provide a non-empty {name} of arrays."
            )
        first = None
        for i, element in enumerate(dataset):
            if not isinstance(element, np.ndarray):
                raise ValueError(
                    f"Expected a {name} of `numpy.ndarray` objects,Received: {type(element)} "
                    f"at index {i}."
                )
            if first is None:
                first = element.shape
            elif element.shape[0] != first[0]:
                raise ValueError(
                    f"Received a {name} of NumPy arrays with different lengths.Mismatch found "
                    f"at index {i}, Expected shape={first} Received shape={element.shape}."
                    f"Please provide a {name} of NumPy arrays of the same length."
                )
        iterator = iter(zip(*dataset))
    elif kind is np.ndarray:
        iterator = iter(dataset)
    else:
        iterator = iter(dataset.unbatch() if isinstance(dataset, batch_class) else dataset)
    try:
        first_sample = next(iterator)
    except StopIteration:
        raise ValueError(
            "Received an empty dataset. Argument `dataset` must be a non-empty list/tuple of "
            "`numpy.ndarray` objects or `tf.data.Dataset` objects."
        ) from None
    check = isinstance(first_sample, (np.ndarray, Operand))
    shape = np.array(first_sample).shape if check else None
    yield first_sample
    for i, sample in enumerate(iterator):
        if check and np.array(sample).shape != shape:
            raise ValueError(
                f"All `dataset` samples must have same shape, Expected shape: {shape} "
                f"Received shape: {np.array(sample).shape} at index {i}."
            )
        yield sample


def _restore(samples, kind, original):
    """The samples as one structure of stacked arrays (tuples, not lists, as tf.data wants)."""
    if kind is np.ndarray:
        return samples
    template = samples[0]
    columns = [np.array(column) for column in zip(*[nest.flatten(s) for s in samples])]
    return _lists_to_tuples(nest.pack_sequence_as(template, columns))


def _lists_to_tuples(x):
    if isinstance(x, dict):
        return {k: _lists_to_tuples(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return tuple(_lists_to_tuples(v) for v in x)
    return x


def _rescale_sizes(left_size, right_size, total):
    """Keras' checks and conversion of the two split sizes to sample counts."""
    ltype, rtype = type(left_size), type(right_size)
    if (left_size is not None and ltype not in (int, float)) and (
        right_size is not None and rtype not in (int, float)
    ):
        raise TypeError(
            f"Invalid `left_size` and `right_size` Types. Expected: integer or float or None, "
            f"Received: type(left_size)={ltype} and type(right_size)={rtype}"
        )
    if left_size is not None and ltype not in (int, float):
        raise TypeError(
            f"Invalid `left_size` Type. Expected: int or float or None, Received: "
            f"type(left_size)={ltype}.  "
        )
    if right_size is not None and rtype not in (int, float):
        raise TypeError(
            f"Invalid `right_size` Type. Expected: int or float or None,Received: "
            f"type(right_size)={rtype}."
        )
    if left_size == 0 and right_size == 0:
        raise ValueError(
            "Both `left_size` and `right_size` are zero. At least one of the split sizes "
            "must be non-zero."
        )
    if (ltype is int and (left_size <= 0 or left_size >= total)) or (
        ltype is float and (left_size <= 0 or left_size >= 1)
    ):
        raise ValueError(
            f"`left_size` should be either a positive integer smaller than {total}, or a "
            f"float within the range `[0, 1]`. Received: left_size={left_size}"
        )
    if (rtype is int and (right_size <= 0 or right_size >= total)) or (
        rtype is float and (right_size <= 0 or right_size >= 1)
    ):
        raise ValueError(
            f"`right_size` should be either a positive integer and smaller than {total} or a "
            f"float within the range `[0, 1]`. Received: right_size={right_size}"
        )
    if rtype is ltype is float and right_size + left_size > 1:
        raise ValueError(
            "The sum of `left_size` and `right_size` is greater than 1. It must be less than "
            "or equal to 1."
        )
    # As Keras: counts become floats (they show as 13.0 in the messages below).
    left = round(left_size * total) if ltype is float else left_size
    right = round(right_size * total) if rtype is float else right_size
    left = float(left) if ltype is int else left
    right = float(right) if rtype is int else right
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            f"The sum of `left_size` and `right_size` should be smaller than the {total}. "
            f"Received: left_size + right_size = {left + right}and total_length = {total}"
        )
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(
                f"With `dataset` of length={total}, `left_size`={left} and "
                f"`right_size`={right}.Resulting {side} side dataset split will be empty. "
                f"Adjust any of the aforementioned parameters"
            )
    return int(left), int(right)
