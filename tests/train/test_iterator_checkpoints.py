"""tf.data iterators in tf.train.Checkpoint: the position is saved and restored, giving the
same next elements as TensorFlow (tests/golden/make_iterator_checkpoints.py) and as an
uninterrupted run, also with a seedless shuffle and in a fresh process."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tapeflow as tf

GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
GOLDEN = json.loads((GOLDEN_DIR / "iterator_checkpoints.json").read_text())


def _pipelines():
    spec = importlib.util.spec_from_file_location(
        "make_iterator_checkpoints", GOLDEN_DIR / "make_iterator_checkpoints.py"
    )
    module = importlib.util.module_from_spec(spec)
    source = (GOLDEN_DIR / "make_iterator_checkpoints.py").read_text()
    # Only the pipeline table is needed: run the module's code without importing TensorFlow.
    exec(compile(source.replace("import tensorflow as tf", "tf = None"), spec.origin, "exec"),
         module.__dict__)  # fmt: skip
    return module.pipelines(tf)


PIPELINES = _pipelines()


def _plain(element):
    return tf.nest.map_structure(lambda t: np.asarray(t).tolist(), element)


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_restored_iterator_continues_as_tensorflow(name, tmp_path):
    make, before = PIPELINES[name]
    it = iter(make())
    for _ in range(before):
        next(it)
    checkpoint = tf.train.Checkpoint(iterator=it)
    golden = GOLDEN[name]
    if "error" in golden:
        with pytest.raises(getattr(tf.errors, golden["error"]), match="from_generator"):
            checkpoint.save(str(tmp_path / "ckpt"))
        assert not list(tmp_path.iterdir())  # nothing half-written
        return
    path = checkpoint.save(str(tmp_path / "ckpt"))
    skipped = [_plain(next(it)) for _ in range(3)]
    status = checkpoint.restore(path)
    status.assert_consumed().assert_existing_objects_matched()
    assert [_plain(next(it)) for _ in range(3)] == golden["after_restore"] == skipped


@pytest.mark.parametrize("seed", [None, 7])
def test_shuffle_restores_its_order_across_epochs(seed, tmp_path):
    ds = tf.data.Dataset.range(20).shuffle(8, seed=seed).repeat(3).batch(5)
    it = iter(ds)
    for _ in range(3):
        next(it)
    path = tf.train.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    expected = [next(it).numpy().tolist() for _ in range(6)]  # crosses into the next epoch
    fresh = iter(tf.data.Dataset.range(20).shuffle(8, seed=seed).repeat(3).batch(5))
    tf.train.Checkpoint(iterator=fresh).restore(path).assert_consumed()
    assert [next(fresh).numpy().tolist() for _ in range(6)] == expected


def test_restore_in_a_fresh_process(tmp_path):
    """A seedless shuffle (fresh entropy in every process) restores exactly elsewhere."""
    it = iter(tf.data.Dataset.range(50).shuffle(16).map(lambda x: x * 10).batch(4))
    for _ in range(2):
        next(it)
    path = tf.train.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    expected = [next(it).numpy().tolist() for _ in range(5)]
    script = textwrap.dedent(
        f"""
        import json, tapeflow as tf
        it = iter(tf.data.Dataset.range(50).shuffle(16).map(lambda x: x * 10).batch(4))
        tf.train.Checkpoint(iterator=it).restore({path!r}).assert_consumed()
        print(json.dumps([next(it).numpy().tolist() for _ in range(5)]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == expected


def test_iterator_with_a_model_in_one_checkpoint_and_manager(tmp_path):
    v = tf.Variable(1.0)
    it = iter(tf.data.Dataset.range(10))
    manager = tf.train.CheckpointManager(
        tf.train.Checkpoint(v=v, iterator=it), str(tmp_path), max_to_keep=2
    )
    next(it)
    manager.save()
    assert [k for k, _ in tf.train.list_variables(str(tmp_path))] == [  # TF's names
        "iterator/.ATTRIBUTES/ITERATOR_STATE",
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE",
        "v/.ATTRIBUTES/VARIABLE_VALUE",
    ]
    next(it)
    v.assign(5.0)
    status = tf.train.Checkpoint(v=v, iterator=it).restore(manager.latest_checkpoint)
    status.assert_consumed()
    assert float(v.numpy()) == 1.0 and int(next(it)) == 1


def test_restore_into_another_pipeline_is_refused(tmp_path):
    it = iter(tf.data.Dataset.range(10).batch(2))
    next(it)
    path = tf.train.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    other = iter(tf.data.Dataset.range(10).map(lambda x: x))
    with pytest.raises(tf.errors.InvalidArgumentError, match="pipeline of"):
        tf.train.Checkpoint(iterator=other).restore(path)
    short = iter(tf.data.Dataset.range(0).batch(2))
    with pytest.raises(tf.errors.OutOfRangeError, match="saved position is element 1"):
        tf.train.Checkpoint(iterator=short).restore(path)


def test_unmatched_iterator_fails_assert_existing_objects_matched(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable(1.0)).save(str(tmp_path / "ckpt"))
    status = tf.train.Checkpoint(v=tf.Variable(0.0), iterator=iter(tf.data.Dataset.range(3)))
    with pytest.raises(AssertionError, match="iterator"):
        status.restore(path).assert_existing_objects_matched()


def test_nondeterministic_parallel_map_cannot_be_saved(tmp_path):
    ds = tf.data.Dataset.range(10).map(lambda x: x, num_parallel_calls=2, deterministic=False)
    it = iter(ds)
    next(it)
    with pytest.raises(tf.errors.FailedPreconditionError, match="deterministic=False"):
        tf.train.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
