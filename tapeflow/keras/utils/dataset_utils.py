"""What the `*_dataset_from_directory` functions share, as Keras 3 does it: indexing a
directory (one class per subdirectory, sorted), the seeded file shuffle, the
training/validation split and the label datasets.

The file order after indexing is Keras' exactly (NumPy's RandomState with the same seed), so
a `validation_split` puts the same files in each subset as Keras does; the per-epoch
`Dataset.shuffle` that follows draws from tapeflow's generator, not TF's.
"""

from __future__ import annotations

import os

import numpy as np


def check_labels_arguments(labels, label_mode, class_names, what):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f"`labels` argument should be a list/tuple of integer labels, of the same "
                f"size as the number of {what} files in the target directory. If you wish to "
                f"infer the labels from the subdirectory names in the target directory, pass "
                f'`labels="inferred"`. If you wish to get a dataset that only contains {what} '
                f"samples (no labels), pass `labels=None`. Received: labels={labels}"
            )
        if class_names:
            raise ValueError(
                f'You can only pass `class_names` if `labels="inferred"`. Received: '
                f"labels={labels}, and class_names={class_names}"
            )
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(
            f'`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}"
        )


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"`validation_split` must be between 0 and 1, received: {validation_split}"
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            f'`subset` must be either "training", "validation" or "both", received: {subset}'
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset."
        )


def _valid_files(directory, follow_links, formats):
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield root, name


def index_directory(
    directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
    verbose=True,
):  # fmt: skip
    """(file paths, labels or None, class names or None), in Keras' order."""
    if not os.path.isdir(directory):
        raise ValueError(f"directory {directory!r} does not exist or is not a directory")
    if labels == "inferred":
        subdirs = [
            d
            for d in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")
        ]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    f"The `class_names` passed did not match the names of the subdirectories "
                    f"of the target directory. Expected: {subdirs} (or a subset of it), but "
                    f"received: class_names={class_names}"
                )
            subdirs = list(class_names)  # the given order
    else:
        subdirs = [""]
        if class_names is not None:
            raise ValueError(
                "When `labels=None` (no labels), argument `class_names` cannot be specified."
                if labels is None
                else "When argument `labels` is specified, argument `class_names` cannot be "
                "specified (the `class_names` will be the sorted list of labels)."
            )
    filenames, found_labels = [], []
    for index, subdir in enumerate(subdirs):
        base = os.path.join(directory, subdir)
        for root, name in _valid_files(base, follow_links, formats):
            filenames.append(os.path.join(subdir, os.path.relpath(os.path.join(root, name), base)))
            found_labels.append(index)
    if labels == "inferred":
        class_names = subdirs
        labels = np.asarray(found_labels, dtype=np.int32)
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                f"Expected the lengths of `labels` to match the number of files in the target "
                f"directory. len(labels) is {len(labels)} while we found {len(filenames)} "
                f"files in directory {directory}."
            )
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def training_or_validation_split(samples, labels, validation_split, subset, verbose=True):
    """The last `validation_split` of the samples for "validation", the rest for "training"."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        if verbose:
            print(f"Using {len(samples) - num_val} files for training.")
        return samples[: len(samples) - num_val], (
            None if labels is None else labels[: len(labels) - num_val]
        )
    if subset == "validation":
        if verbose:
            print(f"Using {num_val} files for validation.")
        return samples[len(samples) - num_val :], (
            None if labels is None else labels[len(labels) - num_val :]
        )
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def labels_dataset(labels, label_mode, num_classes):
    """int32 labels, float32 (n, 1) for "binary", float32 one-hot for "categorical"."""
    from ...data.dataset import Dataset

    labels = np.asarray(labels)
    if label_mode == "binary":
        return Dataset.from_tensor_slices(labels.astype(np.float32)[:, None])
    if label_mode == "categorical":
        return Dataset.from_tensor_slices(np.eye(num_classes, dtype=np.float32)[labels])
    return Dataset.from_tensor_slices(labels.astype(np.int32))


def make_datasets(
    paths, labels, *, directory, validation_split, subset, what, build, batch_size, verbose
):
    """One dataset (or [training, validation] for subset="both") of `build(paths, labels,
    shuffle)`, batched and prefetched, with `class_names` set by the caller."""
    from ...data.dataset import AUTOTUNE

    subsets = ["training", "validation"] if subset == "both" else [subset]
    out = []
    for part in subsets:
        part_paths, part_labels = training_or_validation_split(
            paths, labels, validation_split, part, verbose
        )
        if not part_paths:
            kind = "" if subset != "both" else f"{part} "
            raise ValueError(f"No {kind}{what} found in directory {directory}.")
        dataset = build(part_paths, part_labels, part != "validation" or subset != "both")
        if batch_size is not None:
            dataset = dataset.batch(batch_size)
        out.append((dataset.prefetch(AUTOTUNE), part_paths))
    return out
