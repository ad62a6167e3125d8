"""tapeflow's file formats: a safe, atomic, checksummed file of named arrays (`safe_format`),
internal plumbing for `tf.train.Checkpoint` and Keras weight files.

This package is also the public `tf.io` namespace: `gfile` lives here, and `tapeflow/_api`
adds the ops (`read_file`, `write_file`, `decode_csv`) when `import tapeflow` runs.
"""

from . import gfile  # noqa: F401  (tf.io.gfile)

_SAFE_FORMAT = ("atomic_write", "read_tensors", "write_tensors")


def __getattr__(name):
    # safe_format (json, hashlib) loads on first use: `import tapeflow` imports this package.
    if name in _SAFE_FORMAT:
        from . import safe_format

        return getattr(safe_format, name)
    raise AttributeError(f"module 'tapeflow.io' has no attribute {name!r}")
