"""`keras.utils.text_dataset_from_directory`: a tf.data.Dataset of (text, label) batches
from a directory of .txt files, one subdirectory per class."""

from __future__ import annotations

import numpy as np

from . import dataset_utils


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    max_length=None,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    format="tf",  # noqa: A002 - Keras' name
    verbose=True,
):
    """Reads the .txt files of `directory` (labels from the sorted subdirectory names, a list,
    or None) into a dataset of (string, label) batches: int32 labels, float32 (n, 1) ones
    for "binary", one-hot for "categorical". `max_length` cuts each text (in bytes).
    `validation_split` with `subset` "training", "validation" or "both" splits the files
    exactly as Keras does (same seed, same files); the dataset has `class_names`."""
    dataset_utils.check_labels_arguments(labels, label_mode, class_names, "text")
    if format != "tf":
        raise ValueError(f'`format` should be "tf" in tapeflow. Received: format={format}')
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, (".txt",), class_names, shuffle, seed, follow_links, verbose
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    buffer_size = batch_size * 8 if batch_size is not None else 1024

    def build(part_paths, part_labels, may_shuffle):
        return _paths_to_dataset(
            part_paths, part_labels, label_mode, len(class_names or ()), max_length,
            shuffle and may_shuffle, buffer_size, seed,
        )  # fmt: skip

    made = dataset_utils.make_datasets(
        paths, labels, directory=directory, validation_split=validation_split, subset=subset,
        what="text files (allowed format: .txt)", build=build, batch_size=batch_size,
        verbose=verbose,
    )  # fmt: skip
    for dataset, _ in made:
        dataset.class_names = class_names
    return [d for d, _ in made] if subset == "both" else made[0][0]


def _paths_to_dataset(paths, labels, label_mode, num_classes, max_length, shuffle, size, seed):
    from ...data.dataset import AUTOTUNE, Dataset
    from ...ops.file_io import read_file
    from ...ops.strings import substr

    def load(path):
        text = read_file(path)
        return text if max_length is None else substr(text, 0, max_length)

    dataset = Dataset.from_tensor_slices(np.asarray(paths, dtype=object))
    if label_mode:
        labels = dataset_utils.labels_dataset(labels, label_mode, num_classes)
        dataset = Dataset.zip((dataset, labels))
    if shuffle:
        dataset = dataset.shuffle(buffer_size=size, seed=seed)
    if label_mode:
        return dataset.map(lambda x, y: (load(x), y), num_parallel_calls=AUTOTUNE)
    return dataset.map(load, num_parallel_calls=AUTOTUNE)
