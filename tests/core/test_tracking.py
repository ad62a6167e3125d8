"""The tracked list and dict (core/tracking.py): list/dict behaviour, shared storage, hooks."""

import copy
import json
import pickle

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core import tracking
from tapeflow.core.tracking import TrackedDict, TrackedList


@pytest.fixture()
def heard(monkeypatch):
    """Installs a recording restorer for the test; what it was told comes back."""
    told = []
    tracking.set_restorer(told.append)
    yield told
    tracking.set_restorer(None)


def test_list_shares_storage_with_the_original_both_ways():
    original = [1, 2]
    tracked = TrackedList(original)
    tracked.append(3)
    original.append(4)
    assert original == [1, 2, 3, 4] and tracked == [1, 2, 3, 4] and len(tracked) == 4
    assert list(tracked) == [1, 2, 3, 4] and tuple(tracked) == (1, 2, 3, 4)
    assert json.dumps(tracked) == "[1, 2, 3, 4]"
    np.testing.assert_array_equal(np.asarray(tracked), [1, 2, 3, 4])
    assert tracked[1:3] == [2, 3] and tracked[-1] == 4 and 3 in tracked
    assert tracked + [5] == [1, 2, 3, 4, 5] and [0] + tracked == [0, 1, 2, 3, 4]


def test_list_changes_keep_the_mirror_right():
    tracked = TrackedList([3, 1, 2])
    tracked.insert(0, 9)
    tracked[1] = 7
    del tracked[2]
    tracked.sort()
    assert tracked == [2, 7, 9] and list.__len__(tracked) == 3
    tracked.reverse()
    assert tracked.pop() == 2 and tracked == [9, 7]
    tracked.remove(9)
    tracked *= 2
    assert tracked == [7, 7] and list.__eq__(tracked, [7, 7])
    tracked.clear()
    assert tracked == [] and not tracked


def test_dict_shares_storage_and_serialises():
    original = {"a": 1}
    tracked = TrackedDict(original)
    tracked["b"] = 2
    assert original == {"a": 1, "b": 2}
    assert dict(tracked) == {"a": 1, "b": 2} and {**tracked} == {"a": 1, "b": 2}
    assert json.dumps(tracked) == '{"a": 1, "b": 2}' and json.dumps(TrackedDict()) == "{}"
    assert tracked.pop("a") == 1 and tracked.popitem() == ("b", 2)
    assert json.dumps(tracked) == "{}" and tracked == {}


def test_nested_containers_are_tracked_and_structures_round_trip():
    inner = []
    tracked = TrackedDict({"l": inner, "t": ([],)})
    assert type(tracked["l"]) is TrackedList and type(tracked["t"][0]) is TrackedList
    tracked["l"].append(1)
    assert inner == [1]
    packed = tf.nest.pack_sequence_as(tracked, tf.nest.flatten(tracked))
    assert packed == {"l": [1], "t": ([],)}
    assert copy.deepcopy(tracked) == tracked and pickle.loads(pickle.dumps(tracked)) == tracked
    assert copy.copy(TrackedList([1])) == [1]


def test_additions_are_reported_and_removals_are_not(heard):
    tracked = TrackedList()
    v = tf.Variable(1.0)
    tracked.append(v)
    tracked.extend([v])
    tracked.insert(0, v)
    tracked[0] = v
    tracked.pop()
    d = TrackedDict()
    d["k"] = v
    d.update(x=v)
    d.setdefault("y", v)
    del d["k"]
    assert len(heard) == 7


def test_module_attributes_report_only_while_a_checkpoint_waits(heard):
    m = tf.Module()
    m.items = []
    assert type(m.items) is TrackedList and heard
    tracking.set_restorer(None)
    assert "__setattr__" not in vars(tf.Module)  # no cost once nothing waits
    m.other = []
    assert type(m.other) is list
