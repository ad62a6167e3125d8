"""The core changes tf.function relies on (tapeflow/core), checked in eager mode."""

import tapeflow as tf
from tapeflow.backend import xp
from tapeflow.core.context import state


def test_rank0_variable_stays_an_array_after_a_copy_on_write_update():
    v = tf.Variable(0.0)
    kept = v.read_value()  # shares the array: the next write copies
    v.assign_add(1.0)
    v.assign_sub(0.5)
    del kept
    v.assign_add(1.0)  # now in place
    assert isinstance(v._value, xp.ndarray)  # not a NumPy scalar (nor one on a GPU)
    assert float(v) == 1.5 and float(v.read_value()) == 1.5


def test_no_tracer_outside_tf_function():
    assert state.tracer is None
    t = tf.constant(1.0)
    assert bool(t) and float(t) == 1.0 and int(t) == 1 and t.numpy() == 1.0
    assert state.tracer is None and not state.recording
