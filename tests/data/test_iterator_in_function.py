"""A tf.data iterator advanced inside a tf.function (`next(iterator)`, `get_next()`): every
call takes the next element, the function traces once and runs its plan, the end is
OutOfRangeError; the values are TensorFlow's (tests/golden/make_iterator_function.py)."""

import importlib.util
import json
import pathlib
import warnings

import numpy as np
import pytest

import tapeflow

GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
GOLDEN = json.loads((GOLDEN_DIR / "iterator_function.json").read_text())


def _golden_module():
    spec = importlib.util.spec_from_file_location(
        "make_iterator_function", GOLDEN_DIR / "make_iterator_function.py"
    )
    module = importlib.util.module_from_spec(spec)
    source = (GOLDEN_DIR / "make_iterator_function.py").read_text()
    # Only the case table and the runner are needed: no TensorFlow import.
    exec(compile(source.replace("import tensorflow as tf", "tf = None"), spec.origin, "exec"),
         module.__dict__)  # fmt: skip
    return module


MODULE = _golden_module()
CASES = MODULE.cases(tapeflow)


@pytest.mark.parametrize("captured", [False, True], ids=["argument", "captured"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_call_takes_the_next_element_as_tf(name, captured):
    make_iterator, body = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "runs the Python function eagerly" fallback
        got = MODULE.run_case(tapeflow, make_iterator, body, captured)
    assert got == GOLDEN[f"{name}/{'captured' if captured else 'argument'}"]


def test_the_plan_pulls_the_element_not_a_retrace():
    iterator = iter(tapeflow.data.Dataset.range(4).map(lambda v: v * 2))
    traced = []

    @tapeflow.function
    def f(it):
        traced.append(1)
        return next(it) + 1

    assert [int(f(iterator)) for _ in range(4)] == [1, 3, 5, 7]
    assert len(traced) == 1
    assert "HostCall" in str(f.get_concrete_function(iterator).graph.as_graph_def())


def test_get_concrete_function_takes_no_element():
    assert MODULE.concrete_function_does_not_advance(tapeflow) == GOLDEN["concrete_function"]


def test_eager_next_and_checkpoint_after_a_dry_trace_read_ahead(tmp_path):
    iterator = iter(tapeflow.data.Dataset.range(6))
    f = tapeflow.function(lambda it: next(it) + next(it))
    f.get_concrete_function(iterator)  # reads two elements ahead, takes none
    assert int(next(iterator)) == 0
    checkpoint = tapeflow.train.Checkpoint(iterator=iterator)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    assert int(f(iterator)) == 1 + 2
    checkpoint.restore(path)
    assert [int(x) for x in iterator] == [1, 2, 3, 4, 5]


def test_varying_shapes_run_eagerly_with_every_element():
    # The last batch is shorter: the element_spec has a None dimension, a plan cannot fix it.
    iterator = iter(tapeflow.data.Dataset.range(5).batch(2))
    f = tapeflow.function(lambda it: tapeflow.reduce_sum(next(it)))
    with pytest.warns(UserWarning, match="runs? the Python function eagerly"):
        got = [int(f(iterator)) for _ in range(3)]
    assert got == [1, 5, 4]
    with pytest.raises(tapeflow.errors.OutOfRangeError, match="End of sequence"):
        f(iterator)


def test_a_for_loop_over_a_dataset_inside_the_function_still_runs_eagerly():
    dataset = tapeflow.data.Dataset.from_tensor_slices(np.arange(3, dtype=np.int32))

    @tapeflow.function
    def total(ds):
        s = tapeflow.constant(0)
        for x in ds:
            s += x
        return s

    with pytest.warns(UserWarning, match="eagerly"):
        assert int(total(dataset)) == 3
    assert int(total(dataset)) == 3


def test_get_concrete_function_of_a_dataset_loop_gives_a_graph_and_keeps_the_epochs():
    # The tf.function guide's measure_graph_size: TF's AutoGraph makes the loop a dataset
    # op; here the graph is the loop unrolled over one pass, for looking at, and calls run
    # eagerly. The pass that the trace made must not use up a shuffle epoch.
    def dataset():
        return tapeflow.data.Dataset.range(5).shuffle(5, seed=3)

    eager = dataset()
    expected = [[int(x) for x in eager] for _ in range(2)]

    @tapeflow.function
    def order(ds):
        out = tapeflow.constant(0, tapeflow.int64)
        for x in ds:
            out = out * 10 + x
        return out

    ds = dataset()
    with pytest.warns(UserWarning, match="eagerly"):
        concrete = order.get_concrete_function(ds)
    assert len(concrete.graph.as_graph_def().node) > 0
    got = [int(concrete(ds)), int(order(ds))]
    assert got == [int("".join(map(str, e))) for e in expected]
