"""`tf.keras.datasets`: MNIST, Fashion-MNIST and CIFAR-10 as uint8 NumPy arrays.

Files come from a cache directory (`$TAPEFLOW_DATA/<dataset>`, default
`~/.tapeflow/datasets/<dataset>`) or a `data_dir=` argument; absent files are downloaded and
verified by SHA-256. Nothing is ever unpickled.
"""

from . import cifar10, fashion_mnist, mnist  # noqa: F401
from ._loader import CorruptDatasetError, DatasetNotFoundError  # noqa: F401
