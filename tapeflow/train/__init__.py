"""`tf.train`: Checkpoint, CheckpointManager, latest_checkpoint and checkpoint inspection."""

from .checkpoint import Checkpoint  # noqa: F401
from .checkpoint_management import (  # noqa: F401
    CheckpointManager,
    CheckpointState,
    get_checkpoint_state,
    latest_checkpoint,
)
from .checkpoint_reader import list_variables, load_checkpoint, load_variable  # noqa: F401
