"""Deferred restore into objects that appear after `restore`, with TF 2.21's results.

TF restores a saved value the moment its object is attached: appended to a list or put in a
dict held by a Checkpoint, a tf.Module or a Keras layer, or assigned as an attribute. A value
is applied once, to the object attached at its place; nothing else is overwritten later.
"""

import gc
import json

import numpy as np
import pytest

import tapeflow as tf


class M(tf.Module):
    pass


@pytest.fixture()
def saved(tmp_path):
    save = tf.train.Checkpoint()
    save.listed = [tf.Variable(1.0), tf.Variable(2.0)]
    save.d = {"a": tf.Variable(3.0), "b": tf.Variable(4.0)}
    save.v = tf.Variable(5.0)
    m = M()
    m.w = tf.Variable(6.0)
    m.sub = [M()]
    m.sub[0].u = tf.Variable(7.0)
    save.mods = [m]
    save.nested = [[tf.Variable(8.0)], {"k": [tf.Variable(9.0)]}]
    return save.save(tmp_path / "ck")


def test_append_to_a_list_restores_in_order(saved):
    r = tf.train.Checkpoint()
    r.restore(saved).expect_partial()
    r.listed = []
    values = []
    for _ in range(3):
        v = tf.Variable(0.0)
        r.listed.append(v)
        values.append(float(v))
    assert values == [1.0, 2.0, 0.0]  # the third has no saved value


def test_the_issue_example(saved):
    r = tf.train.Checkpoint()
    r.restore(saved).expect_partial()
    r.listed = []
    v = tf.Variable(0.0)
    r.listed.append(v)
    assert float(v) == 1.0


def test_attribute_dict_item_and_tuple_restore_when_attached(saved):
    r = tf.train.Checkpoint()
    r.restore(saved).expect_partial()
    r.v = tf.Variable(0.0)
    assert float(r.v) == 5.0
    r.d = {}
    x, unknown = tf.Variable(0.0), tf.Variable(0.0)
    r.d["b"] = x
    r.d["zz"] = unknown
    assert (float(x), float(unknown)) == (4.0, 0.0)
    r.d.update({"a": tf.Variable(0.0)})
    assert float(r.d["a"]) == 3.0
    r2 = tf.train.Checkpoint()
    r2.restore(saved).expect_partial()
    r2.listed = (tf.Variable(0.0), tf.Variable(0.0))
    assert [float(t) for t in r2.listed] == [1.0, 2.0]


def test_nested_modules_and_containers_restore_when_completed(saved):
    r = tf.train.Checkpoint()
    r.restore(saved).expect_partial()
    r.mods = []
    mm = M()
    r.mods.append(mm)
    mm.w = tf.Variable(0.0)
    assert float(mm.w) == 6.0
    mm.sub = []
    s0 = M()
    mm.sub.append(s0)
    s0.u = tf.Variable(0.0)
    assert float(s0.u) == 7.0
    r.nested = [[], {}]
    n0 = tf.Variable(0.0)
    r.nested[0].append(n0)
    r.nested[1]["k"] = [tf.Variable(0.0)]
    assert (float(n0), float(r.nested[1]["k"][0])) == (8.0, 9.0)


def test_extend_and_iadd_restore(saved):
    r = tf.train.Checkpoint()
    r.restore(saved).expect_partial()
    r.listed = []
    r.listed += [tf.Variable(0.0)]
    r.listed.extend([tf.Variable(0.0)])
    assert [float(t) for t in r.listed] == [1.0, 2.0]


def test_a_value_is_applied_once_and_never_to_a_moved_object(saved):
    r = tf.train.Checkpoint()
    r.restore(saved).expect_partial()
    r.listed = [tf.Variable(0.0)]
    assert float(r.listed[0]) == 1.0
    r.listed[0] = tf.Variable(-1.0)  # replaces a restored element: keeps its own value
    assert float(r.listed[0]) == -1.0
    r.listed.insert(0, tf.Variable(-2.0))  # moves -1 to where value 2.0 still waits
    assert [float(t) for t in r.listed] == [-2.0, -1.0]
    r.save_counter  # noqa: B018 - a later checkpoint call must not overwrite it either
    r.listed.extend([tf.Variable(0.0)])
    assert [float(t) for t in r.listed] == [-2.0, -1.0, 0.0]


