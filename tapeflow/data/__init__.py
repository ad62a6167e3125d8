"""`tf.data`: input pipelines (`Dataset` and its transformations) on backend arrays.

Depends on `tapeflow.core` (and the backend) only; elements come out as tapeflow Tensors.
"""

from ..core.spec import DatasetSpec, TensorSpec
from . import experimental
from .dataset import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
)
from .iterator import OwnedIterator
from .options import Options

Iterator = OwnedIterator

__all__ = [
    "AUTOTUNE",
    "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY",
    "Dataset",
    "DatasetSpec",
    "Iterator",
    "Options",
    "TensorSpec",
    "TextLineDataset",
    "TFRecordDataset",  # noqa: F822  (loaded by __getattr__)
    "FixedLengthRecordDataset",  # noqa: F822  (loaded by __getattr__)
    "experimental",
]


def __getattr__(name):
    # The file sources load on first use (gzip, zlib): `import tapeflow` stays fast.
    if name == "TextLineDataset":
        from .text import TextLineDataset

        return TextLineDataset
    if name in ("TFRecordDataset", "FixedLengthRecordDataset"):
        from . import tfrecord

        return getattr(tfrecord, name)
    raise AttributeError(f"module 'tapeflow.data' has no attribute {name!r}")
