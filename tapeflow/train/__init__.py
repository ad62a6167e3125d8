"""`tf.train`: Checkpoint, CheckpointManager, latest_checkpoint and checkpoint inspection;
`Example` and its parts (protobuf messages, loaded on first use)."""

from .checkpoint import Checkpoint  # noqa: F401
from .checkpoint_management import (  # noqa: F401
    CheckpointManager,
    CheckpointState,
    get_checkpoint_state,
    latest_checkpoint,
)
from .checkpoint_reader import list_variables, load_checkpoint, load_variable  # noqa: F401

_EXAMPLE_NAMES = ("Example", "Features", "Feature", "BytesList", "FloatList", "Int64List")


def __getattr__(name):
    # The Example messages need protobuf: loaded on first use, `import tapeflow` stays fast.
    if name in _EXAMPLE_NAMES:
        from ..ops import example_proto

        return getattr(example_proto, name)
    raise AttributeError(f"module 'tapeflow.train' has no attribute {name!r}")
