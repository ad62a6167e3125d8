"""tf.Module variable tracking and name scopes, in TensorFlow's order and naming."""

import pytest

import tapeflow as tf


class MyModel(tf.Module):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0, name="w")
        self.b = tf.Variable(0.0)
        self.layers = [tf.Module(name="inner")]
        self.layers[0].v = tf.Variable(1.0, trainable=False, name="v")
        with self.name_scope:
            self.c = tf.Variable(1.0, name="c")


def test_variables_in_tensorflow_order():
    m = MyModel()
    # Printed by TF 2.21 for the same class.
    assert [v.name for v in m.variables] == ["Variable:0", "my_model/c:0", "w:0", "v:0"]
    assert [v.name for v in m.trainable_variables] == ["Variable:0", "my_model/c:0", "w:0"]
    assert [v.name for v in m.non_trainable_variables] == ["v:0"]
    assert [s.name for s in m.submodules] == ["inner"]


def test_names_and_scopes():
    assert MyModel().name == "my_model" and MyModel().name_scope.name == "my_model/"
    assert MyModel(name="custom").name_scope.name == "custom/"
    with tf.name_scope("outer"):
        assert tf.Variable(1.0, name="x").name == "outer/x:0"
        assert MyModel().name_scope.name == "outer/my_model/"
    with pytest.raises(ValueError, match="not a valid module name"):
        tf.Module(name="bad name")


def test_shared_variable_is_listed_once_and_dicts_are_tracked():
    m = tf.Module()
    v = tf.Variable(1.0)
    m.a = v
    m.d = {"k": v, "j": (tf.Variable(2.0),)}
    assert len(m.variables) == 2
