"""`tf.keras.datasets.fashion_mnist`: Zalando's Fashion-MNIST, from its four IDX files."""

from __future__ import annotations

import os

from ._idx import load_idx_dataset
from ._loader import DataFile, dataset_dir

DATASET = "fashion_mnist"

# Checksums of the .gz files as distributed (the same bytes on both mirrors; Keras pins the
# same values).
FILES = {
    "x_train": DataFile(
        "train-images-idx3-ubyte.gz",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "file",
        (60000, 28, 28),
    ),
    "y_train": DataFile(
        "train-labels-idx1-ubyte.gz",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "file",
        (60000,),
    ),
    "x_test": DataFile(
        "t10k-images-idx3-ubyte.gz",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "file",
        (10000, 28, 28),
    ),
    "y_test": DataFile(
        "t10k-labels-idx1-ubyte.gz",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        "file",
        (10000,),
    ),
}
MIRRORS = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)


def load_data(data_dir: str | os.PathLike | None = None):
    """Loads Fashion-MNIST: 60,000 28x28 grayscale training images of 10 clothing classes
    (0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker,
    8 bag, 9 ankle boot) and 10,000 test images.

    The four gzip-compressed IDX files (`train-images-idx3-ubyte.gz`,
    `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`)
    are read from `data_dir` when given, else from `$TAPEFLOW_DATA/fashion_mnist`, else from
    `~/.tapeflow/datasets/fashion_mnist`. Absent files are downloaded and verified against their
    SHA-256; when that fails (offline) the error says which files to put where.

    Args:
        data_dir: the directory holding the four files.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 NumPy arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,).

    License: Fashion-MNIST is copyright Zalando SE, under the MIT license.
    """
    directory = dataset_dir(DATASET, data_dir)
    return load_idx_dataset(DATASET, directory, FILES, MIRRORS)
