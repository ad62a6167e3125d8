"""tf.random.Generator in checkpoints: its state variable is saved, and a restored generator
continues with the numbers the saved one would have drawn next (as in TF)."""

import numpy as np

import tapeflow as tf


def test_restore_continues_the_saved_stream(tmp_path):
    g = tf.random.Generator.from_seed(3)
    g.normal((2,))
    checkpoint = tf.train.Checkpoint(generator=g)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    expected = g.normal((4,)).numpy()
    g.uniform((7,))
    checkpoint.restore(path)
    np.testing.assert_array_equal(g.normal((4,)).numpy(), expected)


def test_another_generator_takes_the_saved_state(tmp_path):
    g = tf.random.Generator.from_seed(5)
    path = tf.train.Checkpoint(g=g).save(str(tmp_path / "ckpt"))
    expected = g.uniform((3,), maxval=10, dtype=tf.int32).numpy()
    other = tf.random.Generator.from_seed(123)
    tf.train.Checkpoint(g=other).restore(path)
    np.testing.assert_array_equal(other.uniform((3,), maxval=10, dtype=tf.int32).numpy(), expected)


def test_deferred_restore_into_a_module_attribute(tmp_path):
    module = tf.Module()
    module.g = tf.random.Generator.from_seed(7)
    path = tf.train.Checkpoint(m=module).save(str(tmp_path / "ckpt"))
    expected = module.g.normal((2,)).numpy()
    fresh = tf.Module()
    tf.train.Checkpoint(m=fresh).restore(path)
    fresh.g = tf.random.Generator.from_seed(0)  # attached after the restore call
    np.testing.assert_array_equal(fresh.g.normal((2,)).numpy(), expected)


def test_state_is_an_int64_variable_that_follows_draws():
    g = tf.random.Generator.from_seed(1)
    before = g.state.numpy().copy()
    assert g.state.dtype == tf.int64 and g.state.shape == (6,)

    @tf.function
    def draw():
        return g.normal((3,))

    draw()
    draw()
    assert not np.array_equal(g.state.numpy(), before)
    g.reset_from_seed(1)
    np.testing.assert_array_equal(g.state.numpy(), before)


def test_saved_model_keeps_the_state(tmp_path):
    # TF saves the state variable with the SavedModel and loads the generator back as a plain
    # object holding it (no draw methods).
    module = tf.Module()
    module.g = tf.random.Generator.from_seed(11)
    module.g.normal((3,))
    saved_state = module.g.state.numpy().copy()
    tf.saved_model.save(module, str(tmp_path / "sm"))
    module.g.normal((2,))
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    (state,) = loaded.g.variables
    assert state.dtype == tf.int64
    np.testing.assert_array_equal(state.numpy(), saved_state)
