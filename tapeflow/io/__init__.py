"""tapeflow's file formats and the rules for reading files that may be hostile.

`safe_format`: an atomic, checksummed file of named arrays (checkpoints, Keras weights, data
caches); `atomic`: atomic replacement and cleanup of killed writers' temporaries; `safe_json`
and `safe_zip`: JSON and zip archives read with bounded size, nesting and members. Internal
plumbing for `tf.train.Checkpoint`, Keras saving and `Dataset.cache`.

This package is also the public `tf.io` namespace: `gfile` lives here, and `tapeflow/_api`
adds the ops (`read_file`, `write_file`, `decode_csv`) when `import tapeflow` runs.
"""

from . import gfile  # noqa: F401  (tf.io.gfile)

_SAFE_FORMAT = ("atomic_write", "read_tensors", "write_tensors")


def __getattr__(name):
    # safe_format (json, hashlib) loads on first use: `import tapeflow` imports this package.
    if name == "atomic_write":
        from .atomic import atomic_write

        return atomic_write
    if name in _SAFE_FORMAT:
        from . import safe_format

        return getattr(safe_format, name)
    raise AttributeError(f"module 'tapeflow.io' has no attribute {name!r}")
