"""Hostile SavedModels: documents that name file-access ops, inject code through attribute
names or write methods, refer to values or variables that do not exist, lie about shapes or
name attributes Python would treat specially; a TensorFlow protobuf SavedModel; truncation."""

from __future__ import annotations

import numpy as np
from hostile_common import MARKER, Case, truncated, write_bytes

import tapeflow as tf
from tapeflow.core.errors import DataLossError, UnimplementedError
from tapeflow.io.safe_format import read_tensors, write_tensors

FILE = "saved_model.tapeflow"


class Small(tf.Module):
    def __init__(self):
        super().__init__()
        self.v = tf.Variable(np.ones(3, np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def __call__(self, x):
        return tf.reshape(x * self.v, [-1])


def saved(directory):
    tf.saved_model.save(Small(), str(directory / "m"))


def load(directory):
    loaded = tf.saved_model.load(str(directory / "m"))
    return loaded(tf.ones([2, 3]))  # a load that passes must not run anything either


def with_document(mutate):
    def make(directory):
        saved(directory)
        path = directory / "m" / FILE
        tensors, metadata = read_tensors(path)
        mutate(metadata, tensors)
        write_tensors(path, tensors, metadata)

    return make


def _nodes(metadata):
    return metadata["concrete_functions"][0]["graph"]["nodes"]


def _first_op(metadata):
    return next(n for n in _nodes(metadata) if n["kind"] == "op")


def _write_file(metadata, tensors):
    node = _first_op(metadata)
    node["op"] = "WriteFile"
    node["attrs"] = {}


def _unknown_op(metadata, tensors):
    _first_op(metadata)["op"] = "__import__"


def _attribute_injection(metadata, tensors):
    _first_op(metadata)["attrs"][f"x=__import__('os').system('touch {MARKER}'),y"] = 1


def _write_method_injection(metadata, tensors):
    read = next(n for n in _nodes(metadata) if n["kind"] == "read")
    _nodes(metadata).append(
        {
            "kind": "write",
            "var": read["var"],
            "method": f"assign(0) or __import__('os').system('touch {MARKER}') or v.assign",
            "in": read["out"],
        }
    )


def _use_before_definition(metadata, tensors):
    _first_op(metadata)["in"] = [10_000]


def _missing_variable(metadata, tensors):
    metadata["concrete_functions"][0]["graph"]["variables"] = [99]


def _dunder_attribute(metadata, tensors):
    root = metadata["objects"][0]
    root["children"]["__class__"] = root["children"].pop("v")


def _variable_shape_lie(metadata, tensors):
    metadata["variables"][0]["shape"] = [1 << 40]


def _generator_state(metadata, tensors):
    _first_op(metadata)["attrs"]["rng"] = {"pcg64": ["-1", "x", 7, 0]}


def _deep_attribute(metadata, tensors):
    value = 1
    for _ in range(50):
        value = {"t": [value]}
    _first_op(metadata)["attrs"]["shape"] = value


class Grow(tf.Module):
    @tf.function
    def grow(self, x):
        return x * 2.0


def saved_ragged_naming(name):
    """A SavedModel whose ragged argument names another class to rebuild it with."""

    def make(directory):
        module = Grow()
        module.grow.get_concrete_function(tf.RaggedTensorSpec([None, None], tf.float32))
        tf.saved_model.save(module, str(directory / "m"))
        path = directory / "m" / FILE
        tensors, metadata = read_tensors(path)
        metadata["concrete_functions"][0]["structure"][0][1]["composite"] = name
        write_tensors(path, tensors, metadata)

    return make


def load_ragged(directory):
    loaded = tf.saved_model.load(str(directory / "m"))
    return loaded.grow(tf.ragged.constant([[1.0], [2.0, 3.0]]))


def _tf_protobuf(directory):
    (directory / "m").mkdir()
    (directory / "m" / "saved_model.pb").write_bytes(b"\x08\x01\x12\x00")


REFUSED = "not a valid tapeflow SavedModel"

CASES = [
    Case(
        "saved_model composite names another class",
        saved_ragged_naming("os.system"),
        load_ragged,
        DataLossError,
        "composite tensor 'os.system' is not one tapeflow restores",
    ),
    Case(
        "saved_model op WriteFile",
        with_document(_write_file),
        load,
        DataLossError,
        "op 'WriteFile' is not allowed in a loaded function",
    ),
    Case(
        "saved_model unknown op", with_document(_unknown_op), load, DataLossError, "is not an op"
    ),
    Case(
        "saved_model attribute name injection",
        with_document(_attribute_injection),
        load,
        DataLossError,
        "has no attribute",
    ),
    Case(
        "saved_model write method injection",
        with_document(_write_method_injection),
        load,
        DataLossError,
        "malformed variable write",
    ),
    Case(
        "saved_model value used before it is computed",
        with_document(_use_before_definition),
        load,
        DataLossError,
        "uses a value before it is computed",
    ),
    Case(
        "saved_model missing variable",
        with_document(_missing_variable),
        load,
        DataLossError,
        "refers to a variable the file does not hold",
    ),
    Case(
        "saved_model dunder attribute",
        with_document(_dunder_attribute),
        load,
        DataLossError,
        "attribute name '__class__'",
    ),
    Case(
        "saved_model variable shape lie",
        with_document(_variable_shape_lie),
        load,
        DataLossError,
        "variable 0 shape",
    ),
    Case(
        "saved_model bad generator state",
        with_document(_generator_state),
        load,
        DataLossError,
        REFUSED,
    ),
    Case(
        "saved_model attribute nested 100 deep",
        with_document(_deep_attribute),
        load,
        DataLossError,
        "nested",
    ),
    Case(
        "saved_model truncated",
        truncated(saved, f"m/{FILE}"),
        load,
        DataLossError,
        "truncated",
    ),
    Case(
        "saved_model is a pickle",
        lambda d: (d / "m").mkdir() or write_bytes(f"m/{FILE}", b"\x80\x04\x95" + bytes(99))(d),
        load,
        DataLossError,
        "pickle",
    ),
    Case(
        "saved_model from TensorFlow (protobuf)",
        _tf_protobuf,
        load,
        UnimplementedError,
        "TensorFlow SavedModel",
    ),
]
