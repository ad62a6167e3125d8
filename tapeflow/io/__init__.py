"""tapeflow's file formats: a safe, atomic, checksummed file of named arrays (`safe_format`),
internal plumbing for `tf.train.Checkpoint` and Keras weight files.

This package is also the public `tf.io` namespace: `gfile` lives here, and `tapeflow/_api`
adds the ops (`read_file`, `write_file`, `decode_csv`) when `import tapeflow` runs.
"""

from . import gfile  # noqa: F401  (tf.io.gfile)
from .safe_format import atomic_write, read_tensors, write_tensors  # noqa: F401
