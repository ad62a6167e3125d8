"""Hostile tensor files: `.weights.h5` in tapeflow's own safe tensor format (what it wrote
before HDF5, still read) and tf.train checkpoints, with size lies, bad headers and a huge
state file. HDF5 files: `hostile_h5.py`."""

from __future__ import annotations

import hashlib
import struct

import numpy as np
from hostile_common import (
    Case,
    MiB,
    legacy_weights_bytes,
    small_model,
    tensor_file_bytes,
    truncated,
    write_bytes,
)

import tapeflow as tf
from tapeflow.core.errors import DataLossError


def load_weights_file(directory):
    return small_model().load_weights(directory / "m.weights.h5")


def saved_weights(directory):
    (directory / "m.weights.h5").write_bytes(legacy_weights_bytes(small_model()))


def restore_checkpoint(directory):
    return tf.train.Checkpoint(v=tf.Variable(np.zeros(4, np.float32))).restore(
        str(directory / "ckpt-1")
    )


def read_checkpoint(directory):
    return tf.train.load_checkpoint(str(directory / "ckpt-1"))


def checkpoint_state(directory):
    """`tf.train.get_checkpoint_state`, raising the warning it logs when it ignores a file."""
    import logging

    messages = []

    class Keep(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    logger = logging.getLogger("tapeflow")
    handler = Keep(logging.WARNING)
    logger.addHandler(handler)
    try:
        state = tf.train.get_checkpoint_state(str(directory))
    finally:
        logger.removeHandler(handler)
    if state is None:
        raise ValueError(f"no usable checkpoint state: {messages}")
    return state


def weights_header(entry: dict, payload: bytes = bytes(64), **header):
    def make(directory):
        full = {
            "format": "tapeflow.tensors",
            "version": 1,
            "metadata": {"format": "tapeflow.keras.weights", "version": 1},
            "payload_nbytes": len(payload),
            "tensors": {"layers/dense/vars/0": entry},
            **header,
        }
        (directory / "m.weights.h5").write_bytes(tensor_file_bytes(full, payload))

    return make


def weights_raw_header(text: bytes):
    def make(directory):
        body = struct.pack("<8sIIQ", b"TFLWTNSR", 1, 0, len(text)) + text
        body += bytes(-len(body) % 64)
        data = body + b"SHA256\0\0" + hashlib.sha256(body).digest()
        (directory / "m.weights.h5").write_bytes(data)

    return make


def weights_header_length(length: int):
    return write_bytes(
        "m.weights.h5", struct.pack("<8sIIQ", b"TFLWTNSR", 1, 0, length) + bytes(100)
    )


def checkpoint_lie(entry: dict, payload_nbytes: int, actual: bytes = bytes(64)):
    def make(directory):
        header = {
            "format": "tapeflow.tensors",
            "version": 1,
            "metadata": {"format": "tapeflow.train.Checkpoint", "aliases": {}},
            "payload_nbytes": payload_nbytes,
            "tensors": {"v": entry},
        }
        (directory / "ckpt-1.tapeflow").write_bytes(tensor_file_bytes(header, actual))

    return make


def huge_state_file(directory):
    with open(directory / "checkpoint", "wb") as f:
        f.write(b'model_checkpoint_path: "ckpt-1"\n')
        f.truncate(256 * MiB)  # sparse: large on paper, cheap to make


def _checkpoint(directory):
    tf.train.Checkpoint(v=tf.Variable(np.arange(4, dtype=np.float32))).write(
        str(directory / "ckpt-1")
    )


CASES = [
    Case(
        "weights truncated",
        truncated(saved_weights, "m.weights.h5"),
        load_weights_file,
        DataLossError,
        "truncated",
    ),
    Case(
        "weights is a pickle",
        write_bytes("m.weights.h5", b"\x80\x04\x95" + bytes(100)),
        load_weights_file,
        DataLossError,
        "pickle, which tapeflow never loads",
    ),
    Case(
        "weights is a broken HDF5 file",
        write_bytes("m.weights.h5", b"\x89HDF\r\n\x1a\n" + bytes(100)),
        load_weights_file,
        DataLossError,
        "not a readable HDF5 file",
    ),
    Case(
        "weights header length lie",
        weights_header_length(1 << 40),
        load_weights_file,
        DataLossError,
        "truncated: the header alone needs",
    ),
    Case(
        "weights payload size lie",
        weights_header(
            {"dtype": "<f4", "shape": [2], "offset": 0, "nbytes": 8}, payload_nbytes=1 << 31
        ),
        load_weights_file,
        DataLossError,
        "truncated: expected",
    ),
    Case(
        "weights tensor size lie",
        weights_header({"dtype": "<f4", "shape": [1 << 29], "offset": 0, "nbytes": 1 << 31}),
        load_weights_file,
        DataLossError,
        "past the end of the payload",
    ),
    Case(
        "weights huge empty shape",
        weights_header({"dtype": "<f4", "shape": [0, 1 << 63, 1 << 63], "offset": 0, "nbytes": 0}),
        load_weights_file,
        DataLossError,
        "malformed shape",
    ),
    Case(
        "weights rank 1000",
        weights_header({"dtype": "<f4", "shape": [1] * 1000, "offset": 0, "nbytes": 4}),
        load_weights_file,
        DataLossError,
        "malformed shape",
    ),
    Case(
        "weights NaN shape",
        weights_raw_header(
            b'{"format": "tapeflow.tensors", "version": 1, "metadata": {}, "payload_nbytes": 0, '
            b'"tensors": {"x": {"dtype": "<f4", "shape": [NaN], "offset": 0, "nbytes": 4}}}'
        ),
        load_weights_file,
        DataLossError,
        "NaN is not a JSON number",
    ),
    Case(
        "weights string dtype",
        weights_header({"dtype": "<U67108864", "shape": [1], "offset": 0, "nbytes": 4}),
        load_weights_file,
        DataLossError,
        "is not allowed",
    ),
    Case(
        "weights string tensor count lie",
        weights_header({"dtype": "string", "shape": [1 << 40], "offset": 0, "nbytes": 64}),
        load_weights_file,
        DataLossError,
        "64 bytes cannot hold 1099511627776 string lengths",
    ),
    Case(
        "weights overlapping tensors",
        weights_header(
            {"dtype": "<f4", "shape": [4], "offset": 0, "nbytes": 16},
            tensors={
                "a": {"dtype": "<f4", "shape": [4], "offset": 0, "nbytes": 16},
                "b": {"dtype": "<f4", "shape": [4], "offset": 8, "nbytes": 16},
            },
        ),
        load_weights_file,
        DataLossError,
        "overlaps",
    ),
    Case(
        "weights header nested deep",
        weights_raw_header(b"[" * 100_000 + b"]" * 100_000),
        load_weights_file,
        DataLossError,
        "nested more than 64 levels",
    ),
    Case(
        "weights duplicate keys",
        weights_raw_header(b'{"format": "tapeflow.tensors", "format": "x"}'),
        load_weights_file,
        DataLossError,
        "duplicate key",
    ),
    Case(
        "checkpoint truncated",
        truncated(lambda d: _checkpoint(d), "ckpt-1.tapeflow"),
        restore_checkpoint,
        DataLossError,
        "truncated",
    ),
    Case(
        "checkpoint payload lie",
        checkpoint_lie({"dtype": "<f4", "shape": [4], "offset": 0, "nbytes": 16}, 1 << 34),
        restore_checkpoint,
        DataLossError,
        "truncated: expected",
    ),
    Case(
        "checkpoint tensor lie",
        checkpoint_lie({"dtype": "<f8", "shape": [1 << 30], "offset": 0, "nbytes": 1 << 33}, 64),
        read_checkpoint,
        DataLossError,
        "past the end of the payload",
    ),
    Case(
        "checkpoint state file of 256 MiB",
        huge_state_file,
        checkpoint_state,
        ValueError,
        "the state file is over 16777216 bytes",
    ),
]
