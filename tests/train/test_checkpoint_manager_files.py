"""CheckpointManager deletes only its own checkpoint files, whatever its state file says."""

import os

import numpy as np
import pytest

import tapeflow as tf


def _state(directory, paths):
    lines = [f'model_checkpoint_path: "{paths[-1]}"']
    lines += [f'all_model_checkpoint_paths: "{p}"' for p in paths]
    lines += [f"all_model_checkpoint_timestamps: {100.0 + i}" for i in range(len(paths))]
    lines.append("last_preserved_timestamp: 1.0")
    (directory / "checkpoint").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlinked directory"])
def test_manager_never_deletes_outside_its_directory(tmp_path, kind):
    directory = tmp_path / "ckpts"
    directory.mkdir()
    victim = tmp_path / "victim.tapeflow"
    victim.write_text("precious")
    if kind == "dotdot":
        listed = "../victim"
    elif kind == "absolute":
        listed = str(tmp_path / "victim")
    else:
        (directory / "link").symlink_to(tmp_path)
        listed = "link/victim"
    _state(directory, [listed])
    checkpoint = tf.train.Checkpoint(v=tf.Variable(np.zeros(2, np.float32)))
    manager = tf.train.CheckpointManager(checkpoint, directory, max_to_keep=1)
    for _ in range(3):
        manager.save()
    assert victim.read_text() == "precious"
    assert sorted(p.name for p in directory.glob("*.tapeflow")) == ["ckpt-3.tapeflow"]


def test_manager_removes_a_symlinked_checkpoint_not_its_target(tmp_path):
    directory = tmp_path / "ckpts"
    directory.mkdir()
    target = tmp_path / "elsewhere.tapeflow"
    target.write_text("precious")
    os.symlink(target, directory / "ckpt-1.tapeflow")
    _state(directory, ["ckpt-1"])
    checkpoint = tf.train.Checkpoint(v=tf.Variable(np.zeros(2, np.float32)))
    manager = tf.train.CheckpointManager(checkpoint, directory, max_to_keep=1)
    manager.save(checkpoint_number=2)
    assert not os.path.lexists(directory / "ckpt-1.tapeflow")
    assert target.read_text() == "precious"
