"""What `tf.train.Checkpoint.restore` returns: how the checkpoint matched the objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _object_graph as graph_lib

if TYPE_CHECKING:
    from .checkpoint import Checkpoint


class CheckpointLoadStatus:
    """What `Checkpoint.restore` returns: checks how the checkpoint matched the objects."""

    def __init__(self, checkpoint: Checkpoint, uid: int, filename: str, keys):
        self._checkpoint = checkpoint
        self._uid = uid
        self._filename = filename
        self._keys = list(keys)

    def assert_consumed(self):
        """Raises AssertionError unless every saved value found its object and every existing
        object got a value (from this or a later restore). Returns self."""
        self.assert_existing_objects_matched()
        checkpoint = self._checkpoint
        unresolved = [k for k, (_, uid, _) in checkpoint._pending.items() if uid == self._uid]
        for key, (optimizer, var, slot_name, uid) in list(checkpoint._handed_over.items()):
            if slot_name in (optimizer._slot_variables(var) or {}):
                del checkpoint._handed_over[key]  # created (and given its value) since
            elif uid == self._uid:
                unresolved.append(key)
        unresolved.sort()
        if unresolved:
            raise AssertionError(
                f"Unresolved values in checkpoint {self._filename}: {len(unresolved)} saved "
                f"values have no matching object: {unresolved[:10]}"
                f"{' ...' if len(unresolved) > 10 else ''}"
            )
        return self

    def assert_existing_objects_matched(self):
        """Raises AssertionError if an existing variable (or optimizer slot) got no value from
        this checkpoint or a later restore. Returns self."""
        missing = self._checkpoint._unmatched(self._uid)
        if missing:
            shown = missing[:10]
            raise AssertionError(
                f"Found {len(missing)} Python objects that were not bound to checkpointed "
                f"values, likely due to changes in the Python program. Showing {len(shown)} of "
                f"{len(missing)} unmatched objects: {shown} (checkpoint {self._filename})"
            )
        return self

    def assert_nontrivial_match(self):
        """Raises AssertionError if nothing but the root (and save_counter) matched."""
        checkpoint = self._checkpoint
        graph = checkpoint._graph()
        checkpoint._apply_pending(graph)
        for path, var in graph.variables.items():
            if path != "save_counter" and checkpoint._restored.get(var._id, 0) >= self._uid:
                return self
        nodes = {graph_lib.resolve(p, checkpoint._aliases) for p in graph.nodes}
        for key in self._keys:
            parts = key.split("/")
            if any("/".join(parts[:i]) in nodes for i in range(1, len(parts))):
                return self
        raise AssertionError(
            f"Nothing except the root object matched a checkpointed value from "
            f"{self._filename}. Typically this means that the checkpoint does not match the "
            f"Python program."
        )

    def expect_partial(self):
        """Silences the warning about saved values that were never used. Returns self."""
        self._checkpoint._flags["expect_partial"] = True
        return self

    def run_restore_ops(self, session=None):
        """Restores run eagerly; this applies any pending values whose objects now exist."""
        self._checkpoint._apply_pending()

    def initialize_or_restore(self, session=None):
        """Variables are initialised at creation; this applies pending values, as
        `run_restore_ops`."""
        self._checkpoint._apply_pending()


class InitializationOnlyStatus:
    """What `Checkpoint.restore(None)` returns: nothing was restored, so assertions fail."""

    _MESSAGE = "No checkpoint specified (save_path=None); nothing is being restored."

    def assert_consumed(self):
        raise AssertionError(self._MESSAGE)

    def assert_existing_objects_matched(self):
        raise AssertionError(self._MESSAGE)

    def assert_nontrivial_match(self):
        raise AssertionError(self._MESSAGE)

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None):
        raise AssertionError(
            "No checkpoint specified, so no restore ops are available "
            "(save_path=None to Saver.restore)."
        )

    def initialize_or_restore(self, session=None):
        """Variables are initialised at creation: nothing to do."""
