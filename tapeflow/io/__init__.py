"""tapeflow's file formats: a safe, atomic, checksummed file of named arrays (`safe_format`).

Internal plumbing for `tf.train.Checkpoint` and Keras weight files; not TF's `tf.io`.
"""

from .safe_format import atomic_write, read_tensors, write_tensors  # noqa: F401