def test_list_held_before_the_restore_is_tracked_too(saved, tmp_path):
    r = tf.train.Checkpoint()
    r.listed = []
    r.restore(saved).expect_partial()
    a = tf.Variable(0.0)
    r.listed.append(a)
    assert float(a) == 1.0

    class Holder(tf.Module):
        def __init__(self):
            super().__init__()
            self.items = []

    sh = tf.train.Checkpoint(h=Holder())
    sh.h.items.append(tf.Variable(11.0))
    path = sh.save(tmp_path / "h")
    rh = tf.train.Checkpoint(h=Holder())
    rh.restore(path)
    z = tf.Variable(0.0)
    rh.h.items.append(z)
    assert float(z) == 11.0


def test_tracked_containers_share_storage_and_behave_as_list_and_dict(saved):
    r = tf.train.Checkpoint()
    r.restore(saved).expect_partial()
    mine = []
    r.listed = mine
    v = tf.Variable(0.0)
    r.listed.append(v)
    assert mine == [v] and len(mine) == 1  # the caller's list sees it
    assert isinstance(r.listed, list) and list(r.listed) == [v] and r.listed == [v]
    r.d = {"x": 1}
    assert isinstance(r.d, dict) and dict(r.d) == {"x": 1} and {**r.d} == {"x": 1}
    assert json.dumps(r.d) == '{"x": 1}' and json.dumps([1, 2] + list(r.listed[:0])) == "[1, 2]"
    assert tf.nest.flatten({"l": r.listed}) == [v]


def test_status_counts_the_late_objects(saved):
    r = tf.train.Checkpoint()
    status = r.restore(saved)
    r.listed = [tf.Variable(0.0), tf.Variable(0.0), tf.Variable(0.0)]
    with pytest.raises(AssertionError, match="listed/2"):
        status.assert_existing_objects_matched()


def test_restore_without_keeping_the_checkpoint_still_restores_on_build(tmp_path):
    m = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    m.build((None, 2))
    path = tf.train.Checkpoint(model=m).save(tmp_path / "k")
    m2 = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    tf.train.Checkpoint(model=m2).restore(path)  # the TF idiom: nothing kept
    gc.collect()
    m2.build((None, 2))
    np.testing.assert_array_equal(m2.layers[0].kernel.numpy(), m.layers[0].kernel.numpy())
    assert "_tapeflow_checkpoints_waiting" not in vars(m2)  # released once all matched


def test_model_and_optimizer_attached_after_restore(tmp_path):
    m = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    m.build((None, 2))
    opt = tf.keras.optimizers.Adam(0.1)
    x = np.ones((2, 2), np.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(m(x))
    opt.apply_gradients(zip(tape.gradient(loss, m.trainable_variables), m.trainable_variables))
    path = tf.train.Checkpoint(model=m, opt=opt).save(tmp_path / "k")
    r = tf.train.Checkpoint()
    status = r.restore(path)
    m2 = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    m2.build((None, 2))
    r.model = m2
    np.testing.assert_array_equal(m2.layers[0].kernel.numpy(), m.layers[0].kernel.numpy())
    o2 = tf.keras.optimizers.Adam(0.1)
    r.opt = o2
    assert int(o2.iterations) == 1
    status.assert_existing_objects_matched()
    with pytest.raises(AssertionError, match="OPTIMIZER_SLOT"):
        status.assert_consumed()  # as TF: the slots do not exist until the optimizer builds
    o2.build(m2.trainable_variables)
    for a, b in zip(o2.variables, opt.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    status.assert_consumed()
